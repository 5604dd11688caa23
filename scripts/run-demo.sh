#!/bin/sh
# `make run`: create a demo data directory on first use (self-signed
# certificate, loopback listeners, the domain example.test and the mailbox
# demo@example.test with a generated password, printed once), then run
# the server in the foreground.  Ctrl-C stops it.
set -e
BIN=$1
DIR=$2
if [ "$(id -u)" -eq 0 ] && ! id postern >/dev/null 2>&1; then
	useradd --system --no-create-home --shell /usr/sbin/nologin postern
fi
if [ ! -e "$DIR" ]; then
	"$BIN" -d "$DIR" init --hostname localhost
	"$BIN" -d "$DIR" domain add example.test
	"$BIN" -d "$DIR" mailbox add demo@example.test --generate
	# A demo stays on this machine: mail to other domains waits in the
	# queue (postern queue list) instead of going out over port 25.
	printf '\n# demo: keep non-local mail queued (remove to deliver by MX)\n%s\n' \
	    'relayhost = 127.0.0.1:9' >> "$DIR/postern.conf"
	echo
	echo "Submission: 127.0.0.1:2587 (STARTTLS), 127.0.0.1:2465 (TLS);"
	echo "MX: 127.0.0.1:2525.  Log in as demo@example.test with the"
	echo "password above, e.g.:"
	echo "  swaks --server 127.0.0.1:2587 --tls --auth-user demo@example.test \\"
	echo "    --auth-password 'PASSWORD' --from demo@example.test --to demo@example.test"
	echo "Local mail lands in $DIR/mail/example.test/demo/Maildir/new/; mail"
	echo "for other domains is queued (relayhost 127.0.0.1:9 refuses it):"
	echo "  $BIN -d $DIR queue list"
	echo
else
	echo "Using the existing $DIR (the demo password was printed when it was"
	echo "created; remove $DIR to start over)."
fi
exec "$BIN" -d "$DIR" serve
