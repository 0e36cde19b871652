#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# summary.sh [DIR...] - add up the Criterion "Synthesis" lines of the test logs under DIR
# (default tests/) and print one closing line "N passed, N failed" that CI can read.
# Criterion does not count skipped tests in its Synthesis line; they are listed separately
# from the verbose logs ("[SKIP]") so a skipped system test is visible, not silent.
set -eu
[ $# -gt 0 ] || set -- tests
passed=0 failed=0 skipped=0
for log in $(find "$@" -name '*.log' ! -name test-suite.log | sort); do
	line=$(grep -a 'Synthesis: Tested:' "$log" | tail -1) || continue
	[ -n "$line" ] || continue
	p=$(echo "$line" | sed 's/.*Passing: \([0-9]*\).*/\1/')
	f=$(echo "$line" | sed 's/.*Failing: \([0-9]*\).*/\1/')
	c=$(echo "$line" | sed 's/.*Crashing: \([0-9]*\).*/\1/')
	s=$(grep -ac '\[SKIP\]' "$log" || true)
	printf '%-40s passed %4d  failed %3d  crashed %3d  skipped %3d\n' "${log%.log}" "$p" "$f" "$c" "$s"
	passed=$((passed + p)) failed=$((failed + f + c)) skipped=$((skipped + s))
	grep -a '\[SKIP\]' "$log" | sed 's/^/    /' || true
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
