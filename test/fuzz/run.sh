#!/bin/sh
# test/fuzz/run.sh: build the libFuzzer harnesses and run each one.
#
#   test/fuzz/run.sh [OUTDIR] [SECONDS]
#
# OUTDIR (default /tmp/postern-fuzz) receives the binaries, one corpus
# directory per harness (corpus-NAME, kept between runs), crash files and
# logs.  Each harness runs for SECONDS (default 30) with -max_len=4096.
# Exits non-zero if a harness fails to build or finds a crash.
# Needs clang with libFuzzer (Debian: apt-get install clang).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-/tmp/postern-fuzz}
secs=${2:-30}
CC=${CC:-clang}
CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
-fno-sanitize-recover=undefined -std=c17 -D_GNU_SOURCE -I$top/src"

mkdir -p "$out"
rc=0

build() {	# name sources...
	name=$1; shift
	if ! $CC $CFLAGS "$here/$name.c" "$@" -o "$out/$name"; then
		echo "run.sh: $name: build failed" >&2
		rc=1
		return 1
	fi
}

build fuzz_smtp_parse "$top/src/core/smtp_parse.c" "$top/src/lib/util.c"
build fuzz_dotreader "$top/src/core/dotreader.c"
build fuzz_sasl "$top/src/core/sasl.c" "$top/src/lib/base64.c"
build fuzz_http "$top/src/lib/http_parse.c" "$top/src/lib/http_path.c" \
    "$top/src/lib/util.c"
build fuzz_route "$top/src/server/admin_routes.c" \
    "$top/src/server/admin_match.c" "$top/src/lib/http_path.c" \
    "$top/src/lib/util.c"
build fuzz_seglog "$top/src/queue/seglog.c" "$top/src/lib/util.c" -lcrypto

for name in fuzz_smtp_parse fuzz_dotreader fuzz_sasl fuzz_http fuzz_route \
    fuzz_seglog; do
	[ -x "$out/$name" ] || continue
	mkdir -p "$out/corpus-$name" "$out/crash-$name"
	echo "== $name: ${secs}s"
	if ! "$out/$name" -max_len=4096 -max_total_time="$secs" \
	    -print_final_stats=1 \
	    -artifact_prefix="$out/crash-$name/" \
	    "$out/corpus-$name" >"$out/$name.log" 2>&1; then
		echo "run.sh: $name: CRASH, see $out/$name.log and" \
		    "$out/crash-$name/" >&2
		tail -n 40 "$out/$name.log" >&2
		rc=1
	fi
	grep -E "stat::number_of_executed_units|stat::peak_rss_mb" \
	    "$out/$name.log" | sed "s/^/   /"
done
exit $rc
