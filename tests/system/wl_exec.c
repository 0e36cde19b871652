// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wl_exec: an exec workload with a known answer for execsnoop's system test.  It prints its
 * pid, waits for SIGUSR1 (the tracer is attached), then forks N short-lived children per
 * kind and waits for each: one execs /bin/true with the argv "alpha" "two words" "3rd"
 * (plus an embedded quote and newline in "q\"x\ny"), one execs /bin/true with 25 arguments
 * "a1".."a25", and one execs a path that does not exist (execve fails with ENOENT, -2).
 *
 *   wl_exec N [raw]   raw: exec through syscall(SYS_execve), bypassing libc's execve
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * The child passes copies on its heap, as shells and most callers do: string literals of a
 * freshly forked child sit on file pages the child has not faulted in yet, which a kprobe
 * (it reads without faulting) cannot see -- execsnoop then marks the argv " [?]".
 */
static void do_exec(const char *path, char *const argv[], int raw)
{
	char *const envp[] = { "RT_WL_EXEC=1", NULL };
	char *copy[32], *p = strdup(path);
	int i;

	for (i = 0; argv[i] && i < 31; i++)
		copy[i] = strdup(argv[i]);
	copy[i] = NULL;
	if (raw)
		syscall(SYS_execve, p, copy, envp);
	else
		execve(p, copy, envp);
	_exit(127);
}

static int child(const char *path, char *const argv[], int raw)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid)
		do_exec(path, argv, raw);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(int argc, char **argv)
{
	char *simple[] = { "true", "alpha", "two words", "3rd", "q\"x\ny", NULL };
	char *missing[] = { "nope", "x", NULL };
	char *many[27], names[25][8];
	struct timespec limit = { .tv_sec = 30 };
	int n = argc > 1 ? atoi(argv[1]) : 0, raw = argc > 2 && !strcmp(argv[2], "raw");
	sigset_t set;

	if (n <= 0) {
		fprintf(stderr, "usage: wl_exec N [raw]\n");
		return 2;
	}
	many[0] = "true";
	for (int i = 0; i < 25; i++) {
		snprintf(names[i], sizeof(names[i]), "a%d", i + 1);
		many[i + 1] = names[i];
	}
	many[26] = NULL;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("%d\n", (int)getpid());
	fflush(stdout);
	if (sigtimedwait(&set, NULL, &limit) < 0) {
		fprintf(stderr, "wl_exec: no SIGUSR1 within 30 s\n");
		return 3;
	}
	for (int i = 0; i < n; i++) {
		if (child("/bin/true", simple, raw) != 0 || child("/bin/true", many, raw) != 0 ||
		    child("/nonexistent/rt-wl-exec", missing, raw) != 127) {
			fprintf(stderr, "wl_exec: a child did not end as expected\n");
			return 1;
		}
	}
	return 0;
}
