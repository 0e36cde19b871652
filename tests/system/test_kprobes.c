// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel-function probes against ground truth: funccount on vfs_read through the perf
 * kprobe PMU and through tracefs kprobe_events, pattern expansion, two instances on the
 * same function at once, and cleanup after SIGTERM and SIGKILL.  This host's kernel has no
 * kprobes, so these run inside Debian kernels booted by tests/vm (make check-vm); here
 * they skip with that reason.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tests/system/spawn.h"
#include "tests/system/syshelp.h"

static void need_kprobes(void)
{
	need_root_tracefs();
	if (access("/sys/bus/event_source/devices/kprobe/type", F_OK) &&
	    access("/sys/kernel/tracing/kprobe_events", F_OK))
		cr_skip_test("this kernel has no kprobes (CONFIG_KPROBES); run make check-vm");
}

/* funccount -p <workload read N> PATTERN, ended by sig; its stdout. */
static char *count_reads(const char *n, const char *pattern, char *const env[], int sig)
{
	char *argv[] = { (char *)RAWTRACE_BIN, "funccount", "-p", NULL, (char *)pattern, NULL };
	struct proc w, t;
	char pidbuf[16], *out;
	pid_t pid;

	pid = workload_start(&w, "read", n, NULL);
	cr_assert(pid > 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	argv[3] = pidbuf;
	cr_assert_eq(proc_start(&t, argv, env), 0);
	cr_assert(proc_wait_output(&t, "Hit Ctrl-C to end.", 60), "%s", t.err ? t.err : "");
	cr_assert_eq(workload_run(&w), 0);
	cr_assert_eq(proc_finish(&t, sig, 60), 0, "%s", t.err);
	out = strdup(t.out);
	proc_free(&w);
	proc_free(&t);
	return out;
}

Test(kprobes, pmu_kprobe_counts_vfs_read_exactly)
{
	char *out;

	need_kprobes();
	out = count_reads("3000", "vfs_read", NULL, SIGINT);
	cr_assert_eq(count_after(out, "vfs_read"), 3000, "%s", out);
	free(out);
}

Test(kprobes, pattern_expands_to_matching_functions)
{
	char *out;

	need_kprobes();
	out = count_reads("1234", "vfs_read*", NULL, SIGINT);
	cr_assert_eq(count_after(out, "vfs_read"), 1234, "%s", out);
	cr_assert(!strstr(out, "Tracing 1 functions"), "vfs_read* matched only one function: %s", out);
	free(out);
}

Test(kprobes, tracefs_kprobe_counts_and_is_removed)
{
	char *env[] = { "RAWTRACE_FORCE_TRACEFS_PROBES=1", NULL };
	char why[512], *out;

	need_kprobes();
	out = count_reads("2000", "vfs_read", env, SIGTERM);
	cr_assert_eq(count_after(out, "vfs_read"), 2000, "%s", out);
	cr_assert(!tracefs_has_our_state(why, sizeof(why)), "%s", why);
	free(out);
}

Test(kprobes, sigkill_leftover_kprobe_is_reaped)
{
	char *argv[] = { (char *)RAWTRACE_BIN, "funccount", "vfs_read", NULL };
	char *next[] = { (char *)RAWTRACE_BIN, "funccount", "-d", "1", "t:syscalls:sys_enter_getppid", NULL };
	char *env[] = { "RAWTRACE_FORCE_TRACEFS_PROBES=1", NULL };
	struct proc t;
	pid_t killed;

	need_kprobes();
	cr_assert_eq(proc_start(&t, argv, env), 0);
	cr_assert(proc_wait_output(&t, "Hit Ctrl-C to end.", 60), "%s", t.err ? t.err : "");
	killed = t.pid;
	cr_assert_eq(proc_finish(&t, SIGKILL, 10), 128 + SIGKILL);
	proc_free(&t);
	cr_assert(probe_group_exists("funccount", killed), "SIGKILL left no kprobe: the test proves nothing");
	cr_assert_eq(proc_start(&t, next, NULL), 0);
	cr_assert_eq(proc_finish(&t, 0, 60), 0, "%s", t.err);
	proc_free(&t);
	cr_assert(!probe_group_exists("funccount", killed), "not reaped");
}

Test(kprobes, two_instances_on_the_same_function)
{
	char *a[] = { (char *)RAWTRACE_BIN, "funccount", "-p", NULL, "vfs_read", NULL };
	char *b[] = { (char *)RAWTRACE_BIN, "funccount", "-p", NULL, "vfs_read", NULL };
	char *env[] = { "RAWTRACE_FORCE_TRACEFS_PROBES=1", NULL };
	struct proc w, ta, tb;
	char pidbuf[16];
	pid_t pid;

	need_kprobes();
	pid = workload_start(&w, "read", "1500", NULL);
	cr_assert(pid > 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	a[3] = b[3] = pidbuf;
	/* one through the PMU, one through kprobe_events */
	cr_assert_eq(proc_start(&ta, a, NULL), 0);
	cr_assert_eq(proc_start(&tb, b, env), 0);
	cr_assert(proc_wait_output(&ta, "Hit Ctrl-C to end.", 60), "%s", ta.err ? ta.err : "");
	cr_assert(proc_wait_output(&tb, "Hit Ctrl-C to end.", 60), "%s", tb.err ? tb.err : "");
	cr_assert_eq(workload_run(&w), 0);
	cr_assert_eq(proc_finish(&ta, SIGINT, 60), 0, "%s", ta.err);
	cr_assert_eq(proc_finish(&tb, SIGINT, 60), 0, "%s", tb.err);
	cr_assert_eq(count_after(ta.out, "vfs_read"), 1500, "%s", ta.out);
	cr_assert_eq(count_after(tb.out, "vfs_read"), 1500, "%s", tb.out);
	proc_free(&w);
	proc_free(&ta);
	proc_free(&tb);
}

/* Run `rawtrace TOOL ARGS` with -p <workload MODE N> after it is attached; its stdout. */
static char *around(const char *mode, const char *n, char *const tool_argv[], const char *ready, int sig)
{
	char *argv[16] = { (char *)RAWTRACE_BIN };
	struct proc w, t;
	char pidbuf[16], *out;
	int k = 1;
	pid_t pid;

	pid = workload_start(&w, mode, n, NULL);
	cr_assert(pid > 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	for (int i = 0; tool_argv[i]; i++)
		argv[k++] = tool_argv[i];
	argv[k++] = "-p";
	argv[k++] = pidbuf;
	argv[k] = NULL;
	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert(proc_wait_output(&t, ready, 60), "%s", t.err ? t.err : "");
	cr_assert_eq(workload_run(&w), 0);
	cr_assert_eq(proc_finish(&t, sig, 60), 0, "%s", t.err);
	out = strdup(t.out);
	proc_free(&w);
	proc_free(&t);
	return out;
}

Test(kprobes, trace_prints_exact_paths_from_a_reused_buffer)
{
	char *argv[] = { "trace", "do_sys_openat2 \"%s\", arg2", NULL };
	char want[96], *out, *p;
	int pid;

	need_kprobes();
	out = around("opens", "40", argv, "FUNC", SIGINT);
	cr_assert_eq(count_lines_matching(out, "/tmp/rt-open-"), 40, "%s", out);
	/* every path exactly once, in order, none marked as read late */
	p = strstr(out, "/tmp/rt-open-");
	cr_assert(p && sscanf(p, "/tmp/rt-open-%d-", &pid) == 1, "%s", out);
	for (int i = 0; i < 40; i++) {
		snprintf(want, sizeof(want), "do_sys_openat2   /tmp/rt-open-%d-%d\n", pid, i);
		cr_assert(strstr(out, want), "missing %s in:\n%s", want, out);
	}
	cr_assert(!strstr(out, "? "), "%s", out);
	free(out);
}

Test(kprobes, argdist_histogram_of_vfs_read_return_values)
{
	char *argv[] = { "argdist", "-c", "-i", "1", "-n", "3", "-H", "r::vfs_read():ssize_t:$retval", NULL };
	char *out, *last;

	need_kprobes();
	/* 80 reads: 10 each of 1, 2, 4 ... 128 bytes; cumulative, printed each second, 3 times */
	out = around("readsz", "80", argv, "]\n", 0);
	last = strrchr(out, '[');
	cr_assert(last, "%s", out);
	cr_assert(strstr(last, "         0 -> 1          : 10       |"), "%s", last);
	cr_assert(strstr(last, "         2 -> 3          : 10       |"), "%s", last);
	cr_assert(strstr(last, "        64 -> 127        : 10       |"), "%s", last);
	cr_assert(strstr(last, "       128 -> 255        : 10       |"), "%s", last);
	free(out);
}
