// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Concurrency and coexistence: rawtrace is used next to other tracers, other rawtrace runs
 * included, so every run must own what it creates and leave the rest alone.
 *
 * - Two and four instances of the same tool, and four different tools, attached at once to
 *   workloads that make an exactly known number of calls, must each report exactly that
 *   number: one run's events, filters or probe groups must never reach another run.  Runs
 *   that need tracefs uprobes (trace's fetch-args, funccount forced to tracefs) must each
 *   own a group rawtrace_<tool>_<pid> of their own.
 * - No run may change tracefs state another tracer relies on: the global tracing switches,
 *   options, buffer sizes, set_event, the enable/filter/trigger files of the events the
 *   tools use, probe definitions that are not rawtrace's and the list of instances are
 *   snapshotted before, while and after the tools run and must not change.
 * - A foreign ftrace instance and `perf stat`, counting the same events of the same
 *   processes at the same time, must see exactly the ground truth, also for events that
 *   happen after the rawtrace runs have exited.
 *
 * Other suites may run rawtrace or perf on this machine at the same time, so everything is
 * matched by our own workloads' pids and our own tracers' probe groups, never by "the only
 * one running".
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tests/system/spawn.h"
#include "tests/system/syshelp.h"

#define WL_OPEN SYSTEM_BUILDDIR "/wl_open"
#define WL_RW SYSTEM_BUILDDIR "/wl_rw"
#define WL_EXEC SYSTEM_BUILDDIR "/wl_exec"
#define PERF_BIN "/usr/bin/perf"

/* Tool banners: each is printed once the tool is attached (see the per-tool suites). */
#define B_SYSCOUNT "Ctrl+C to quit."
#define B_COUNT "Hit Ctrl-C to end."
#define B_TRACE "FUNC"
#define B_OPEN "PATH\n"
#define B_RW "LAT(us) FILE\n"
#define B_EXEC " ARGS\n"
#define B_BIO "LAT(ms)\n"
#define B_ARGDIST "]\n"

static char *force_tracefs[] = { "RAWTRACE_FORCE_TRACEFS_PROBES=1", NULL };

/* ---- processes --------------------------------------------------------------------- */

/*
 * Every process a test starts lives in this pool, not on the test's stack: a failed
 * assertion leaves the test function, and the fini hook must still find the tracers to
 * stop them (SIGINT, so they remove their probes) and the workloads to kill.
 */
#define POOL 20
static struct proc pool[POOL];
static bool pool_used[POOL];

/* Every rawtrace run the running test started: what they leave behind is ours to judge. */
static pid_t tool_pids[64];
static int ntool_pids;

/* The foreign ftrace instance of the running test, removed by fini even on failure. */
static char foreign_dir[PATH_MAX];

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static struct proc *start(char *const argv[], char *const env[])
{
	for (int i = 0; i < POOL; i++) {
		if (pool_used[i])
			continue;
		cr_assert_eq(proc_start(&pool[i], argv, env), 0, "cannot start %s", argv[0]);
		pool_used[i] = true;
		return &pool[i];
	}
	cr_assert_fail("more than %d processes", POOL);
	return NULL;
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
	char *b = realloc(*buf, *len + n + 1);

	cr_assert(b, "out of memory");
	memcpy(b + *len, data, n);
	*len += n;
	b[*len] = '\0';
	*buf = b;
}

/*
 * Read whatever any of our processes wrote, waiting at most ms.  All pipes are drained
 * together: a tracer blocked on a full stdout pipe stops reading its rings and loses
 * records, which would look like a concurrency bug.
 */
static void pump_all(int ms)
{
	struct pollfd fds[2 * POOL];
	struct proc *owner[2 * POOL];
	char buf[65536];
	int n = 0;

	for (int i = 0; i < POOL; i++) {
		if (!pool_used[i])
			continue;
		if (pool[i].out_fd > 0) {
			owner[n] = &pool[i];
			fds[n++] = (struct pollfd){ .fd = pool[i].out_fd, .events = POLLIN };
		}
		if (pool[i].err_fd > 0) {
			owner[n] = &pool[i];
			fds[n++] = (struct pollfd){ .fd = pool[i].err_fd, .events = POLLIN };
		}
	}
	if (!n) {
		usleep((useconds_t)ms * 1000);
		return;
	}
	if (poll(fds, (nfds_t)n, ms) <= 0)
		return;
	for (int i = 0; i < n; i++) {
		struct proc *p = owner[i];
		bool is_err = fds[i].fd == p->err_fd;
		ssize_t got;

		if (!fds[i].revents)
			continue;
		got = read(fds[i].fd, buf, sizeof(buf));
		if (got > 0) {
			if (is_err)
				append(&p->err, &p->err_len, buf, (size_t)got);
			else
				append(&p->out, &p->out_len, buf, (size_t)got);
		} else if (got == 0 || errno != EINTR) {
			close(fds[i].fd);
			if (is_err)
				p->err_fd = -1;
			else
				p->out_fd = -1;
		}
	}
}

static bool at_eof(const struct proc *p)
{
	return p->out_fd <= 0 && p->err_fd <= 0;
}

/* Wait until p printed needle on stdout (or stderr), reading every pipe meanwhile. */
static bool wait_text(struct proc *p, const char *needle, bool on_err, double timeout_s)
{
	double end = now_s() + timeout_s;

	for (;;) {
		const char *t = on_err ? p->err : p->out;

		if (t && strstr(t, needle))
			return true;
		if (now_s() > end || at_eof(p))
			return false;
		pump_all(50);
	}
}

/* Start a workload that prints its pid first and then waits for SIGUSR1. */
static struct proc *start_workload(char *const argv[], pid_t *pid)
{
	struct proc *w = start(argv, NULL);

	cr_assert(wait_text(w, "\n", false, 10), "%s did not start: %s", argv[0],
		  w->err ? w->err : "");
	*pid = (pid_t)atoi(w->out);
	cr_assert(*pid > 0, "%s said: %s", argv[0], w->out);
	return w;
}

static struct proc *start_wl(const char *mode, const char *a, const char *b, pid_t *pid)
{
	char *argv[] = { (char *)WORKLOAD_BIN, (char *)mode, (char *)a, (char *)b, NULL };

	return start_workload(argv, pid);
}

/* Start `rawtrace TOOL args...` (NULL-terminated); wait_banner() tells when it is attached. */
static struct proc *start_tool(char *const env[], const char *tool, ...)
{
	char *argv[32] = { (char *)RAWTRACE_BIN, (char *)tool };
	struct proc *t;
	va_list ap;
	int n = 2;
	char *a;

	va_start(ap, tool);
	while ((a = va_arg(ap, char *)) && n < 31)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	t = start(argv, env);
	if (ntool_pids < (int)(sizeof(tool_pids) / sizeof(tool_pids[0])))
		tool_pids[ntool_pids++] = t->pid;
	return t;
}

/* Banners are awaited after all tools were started, so they attach in parallel. */
static void wait_banner(struct proc *t, const char *banner)
{
	cr_assert(wait_text(t, banner, false, 60),
		  "tracer %d printed no banner '%s'; stdout:\n%s\nstderr:\n%s", (int)t->pid, banner,
		  t->out ? t->out : "", t->err ? t->err : "");
}

/* Wait for a released workload to exit; its exit status. */
static int wait_workload(struct proc *w)
{
	double end = now_s() + 60;

	while (!at_eof(w) && now_s() < end)
		pump_all(50);
	return proc_finish(w, 0, 10);
}

/* Release a workload (SIGUSR1) and wait for it to exit; its exit status. */
static int run_workload(struct proc *w)
{
	kill(w->pid, SIGUSR1);
	return wait_workload(w);
}

/* Stop tracers with sig at once, collect all their output, reap them. */
static void stop_all(struct proc *const t[], int n, int sig)
{
	double end = now_s() + 30;
	bool open = true;

	for (int i = 0; i < n; i++)
		kill(t[i]->pid, sig);
	while (open && now_s() < end) {
		open = false;
		for (int i = 0; i < n; i++)
			open |= !at_eof(t[i]);
		if (open)
			pump_all(50);
	}
	for (int i = 0; i < n; i++)
		proc_finish(t[i], 0, 5);
}

/* A tracer must have exited 0 and said nothing about lost records. */
static void assert_clean_exit(const struct proc *t, const char *what)
{
	cr_assert_eq(t->status, 0, "%s: exit %d\nstdout:\n%s\nstderr:\n%s", what, t->status,
		     t->out ? t->out : "", t->err ? t->err : "");
	cr_assert(!t->err || !strstr(t->err, "lost"), "%s lost records, ground truth unusable: %s",
		  what, t->err);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;

	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	n = write(fd, text, strlen(text));
	cr_assert_eq(n, (ssize_t)strlen(text), "write '%s' to %s: %s", text, path, strerror(errno));
	close(fd);
}

static void remove_foreign(void)
{
	if (!foreign_dir[0])
		return;
	/* Disabling first is not needed for rmdir, but keeps a failed rmdir harmless. */
	for (int i = 0; i < 2; i++) {
		char path[PATH_MAX + 64];
		int fd;

		snprintf(path, sizeof(path), "%s/events/syscalls/sys_%s_getppid/enable",
			 foreign_dir, i ? "exit" : "enter");
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, "0", 1) < 0)
				cr_log_warn("cannot disable %s: %s", path, strerror(errno));
			close(fd);
		}
	}
	if (rmdir(foreign_dir) && errno != ENOENT)
		cr_log_error("cannot remove the test's instance %s: %s", foreign_dir,
			     strerror(errno));
	foreign_dir[0] = '\0';
}

