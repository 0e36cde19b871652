/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * spawn: run a tracer and a workload side by side from a test: start the tracer with its
 * output on pipes, wait until it printed its banner (it is attached), release the workload,
 * then stop the tracer and collect everything it printed.
 */
#ifndef RT_SPAWN_H
#define RT_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

struct proc {
	pid_t pid;
	int out_fd, err_fd;
	char *out, *err;   /* everything read so far (NUL-terminated) */
	size_t out_len, err_len;
	int status;        /* exit code, or 128 + signal */
};

/* Start argv (env: extra "K=V" entries or NULL) with stdout/stderr on pipes. 0 or -errno. */
int proc_start(struct proc *p, char *const argv[], char *const env[]);
/* Read until stdout contains needle (true) or timeout/EOF (false). */
bool proc_wait_output(struct proc *p, const char *needle, double timeout_s);
/* Send sig (0: none), read to EOF, reap; kill -9 after timeout.  Returns p->status. */
int proc_finish(struct proc *p, int sig, double timeout_s);
void proc_free(struct proc *p);

/* Start the workload with args; returns its pid (read from its first line) or -1. */
pid_t workload_start(struct proc *p, const char *mode, const char *a, const char *b);
/* Release it (SIGUSR1) and wait for it to exit; its exit status. */
int workload_run(struct proc *p);

/* Whether tracefs still lists a dynamic probe of rawtrace <tool> run as <pid>. */
bool probe_group_exists(const char *tool, pid_t pid);

/*
 * Run `rawtrace [tool] args...` and assert that it fails with exit status want, says needle
 * on stderr, says nothing more than one message plus a usage or caret line, and prints
 * nothing on stdout.
 */
void expect_failure(const char *tool, char *const args[], int want, const char *needle);

/* Convenience: the count printed after `name` on a line of text ("name   12345"), or -1. */
long count_after(const char *text, const char *name);

#endif
