#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Per-event tracing benchmark: rawtrace opensnoop and biosnoop against perf record and
# bpftrace, plus the event rate at which rawtrace opensnoop starts losing records.
#
# Usage: bench/io.sh [-h] [path-to-rawtrace]
#
#   path-to-rawtrace  the rawtrace binary (default: $RAWTRACE, else ../rawtrace next to bench/)
#
# Environment:
#   K=5               rounds of the overhead part; every configuration runs once per round
#   N_OPEN=300000     opens (open+close) per run of the open workload
#   N_BIO=50000       4 KiB O_DIRECT reads per run of the block workload
#   N_OVER=200000     opens per run of the overload part
#   RATES="10000 20000 50000 100000 200000 0"
#                     opens/s of the overload part (0 = as fast as possible)
#   WL_BLOCK=...      the wl_block binary (default: tests/system/wl_block next to rawtrace)
#   SETTLE=1          seconds to idle between two runs
#   TIMEOUT=60        seconds a tracer may take to attach before its run counts as failed
#   QUIET_WAIT=10     seconds to wait, before each run, for other processes' perf events to
#                     go away (runs that still see some are marked *)
#
# Runs as root.  Part 1 (overhead) times two workloads untraced and under three per-event
# tracers, interleaved round-robin so that the drift of a noisy machine hits all of them
# alike, reports each traced time as a ratio to the untraced time of the same round, and
# counts the events each tracer actually delivered, so that a fast but lossy tracer shows:
#   open:  bench/open_loop.c, under rawtrace opensnoop, perf record on
#          syscalls:sys_{enter,exit}_openat, and a bpftrace opensnoop;
#   block: tests/system/wl_block on a loop device of our own, under rawtrace biosnoop -d,
#          perf record on block:block_rq_{issue,complete}, and a bpftrace biosnoop.
# Part 2 (overload) runs the open workload at increasing rates under rawtrace opensnoop with
# -b 64 (BCC's default ring) and -b 1024 (rawtrace's default), output to /dev/null and to a
# file, and reports printed vs expected lines and "Possibly lost N samples" per rate, plus
# rawtrace's peak RSS.
# Prints a Markdown report and saves it as bench/results/io-DATE.md.
# Exits 1 if a tracer failed to attach, 2 on a usage or set-up error.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_args "$@"
K=${K:-5}
N_OPEN=${N_OPEN:-300000}
N_BIO=${N_BIO:-50000}
N_OVER=${N_OVER:-200000}
RATES=${RATES:-10000 20000 50000 100000 200000 0}
SETTLE=${SETTLE:-1}
TIMEOUT=${TIMEOUT:-60}
QUIET_WAIT=${QUIET_WAIT:-10}
RT_ARGS= # our_rawtrace_pids: every command of our rawtrace binary is ours

