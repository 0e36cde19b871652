#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Syscall-tracing overhead benchmark: rawtrace syscount against perf stat and bpftrace.
#
# Usage: bench/run.sh [-h] [path-to-rawtrace]
#
#   path-to-rawtrace  the rawtrace binary (default: $RAWTRACE, else ../rawtrace next to bench/)
#
# Environment:
#   K=5          rounds; every configuration runs once per round, round-robin
#   N=5000000    getppid() calls made by the workload per run
#   SETTLE=2     seconds to idle between two runs
#   TIMEOUT=120  seconds a tracer may take to attach before the run counts as failed
#   QUIET_WAIT=180  seconds to wait, before each run, for other processes' perf events
#                to go away (other tracers enable the same tracepoints and skew the run)
#
# Runs as root.  In ONE run it times the getppid_loop workload (bench/getppid_loop.c) with
# no tracer and under each system-wide tracer, interleaving the configurations so that the
# drift of a noisy machine hits all of them alike, and reports each traced time as a ratio
# to the untraced time of the same round.  It also measures the tracers' start-up (exec ->
# attached) and exit (SIGINT -> exit) times and checks that rawtrace counted at least N
# getppid calls.  Prints a Markdown report and saves it as bench/results/syscount-DATE.md.
# Exits 1 if a tracer failed or a count check failed, 2 on a usage or set-up error.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_args "$@"
CONFIGS=(baseline rawtrace perf_raw perf_sc bpftrace)
RT_ARGS=syscount # our_rawtrace_pids: only "$RT syscount" processes are ours
K=${K:-5}
N=${N:-5000000}
SETTLE=${SETTLE:-2}
TIMEOUT=${TIMEOUT:-120}
QUIET_WAIT=${QUIET_WAIT:-180}

[[ $K =~ ^[1-9][0-9]*$ ]] || die "K must be a positive integer (got '$K')"
[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer (got '$N')"
need_root_gcc_perf "system-wide tracing"

TMP=$(mktemp -d /tmp/rawtrace-bench.XXXXXX)
BG_PID=
# shellcheck disable=SC2317  # only ever called by the EXIT trap
cleanup() {
	# only the tracer this script started, by its pid
	if [[ -n $BG_PID ]] && kill -0 "$BG_PID" 2>/dev/null; then
		kill -INT "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- workload and facts ------------------------------------------------------------------

gcc -O2 -Wall -o "$TMP/getppid_loop" "$BENCH_DIR/getppid_loop.c"
LOOP=$TMP/getppid_loop
NR_GETPPID=$(printf '#include <sys/syscall.h>\nSYS_getppid\n' | gcc -E -P -x c - | tail -n 1)
[[ $NR_GETPPID =~ ^[0-9]+$ ]] || die "cannot find the getppid syscall number"

sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }

perf_fds() { { find "/proc/$1/fd" -lname 'anon_inode:\[perf_event\]' 2>/dev/null || true; } | wc -l; }

BPFTRACE_PROG=
BPFTRACE_SKIP=
probe_bpftrace() {
	local f
	if ! command -v bpftrace >/dev/null; then
		BPFTRACE_SKIP="bpftrace is not installed"
		return
	fi
	# bpftrace >= 0.18 spells tracepoint fields args.id, older ones only args->id
	for f in 'args.id' 'args->id'; do
		if timeout 60 bpftrace -e "tracepoint:raw_syscalls:sys_exit { @[$f] = count(); } BEGIN { exit(); }" \
		   >"$TMP/bt-probe.out" 2>"$TMP/bt-probe.err"; then
			BPFTRACE_PROG="tracepoint:raw_syscalls:sys_exit { @[$f] = count(); }"
			return
		fi
	done
	BPFTRACE_SKIP="bpftrace cannot run here: $(grep -m1 ERROR "$TMP/bt-probe.err" || tail -n 1 "$TMP/bt-probe.err")"
}
probe_bpftrace

machine_facts

label() {
	case $1 in
	baseline) echo "untraced baseline" ;;
	rawtrace) echo "\`rawtrace syscount\`" ;;
	perf_raw) echo "\`perf stat -e raw_syscalls:sys_enter -a\`" ;;
	perf_sc) echo "\`perf stat -e 'syscalls:sys_enter_*' -a\`" ;;
	bpftrace) echo "\`bpftrace -e '$BPFTRACE_PROG'\`" ;;
	esac
}