static void teardown(void)
{
	bool any = false;

	/* SIGINT first, so that tracers get to remove their probe groups. */
	for (int i = 0; i < POOL; i++) {
		if (pool_used[i] && pool[i].pid > 0) {
			kill(pool[i].pid, SIGINT);
			any = true;
		}
	}
	for (int i = 0; i < POOL; i++) {
		if (!pool_used[i])
			continue;
		if (pool[i].pid > 0)
			proc_finish(&pool[i], 0, 10);
		proc_free(&pool[i]);
		pool_used[i] = false;
	}
	if (any)
		cr_log_info("teardown stopped processes a failed test left running");
	ntool_pids = 0;
	remove_foreign();
}

TestSuite(concurrency, .fini = teardown, .timeout = 90);

/* ---- tracefs state ------------------------------------------------------------------- */

static char *read_all(const char *path)
{
	char buf[65536], *out = NULL;
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		append(&out, &len, buf, (size_t)n);
	}
	close(fd);
	if (!out)
		out = strdup("");
	return out;
}

/* "p:GROUP/EVENT ...": whether GROUP is a rawtrace run's (any run's, ours or not). */
static bool rawtrace_probe_line(const char *line)
{
	const char *g = strchr(line, ':');

	return g && g < line + strcspn(line, " \t") && !strncmp(g + 1, "rawtrace_", 9);
}

/*
 * Append "name: line" for every line of dir/name to *s (missing file: "<absent>").  Probe
 * definition files drop the lines of rawtrace groups: those belong to runs (of this or
 * another suite) and come and go; everything else in them must stay.
 */
static void snap_file(FILE *s, const char *dir, const char *name)
{
	char path[PATH_MAX * 2];
	bool probes = strstr(name, "_events") != NULL;
	char *text, *save = NULL;
	int lines = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	text = read_all(path);
	if (!text) {
		fprintf(s, "%s: <absent>\n", name);
		return;
	}
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (probes && rawtrace_probe_line(l))
			continue;
		fprintf(s, "%s: %s\n", name, l);
		lines++;
	}
	if (!lines)
		fprintf(s, "%s: <empty>\n", name);
	free(text);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Instance names, sorted; rawtrace's own and the foreign instances of these tests excluded. */
static void snap_instances(FILE *s, const char *dir)
{
	char path[PATH_MAX + 16], *names[512];
	struct dirent *d;
	size_t n = 0;
	DIR *dd;

	snprintf(path, sizeof(path), "%s/instances", dir);
	dd = opendir(path);
	if (!dd) {
		fprintf(s, "instances: <absent>\n");
		return;
	}
	while ((d = readdir(dd)) && n < 512) {
		if (d->d_name[0] == '.' || !strncmp(d->d_name, "rawtrace", 8) ||
		    !strncmp(d->d_name, "foreign_", 8))
			continue;
		names[n++] = strdup(d->d_name);
	}
	closedir(dd);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		fprintf(s, "instances: %s\n", names[i]);
		free(names[i]);
	}
}

/* Global files a tracer relies on; what rawtrace must never write. */
static const char *const global_files[] = {
	"tracing_on", "current_tracer", "trace_options", "buffer_size_kb", "buffer_percent",
	"trace_clock", "tracing_cpumask", "set_event", "set_event_pid", "uprobe_events",
	"kprobe_events", "dynamic_events",
};

