// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bad input and hostile conditions across the front end and the tools: unknown tools,
 * an unprivileged user, tracefs missing, and runs ended by SIGTERM, SIGHUP or a closed
 * output pipe.  Each gives one clear message and exit status 1 or 2 and leaves no kernel
 * state behind.
 */
#include <criterion/criterion.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/system/spawn.h"
#include "tests/system/syshelp.h"

static int run_simple(char *const argv[], char *const env[], struct proc *t)
{
	cr_assert_eq(proc_start(t, argv, env), 0);
	return proc_finish(t, 0, 30);
}

Test(errors, front_end)
{
	char *unknown[] = { (char *)RAWTRACE_BIN, "nosuchtool", NULL };
	char *none[] = { (char *)RAWTRACE_BIN, NULL };
	char *version[] = { (char *)RAWTRACE_BIN, "--version", NULL };
	char *help[] = { (char *)RAWTRACE_BIN, "syscount", "--help", NULL };
	struct proc t;

	cr_assert_eq(run_simple(unknown, NULL, &t), 2);
	cr_assert(strstr(t.err, "unknown tool 'nosuchtool'"), "%s", t.err);
	proc_free(&t);
	cr_assert_eq(run_simple(none, NULL, &t), 2);
	cr_assert(strstr(t.err, "usage: rawtrace TOOL"), "%s", t.err);
	proc_free(&t);
	cr_assert_eq(run_simple(version, NULL, &t), 0);
	cr_assert(!strncmp(t.out, "rawtrace ", 9), "%s", t.out);
	proc_free(&t);
	cr_assert_eq(run_simple(help, NULL, &t), 0);
	cr_assert(strstr(t.out, "usage: rawtrace syscount [-h] [-p PID]"), "%s", t.out);
	cr_assert(strstr(t.out, "-L, --latency"), "%s", t.out);
	proc_free(&t);
}

Test(errors, tracefs_missing)
{
	char *argv[] = { (char *)RAWTRACE_BIN, "syscount", "-d", "1", NULL };
	char *env[] = { "RAWTRACE_TRACEFS=/proc", NULL };
	struct proc t;

	cr_assert_eq(run_simple(argv, env, &t), 1);
	cr_assert(strstr(t.err, "is not a mounted tracefs") && strstr(t.err, "mount -t tracefs"), "%s", t.err);
	cr_assert_eq(count_lines_matching(t.err, ""), 1, "%s", t.err);
	proc_free(&t);
}

Test(errors, unprivileged_user_is_told_what_is_needed)
{
	struct passwd *nobody = getpwnam("nobody");
	int pipefd[2], st;
	char buf[4096] = "";
	ssize_t n;
	pid_t pid;

	if (geteuid() != 0 || !nobody)
		cr_skip_test("needs root (to become nobody)");
	cr_assert_eq(pipe(pipefd), 0);
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 2);
		if (setgid(nobody->pw_gid) || setuid(nobody->pw_uid))
			_exit(99);
		execl(RAWTRACE_BIN, "rawtrace", "syscount", "-d", "1", (char *)NULL);
		_exit(98);
	}
	close(pipefd[1]);
	/* stderr is unbuffered: the message arrives in several writes */
	for (size_t got = 0; got < sizeof(buf) - 1 && (n = read(pipefd[0], buf + got, sizeof(buf) - 1 - got)) > 0;)
		got += (size_t)n;
	waitpid(pid, &st, 0);
	close(pipefd[0]);
	cr_assert(WIFEXITED(st));
	if (WEXITSTATUS(st) == 98)
		cr_skip_test("nobody cannot execute the build tree's binary");
	cr_assert_eq(WEXITSTATUS(st), 1, "stderr: %s", buf);
	cr_assert(strstr(buf, "root"), "message should say how to get access: %s", buf);
}

/* Start a syscount that streams (-L), then end it by `sig`; no state may stay. */
static void end_by_signal(int sig)
{
	char *argv[] = { (char *)RAWTRACE_BIN, "syscount", "-L", NULL };
	char why[512];
	struct proc t;
	int st;

	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert(proc_wait_output(&t, "Ctrl+C to quit.", 30), "%s", t.err ? t.err : "");
	st = proc_finish(&t, sig, 30);
	cr_assert(st == 0 || st == 128 + sig, "signal %d: status %d, %s", sig, st, t.err);
	if (sig == SIGINT)
		cr_assert(strstr(t.out, "Detaching...\n"), "%s", t.out);
	proc_free(&t);
	cr_assert(!tracefs_has_our_state(why, sizeof(why)), "after signal %d: %s", sig, why);
}

Test(errors, signals_end_runs_cleanly)
{
	need_root_tracefs();
	end_by_signal(SIGINT);
	end_by_signal(SIGTERM);
	end_by_signal(SIGHUP);
}

Test(errors, closed_output_pipe_ends_the_run)
{
	char *argv[] = { (char *)RAWTRACE_BIN, "funccount", "-i", "1", "t:sched:sched_switch", NULL };
	struct proc t;
	int st;

	need_root_tracefs();
	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert(proc_wait_output(&t, "Hit Ctrl-C to end.", 30), "%s", t.err ? t.err : "");
	/* like `| head -1`: the reader goes away; the next write must end the run */
	close(t.out_fd);
	t.out_fd = -1;
	st = proc_finish(&t, 0, 30);
	cr_assert(st == 0 || st == 1, "status %d: %s", st, t.err);
	proc_free(&t);
	cr_assert(!tracefs_has_our_state(NULL, 0));
}