# ---- one run of one configuration ----------------------------------------------------------
# Results go to $TMP/res/<config>.<field> as one line per round.

mkdir -p "$TMP/res"

# Run the workload once, record its elapsed time for (config, round), and note any
# other process's perf events seen just before or just after it.
run_workload() { # config round
	local out f1 f2
	f1=$(foreign_perf)
	out=$("$LOOP" "$N")
	f2=$(foreign_perf)
	echo "$1 round $2: $out" >>"$TMP/workload.log"
	put "$1" time "$(sed -n 's/^elapsed_s=\([0-9.]*\) .*/\1/p' <<<"$out")"
	put "$1" cpu "$(sed -n 's/.* cpu_s=\([0-9.]*\).*/\1/p' <<<"$out")"
	if [[ -n $f1$f2 ]]; then
		put "$1" disturbed "$2"
		echo "- $(label "$1"), round $2: other perf_event users: before: ${f1:-none}; after: ${f2:-none}" \
			>>"$TMP/res/disturbances"
	fi
}

# SIGINT the tracer and wait for it (not in a subshell: wait needs our child).  Sets
# T_SIGINT (when the signal was sent) and EXIT_S (SIGINT -> exit seconds).
stop_bg() {
	T_SIGINT=$(now)
	kill -INT "$BG_PID"
	wait "$BG_PID" || true
	BG_PID=
	EXIT_S=$(sub "$(now)" "$T_SIGINT")
}

run_rawtrace() { # round
	local r=$1 before t0 cnt
	before=$(our_rawtrace_pids)
	t0=$(now)
	start_bg "$TMP/rawtrace.out" "$TMP/rawtrace.err" "$RT" syscount
	if ! wait_for_text "$TMP/rawtrace.out" "Tracing syscalls"; then
		fail_run rawtrace "round $r: no 'Tracing syscalls' banner" "$TMP/rawtrace.err" time cpu
		wait_new_rawtrace_gone "$before"
		return
	fi
	put rawtrace start "$(sub "$(now)" "$t0")"
	((r == 1)) && perf_fds "$BG_PID" >"$TMP/res/rawtrace.fds"
	run_workload rawtrace "$r"
	stop_bg
	put rawtrace exit "$EXIT_S"
	# the detached child finishes the close in the background; wait for it
	wait_new_rawtrace_gone "$before"
	put rawtrace teardown "$(sub "$(now)" "$T_SIGINT")"
	cnt=$(awk '$1 == "getppid" { print $2 }' "$TMP/rawtrace.out")
	put rawtrace count "${cnt:-0}"
	if ((${cnt:-0} < N)); then
		log "COUNT CHECK FAILED: rawtrace counted ${cnt:-0} getppid calls, workload made $N"
		FAILED=1
	fi
	cp "$TMP/rawtrace.out" "$TMP/rawtrace.out.$r"
}

# perf stat has no "attached" banner: start it with its events disabled (-D -1) and a
# control fifo, send "enable" and wait for perf's "ack", after which it is counting.
run_perf() { # config round event-spec
	local cfg=$1 r=$2 ev=$3 ctl ack t0 line cnt i
	rm -f "$TMP/ctl" "$TMP/ack"
	mkfifo "$TMP/ctl" "$TMP/ack"
	exec {ctl}<>"$TMP/ctl" {ack}<>"$TMP/ack"
	t0=$(now)
	start_bg "$TMP/$cfg.stdout" "$TMP/$cfg.err" perf stat -e "$ev" -a -D -1 \
		--control "fifo:$TMP/ctl,$TMP/ack" -o "$TMP/$cfg.out"
	echo enable >&"$ctl"
	line=
	for ((i = 0; i < TIMEOUT * 10; i++)); do
		read -r -t 0.1 -u "$ack" line && break
		kill -0 "$BG_PID" 2>/dev/null || break
	done
	if [[ $line != ack ]]; then
		exec {ctl}>&- {ack}>&-
		fail_run "$cfg" "round $r: perf stat did not acknowledge 'enable'" "$TMP/$cfg.err" time cpu
		return
	fi
	put "$cfg" start "$(sub "$(now)" "$t0")"
	((r == 1)) && perf_fds "$BG_PID" >"$TMP/res/$cfg.fds"
	run_workload "$cfg" "$r"
	stop_bg
	put "$cfg" exit "$EXIT_S"
	exec {ctl}>&- {ack}>&-
	if [[ $cfg == perf_sc ]]; then
		cnt=$(awk '$2 == "syscalls:sys_enter_getppid" { gsub(",", "", $1); print $1 }' "$TMP/$cfg.out")
	else
		cnt=$(awk '$2 == "raw_syscalls:sys_enter" { gsub(",", "", $1); print $1 }' "$TMP/$cfg.out")
	fi
	put "$cfg" count "${cnt:-0}"
	cp "$TMP/$cfg.out" "$TMP/$cfg.out.$r"
}

