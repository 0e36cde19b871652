// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * funccount against ground truth: tracepoint counters and uprobe counters (perf uprobe PMU
 * and tracefs uprobe_events) on a workload with a known number of calls; probe cleanup
 * after SIGINT, SIGTERM and SIGKILL (the next run reaps what SIGKILL left); bad patterns.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tests/system/spawn.h"
#include "tests/system/syshelp.h"

struct run {
	char *out, *err;
	int status;
};

/* funccount [opts] -p <workload> PATTERN around a workload; stopped with sig. */
static struct run funccount_around(const char *mode, const char *a, const char *b, const char *pattern,
				   char *const env[], int sig)
{
	char *argv[] = { (char *)RAWTRACE_BIN, "funccount", "-p", NULL, (char *)pattern, NULL };
	struct proc w, t;
	struct run r;
	char pidbuf[16];
	pid_t pid;

	pid = workload_start(&w, mode, a, b);
	cr_assert(pid > 0, "workload did not start");
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	argv[3] = pidbuf;
	cr_assert_eq(proc_start(&t, argv, env), 0);
	cr_assert(proc_wait_output(&t, "Hit Ctrl-C to end.", 30), "no banner: %s", t.err ? t.err : "");
	cr_assert_eq(workload_run(&w), 0, "workload failed");
	r.status = proc_finish(&t, sig, 30);
	r.out = strdup(t.out ? t.out : "");
	r.err = strdup(t.err ? t.err : "");
	proc_free(&w);
	proc_free(&t);
	return r;
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

Test(funccount, tracepoint_counts_exact)
{
	struct run r;

	need_root_tracefs();
	r = funccount_around("getppid", "12345", NULL, "t:syscalls:sys_enter_getppid", NULL, SIGINT);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "Tracing 1 functions for \"t:syscalls:sys_enter_getppid\"... Hit Ctrl-C to end.\n"),
		  "%s", r.out);
	cr_assert(strstr(r.out, "\nFUNC                                    COUNT\n"), "%s", r.out);
	cr_assert_eq(count_after(r.out, "syscalls:sys_enter_getppid"), 12345, "%s", r.out);
	cr_assert(strstr(r.out, "Detaching...\n"), "%s", r.out);
	run_free(&r);
}

Test(funccount, uprobe_on_own_function_counts_exact)
{
	char pattern[512];
	struct run r;

	need_root_tracefs();
	snprintf(pattern, sizeof(pattern), "%s:rt_workload_*", WORKLOAD_BIN);
	r = funccount_around("func", "777", "333", pattern, NULL, SIGINT);
	cr_assert_eq(r.status, 0, "%s", r.err);
	/* rt_workload_target, _other and _named match; _named is not called: no zero row */
	cr_assert(strstr(r.out, "Tracing 3 functions for"), "%s", r.out);
	cr_assert(!strstr(r.out, "rt_workload_named"), "%s", r.out);
	cr_assert_eq(count_after(r.out, "rt_workload_target"), 777, "%s", r.out);
	cr_assert_eq(count_after(r.out, "rt_workload_other"), 333, "%s", r.out);
	/* ascending by count, as BCC */
	cr_assert(strstr(r.out, "rt_workload_other") < strstr(r.out, "rt_workload_target"), "%s", r.out);
	cr_assert(!tracefs_has_our_state(NULL, 0));
	run_free(&r);
}

Test(funccount, uprobe_on_libc_counts_exact)
{
	struct run r;

	need_root_tracefs();
	r = funccount_around("libc_getppid", "4242", NULL, "c:getppid", NULL, SIGINT);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(count_after(r.out, "getppid"), 4242, "%s", r.out);
	run_free(&r);
}

Test(funccount, tracefs_uprobes_count_and_are_removed)
{
	char pattern[512], why[512];
	char *env[] = { "RAWTRACE_FORCE_TRACEFS_PROBES=1", NULL };
	struct run r;

	need_root_tracefs();
	snprintf(pattern, sizeof(pattern), "%s:rt_workload_target", WORKLOAD_BIN);
	r = funccount_around("func", "250", "1", pattern, env, SIGTERM);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(count_after(r.out, "rt_workload_target"), 250, "%s", r.out);
	cr_assert(!tracefs_has_our_state(why, sizeof(why)), "left behind: %s", why);
	run_free(&r);
}

