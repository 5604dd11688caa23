#!/bin/sh
# bench/peers.sh: the comparison peers for `make bench` (bench/run.py):
# Postfix, chasquid and OpenSMTPD from Debian 12 packages, each a private
# instance in a scratch directory, listening only on 127.0.0.1:PORT for
# submission with STARTTLS + AUTH (Postfix and OpenSMTPD: PLAIN and LOGIN;
# chasquid 1.11: PLAIN only), accepting bench@bench.test /
# bench-password-1.  Postfix and chasquid durably queue mail to
# sink@bench.test (on disk before the 250) and then dispose of it locally
# and cheaply; OpenSMTPD only queues it (delivery paused, and 6.8 does not
# fsync a new message: see PEERS.md).  Nothing is ever sent off the
# machine: Postfix has only discard transports, chasquid runs in an empty
# network namespace, OpenSMTPD has its delivery agents paused and no rule
# for any other domain.  See bench/PEERS.md for the choices and caveats.
#
#   peers.sh install
#   peers.sh start postfix|chasquid|opensmtpd DIR PORT CERT KEY
#   peers.sh pids  postfix|chasquid|opensmtpd DIR
#   peers.sh stop  postfix|chasquid|opensmtpd DIR
#
# POSIX sh (run.py calls it as `sh peers.sh ...`); must run as root.

set -eu

USER_LOCAL=bench
DOMAIN=bench.test
PASSWORD=bench-password-1
SINK=sink

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
umask 022

die() { echo "peers.sh: $*" >&2; exit 1; }
usage() {
	die "usage: peers.sh install | start NAME DIR PORT CERT KEY | pids NAME DIR | stop NAME DIR  (NAME: postfix|chasquid|opensmtpd)"
}