/* The events the tools of this suite attach to (absent ones are recorded as such). */
static const char *const used_events[] = {
	"syscalls/sys_enter_getppid",
	"syscalls/sys_exit_getppid",
	"syscalls/sys_enter_openat",
	"syscalls/sys_exit_openat",
	"syscalls/sys_enter_open",
	"syscalls/sys_exit_open",
	"syscalls/sys_enter_read",
	"syscalls/sys_exit_read",
	"syscalls/sys_enter_write",
	"syscalls/sys_exit_write",
	"syscalls/sys_enter_execve",
	"syscalls/sys_exit_execve",
	"raw_syscalls/sys_enter",
	"raw_syscalls/sys_exit",
	"block/block_rq_issue",
	"block/block_rq_complete",
	"block/block_rq_insert",
	"block/block_io_start",
	"block/block_io_done",
	"sched/sched_process_exec",
	"sched/sched_process_fork",
	"sched/sched_process_exit",
	"sched/sched_switch",
	"syscalls",
	"raw_syscalls",
	"block",
};

static char *global_state(void)
{
	const char *dir = sys_tracefs_dir();
	char name[256], *text = NULL;
	size_t len = 0;
	FILE *s = open_memstream(&text, &len);

	cr_assert(s && dir);
	for (size_t i = 0; i < sizeof(global_files) / sizeof(global_files[0]); i++)
		snap_file(s, dir, global_files[i]);
	for (size_t i = 0; i < sizeof(used_events) / sizeof(used_events[0]); i++) {
		static const char *const files[] = { "enable", "filter", "trigger" };

		for (size_t j = 0; j < 3; j++) {
			snprintf(name, sizeof(name), "events/%s/%s", used_events[i], files[j]);
			/* A group has only enable; its absent filter would say nothing. */
			if (!strchr(used_events[i], '/') && j)
				continue;
			snap_file(s, dir, name);
		}
	}
	snap_instances(s, dir);
	fclose(s);
	return text;
}

/* Fail with the first line that differs between two snapshots. */
static void assert_same_state(const char *when, const char *before, const char *now)
{
	const char *a = before, *b = now;

	while (*a || *b) {
		size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");

		cr_assert(la == lb && !memcmp(a, b, la),
			  "%s: tracefs state changed:\n  before: %.*s\n  now:    %.*s", when,
			  (int)la, a, (int)lb, b);
		a += la + (a[la] == '\n');
		b += lb + (b[lb] == '\n');
	}
}

/* Take a snapshot now and fail unless it equals before. */
static void assert_state_kept(const char *when, const char *before)
{
	char *now = global_state();

	assert_same_state(when, before, now);
	free(now);
}

/* "rawtrace..._<PID>" where PID is one of this test's runs. */
static bool of_our_runs(const char *name, size_t len)
{
	size_t i = len;
	long pid;

	if (len < 9 || strncmp(name, "rawtrace", 8))
		return false;
	while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
		i--;
	if (i == len || name[i - 1] != '_')
		return false;
	pid = strtol(name + i, NULL, 10);
	for (int k = 0; k < ntool_pids; k++)
		if (tool_pids[k] == pid)
			return true;
	return false;
}

/*
 * Like assert_no_leftover_state(), but only for the runs of this test.  The global check
 * also reports what other suites' runs left, and a suite that tests SIGKILL cleanup
 * leaves groups on purpose until its next run reaps them: with suites running side by
 * side that would fail this one for someone else's (intended) leftovers.
 */
static void assert_nothing_left_by_our_runs(void)
{
	static const char *const files[] = { "uprobe_events", "kprobe_events", "dynamic_events" };
	const char *dir = sys_tracefs_dir();
	char path[PATH_MAX + 32];
	struct dirent *d;
	DIR *dd;

	cr_assert(ntool_pids > 0);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *text, *save = NULL;

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		text = read_all(path);
		for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l;
		     l = strtok_r(NULL, "\n", &save)) {
			const char *g = strchr(l, ':'), *slash = g ? strchr(g, '/') : NULL;

			cr_assert(!g || !slash || !of_our_runs(g + 1, (size_t)(slash - g - 1)),
				  "a run of this test left a probe in %s: %s", files[i], l);
		}
		free(text);
	}
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, i ? "instances" : "events");
		dd = opendir(path);
		if (!dd)
			continue;
		while ((d = readdir(dd)))
			cr_assert(!of_our_runs(d->d_name, strlen(d->d_name)),
				  "a run of this test left %s/%s", path, d->d_name);
		closedir(dd);
	}
}

/* ---- the foreign instance ------------------------------------------------------------- */

static const char *const foreign_files[] = {
	"tracing_on",
	"current_tracer",
	"trace_options",
	"buffer_size_kb",
	"set_event",
	"events/syscalls/sys_enter_getppid/enable",
	"events/syscalls/sys_enter_getppid/filter",
	"events/syscalls/sys_enter_getppid/trigger",
	"events/syscalls/sys_exit_getppid/enable",
	"events/syscalls/sys_exit_getppid/filter",
};

static char *foreign_state(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *s = open_memstream(&text, &len);

	cr_assert(s);
	for (size_t i = 0; i < sizeof(foreign_files) / sizeof(foreign_files[0]); i++)
		snap_file(s, foreign_dir, foreign_files[i]);
	fclose(s);
	return text;
}

static void assert_foreign_kept(const char *when, const char *before)
{
	char *now = foreign_state();

	assert_same_state(when, before, now);
	free(now);
}

/*
 * Instances of earlier runs of this suite that were killed before their fini could run (a
 * Criterion timeout kills the test process): foreign_<PID> of a PID that is gone.
 */
static void reap_dead_foreign(void)
{
	char path[PATH_MAX * 2];
	struct dirent *d;
	DIR *dd;

	snprintf(path, sizeof(path), "%s/instances", sys_tracefs_dir());
	dd = opendir(path);
	if (!dd)
		return;
	while ((d = readdir(dd))) {
		char proc[64];
		int pid;

		if (sscanf(d->d_name, "foreign_%d", &pid) != 1 || pid <= 0)
			continue;
		snprintf(proc, sizeof(proc), "/proc/%d", pid);
		if (!access(proc, F_OK))
			continue;
		snprintf(path, sizeof(path), "%s/instances/%s", sys_tracefs_dir(), d->d_name);
		if (rmdir(path))
			cr_log_warn("cannot remove the stale instance %s: %s", path,
				    strerror(errno));
		else
			cr_log_info("removed the stale instance %s", path);
	}
	closedir(dd);
}

