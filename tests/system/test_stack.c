// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stackcount against ground truth: wl_stack makes N write()s through
 * main -> rt_stack_a -> rt_stack_b -> rt_stack_c, built without frame pointers, so the
 * exact chain with count N can only come from DWARF unwinding.  Also: the folded form,
 * kernel stacks of sched_switch, the flame graph (text, and a headless Chromium
 * screenshot when Chromium is installed), option errors, and no state left behind.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "tests/system/spawn.h"
#include "tests/system/syshelp.h"

#define WL_STACK SYSTEM_BUILDDIR "/wl_stack"
#define N_WRITES 200
#define N_WRITES_STR "200"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* How many perf_event fds pid holds. */
static int perf_fds(pid_t pid)
{
	char dir[64], link[320], target[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		ssize_t len;

		snprintf(link, sizeof(link), "%s/%s", dir, de->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len > 0) {
			target[len] = '\0';
			n += !strcmp(target, "anon_inode:[perf_event]");
		}
	}
	closedir(d);
	return n;
}

/*
 * Wait until the tracer is attached: its banner, or with -f (no banner) its perf fds plus
 * a grace period for the enable that follows the opens.
 */
static void wait_attached(struct proc *t, bool banner)
{
	if (banner) {
		cr_assert(proc_wait_output(t, "Hit Ctrl-C to end.", 30), "no banner: %s", t->err ? t->err : "");
		return;
	}
	for (int i = 0; i < 300 && perf_fds(t->pid) == 0; i++)
		sleep_ms(50);
	cr_assert_gt(perf_fds(t->pid), 0, "the tracer never opened an event");
	sleep_ms(500);
}

struct run {
	char *out, *err;
	int status;
};

/* rawtrace stackcount ARGS... -p <wl_stack> PATTERN around `wl_stack N`, then SIGINT. */
static struct run around_wl_stack(const char *const *args, bool banner)
{
	char *argv[32] = { (char *)RAWTRACE_BIN, "stackcount" };
	char *wargv[] = { WL_STACK, N_WRITES_STR, NULL };
	struct proc w, t;
	struct run r;
	char pidbuf[16];
	int k = 2;
	pid_t pid;

