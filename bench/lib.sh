# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Helpers shared by the benchmark scripts (run.sh, io.sh), sourced by them first thing; it
# sets BENCH_DIR (this directory).  Not a program of its own.  The functions use these
# globals of the sourcing script:
#   RT          the rawtrace binary (absolute path)
#   RT_ARGS     with our_rawtrace_pids: when set, only rawtraces run with exactly these
#               arguments are ours (run.sh: "syscount"); empty: any command line of $RT
#   TMP         the script's scratch directory; results go to $TMP/res/<config>.<field>
#   BG_PID      the tracer running in the background, if any (start_bg sets it)
#   TIMEOUT     seconds a tracer may take to attach (wait_for_text)
#   QUIET_WAIT  seconds to wait for other processes' perf events to go away (wait_quiet)
#   FAILED      the exit status to come, set to 1 by fail_run

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() { sed -n '4,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; }
die() { echo "${0##*/}: $*" >&2; exit 2; }
log() { echo "[$(date +%T)] $*" >&2; }

# The command line both scripts take: -h/--help prints the header comment of the script,
# else at most one argument, the rawtrace binary (default: $RAWTRACE, else ../rawtrace next
# to bench/).  Sets RT to its absolute path: the rawtraces we wait for are found by it.
parse_args() { # "$@" of the script
	if [[ ${1:-} == -h || ${1:-} == --help ]]; then
		usage
		exit 0
	fi
	[[ $# -le 1 ]] || die "usage: bench/${0##*/} [-h] [path-to-rawtrace]"
	RT=${1:-${RAWTRACE:-$BENCH_DIR/../rawtrace}}
	[[ -x $RT ]] || die "no rawtrace binary at '$RT' (pass its path or set RAWTRACE)"
	RT=$(cd "$(dirname "$RT")" && pwd)/$(basename "$RT")
}

# Root and the tools every benchmark needs; $1 says what root is needed for.
need_root_gcc_perf() {
	[[ $(id -u) -eq 0 ]] || die "must run as root ($1)"
	command -v gcc >/dev/null || die "gcc not found"
	command -v perf >/dev/null || die "perf not found (apt-get install linux-perf)"
}

now() { echo "$EPOCHREALTIME"; }
# True when more than $2 seconds have passed since $1 (a now() value).
elapsed_gt() { (($(awk -v a="$(now)" -v b="$1" -v t="$2" 'BEGIN { print (a - b > t) }'))); }

# Machine and tool facts for the report header, and the start time of the bench.
# shellcheck disable=SC2034  # used by the sourcing script's report
machine_facts() {
	KERNEL=$(uname -r)
	CPUS=$(nproc)
	CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	MEM=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
	PERF_VER=$(perf --version 2>/dev/null | awk '{ print $3 }')
	BT_VER=$(bpftrace --version 2>/dev/null | awk '{ print $2 }' || true)
	RT_VER=$("$RT" --version 2>/dev/null | head -n 1 || true)
	STARTED=$(date '+%Y-%m-%d %H:%M %Z')
	STAMP=$(date +%Y%m%d-%H%M)
	LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
	T_BENCH0=$(now)
}

# ---- tracer processes ----------------------------------------------------------------------

# Pids of the rawtrace processes running our binary (and, with RT_ARGS, exactly our
# arguments).  rawtrace's detached teardown child is a fork without exec, so it keeps our
# command line; rawtraces of other users (a test suite, say) run other binaries or
# arguments and are not waited for here (wait_quiet deals with them).
our_rawtrace_pids() {
	local pid cmd
	for pid in $(pgrep -x rawtrace 2>/dev/null || true); do
		cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")
		# (if, not &&: a last non-matching pid must not fail the loop, under pipefail)
		if [[ -n ${RT_ARGS:-} && $cmd == "$RT $RT_ARGS " ]] || [[ -z ${RT_ARGS:-} && $cmd == "$RT "* ]]; then
			echo "$pid"
		fi
	done | sort
}

# Wait until every one of our rawtrace processes that did not exist in $1 (a pid list) is
# gone: the detached teardown child closes the events (each syscall tracepoint counter
# waits for an RCU grace period under the kernel's event_mutex, for several seconds in
# all) and removes the uprobes, holding locks that would slow the start of the next tracer.
wait_new_rawtrace_gone() {
	local before=$1 t0 left
	t0=$(now)
	while :; do
		left=$(comm -13 <(echo "$before") <(our_rawtrace_pids) | grep . || true)
		[[ -z $left ]] && return 0
		if elapsed_gt "$t0" 120; then
			log "warning: rawtrace process(es) $(echo "$left" | tr '\n' ' ')still alive after 120 s"
			return 0
		fi
		sleep 0.05
	done
}

# perf_event fds held by processes other than our tracer $BG_PID, as "comm[pid]:count"
# words.  Another tracer on the same tracepoints or libc uprobes puts every task on the
# traced path, the baseline too (and makes closing syscall counters cheap), so such runs
# are marked.
foreign_perf() {
	{ find /proc/[0-9]*/fd -lname 'anon_inode:\[perf_event\]' 2>/dev/null || true; } |
		awk -F/ -v me="${BG_PID:-0}" '$3 != me { c[$3]++ } END { for (p in c) print p, c[p] }' |
		while read -r pid cnt; do
			echo "$(cat "/proc/$pid/comm" 2>/dev/null || echo '?')[$pid]:$cnt"
		done | sort | tr '\n' ' ' | sed 's/ $//'
}

# Before a run: wait up to $QUIET_WAIT s until no other process holds perf events.
wait_quiet() {
	local t0 f
	t0=$(now)
	f=$(foreign_perf)
	[[ -z $f ]] && return 0
	log "other perf_event users: $f; waiting up to ${QUIET_WAIT}s"
	while [[ -n $f ]]; do
		if elapsed_gt "$t0" "$QUIET_WAIT"; then
			log "warning: running anyway; this run will be marked"
			return 0
		fi
		sleep 0.2
		f=$(foreign_perf)
	done
}

# Start a tracer in the background with SIGINT at its default action (a non-interactive
# shell would start it ignored).  Sets BG_PID and adds it to $TMP/res/pids.
start_bg() { # outfile errfile cmd...
	local out=$1 err=$2
	shift 2
	env --default-signal=INT "$@" >"$out" 2>"$err" &
	BG_PID=$!
	echo "$BG_PID" >>"$TMP/res/pids"
}

# Poll until file $1 contains $2; fails if $BG_PID dies or $TIMEOUT passes.  The poll
# interval bounds the resolution of the start-up times run.sh reports.
wait_for_text() {
	local t0
	t0=$(now)
	until grep -q -- "$2" "$1" 2>/dev/null; do
		kill -0 "$BG_PID" 2>/dev/null || return 1
		elapsed_gt "$t0" "$TIMEOUT" && return 1
		sleep 0.01
	done
}

# A run that failed: say what ($2) with the end of the tracer's stderr ($3), stop the
# tracer, record FAIL in the given fields of config $1 and make the exit status 1.
# shellcheck disable=SC2034  # FAILED is the sourcing script's exit status
fail_run() { # config what errfile field...
	local cfg=$1 what=$2 errf=$3 f
	shift 3
	log "FAILED: $cfg: $what"
	[[ -s $errf ]] && sed 's/^/    /' "$errf" | tail -n 5 >&2
	if [[ -n $BG_PID ]]; then
		kill -INT "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
		BG_PID=
	fi
	for f in "$@"; do put "$cfg" "$f" FAIL; done
	FAILED=1
}

# ---- results and statistics ----------------------------------------------------------------

put() { echo "$3" >>"$TMP/res/$1.$2"; }
field() { cat "$TMP/res/$1.$2" 2>/dev/null || true; }
joined() { field "$1" "$2" | paste -s -d, | sed 's/,/, /g'; }

# Statistics over the numeric lines of stdin (FAIL lines are ignored; "-" if none).
nums() { { grep -E '^[0-9.]+$' || true; } | sort -g; }
median() {
	nums | awk '{ v[NR] = $1 } END {
		if (!NR) { print "-"; exit }
		printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
med_range() { # printf-format -> "median (min–max)", each number in that format
	nums | awk -v f="$1" '{ v[NR] = $1 } END {
		if (!NR) { print "-"; exit }
		printf f " (" f "–" f ")", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[1], v[NR] }'
}
per_round() { # config -> "t1, t2*, ..." (* = other perf_event users were present)
	awk -v d=" $(field "$1" disturbed | tr '\n' ' ') " '{
		printf "%s%s%s", (NR > 1 ? ", " : ""), $1, (index(d, " " NR " ") ? "*" : "") }' "$TMP/res/$1.time"
}
ratios() { # config baseline [field] -> per-round ratios of field (time) to that round's baseline
	paste -d' ' "$TMP/res/$2.${3:-time}" "$TMP/res/$1.${3:-time}" |
		awk '$1 ~ /^[0-9.]+$/ && $2 ~ /^[0-9.]+$/ && $1 > 0 { printf "%.3f\n", $2 / $1 }'
}

# The end of a run: the report to stdout and to bench/results/$1-STAMP.md.
save_report() { # name-prefix
	local out
	mkdir -p "$BENCH_DIR/results"
	out=$BENCH_DIR/results/$1-$STAMP.md
	report | tee "$out"
	log "saved $out"
}
