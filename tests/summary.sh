#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# summary.sh [DIR...] - add up the Criterion "Synthesis" lines of the test logs under DIR
# (default tests/): the host suites' *.log files and the VM runs' *.out files (one per
# kernel, several suites each), and print one closing line "N passed, N failed, N skipped"
# that CI can read.  Criterion does not count skipped tests in its Synthesis line; they are
# listed from the verbose logs ("[SKIP]") so a skipped test is visible, not silent.
set -eu
[ $# -gt 0 ] || set -- tests
passed=0 failed=0 skipped=0
for log in $(find "$@" \( -name '*.log' -o -name '*.out' \) ! -name test-suite.log ! -name '*.console.log' | sort); do
	grep -aq 'Synthesis: Tested:' "$log" || continue
	set -- $(grep -a 'Synthesis: Tested:' "$log" |
		sed 's/.*Passing: \([0-9]*\) | Failing: \([0-9]*\) | Crashing: \([0-9]*\).*/\1 \2 \3/' |
		awk '{ p += $1; f += $2 + $3 } END { print p + 0, f + 0 }')
	s=$(grep -ac '\[SKIP\]' "$log" || true)
	printf '%-44s passed %4d  failed %3d  skipped %3d\n' "${log%.*}" "$1" "$2" "$s"
	passed=$((passed + $1)) failed=$((failed + $2)) skipped=$((skipped + s))
	grep -a '\[SKIP\]' "$log" | sed 's/^/    /' || true
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