	cr_assert_eq(proc_start(&w, wargv, NULL), 0);
	cr_assert(proc_wait_output(&w, "\n", 10), "wl_stack did not start: %s", w.err ? w.err : "");
	pid = (pid_t)atoi(w.out);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	for (; *args; args++)
		argv[k++] = (char *)*args;
	argv[k++] = "-p";
	argv[k++] = pidbuf;
	argv[k++] = "t:syscalls:sys_enter_write";
	argv[k] = NULL;
	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	wait_attached(&t, banner);
	kill(pid, SIGUSR1);
	cr_assert_eq(proc_finish(&w, 0, 30), 0, "wl_stack failed: %s", w.err ? w.err : "");
	/* the tracer reads its rings every 100 ms */
	sleep_ms(300);
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
 * Start the tracer argv (with env), wait until it is attached, run cmd to completion (it must
 * succeed within timeout_s), give the tracer one read of its rings, then SIGINT it: t holds
 * its output.
 */
static void trace_around(struct proc *t, char *const argv[], char *const env[], char *const cmd[], double timeout_s)
{
	struct cmd_result w;

	cr_assert_eq(proc_start(t, argv, env), 0);
	wait_attached(t, true);
	cr_assert_eq(run_cmd(cmd, &w, timeout_s), 0);
	cr_assert_eq(w.status, 0, "%s", w.err);
	cmd_result_free(&w);
	/* the tracer reads its rings every 100 ms */
	sleep_ms(300);
	cr_assert_eq(proc_finish(t, SIGINT, 30), 0, "%s", t->err);
}

/* The count line that ends the block containing needle, or -1. */
static long block_count(const char *out, const char *needle)
{
	const char *p = strstr(out, needle), *blank;
	long count = -1;

	if (!p)
		return -1;
	blank = strstr(p, "\n\n");
	if (!blank)
		return -1;
	/* the count is the last line before the blank line: "    N" */
	for (const char *q = blank - 1; q > p; q--) {
		if (*q == '\n') {
			count = strtol(q + 1, NULL, 10);
			break;
		}
	}
	return count;
}

Test(stackcount, user_stack_by_dwarf_is_exact)
{
	const char *args[] = { "-U", "-v", NULL };
	struct run r;

	need_root_tracefs();
	r = around_wl_stack(args, true);
	cmd_result_log("stackcount", &(struct cmd_result){ .out = r.out, .err = r.err, .status = r.status });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "Tracing 1 functions for \"t:syscalls:sys_enter_write\"... Hit Ctrl-C to end.\n"),
		  "%s", r.out);
	/* -v prints the address first: "  55d0c3a1e38e     rt_stack_c" */
	cr_assert(strstr(r.out, "     rt_stack_c\n"), "%s", r.out);
	{
		const char *c = strstr(r.out, "     rt_stack_c\n");
		const char *b = strstr(c, "\n"), *want[] = { "rt_stack_b", "rt_stack_a", "main" };

		for (int i = 0; i < 3; i++) {
			const char *eol = strchr(b + 1, '\n');
			char line[128];

			cr_assert(eol);
			snprintf(line, sizeof(line), "%.*s", (int)(eol - b - 1), b + 1);
			cr_assert(strstr(line, want[i]) && line[strlen(line) - strlen(want[i]) - 1] == ' ',
				  "frame %d after rt_stack_c is \"%s\", want %s\n%s", i + 1, line, want[i], r.out);
			b = eol;
		}
	}
	cr_assert_eq(block_count(r.out, "rt_stack_c"), N_WRITES, "%s", r.out);
	cr_assert_eq(count_lines_matching(r.out, "rt_stack_c"), 1, "one unique stack expected:\n%s", r.out);
	cr_assert(strstr(r.err, "by DWARF unwinding"), "-v names the method: %s", r.err);
	/* by our CFI unwinder alone: no frame without CFI, nothing left to libunwind */
	cr_assert(strstr(r.err, " by DWARF unwinding (0 with frames without CFI; 0 by libunwind,"), "%s", r.err);
	cr_assert(strstr(r.out, "Detaching...\n"), "%s", r.out);
	assert_no_leftover_state();
	run_free(&r);
}

Test(stackcount, user_stack_without_v_and_with_offsets)
{
	const char *args[] = { "-U", "-s", NULL };
	struct run r;

	need_root_tracefs();
	r = around_wl_stack(args, true);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "\n  rt_stack_c+0x"), "%s", r.out);
	cr_assert(strstr(r.out, "\n  rt_stack_b+0x"), "%s", r.out);
	cr_assert(strstr(r.out, "\n  main+0x"), "%s", r.out);
	cr_assert_eq(block_count(r.out, "rt_stack_c"), N_WRITES, "%s", r.out);
	/* -p: the process is known, so no "comm [pid]" line (BCC) */
	cr_assert(!strstr(r.out, "wl_stack ["), "%s", r.out);
	run_free(&r);
}

Test(stackcount, folded_line)
{
	const char *args[] = { "-U", "-f", NULL };
	char want[64];
	struct run r;
	const char *line;

	need_root_tracefs();
	r = around_wl_stack(args, false);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(!strstr(r.out, "Tracing"), "no banner with -f: %s", r.out);
	cr_assert(!strstr(r.out, "Detaching"), "no Detaching with -f: %s", r.out);
	line = strstr(r.out, "main;rt_stack_a;rt_stack_b;rt_stack_c");
	cr_assert(line, "%s", r.out);
	/* -p implies -P: the comm leads the line */
	cr_assert(!strncmp(r.out, "wl_stack;", 9), "%s", r.out);
	snprintf(want, sizeof(want), " %d\n", N_WRITES);
	cr_assert(strstr(line, want) && strchr(line, '\n') == strstr(line, want) + strlen(want) - 1,
		  "count %d expected at the end of the line: %s", N_WRITES, r.out);
	run_free(&r);
}

