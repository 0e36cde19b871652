// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * trace against ground truth: -M stops after exactly that many lines; a uprobe on a
 * workload function prints its integer and string arguments exactly (the string buffer is
 * reused between calls, so only a kernel-side copy can be right); predicates split between
 * the kernel filter and user space select exactly the matching calls; bad specs point at
 * the column with a caret.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include "tests/system/spawn.h"
#include "tests/system/syshelp.h"

/* trace -p <workload named N> SPEC...; returns stdout. */
static char *trace_named(const char *n, const char *spec, const char *extra)
{
	char *argv[] = { (char *)RAWTRACE_BIN, "trace", "-p", NULL, (char *)spec, (char *)extra, NULL };
	struct proc w, t;
	char pidbuf[16], *out;
	pid_t pid;

	pid = workload_start(&w, "named", n, NULL);
	cr_assert(pid > 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	argv[3] = pidbuf;
	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert(proc_wait_output(&t, "FUNC", 30), "%s", t.err ? t.err : "");
	cr_assert_eq(workload_run(&w), 0);
	cr_assert_eq(proc_finish(&t, SIGINT, 30), 0, "%s", t.err);
	out = strdup(t.out);
	proc_free(&w);
	proc_free(&t);
	return out;
}

Test(trace, max_events_prints_exactly_that_many_lines)
{
	char *argv[] = { (char *)RAWTRACE_BIN, "trace", "-M", "5", "t:syscalls:sys_enter_getppid \"%d\", args->__syscall_nr", NULL };
	struct proc w, t;

	need_root_tracefs();
	cr_assert(workload_start(&w, "getppid", "100", NULL) > 0);
	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert(proc_wait_output(&t, "FUNC", 30), "%s", t.err ? t.err : "");
	cr_assert_eq(workload_run(&w), 0);
	cr_assert_eq(proc_finish(&t, 0, 30), 0, "%s", t.err);
	cr_assert(!strncmp(t.out, "PID     TID     COMM            FUNC             -\n", 50), "%s", t.out);
	cr_assert_eq(count_lines_matching(t.out, "sys_enter_getppid 110"), 5, "%s", t.out);
	cr_assert_eq(count_lines_matching(t.out, ""), 6, "%s", t.out);
	proc_free(&w);
	proc_free(&t);
}

Test(trace, uprobe_prints_int_and_string_arguments_exactly)
{
	char spec[512], want[64], *out;

	need_root_tracefs();
	snprintf(spec, sizeof(spec), "%s:rt_workload_named \"i=%%d name=%%s\", arg1, arg2", WORKLOAD_BIN);
	out = trace_named("50", spec, NULL);
	cr_assert_eq(count_lines_matching(out, "rt_workload_named"), 50, "%s", out);
	for (int i = 0; i < 50; i++) {
		snprintf(want, sizeof(want), "rt_workload_named i=%d name=item-%d\n", i, i);
		cr_assert(strstr(out, want), "missing '%s' in:\n%s", want, out);
	}
	cr_assert(!strstr(out, "? "), "kernel-captured strings must not be marked:\n%s", out);
	free(out);
}

Test(trace, predicate_in_kernel_and_user_space)
{
	char spec[512], *out;

	need_root_tracefs();
	/* arg1 > 39 goes to the kernel filter, the arithmetic stays in user space */
	snprintf(spec, sizeof(spec), "%s:rt_workload_named (arg1 > 39 && arg1 %% 2 == 0) \"%%d\", arg1", WORKLOAD_BIN);
	out = trace_named("50", spec, NULL);
	cr_assert_eq(count_lines_matching(out, "rt_workload_named"), 5, "%s", out);
	cr_assert(strstr(out, "rt_workload_named 40\n") && strstr(out, "rt_workload_named 48\n"), "%s", out);
	free(out);
}

Test(trace, signature_names_and_return_probes)
{
	char spec[512], *out;

	need_root_tracefs();
	snprintf(spec, sizeof(spec), "r:%s:rt_workload_named (retval == 110) \"ret %%d\", retval", WORKLOAD_BIN);
	/* rt_workload_named returns i + 'i' (105): only i == 5 returns 110 */
	out = trace_named("20", spec, NULL);
	cr_assert_eq(count_lines_matching(out, "rt_workload_named ret 110"), 1, "%s", out);
	free(out);
	snprintf(spec, sizeof(spec), "p:%s:rt_workload_named(int idx, char *nm) (idx == 7) \"%%s\", nm", WORKLOAD_BIN);
	out = trace_named("20", spec, NULL);
	cr_assert(strstr(out, "rt_workload_named item-7\n"), "%s", out);
	cr_assert_eq(count_lines_matching(out, "rt_workload_named"), 1, "%s", out);
	free(out);
}

static void expect_bad(const char *spec, int want, const char *needle)
{
	char *argv[] = { (char *)RAWTRACE_BIN, "trace", (char *)spec, NULL };
	struct proc t;

	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert_eq(proc_finish(&t, 0, 30), want, "%s: %d %s", spec, t.status, t.err);
	cr_assert(t.err && strstr(t.err, needle), "%s: %s", spec, t.err ? t.err : "");
	proc_free(&t);
}

Test(trace, bad_specs)
{
	need_root_tracefs();
	expect_bad("t:sched:sched_switch \"%d\"", 2, "^");
	expect_bad("t:sched:sched_switch \"%d\", args->nosuchfield", 2, "no field 'nosuchfield'");
	expect_bad("t:nosuch:event", 2, "unknown tracepoint nosuch:event");
	expect_bad("p:c:write (arg1 == 1 \"x\")", 2, "^");
	expect_bad("t:sched:sched_switch \"%d\", arg1", 2, "args->FIELD");
	expect_bad("p:c:write \"%d\", retval", 2, "only available in r probes");
	cr_assert(!tracefs_has_our_state(NULL, 0));
}

Test(trace, user_stacks_by_dwarf_unwinding)
{
	char *wargv[] = { SYSTEM_BUILDDIR "/wl_stack", "5", NULL };
	char *argv[] = { (char *)RAWTRACE_BIN, "trace", "-U", "-p", NULL,
			 "t:syscalls:sys_enter_write \"%d bytes\", args->count", NULL };
	struct proc w, t;
	char pidbuf[16];
	const char *p;
	int n = 0;

	need_root_tracefs();
	cr_assert_eq(proc_start(&w, wargv, NULL), 0);
	cr_assert(proc_wait_output(&w, "\n", 10));
	snprintf(pidbuf, sizeof(pidbuf), "%d", atoi(w.out));
	argv[4] = pidbuf;
	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert(proc_wait_output(&t, "FUNC", 30), "%s", t.err ? t.err : "");
	kill(w.pid, SIGUSR1);
	cr_assert_eq(proc_finish(&w, 0, 30), 0);
	cr_assert_eq(proc_finish(&t, SIGINT, 30), 0, "%s", t.err);
	/* wl_stack has no frame pointers: only DWARF unwinding finds this chain, leaf first */
	for (p = strstr(t.out, "\n        rt_stack_c+"); p; p = strstr(p + 1, "\n        rt_stack_c+")) {
		const char *b = strstr(p, "\n        rt_stack_b+"), *a = strstr(p, "\n        rt_stack_a+"),
			   *m = strstr(p, "\n        main+"), *next = strstr(p + 1, "sys_enter_write");

		const char *eol = strchr(p + 1, '\n');

		cr_assert(b && a && m && b < a && a < m && (!next || m < next), "bad chain:\n%s", t.out);
		/* BCC's frame: sym+0xoff [module], the module being the file's base name */
		cr_assert(eol && eol - p > 11 && !strncmp(eol - 11, " [wl_stack]", 11), "no module:\n%s", t.out);
		n++;
	}
	cr_assert_eq(n, 5, "%s", t.out);
	proc_free(&w);
	proc_free(&t);
}

/*
 * Tracepoint records carry no comm.  The child of `workload fork 100 50` makes its 50
 * calls and exits at once, usually before its records are read: /proc no longer knows it,
 * but the kernel's FORK record gave it its parent's name, so every line is "workload".
 */
Test(trace, comm_of_a_short_lived_child_is_exact)
{
	char *argv[] = { (char *)RAWTRACE_BIN, "trace", "t:syscalls:sys_enter_getppid", NULL };
	int parent = 0, child = 0, misnamed = 0;
	struct proc w, t;
	char *save = NULL, *out;
	pid_t pid;

	need_root_tracefs();
	pid = workload_start(&w, "fork", "100", "50");
	cr_assert(pid > 0);
	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert(proc_wait_output(&t, "FUNC", 30), "%s", t.err ? t.err : "");
	cr_assert_eq(workload_run(&w), 0);
	cr_assert_eq(proc_finish(&t, SIGINT, 30), 0, "%s", t.err);
	out = strdup(t.out);
	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned p, tid;
		char comm[32];

		if (sscanf(l, "%u %u %31s", &p, &tid, comm) != 3)
			continue;
		if (p == (unsigned)pid)
			parent += !strcmp(comm, "workload");
		else if (!strcmp(comm, "workload"))
			child++;
		else
			misnamed += !strcmp(comm, "[unknown]");
	}
	cr_assert_eq(parent, 100, "%s", t.out);
	cr_assert_eq(child, 50, "%s", t.out);
	cr_assert_eq(misnamed, 0, "%s", t.out);
	free(out);
	proc_free(&w);
	proc_free(&t);
}