# True if the process PID exists and is not a zombie.
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# Wait until 127.0.0.1:$1 accepts a connection (at most $2 seconds).
wait_port() {
	n=0
	while [ "$n" -lt $(($2 * 10)) ]; do
		if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

# ---------------------------------------------------------------- install

stop_system_instances() {
	# systemd units (only where systemd is PID 1; offline `disable` works
	# everywhere systemctl exists and just removes the wants/ symlinks).
	if command -v systemctl >/dev/null 2>&1; then
		if [ -d /run/systemd/system ]; then
			systemctl disable --now postfix.service chasquid.service \
			    chasquid-smtp.socket chasquid-submission.socket \
			    chasquid-submission_tls.socket saslauthd.service \
			    >/dev/null 2>&1 || true
		else
			systemctl disable postfix.service chasquid.service \
			    chasquid-smtp.socket chasquid-submission.socket \
			    chasquid-submission_tls.socket saslauthd.service \
			    >/dev/null 2>&1 || true
		fi
	fi
	if command -v update-rc.d >/dev/null 2>&1; then
		for s in postfix saslauthd; do
			if [ -x "/etc/init.d/$s" ]; then
				update-rc.d "$s" disable >/dev/null 2>&1 || true
			fi
		done
	fi
	# The system Postfix instance (default queue directory), if running.
	if [ -r /var/spool/postfix/pid/master.pid ]; then
		p=$(tr -dc 0-9 </var/spool/postfix/pid/master.pid)
		if [ -n "$p" ] && alive "$p" && \
		    [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = /usr/lib/postfix/sbin/master ]; then
			postfix stop >/dev/null 2>&1 || kill "$p" 2>/dev/null || true
		fi
	fi
	# A system chasquid (one without -config_dir pointing at a scratch dir).
	for p in $(pgrep -x chasquid 2>/dev/null || true); do
		if ! tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- '-config_dir /'; then
			kill "$p" 2>/dev/null || true
		fi
	done
	# A system OpenSMTPD (the Debian package's binary path; the bench's
	# copy runs from OS_ROOT).
	for p in $(pgrep -x smtpd 2>/dev/null || true); do
		if [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = /usr/sbin/smtpd ]; then
			kill "$p" 2>/dev/null || true
		fi
	done
	# saslauthd is not used (smtpd reads sasldb in-process).
	if [ -r /run/saslauthd/saslauthd.pid ]; then
		p=$(tr -dc 0-9 </run/saslauthd/saslauthd.pid)
		if [ -n "$p" ] && alive "$p"; then kill "$p" 2>/dev/null || true; fi
	fi
}

do_install() {
	[ "$(id -u)" = 0 ] || die "install must run as root"
	need=""
	for pkg in postfix sasl2-bin libsasl2-modules libsasl2-modules-db chasquid swaks; do
		if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
			need="$need $pkg"
		fi
	done
	if [ -n "$need" ]; then
		# Keep maintainer scripts from starting the system services.
		made_policy=""
		if [ ! -e /usr/sbin/policy-rc.d ]; then
			printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
			chmod 755 /usr/sbin/policy-rc.d
			made_policy=1
		fi
		echo "postfix postfix/main_mailer_type select No configuration" |
		    debconf-set-selections
		export DEBIAN_FRONTEND=noninteractive
		rc=0
		# shellcheck disable=SC2086 # a list of packages
		if ! apt-get install -y -q $need; then
			# shellcheck disable=SC2086
			apt-get update -q && apt-get install -y -q $need || rc=$?
		fi
		[ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
		[ "$rc" = 0 ] || die "apt-get install$need failed"
	fi
	stop_system_instances
	os_install
	for b in /usr/sbin/postfix /usr/sbin/saslpasswd2 /usr/bin/chasquid /usr/bin/chasquid-util; do
		[ -x "$b" ] || die "missing $b after install"
	done
}

# ---------------------------------------------------------------- postfix

pf_master_pid() {
	f="$1/queue/pid/master.pid"
	[ -r "$f" ] || return 1
	p=$(tr -dc 0-9 <"$f")
	[ -n "$p" ] && alive "$p" || return 1
	echo "$p"
}

pf_pids() {
	m=$(pf_master_pid "$1") || return 0
	# master plus every process it forked (smtpd, cleanup, qmgr, ...):
	# Postfix daemons are direct children of master.
	kids=$(pgrep -P "$m" 2>/dev/null | tr '\n' ' ' || true)
	echo "$m${kids:+ }${kids% }"
}

pf_start() {
	dir=$1 port=$2 cert=$3 key=$4
	etc=$dir/etc
	mkdir -p "$etc/sasl" "$dir/queue" "$dir/data"
	chmod 755 "$dir" "$etc" "$etc/sasl" "$dir/queue"
	chown root:root "$etc" "$dir/queue"
	chown postfix:postfix "$dir/data"
	chmod 700 "$dir/data"
	install -m 644 -o root -g root "$cert" "$etc/cert.pem"
	install -m 600 -o root -g root "$key" "$etc/key.pem"

	# Cyrus SASL, sasldb auxprop read in-process by smtpd (no saslauthd).
	rm -f "$dir/sasldb2"
	printf '%s' "$PASSWORD" | saslpasswd2 -f "$dir/sasldb2" -c -p \
	    -u "$DOMAIN" "$USER_LOCAL"
	chown root:postfix "$dir/sasldb2"
	chmod 640 "$dir/sasldb2"
	# smtpd runs as postfix and opens the sasldb by its full path
	runuser -u postfix -- test -r "$dir/sasldb2" ||
	    die "$dir (or a parent) is not searchable by the postfix user"
	cat >"$etc/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $dir/sasldb2
mech_list: PLAIN LOGIN
EOF

	cat >"$etc/main.cf" <<EOF
# Private benchmark instance (bench/peers.sh); loopback only, no relaying,
# every message is queued (cleanup fsyncs it before smtpd says 250) and then
# delivered by the discard(8) transport.
compatibility_level = 3.6
config_directory = $etc
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
myhostname = $DOMAIN
mydomain = $DOMAIN
myorigin = $DOMAIN
mydestination = $DOMAIN, localhost
mynetworks = 127.0.0.0/8
inet_interfaces = loopback-only
inet_protocols = ipv4
smtp_bind_address = 127.0.0.1
append_dot_mydomain = no
biff = no
# nothing ever leaves: every transport is discard, no DNS
local_transport = discard:local
default_transport = discard:remote
relay_transport = discard:relay
virtual_transport = discard:virtual
local_recipient_maps =
alias_maps =
alias_database =
smtp_dns_support_level = disabled
disable_dns_lookups = yes
smtpd_peername_lookup = no
notify_classes =
# logging to a file through postlogd (no syslog in the container)
maillog_file_prefixes = $dir
maillog_file = $dir/maillog
# no process churn during measurement (the bench sums CPU of live pids)
max_use = 1000000
max_idle = 3600
default_process_limit = 200
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
smtpd_client_recipient_rate_limit = 0
# TLS + SASL
smtpd_tls_cert_file = $etc/cert.pem
smtpd_tls_key_file = $etc/key.pem
smtpd_tls_security_level = encrypt
smtpd_tls_auth_only = yes
smtpd_tls_loglevel = 0
smtpd_tls_session_cache_database =
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $etc/sasl
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous
broken_sasl_auth_clients = no
smtpd_client_restrictions = permit_sasl_authenticated, reject
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions =
smtpd_sender_restrictions =
EOF

	# Only the services this needs; nothing chrooted; the one inet
	# service is bound to 127.0.0.1:PORT.
	cat >"$etc/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$port inet n  -       n       -       -       smtpd
  -o syslog_name=postfix/submission
postlog   unix-dgram n  -       n       -       1       postlogd
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
retry     unix  -       -       n       -       -       error
error     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
EOF

	# `postfix start` runs `postfix check` (creates the queue directories,
	# fixes their ownership) and then master; its complaints go to the
	# maillog file (postlog), so show that on failure.
	if ! postfix -c "$etc" start >"$dir/start.log" 2>&1; then
		cat "$dir/start.log" "$dir/maillog" >&2 2>/dev/null || true
		die "postfix start failed"
	fi
	if ! wait_port "$port" 30; then
		cat "$dir/start.log" "$dir/maillog" >&2 2>/dev/null || true
		pf_stop "$dir"
		die "postfix never listened on $port"
	fi
	pf_pids "$dir"
}

pf_stop() {
	dir=$1
	m=$(pf_master_pid "$dir") || return 0
	pids=$(pf_pids "$dir")
	postfix -c "$dir/etc" stop >/dev/null 2>&1 || kill "$m" 2>/dev/null || true
	# shellcheck disable=SC2086 # a list of pids
	wait_gone 30 $pids
}

# ---------------------------------------------------------------- chasquid

cq_pid() {
	f="$1/chasquid.pid"
	[ -r "$f" ] || return 1
	p=$(tr -dc 0-9 <"$f")
	[ -n "$p" ] && alive "$p" || return 1
	echo "$p"
}

cq_pids() {
	p=$(cq_pid "$1") || return 0
	# chasquid is one (multi-threaded) process; add any MDA child that
	# happens to be running right now.
	kids=$(pgrep -P "$p" 2>/dev/null | tr '\n' ' ' || true)
	echo "$p${kids:+ }${kids% }"
}

# systemd-style socket activation of one socket named "submission":
# bind+listen ADDR:PORT as fd 3, then exec the rest of argv in this pid.
SOCKET_ACTIVATE='
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(4096)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS="1",
                  LISTEN_FDNAMES="submission")
os.execvp(sys.argv[3], sys.argv[3:])
'

cq_start() {
	dir=$1 port=$2 cert=$3 key=$4
	cfg=$dir/config
	mkdir -p "$cfg/certs/$DOMAIN" "$cfg/domains/$DOMAIN" "$dir/data/queue"
	chmod 700 "$cfg/certs" "$dir/data/queue"
	# Durability.  chasquid 1.11 (Debian 12) writes a queue item as
	# temp file + rename with NO fsync before it answers 250 (checked with
	# strace; see PEERS.md).  To make it durable like postern and Postfix
	# without patching it, the queue directory gets the ext4/btrfs/xfs
	# "synchronous updates" attribute (chattr +S), which new files
	# inherit: each create, write and rename in it reaches the disk before
	# the syscall returns, so the item is on disk before the 250.
	# PEERS_CHASQUID_SYNC=0 runs it stock (not durable) instead.
	if [ "${PEERS_CHASQUID_SYNC:-1}" != 0 ]; then
		chattr +S "$dir/data/queue" ||
		    die "chattr +S $dir/data/queue failed (filesystem without the sync attribute?); set PEERS_CHASQUID_SYNC=0 to run chasquid without durability"
		lsattr -d "$dir/data/queue" | cut -d' ' -f1 | grep -q S ||
		    die "sync attribute did not stick on $dir/data/queue"
	fi
	install -m 644 "$cert" "$cfg/certs/$DOMAIN/fullchain.pem"
	install -m 600 "$key" "$cfg/certs/$DOMAIN/privkey.pem"
	# All three listeners are "systemd" (socket activation): the
	# submission socket, 127.0.0.1:PORT, is made by systemd-socket-activate
	# in this network namespace and handed over as fd "submission"; smtp
	# and submission-over-TLS get no socket, so they don't listen at all.
	# chasquid itself runs in a fresh, empty network namespace
	# (unshare -n): it relays for authenticated users to any domain and
	# 1.11 cannot be told not to, so a stray remote recipient must not be
	# able to make it look up MX records or connect anywhere.
	# The MDA is /bin/true: a queued message to sink@bench.test is
	# "delivered" by running it, then removed from the queue.
	cat >"$cfg/chasquid.conf" <<EOF
hostname: "$DOMAIN"
submission_address: "systemd"
smtp_address: "systemd"
submission_over_tls_address: "systemd"
mail_delivery_agent_bin: "/bin/true"
mail_delivery_agent_args: "%to_user%"
data_dir: "$dir/data"
mail_log_path: "$dir/mail.log"
dovecot_auth: false
EOF
	chasquid-util -C="$cfg" user-add "$USER_LOCAL@$DOMAIN" \
	    --password="$PASSWORD" >/dev/null
	# the recipient must be a known local user (or alias) to be accepted
	chasquid-util -C="$cfg" user-add "$SINK@$DOMAIN" \
	    --password="sink-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')" >/dev/null

	rm -f "$dir/chasquid.pid"
	(
		unset LISTEN_PID LISTEN_FDS LISTEN_FDNAMES
		cd "$dir"
		# setsid: own session, so the caller's signals don't reach it;
		# not a group leader here, so setsid execs (no extra fork).
		# setsid, python3 (binds the socket, sets LISTEN_*) and unshare
		# all exec in turn, so $! ends up being chasquid's pid, which is
		# also the LISTEN_PID it checks.
		setsid python3 -c "$SOCKET_ACTIVATE" "127.0.0.1" "$port" \
		    unshare -n \
		    chasquid -config_dir "$cfg" -logfile "$dir/chasquid.log" \
		    </dev/null >>"$dir/chasquid.out" 2>&1 &
		echo $! >"$dir/chasquid.pid"
	)
	# ready once chasquid has taken the socket over (the port itself
	# accepts as soon as systemd-socket-activate has bound it)
	n=0
	until grep -q "Server listening on .*(submission" "$dir/chasquid.log" 2>/dev/null; do
		n=$((n + 1))
		if [ "$n" -gt 300 ] || ! cq_pid "$dir" >/dev/null; then
			cat "$dir/chasquid.out" "$dir/chasquid.log" >&2 2>/dev/null || true
			cq_stop "$dir"
			die "chasquid did not start"
		fi
		sleep 0.1
	done
	if ! wait_port "$port" 30; then
		cat "$dir/chasquid.out" "$dir/chasquid.log" >&2 2>/dev/null || true
		cq_stop "$dir"
		die "chasquid never listened on $port"
	fi
	cq_pids "$dir"
}

cq_stop() {
	dir=$1
	p=$(cq_pid "$dir") || return 0
	pids=$(cq_pids "$dir")
	kill "$p" 2>/dev/null || true
	# shellcheck disable=SC2086 # a list of pids
	wait_gone 30 $pids
}

# ---------------------------------------------------------------- opensmtpd

# Debian 12's opensmtpd (6.8.0p2) conflicts with postfix (both provide
# mail-transport-agent), so it is not installed: `install` fetches the
# .deb with `apt-get download` and unpacks it with `dpkg-deb -x` into
# OS_ROOT.  No maintainer script runs, so nothing can start a system
# instance; install only adds what the package's postinst would: the
# opensmtpd/opensmtpq users and groups and two empty directories that the
# binary's compiled-in paths need (the chroot, and the spool's mount point).
OS_ROOT=${PEERS_OPENSMTPD_ROOT:-/var/lib/postern-bench/opensmtpd}
OS_SMTPD=$OS_ROOT/usr/sbin/smtpd
HERE=$(cd "$(dirname "$0")" && pwd)
OS_SHIM=${PEERS_OPENSMTPD_SHIM:-$HERE/../build/osmtpd_shim.so}

os_install() {
	if [ ! -x "$OS_SMTPD" ]; then
		tmp=$(mktemp -d)
		# apt-get download runs as _apt when it can write to the cwd
		chown _apt "$tmp" 2>/dev/null || true
		if ! (cd "$tmp" && apt-get download -q opensmtpd); then
			apt-get update -q
			(cd "$tmp" && apt-get download -q opensmtpd) ||
			    die "apt-get download opensmtpd failed"
		fi
		deb=$(ls "$tmp"/opensmtpd_*.deb)
		case "$(dpkg-deb -f "$deb" Version)" in
		6.8.*) ;;
		*) die "expected opensmtpd 6.8 (Debian 12), got $(dpkg-deb -f "$deb" Version)" ;;
		esac
		rm -rf "$OS_ROOT.new"
		mkdir -p "$OS_ROOT.new"
		dpkg-deb -x "$deb" "$OS_ROOT.new"
		rm -rf "$OS_ROOT"
		mv "$OS_ROOT.new" "$OS_ROOT"
		rm -rf "$tmp"
	fi
	# its run-time libraries (no services among them)
	if ldd "$OS_SMTPD" | grep -q 'not found'; then
		apt-get install -y -q libdb5.3 libevent-2.1-7 libpam0g libssl3 \
		    zlib1g libcrypt1 || die "opensmtpd's libraries failed to install"
	fi
	mkdir -p /var/lib/opensmtpd/empty /var/spool/smtpd
	chmod 755 /var/lib/opensmtpd/empty
	for name in opensmtpd opensmtpq; do
		getent group "$name" >/dev/null || addgroup --system "$name" >/dev/null
		id "$name" >/dev/null 2>&1 ||
		    adduser --system --home /var/lib/opensmtpd/empty \
		    --no-create-home --disabled-password --ingroup "$name" \
		    "$name" >/dev/null
	done
	[ -x "$OS_SMTPD" ] || die "missing $OS_SMTPD after install"
}