for v in K N_OPEN N_BIO N_OVER TIMEOUT QUIET_WAIT; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[[ $SETTLE =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "SETTLE must be a number of seconds (got '$SETTLE')"
for rate in $RATES; do
	[[ $rate =~ ^[0-9]+$ ]] || die "RATES must be opens/s numbers, 0 = unthrottled (got '$rate')"
done
WL_BLOCK=${WL_BLOCK:-$(dirname "$RT")/tests/system/wl_block}
[[ -x $WL_BLOCK ]] || die "no wl_block at '$WL_BLOCK' (run 'make tests/system/wl_block' in the build dir, or set WL_BLOCK)"
need_root_gcc_perf "system-wide tracing, loop devices"
command -v losetup >/dev/null || die "losetup not found"

TMP=$(mktemp -d /tmp/rawtrace-io.XXXXXX)
BG_PID=
LOOPDEV=
WL_PID=
# Everything started here is stopped by pid, the loop device detached, on any exit: a
# leftover tracer would keep tracepoints enabled for everybody else on the machine, and a
# leftover loop device keeps the 64 MiB file pinned.
# shellcheck disable=SC2317  # only ever called by the EXIT trap
cleanup() {
	if [[ -n $WL_PID ]] && kill -0 "$WL_PID" 2>/dev/null; then
		kill -KILL "$WL_PID" 2>/dev/null || true
		wait "$WL_PID" 2>/dev/null || true
	fi
	if [[ -n $BG_PID ]] && kill -0 "$BG_PID" 2>/dev/null; then
		kill -INT "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
	fi
	if [[ -n $LOOPDEV ]]; then
		losetup -d "$LOOPDEV" 2>/dev/null || log "warning: could not detach $LOOPDEV"
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- workloads and facts -------------------------------------------------------------------

gcc -O2 -Wall -o "$TMP/open_loop" "$BENCH_DIR/open_loop.c"
OPEN_LOOP=$TMP/open_loop
TARGET=$TMP/target
echo "opened, never read" >"$TARGET"

# The dynamic loader's own opens (ld.so.cache, libc) are made by the workload's pid too and
# every tracer sees them, so the expected count per run is N + this.  perf stat counts them
# in the kernel (counting mode, no records to lose), on the workload process only.
LOADER_OPENS=$(perf stat -x, -e 'syscalls:sys_enter_open*' -- "$OPEN_LOOP" "$TARGET" 0 2>&1 >/dev/null |
	awk -F, '$3 ~ /^syscalls:sys_enter_open/ { s += $1 } END { print s + 0 }')
log "the open workload makes $LOADER_OPENS opens before main()"

# A loop device over a file in /tmp: nothing else does I/O on it, so its requests are the
# workload's.  --direct-io=off: with direct I/O the loop driver completes requests from
# an idle CPU's softirq, where 6.18's perf sampling misses some (see README.md).
dd if=/dev/zero of="$TMP/disk.img" bs=1M count=64 status=none
LOOPDEV=$(losetup -f --show --direct-io=off "$TMP/disk.img") || die "losetup failed"
LOOPNAME=${LOOPDEV#/dev/}
LOOPDEV_USED=$LOOPDEV
LOOP_MAJ=$((16#$(stat -c %t "$LOOPDEV")))
LOOP_MIN=$((16#$(stat -c %T "$LOOPDEV")))
# udev probes a new block device (blkid reads); let that finish before anything is timed
if command -v udevadm >/dev/null; then udevadm settle -t 10 2>/dev/null || true; fi
log "block workload on $LOOPDEV ($LOOP_MAJ:$LOOP_MIN)"

BT_SKIP=
BT_NOTE=
probe_bpftrace() {
	if ! command -v bpftrace >/dev/null; then
		BT_SKIP="bpftrace is not installed"
		return
	fi
	# bpftrace raises RLIMIT_MEMLOCK itself; where it may not (a container), it warns and
	# usually still loads, since current kernels charge BPF memory to the cgroup instead.
	ulimit -l unlimited 2>/dev/null || BT_NOTE="RLIMIT_MEMLOCK could not be raised (ulimit -l unlimited refused); bpftrace warned about it but loaded"
	if ! timeout 60 bpftrace -e 'tracepoint:syscalls:sys_exit_openat { @ = count(); } BEGIN { exit(); }' \
		>"$TMP/bt-probe.out" 2>"$TMP/bt-probe.err"; then
		BT_SKIP="bpftrace cannot run here: $(grep -m1 ERROR "$TMP/bt-probe.err" | grep -v RLIMIT_MEMLOCK || tail -n 1 "$TMP/bt-probe.err")"
	fi
}
probe_bpftrace

# bpftrace 0.17 (this machine) only has the args->field spelling, later ones accept it too.
# opensnoop's job: keep the filename pointer at entry per thread, print at exit.
cat >"$TMP/opensnoop.bt" <<'EOF'
BEGIN { printf("Attached\n"); }
tracepoint:syscalls:sys_enter_openat { @fn[tid] = args->filename; }
tracepoint:syscalls:sys_exit_openat /@fn[tid]/ {
	printf("%d %s %d %s\n", pid, comm, args->ret, str(@fn[tid]));
	delete(@fn[tid]);
}
END { clear(@fn); }
EOF
# biosnoop's job on our loop device (dev_t in the kernel's major << 20 | minor form):
# issue time and issuing pid keyed by (dev, sector), latency printed at completion.
LOOP_KDEV=$(((LOOP_MAJ << 20) | LOOP_MIN))
cat >"$TMP/biosnoop.bt" <<EOF
BEGIN { printf("Attached\\n"); }
tracepoint:block:block_rq_issue /args->dev == $LOOP_KDEV/ {
	@start[args->dev, args->sector] = nsecs;
	@pid[args->dev, args->sector] = pid;
}
tracepoint:block:block_rq_complete /@start[args->dev, args->sector]/ {
	printf("%d %s %llu %llu\\n", @pid[args->dev, args->sector], args->rwbs, args->sector,
	       (nsecs - @start[args->dev, args->sector]) / 1000);
	delete(@start[args->dev, args->sector]);
	delete(@pid[args->dev, args->sector]);
}
END { clear(@start); clear(@pid); }
EOF

machine_facts

# ---- tracer processes ----------------------------------------------------------------------

# The tracer gets 0.5 s to read the last records before SIGINT (rawtrace drains at exit,
# bpftrace may not), so that an end-of-run race does not count as a loss.  bpftrace 0.17
# was seen to stay asleep in epoll_wait after a SIGINT, for minutes, until a second one:
# resend SIGINT every 5 s, then SIGTERM after 30 s and SIGKILL after 60 s, and say so.
alive() { [[ $(ps -o stat= -p "$1" 2>/dev/null) == [^Z]* ]]; }
stop_bg() {
	local t0 n=0 comm
	sleep 0.5
	comm=$(cat "/proc/$BG_PID/comm" 2>/dev/null || echo '?')
	t0=$(now)
	kill -INT "$BG_PID" 2>/dev/null || true
	while alive "$BG_PID"; do
		sleep 0.1
		if elapsed_gt "$t0" $((5 * (n + 1))); then
			n=$((n + 1))
			if ((n >= 12)); then
				kill -KILL "$BG_PID" 2>/dev/null || true
			elif ((n >= 6)); then
				kill -TERM "$BG_PID" 2>/dev/null || true
			else
				kill -INT "$BG_PID" 2>/dev/null || true
			fi
		fi
	done
	wait "$BG_PID" || true
	if ((n > 0)); then
		log "warning: ${comm}[$BG_PID] needed $n more signal(s) to exit after SIGINT"
		echo "- $comm (pid $BG_PID) did not exit on SIGINT; it took $n more signal(s), $(awk -v a="$(now)" -v b="$t0" 'BEGIN { printf "%.0f", a - b }') s" >>"$TMP/res/incidents"
	fi
	BG_PID=
}

# perf record has no "attached" message: start it with its events disabled (-D -1) and a
# control fifo, send "enable" and wait for its "ack", after which it is recording.
PERF_CTL=
PERF_ACK=
start_perf() { # errfile datafile event...
	local err=$1 data=$2 line part i
	local -a evs=()
	shift 2
	for i in "$@"; do evs+=(-e "$i"); done
	rm -f "$TMP/ctl" "$TMP/ack"
	mkfifo "$TMP/ctl" "$TMP/ack"
	exec {PERF_CTL}<>"$TMP/ctl" {PERF_ACK}<>"$TMP/ack"
	start_bg /dev/null "$err" perf record -a "${evs[@]}" -o "$data" -D -1 \
		--control "fifo:$TMP/ctl,$TMP/ack"
	echo enable >&"$PERF_CTL"
	# read -t keeps what it got before timing out: accumulate until the whole "ack" is in
	line=
	for ((i = 0; i < TIMEOUT * 10; i++)); do
		part=
		read -r -t 0.1 -u "$PERF_ACK" part || true
		line+=$part
		[[ $line == *ack* ]] && return 0
		if ! kill -0 "$BG_PID" 2>/dev/null; then
			echo "perf record exited before acknowledging" >>"$err"
			return 1
		fi
	done
	return 1
}
close_perf_fifos() { exec {PERF_CTL}>&- {PERF_ACK}>&-; }

# ---- results -------------------------------------------------------------------------------
# $TMP/res/<config>.<field>: one line per round.

mkdir -p "$TMP/res"
FAILED=0

note_disturbed() { # config round before after
	if [[ -n $3$4 ]]; then
		put "$1" disturbed "$2"
		echo "- $1, round $2: other perf_event users: before: ${3:-none}; after: ${4:-none}" >>"$TMP/res/disturbances"
	fi
}

# Run the open workload; sets WL_OUT_PID and WL_TIME (and WL_RATE for the overload part).
run_open() { # N rate
	local out
	out=$("$OPEN_LOOP" "$TARGET" "$1" "$2")
	WL_OUT_PID=$(sed -n 's/^pid=//p' <<<"$out")
	WL_TIME=$(sed -n 's/^elapsed_s=\([0-9.]*\) .*/\1/p' <<<"$out")
	WL_RATE=$(sed -n 's/.* opens_per_s=\([0-9]*\) .*/\1/p' <<<"$out")
	echo "open N=$1 rate=$2: pid=$WL_OUT_PID $(sed -n 2p <<<"$out")" >>"$TMP/workload.log"
}

# Run wl_block: it prints its pid and waits for SIGUSR1, so the read loop starts only now.
run_block() {
	local t0
	"$WL_BLOCK" "$LOOPDEV" count "$N_BIO" >"$TMP/wl_block.out" &
	WL_PID=$!
	t0=$(now)
	until [[ -s $TMP/wl_block.out ]]; do
		elapsed_gt "$t0" 10 && break
		sleep 0.01
	done
	kill -USR1 "$WL_PID"
	wait "$WL_PID"
	WL_PID=
	WL_OUT_PID=$(sed -n 1p "$TMP/wl_block.out")
	WL_TIME=$(sed -n 2p "$TMP/wl_block.out")
	echo "block pid=$WL_OUT_PID N=$N_BIO: $WL_TIME" >>"$TMP/workload.log"
}

# One timed workload run for (config, round) with foreign-tracer marking.
timed() { # config round workload
	local f1 f2
	f1=$(foreign_perf)
	if [[ $3 == open ]]; then run_open "$N_OPEN" 0; else run_block; fi
	f2=$(foreign_perf)
	put "$1" time "${WL_TIME:-FAIL}"
	note_disturbed "$1" "$2" "$f1" "$f2"
}

# Lines of rawtrace opensnoop output ($1) for pid $2: "total exact marked".
# Columns: PID COMM FD ERR PATH, a marked (unverified) path is "? PATH".
opensnoop_counts() {
	awk -v p="$2" -v t="$TARGET" '$1 == p { n++; if ($5 == t && NF == 5) e++; if ($5 == "?") m++ }
		END { printf "%d %d %d\n", n, e, m }' "$1"
}
lost_samples() { sed -n 's/^Possibly lost \([0-9]*\) samples$/\1/p' "$1" | awk '{ s += $1 } END { print s + 0 }'; }
# rawtrace's other end-of-run complaints (dropped records, kernel gaps), for the report
rt_complaints() { grep -v -e '^opensnoop: paths:' -e '^Possibly lost' "$1" | tr '\n' ' ' || true; }

run_cfg() { # config round
	local cfg=$1 r=$2 before c lost dup rawc bt
	case $cfg in
	open_base) timed "$cfg" "$r" open ;;
	bio_base) timed "$cfg" "$r" block ;;
	open_rt)
		before=$(our_rawtrace_pids)
		# -v prints the strategy after the events are enabled: the "attached" signal
		start_bg "$TMP/rt.out" "$TMP/rt.err" "$RT" opensnoop -v
		wait_for_text "$TMP/rt.err" "^opensnoop: paths:" || { fail_run "$cfg" "no attach banner" "$TMP/rt.err" time count; return; }
		timed "$cfg" "$r" open
		stop_bg
		wait_new_rawtrace_gone "$before"
		read -r c _ _ < <(opensnoop_counts "$TMP/rt.out" "$WL_OUT_PID")
		lost=$(lost_samples "$TMP/rt.err")
		put "$cfg" count "$c"
		put "$cfg" detail "$(opensnoop_counts "$TMP/rt.out" "$WL_OUT_PID" | awk '{ print "exact " $2 ", marked " $3 }'), lost $lost samples $(rt_complaints "$TMP/rt.err")"
		;;
	bio_rt)
		before=$(our_rawtrace_pids)
		start_bg "$TMP/rt.out" "$TMP/rt.err" "$RT" biosnoop -d "$LOOPNAME"
		wait_for_text "$TMP/rt.out" "^TIME(s)" || { fail_run "$cfg" "no header" "$TMP/rt.err" time count; return; }
		timed "$cfg" "$r" block
		stop_bg
		wait_new_rawtrace_gone "$before"
		# TIME(s) COMM PID DISK T SECTOR BYTES LAT(ms)
		c=$(awk -v p="$WL_OUT_PID" -v d="$LOOPNAME" '$3 == p && $4 == d && $5 == "R"' "$TMP/rt.out" | wc -l)
		lost=$(lost_samples "$TMP/rt.err")
		put "$cfg" count "$c"
		put "$cfg" detail "lost $lost samples $(grep -v '^Possibly lost' "$TMP/rt.err" | tr '\n' ' ' || true)"
		;;
	open_perf | bio_perf)
		if [[ $cfg == open_perf ]]; then
			start_perf "$TMP/perf.err" "$TMP/perf.data" syscalls:sys_enter_openat syscalls:sys_exit_openat ||
				{ close_perf_fifos; fail_run "$cfg" "perf record did not acknowledge 'enable'" "$TMP/perf.err" time count; return; }
		else
			start_perf "$TMP/perf.err" "$TMP/perf.data" block:block_rq_issue block:block_rq_complete ||
				{ close_perf_fifos; fail_run "$cfg" "perf record did not acknowledge 'enable'" "$TMP/perf.err" time count; return; }
		fi
		if [[ $cfg == open_perf ]]; then timed "$cfg" "$r" open; else timed "$cfg" "$r" block; fi
		stop_bg
		close_perf_fifos
		# perf script of perf 6.1 on this kernel prints a few records twice (same CPU and
		# nanosecond timestamp): count distinct records, report the duplicates.
		if [[ $cfg == open_perf ]]; then
			perf script --ns -i "$TMP/perf.data" -F pid,cpu,time,event 2>"$TMP/perf-script.err" |
				awk -v p="$WL_OUT_PID" '$1 == p && $NF ~ /sys_exit_openat/' >"$TMP/perf.lines"
		else
			perf script --ns -i "$TMP/perf.data" -F cpu,time,event,trace 2>"$TMP/perf-script.err" |
				awk -v d="$LOOP_MAJ,$LOOP_MIN" '$3 ~ /block_rq_complete/ && $4 == d && $5 ~ /^R/' >"$TMP/perf.lines"
		fi
		rawc=$(wc -l <"$TMP/perf.lines")
		c=$(sort -u "$TMP/perf.lines" | wc -l)
		dup=$((rawc - c))
		put "$cfg" count "$c"
		put "$cfg" detail "$dup duplicate lines in perf script output; $(grep -h -i -e lost -e warning "$TMP/perf.err" "$TMP/perf-script.err" | tr '\n' ' ' || true)"
		rm -f "$TMP/perf.data" "$TMP/perf.data.old"
		;;
	open_bt | bio_bt)
		if [[ $cfg == open_bt ]]; then bt=$TMP/opensnoop.bt; else bt=$TMP/biosnoop.bt; fi
		start_bg "$TMP/bt.out" "$TMP/bt.err" bpftrace "$bt"
		wait_for_text "$TMP/bt.out" "^Attached" || { fail_run "$cfg" "no BEGIN output" "$TMP/bt.err" time count; return; }
		if [[ $cfg == open_bt ]]; then timed "$cfg" "$r" open; else timed "$cfg" "$r" block; fi
		stop_bg
		if [[ $cfg == open_bt ]]; then
			c=$(awk -v p="$WL_OUT_PID" '$1 == p' "$TMP/bt.out" | wc -l)
		else
			# all reads on our device: the pid at issue is a kworker's when the request
			# was dispatched from kblockd (it was not the submitter's pid BCC keeps)
			c=$(awk '$2 ~ /^R/' "$TMP/bt.out" | wc -l)
		fi
		put "$cfg" count "$c"
		# bpftrace reports ring overflows as "Lost N events" in its output stream
		put "$cfg" detail "$({ grep -h -v -e RLIMIT_MEMLOCK -e '^[0-9]' "$TMP/bt.out" "$TMP/bt.err" | grep -i -e lost -e error; } | tr '\n' ' ' || true)"
		;;
	esac
}

# ---- part 1: overhead, interleaved rounds ------------------------------------------------------

OPEN_CFGS=(open_base open_rt open_perf open_bt)
BIO_CFGS=(bio_base bio_rt bio_perf bio_bt)
skipped() { [[ -n $BT_SKIP && $1 == *_bt ]]; }

log "rawtrace: $RT; wl_block: $WL_BLOCK"
log "part 1: K=$K rounds, N_OPEN=$N_OPEN opens, N_BIO=$N_BIO reads on $LOOPDEV"
[[ -n $BT_SKIP ]] && log "skipping bpftrace: $BT_SKIP"
# Untimed warm-up: the first reads of the loop device fill the page cache under it, the
# first run of open_loop faults in the binary; neither should count against round 1.
run_open "$N_OPEN" 0
run_block
: >"$TMP/workload.log"

for ((r = 1; r <= K; r++)); do
	echo "$r $(cut -d' ' -f1-3 /proc/loadavg)" >>"$TMP/res/loadavg"
	for cfg in "${OPEN_CFGS[@]}" "${BIO_CFGS[@]}"; do
		skipped "$cfg" && continue
		wait_quiet
		log "round $r/$K: $cfg"
		run_cfg "$cfg" "$r"
		sleep "$SETTLE"
	done
done
T_PART1=$(now)

# ---- part 2: overload ------------------------------------------------------------------------
# For each rate, four runs: rings of 64 pages per CPU (BCC's default) and 1024 (rawtrace's
# default), both given explicitly with -b, output to /dev/null (the tool's own cost only)
# and to a file (plus writing ~60 bytes a line).  Records are 3 per open made through libc
# (uprobe, sys_enter, sys_exit), 2 for the loader's opens.

OVER_CFGS=("64 null" "64 file" "1024 null" "1024 file")
# what each ring size is, for the log and the report
ring_label() { # pages
	case $1 in
	64) echo "-b 64 (BCC's default)" ;;
	1024) echo "-b 1024 (rawtrace's default)" ;;
	*) echo "-b $1" ;;
	esac
}
: >"$TMP/res/over"
log "part 2: N_OVER=$N_OVER opens at RATES=$RATES opens/s (0 = unthrottled)"
for rate in $RATES; do
	for oc in "${OVER_CFGS[@]}"; do
		read -r pages dest <<<"$oc"
		out=/dev/null
		[[ $dest == file ]] && out=$TMP/over.out
		rm -f "$TMP/over.out"
		wait_quiet
		log "overload: rate ${rate/#0/max}, $(ring_label "$pages"), stdout to $dest"
		before=$(our_rawtrace_pids)
		start_bg "$out" "$TMP/over.err" "$RT" opensnoop -v -b "$pages"
		if ! wait_for_text "$TMP/over.err" "^opensnoop: paths:"; then
			fail_run over "no attach banner (rate $rate, -b $pages, $dest)" "$TMP/over.err" time count
			continue
		fi
		f1=$(foreign_perf)
		run_open "$N_OVER" "$rate"
		f2=$(foreign_perf)
		# VmHWM is the peak RSS so far; sampled just before SIGINT, after all the records
		# of the run have had 0.3 s to be read, as the ordering window is 0.1-0.2 s.
		sleep 0.3
		hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$BG_PID/status" 2>/dev/null || echo 0)
		stop_bg
		wait_new_rawtrace_gone "$before"
		lost=$(lost_samples "$TMP/over.err")
		if [[ $dest == file ]]; then
			read -r printed exact marked < <(opensnoop_counts "$TMP/over.out" "$WL_OUT_PID")
		else
			printed=- exact=- marked=-
		fi
		mark=-
		[[ -n $f1$f2 ]] && mark='*' && echo "- overload rate $rate, -b $pages, $dest: other perf_event users: before: ${f1:-none}; after: ${f2:-none}" >>"$TMP/res/disturbances"
		echo "$rate $pages $dest ${WL_RATE:-0} $printed $exact $marked $lost ${hwm:-0} $mark $(rt_complaints "$TMP/over.err")" >>"$TMP/res/over"
		sleep "$SETTLE"
	done
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
BENCH_MIN=$(awk -v a="$(now)" -v b="$T_BENCH0" 'BEGIN { printf "%.1f", (a - b) / 60 }')
PART1_MIN=$(awk -v a="$T_PART1" -v b="$T_BENCH0" 'BEGIN { printf "%.1f", (a - b) / 60 }')

