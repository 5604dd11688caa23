#!/bin/sh
# The integration suite on the normal build and, at the same time, on the
# sanitizer build: `make test`'s last step.  Each run is alone in its own
# network and mount namespaces (integration.sh) and its own scratch
# directories, so the two never share a port or a file; together they
# use the machine's two cores that one run, mostly waiting on sockets,
# leaves idle.  The sanitizer run's output is kept aside and shown after
# the normal run's; the status is a failure if either failed.
#   sh scripts/integration-both.sh BUILD/postern ASAN_BUILD/postern
set -u
cd "$(dirname "$0")/.."
# the server's user, made once here: two runs making it at once would race
if [ "$(id -u)" -eq 0 ] && ! id postern >/dev/null 2>&1; then
	useradd --system --no-create-home --shell /usr/sbin/nologin postern
fi
log=$(mktemp /tmp/postern-asan-integration.XXXXXX)
trap 'rm -f "$log"' EXIT INT TERM
POSTERN_TIME_SCALE=4 POSTERN_CRASH_CYCLES=20 \
    sh scripts/integration.sh "$2" >"$log" 2>&1 &
asan=$!
sh scripts/integration.sh "$1"
plain=$?
wait $asan
sanitized=$?
echo "== integration under ASan+UBSan ($2)"
cat "$log"
[ $plain -eq 0 ] && [ $sanitized -eq 0 ]