/*
 * An ftrace instance of our own, as another tracer would set one up: the getppid enter
 * and exit events of pids a and b enabled, each with a filter.  Not named "rawtrace*", so
 * rawtrace has no business touching it.
 */
static void foreign_create(pid_t a, pid_t b)
{
	char path[PATH_MAX * 2], filter[128];

	reap_dead_foreign();
	snprintf(foreign_dir, sizeof(foreign_dir), "%s/instances/foreign_%d", sys_tracefs_dir(),
		 (int)getpid());
	cr_assert(!mkdir(foreign_dir, 0755), "mkdir %s: %s", foreign_dir, strerror(errno));
	/* big enough that no record of the test is overwritten (overwrite mode drops the oldest) */
	snprintf(path, sizeof(path), "%s/buffer_size_kb", foreign_dir);
	write_file(path, "4096");
	snprintf(filter, sizeof(filter), "common_pid == %d || common_pid == %d", (int)a, (int)b);
	for (int i = 0; i < 2; i++) {
		const char *ev = i ? "sys_exit_getppid" : "sys_enter_getppid";

		snprintf(path, sizeof(path), "%s/events/syscalls/%s/filter", foreign_dir, ev);
		write_file(path, filter);
		snprintf(path, sizeof(path), "%s/events/syscalls/%s/enable", foreign_dir, ev);
		write_file(path, "1");
	}
	snprintf(path, sizeof(path), "%s/tracing_on", foreign_dir);
	write_file(path, "1");
}

/* Lines of the instance's trace from process pid that contain needle. */
static int foreign_count(const char *trace, pid_t pid, const char *needle)
{
	char who[32];
	int n = 0;

	snprintf(who, sizeof(who), "-%d ", (int)pid);
	for (const char *l = trace; *l;) {
		const char *e = strchrnul(l, '\n');
		size_t len = (size_t)(e - l);

		if (*l != '#' && memmem(l, len, who, strlen(who)) &&
		    memmem(l, len, needle, strlen(needle)))
			n++;
		l = *e ? e + 1 : e;
	}
	return n;
}

/* ---- output parsing --------------------------------------------------------------------- */

/* syscount -P: the COUNT of pid's row ("PID COMM COUNT"), or -1. */
static long row_of_pid(const char *out, pid_t pid)
{
	for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char comm[64];
		long count;
		int p;

		if (sscanf(l, "%d %63s %ld", &p, comm, &count) == 3 && p == pid)
			return count;
	}
	return -1;
}

/* Number of lines of text that end with suffix. */
static int count_lines_ending(const char *text, const char *suffix)
{
	size_t sl = strlen(suffix);
	int n = 0;

	for (const char *l = text; l && *l;) {
		const char *e = strchrnul(l, '\n');

		n += (size_t)(e - l) >= sl && !memcmp(e - sl, suffix, sl);
		l = *e ? e + 1 : e;
	}
	return n;
}

/* trace on rt_workload_named "i=%d name=%s": every call exactly once, nothing else. */
static void assert_named_lines(const struct proc *t, const char *what, int n)
{
	char want[96];

	cr_assert_eq(count_lines_matching(t->out, "rt_workload_named"), n, "%s:\n%s", what, t->out);
	for (int i = 0; i < n; i++) {
		snprintf(want, sizeof(want), " rt_workload_named i=%d name=item-%d", i, i);
		cr_assert_eq(count_lines_ending(t->out, want), 1, "%s: not once '%s':\n%s", what,
			     want, t->out);
	}
}

static char *named_spec(void)
{
	static char spec[512];

	/* a string argument: only a kernel fetch-arg can get it, so a tracefs group is used */
	snprintf(spec, sizeof(spec), "%s:rt_workload_named \"i=%%d name=%%s\", arg1, arg2",
		 WORKLOAD_BIN);
	return spec;
}

/* ---- concurrency: identical tools ------------------------------------------------------ */

Test(concurrency, two_identical_syscount_on_one_process)
{
	struct proc *w, *t[2];
	char pidbuf[16], *before;
	pid_t pid;

	need_root_tracefs();
	before = global_state();
	w = start_wl("getppid", "20000", NULL, &pid);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	for (int i = 0; i < 2; i++)
		t[i] = start_tool(NULL, "syscount", "-p", pidbuf, NULL);
	for (int i = 0; i < 2; i++)
		wait_banner(t[i], B_SYSCOUNT);
	cr_assert_eq(run_workload(w), 0, "workload failed");
	stop_all(t, 2, SIGINT);
	for (int i = 0; i < 2; i++) {
		assert_clean_exit(t[i], "syscount");
		cr_assert_eq(count_after(t[i]->out, "getppid"), 20000, "syscount #%d:\n%s", i,
			     t[i]->out);
		cr_log_info("syscount #%d: getppid %ld", i, count_after(t[i]->out, "getppid"));
	}
	assert_state_kept("after two syscount", before);
	assert_nothing_left_by_our_runs();
	free(before);
}

Test(concurrency, four_identical_system_wide_syscount_per_process)
{
	struct proc *w, *t[4];
	pid_t pid;

	need_root_tracefs();
	w = start_wl("fail", "6000", "500", &pid);
	/*
	 * System-wide, so rows of other processes may appear; only our workload's counts.
	 * close() failing with EBADF, filtered in the kernel: a getppid storm of a benchmark
	 * running meanwhile never reaches the rings, and our own 500 getppid() must not count.
	 */
	for (int i = 0; i < 4; i++)
		t[i] =
		    start_tool(NULL, "syscount", "-P", "--syscall", "close", "-e", "EBADF", NULL);
	for (int i = 0; i < 4; i++)
		wait_banner(t[i], B_SYSCOUNT);
	cr_assert_eq(run_workload(w), 0, "workload failed");
	stop_all(t, 4, SIGINT);
	for (int i = 0; i < 4; i++) {
		assert_clean_exit(t[i], "syscount -P");
		cr_assert_eq(row_of_pid(t[i]->out, pid), 6000, "syscount #%d, pid %d:\n%s", i,
			     (int)pid, t[i]->out);
	}
	assert_nothing_left_by_our_runs();
}