/*
 * Overload: a one-page ring per CPU cannot hold 100000 events made as fast as possible,
 * so most are lost; every event must still be accounted for: the lines printed plus the
 * "Possibly lost N samples" at exit make exactly the number of calls.
 */
Test(trace, lost_records_are_counted_exactly)
{
	char *argv[] = { (char *)RAWTRACE_BIN, "trace", "-b", "1", "-p", NULL, "t:syscalls:sys_enter_getppid", NULL };
	const char *lost_at;
	unsigned long long lost = 0;
	int lines, major = 0, minor = 0;
	struct utsname u;
	struct proc w, t;
	char pidbuf[16];
	pid_t pid;

	need_root_tracefs();
	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2 || major < 6)
		cr_skip_test("exact loss counts need PERF_FORMAT_LOST (Linux 6.0); this is %s", u.release);
	pid = workload_start(&w, "getppid", "100000", NULL);
	cr_assert(pid > 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	argv[5] = pidbuf;
	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert(proc_wait_output(&t, "FUNC", 30), "%s", t.err ? t.err : "");
	cr_assert_eq(workload_run(&w), 0);
	cr_assert_eq(proc_finish(&t, SIGINT, 60), 0, "%s", t.err);
	lines = count_lines_matching(t.out, "sys_enter_getppid");
	lost_at = strstr(t.err, "Possibly lost ");
	if (lost_at)
		lost = strtoull(lost_at + strlen("Possibly lost "), NULL, 10);
	cr_assert(lost > 0, "a one-page ring kept up with 100000 calls? %d lines; %s", lines, t.err);
	cr_assert_eq(lines + lost, 100000, "%d lines + %llu lost; %s", lines, lost, t.err);
	/* and by CPU: "lost by CPU: 0: 97204, 1: 12" adds up to the same */
	{
		const char *p = strstr(t.err, "lost by CPU: ");
		unsigned long long sum = 0, v;
		int cpu, used;

		cr_assert(p, "%s", t.err);
		for (p += strlen("lost by CPU: "); sscanf(p, "%d: %llu%n", &cpu, &v, &used) == 2; p += used) {
			sum += v;
			if (!strncmp(p + used, ", ", 2))
				used += 2;
		}
		cr_assert_eq(sum, lost, "%s", t.err);
	}
	cr_assert(!strstr(t.err, "neither wrote"), "%s", t.err);
	proc_free(&w);
	proc_free(&t);
}