os_pid() {
	f="$1/smtpd.pid"
	[ -r "$f" ] || return 1
	p=$(tr -dc 0-9 <"$f")
	[ -n "$p" ] && alive "$p" || return 1
	echo "$p"
}

os_pids() {
	p=$(os_pid "$1") || return 0
	# the parent and the processes it re-executed (ca, control, lka,
	# pony, queue, scheduler), all its direct children; with the MDA
	# paused there are no delivery processes
	kids=$(pgrep -P "$p" 2>/dev/null | tr '\n' ' ' || true)
	echo "$p${kids:+ }${kids% }"
}

# Runs in a private mount namespace (unshare -m): the spool directory
# and /run (control socket) compiled into smtpd are bind mounts of
# directories under DIR there, so the instance never touches
# /var/spool/smtpd or /run/smtpd.sock of the host.  /etc/resolv.conf and
# /etc/hosts are replaced too: smtpd looks up the PTR of every client
# (1.0.0.127.in-addr.arpa) with its own resolver, which by default asks
# the DNS server first.  That query would leave the machine, and a burst
# of 64 of them, throttled, held banners back for 10-35 s.  Here its
# resolver reads only the hosts file ("lookup file"), which names
# 127.0.0.1.  The shim is preloaded only into this smtpd (osmtpd_shim.c
# says why).  $1 DIR, $2 shim; the rest is smtpd's command line.
# shellcheck disable=SC2016 # expanded by the inner sh
OS_NAMESPACE='
set -e
mount --make-rprivate /
mount --bind "$1/spool" /var/spool/smtpd
mount --bind "$1/run" /run
mount --bind "$1/etc/resolv.conf" /etc/resolv.conf
mount --bind "$1/etc/hosts" /etc/hosts
export LD_PRELOAD="$2"
shift 2
exec "$@"
'

