#!/bin/sh
# Install the Debian 12 packages postern needs to build and test, when they
# are missing.  Needs root for apt-get; as another user it only reports.
set -e
PKGS="build-essential pkg-config libssl-dev libsqlite3-dev libevent-dev
libargon2-dev libcrypt-dev libcmocka-dev openssl python3 python3-pytest swaks curl
msmtp iproute2 util-linux python3-aiosmtpd libc-ares-dev libcurl4-openssl-dev libjansson-dev
dnsmasq-base python3-dkim libnet-ssleay-perl python3-cryptography
procps dovecot-imapd groff-base man-db systemd prometheus postgresql libpq-dev
chromium chromium-driver python3-selenium valgrind"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Installing Dovecot (or dnsmasq) must not start the system's own copy:
# postern runs its own Dovecot.  policy-rc.d is Debian's switch for
# that, kept only for this install and only if there was none.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get update -q
apt-get install -y -q --no-install-recommends $missing
