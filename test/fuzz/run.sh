#!/bin/sh
# test/fuzz/run.sh: build the libFuzzer harnesses and run each one.
#
#   test/fuzz/run.sh [OUTDIR] [SECONDS]
#
# OUTDIR (default /tmp/postern-fuzz) receives the binaries, one corpus
# directory per harness (corpus-NAME, kept between runs), crash files and
# logs.  Each harness runs for SECONDS (default 30) with -max_len=4096
# (fuzz_bounce: 16384, seeded with the bounces of test/data/bounces/).
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
bounce="$top/src/core/bounce_parse.c $top/src/core/bounce_scan.c \
    $top/src/core/bounce_text.c $top/src/core/bounce_class.c \
    $top/src/core/bounce_rules.c $top/src/core/reply.c"
# shellcheck disable=SC2086
build fuzz_bounce $bounce "$top/src/core/arf.c" "$top/src/lib/buf.c" \
    "$top/src/lib/util.c"
build fuzz_reply "$top/src/core/reply.c" "$top/src/core/bounce_class.c" \
    "$top/src/core/bounce_rules.c" "$top/src/diag/check_imap_parse.c" \
    "$top/src/lib/util.c"

for name in fuzz_smtp_parse fuzz_dotreader fuzz_sasl fuzz_http fuzz_route \
    fuzz_seglog fuzz_bounce fuzz_reply; do
	[ -x "$out/$name" ] || continue
	mkdir -p "$out/corpus-$name" "$out/crash-$name"
	# the bounce harness starts from real bounces, which are longer
	maxlen=4096 seeds=
	if [ "$name" = fuzz_bounce ]; then
		maxlen=16384
		seeds="$top/test/data/bounces $top/test/data/bounces/sisimai"
	fi
	echo "== $name: ${secs}s"
	# shellcheck disable=SC2086
	if ! "$out/$name" -max_len=$maxlen -max_total_time="$secs" \
	    -print_final_stats=1 \
	    -artifact_prefix="$out/crash-$name/" \
	    "$out/corpus-$name" $seeds >"$out/$name.log" 2>&1; then
		echo "run.sh: $name: CRASH, see $out/$name.log and" \
		    "$out/crash-$name/" >&2
		tail -n 40 "$out/$name.log" >&2
		rc=1
	fi
	grep -E "stat::number_of_executed_units|stat::peak_rss_mb" \
	    "$out/$name.log" | sed "s/^/   /"
done
exit $rc