os_start() {
	dir=$1 port=$2 cert=$3 key=$4
	etc=$dir/etc
	[ -x "$OS_SMTPD" ] || die "no $OS_SMTPD: run peers.sh install"
	[ -r "$OS_SHIM" ] ||
	    die "no $OS_SHIM: build it with make build/osmtpd_shim.so"
	shim=$(cd "$(dirname "$OS_SHIM")" && pwd)/$(basename "$OS_SHIM")
	rm -rf "$dir/spool" "$dir/run"
	mkdir -p "$etc" "$dir/spool" "$dir/run"
	chmod 711 "$dir/spool"	# smtpd refuses any other mode
	chmod 755 "$etc"
	if [ "${PEERS_OPENSMTPD_SYNC:-0}" != 0 ]; then
		# sensitivity check only: make every write in the spool
		# synchronous (as chasquid's +S), since 6.8 does not fsync
		chattr +S "$dir/spool" ||
		    die "chattr +S $dir/spool failed"
	fi
	install -m 644 -o root -g root "$cert" "$etc/cert.pem"
	install -m 600 -o root -g root "$key" "$etc/key.pem"
	# credentials table: user and crypt(3) hash from OpenSMTPD's own
	# encrypt helper (SHA-512 crypt, 5,000 rounds)
	hash=$(printf '%s\n' "$PASSWORD" | "$OS_ROOT/usr/libexec/opensmtpd/encrypt")
	printf '%s@%s %s\n' "$USER_LOCAL" "$DOMAIN" "$hash" >"$etc/creds"
	chown root:opensmtpd "$etc/creds"
	chmod 640 "$etc/creds"
	# the one accepted recipient: a user of its own (userbase table) with
	# the uid of nobody and an empty home, so the per-recipient
	# ~/.forward check finds nothing, quietly; never delivered to (the
	# MDA is paused)
	mkdir -p "$dir/home"
	printf '%s 65534:65534:%s\n' "$SINK" "$dir/home" >"$etc/users"
	cat >"$etc/smtpd.conf" <<EOF
# Private benchmark instance (bench/peers.sh).  Loopback only; STARTTLS
# required before AUTH; only sink@$DOMAIN is accepted, and only from an
# authenticated client.  Started with -P mda -P mta: messages stay queued.
pki $DOMAIN cert "$etc/cert.pem"
pki $DOMAIN key "$etc/key.pem"
table creds file:$etc/creds
table users file:$etc/users
listen on 127.0.0.1 port $port tls-require pki $DOMAIN auth <creds> hostname $DOMAIN
action "sink" maildir "$dir/maildir" userbase <users>
match auth from any for domain "$DOMAIN" action "sink"
EOF
	printf '# bench/peers.sh: no DNS, only the hosts file\nnameserver 127.0.0.1\nlookup file\n' \
	    >"$etc/resolv.conf"
	printf '127.0.0.1 localhost\n' >"$etc/hosts"
	"$OS_SMTPD" -n -f "$etc/smtpd.conf" >"$dir/check.log" 2>&1 || {
		cat "$dir/check.log" >&2
		die "smtpd -n rejected $etc/smtpd.conf"
	}
	rm -f "$dir/smtpd.pid"
	(
		cd "$dir"
		# setsid, unshare and sh all exec in turn, so $! is smtpd's
		# parent process.  -d: foreground, log to stderr.
		setsid unshare -m sh -c "$OS_NAMESPACE" sh "$dir" "$shim" \
		    "$OS_SMTPD" -d -P mda -P mta -f "$etc/smtpd.conf" \
		    </dev/null >>"$dir/smtpd.log" 2>&1 &
		echo $! >"$dir/smtpd.pid"
	)
	if ! wait_port "$port" 30 || ! os_pid "$dir" >/dev/null; then
		cat "$dir/smtpd.log" >&2 2>/dev/null || true
		os_stop "$dir"
		die "opensmtpd never listened on $port"
	fi
	os_pids "$dir"
}

