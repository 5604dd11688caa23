#!/bin/sh
# The integration suite on the normal build and, at the same time, on the
# sanitizer build (in two halves): `make test`'s last step.  Each run is alone in its own
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
# The sanitizer run is the slower one, and mostly waits too: its files
# are dealt in two halves that run side by side, each in namespaces of
# its own, so the suite ends about when the normal run does.
logs=$(mktemp -d /tmp/postern-asan-integration.XXXXXX)
trap 'rm -rf "$logs"' EXIT INT TERM
i=0 half0="" half1=""
for f in test/integration/test_*.py; do
	if [ $((i % 2)) -eq 0 ]; then half0="$half0 $f"; else half1="$half1 $f"; fi
	i=$((i + 1))
done
POSTERN_TIME_SCALE=4 POSTERN_CRASH_CYCLES=20 POSTERN_LOG_CYCLES=20 \
    sh scripts/integration.sh "$2" $half0 >"$logs/0" 2>&1 &
asan0=$!
POSTERN_TIME_SCALE=4 POSTERN_CRASH_CYCLES=20 POSTERN_LOG_CYCLES=20 \
    sh scripts/integration.sh "$2" $half1 >"$logs/1" 2>&1 &
asan1=$!
sh scripts/integration.sh "$1"
plain=$?
wait $asan0
sanitized0=$?
wait $asan1
sanitized1=$?
echo "== integration under ASan+UBSan ($2), first half"
cat "$logs/0"
echo "== integration under ASan+UBSan ($2), second half"
cat "$logs/1"
[ $plain -eq 0 ] && [ $sanitized0 -eq 0 ] && [ $sanitized1 -eq 0 ]
