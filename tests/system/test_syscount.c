// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * syscount against ground truth: a workload makes an exact number of syscalls after
 * syscount has attached to it, and syscount must report exactly that number, in counting
 * mode and in the streaming modes (-L, -P), for all threads of a process and not for its
 * children; bad input gives one message and exit 2, a dead pid exit 1.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include "tests/system/spawn.h"
#include "tests/system/syshelp.h"

/* Run `rawtrace syscount ARGS -p <workload>` around a workload; returns syscount's output. */
static char *syscount_around(const char *mode, const char *a, const char *b, char *const args[], int *status)
{
	char *argv[32] = { (char *)RAWTRACE_BIN, "syscount" };
	struct proc w, t;
	char pidbuf[16], *out;
	int n = 2;
	pid_t pid;

	pid = workload_start(&w, mode, a, b);
	cr_assert(pid > 0, "workload did not start");
	for (int i = 0; args[i]; i++)
		argv[n++] = args[i];
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	argv[n++] = "-p";
	argv[n++] = pidbuf;
	argv[n] = NULL;
	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert(proc_wait_output(&t, "Ctrl+C to quit.", 30), "no banner: %s", t.err ? t.err : "");
	cr_assert_eq(workload_run(&w), 0, "workload failed");
	*status = proc_finish(&t, SIGINT, 30);
	cr_assert(!t.err || !strstr(t.err, "lost"), "stderr: %s", t.err);
	out = strdup(t.out ? t.out : "");
	proc_free(&w);
	proc_free(&t);
	return out;
}

Test(syscount, counts_exact_getppid_calls_of_one_process)
{
	char *args[] = { NULL };
	int st;
	char *out;

	need_root_tracefs();
	out = syscount_around("getppid", "12345", NULL, args, &st);
	cr_assert_eq(st, 0);
	cr_assert_eq(count_after(out, "getppid"), 12345, "output:\n%s", out);
	cr_assert(strstr(out, "SYSCALL                   COUNT\n"), "%s", out);
	cr_assert(strstr(out, "Detaching...\n"), "%s", out);
	free(out);
}

Test(syscount, counts_threads_created_after_attach)
{
	char *args[] = { "--syscall", "getppid", NULL };
	int st;
	char *out;

	need_root_tracefs();
	out = syscount_around("threads", "4", "2500", args, &st);
	cr_assert_eq(st, 0);
	cr_assert_eq(count_after(out, "getppid"), 10000, "output:\n%s", out);
	cr_assert(strstr(out, "Tracing syscall 'getppid'... Ctrl+C to quit.\n"), "%s", out);
	free(out);
}

/* perf's inherit_thread (follow new threads, not new processes) exists since Linux 5.13. */
static bool has_inherit_thread(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	return uname(&u) == 0 && sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
	       (major > 5 || (major == 5 && minor >= 13));
}

Test(syscount, excludes_child_processes_like_bcc_pid_filter)
{
	char *args[] = { "--syscall", "getppid", NULL };
	int st;
	char *out;

	need_root_tracefs();
	if (!has_inherit_thread())
		cr_skip_test("kernel before 5.13: no inherit_thread, so -p counters also count child processes (documented)");
	out = syscount_around("fork", "700", "500", args, &st);
	cr_assert_eq(st, 0);
	cr_assert_eq(count_after(out, "getppid"), 700, "output:\n%s", out);
	free(out);
}

Test(syscount, failures_and_errno_filters)
{
	char *x[] = { "-x", NULL }, *e[] = { "-e", "EBADF", NULL }, *e2[] = { "-e", "ENOENT", NULL };
	int st;
	char *out;

	need_root_tracefs();
	out = syscount_around("fail", "300", "200", x, &st);
	cr_assert_eq(count_after(out, "close"), 300, "output:\n%s", out);
	cr_assert_eq(count_after(out, "getppid"), -1, "successful calls listed:\n%s", out);
	cr_assert(strstr(out, "Tracing failed syscalls, printing top 10"), "%s", out);
	free(out);
	out = syscount_around("fail", "300", "200", e, &st);
	cr_assert_eq(count_after(out, "close"), 300, "output:\n%s", out);
	free(out);
	out = syscount_around("fail", "300", "200", e2, &st);
	cr_assert_eq(count_after(out, "close"), -1, "ENOENT matched EBADF:\n%s", out);
	free(out);
}