Test(stackcount, kernel_stacks_of_sched_switch)
{
	char *argv[] = { (char *)RAWTRACE_BIN, "stackcount", "-K", "-D", "1", "t:sched:sched_switch", NULL };
	struct proc t;

	need_root_tracefs();
	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert_eq(proc_finish(&t, 0, 30), 0, "%s", t.err);
	cr_assert(strstr(t.out, "\n  __schedule\n") || strstr(t.out, "\n  schedule\n"), "%s", t.out);
	cr_assert(strstr(t.out, "Detaching...\n"), "%s", t.out);
	proc_free(&t);
}

Test(stackcount, kernel_folded_with_delimiter_and_pids)
{
	char *argv[] = { (char *)RAWTRACE_BIN, "stackcount", "-P", "-d", "-f", "-D", "1", "t:sched:sched_switch", NULL };
	struct proc t;

	need_root_tracefs();
	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert_eq(proc_finish(&t, 0, 30), 0, "%s", t.err);
	/* comm;user...;-;kernel root..leaf count */
	cr_assert(strstr(t.out, ";-;"), "%s", t.out);
	cr_assert(strstr(t.out, ";schedule;__schedule "), "%s", t.out);
	proc_free(&t);
}

static const char *svg_path(void)
{
	static char path[64];

	snprintf(path, sizeof(path), "/tmp/rawtrace-stack-%d.svg", (int)getpid());
	return path;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;

	if (!f)
		return NULL;
	*len = 0;
	for (;;) {
		if (*len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			cr_assert(buf);
		}
		size_t n = fread(buf + *len, 1, 4096, f);

		*len += n;
		if (!n)
			break;
	}
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

Test(stackcount, svg_flame_graph)
{
	const char *args[] = { "-U", "--svg", svg_path(), NULL };
	char *svg;
	struct run r;
	size_t len;

	need_root_tracefs();
	unlink(svg_path());
	r = around_wl_stack(args, true);
	cr_assert_eq(r.status, 0, "%s", r.err);
	svg = read_file(svg_path(), &len);
	cr_assert(svg, "no %s", svg_path());
	cr_assert(strstr(svg, "<svg "), "%s", svg);
	cr_assert(strstr(svg, ">rt_stack_b</text>"), "%s", svg);
	cr_assert(strstr(svg, "<title>rt_stack_b (" N_WRITES_STR " samples, 100.00%)</title>"), "%s", svg);
	cr_assert(strstr(svg, "</svg>\n"), "%s", svg);
	if (!system("command -v xmllint >/dev/null 2>&1")) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "xmllint --noout %s", svg_path());
		cr_assert_eq(system(cmd), 0, "xmllint rejected %s", svg_path());
	}
	free(svg);
	unlink(svg_path());
	run_free(&r);
}

/* The flame graph renders: a headless Chromium screenshot has something on it. */
Test(stackcount, svg_renders_in_chromium, .timeout = 180)
{
	const char *args[] = { "--svg", svg_path(), NULL };
	char png[64], cmd[1024], tmpl[] = "/tmp/rawtrace-chromium-XXXXXX";
	struct stat st;
	struct run r;

	need_root_tracefs();
	if (system("command -v chromium >/dev/null 2>&1"))
		cr_skip_test("chromium is not installed (apt-get install chromium)");
	cr_assert(mkdtemp(tmpl));
	snprintf(png, sizeof(png), "%s/flame.png", tmpl);
	r = around_wl_stack(args, true);
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(cmd, sizeof(cmd),
		 "timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking "
		 "--disable-component-update --disable-sync --no-first-run --user-data-dir=%s/profile "
		 "--screenshot=%s --window-size=1200,800 file://%s >/dev/null 2>&1",
		 tmpl, png, svg_path());
	cr_assert_eq(system(cmd), 0, "chromium failed: %s", cmd);
	cr_assert_eq(stat(png, &st), 0, "no screenshot");
	/* A blank 1200x800 page compresses to about 3 KB; ten labelled frames to about 14 KB. */
	cr_assert_gt(st.st_size, 8 * 1024, "screenshot of %lld bytes: nothing drawn?", (long long)st.st_size);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpl);
	system(cmd);
	unlink(svg_path());
	run_free(&r);
}