# bpftrace prints nothing when attached either; a BEGIN probe fires after every probe
# is attached and prints the marker.
run_bpftrace() { # round
	local r=$1 t0 cnt
	t0=$(now)
	start_bg "$TMP/bpftrace.out" "$TMP/bpftrace.err" \
		bpftrace -e "BEGIN { printf(\"Attached\\n\"); } $BPFTRACE_PROG"
	if ! wait_for_text "$TMP/bpftrace.out" "^Attached"; then
		fail_run bpftrace "round $r: no BEGIN output" "$TMP/bpftrace.err" time cpu
		return
	fi
	put bpftrace start "$(sub "$(now)" "$t0")"
	((r == 1)) && perf_fds "$BG_PID" >"$TMP/res/bpftrace.fds"
	run_workload bpftrace "$r"
	stop_bg
	put bpftrace exit "$EXIT_S"
	cnt=$(awk -v k="@[$NR_GETPPID]:" '$1 == k { print $2 }' "$TMP/bpftrace.out")
	put bpftrace count "${cnt:-0}"
}

# ---- the rounds ------------------------------------------------------------------------------

FAILED=0
log "rawtrace: $RT"
log "K=$K rounds x ${#CONFIGS[@]} configurations, N=$N getppid calls per run"
[[ -n $BPFTRACE_SKIP ]] && log "skipping bpftrace: $BPFTRACE_SKIP"

for ((r = 1; r <= K; r++)); do
	for cfg in "${CONFIGS[@]}"; do
		[[ $cfg == bpftrace && -n $BPFTRACE_SKIP ]] && continue
		wait_quiet
		log "round $r/$K: $cfg"
		case $cfg in
		baseline) run_workload baseline "$r" ;;
		rawtrace) run_rawtrace "$r" ;;
		perf_raw) run_perf perf_raw "$r" raw_syscalls:sys_enter ;;
		perf_sc) run_perf perf_sc "$r" 'syscalls:sys_enter_*' ;;
		bpftrace) run_bpftrace "$r" ;;
		esac
		sleep "$SETTLE"
	done
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
BENCH_MIN=$(awk -v a="$(now)" -v b="$T_BENCH0" 'BEGIN { printf "%.1f", (a - b) / 60 }')

# ---- report ----------------------------------------------------------------------------------

range() { field "$1" "$2" | med_range %.3f; }