Test(syscount, latency_mode_streams_and_counts_exactly)
{
	char *args[] = { "-L", NULL }, *ms[] = { "-L", "-m", "--syscall", "getppid", NULL };
	int st;
	char *out;

	need_root_tracefs();
	out = syscount_around("getppid", "5000", NULL, args, &st);
	cr_assert_eq(st, 0);
	cr_assert(strstr(out, "SYSCALL                   COUNT        TIME (us)\n"), "%s", out);
	cr_assert_eq(count_after(out, "getppid"), 5000, "output:\n%s", out);
	free(out);
	out = syscount_around("getppid", "3000", NULL, ms, &st);
	cr_assert(strstr(out, "TIME (ms)"), "%s", out);
	cr_assert_eq(count_after(out, "getppid"), 3000, "output:\n%s", out);
	free(out);
}

Test(syscount, per_process_mode)
{
	char *args[] = { "-P", "--syscall", "getppid", NULL };
	int st;
	char *out, *line;

	need_root_tracefs();
	/*
	 * One row, the workload's.  Its COMM is read from /proc at its first record, which a
	 * process this short may not outlive ([unknown] then), so the row is found by count.
	 */
	out = syscount_around("getppid", "4321", NULL, args, &st);
	cr_assert_eq(st, 0);
	cr_assert(strstr(out, "PID    COMM               COUNT\n"), "%s", out);
	line = strstr(out, "COUNT\n");
	cr_assert(line && strstr(line, " 4321\n"), "no row for the workload:\n%s", out);
	cr_assert_eq(count_lines_matching(out, " 4321"), 1, "output:\n%s", out);
	free(out);
}

Test(syscount, list_prints_names_in_four_columns)
{
	char *argv[] = { (char *)RAWTRACE_BIN, "syscount", "-l", NULL };
	struct proc t;

	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert_eq(proc_finish(&t, 0, 10), 0);
	cr_assert(strstr(t.out, "getppid"), "%s", t.out);
	/* sorted as BCC sorts bytes ('_' < 'a'), padded to 22, joined by 3 spaces */
	cr_assert(!strncmp(t.out, "_sysctl                  accept                   accept4   ", 60), "%.100s", t.out);
	proc_free(&t);
}

Test(syscount, bad_input)
{
	char *a[] = { "--syscall", "nosuchcall", NULL }, *b[] = { "-e", "EBOGUS", NULL },
	     *c[] = { "-p", "0", NULL }, *d[] = { "-p", "abc", NULL }, *e[] = { "-T", NULL },
	     *f[] = { "-p", "1", "-t", "1", NULL }, *g[] = { "--bogus", NULL },
	     *h[] = { "-p", "4000000", "-d", "1", NULL };

	need_root_tracefs();
	expect_failure("syscount", a, 2, "syscall 'nosuchcall' not found");
	expect_failure("syscount", b, 2, "couldn't map EBOGUS to an errno");
	expect_failure("syscount", c, 2, "out of range");
	expect_failure("syscount", d, 2, "expected an integer");
	expect_failure("syscount", e, 2, "needs an argument");
	expect_failure("syscount", f, 2, "only one of -p and -t");
	expect_failure("syscount", g, 2, "unknown option");
	expect_failure("syscount", h, 1, "no such process: 4000000");
	cr_assert(!tracefs_has_our_state(NULL, 0));
}

Test(syscount, ppid_filter_counts_short_lived_children_only)
{
	char *argv[] = { (char *)RAWTRACE_BIN, "syscount", "--syscall", "getppid", "-c", NULL, NULL };
	struct proc w, t;
	char pidbuf[16];
	pid_t pid;

	need_root_tracefs();
	pid = workload_start(&w, "fork", "100", "50");
	cr_assert(pid > 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	argv[5] = pidbuf;
	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert(proc_wait_output(&t, "Ctrl+C to quit.", 30), "%s", t.err ? t.err : "");
	cr_assert_eq(workload_run(&w), 0);
	cr_assert_eq(proc_finish(&t, SIGINT, 30), 0, "%s", t.err);
	/* the child made 50 calls and exited before the summary; the parent's 100 are not its child's */
	cr_assert_eq(count_after(t.out, "getppid"), 50, "%s", t.out);
	proc_free(&w);
	proc_free(&t);
}