Test(concurrency, four_identical_trace_uprobes_each_own_their_group)
{
	struct proc *w, *t[4];
	char pidbuf[16], *before;
	pid_t pid, tp[4];

	need_root_tracefs();
	before = global_state();
	w = start_wl("named", "300", NULL, &pid);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	for (int i = 0; i < 4; i++) {
		t[i] = start_tool(NULL, "trace", "-p", pidbuf, named_spec(), NULL);
		tp[i] = t[i]->pid;
	}
	for (int i = 0; i < 4; i++)
		wait_banner(t[i], B_TRACE);
	/* four groups, one per run, named after the run: none shares or reuses another's */
	for (int i = 0; i < 4; i++)
		cr_assert(probe_group_exists("trace", tp[i]),
			  "no group rawtrace_trace_%d while it runs", (int)tp[i]);
	assert_state_kept("while four trace run", before);
	cr_assert_eq(run_workload(w), 0, "workload failed");
	stop_all(t, 4, SIGINT);
	for (int i = 0; i < 4; i++) {
		assert_clean_exit(t[i], "trace");
		assert_named_lines(t[i], "trace", 300);
		cr_assert(!probe_group_exists("trace", tp[i]), "group of trace %d left behind",
			  (int)tp[i]);
	}
	assert_state_kept("after four trace", before);
	assert_nothing_left_by_our_runs();
	free(before);
}

Test(concurrency, four_identical_funccount_uprobes_pmu_and_tracefs)
{
	struct proc *w, *t[4];
	char pidbuf[16], pattern[512], *before;
	pid_t pid, tp[4];

	need_root_tracefs();
	before = global_state();
	snprintf(pattern, sizeof(pattern), "%s:rt_workload_*", WORKLOAD_BIN);
	w = start_wl("func", "777", "333", &pid);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	/* two through the uprobe PMU, two through uprobe_events: the same functions four times */
	for (int i = 0; i < 4; i++) {
		t[i] = start_tool(i & 1 ? force_tracefs : NULL, "funccount", "-p", pidbuf, pattern,
				  NULL);
		tp[i] = t[i]->pid;
	}
	for (int i = 0; i < 4; i++)
		wait_banner(t[i], B_COUNT);
	for (int i = 1; i < 4; i += 2)
		cr_assert(probe_group_exists("funccount", tp[i]), "no group rawtrace_funccount_%d",
			  (int)tp[i]);
	assert_state_kept("while four funccount run", before);
	cr_assert_eq(run_workload(w), 0, "workload failed");
	stop_all(t, 4, SIGINT);
	for (int i = 0; i < 4; i++) {
		assert_clean_exit(t[i], "funccount");
		cr_assert_eq(count_after(t[i]->out, "rt_workload_target"), 777,
			     "funccount #%d:\n%s", i, t[i]->out);
		cr_assert_eq(count_after(t[i]->out, "rt_workload_other"), 333, "funccount #%d:\n%s",
			     i, t[i]->out);
		cr_assert(!probe_group_exists("funccount", tp[i]),
			  "group of funccount %d left behind", (int)tp[i]);
	}
	assert_state_kept("after four funccount", before);
	assert_nothing_left_by_our_runs();
	free(before);
}

/* execsnoop rows "COMM PID PPID RET ARGS" of children of ppid with this comm and ret. */
static int exec_rows(const char *out, pid_t ppid, const char *comm, int ret)
{
	int n = 0;

	for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char c[32];
		int pid, pp, r;

		if (sscanf(l, "%31s %d %d %d", c, &pid, &pp, &r) == 4 && pp == ppid && r == ret &&
		    !strcmp(c, comm))
			n++;
	}
	return n;
}

Test(concurrency, two_identical_execsnoop_on_one_parent)
{
	char *wargv[] = { WL_EXEC, "5", NULL };
	struct proc *w, *t[2];
	char pidbuf[16];
	pid_t pid;

	need_root_tracefs();
	w = start_workload(wargv, &pid);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	for (int i = 0; i < 2; i++)
		t[i] = start_tool(NULL, "execsnoop", "-x", "-P", pidbuf, NULL);
	for (int i = 0; i < 2; i++)
		wait_banner(t[i], B_EXEC);
	cr_assert_eq(run_workload(w), 0, "wl_exec failed: %s", w->err ? w->err : "");
	stop_all(t, 2, SIGINT);
	for (int i = 0; i < 2; i++) {
		assert_clean_exit(t[i], "execsnoop");
		/* 5 rounds of: two execs of /bin/true, one of a missing file (-ENOENT) */
		cr_assert_eq(exec_rows(t[i]->out, pid, "true", 0), 10, "execsnoop #%d:\n%s", i,
			     t[i]->out);
		cr_assert_eq(exec_rows(t[i]->out, pid, "wl_exec", -2), 5, "execsnoop #%d:\n%s", i,
			     t[i]->out);
		cr_assert_eq(count_lines(t[i]->out), 16, "execsnoop #%d, other rows:\n%s", i,
			     t[i]->out);
	}
	assert_nothing_left_by_our_runs();
}

/* ---- concurrency: different tools ------------------------------------------------------ */

/* wl_rw's calls in order (see wl_rw.c): direction and BYTES; the last is on fd -1. */
static const struct {
	char dir;
	const char *bytes;
} rw_calls[] = {
	{ 'W', "100" }, { 'W', "100" }, { 'W', "100" }, { 'W', "100" }, { 'W', "100" },
	{ 'W', "100" }, { 'W', "100" }, { 'W', "300" }, { 'W', "4096" }, { 'W', "4096" },
	{ 'W', "4096" }, { 'W', "100" }, { 'R', "5000" }, { 'R', "1024" }, { 'R', "3000" },
	{ 'R', "8192" }, { 'R', "1196" }, { 'R', "0" }, { 'R', "-EBADF" },
};
#define RW_NCALLS (int)(sizeof(rw_calls) / sizeof(rw_calls[0]))

