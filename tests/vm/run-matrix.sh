#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-matrix.sh - run a guest test command on several Debian kernels, write MATRIX.md.
#
# Usage:
#   run-matrix.sh [OPTIONS] [--] [CMD [ARGS...]]
#
# CMD defaults to tests/vm/guest-suite.sh (copied into each guest). Its output is
# shown as it runs; lines "RESULT <name> PASS|FAIL|SKIP <reason>" are collected. A VM
# that times out or panics, or a non-zero exit without a FAIL line, counts as a failure.
#
# Options:
#   --kernels "K1 K2"  kernel packages for vm-run.sh --kernel-pkg (default: $MATRIX,
#                      else linux-image-amd64 = bookworm 6.1). The full set:
#                      MATRIX="linux-image-amd64 linux-image-6.12-amd64 bullseye:linux-image-amd64 sid:linux-image-amd64"
#   --tests-dir DIR    Criterion binaries to run in the guest (default: $RT_TESTS_DIR);
#                      copied in at the same path and passed on as RT_TESTS_DIR.
#   --out FILE         report path (default tests/vm/MATRIX.md).
#   --logs DIR         per-kernel console and output logs (default tests/vm/logs).
#   --sh SCRIPT        run a shell script in the guest instead of CMD.
#   --add, --module, --env, --smp, --timeout   passed on to vm-run.sh.
#
# The last line printed is "N passed, N failed" (", N skipped" when there are skips);
# the exit status is 1 if anything failed, 0 otherwise.
set -euo pipefail

PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
VMRUN="$HERE/vm-run.sh"
KERNELS=${MATRIX:-linux-image-amd64}
TESTS_DIR=${RT_TESTS_DIR:-}
OUT="$HERE/MATRIX.md"
LOGDIR="$HERE/logs"
VMARGS=()
SHSCRIPT=""

die() {
	echo "$PROG: $*" >&2
	exit 2
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--kernels) KERNELS=${2:?}; shift ;;
		--tests-dir) TESTS_DIR=${2:?}; shift ;;
		--out) OUT=${2:?}; shift ;;
		--sh) SHSCRIPT=${2:?--sh needs a script}; shift ;;
		--logs) LOGDIR=${2:?}; shift ;;
		--add | --module | --env | --smp | --timeout) VMARGS+=("$1" "${2:?$1 needs a value}"); shift ;;
		-h | --help) sed -n '4,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
		--) shift; break ;;
		-*) die "unknown option $1 (see --help)" ;;
		*) break ;;
		esac
		shift
	done
	if [ -n "$SHSCRIPT" ]; then
		[ $# -eq 0 ] || die "give either --sh SCRIPT or CMD, not both"
		CMD=(--sh "$SHSCRIPT")
	elif [ $# -gt 0 ]; then
		CMD=(-- "$@")
	else
		CMD=(-- "$HERE/guest-suite.sh")
	fi
	if [ -n "$TESTS_DIR" ]; then
		[ -d "$TESTS_DIR" ] || die "tests dir $TESTS_DIR does not exist"
		TESTS_DIR=$(realpath "$TESTS_DIR")
		VMARGS+=(--add "$TESTS_DIR" --env "RT_TESTS_DIR=$TESTS_DIR")
	fi
	[ -n "$KERNELS" ] || die "no kernels given"
}

# Results accumulate in one TSV file: kernel-spec, test, verdict, reason.
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RESULTS"; }

run_kernel() { # SPEC: boot it, run CMD, record its results and metadata
	local spec=$1 slug prep log out rc t0 t1 secs release n_fail
	slug=${spec//[^A-Za-z0-9._+-]/_}
	log="$LOGDIR/$slug.console.log" out="$LOGDIR/$slug.out"
	echo "==== $spec" >&2
	# Fill the cache first, so the run time below is the VM's, not the download's.
	if ! prep=$("$VMRUN" --kernel-pkg "$spec" --prepare); then
		record "$spec" vm FAIL "kernel package not available (vm-run.sh --prepare failed)"
		printf '%s\t%s\t%s\t%s\n' "$spec" "$spec" "-" "not prepared" >>"$META"
		return
	fi
	t0=$(date +%s%N)
	set +e
	"$VMRUN" --kernel-pkg "$spec" --log "$log" ${VMARGS[@]+"${VMARGS[@]}"} "${CMD[@]}" | tee "$out"
	rc=${PIPESTATUS[0]}
	set -e
	t1=$(date +%s%N)
	secs=$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", ns / 1e9 }')
	# /init prints the release right after its begin marker
	release=$(grep -ao '@@RTVM-[0-9a-f]*-BEGIN@@ [^ ]*' "$log" 2>/dev/null | head -1 | awk '{ print $2 }' || true)
	printf '%s\t%s\t%s\t%s\n' "$spec" "${prep%% /*}" "${release:--}" "exit $rc in ${secs}s" >>"$META"

	awk -v k="$spec" 'BEGIN { OFS = "\t" }
		match($0, /RESULT [^ ]+ (PASS|FAIL|SKIP)( |$)/) {
			split(substr($0, RSTART), w, " ")
			reason = substr($0, RSTART + length("RESULT " w[2] " " w[3] " "))
			print k, w[2], w[3], reason
		}' "$out" >>"$RESULTS"
	n_fail=$(awk -F'\t' -v k="$spec" '$1 == k && $3 == "FAIL"' "$RESULTS" | wc -l)
	case $rc in
	0) ;;
	124) record "$spec" vm FAIL "VM timed out (see $log)" ;;
	125) record "$spec" vm FAIL "boot failure or kernel panic (see $log)" ;;
	*) [ "$n_fail" -gt 0 ] || record "$spec" exit_status FAIL "command exited $rc without a FAIL result" ;;
	esac
	# a command that prints no RESULT lines still yields a verdict
	if ! awk -F'\t' -v k="$spec" '$1 == k { found = 1 } END { exit !found }' "$RESULTS"; then
		record "$spec" command PASS "exit 0"
	fi
}

