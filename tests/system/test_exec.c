// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * execsnoop against ground truth: wl_exec forks children that exec /bin/true with a known
 * argv (spaces, a quote, a newline; and 25 arguments for --max-args) and one exec of a
 * missing path (ENOENT).  execsnoop must print exactly those execs, with the exact argv,
 * the workload as PPID, RET 0 (and -2 only with -x); the filters and columns must behave;
 * execs that bypass libc must never show an argument list as exact unless it is.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/system/spawn.h"
#include "tests/system/syshelp.h"

#define ROUNDS 5
#define WL_EXEC SYSTEM_BUILDDIR "/wl_exec"

static const char simple_args[] = "/bin/true alpha two words 3rd q\"x\\ny";
static const char quoted_args[] = "\"/bin/true\" \"alpha\" \"two words\" \"3rd\" \"q\\\"x\\ny\"";
static const char fail_args[] = "/nonexistent/rt-wl-exec x";

struct run {
	char *out, *err;
	int status;
	pid_t wl;
};

/* execsnoop with extra options around one wl_exec run; stopped with SIGINT. */
static struct run snoop(char *const opts[], const char *mode)
{
	char *argv[32] = { (char *)RAWTRACE_BIN, "execsnoop" };
	char *wargv[] = { WL_EXEC, "5", (char *)mode, NULL };
	struct proc w, t;
	struct run r;
	int n = 2;

	for (; opts && *opts; opts++)
		argv[n++] = *opts;
	argv[n] = NULL;
	cr_assert_eq(proc_start(&w, wargv, NULL), 0);
	cr_assert(proc_wait_output(&w, "\n", 10), "wl_exec did not start");
	r.wl = (pid_t)atoi(w.out);
	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert(proc_wait_output(&t, " ARGS\n", 30), "no header: %s", t.err ? t.err : "");
	cr_assert_eq(workload_run(&w), 0, "workload failed: %s", w.err ? w.err : "");
	r.status = proc_finish(&t, SIGINT, 30);
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

/*
 * Lines "<comm padded to 16> <pid padded to 7> <ppid padded to 7> <ret %3d> <args>" whose
 * parent is the workload, with this comm, ret and args (NULL args: any).
 */
static int count_rows(const struct run *r, const char *comm, int ret, const char *args)
{
	char tail[4096];
	int n = 0;

	snprintf(tail, sizeof(tail), "%-7d %3d %s\n", (int)r->wl, ret, args ? args : "");
	for (const char *l = r->out; l && *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) + 1 : strlen(l);
		char c[17];

		snprintf(c, sizeof(c), "%-16s", comm);
		/* comm, space, 7-wide pid, space, then the tail */
		/* without args, the tail up to the space before ARGS */
		if (len > 25 && !strncmp(l, c, 16) && l[16] == ' ' && l[24] == ' ' &&
		    (args ? len - 25 == strlen(tail) && !strncmp(l + 25, tail, strlen(tail))
			  : !strncmp(l + 25, tail, strlen(tail) - 1)))
			n++;
		l += len;
	}
	return n;
}

static void many_args(char *buf, size_t len, int shown, bool more)
{
	size_t n = (size_t)snprintf(buf, len, "/bin/true");

	for (int i = 1; i <= shown; i++)
		n += (size_t)snprintf(buf + n, len - n, " a%d", i);
	if (more)
		snprintf(buf + n, len - n, " ...");
}

