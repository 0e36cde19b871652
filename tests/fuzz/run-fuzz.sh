#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: tests/fuzz/run-fuzz.sh [TARGET...]
#
# Build every libFuzzer target tests/fuzz/*.c (or only the named ones, e.g. fuzz_pattern)
# with clang -fsanitize=fuzzer,address,undefined into a scratch directory and run each for
# $FUZZ_SECONDS seconds (default 600).  Prints one line per target and exits non-zero if
# any target fails to build or finds a crash, leak, timeout or sanitizer report.
#
# Environment: FUZZ_SECONDS  run time per target in seconds (default 600)
#              FUZZ_DIR      scratch directory, kept afterwards (default: a new mktemp -d)
#              CC            compiler (default clang)
#
# A crashing input is saved as $FUZZ_DIR/TARGET/crash-*; reproduce it with
# "$FUZZ_DIR/TARGET/TARGET FILE" and add it to the unit tests.
set -u

case "${1:-}" in
-h | --help)
	sed -n '4,16p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
esac

SRC=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_PER=${FUZZ_SECONDS:-600}
CC=${CC:-clang}
DIR=${FUZZ_DIR:-$(mktemp -d /tmp/rawtrace-fuzz.XXXXXX)}
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -std=gnu11"

if [ $# -eq 0 ]; then
	for f in "$SRC"/tests/fuzz/fuzz_*.c; do
		set -- "$@" "$(basename "$f" .c)"
	done
fi

# Sources, include paths and libraries each target needs besides its own file.
target_args() {
	case "$1" in
	fuzz_pattern)
		echo "-I$SRC $SRC/parsers/glob.c $SRC/parsers/pattern.c $SRC/parsers/procfs.c"
		;;
	fuzz_spec)
		echo "-I$SRC $SRC/parsers/spec.c $SRC/parsers/expr.c $SRC/parsers/fmt.c"
		;;
	fuzz_cfi)
		echo "-I$SRC $SRC/parsers/cfi.c"
		;;
	fuzz_sample)
		echo "-I$SRC/src -I$SRC -D_GNU_SOURCE" \
			"$(pkg-config --cflags libtracefs libtraceevent)" \
			"$SRC/src/core/ring.c $SRC/src/core/sample.c $SRC/src/core/field.c" \
			"$(pkg-config --libs libtracefs libtraceevent)"
		;;
	fuzz_format)
		echo "-I$SRC/src -I$SRC -D_GNU_SOURCE" \
			"$(pkg-config --cflags libtracefs libtraceevent)" \
			"$SRC/src/core/catalog.c $SRC/src/core/field.c" \
			"$(pkg-config --libs libtracefs libtraceevent)"
		;;
	*)
		echo "-I$SRC/src -I$SRC -D_GNU_SOURCE"
		;;
	esac
}

status=0
for t in "$@"; do
	t=${t%.c}
	out="$DIR/$t"
	mkdir -p "$out/corpus"
	# CFLAGS and target_args are lists of compiler arguments: split them on purpose.
	# shellcheck disable=SC2046,SC2086
	if ! $CC $CFLAGS -o "$out/$t" "$SRC/tests/fuzz/$t.c" $(target_args "$t") \
		>"$out/build.log" 2>&1; then
		echo "$t: BUILD FAILED (see $out/build.log)"
		status=1
		continue
	fi
	"$out/$t" -max_total_time="$SECONDS_PER" -timeout=10 -artifact_prefix="$out/" \
		"$out/corpus" >"$out/fuzz.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$out/fuzz.log" | tail -n 1)
	if [ $rc -eq 0 ]; then
		echo "$t: ok, ${runs:-?} runs in ${SECONDS_PER}s"
	else
		artifact=
		for a in "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-*; do
			[ -e "$a" ] && artifact=$a && break
		done
		echo "$t: FAILED (exit $rc) ${artifact:-no artifact}; log $out/fuzz.log"
		status=1
	fi
done
exit $status
