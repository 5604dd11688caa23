#!/bin/sh
# Run the integration tests against the postern binary given as $1; any
# further arguments go to pytest instead of the default, the whole suite
# (make soak passes one test).
# As root, the tests run inside a fresh network namespace with only the
# loopback interface up, so nothing they start can reach the network, and
# in a private mount namespace, so the small file systems the disk-full
# tests mount vanish with it whatever happens to the test.
set -e
cd "$(dirname "$0")/.."
POSTERN_BIN=$1
export POSTERN_BIN
shift
ARGS=${*:-test/integration}
PYTEST="/usr/bin/python3 -m pytest -q -p no:cacheprovider --durations=15 $ARGS"
if [ "$(id -u)" -eq 0 ]; then
	id postern >/dev/null 2>&1 || useradd --system --no-create-home \
	    --shell /usr/sbin/nologin postern
	if unshare -n -m true 2>/dev/null; then
		exec unshare -n -m --propagation private \
		    sh -c "ip link set lo up && $PYTEST"
	fi
fi
echo "integration: not isolated in a network namespace (needs root)" >&2
exec $PYTEST