Test(funccount, sigkill_leftovers_are_reaped_by_the_next_run)
{
	char pattern[512];
	char *argv[] = { (char *)RAWTRACE_BIN, "funccount", NULL, NULL };
	char *next[] = { (char *)RAWTRACE_BIN, "funccount", "-d", "1", "t:syscalls:sys_enter_getppid", NULL };
	char *env[] = { "RAWTRACE_FORCE_TRACEFS_PROBES=1", NULL };
	struct proc t;
	pid_t killed;

	need_root_tracefs();
	snprintf(pattern, sizeof(pattern), "%s:rt_workload_target", WORKLOAD_BIN);
	argv[2] = pattern;
	cr_assert_eq(proc_start(&t, argv, env), 0);
	cr_assert(proc_wait_output(&t, "Hit Ctrl-C to end.", 30), "%s", t.err ? t.err : "");
	killed = t.pid;
	cr_assert_eq(proc_finish(&t, SIGKILL, 10), 128 + SIGKILL);
	proc_free(&t);
	cr_assert(probe_group_exists("funccount", killed), "SIGKILL left nothing? then this test proves nothing");
	/* any new run reaps the dead owner's group at start-up */
	cr_assert_eq(proc_start(&t, next, NULL), 0);
	cr_assert_eq(proc_finish(&t, 0, 30), 0, "%s", t.err);
	proc_free(&t);
	cr_assert(!probe_group_exists("funccount", killed), "not reaped");
}

Test(funccount, duration_prints_one_summary)
{
	char *argv[] = { (char *)RAWTRACE_BIN, "funccount", "-d", "1", "t:sched:sched_switch", NULL };
	struct proc t;

	need_root_tracefs();
	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert_eq(proc_finish(&t, 0, 30), 0, "%s", t.err);
	cr_assert_eq(count_lines_matching(t.out, "FUNC                                    COUNT"), 1, "%s", t.out);
	cr_assert(count_after(t.out, "sched:sched_switch") > 0, "%s", t.out);
	proc_free(&t);
}

static void expect_error(const char *pattern, int want, const char *needle)
{
	char *argv[] = { (char *)RAWTRACE_BIN, "funccount", "-d", "1", (char *)pattern, NULL };
	struct proc t;

	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert_eq(proc_finish(&t, 0, 30), want, "%s: status %d, stderr %s", pattern, t.status, t.err);
	cr_assert(t.err && strstr(t.err, needle), "%s: stderr %s", pattern, t.err ? t.err : "");
	cr_assert_eq(count_lines_matching(t.err, ""), 1, "%s: more than one line: %s", pattern, t.err);
	proc_free(&t);
}

Test(funccount, bad_patterns)
{
	need_root_tracefs();
	expect_error("x:a:b", 2, "Type must be 'p', 't', or 'u', but got x");
	expect_error("a:b:c:d", 2, "Too many ':'-separated components in pattern a:b:c:d");
	expect_error("t:nosuchsys:nosuchevent", 2, "No tracepoints matched");
	expect_error("nosuchlib_xyz:foo", 2, "unable to find library nosuchlib_xyz");
	expect_error("c:no_such_function_*", 2, "No functions matched by pattern ^no_such_function_.*$");
	expect_error("u:pthread:foo", 2, "USDT");
	if (!access("/sys/bus/event_source/devices/kprobe/type", F_OK))
		cr_log_info("kernel has kprobes: skipping the no-kprobes message check");
	else
		expect_error("vfs_read", 1, "no kprobes");
	cr_assert(!tracefs_has_our_state(NULL, 0));
}

Test(funccount, value_adding_tracepoints_count_hits_not_values)
{
	char *argv[] = { (char *)RAWTRACE_BIN, "funccount", "-d", "1", "t:sched:sched_stat_runtime", NULL };
	struct proc t;
	long n;

	need_root_tracefs();
	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert_eq(proc_finish(&t, 0, 30), 0, "%s", t.err);
	/* a plain counter sums the runtime in ns (~1e9 per busy CPU-second); hits are far fewer */
	n = count_after(t.out, "sched:sched_stat_runtime");
	cr_assert(n > 0 && n < 1000000, "hits per second %ld:\n%s", n, t.out);
	proc_free(&t);
}
