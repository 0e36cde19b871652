// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Cleanup on every way a run can end, for every tool that attaches.  Each tool of the table
 * is started, allowed to attach (its banner is on stdout; where it creates tracefs dynamic
 * events, their group rawtrace_<tool>_<pid> is seen to exist), then ended by SIGINT,
 * SIGTERM, SIGHUP, by its reader closing the stdout pipe while events keep coming, or by an
 * error during set-up; afterwards tracefs must hold nothing of ours.  A probe left in
 * uprobe_events or kprobe_events outlives the process and keeps costing every traced
 * call, so a path that forgets one is a real bug.  SIGKILL cannot be handled: there the
 * group must be left, and the next rawtrace run, whichever tool, must reap it.
 *
 * funccount and stackcount are made to use tracefs uprobe_events (instead of the perf
 * uprobe PMU, which leaves no tracefs state) so that their removal paths are exercised;
 * trace and argdist create tracefs uprobes for their fetch-args; opensnoop and execsnoop
 * create kprobes or, without kprobes, uprobes on the C library.  The kprobe rows run only
 * where kprobe_events exists (the VMs of make check-vm); elsewhere they are left out with
 * the reason in the log.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tests/system/spawn.h"
#include "tests/system/syshelp.h"

#define BANNER_S 30     /* start-up, attach and banner (argdist's is its first interval) */
#define STOP_S 15       /* from the signal to the exit */
#define PIPE_EXIT_S 10  /* from the reader leaving to the exit, events coming all along */
#define NO_PID "4000000" /* below pid_max, never in use on a test machine */
#define FD_LIMIT "5"     /* stdio plus two: enough to load, too few to open the events */

enum probes {
	NO_PROBES,  /* tracepoints only: perf fds, nothing in tracefs */
	UPROBES,    /* tracefs uprobe_events */
	KPROBES,    /* tracefs kprobe_events: the row runs only where they exist */
	ANY_PROBES, /* kprobes where they exist, else uprobes on the C library */
};

struct tool_case {
	const char *tool;
	const char *args[4];      /* after the options; "{WL}" stands for the workload's path */
	const char *banner;       /* on stdout once attached */
	const char *pipe_opts[3]; /* closed-pipe run: make an aggregating tool print each second */
	const char *bad_opts[3];  /* fail in set-up after the probes exist (NULL: no such option) */
	int bad_status;
	const char *bad_needle;
	enum probes probes;
	bool tracefs_probes;      /* RAWTRACE_FORCE_TRACEFS_PROBES=1: tracefs instead of the PMU */
};

/*
 * The -p and -c errors are found by session__start, after every probe was created in
 * tracefs (a pid that does not exist, a CPU that is not online).  stackcount checks -p up
 * front, so it gets -c.  The tools without such an option are covered by the file limit.
 */