/* rwsnoop -p <wl_rw linger>: exactly wl_rw's calls, in order, on its file. */
static void assert_rw_lines(const char *out, pid_t pid, const char *path)
{
	int i = 0, fd = -2;

	for (const char *l = strchr(out, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
		char comm[32], dir[4], bytes[32], file[300];
		int p, lfd;
		double lat;

		if (sscanf(l + 1, "%d %31s %d %3s %31s %lf %299s", &p, comm, &lfd, dir, bytes, &lat,
			   file) != 7)
			continue;
		cr_assert_eq(p, pid, "another process in rwsnoop -p: %.80s", l + 1);
		cr_assert(i < RW_NCALLS, "more lines than calls:\n%s", out);
		if (fd == -2)
			fd = lfd;
		cr_assert_eq(lfd, i == RW_NCALLS - 1 ? -1 : fd, "line %d: %.80s\n%s", i, l + 1,
			     out);
		cr_assert(dir[0] == rw_calls[i].dir && !strcmp(bytes, rw_calls[i].bytes),
			  "line %d: %.80s\n%s", i, l + 1, out);
		cr_assert_str_eq(file, i == RW_NCALLS - 1 ? "?" : path, "line %d: %.80s", i, l + 1);
		i++;
	}
	cr_assert_eq(i, RW_NCALLS, "%d lines for %d calls:\n%s", i, RW_NCALLS, out);
}

Test(concurrency, four_different_tools_at_once)
{
	char *rwargv[] = { WL_RW, "linger", NULL };
	struct proc *w, *rw, *t[4];
	char pidbuf[16], rwpid[16], pattern[512], path[256], *before;
	static const struct {
		const char *name;
		long n;
	} rw_counts[] = {
		{ "write", 7 }, { "writev", 1 }, { "pwrite64", 3 }, { "pwritev", 1 },
		{ "pread64", 1 }, { "preadv", 1 }, { "readv", 1 }, { "read", 4 },
	};
	pid_t pid, rpid;
	int p;

	need_root_tracefs();
	before = global_state();
	w = start_wl("named", "300", NULL, &pid);
	rw = start_workload(rwargv, &rpid);
	cr_assert_eq(sscanf(rw->out, "%d %255s", &p, path), 2, "wl_rw said: %s", rw->out);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	snprintf(rwpid, sizeof(rwpid), "%d", (int)rpid);
	snprintf(pattern, sizeof(pattern), "%s:rt_workload_named", WORKLOAD_BIN);
	/* uprobes (PMU and a tracefs group) on one process, syscall tracepoints on another */
	t[0] = start_tool(NULL, "funccount", "-p", pidbuf, pattern, NULL);
	t[1] = start_tool(NULL, "trace", "-p", pidbuf, named_spec(), NULL);
	t[2] = start_tool(NULL, "syscount", "-T", "40", "-p", rwpid, NULL);
	t[3] = start_tool(NULL, "rwsnoop", "-p", rwpid, NULL);
	wait_banner(t[0], B_COUNT);
	wait_banner(t[1], B_TRACE);
	wait_banner(t[2], B_SYSCOUNT);
	wait_banner(t[3], B_RW);
	cr_assert(probe_group_exists("trace", t[1]->pid), "trace has no tracefs group of its own");
	assert_state_kept("while four tools run", before);
	/* both at once */
	kill(rw->pid, SIGUSR1);
	cr_assert_eq(run_workload(w), 0, "workload failed");
	cr_assert_eq(wait_workload(rw), 0, "wl_rw failed: %s", rw->err ? rw->err : "");
	stop_all(t, 4, SIGINT);
	assert_clean_exit(t[0], "funccount");
	assert_clean_exit(t[1], "trace");
	assert_clean_exit(t[2], "syscount");
	assert_clean_exit(t[3], "rwsnoop");
	cr_assert_eq(count_after(t[0]->out, "rt_workload_named"), 300, "funccount:\n%s", t[0]->out);
	assert_named_lines(t[1], "trace", 300);
	for (size_t i = 0; i < sizeof(rw_counts) / sizeof(rw_counts[0]); i++)
		cr_assert_eq(count_after(t[2]->out, rw_counts[i].name), rw_counts[i].n,
			     "syscount %s:\n%s", rw_counts[i].name, t[2]->out);
	assert_rw_lines(t[3]->out, rpid, path);
	assert_state_kept("after four tools", before);
	assert_nothing_left_by_our_runs();
	free(before);
}

/* One open wl_open reports: "E pid tid fd err flags kind path". */
struct open_call {
	int pid, fd, err;
	char kind[16], path[128];
};

Test(concurrency, four_different_tools_on_the_same_openat_events)
{
	char *wargv[] = { WL_OPEN, "200", "0", "50", NULL };
	char pidbuf[16], *before,
	    exit_spec[] = "t:syscalls:sys_exit_openat (args->ret < 0) \"%d\", args->ret";
	struct open_call *calls = calloc(1000, sizeof(*calls));
	int ncalls = 0, nfail = 0, lines = 0;
	struct proc *w, *t[4];
	pid_t pid;

	need_root_tracefs();
	cr_assert(calls);
	before = global_state();
	w = start_workload(wargv, &pid);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	/* four tools, all on openat of one process, two of them with kernel filters */
	t[0] = start_tool(NULL, "opensnoop", "-p", pidbuf, NULL);
	t[1] = start_tool(NULL, "syscount", "--syscall", "openat", "-p", pidbuf, NULL);
	t[2] = start_tool(NULL, "funccount", "-p", pidbuf, "t:syscalls:sys_enter_openat", NULL);
	t[3] = start_tool(NULL, "trace", "-p", pidbuf, exit_spec, NULL);
	wait_banner(t[0], B_OPEN);
	wait_banner(t[1], B_SYSCOUNT);
	wait_banner(t[2], B_COUNT);
	wait_banner(t[3], B_TRACE);
	cr_assert_eq(run_workload(w), 0, "wl_open failed: %s", w->err ? w->err : "");
	stop_all(t, 4, SIGINT);
	for (int i = 0; i < 4; i++)
		assert_clean_exit(t[i], "tool on openat");

	for (const char *l = w->out; l && *l && ncalls < 1000;
	     l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		struct open_call *c = &calls[ncalls];
		int tid;
		long flags;

		if (sscanf(l, "E %d %d %d %d %ld %15s %127s", &c->pid, &tid, &c->fd, &c->err,
			   &flags, c->kind, c->path) == 7) {
			nfail += c->err != 0;
			ncalls++;
		}
	}
	cr_assert_eq(ncalls, 250, "wl_open listed %d calls:\n%s", ncalls, w->out);
	cr_assert(nfail > 0 && nfail < 250, "nfail %d", nfail);

	cr_assert_eq(count_after(t[1]->out, "openat"), 250, "syscount:\n%s", t[1]->out);
	cr_assert_eq(count_after(t[2]->out, "syscalls:sys_enter_openat"), 250, "funccount:\n%s",
		     t[2]->out);
	/* every failure is ENOENT; the kernel filter lets nothing else through */
	cr_assert_eq(count_lines_matching(t[3]->out, "sys_exit_openat"), nfail, "trace:\n%s",
		     t[3]->out);
	cr_assert_eq(count_lines_ending(t[3]->out, " -2"), nfail, "trace:\n%s", t[3]->out);

	/*
	 * opensnoop: one line per call.  A path it shows unmarked must be exactly right; a
	 * "? " marked path is allowed only for the raw syscalls (see test_open.c).
	 */
	for (const char *l = strchr(t[0]->out, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
		char comm[32], path[256];
		int p, fd, err, off = 0, found = 0;
		bool marked;

		if (sscanf(l + 1, "%d %31s %d %d %n", &p, comm, &fd, &err, &off) != 4 || !off)
			continue;
		cr_assert_eq(p, pid, "another process in opensnoop -p: %.100s", l + 1);
		snprintf(path, sizeof(path), "%.*s", (int)strcspn(l + 1 + off, "\n"), l + 1 + off);
		marked = !strncmp(path, "? ", 2);
		lines++;
		for (int i = 0; i < ncalls; i++) {
			const struct open_call *c = &calls[i];

			if (c->fd != fd || c->err != err)
				continue;
			if (marked ? !strcmp(c->kind, "raw") : !strcmp(c->path, path))
				found++;
		}
		cr_assert(found > 0, "opensnoop line matches no call: %.100s", l + 1);
	}
	cr_assert_eq(lines, 250, "opensnoop printed %d lines for 250 calls:\n%s", lines, t[0]->out);
	for (int i = 0; i < ncalls; i++) {
		char want[200];

		if (!strcmp(calls[i].kind, "raw"))
			continue;
		snprintf(want, sizeof(want), " %s", calls[i].path);
		cr_assert_eq(count_lines_ending(t[0]->out, want), 1,
			     "%s() of %s not shown exactly once:\n%s", calls[i].kind, calls[i].path,
			     t[0]->out);
	}
	free(calls);
	assert_state_kept("after four tools on openat", before);
	assert_nothing_left_by_our_runs();
	free(before);
}

/* ---- coexistence with other tracers ---------------------------------------------------- */

Test(concurrency, foreign_instance_sees_exact_events_and_keeps_its_settings)
{
	char pidbuf[16], *before, *fbefore, *trace, path[PATH_MAX + 16];
	char exit_spec[] = "t:syscalls:sys_exit_getppid (args->ret > 0) \"%d\", args->ret";
	struct proc *w1, *w2, *t[4];
	pid_t p1, p2;

	need_root_tracefs();
	before = global_state();
	w1 = start_wl("getppid", "2000", NULL, &p1);
	w2 = start_wl("getppid", "1000", NULL, &p2);
	foreign_create(p1, p2);
	fbefore = foreign_state();
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)p1);
	/* the same two events the instance records, with kernel filters of rawtrace's own */
	t[0] = start_tool(NULL, "syscount", "--syscall", "getppid", "-p", pidbuf, NULL);
	t[1] = start_tool(NULL, "funccount", "-p", pidbuf, "t:syscalls:sys_enter_getppid", NULL);
	t[2] = start_tool(NULL, "trace", "-p", pidbuf, exit_spec, NULL);
	t[3] = start_tool(NULL, "syscount", "-L", "--syscall", "getppid", "-p", pidbuf, NULL);
	wait_banner(t[0], B_SYSCOUNT);
	wait_banner(t[1], B_COUNT);
	wait_banner(t[2], B_TRACE);
	wait_banner(t[3], B_SYSCOUNT);
	assert_state_kept("while rawtrace runs", before);
	assert_foreign_kept("foreign instance while rawtrace runs", fbefore);
	cr_assert_eq(run_workload(w1), 0, "workload 1 failed");
	stop_all(t, 4, SIGINT);
	for (int i = 0; i < 4; i++)
		assert_clean_exit(t[i], "rawtrace next to a foreign instance");
	cr_assert_eq(count_after(t[0]->out, "getppid"), 2000, "syscount:\n%s", t[0]->out);
	cr_assert_eq(count_after(t[1]->out, "syscalls:sys_enter_getppid"), 2000, "funccount:\n%s",
		     t[1]->out);
	cr_assert_eq(count_lines_matching(t[2]->out, "sys_exit_getppid"), 2000,
		     "trace printed %d lines", count_lines_matching(t[2]->out, "sys_exit_getppid"));
	cr_assert_eq(count_after(t[3]->out, "getppid"), 2000, "syscount -L:\n%s", t[3]->out);
	/* rawtrace is gone: the instance must still be set up as it was, and still record */
	assert_state_kept("after rawtrace exited", before);
	assert_foreign_kept("foreign instance after rawtrace exited", fbefore);
	assert_nothing_left_by_our_runs();
	cr_assert_eq(run_workload(w2), 0, "workload 2 failed");

	snprintf(path, sizeof(path), "%s/trace", foreign_dir);
	trace = read_all(path);
	cr_assert(trace, "cannot read %s", path);
	cr_log_info(
	    "foreign instance: %d/%d enter, %d/%d exit of workload 1, %d/%d, %d/%d of workload 2",
	    foreign_count(trace, p1, "sys_getppid()"), 2000,
	    foreign_count(trace, p1, "sys_getppid ->"), 2000,
	    foreign_count(trace, p2, "sys_getppid()"), 1000,
	    foreign_count(trace, p2, "sys_getppid ->"), 1000);
	cr_assert_eq(foreign_count(trace, p1, "sys_getppid()"), 2000,
		     "enter events of workload 1 in the instance");
	cr_assert_eq(foreign_count(trace, p1, "sys_getppid ->"), 2000,
		     "exit events of workload 1 in the instance");
	cr_assert_eq(foreign_count(trace, p2, "sys_getppid()"), 1000,
		     "enter events of workload 2 in the instance");
	cr_assert_eq(foreign_count(trace, p2, "sys_getppid ->"), 1000,
		     "exit events of workload 2 in the instance");
	/* the instance's filter let nothing else in */
	cr_assert_eq(count_lines_matching(trace, "sys_getppid"), 6000,
		     "other lines in the instance");
	free(trace);
	assert_foreign_kept("foreign instance at the end", fbefore);
	remove_foreign();
	free(before);
	free(fbefore);
}

