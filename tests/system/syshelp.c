// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * syshelp: run commands with captured output and a hard timeout, decide whether a system
 * test can run here (root, tracefs), and inspect tracefs for state a rawtrace run failed
 * to remove.  Written against libc and procfs only, independent of src/core, so that the
 * tests judge the shipped code instead of sharing its mistakes.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tests/system/syshelp.h"

#ifndef RAWTRACE_BIN
#error "RAWTRACE_BIN must be defined by the build (absolute path of the rawtrace binary)"
#endif
#ifndef WORKLOAD_BIN
#error "WORKLOAD_BIN must be defined by the build (absolute path of tests/system/workload)"
#endif

#define DEFAULT_TRACEFS "/sys/kernel/tracing"

/* ---- growing buffers ------------------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
};

static int buf_reserve(struct buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->len + more + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

/* Never leave a NULL string behind: tests strstr() the results unconditionally. */
static char *buf_take(struct buf *b, size_t *len)
{
	char *p = b->p;

	if (!p)
		p = calloc(1, 1);
	else
		p[b->len] = '\0';
	if (len)
		*len = p ? b->len : 0;
	memset(b, 0, sizeof(*b));
	return p;
}

/* ---- running commands -------------------------------------------------------------- */

struct cmd_proc {
	pid_t pid;
	int fd[2];          /* stdout, stderr read ends; -1 once at EOF */
	struct buf data[2];
	bool exited;
	int wstatus;
	struct timespec start;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double since(const struct timespec *t0)
{
	return now_s() - ((double)t0->tv_sec + (double)t0->tv_nsec / 1e9);
}

/* In the child: never returns. */
static void child_exec(char *const argv[], char *const env[], int out, int err)
{
	sigset_t none;
	int null;

	/* A group of its own, so a timeout can kill whatever it started as well. */
	setpgid(0, 0);
	null = open("/dev/null", O_RDONLY);
	if (null >= 0 && null != 0) {
		dup2(null, 0);
		close(null);
	}
	dup2(out, 1);
	dup2(err, 2);
	/* Criterion's handlers and masks must not leak into the command under test. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	for (; env && *env; env++) {
		char *eq = strchr(*env, '=');

		if (!eq) {
			unsetenv(*env);
		} else {
			char name[256];
			size_t n = (size_t)(eq - *env);

			if (n >= sizeof(name))
				continue;
			memcpy(name, *env, n);
			name[n] = '\0';
			setenv(name, eq + 1, 1);
		}
	}
	execvp(argv[0], argv);
	dprintf(2, "syshelp: cannot execute %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static struct cmd_proc *cmd_spawn(char *const argv[], char *const env[])
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, e;
	struct cmd_proc *p;

	if (!argv || !argv[0]) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC))
		goto fail;
	fflush(NULL); /* no buffered test output duplicated into the child */
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->pid = fork();
	if (p->pid < 0)
		goto fail;
	if (p->pid == 0)
		child_exec(argv, env, po[1], pe[1]);
	/* Also here, so the group exists before we might signal it. */
	setpgid(p->pid, p->pid);
	close(po[1]);
	close(pe[1]);
	p->fd[0] = po[0];
	p->fd[1] = pe[0];
	fcntl(p->fd[0], F_SETFL, O_NONBLOCK);
	fcntl(p->fd[1], F_SETFL, O_NONBLOCK);
	return p;
fail:
	e = errno;
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	free(p);
	errno = e;
	return NULL;
}

/* Read whatever is available on either pipe; close a pipe at EOF. */
static void drain(struct cmd_proc *p)
{
	for (int i = 0; i < 2; i++) {
		while (p->fd[i] >= 0) {
			ssize_t n;

			if (buf_reserve(&p->data[i], 65536))
				break;
			n = read(p->fd[i], p->data[i].p + p->data[i].len, 65536);
			if (n > 0) {
				p->data[i].len += (size_t)n;
				p->data[i].p[p->data[i].len] = '\0';
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				close(p->fd[i]);
				p->fd[i] = -1;
			} else if (errno == EAGAIN) {
				break;
			}
		}
	}
}

/* Wait up to ms for output, then collect it and reap the child if it has exited. */
static void pump(struct cmd_proc *p, int ms)
{
	struct pollfd pfd[2];
	int n = 0;

	for (int i = 0; i < 2; i++)
		if (p->fd[i] >= 0)
			pfd[n++] = (struct pollfd){ .fd = p->fd[i], .events = POLLIN };
	if (n)
		poll(pfd, (nfds_t)n, ms);
	else if (!p->exited)
		usleep((useconds_t)ms * 1000);
	drain(p);
	if (!p->exited && waitpid(p->pid, &p->wstatus, WNOHANG) == p->pid) {
		p->exited = true;
		/* What it wrote before exiting is all in the pipes now. */
		drain(p);
	}
}

static int remaining_ms(double deadline)
{
	double left = deadline - now_s();

	if (left <= 0)
		return 0;
	return left > 0.05 ? 50 : (int)(left * 1000) + 1;
}

/*
 * Wait for exit (SIGKILL to the group after timeout_s), move the output into r and free
 * p.  Always consumes p.  0, or -ENOMEM.
 */
static int cmd_finish(struct cmd_proc *p, struct cmd_result *r, double timeout_s)
{
	double deadline = now_s() + timeout_s;

	memset(r, 0, sizeof(*r));
	while (!p->exited && now_s() < deadline)
		pump(p, remaining_ms(deadline));
	if (!p->exited) {
		r->timed_out = true;
		kill(-p->pid, SIGKILL);
		kill(p->pid, SIGKILL);
		while (waitpid(p->pid, &p->wstatus, 0) < 0 && errno == EINTR)
			;
		p->exited = true;
		drain(p);
	}
	/*
	 * A grandchild may still hold the pipes open; what the command itself wrote is
	 * already read, so stop here instead of waiting for EOF.
	 */
	for (int i = 0; i < 2; i++)
		if (p->fd[i] >= 0)
			close(p->fd[i]);
	r->elapsed_s = since(&p->start);
	if (WIFEXITED(p->wstatus))
		r->status = WEXITSTATUS(p->wstatus);
	else if (WIFSIGNALED(p->wstatus))
		r->status = 128 + WTERMSIG(p->wstatus);
	else
		r->status = -1;
	r->out = buf_take(&p->data[0], &r->out_len);
	r->err = buf_take(&p->data[1], &r->err_len);
	free(p);
	return r->out && r->err ? 0 : -ENOMEM;
}

int run_cmd_env(char *const argv[], char *const env[], struct cmd_result *r, double timeout_s)
{
	struct cmd_proc *p = cmd_spawn(argv, env);
	int e;

	if (!p) {
		e = errno;
		memset(r, 0, sizeof(*r));
		r->out = calloc(1, 1);
		r->err = calloc(1, 1);
		r->status = -1;
		return -e;
	}
	return cmd_finish(p, r, timeout_s);
}

int run_cmd(char *const argv[], struct cmd_result *r, double timeout_s)
{
	return run_cmd_env(argv, NULL, r, timeout_s);
}

void cmd_result_free(struct cmd_result *r)
{
	if (!r)
		return;
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

void cmd_result_log(const char *what, const struct cmd_result *r)
{
	cr_log_info("%s: status %d%s after %.2fs\n--- stdout ---\n%s--- stderr ---\n%s", what,
		    r->status, r->timed_out ? " (timed out)" : "", r->elapsed_s,
		    r->out ? r->out : "", r->err ? r->err : "");
}

/* ---- environment ------------------------------------------------------------------- */

const char *rawtrace_bin(void)
{
	return RAWTRACE_BIN;
}

const char *workload_bin(void)
{
	return WORKLOAD_BIN;
}

static char tracefs[PATH_MAX];

/* A mounted tracefs from /proc/mounts, without mounting anything. */
static bool find_tracefs(void)
{
	char dev[256], mnt[PATH_MAX], type[64];
	bool found = false;
	FILE *f;

	if (tracefs[0])
		return true;
	f = fopen("/proc/mounts", "re");
	if (!f)
		return false;
	while (!found && fscanf(f, "%255s %4095s %63s %*[^\n]", dev, mnt, type) == 3) {
		if (strcmp(type, "tracefs"))
			continue;
		/* Prefer the canonical mount; the debugfs one may be shadowed or stale. */
		snprintf(tracefs, sizeof(tracefs), "%s", mnt);
		found = !strcmp(mnt, DEFAULT_TRACEFS);
	}
	fclose(f);
	return tracefs[0] != '\0';
}

const char *sys_tracefs_dir(void)
{
	return find_tracefs() ? tracefs : NULL;
}

bool need_root_tracefs(void)
{
	char events[PATH_MAX + 16];

	if (geteuid() != 0)
		cr_skip_test("needs root (running as uid %d)", (int)geteuid());
	if (!find_tracefs()) {
		if (mount("nodev", DEFAULT_TRACEFS, "tracefs", 0, NULL))
			cr_skip_test("tracefs is not mounted and mounting it at " DEFAULT_TRACEFS
				     " failed: %s", strerror(errno));
		snprintf(tracefs, sizeof(tracefs), "%s", DEFAULT_TRACEFS);
	}
	snprintf(events, sizeof(events), "%s/events", tracefs);
	if (access(events, R_OK | X_OK))
		cr_skip_test("tracefs at %s has no readable events/: %s", tracefs, strerror(errno));
	return true;
}

/* ---- loop devices ------------------------------------------------------------------ */

bool loop_image(char *img, size_t len, const char *name, int mib)
{
	int fd;

	snprintf(img, len, "/tmp/%s_%d.img", name, (int)getpid());
	fd = open(img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return false;
	if (ftruncate(fd, (off_t)mib << 20)) {
		close(fd);
		unlink(img);
		return false;
	}
	close(fd);
	return true;
}

/* Run losetup; with dev, it must print a device ("/dev/loopN\n"), which goes there. */
static bool losetup(char *const argv[], char *dev, size_t len)
{
	struct cmd_result r;
	bool ok = !run_cmd(argv, &r, 20) && !r.status && (!dev || !strncmp(r.out, "/dev/loop", 9));

	if (ok && dev)
		snprintf(dev, len, "%.*s", (int)strcspn(r.out, "\n"), r.out);
	cmd_result_free(&r);
	return ok;
}

bool loop_attach(const char *img, bool direct_io, char *dev, size_t len)
{
	char *ul[] = { "losetup", "-f", "--show", direct_io ? "--direct-io=on" : "--direct-io=off",
		       (char *)img, NULL };
	char *bb_find[] = { "losetup", "-f", NULL };
	char *bb_attach[] = { "losetup", dev, (char *)img, NULL };

	if (losetup(ul, dev, len))
		return true;
	if (!direct_io && losetup(bb_find, dev, len) && losetup(bb_attach, NULL, 0))
		return true;
	dev[0] = '\0'; /* not ours: loop_detach must leave it alone */
	return false;
}

void loop_detach(char *dev, char *img)
{
	char *del[] = { "losetup", "-d", dev, NULL };

	if (dev[0])
		losetup(del, NULL, 0);
	if (img[0])
		unlink(img);
	dev[0] = img[0] = '\0';
}

/* ---- leftover state ---------------------------------------------------------------- */

/* Whether /proc/PID/cmdline mentions rawtrace (a reused pid belongs to someone else). */
static bool rawtrace_alive(pid_t pid)
{
	char path[64], cmd[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, cmd, sizeof(cmd) - 1);
	close(fd);
	if (n <= 0)
		return false;
	for (ssize_t i = 0; i < n; i++)
		if (!cmd[i])
			cmd[i] = ' ';
	cmd[n] = '\0';
	return strstr(cmd, "rawtrace") != NULL;
}

/* "rawtrace_funccount_1234" of a live rawtrace: someone else's run, still in progress. */
static bool owned_by_live_run(const char *name, size_t len)
{
	size_t i = len;
	long pid;

	while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
		i--;
	if (i == len || i == 0 || name[i - 1] != '_' || len - i > 9)
		return false;
	pid = strtol(name + i, NULL, 10);
	return pid > 0 && rawtrace_alive((pid_t)pid);
}

static bool ours(const char *name, size_t len, const char *prefix)
{
	size_t pl = strlen(prefix);

	return len >= pl && !strncmp(name, prefix, pl) && !owned_by_live_run(name, len);
}

static char *read_file(const char *path)
{
	struct buf b = { 0 };
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	for (;;) {
		if (buf_reserve(&b, 65536))
			break;
		n = read(fd, b.p + b.len, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		b.len += (size_t)n;
	}
	close(fd);
	return buf_take(&b, NULL);
}

/* Probe definitions: "p:GROUP/EVENT target ..." one per line. */
static bool probes_file_has_ours(const char *file, char *why, size_t len)
{
	char path[PATH_MAX + 64], *text, *line, *save = NULL;
	bool found = false;

	snprintf(path, sizeof(path), "%s/%s", tracefs, file);
	text = read_file(path);
	if (!text)
		return false;
	for (line = strtok_r(text, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t tok = strcspn(line, " \t");
		const char *g = memchr(line, ':', tok), *slash;

		if (!g++ || !(slash = memchr(g, '/', tok - (size_t)(g - line))))
			continue;
		if (ours(g, (size_t)(slash - g), "rawtrace_")) {
			found = true;
			if (why)
				snprintf(why, len, "%s: %s", file, line);
		}
	}
	free(text);
	return found;
}

static bool is_one(const char *path)
{
	char *t = read_file(path);
	bool one = t && t[0] == '1';

	free(t);
	return one;
}

/* An enabled event in a rawtrace_ group. */
static bool enabled_events_ours(char *why, size_t len)
{
	char path[PATH_MAX * 2];
	struct dirent *g, *e;
	bool found = false;
	DIR *ev, *gd;

	snprintf(path, sizeof(path), "%s/events", tracefs);
	ev = opendir(path);
	if (!ev)
		return false;
	while (!found && (g = readdir(ev))) {
		if (!ours(g->d_name, strlen(g->d_name), "rawtrace_"))
			continue;
		snprintf(path, sizeof(path), "%s/events/%s", tracefs, g->d_name);
		gd = opendir(path);
		if (!gd)
			continue;
		while (!found && (e = readdir(gd))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/events/%s/%s/enable", tracefs, g->d_name,
				 e->d_name);
			if (is_one(path)) {
				found = true;
				if (why)
					snprintf(why, len, "event %s:%s is enabled", g->d_name,
						 e->d_name);
			}
		}
		closedir(gd);
	}
	closedir(ev);
	return found;
}

static bool instances_ours(char *why, size_t len)
{
	char path[PATH_MAX + 16];
	struct dirent *d;
	bool found = false;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/instances", tracefs);
	dir = opendir(path);
	if (!dir)
		return false;
	while (!found && (d = readdir(dir))) {
		if (ours(d->d_name, strlen(d->d_name), "rawtrace")) {
			found = true;
			if (why)
				snprintf(why, len, "instance %s exists", d->d_name);
		}
	}
	closedir(dir);
	return found;
}

bool tracefs_has_our_state(char *why, size_t len)
{
	static const char *const files[] = { "uprobe_events", "kprobe_events", "dynamic_events" };

	if (why && len)
		why[0] = '\0';
	if (!find_tracefs())
		return false;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (probes_file_has_ours(files[i], why, len))
			return true;
	return enabled_events_ours(why, len) || instances_ours(why, len);
}

/* ---- text -------------------------------------------------------------------------- */

int count_lines_matching(const char *text, const char *needle)
{
	size_t nlen = needle ? strlen(needle) : 0;
	int n = 0;

	if (!text)
		return 0;
	while (*text) {
		const char *end = strchrnul(text, '\n');
		size_t llen = (size_t)(end - text);

		if (!nlen || (llen >= nlen && memmem(text, llen, needle, nlen)))
			n++;
		text = *end ? end + 1 : end;
	}
	return n;
}

int count_lines(const char *text)
{
	return count_lines_matching(text, "");
}

bool has_line(const char *text, const char *line)
{
	size_t len = strlen(line);

	if (!text)
		return false;
	while (*text) {
		const char *end = strchrnul(text, '\n');

		if ((size_t)(end - text) == len && !memcmp(text, line, len))
			return true;
		text = *end ? end + 1 : end;
	}
	return false;
}