static const struct tool_case tools[] = {
	{ "syscount", { NULL }, "Ctrl+C to quit.", { "-i", "1" }, { "-p", NO_PID }, 1,
	  "no such process", NO_PROBES, false },
	{ "funccount", { "{WL}:rt_workload_*" }, "Hit Ctrl-C to end.", { "-i", "1" },
	  { "-p", NO_PID }, 1, "no such process", UPROBES, true },
	{ "stackcount", { "{WL}:rt_workload_target" }, "Hit Ctrl-C to end.", { "-i", "1" },
	  { "-c", "4095" }, 2, "CPU 4095 is not online", UPROBES, true },
	{ "trace", { "p:{WL}:rt_workload_named \"%d %s\", arg1, arg2" }, "FUNC", { NULL },
	  { "-p", NO_PID }, 1, "no such process", UPROBES, false },
	{ "argdist", { "-C", "p:{WL}:rt_workload_named(int idx):int:idx" }, "]\n", { NULL },
	  { "-p", NO_PID }, 1, "no such process", UPROBES, false },
	{ "opensnoop", { NULL }, "PATH\n", { NULL }, { "-p", NO_PID }, 1, "no such process",
	  ANY_PROBES, false },
	{ "execsnoop", { NULL }, " ARGS\n", { NULL }, { NULL }, 0, NULL, ANY_PROBES, false },
	{ "biosnoop", { NULL }, "LAT(ms)\n", { NULL }, { NULL }, 0, NULL, NO_PROBES, false },
	{ "biolatency", { NULL }, "Hit Ctrl-C to end.", { "1" }, { NULL }, 0, NULL, NO_PROBES,
	  false },
	{ "bitesize", { NULL }, "Hit Ctrl-C to end.", { "1" }, { NULL }, 0, NULL, NO_PROBES,
	  false },
	{ "rwsnoop", { NULL }, "FILE\n", { NULL }, { "-p", NO_PID }, 1, "no such process",
	  NO_PROBES, false },
	/* kernel functions: a kprobe with fetch-args, and a counting one forced into tracefs */
	{ "trace", { "do_sys_openat2 \"%s\", arg2" }, "FUNC", { NULL }, { "-p", NO_PID }, 1,
	  "no such process", KPROBES, false },
	{ "funccount", { "vfs_read" }, "Hit Ctrl-C to end.", { "-i", "1" }, { "-p", NO_PID }, 1,
	  "no such process", KPROBES, true },
};

#define NTOOLS (sizeof(tools) / sizeof(tools[0]))

/* ---- helpers ------------------------------------------------------------------------ */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Criterion runs tests side by side unless CRITERION_JOBS=1; a SIGKILLed run's group,
 * left on purpose, would then fail another test's leftover check.  One test at a time.
 */