os_stop() {
	dir=$1
	p=$(os_pid "$dir") || return 0
	pids=$(os_pids "$dir")
	kill "$p" 2>/dev/null || true
	# shellcheck disable=SC2086 # a list of pids
	wait_gone 30 $pids
}

# ---------------------------------------------------------------- common

# wait_gone SECONDS PID...: wait for the pids to exit, then SIGKILL the rest.
wait_gone() {
	t=$1
	shift
	n=0
	while [ "$n" -lt $((t * 10)) ]; do
		left=""
		for p in "$@"; do alive "$p" && left="$left $p"; done
		[ -z "$left" ] && return 0
		sleep 0.1
		n=$((n + 1))
	done
	for p in $left; do kill -9 "$p" 2>/dev/null || true; done
	sleep 0.2
}

check_name() {
	case "$1" in
	postfix | chasquid | opensmtpd) ;;
	*) usage ;;
	esac
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case "$cmd" in
install)
	do_install
	;;
start)
	[ $# -eq 5 ] || usage
	check_name "$1"
	[ "$(id -u)" = 0 ] || die "start must run as root"
	case "$3" in *[!0-9]* | "") die "bad port: $3" ;; esac
	[ -r "$4" ] || die "no certificate $4"
	[ -r "$5" ] || die "no key $5"
	mkdir -p "$2"
	dir=$(cd "$2" && pwd)
	cert=$(cd "$(dirname "$4")" && pwd)/$(basename "$4")
	key=$(cd "$(dirname "$5")" && pwd)/$(basename "$5")
	case "$1" in
	postfix) pf_start "$dir" "$3" "$cert" "$key" ;;
	chasquid) cq_start "$dir" "$3" "$cert" "$key" ;;
	opensmtpd) os_start "$dir" "$3" "$cert" "$key" ;;
	esac
	;;
pids)
	[ $# -eq 2 ] || usage
	check_name "$1"
	[ -d "$2" ] || exit 0
	dir=$(cd "$2" && pwd)
	case "$1" in
	postfix) pf_pids "$dir" ;;
	chasquid) cq_pids "$dir" ;;
	opensmtpd) os_pids "$dir" ;;
	esac
	;;
stop)
	[ $# -eq 2 ] || usage
	check_name "$1"
	[ -d "$2" ] || exit 0
	dir=$(cd "$2" && pwd)
	case "$1" in
	postfix) pf_stop "$dir" ;;
	chasquid) cq_stop "$dir" ;;
	opensmtpd) os_stop "$dir" ;;
	esac
	;;
*)
	usage
	;;
esac