# Leftovers check, before the report: every tracer pid we started must be gone, tracefs
# must hold no probe or instance named after one of them, and the loop device must be
# detached.  (Other users' rawtraces may have their own entries; those are not ours.)
losetup -d "$LOOPDEV" || log "warning: could not detach $LOOPDEV"
LOOPDEV=
leftovers() {
	local pid l=
	while read -r pid; do
		kill -0 "$pid" 2>/dev/null && l+="process $pid ($(cat "/proc/$pid/comm" 2>/dev/null)) alive; "
		grep -q "_${pid}/" /sys/kernel/tracing/uprobe_events 2>/dev/null && l+="uprobes of pid $pid; "
		find /sys/kernel/tracing/instances -maxdepth 1 -name "*$pid*" 2>/dev/null | grep -q . &&
			l+="tracefs instance of pid $pid; "
	done <"$TMP/res/pids"
	[[ -n $(our_rawtrace_pids) ]] && l+="rawtrace teardown children: $(our_rawtrace_pids | tr '\n' ' '); "
	losetup -a | grep -q -F "$TMP/disk.img" && l+="loop device on $TMP/disk.img; "
	echo "${l:-none}"
}
LEFTOVERS=$(leftovers)
[[ $LEFTOVERS == none ]] || { log "LEFTOVERS: $LEFTOVERS"; FAILED=1; }