static void one_at_a_time(void)
{
	int fd = open("/tmp/rt_test_cleanup.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	double give_up = now_s() + 300;

	cr_assert(fd >= 0, "lock file: %s", strerror(errno));
	while (flock(fd, LOCK_EX | LOCK_NB)) {
		cr_assert(errno == EWOULDBLOCK && now_s() < give_up, "cannot take the test lock");
		usleep(100000);
	}
	/* held until this test's process exits */
}

static bool tracefs_file(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", sys_tracefs_dir(), name);
	return !access(path, F_OK);
}

/* Whether the row can run on this kernel; a row left out says why in the log. */
static bool usable(const struct tool_case *c)
{
	if (c->probes == KPROBES && !tracefs_file("kprobe_events")) {
		cr_log_info("%s %s: left out: this kernel has no kprobe_events (make check-vm "
			    "runs it)\n", c->tool, c->args[0]);
		return false;
	}
	if (c->probes == UPROBES && !tracefs_file("uprobe_events")) {
		cr_log_info("%s: left out: this kernel has no uprobe_events\n", c->tool);
		return false;
	}
	return true;
}

/* "tool first-arg", for messages. */
static const char *name_of(const struct tool_case *c)
{
	static char buf[640];

	snprintf(buf, sizeof(buf), "%s%s%s", c->tool, c->args[0] ? " " : "",
		 c->args[0] ? c->args[0] : "");
	return buf;
}

/* Whether the row's run must own a tracefs probe group while attached. */
static bool makes_group(const struct tool_case *c)
{
	if (c->probes == ANY_PROBES)
		return tracefs_file("uprobe_events") || tracefs_file("kprobe_events");
	return c->probes != NO_PROBES;
}

struct cmdline {
	char *argv[24];
	char buf[24][640];
	int n;
};

static void add_arg(struct cmdline *cl, const char *a)
{
	const char *wl = strstr(a, "{WL}");

	cr_assert(cl->n < 23, "command line too long");
	if (wl)
		snprintf(cl->buf[cl->n], sizeof(cl->buf[0]), "%.*s%s%s", (int)(wl - a), a,
			 WORKLOAD_BIN, wl + 4);
	else
		snprintf(cl->buf[cl->n], sizeof(cl->buf[0]), "%s", a);
	cl->argv[cl->n] = cl->buf[cl->n];
	cl->argv[++cl->n] = NULL;
}

/* [wrap...] rawtrace TOOL [opts...] ARGS... */
static void build(struct cmdline *cl, const struct tool_case *c, const char *const *wrap,
		  const char *const *opts)
{
	cl->n = 0;
	for (; wrap && *wrap; wrap++)
		add_arg(cl, *wrap);
	add_arg(cl, RAWTRACE_BIN);
	add_arg(cl, c->tool);
	for (; opts && *opts; opts++)
		add_arg(cl, *opts);
	for (int i = 0; c->args[i]; i++)
		add_arg(cl, c->args[i]);
}

static char *force_env[] = { "RAWTRACE_FORCE_TRACEFS_PROBES=1", NULL };

static char *const *env_of(const struct tool_case *c)
{
	return c->tracefs_probes ? force_env : NULL;
}

/*
 * Start the row with opts and wait until it is attached; with a probe group expected,
 * check that it exists (else the run would prove nothing about removing it).  false, with
 * the run stopped and the failure recorded, when it did not attach.
 */
static bool start_attached(struct proc *t, const struct tool_case *c, const char *const *opts)
{
	struct cmdline cl;

	build(&cl, c, NULL, opts);
	cr_assert_eq(proc_start(t, cl.argv, env_of(c)), 0, "cannot start %s", c->tool);
	if (!proc_wait_output(t, c->banner, BANNER_S)) {
		cr_expect_fail("%s: no banner '%s' within %d s\nstdout: %s\nstderr: %s", name_of(c),
			       c->banner, BANNER_S, t->out ? t->out : "", t->err ? t->err : "");
		proc_finish(t, SIGTERM, STOP_S);
		proc_free(t);
		return false;
	}
	cr_expect(!makes_group(c) || probe_group_exists(c->tool, t->pid),
		  "%s attached without its tracefs probe group rawtrace_%s_%d", c->tool, c->tool,
		  (int)t->pid);
	return true;
}

/* Nothing of this run, nor of any finished run, in tracefs (non-fatal: the matrix goes on). */
static void expect_clean(const char *how, const struct tool_case *c, pid_t pid)
{
	char why[512];

	cr_expect(!probe_group_exists(c->tool, pid), "%s after %s: its group rawtrace_%s_%d is "
		  "left", c->tool, how, c->tool, (int)pid);
	cr_expect(!tracefs_has_our_state(why, sizeof(why)), "%s after %s: rawtrace left state in "
		  "tracefs: %s", c->tool, how, why);
}

/* ---- SIGINT, SIGTERM, SIGHUP ----------------------------------------------------------- */

static void end_all_by(int sig)
{
	need_root_tracefs();
	one_at_a_time();
	for (size_t i = 0; i < NTOOLS; i++) {
		const struct tool_case *c = &tools[i];
		struct proc t;
		pid_t pid;
		int st;

		if (!usable(c) || !start_attached(&t, c, NULL))
			continue;
		pid = t.pid;
		st = proc_finish(&t, sig, STOP_S);
		/* the signal is the user's way to stop: a normal end, status 0 */
		cr_expect_eq(st, 0, "%s ended by %s: status %d\nstderr: %s", name_of(c),
			     strsignal(sig), st, t.err ? t.err : "");
		proc_free(&t);
		expect_clean(strsignal(sig), c, pid);
	}
	assert_no_leftover_state();
}

Test(cleanup, sigint_removes_everything)
{
	end_all_by(SIGINT);
}

Test(cleanup, sigterm_removes_everything)
{
	end_all_by(SIGTERM);
}

Test(cleanup, sighup_removes_everything)
{
	end_all_by(SIGHUP);
}

/* ---- the reader closes the pipe --------------------------------------------------------- */

/*
 * A loop device of our own to read with O_DIRECT: block I/O nobody else's test counts
 * (the block tools trace every disk).
 */
static char loopdev[64], imgpath[128];

static void loop_teardown(void)
{
	loop_detach(loopdev, imgpath);
}

/* Direct reads: each one is a request the block tracepoints see. */
static void block_io(void)
{
	static unsigned next;
	void *buf;
	int fd;

	if (!loopdev[0] || posix_memalign(&buf, 4096, 4096))
		return;
	fd = open(loopdev, O_RDONLY | O_DIRECT | O_CLOEXEC);
	for (int i = 0; fd >= 0 && i < 4; i++)
		if (pread(fd, buf, 4096, (off_t)(next++ % 2048) * 4096) < 0)
			break;
	if (fd >= 0)
		close(fd);
	free(buf);
}

static void run_workload(const char *mode, const char *a, const char *b)
{
	struct proc w;

	if (workload_start(&w, mode, a, b) > 0)
		workload_run(&w);
	proc_free(&w);
}

/*
 * Something for every row to print: workload calls hit the uprobes (and its start is an
 * exec through the C library), opens and reads through libc hit opensnoop, rwsnoop and the
 * kprobes, direct reads make block requests.
 */
static void make_events(void)
{
	char buf[64];
	int fd;

	run_workload("func", "50", "0");
	run_workload("named", "20", NULL);
	for (int i = 0; i < 10; i++) {
		fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (read(fd, buf, sizeof(buf)) < 0)
				buf[0] = 0;
			close(fd);
		}
	}
	block_io();
}