Test(execsnoop, exact_argv_ppid_and_ret)
{
	char many[512];
	struct run r;

	need_root_tracefs();
	r = snoop(NULL, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(!strncmp(r.out, "COMM             PID     PPID    RET ARGS\n", 42), "%s", r.out);
	cr_assert_eq(count_rows(&r, "true", 0, simple_args), ROUNDS, "%s", r.out);
	/* --max-args 20: the filename and argv[1..19], then "..." */
	many_args(many, sizeof(many), 19, true);
	cr_assert_eq(count_rows(&r, "true", 0, many), ROUNDS, "%s", r.out);
	/* failures only with -x; nothing else from the workload's children */
	cr_assert_eq(count_rows(&r, "wl_exec", -2, NULL), 0, "%s", r.out);
	cr_assert_eq(count_rows(&r, "true", 0, NULL), 2 * ROUNDS, "%s", r.out);
	cr_assert(!tracefs_has_our_state(NULL, 0));
	run_free(&r);
}

Test(execsnoop, fails_with_x)
{
	char *opts[] = { "-x", NULL };
	struct run r;

	need_root_tracefs();
	r = snoop(opts, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(count_rows(&r, "wl_exec", -2, fail_args), ROUNDS, "%s", r.out);
	cr_assert_eq(count_rows(&r, "true", 0, simple_args), ROUNDS, "%s", r.out);
	run_free(&r);
}

Test(execsnoop, quote_and_max_args)
{
	char *opts[] = { "-q", "--max-args", "30", NULL };
	char many[1024];
	size_t n;
	struct run r;

	need_root_tracefs();
	r = snoop(opts, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(count_rows(&r, "true", 0, quoted_args), ROUNDS, "%s", r.out);
	n = (size_t)snprintf(many, sizeof(many), "\"/bin/true\"");
	for (int i = 1; i <= 25; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, " \"a%d\"", i);
	cr_assert_eq(count_rows(&r, "true", 0, many), ROUNDS, "%s", r.out);
	run_free(&r);
}

Test(execsnoop, name_and_line_filters)
{
	char *by_line[] = { "-x", "-l", "two w[o]rds", NULL };
	char *by_name[] = { "-x", "-n", "^wl_", NULL };
	struct run r;

	need_root_tracefs();
	r = snoop(by_line, NULL);
	cr_assert_eq(count_rows(&r, "true", 0, simple_args), ROUNDS, "%s", r.out);
	cr_assert_eq(count_rows(&r, "true", 0, NULL), ROUNDS, "-l let other lines through: %s", r.out);
	cr_assert_eq(count_rows(&r, "wl_exec", -2, NULL), 0, "%s", r.out);
	run_free(&r);
	r = snoop(by_name, NULL);
	cr_assert_eq(count_rows(&r, "wl_exec", -2, fail_args), ROUNDS, "%s", r.out);
	cr_assert_eq(count_rows(&r, "true", 0, NULL), 0, "-n let other comms through: %s", r.out);
	run_free(&r);
}

Test(execsnoop, time_columns_and_ppid_filter)
{
	char ppid[16];
	char *opts[] = { "-T", "-t", "-P", ppid, NULL };
	struct run r;
	int rows = 0;

	need_root_tracefs();
	/* the workload's pid is not known before it starts: filter on a parent that never execs */
	snprintf(ppid, sizeof(ppid), "%d", 1);
	r = snoop(opts, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(!strncmp(r.out, "TIME     TIME(s) COMM             PID     PPID    RET ARGS\n", 59), "%s", r.out);
	cr_assert(!strstr(r.out, simple_args), "-P 1 printed the workload's children: %s", r.out);
	for (const char *l = strchr(r.out, '\n'); l && l[1]; l = strchr(l + 1, '\n'))
		rows++;
	cr_log_info("%d rows with PPID 1", rows);
	run_free(&r);
}

/* Execs that bypass libc: exact from the kernel, or marked " [?]", never silently wrong. */
Test(execsnoop, raw_syscall_execs_are_exact_or_marked)
{
	char *opts[] = { "-x", NULL };
	char many[512], marked[600];
	struct run r;
	int exact, approx;

	need_root_tracefs();
	r = snoop(opts, "raw");
	cr_assert_eq(r.status, 0, "%s", r.err);
	exact = count_rows(&r, "true", 0, simple_args);
	many_args(many, sizeof(many), 19, true);
	exact += count_rows(&r, "true", 0, many);
	approx = count_rows(&r, "true", 0, NULL) - exact;
	cr_log_info("raw execs: %d exact, %d marked best-effort", exact, approx);
	cr_assert_eq(count_rows(&r, "true", 0, NULL), 2 * ROUNDS, "%s", r.out);
	for (const char *l = r.out; approx && l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *e = strchr(l, '\n');

		if (strncmp(l, "true ", 5) || strstr(l, simple_args) || (strstr(l, many) && e && strstr(l, many) + strlen(many) == e))
			continue;
		snprintf(marked, sizeof(marked), "%.*s", e ? (int)(e - l) : (int)strlen(l), l);
		cr_assert(strlen(marked) > 4 && !strcmp(marked + strlen(marked) - 4, " [?]"),
			  "inexact argv without the marker: %s", marked);
	}
	/* failed raw execs: exact with kprobes, else no argv at all ("[?]") */
	cr_assert_eq(count_rows(&r, "wl_exec", -2, fail_args) + count_rows(&r, "wl_exec", -2, "[?]"), ROUNDS,
		     "%s", r.out);
	run_free(&r);
}

Test(execsnoop, bad_options)
{
	char *bad_re[] = { (char *)RAWTRACE_BIN, "execsnoop", "-n", "(", NULL };
	char *bad_user[] = { (char *)RAWTRACE_BIN, "execsnoop", "-u", "no-such-user-rt", NULL };
	struct cmd_result c;

	run_cmd(bad_re, &c, 30);
	cr_assert_eq(c.status, 2, "%s", c.err);
	cr_assert(strstr(c.err, "invalid regular expression"), "%s", c.err);
	cmd_result_free(&c);
	run_cmd(bad_user, &c, 30);
	cr_assert_eq(c.status, 2, "%s", c.err);
	cr_assert(strstr(c.err, "invalid user"), "%s", c.err);
	cmd_result_free(&c);
}
