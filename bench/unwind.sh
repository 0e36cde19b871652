#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# unwind.sh: what DWARF user stacks cost.  (1) The unwind time per sample that
# `stackcount -v` reports (median and p90), on wl_stack (one hot stack: repeated unwinds)
# and system-wide on sched_switch (many processes and stacks: mostly first unwinds).
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

echo "== unwind time per sample (stackcount -v) =="
timed "$RT" stackcount -U -v -p PID t:$EV >/dev/null
echo "wl_stack, $N writes, one stack:  $(grep -o 'user stacks:.*' "$TMP/err")"
grep -h 'Possibly lost' "$TMP/err" | sed 's/^/    /'
timeout -s INT 5 "$RT" stackcount -U -v -P t:sched:sched_switch >/dev/null 2>"$TMP/err2"
echo "system-wide sched_switch, 5 s:  $(grep -o 'user stacks:.*' "$TMP/err2")"

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
