// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * spawn: child processes with captured output for the system tests, with timeouts on
 * every wait so a broken tracer fails a test instead of hanging the suite.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <criterion/criterion.h>
#include "tests/system/spawn.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int proc_start(struct proc *p, char *const argv[], char *const env[])
{
	int o[2], e[2];

	memset(p, 0, sizeof(*p));
	p->pid = -1;
	if (pipe2(o, O_CLOEXEC) || pipe2(e, O_CLOEXEC))
		return -errno;
	p->pid = fork();
	if (p->pid < 0)
		return -errno;
	if (p->pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(o[1], 1);
		dup2(e[1], 2);
		for (int i = 0; env && env[i]; i++)
			putenv(env[i]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
	p->out_fd = o[0];
	p->err_fd = e[0];
	return 0;
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
	char *b = realloc(*buf, *len + n + 1);

	if (!b)
		return;
	memcpy(b + *len, data, n);
	*len += n;
	b[*len] = 0;
	*buf = b;
}

/* One poll round over both pipes; false when both are at EOF. */
static bool pump(struct proc *p, int timeout_ms)
{
	struct pollfd fds[2] = { { p->out_fd, POLLIN, 0 }, { p->err_fd, POLLIN, 0 } };
	char buf[65536];
	bool open = false;

	if (p->out_fd < 0 && p->err_fd < 0)
		return false;
	if (poll(fds, 2, timeout_ms) < 0 && errno != EINTR)
		return false;
	for (int i = 0; i < 2; i++) {
		int *fd = i ? &p->err_fd : &p->out_fd;
		ssize_t n;

		if (*fd < 0)
			continue;
		open = true;
		if (!(fds[i].revents & (POLLIN | POLLHUP)))
			continue;
		n = read(*fd, buf, sizeof(buf));
		if (n > 0)
			append(i ? &p->err : &p->out, i ? &p->err_len : &p->out_len, buf, (size_t)n);
		else if (n == 0) {
			close(*fd);
			*fd = -1;
		}
	}
	return open;
}

bool proc_wait_output(struct proc *p, const char *needle, double timeout_s)
{
	double end = now() + timeout_s;

	while (!(p->out && strstr(p->out, needle))) {
		if (now() > end || !pump(p, 50))
			return p->out && strstr(p->out, needle);
	}
	return true;
}

int proc_finish(struct proc *p, int sig, double timeout_s)
{
	double end = now() + timeout_s;
	int st;

	if (p->pid <= 0)
		return -1;
	if (sig)
		kill(p->pid, sig);
	while (pump(p, 50)) {
		if (now() > end) {
			kill(p->pid, SIGKILL);
			end += 5;
		}
	}
	while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
		;
	p->pid = -1;
	p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return p->status;
}

void proc_free(struct proc *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
	}
	if (p->out_fd > 0)
		close(p->out_fd);
	if (p->err_fd > 0)
		close(p->err_fd);
	free(p->out);
	free(p->err);
	memset(p, 0, sizeof(*p));
}

pid_t workload_start(struct proc *p, const char *mode, const char *a, const char *b)
{
	char *argv[] = { (char *)WORKLOAD_BIN, (char *)mode, (char *)a, (char *)b, NULL };

	if (proc_start(p, argv, NULL) || !proc_wait_output(p, "\n", 10))
		return -1;
	return (pid_t)atoi(p->out);
}

int workload_run(struct proc *p)
{
	kill(p->pid, SIGUSR1);
	return proc_finish(p, 0, 60);
}

long count_after(const char *text, const char *name)
{
	size_t n = strlen(name);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *q = l;

		while (*q == ' ' || *q == '\t')
			q++;
		if (!strncmp(q, name, n) && (q[n] == ' ' || q[n] == '\t'))
			return strtol(q + n, NULL, 10);
	}
	return -1;
}

bool probe_group_exists(const char *tool, pid_t pid)
{
	static const char *const files[] = { "/sys/kernel/tracing/uprobe_events",
					     "/sys/kernel/tracing/kprobe_events" };
	char want[128], line[1024];
	bool found = false;

	snprintf(want, sizeof(want), ":rawtrace_%s_%d/", tool, (int)pid);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]) && !found; i++) {
		FILE *f = fopen(files[i], "r");

		if (!f)
			continue;
		while (!found && fgets(line, sizeof(line), f))
			found = strstr(line, want) != NULL;
		fclose(f);
	}
	return found;
}

void expect_failure(const char *tool, char *const args[], int want, const char *needle)
{
	char *argv[32] = { (char *)RAWTRACE_BIN };
	const char *what = tool ? tool : args[0];
	struct proc t;
	int n = 1, lines = 0;

	if (tool)
		argv[n++] = (char *)tool;
	for (int i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert_eq(proc_finish(&t, 0, 30), want, "%s %s: status %d, want %d (%s)", what, args[0] ? args[0] : "",
		     t.status, want, t.err ? t.err : "");
	cr_assert(t.err && strstr(t.err, needle), "%s %s: stderr lacks '%s': %s", what, args[0] ? args[0] : "",
		  needle, t.err ? t.err : "");
	for (const char *c = t.err; *c; c++)
		lines += *c == '\n';
	cr_assert(lines <= 3, "%s: more than one message: %s", what, t.err);
	cr_assert(!t.out || !*t.out, "%s: printed to stdout on error: %s", what, t.out);
	proc_free(&t);
}
