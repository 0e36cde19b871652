// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * argdist against ground truth: a workload calls rt_workload_named(i, "item-i") for
 * i = 0..39; -C over an expression of the argument must give exact counts per value and
 * -H exact log2 buckets.  argdist prints no banner, so its first interval line is the sign
 * that it is attached; -c keeps the counts cumulative and -n ends the run by itself.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/system/spawn.h"
#include "tests/system/syshelp.h"

/* argdist -c -i 1 -n 3 -p <workload named 40> FLAG SPEC; the last interval's block. */
static char *argdist_named(const char *flag, const char *spec)
{
	char *argv[] = { (char *)RAWTRACE_BIN, "argdist", "-c", "-i", "1", "-n", "3", "-p", NULL,
			 (char *)flag, (char *)spec, NULL };
	struct proc w, t;
	char pidbuf[16], *last, *out;
	pid_t pid;

	pid = workload_start(&w, "named", "40", NULL);
	cr_assert(pid > 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	argv[8] = pidbuf;
	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert(proc_wait_output(&t, "]\n", 30), "%s", t.err ? t.err : "");
	cr_assert_eq(workload_run(&w), 0);
	cr_assert_eq(proc_finish(&t, 0, 30), 0, "%s", t.err);
	last = strrchr(t.out, '[');
	cr_assert(last, "%s", t.out);
	out = strdup(last);
	proc_free(&w);
	proc_free(&t);
	return out;
}

Test(argdist, count_of_an_expression_is_exact)
{
	char spec[512], *out;

	need_root_tracefs();
	snprintf(spec, sizeof(spec), "p:%s:rt_workload_named(int idx):int:idx & 3#low bits", WORKLOAD_BIN);
	out = argdist_named("-C", spec);
	cr_assert(strstr(out, "\nlow bits\n\tCOUNT      EVENT\n"), "%s", out);
	for (int v = 0; v < 4; v++) {
		char want[64];

		snprintf(want, sizeof(want), "\t10         idx & 3 = %d\n", v);
		cr_assert(strstr(out, want), "missing '%s':\n%s", want, out);
	}
	free(out);
}

Test(argdist, histogram_buckets_are_exact)
{
	char spec[512], *out;

	need_root_tracefs();
	snprintf(spec, sizeof(spec), "p:%s:rt_workload_named(int idx):int:idx", WORKLOAD_BIN);
	out = argdist_named("-H", spec);
	/* 0..39: {0,1} 2, {2,3} 2, 4-7 4, 8-15 8, 16-31 16, 32-39 8 */
	cr_assert(strstr(out, "         0 -> 1          : 2        |*****                                   |\n"), "%s", out);
	cr_assert(strstr(out, "         4 -> 7          : 4        |**********                              |\n"), "%s", out);
	cr_assert(strstr(out, "        16 -> 31         : 16       |****************************************|\n"), "%s", out);
	cr_assert(strstr(out, "        32 -> 63         : 8        |********************                    |\n"), "%s", out);
	free(out);
}

Test(argdist, string_keys_and_filters)
{
	char spec[512], *out;

	need_root_tracefs();
	snprintf(spec, sizeof(spec), "p:%s:rt_workload_named(int idx, char *nm):char*:nm:idx >= 38", WORKLOAD_BIN);
	out = argdist_named("-C", spec);
	cr_assert(strstr(out, "\t1          nm = item-38\n") && strstr(out, "\t1          nm = item-39\n"), "%s", out);
	cr_assert(!strstr(out, "item-37"), "%s", out);
	free(out);
}

Test(argdist, entry_values_and_latency_of_return_probes)
{
	char spec[512], *out;

	need_root_tracefs();
	/* $entry(idx) pairs each return with its own entry: exactly 10 per value */
	snprintf(spec, sizeof(spec), "r:%s:rt_workload_named(int idx):u64:$entry(idx) & 3", WORKLOAD_BIN);
	out = argdist_named("-C", spec);
	for (int v = 0; v < 4; v++) {
		char want[64];

		snprintf(want, sizeof(want), "\t10         $entry(idx) & 3 = %d\n", v);
		cr_assert(strstr(out, want), "missing '%s':\n%s", want, out);
	}
	free(out);
	/* every one of the 40 returns has a latency: the histogram holds exactly 40 */
	snprintf(spec, sizeof(spec), "r:%s:rt_workload_named():u64:$latency", WORKLOAD_BIN);
	out = argdist_named("-H", spec);
	{
		long total = 0;

		for (const char *l = strstr(out, " -> "); l; l = strstr(l + 1, " -> "))
			total += strtol(strstr(l, " : ") + 3, NULL, 10);
		cr_assert_eq(total, 40, "%s", out);
	}
	free(out);
}

/* The last interval's block: from its "[HH:MM:SS]" line (stack lines hold "[module]"). */
static const char *last_interval(const char *out)
{
	const char *last = NULL;

	for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (l[0] == '[' && l[3] == ':' && l[6] == ':' && l[9] == ']')
			last = l;
	return last;
}

/* argdist -c -i 1 -n 3 -p <wl_stack 7> FLAG -C SPEC: the last interval's block. */
static char *argdist_stack(const char *flag, const char *spec)
{
	char *wargv[] = { SYSTEM_BUILDDIR "/wl_stack", "7", NULL };
	char *argv[] = { (char *)RAWTRACE_BIN, "argdist", "-c", "-i", "1", "-n", "3", "-p", NULL,
			 (char *)flag, "-C", (char *)spec, NULL };
	struct proc w, t;
	char pidbuf[16], *out;
	const char *last;

	cr_assert_eq(proc_start(&w, wargv, NULL), 0);
	cr_assert(proc_wait_output(&w, "\n", 10));
	snprintf(pidbuf, sizeof(pidbuf), "%d", atoi(w.out));
	argv[8] = pidbuf;
	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert(proc_wait_output(&t, "]\n", 30), "%s", t.err ? t.err : "");
	kill(w.pid, SIGUSR1);
	cr_assert_eq(proc_finish(&w, 0, 30), 0);
	cr_assert_eq(proc_finish(&t, 0, 30), 0, "%s", t.err);
	last = last_interval(t.out);
	cr_assert(last, "%s", t.out);
	out = strdup(last);
	proc_free(&w);
	proc_free(&t);
	return out;
}

Test(argdist, user_stack_keys_are_exact)
{
	/* wl_stack writes 7 single bytes through main -> rt_stack_a -> b -> c -> write() */
	char *out = (need_root_tracefs(), argdist_stack("-U", "t:syscalls:sys_enter_write():u64:args->count"));
	const char *key = strstr(out, "\t7          args->count = 1\n"), *c, *b, *a, *m;

	cr_assert(key, "no single key counting the 7 writes:\n%s", out);
	c = strstr(key, "\n\t           rt_stack_c+0x");
	b = strstr(key, "\n\t           rt_stack_b+0x");
	a = strstr(key, "\n\t           rt_stack_a+0x");
	m = strstr(key, "\n\t           main+0x");
	cr_assert(c && b && a && m && c < b && b < a && a < m, "not the chain, leaf first:\n%s", out);
	cr_assert(strstr(c, " [wl_stack]\n"), "frames name their module:\n%s", out);
	cr_assert_eq(count_lines_matching(out, "args->count = "), 1, "one key only:\n%s", out);
	free(out);
}

Test(argdist, kernel_stack_keys_and_no_stacks_for_histograms)
{
	/* the one fork of `workload fork`: its kernel stack is the clone syscall's */
	char *argv[] = { (char *)RAWTRACE_BIN, "argdist", "-c", "-i", "1", "-n", "3", "-K", "-p", NULL,
			 "-C", "t:sched:sched_process_fork()", NULL };
	char *bad[] = { "-K", "-H", "t:syscalls:sys_enter_write():u64:args->count", NULL };
	struct proc w, t;
	char pidbuf[16];
	const char *last, *clone;
	pid_t pid;

	need_root_tracefs();
	pid = workload_start(&w, "fork", "10", "5");
	cr_assert(pid > 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	argv[9] = pidbuf;
	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert(proc_wait_output(&t, "]\n", 30), "%s", t.err ? t.err : "");
	cr_assert_eq(workload_run(&w), 0);
	cr_assert_eq(proc_finish(&t, 0, 30), 0, "%s", t.err);
	last = last_interval(t.out);
	cr_assert(last && strstr(last, "\t1          total calls\n\t           "), "%s", t.out);
	clone = strstr(last, "kernel_clone+0x");
	cr_assert(clone && strstr(clone, " [kernel]\n"), "no kernel_clone frame:\n%s", t.out);
	proc_free(&w);
	proc_free(&t);
	expect_failure("argdist", bad, 2, "a -H histogram has no keys");
}
