#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# unwind.sh: what DWARF user stacks cost.  (1) The unwind time per sample that
# `stackcount -v` reports (median and p90), for rawtrace's own unwinder (the default) and for
# libunwind alone (RAWTRACE_USTACK=libunwind), interleaved round by round, in three cases:
#   hot     one process, one stack repeated: wl_stack's N writes under -p;
#   fresh   200 new processes, one sample each (`wl_stack 1 now`, a uprobe on rt_stack_c):
#           every unwind is the first in its address space;
#   system  system-wide sched_switch for 5 s while ls -R, python3 and sh start and exit.
# (2) How much slower wl_stack's N write()s run under `stackcount -U` than alone, next to
# `perf record` on the same tracepoint with frame-pointer (-g) and DWARF
# (--call-graph dwarf) callchains.  Root; run from anywhere:
#   bench/unwind.sh BUILD_DIR [N] [ROUNDS]
set -u
B=${1:?usage: unwind.sh BUILD_DIR [N] [ROUNDS]}
N=${2:-20000}
ROUNDS=${3:-5}
RT="$B/rawtrace"
WL="$B/tests/system/wl_stack"
EV=syscalls:sys_enter_write
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

[ "$(id -u)" = 0 ] || { echo "unwind.sh: needs root" >&2; exit 2; }
if [ ! -x "$RT" ] || [ ! -x "$WL" ]; then
	echo "unwind.sh: build rawtrace and tests/system/wl_stack in $B first" >&2
	exit 2
fi

# Start wl_stack, run "$@" against its pid (the word PID is replaced), release it, and
# print the milliseconds its N writes took.  The tracer gets SIGINT afterwards.
timed() {
	local pid tracer t0 t1 args=()
	coproc WLP { exec "$WL" "$N"; }
	read -r pid <&"${WLP[0]}"
	if [ $# -gt 0 ]; then
		for a in "$@"; do args+=("${a//PID/$pid}"); done
		"${args[@]}" >"$TMP/out" 2>"$TMP/err" &
		tracer=$!
		sleep 1.5
	fi
	t0=$(date +%s%N)
	kill -USR1 "$pid"
	wait "$pid" 2>/dev/null
	t1=$(date +%s%N)
	if [ $# -gt 0 ]; then
		sleep 0.5
		kill -INT "$tracer" 2>/dev/null
		wait "$tracer"
	fi
	echo $(( (t1 - t0) / 1000000 ))
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# "median 0.81 us, p90 1.09 us (200 samples)" and "(0 with frames without CFI; 0 by libunwind"
# from stackcount's -v report in file $1, as "median p90 samples no_cfi by_libunwind".
unwind_stats() {
	sed -n 's/.*DWARF unwinding (\([0-9]*\) with frames without CFI; \([0-9]*\) by libunwind.*median \([0-9.]*\) us, p90 \([0-9.]*\) us (\([0-9]*\) samples).*/\3 \4 \5 \1 \2/p' "$1"
}

# One case under one unwinder ($1: dwarf or libunwind); its -v report into $TMP/err.
unwind_case() {
	local how=$1 case=$2 t
	case $case in
	hot)
		timed env RAWTRACE_USTACK="$how" "$RT" stackcount -U -v -p PID t:$EV >/dev/null
		;;
	fresh)
		RAWTRACE_USTACK="$how" "$RT" stackcount -U -v "$WL:rt_stack_c" >/dev/null 2>"$TMP/err" &
		t=$!
		sleep 1.5
		for ((j = 0; j < 200; j++)); do "$WL" 1 now; done
		sleep 0.5
		kill -INT $t
		wait $t
		;;
	system)
		(for ((j = 0; j < 4; j++)); do ls -R /usr/lib >/dev/null; python3 -c pass; sh -c :; done) &
		RAWTRACE_USTACK="$how" timeout -s INT 5 "$RT" stackcount -U -v -P t:sched:sched_switch \
			>/dev/null 2>"$TMP/err"
		wait
		;;
	esac
}

echo "== DWARF unwind time per sample (stackcount -v), median of $ROUNDS rounds, microseconds =="
declare -A um
for ((i = 0; i < ROUNDS; i++)); do
	for case in hot fresh system; do
		for how in dwarf libunwind; do
			unwind_case $how $case
			read -r med p90 n fp lu < <(unwind_stats "$TMP/err")
			um[$case,$how,med]+="${med:-NA} "
			um[$case,$how,p90]+="${p90:-NA} "
			um[$case,$how,n]+="${n:-0} "
			um[$case,$how,fp]+="${fp:-0} "
			um[$case,$how,lu]+="${lu:-0} "
		done
	done
done
mid() { tr ' ' '\n' | grep -v '^$' | median; }
printf '%-8s %-10s %9s %9s %9s %s\n' case unwinder median p90 samples "per-round medians (stacks with frames without CFI, left to libunwind: last round)"
for case in hot fresh system; do
	for how in dwarf libunwind; do
		printf '%-8s %-10s %9s %9s %9s %s (%s, %s)\n' $case $how \
			"$(echo "${um[$case,$how,med]}" | mid)" "$(echo "${um[$case,$how,p90]}" | mid)" \
			"$(echo "${um[$case,$how,n]}" | mid)" "${um[$case,$how,med]}" \
			"$(echo "${um[$case,$how,fp]}" | awk '{ print $NF }')" "$(echo "${um[$case,$how,lu]}" | awk '{ print $NF }')"
	done
	printf '%-8s ratio of the medians, libunwind / ours: %s\n' $case \
		"$(awk -v a="$(echo "${um[$case,libunwind,med]}" | mid)" -v b="$(echo "${um[$case,dwarf,med]}" | mid)" \
			'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }')"
done

echo
echo "== wl_stack: $N write()s, median of $ROUNDS rounds, milliseconds =="
declare -A label=(
	[base]="no tracing"
	[sc]="rawtrace stackcount -U -p PID"
	[pfp]="perf record -g -e $EV -p PID"
	[pdw]="perf record --call-graph dwarf -e $EV -p PID"
)
declare -A res
for k in base sc pfp pdw; do
	vals=()
	for ((i = 0; i < ROUNDS; i++)); do
		case $k in
		base) vals+=("$(timed)") ;;
		sc) vals+=("$(timed "$RT" stackcount -U -p PID t:$EV)") ;;
		pfp) vals+=("$(timed perf record -q -o "$TMP/perf.data" -g -e $EV -p PID)") ;;
		pdw) vals+=("$(timed perf record -q -o "$TMP/perf.data" --call-graph dwarf -e $EV -p PID)") ;;
		esac
	done
	res[$k]=$(printf '%s\n' "${vals[@]}" | median)
done
for k in base sc pfp pdw; do
	printf '%-52s %6s ms  %5.2fx\n' "${label[$k]}" "${res[$k]}" \
		"$(awk -v a="${res[$k]}" -v b="${res[base]}" 'BEGIN { print (b > 0 ? a / b : 0) }')"
done