/* Whether the child has exited, without reaping it (proc_finish does). */
static bool has_exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return !waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) && si.si_pid == pid;
}

Test(cleanup, closed_output_pipe_ends_the_run_and_removes_everything, .fini = loop_teardown)
{
	need_root_tracefs();
	one_at_a_time();
	if (!loop_image(imgpath, sizeof(imgpath), "rt_cleanup", 8) ||
	    !loop_attach(imgpath, false, loopdev, sizeof(loopdev)))
		cr_log_warn("no loop device: biosnoop's closed-pipe row is left out (no block I/O "
			    "to print)\n");
	for (size_t i = 0; i < NTOOLS; i++) {
		const struct tool_case *c = &tools[i];
		double closed, took;
		struct proc t;
		bool exited;
		pid_t pid;
		int st;

		if (!usable(c) || (!loopdev[0] && !strcmp(c->tool, "biosnoop")))
			continue;
		if (!start_attached(&t, c, c->pipe_opts))
			continue;
		pid = t.pid;
		/* like `| head -1`: the reader goes away, the next write must end the run */
		close(t.out_fd);
		t.out_fd = -1;
		closed = now_s();
		while (!(exited = has_exited(pid)) && now_s() - closed < PIPE_EXIT_S) {
			make_events();
			usleep(100000);
		}
		took = now_s() - closed;
		cr_expect(exited, "%s kept running %d s after its reader left", name_of(c),
			  PIPE_EXIT_S);
		/* not exited: end it cleanly, so that its state says nothing about this path */
		st = proc_finish(&t, exited ? 0 : SIGTERM, STOP_S);
		if (exited) {
			cr_expect_eq(st, 0, "%s: status %d after its reader left\nstderr: %s",
				     name_of(c), st, t.err ? t.err : "");
			cr_log_info("%s: exited %.2f s after the reader left\n", name_of(c), took);
		}
		proc_free(&t);
		expect_clean("a closed output pipe", c, pid);
	}
	assert_no_leftover_state();
}

/* ---- errors during set-up ------------------------------------------------------------- */