Test(stackcount, kernel_and_user_only_are_exclusive)
{
	char *argv[] = { (char *)RAWTRACE_BIN, "stackcount", "-K", "-U", "t:sched:sched_switch", NULL };
	struct cmd_result r;

	cr_assert_eq(run_cmd(argv, &r, 30), 0);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert_str_eq(r.err, "ERROR: -K and -U are mutually exclusive. If you want both stacks, that is the default.\n");
	cr_assert_str_eq(r.out, "");
	cmd_result_free(&r);
}

Test(stackcount, bad_pattern_and_missing_pid)
{
	char *bad[] = { (char *)RAWTRACE_BIN, "stackcount", "x:y:z", NULL };
	char *gone[] = { (char *)RAWTRACE_BIN, "stackcount", "-p", "4194000", "t:sched:sched_switch", NULL };
	struct cmd_result r;

	need_root_tracefs();
	cr_assert_eq(run_cmd(bad, &r, 30), 0);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "Type must be 'p', 't', or 'u', but got x"), "%s", r.err);
	cmd_result_free(&r);
	cr_assert_eq(run_cmd(gone, &r, 30), 0);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cmd_result_free(&r);
}

/*
 * The reason DWARF is needed: the kernel's frame-pointer walk over a binary built without
 * frame pointers does not find the chain.
 */
Test(stackcount, frame_pointers_alone_do_not_find_the_chain)
{
	char *env[] = { "RAWTRACE_USTACK=fp", NULL };
	char *wargv[] = { WL_STACK, N_WRITES_STR, NULL };
	char *argv[] = { (char *)RAWTRACE_BIN, "stackcount", "-U", "-v", "-p", NULL, "t:syscalls:sys_enter_write", NULL };
	struct proc w, t;
	char pidbuf[16];

	need_root_tracefs();
	cr_assert_eq(proc_start(&w, wargv, NULL), 0);
	cr_assert(proc_wait_output(&w, "\n", 10));
	snprintf(pidbuf, sizeof(pidbuf), "%d", atoi(w.out));
	argv[5] = pidbuf;
	cr_assert_eq(proc_start(&t, argv, env), 0);
	wait_attached(&t, true);
	kill(atoi(w.out), SIGUSR1);
	cr_assert_eq(proc_finish(&w, 0, 30), 0);
	sleep_ms(300);
	cr_assert_eq(proc_finish(&t, SIGINT, 30), 0, "%s", t.err);
	cr_assert(strstr(t.err, "by frame pointers"), "%s", t.err);
	cr_assert(!strstr(t.out, "rt_stack_b\n  main"), "frame pointers found the chain?\n%s", t.out);
	proc_free(&w);
	proc_free(&t);
}

/*
 * A process that starts, makes its calls and exits before the tracer reads its records has
 * no /proc/PID/maps left: its stacks unwind and resolve from the mappings the kernel's
 * MMAP2 records gave for it (without them: one "[unknown]" frame).  With two CPUs it
 * starts on the second and writes on the first, so its mappings are in the ring that is
 * read after the one with its samples: the tracer must take every ring's task records
 * first, in time order (its FORK may be in yet another ring).
 */