# ---- report ----------------------------------------------------------------------------------

label() {
	case $1 in
	open_base | bio_base) echo "untraced" ;;
	open_rt) echo "\`rawtrace opensnoop -v >FILE\`" ;;
	open_perf) echo "\`perf record -a -e syscalls:sys_enter_openat -e syscalls:sys_exit_openat\`" ;;
	open_bt) echo "bpftrace opensnoop (below)" ;;
	bio_rt) echo "\`rawtrace biosnoop -d $LOOPNAME >FILE\`" ;;
	bio_perf) echo "\`perf record -a -e block:block_rq_issue -e block:block_rq_complete\`" ;;
	bio_bt) echo "bpftrace biosnoop (below)" ;;
	esac
}

overhead_table() { # baseline expected what cfgs...
	local base=$1 exp=$2 what=$3 cfg med rate ratio cnt ok
	shift 3
	echo "| configuration | median time (s) | $what/s | **slowdown** median (min–max) | per-round times (s) | events seen per round (expected $exp) |"
	echo "|---|---:|---:|---:|---|---|"
	for cfg in "$@"; do
		if skipped "$cfg"; then
			echo "| bpftrace | skipped | | | | $BT_SKIP |"
			continue
		fi
		med=$(field "$cfg" time | median)
		rate=$(awk -v m="$med" -v n="${exp%% *}" 'BEGIN { if (m + 0 > 0) printf "%.0f", n / m; else print "-" }')
		if [[ $cfg == "$base" ]]; then
			ratio=1.00
			cnt="(not traced)"
		else
			ratio=$(ratios "$cfg" "$base" | med_range '%.2f×')
			cnt=$(joined "$cfg" count)
			ok=$(field "$cfg" count | awk -v n="${exp%% *}" '{ if ($1 != n) bad = 1 } END { print (NR && !bad) ? "all exact" : "**not exact**" }')
			cnt="$cnt — $ok"
		fi
		echo "| $(label "$cfg") | $med | $rate | **$ratio** | $(per_round "$cfg") | $cnt |"
	done
}