static void expect_setup_error(const struct tool_case *c, const char *const *wrap,
			       const char *const *opts, int want, const char *needle)
{
	struct cmdline cl;
	char how[64];
	struct proc t;
	pid_t pid;
	int st;

	if (opts[0])
		snprintf(how, sizeof(how), "error %s %s", opts[0], opts[1] ? opts[1] : "");
	else
		snprintf(how, sizeof(how), "error ulimit -n " FD_LIMIT);
	build(&cl, c, wrap, opts);
	cr_assert_eq(proc_start(&t, cl.argv, env_of(c)), 0, "cannot start %s", c->tool);
	pid = t.pid;
	st = proc_finish(&t, 0, STOP_S);
	cr_expect_eq(st, want, "%s, %s: status %d, want %d\nstderr: %s", name_of(c), how, st,
		     want, t.err ? t.err : "");
	cr_expect(t.err && strstr(t.err, needle), "%s, %s: stderr lacks '%s': %s", name_of(c), how,
		  needle, t.err ? t.err : "");
	proc_free(&t);
	expect_clean(how, c, pid);
}

Test(cleanup, setup_errors_remove_everything)
{
	/* the shell sets soft and hard limit: rawtrace cannot raise it back */
	const char *const limit[] = { "/bin/sh", "-c", "ulimit -n " FD_LIMIT " && exec \"$@\"",
				      "sh", NULL };
	const char *const none[] = { NULL };

	need_root_tracefs();
	one_at_a_time();
	for (size_t i = 0; i < NTOOLS; i++) {
		const struct tool_case *c = &tools[i];

		if (!usable(c))
			continue;
		if (c->bad_opts[0])
			expect_setup_error(c, NULL, c->bad_opts, c->bad_status, c->bad_needle);
		/*
		 * Too few fds fails in session__start, part way through opening the events
		 * and mapping rings, after every tracefs probe exists.  "open files" matches
		 * both spellings (perf_event_open's and the event loop's).
		 */
		expect_setup_error(c, limit, none, 1, "open files");
	}
	assert_no_leftover_state();
}

/* ---- SIGKILL ---------------------------------------------------------------------------- */

static const char *reaper_argv[] = { RAWTRACE_BIN, "syscount", "-d", "1", NULL };

Test(cleanup, sigkill_leaves_groups_that_the_next_run_reaps)
{
	const struct tool_case *prev = NULL;
	pid_t prev_pid = 0, killed[NTOOLS] = { 0 };
	struct proc t;
	int st;

	need_root_tracefs();
	one_at_a_time();
	for (size_t i = 0; i < NTOOLS; i++) {
		const struct tool_case *c = &tools[i];
		char why[512];

		if (!usable(c) || !start_attached(&t, c, NULL))
			continue;
		/* this run's start-up reaped what the previous row's SIGKILL left */
		if (prev && makes_group(prev))
			cr_expect(!probe_group_exists(prev->tool, prev_pid), "%s did not reap "
				  "rawtrace_%s_%d left by SIGKILL", c->tool, prev->tool,
				  (int)prev_pid);
		killed[i] = t.pid;
		st = proc_finish(&t, SIGKILL, STOP_S);
		cr_expect_eq(st, 128 + SIGKILL, "%s: status %d", c->tool, st);
		proc_free(&t);
		if (makes_group(c))
			cr_expect(probe_group_exists(c->tool, killed[i]), "%s: SIGKILL left no "
				  "group rawtrace_%s_%d: nothing to reap, the check proves nothing",
				  c->tool, c->tool, (int)killed[i]);
		else
			/* perf fds die with the process: nothing may be left at all */
			cr_expect(!tracefs_has_our_state(why, sizeof(why)), "%s: SIGKILL left "
				  "tracefs state: %s", c->tool, why);
		prev = c;
		prev_pid = killed[i];
	}
	/* and the last one: any tool reaps at start-up */
	cr_assert_eq(proc_start(&t, (char *const *)reaper_argv, NULL), 0);
	st = proc_finish(&t, 0, STOP_S + 5);
	cr_expect_eq(st, 0, "reaping run: status %d\nstderr: %s", st, t.err ? t.err : "");
	proc_free(&t);
	for (size_t i = 0; i < NTOOLS; i++)
		cr_expect(!killed[i] || !probe_group_exists(tools[i].tool, killed[i]),
			  "rawtrace_%s_%d is still there after the next run", tools[i].tool,
			  (int)killed[i]);
	assert_no_leftover_state();
}
