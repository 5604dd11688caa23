#!/bin/sh
# make valgrind: the unit tests under valgrind's memcheck (definite leaks
# count as errors), then part of the integration suite with the server
# and every command the tests run under memcheck too.  Not part of `make
# test` (it takes about half an hour: 119 s of unit tests, 28 min of
# integration tests, measured 2026-12-07; ASan+UBSan run the whole suite
# there); run it before a release and after touching memory handling.
#
#   scripts/valgrind.sh [PYTEST ARGS]
#
# The server forks its processes without exec, so memcheck follows them;
# each process writes its own log and any error in any log fails the
# run.  Timeouts in the tests are stretched (POSTERN_TIME_SCALE, default
# 10): memcheck is 20-50 times slower.
set -eu
cd "$(dirname "$0")/.."
if ! command -v valgrind >/dev/null; then	# make deps installs it
	echo "valgrind.sh: valgrind is not installed" \
	    "(make deps as root, or apt-get install valgrind)" >&2
	exit 2
fi
top=$(pwd)
bin=$top/build/postern
logs=$(mktemp -d /tmp/postern-valgrind.XXXXXX)
chmod 1777 "$logs"	# the processes that drop privileges write there
VG="valgrind -q --error-exitcode=99"
rc=0

for t in build/test/*_test; do
	echo "== $t (valgrind)"
	$VG --leak-check=full --errors-for-leak-kinds=definite "$t" ||
	    rc=1
done
stores=$(ls build/test/store*_test)
/usr/bin/python3 test/integration/pgserver.py sh -c "rc=0; for t in \
    $(echo $stores); do echo \"== \$t (PostgreSQL, valgrind)\"; $VG \
    --leak-check=full --errors-for-leak-kinds=definite \$t || rc=1; \
    done; exit \$rc" || rc=1

# Long-running processes are stopped by signals, so leaks are not
# checked there; exit codes stay the program's, the logs tell errors.
wrap=$logs/postern
cat > "$wrap" <<WRAP
#!/bin/sh
exec valgrind -q --leak-check=no --log-file=$logs/%p.log $bin "\$@"
WRAP
chmod 755 "$wrap"
files=${*:-test/integration/test_submission.py \
    test/integration/test_session.py test/integration/test_protocol.py \
    test/integration/test_delivery.py test/integration/test_dsn_inbound.py \
    test/integration/test_arf_inbound.py test/integration/test_suppress.py \
    test/integration/test_health.py test/integration/test_warmup.py \
    test/integration/test_providers.py test/integration/test_api.py}
# shellcheck disable=SC2086
POSTERN_TIME_SCALE=${POSTERN_TIME_SCALE:-10} \
    sh scripts/integration.sh "$wrap" $files || rc=1

bad=$(find "$logs" -name '*.log' -size +0c)
n=$(find "$logs" -name '*.log' | wc -l)
if [ -n "$bad" ]; then
	# shellcheck disable=SC2086
	cat $bad
	echo "valgrind: errors in $(echo "$bad" | wc -l) of $n process logs" \
	    "($logs)" >&2
	rc=1
else
	echo "valgrind: $n process logs, no error"
	rm -rf "$logs"
fi
exit $rc