/* perf stat's CSV line "COUNT,,EVENT,...": COUNT, or -1 without one. */
static long perf_count(const char *text, const char *event)
{
	char needle[128];

	snprintf(needle, sizeof(needle), ",%s,", event);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *hit = strstr(l, needle), *eol = strchrnul(l, '\n');

		if (hit && hit < eol && (*l >= '0' && *l <= '9'))
			return strtol(l, NULL, 10);
	}
	return -1;
}

Test(concurrency, perf_stat_counts_exactly_next_to_rawtrace)
{
	char *probe[] = { PERF_BIN, "stat", "-x,", "-e", "syscalls:sys_enter_getppid",
			  "--", "/bin/true", NULL };
	char *perf_argv[] = { PERF_BIN, "stat", "-x,", "-D", "1", "-e",
			      "syscalls:sys_enter_getppid,syscalls:sys_exit_getppid", "-p", NULL,
			      NULL };
	char pidbuf[16], pids[40], *before;
	struct proc *w1, *w2, *perf, *t[3];
	struct cmd_result r;
	pid_t p1, p2;

	need_root_tracefs();
	if (access(PERF_BIN, X_OK))
		cr_skip_test("no %s: cannot run perf stat next to rawtrace", PERF_BIN);
	/* Debian's perf is a wrapper that fails when no perf matches the running kernel */
	cr_assert_eq(run_cmd(probe, &r, 30), 0);
	if (r.status != 0) {
		cmd_result_log("perf stat probe", &r);
		cr_skip_test("%s cannot count syscalls:sys_enter_getppid here (exit %d)", PERF_BIN,
			     r.status);
	}
	cmd_result_free(&r);

	before = global_state();
	w1 = start_wl("getppid", "4000", NULL, &p1);
	w2 = start_wl("getppid", "3000", NULL, &p2);
	snprintf(pids, sizeof(pids), "%d,%d", (int)p1, (int)p2);
	perf_argv[8] = pids;
	perf = start(perf_argv, NULL);
	/* -D 1: perf says "Events enabled" once it counts (there is no other banner) */
	cr_assert(wait_text(perf, "Events enabled", true, 30), "perf stat did not start:\n%s",
		  perf->err ? perf->err : "");
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)p1);
	t[0] = start_tool(NULL, "syscount", "--syscall", "getppid", "-p", pidbuf, NULL);
	t[1] = start_tool(NULL, "funccount", "-p", pidbuf, "t:syscalls:sys_exit_getppid", NULL);
	t[2] = start_tool(NULL, "syscount", "--syscall", "getppid", "-p", pidbuf, NULL);
	wait_banner(t[0], B_SYSCOUNT);
	wait_banner(t[1], B_COUNT);
	wait_banner(t[2], B_SYSCOUNT);
	cr_assert_eq(run_workload(w1), 0, "workload 1 failed");
	stop_all(t, 3, SIGINT);
	for (int i = 0; i < 3; i++)
		assert_clean_exit(t[i], "rawtrace next to perf stat");
	cr_assert_eq(count_after(t[0]->out, "getppid"), 4000, "syscount:\n%s", t[0]->out);
	cr_assert_eq(count_after(t[1]->out, "syscalls:sys_exit_getppid"), 4000, "funccount:\n%s",
		     t[1]->out);
	cr_assert_eq(count_after(t[2]->out, "getppid"), 4000, "syscount:\n%s", t[2]->out);
	/* rawtrace has exited; perf must go on counting, undisturbed by its teardown */
	cr_assert_eq(run_workload(w2), 0, "workload 2 failed");
	proc_finish(perf, SIGINT, 30);
	cr_log_info("perf stat: %s", perf->err ? perf->err : "");
	cr_assert_eq(perf_count(perf->err, "syscalls:sys_enter_getppid"), 7000, "perf stat:\n%s",
		     perf->err);
	cr_assert_eq(perf_count(perf->err, "syscalls:sys_exit_getppid"), 7000, "perf stat:\n%s",
		     perf->err);
	assert_state_kept("after rawtrace and perf", before);
	assert_nothing_left_by_our_runs();
	free(before);
}