Test(stackcount, user_stack_of_a_process_gone_before_it_is_read)
{
	char probe[512];
	char *argv[] = { (char *)RAWTRACE_BIN, "stackcount", "-U", "-P", probe, NULL };
	char *wargv[] = { "taskset", "2", WL_STACK, "20", "now", "0", NULL };
		struct proc t;
	const char *c, *b, *a, *m;

	need_root_tracefs();
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		/* One CPU: one ring, records before samples; the same test without the move. */
		wargv[1] = "1";
		wargv[5] = NULL;
	}
	snprintf(probe, sizeof(probe), "%s:rt_stack_c", WL_STACK);
	trace_around(&t, argv, NULL, wargv, 30);
	c = strstr(t.out, "\n  rt_stack_c\n");
	cr_assert(c, "the probed function is not named:\n%s", t.out);
	b = strstr(c, "\n  rt_stack_b\n");
	a = strstr(c, "\n  rt_stack_a\n");
	m = strstr(c, "\n  main\n");
	cr_assert(b && a && m && b < a && a < m, "not the chain, leaf first:\n%s", t.out);
	cr_assert_eq(block_count(c, "rt_stack_c"), 20, "%s", t.out); /* (the banner names it too) */
	/* -P: named by its COMM record, /proc having nothing left */
	cr_assert(strstr(c, "\n    wl_stack ["), "not named wl_stack:\n%s", t.out);
	proc_free(&t);
	assert_no_leftover_state();
}

/*
 * RAWTRACE_USTACK=check unwinds every sample with our CFI unwinder and with libunwind, an
 * independent implementation over the same registers, stack copy and files.  System-wide
 * on sched_switch while shells, ls and wl_stack run, they must agree on every stack of
 * those (stacks with frames of code without CFI are left out: there each follows its own
 * guess).  Other processes on the machine, such as the chromium of a test running
 * alongside, are not held to it: where their stacks leave the copied stack or a register
 * is lost, libunwind keeps guessing.
 */
Test(stackcount, our_unwinder_agrees_with_libunwind, .timeout = 120)
{
	char *env[] = { "RAWTRACE_USTACK=check", NULL };
	char *argv[] = { (char *)RAWTRACE_BIN, "stackcount", "-U", "-v", "-P", "t:sched:sched_switch", NULL };
	char *load[] = { "sh", "-c",
			 "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do "
			 "ls -R /usr/lib >/dev/null 2>&1; sh -c 'echo x' >/dev/null; "
			 WL_STACK " 50 now; done",
			 NULL };
		unsigned long both = 0, differ = 1, listed = 0;
	const char *line, *p;
	struct proc t;

	need_root_tracefs();
	trace_around(&t, argv, env, load, 60);
	line = strstr(t.err, "unwind check: ");
	while (line && !strncmp(line, "unwind check: pid", 17))
		line = strstr(line + 1, "unwind check: ");
	cr_assert(line, "no check line:\n%s", t.err);
	cr_assert_eq(sscanf(line, "unwind check: %lu stacks unwound both ways, %lu differ", &both, &differ), 2, "%s",
		     line);
	cr_log_info("%.*s", (int)strcspn(line, "\n"), line);
	/*
	 * Hundreds on a Debian host; about twenty in the test VM, whose sh and ls are a static
	 * busybox without CFI, leaving wl_stack's.
	 */
	cr_assert_geq(both, 10, "too few stacks compared: %s", line);
	/* "unwind check: pid 123 (comm): ours ...; libunwind ...": the first ten differences */
	for (p = t.err; (p = strstr(p, "unwind check: pid ")); p++, listed++) {
		char comm[32] = "";

		sscanf(p, "unwind check: pid %*d (%31[^)])", comm);
		cr_assert(strcmp(comm, "sh") && strcmp(comm, "ls") && strcmp(comm, "wl_stack"),
			  "the unwinders differ on a stack of the test's own processes:\n%s", t.err);
	}
	cr_assert_eq(differ, listed, "more differences than listed, some may be ours:\n%s", t.err);
	proc_free(&t);
	assert_no_leftover_state();
}
