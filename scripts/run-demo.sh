#!/bin/sh
# `make run`: create a demo data directory on first use (self-signed
# certificate, loopback listeners, the domain example.test and the mailbox
# demo@example.test with a generated password, printed once), then run
# the server in the foreground, and the console's administrator "admin"
# (its password printed once too).  Ctrl-C stops it.  The commands it prints
# are the README's, with the password filled in.
set -e
BIN=$1
DIR=$2
if [ "$(id -u)" -eq 0 ] && ! id postern >/dev/null 2>&1; then
	useradd --system --no-create-home --shell /usr/sbin/nologin postern
fi
# The server drops to the user postern, which must reach the data.  A
# checkout under /root (mode 0700) is out of its reach: the data then
# lives under /var/lib/postern-demo and $DIR is a link to it.
DATA=$DIR
if [ "$(id -u)" -eq 0 ] && { [ ! -e "$DIR" ] || [ -L "$DIR" ]; } &&
    ! runuser -u postern -- test -x "$(pwd)"; then
	mkdir -p -m 0755 /var/lib/postern-demo
	DATA=/var/lib/postern-demo/$(pwd | cksum | cut -d' ' -f1)
	if [ -L "$DIR" ] && [ ! -e "$DIR" ]; then
		rm "$DIR"	# its data was removed
	fi
fi
if [ ! -e "$DATA" ]; then
	"$BIN" -d "$DATA" init --hostname localhost
	"$BIN" -d "$DATA" domain add example.test
	PW=$("$BIN" -d "$DATA" mailbox add demo@example.test --generate |
	    sed -n 's/^password: //p')
	# the console's administrator (loopback only: no TOTP)
	APW=$("$BIN" -d "$DATA" admin add admin | tail -n 1)
	# A demo stays on this machine: mail to other domains waits in the
	# queue (postern queue list) instead of going out over port 25.
	printf '\n# demo: keep non-local mail queued (remove to deliver by MX)\n%s\n' \
	    'relayhost = 127.0.0.1:9' >> "$DATA/postern.conf"
	# the demo's ports are 2xxx: the admin listener too
	sed -i 's/^admin = 127.0.0.1:8480$/admin = 127.0.0.1:2480/' \
	    "$DATA/postern.conf"
	if [ "$DATA" != "$DIR" ]; then
		ln -sfn "$DATA" "$DIR"
		echo "The user postern cannot reach $(pwd), so the demo's data"
		echo "is in $DATA, linked as $DIR."
	fi
	CA="$DIR/certs/localhost/fullchain.pem"
	cat <<MSG

Mailbox demo@example.test, password: $PW
Submission: 127.0.0.1:2587 (STARTTLS), 127.0.0.1:2465 (implicit TLS);
MX: 127.0.0.1:2525.  IMAP (Dovecot, same login): 127.0.0.1:2993
(implicit TLS), 127.0.0.1:2143 (STARTTLS).
Web console: http://127.0.0.1:2480/console/  user admin, password: $APW
Admin HTTP listener: http://127.0.0.1:2480/metrics (Prometheus),
/healthz/ready, the API under /api/v1 (docs/API.md).
The certificate names localhost, 127.0.0.1 and ::1.
Try, from another terminal:
  swaks --server 127.0.0.1:2587 --tls --tls-verify \\
    --tls-ca-path $CA \\
    --auth-user demo@example.test --auth-password '$PW' \\
    --from demo@example.test --to demo@example.test
  PW='$PW' $BIN check 127.0.0.1:2587 \\
    --cafile $CA --user demo@example.test --password-env PW
  curl --cacert $CA --user 'demo@example.test:$PW' imaps://127.0.0.1:2993/
  $BIN -d $DIR queue list
  $BIN -d $DIR dns example.test
Local mail lands in $DIR/mail/example.test/demo/Maildir/new/; mail for
other domains stays queued (relayhost 127.0.0.1:9 refuses it).

MSG
else
	echo "Using the existing $DIR (the demo password was printed when it was"
	echo "created; remove $DIR to start over, or set a new one with"
	echo "  $BIN -d $DIR mailbox passwd demo@example.test --generate)"
	[ -e "$DIR" ] || ln -sfn "$DATA" "$DIR"
fi
exec "$BIN" -d "$DIR" serve