/* ---- global state: every tool at once ---------------------------------------------------- */

Test(concurrency, no_tool_changes_global_tracing_state)
{
	char pidbuf[16], pattern[512], stackpat[512], argspec[512], *before;
	struct proc *w, *t[11];
	const char *banner[11];
	pid_t pid;
	int n = 0;

	need_root_tracefs();
	before = global_state();
	w = start_wl("named", "200", NULL, &pid);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	snprintf(pattern, sizeof(pattern), "%s:rt_workload_named", WORKLOAD_BIN);
	snprintf(stackpat, sizeof(stackpat), "%s:rt_workload_named", WORKLOAD_BIN);
	snprintf(argspec, sizeof(argspec), "p:%s:rt_workload_named(int idx):int:idx & 1",
		 WORKLOAD_BIN);
#define TOOL(env, b, ...)                                            \
	do {                                                         \
		banner[n] = b;                                       \
		t[n++] = start_tool(env, __VA_ARGS__, NULL);         \
	} while (0)
	TOOL(NULL, B_SYSCOUNT, "syscount", "-p", pidbuf);
	TOOL(force_tracefs, B_COUNT, "funccount", "-p", pidbuf, pattern);
	TOOL(NULL, B_TRACE, "trace", "-p", pidbuf, named_spec());
	TOOL(NULL, B_COUNT, "stackcount", "-p", pidbuf, stackpat);
	TOOL(force_tracefs, B_ARGDIST, "argdist", "-i", "1", "-p", pidbuf, "-C", argspec);
	TOOL(NULL, B_OPEN, "opensnoop", "-p", pidbuf);
	TOOL(NULL, B_RW, "rwsnoop", "-p", pidbuf);
	TOOL(NULL, B_EXEC, "execsnoop", "-P", pidbuf);
	TOOL(NULL, B_BIO, "biosnoop");
	TOOL(NULL, B_COUNT, "biolatency");
	TOOL(NULL, B_COUNT, "bitesize");
#undef TOOL
	for (int i = 0; i < n; i++)
		wait_banner(t[i], banner[i]);
	assert_state_kept("while eleven tools run", before);
	cr_assert_eq(run_workload(w), 0, "workload failed");
	stop_all(t, n, SIGINT);
	for (int i = 0; i < n; i++)
		cr_assert_eq(t[i]->status, 0, "tool %d (%s) exit %d:\n%s", i, banner[i],
			     t[i]->status, t[i]->err ? t[i]->err : "");
	cr_assert_eq(count_after(t[1]->out, "rt_workload_named"), 200, "funccount:\n%s", t[1]->out);
	assert_named_lines(t[2], "trace", 200);
	/* one stack, all 200 calls */
	cr_assert(has_line(t[3]->out, "    200"), "stackcount:\n%s", t[3]->out);
	/* the workload opens, reads, writes and execs nothing once released: headers only */
	for (int i = 5; i < 8; i++)
		cr_assert_eq(count_lines(t[i]->out), 1, "%s printed more than its header:\n%s",
			     banner[i], t[i]->out);
	assert_state_kept("after eleven tools", before);
	assert_nothing_left_by_our_runs();
	free(before);
}
