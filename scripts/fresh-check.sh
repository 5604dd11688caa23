#!/bin/sh
# Run the README's two commands on a fresh Debian 12, as a new user would:
# a minimal bookworm chroot (debootstrap --variant=minbase: only the
# "required" packages), a clean clone of this repository's HEAD, then
#   sh scripts/deps.sh && make run     (the demo must print its password
#                                       and get ready; stopped after that)
#   make test
# Needs root and Debian's package mirror.  Not part of `make test` (it
# downloads and installs a system: 15-20 minutes on 2 cores); run it
# before a release or after touching scripts/deps.sh:
#   sh scripts/fresh-check.sh [CHROOT_DIR]
# An existing CHROOT_DIR made by an earlier run is reused as it was left
# by debootstrap: the script works in a copy, so every run starts clean.
set -eu
cd "$(dirname "$0")/.."
REPO=$(pwd)
BASE=${1:-/var/tmp/postern-bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}

if [ "$(id -u)" -ne 0 ]; then
	echo "fresh-check: needs root (debootstrap, chroot, mount)" >&2
	exit 2
fi
if [ ! -x "$BASE/bin/sh" ]; then
	command -v debootstrap >/dev/null ||
	    apt-get install -y -q --no-install-recommends debootstrap
	debootstrap --variant=minbase bookworm "$BASE" "$MIRROR"
fi
ROOT=$(mktemp -d /var/tmp/postern-fresh.XXXXXX)
cleanup() {
	for m in dev/pts dev proc sys; do
		umount -l "$ROOT/$m" 2>/dev/null || true
	done
	rm -rf "$ROOT"
}
trap cleanup EXIT INT TERM
cp -a "$BASE/." "$ROOT/"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"	# apt-get needs the mirror
mount -t proc proc "$ROOT/proc"
mount -t sysfs sys "$ROOT/sys"
mount --bind /dev "$ROOT/dev"
mount --bind /dev/pts "$ROOT/dev/pts"
git clone -q "$REPO" "$ROOT/root/postern"
echo "fresh-check: clone of $(git rev-parse --short HEAD) in $ROOT"

start=$(date +%s)
chroot "$ROOT" /usr/bin/env -i HOME=/root TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /bin/sh -eu -c '
cd /root/postern
# First command: `sh scripts/deps.sh && make run`, stopped once serving.
setsid sh -c "sh scripts/deps.sh && make run" > /tmp/run.log 2>&1 &
i=0
until grep -q "smtp: ready" /tmp/run.log; do
	i=$((i + 1))
	if [ $i -gt 1800 ] || ! kill -0 $! 2>/dev/null; then
		cat /tmp/run.log; echo "fresh-check: make run failed" >&2
		exit 1
	fi
	sleep 1
done
grep "password:" /tmp/run.log
kill -TERM -$!
wait || true
echo "fresh-check: make run served"
# Second command.
t=$(date +%s)
make test
echo "fresh-check: make test passed in $(( $(date +%s) - t )) s"
'
echo "fresh-check: passed in $(( $(date +%s) - start )) s"
