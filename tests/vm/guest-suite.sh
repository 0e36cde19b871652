#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest-suite.sh - test driver that runs inside the VM (as root, busybox sh).
#
# Usage (normally through run-matrix.sh):
#   vm-run.sh [--add DIR --env RT_TESTS_DIR=DIR] tests/vm/guest-suite.sh
#
# Prints one line per test:  RESULT <name> PASS|FAIL|SKIP <reason>
#  1. kernel-feature smoke checks that rawtrace's kprobe support depends on;
#  2. every executable in $RT_TESTS_DIR (if set), each a Criterion binary, run with
#     --verbose; its exit status decides PASS/FAIL and its output is printed as is.
# Exits 1 if any test failed, else 0.
#
# Plain POSIX sh: the guest has only busybox. No "set -e": every check must run and
# report even when an earlier one failed.
set -u
# pipefail where the shell has it (busybox ash does; dash on a host does not)
# shellcheck disable=SC3040
if (set -o pipefail) 2>/dev/null; then set -o pipefail; fi

TRACEFS=/sys/kernel/tracing
FAILED=0

result() { # NAME PASS|FAIL|SKIP REASON... (the reason is kept to one line)
	name=$1 verdict=$2
	shift 2
	echo "RESULT $name $verdict $(echo "$*" | tr -s '\n' ' ' | sed 's/ *$//')"
	if [ "$verdict" = FAIL ]; then FAILED=1; fi
}

# ------------------------------------------------------------ smoke checks

check_tracefs() { # everything below needs a mounted tracefs
	if [ ! -e "$TRACEFS/available_events" ]; then
		mount -t tracefs tracefs "$TRACEFS" 2>/dev/null
	fi
	if [ -e "$TRACEFS/available_events" ]; then
		result tracefs PASS "mounted at $TRACEFS"
	else
		result tracefs FAIL "no tracefs at $TRACEFS"
	fi
}

check_kprobe_events() {
	if [ -w "$TRACEFS/kprobe_events" ]; then
		result kprobe_events PASS "$TRACEFS/kprobe_events is writable"
	else
		result kprobe_events FAIL "$TRACEFS/kprobe_events missing (CONFIG_KPROBE_EVENTS)"
	fi
}

# The probe rawtrace's opensnoop-style tools build on: a string fetched from a user
# pointer argument ($argN needs 4.20+, ustring 5.5+).
check_kprobe_create_delete() {
	group="rtvm_$$" def="do_sys_openat2 path=+0(\$arg2):ustring"
	if [ ! -w "$TRACEFS/kprobe_events" ]; then
		result kprobe_create SKIP "no kprobe_events"
		result kprobe_delete SKIP "no kprobe_events"
		return
	fi
	# the echo's own complaint (the write error) is what gets captured
	# shellcheck disable=SC2116
	if ! err=$(echo "p:$group/openat $def" 2>&1 >>"$TRACEFS/kprobe_events"); then
		# Only now look at kallsyms (grepping it costs ~0.5 s under TCG): a kernel
		# without the symbol is a skip, anything else a failure.
		if ! grep -q ' do_sys_openat2$' /proc/kallsyms; then
			result kprobe_create SKIP "do_sys_openat2 not in /proc/kallsyms"
		else
			# error_log (5.4+) says which part of the definition was refused
			why=$(tail -n 3 "$TRACEFS/error_log" 2>/dev/null | tr -s ' \n' '  ')
			result kprobe_create FAIL "write 'p:$group/openat $def' failed: $err${why:+ / $why}"
		fi
		result kprobe_delete SKIP "nothing was created"
		return
	fi
	if [ -e "$TRACEFS/events/$group/openat/format" ] &&
		grep -q "^p:$group/openat do_sys_openat2" "$TRACEFS/kprobe_events"; then
		result kprobe_create PASS "p:$group/openat do_sys_openat2 path=+0(\$arg2):ustring"
	else
		result kprobe_create FAIL "written, but events/$group/openat or the kprobe_events line is missing"
	fi
	echo "-:$group/openat" >>"$TRACEFS/kprobe_events" 2>/dev/null
	left=$(cat "$TRACEFS/kprobe_events")
	if [ -z "$left" ] && [ ! -e "$TRACEFS/events/$group" ]; then
		result kprobe_delete PASS "kprobe_events empty again"
	else
		result kprobe_delete FAIL "left behind: ${left:-events/$group directory}"
	fi
}

# perf_event_open(2) takes the kprobe PMU's dynamic type number from sysfs.
check_kprobe_pmu() {
	f=/sys/bus/event_source/devices/kprobe/type
	if [ ! -r "$f" ]; then
		result kprobe_pmu FAIL "$f missing"
		return
	fi
	type=$(cat "$f")
	case $type in
	'' | *[!0-9]*) result kprobe_pmu FAIL "$f holds '$type', not a number" ;;
	*) result kprobe_pmu PASS "type $type" ;;
	esac
}

check_uprobe_events() {
	if [ -w "$TRACEFS/uprobe_events" ]; then
		result uprobe_events PASS "$TRACEFS/uprobe_events is writable"
	else
		result uprobe_events FAIL "$TRACEFS/uprobe_events missing (CONFIG_UPROBE_EVENTS)"
	fi
}

# ------------------------------------------------------- Criterion binaries

run_test_binaries() { # every executable file in $RT_TESTS_DIR, in name order
	dir=${RT_TESTS_DIR:-}
	[ -n "$dir" ] || return 0
	if [ ! -d "$dir" ]; then
		result tests_dir FAIL "RT_TESTS_DIR=$dir is not a directory in the guest (--add it)"
		return
	fi
	# one Criterion worker at a time: the guest has one CPU and the tests share tracefs
	CRITERION_JOBS=${CRITERION_JOBS:-1}
	export CRITERION_JOBS
	found=0
	for t in "$dir"/*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		found=1
		name=${t##*/}
		echo "---- $name --verbose"
		"$t" --verbose 2>&1
		rc=$?
		echo "---- $name: exit $rc"
		if [ "$rc" = 0 ]; then
			result "$name" PASS "exit 0"
		else
			result "$name" FAIL "exit $rc"
		fi
	done
	if [ "$found" = 0 ]; then result tests_dir SKIP "no executables in $dir"; fi
}

echo "KERNEL $(uname -r)"
check_tracefs
check_kprobe_events
check_kprobe_create_delete
check_kprobe_pmu
check_uprobe_events
run_test_binaries
exit "$FAILED"