write_report() { # RESULTS + META -> Markdown on stdout
	local spec pkg release run
	echo "# rawtrace kernel matrix"
	echo
	echo "Generated $(date -u '+%Y-%m-%d %H:%M UTC') by \`tests/vm/run-matrix.sh\`:"
	echo "\`$(printf '%s ' "${CMD[@]:1}" | sed "s|$HERE/|tests/vm/|g; s/ $//")\` in each kernel below,"
	echo "booted by \`tests/vm/vm-run.sh\` under $(qemu-system-x86_64 --version | head -1 | sed 's/ (.*//') ($( [ -w /dev/kvm ] && echo KVM || echo TCG))."
	echo
	# summary grid: one column per kernel, tests in first-seen order
	awk -F'\t' '
		FNR == NR { col[++nk] = $1; rel[$1] = ($3 == "-" ? $1 : $3); next }
		!(($2) in seen) { seen[$2] = 1; row[++nt] = $2 }
		{ v[$1, $2] = $3 }
		END {
			printf "| test |"; for (i = 1; i <= nk; i++) printf " %s |", rel[col[i]]; print ""
			printf "| --- |"; for (i = 1; i <= nk; i++) printf " --- |"; print ""
			for (j = 1; j <= nt; j++) {
				printf "| %s |", row[j]
				for (i = 1; i <= nk; i++) printf " %s |", ((col[i], row[j]) in v ? v[col[i], row[j]] : "-")
				print ""
			}
		}' "$META" "$RESULTS"
	while IFS=$'\t' read -r spec pkg release run; do
		echo
		echo "## $spec: ${release}"
		echo
		echo "Package \`$pkg\`, \`uname -r\` = \`$release\`, VM $run."
		echo
		echo "| test | result | reason |"
		echo "| --- | --- | --- |"
		# a "|" in a reason would end the table cell
		awk -F'\t' -v k="$spec" '$1 == k { r = $4; gsub(/\|/, "\\|", r); printf "| %s | %s | %s |\n", $2, $3, r }' "$RESULTS"
	done <"$META"
	echo
	summary_line
}

summary_line() {
	awk -F'\t' '{ n[$3]++ } END {
		printf "%d passed, %d failed", n["PASS"], n["FAIL"]
		if (n["SKIP"] > 0) printf ", %d skipped", n["SKIP"]
		print "" }' "$RESULTS"
}

main() {
	parse_args "$@"
	mkdir -p "$LOGDIR"
	RESULTS=$(mktemp) META=$(mktemp)
	trap 'rm -f "$RESULTS" "$META"' EXIT
	local spec
	for spec in $KERNELS; do run_kernel "$spec"; done
	write_report >"$OUT.tmp"
	mv "$OUT.tmp" "$OUT"
	echo "report: $OUT" >&2
	summary_line
	if awk -F'\t' '$3 == "FAIL" { bad = 1 } END { exit !bad }' "$RESULTS"; then exit 1; fi
}

main "$@"