details() { # cfgs...
	local cfg
	for cfg in "$@"; do
		skipped "$cfg" && continue
		[[ -s $TMP/res/$cfg.detail ]] || continue
		echo "- $(label "$cfg"):"
		awk '{ print "  - round " NR ": " $0 }' "$TMP/res/$cfg.detail"
	done
}

report() {
	local exp_open=$((N_OPEN + LOADER_OPENS))
	echo "# rawtrace opensnoop / biosnoop overhead and overload: $STARTED"
	echo
	echo "Machine: Linux $KERNEL, $CPUS CPUs ($CPU_MODEL), $MEM RAM; load average $LOAD_START at start, $LOAD_END at end."
	echo "Tools: ${RT_VER:-rawtrace}, perf $PERF_VER, bpftrace ${BT_VER:-none}.  Bench took $BENCH_MIN min (part 1: $PART1_MIN min)."
	echo "Command: \`K=$K N_OPEN=$N_OPEN N_BIO=$N_BIO N_OVER=$N_OVER RATES=\"$RATES\" bench/io.sh $RT\`"
	[[ -n $BT_NOTE ]] && echo "bpftrace: $BT_NOTE."
	echo
	echo "Load average (1, 5, 15 min) at the start of each round: $(awk '{ printf "%sround %s: %s %s %s", (NR > 1 ? "; " : ""), $1, $2, $3, $4 }' "$TMP/res/loadavg")."
	echo
	echo "## Part 1: overhead, K=$K interleaved rounds"
	echo
	echo "Slowdown is the median over the rounds of (traced time / untraced time of the same"
	echo "round), with the smallest and largest per-round ratio.  \"Events seen\" is what the tracer"
	echo "delivered for the workload's process: printed lines (rawtrace, bpftrace), or distinct"
	echo "records in \`perf script\` (sys_exit_openat of the pid; block_rq_complete R on the device)."
	echo
	echo "### Open workload: \`open_loop TARGET $N_OPEN\` (open+close through libc, unthrottled)"
	echo
	echo "Expected events: $N_OPEN opens + $LOADER_OPENS by the dynamic loader = $exp_open."
	echo
	overhead_table open_base "$exp_open" opens "${OPEN_CFGS[@]}"
	echo
	echo "### Block workload: \`wl_block $LOOPDEV_USED count $N_BIO\` (4 KiB O_DIRECT reads, loop device with --direct-io=off over a 64 MiB file in /tmp)"
	echo
	overhead_table bio_base "$N_BIO" reads "${BIO_CFGS[@]}"
	if [[ -s $TMP/res/disturbances ]]; then
		echo
		echo "\\* Other processes held perf events just before or after these runs (QUIET_WAIT=${QUIET_WAIT}s was not enough):"
		echo
		cat "$TMP/res/disturbances"
	fi
	echo
	echo "### Per-run details (losses, warnings)"
	echo
	details open_rt open_perf open_bt bio_rt bio_perf bio_bt
	echo
	echo "### Exact commands"
	echo
	echo '```'
	echo "$OPEN_LOOP $TARGET $N_OPEN 0"
	echo "$RT opensnoop -v >$TMP/rt.out           # attached: the -v line on stderr"
	echo "perf record -a -e syscalls:sys_enter_openat -e syscalls:sys_exit_openat -o $TMP/perf.data -D -1 --control fifo:CTL,ACK"
	echo "perf script --ns -i $TMP/perf.data -F pid,cpu,time,event"
	echo "bpftrace $TMP/opensnoop.bt"
	echo "$WL_BLOCK $LOOPDEV_USED count $N_BIO          # started, then SIGUSR1"
	echo "$RT biosnoop -d $LOOPNAME >$TMP/rt.out"
	echo "perf record -a -e block:block_rq_issue -e block:block_rq_complete -o $TMP/perf.data -D -1 --control fifo:CTL,ACK"
	echo "perf script --ns -i $TMP/perf.data -F cpu,time,event,trace"
	echo "bpftrace $TMP/biosnoop.bt"
	echo '```'
	echo
	echo "opensnoop.bt:"
	echo
	echo '```'
	cat "$TMP/opensnoop.bt"
	echo '```'
	echo
	echo "biosnoop.bt:"
	echo
	echo '```'
	cat "$TMP/biosnoop.bt"
	echo '```'
	echo
	echo "## Part 2: overload, \`rawtrace opensnoop -v -b PAGES\` with \`open_loop TARGET $N_OVER RATE\`"
	echo
	echo "Expected lines for the workload: $((N_OVER + LOADER_OPENS)); records sent by the kernel:"
	echo "$((3 * N_OVER + 2 * LOADER_OPENS)) (uprobe + sys_enter + sys_exit per libc open, no uprobe for the loader's)."
	echo "Printed and exact lines are only known when stdout is a file.  \"Marked\" lines have a"
	echo "\"? \" path (not vouched for: rawtrace marks paths around a loss).  Loss % is lost samples"
	echo "/ records sent.  Peak RSS is rawtrace's VmHWM just before SIGINT."
	echo
	echo "Ring: \`-b 64\` is BCC's default (256 KiB per CPU), \`-b 1024\` rawtrace's default (4 MiB"
	echo "per CPU); both are passed explicitly."
	echo
	echo "| rate asked (opens/s) | achieved | ring (pages per CPU) | stdout | lines printed | exact path | marked | lost samples | loss % | peak RSS (KiB) | other messages |"
	echo "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|"
	awk -v rec=$((3 * N_OVER + 2 * LOADER_OPENS)) '{
		msg = ""; for (i = 11; i <= NF; i++) msg = msg " " $i
		printf "| %s | %s%s | %s | %s | %s | %s | %s | %s | %.2f | %s |%s |\n",
			($1 == 0 ? "unthrottled" : $1), $4, ($10 == "*" ? "*" : ""),
			($2 == 64 ? "64 (BCC)" : $2 == 1024 ? "1024 (rawtrace)" : $2), ($3 == "null" ? "/dev/null" : "file"),
			$5, $6, $7, $8, 100 * $8 / rec, $9, msg }' "$TMP/res/over"
	echo
	echo "Loss threshold (achieved rates; loss = any lost sample):"
	echo
	for oc in "${OVER_CFGS[@]}"; do
		read -r pages dest <<<"$oc"
		# Loss is not monotonic in the rate on a busy machine (it depends on when rawtrace
		# gets a CPU), so: the lowest achieved rate with a loss, the highest loss-free rate
		# below it, and any loss-free run above it, said as such.
		awk -v p="$pages" -v d="$dest" -v lbl="$(ring_label "$pages")" '$2 == p && $3 == d { n++; r[n] = $4; l[n] = $8 } END {
			for (i = 1; i <= n; i++) if (l[i] > 0 && (!bad || r[i] < bad)) bad = r[i]
			for (i = 1; i <= n; i++) {
				if (l[i] == 0 && (!bad || r[i] < bad) && r[i] > ok) ok = r[i]
				if (l[i] == 0 && bad && r[i] > bad) above = above (above ? ", " : "") r[i]
			}
			dd = (d == "null" ? "/dev/null" : "a file")
			if (!bad) printf "- %s, stdout to %s: no loss up to %d opens/s (the highest rate reached)\n", lbl, dd, ok
			else if (!ok) printf "- %s, stdout to %s: loss already at %d opens/s (the lowest rate tried)\n", lbl, dd, bad
			else printf "- %s, stdout to %s: loss begins between %d and %d opens/s\n", lbl, dd, ok, bad
			if (above) printf "  (but no loss in the run(s) at %s opens/s)\n", above
		}' "$TMP/res/over"
	done
	echo
	if [[ -s $TMP/res/incidents ]]; then
		echo "## Tracers that did not exit on SIGINT"
		echo
		cat "$TMP/res/incidents"
		echo
	fi
	echo "## Left behind"
	echo
	echo "Tracer processes, their uprobes / tracefs instances, and the loop device after the run: $LEFTOVERS."
	echo
	echo "## Workload log"
	echo
	echo '```'
	cat "$TMP/workload.log"
	echo '```'
}

save_report io
exit "$FAILED"