report() {
	local cfg t med rate ratio cmed cratio
	echo "# rawtrace syscount overhead: $STARTED"
	echo
	echo "Machine: Linux $KERNEL, $CPUS CPUs ($CPU_MODEL); load average $LOAD_START at start, $LOAD_END at end."
	echo "Tools: ${RT_VER:-rawtrace}, perf $PERF_VER, bpftrace ${BT_VER:-none}.  Bench took $BENCH_MIN min."
	echo
	echo "## Workload time: $N getppid() calls, median of K=$K interleaved rounds"
	echo
	echo "Wall time is what the workload measured (CLOCK_MONOTONIC); slowdown is the median over"
	echo "the rounds of (traced time / baseline time of the same round).  CPU is the workload's own"
	echo "user+system time, which other load on the machine disturbs less."
	echo
	echo "| configuration | median wall (s) | calls/s | **slowdown (wall)** | median CPU (s) | slowdown (CPU) | per-round wall times (s) |"
	echo "|---|---:|---:|---:|---:|---:|---|"
	for cfg in "${CONFIGS[@]}"; do
		if [[ $cfg == bpftrace && -n $BPFTRACE_SKIP ]]; then
			echo "| bpftrace | skipped | | | | | $BPFTRACE_SKIP |"
			continue
		fi
		t=$(field "$cfg" time)
		med=$(median <<<"$t")
		rate=$(awk -v m="$med" -v n="$N" 'BEGIN { if (m + 0 > 0) printf "%.0f", n / m; else print "-" }')
		cmed=$(field "$cfg" cpu | median)
		if [[ $cfg == baseline ]]; then
			ratio="1.00"
			cratio="1.00"
		else
			ratio=$(ratios "$cfg" baseline | median)
			[[ $ratio != - ]] && ratio=$(printf '%.2f×' "$ratio")
			cratio=$(ratios "$cfg" baseline cpu | median)
			[[ $cratio != - ]] && cratio=$(printf '%.2f×' "$cratio")
		fi
		echo "| $(label "$cfg") | $med | $rate | **$ratio** | $cmed | $cratio | $(per_round "$cfg") |"
	done
	if [[ -s $TMP/res/disturbances ]]; then
		echo
		echo "\\* Other processes held perf events during these runs (QUIET_WAIT=${QUIET_WAIT}s was not enough):"
		echo
		cat "$TMP/res/disturbances"
	fi
	echo
	echo "## Tracer start-up and exit (s): median (min–max) over $K runs"
	echo
	echo "Start-up is exec → attached: rawtrace's \"Tracing syscalls\" banner; perf's \"ack\" to an"
	echo "\`enable\` sent on its control fifo (started with \`-D -1\`); bpftrace's BEGIN output."
	echo "Exit is SIGINT → the process has exited.  rawtrace's teardown column is SIGINT → its"
	echo "detached closing child is gone too (the kernel-side cost of closing the counters)."
	echo
	echo "| tracer | perf_event fds | start-up | exit | teardown done |"
	echo "|---|---:|---|---|---|"
	for cfg in rawtrace perf_raw perf_sc bpftrace; do
		[[ $cfg == bpftrace && -n $BPFTRACE_SKIP ]] && continue
		local td="-"
		[[ $cfg == rawtrace ]] && td=$(range rawtrace teardown)
		echo "| $(label "$cfg") | $(cat "$TMP/res/$cfg.fds" 2>/dev/null || echo -) | $(range "$cfg" start) | $(range "$cfg" exit) | $td |"
	done
	echo
	echo "## Counts (correctness)"
	echo
	echo "Each tracer counts system-wide, so other processes may add a few calls on top of the workload's N = $N."
	echo
	echo "| tracer | what is counted | per-round counts | check |"
	echo "|---|---|---|---|"
	local c ok
	c=$(field rawtrace count)
	ok=$(awk -v n="$N" 'BEGIN { ok = 1; seen = 0 } { seen = 1; if ($1 + 0 < n) ok = 0 } END { print (seen && ok) ? "PASS (all ≥ N)" : "FAIL" }' <<<"$c")
	echo "| rawtrace syscount | getppid row | $(joined rawtrace count) | $ok |"
	c=$(field perf_sc count)
	echo "| perf stat syscalls:sys_enter_* | syscalls:sys_enter_getppid | $(joined perf_sc count) | $(awk -v n="$N" '{ if ($1 + 0 < n) bad = 1 } END { print (NR && !bad) ? "all ≥ N" : "some < N" }' <<<"$c") |"
	c=$(field perf_raw count)
	echo "| perf stat raw_syscalls:sys_enter | all syscalls | $(joined perf_raw count) | $(awk -v n="$N" '{ if ($1 + 0 < n) bad = 1 } END { print (NR && !bad) ? "all ≥ N" : "some < N" }' <<<"$c") |"
	if [[ -z $BPFTRACE_SKIP ]]; then
		c=$(field bpftrace count)
		echo "| bpftrace | @[$NR_GETPPID] (getppid) | $(joined bpftrace count) | $(awk -v n="$N" '{ if ($1 + 0 < n) bad = 1 } END { print (NR && !bad) ? "all ≥ N" : "some < N" }' <<<"$c") |"
	fi
	if [[ -s $TMP/rawtrace.out.1 ]]; then
		echo
		echo "rawtrace syscount output of round 1:"
		echo
		echo '```'
		cat "$TMP/rawtrace.out.1"
		echo '```'
	fi
}

save_report syscount
exit "$FAILED"
