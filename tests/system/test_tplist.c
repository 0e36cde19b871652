// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * System tests of rawtrace tplist and of the front end's own options, run against the
 * live kernel.  The tracepoint listings are checked against what tracefs itself holds
 * (the directories under events/), not against fixed numbers, since every kernel has a
 * different set.  Tests that need tracefs skip as non-root; the others (front end,
 * -l LIB, errors) run anywhere.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "tests/system/syshelp.h"

#define TIMEOUT_S 30.0

/* Run rawtrace with the given arguments (NULL-terminated), env changes optional. */
#define RAWTRACE(r, env, ...)                                                                 \
	do {                                                                                  \
		char *argv_[] = { (char *)rawtrace_bin(), __VA_ARGS__, NULL };                \
		cr_assert_eq(run_cmd_env(argv_, env, r, TIMEOUT_S), 0, "cannot run %s",      \
			     rawtrace_bin());                                                 \
		cr_assert(!(r)->timed_out, "rawtrace timed out");                             \
	} while (0)

/* Event directories under tracefs events/SYS (SYS NULL: all categories). */
static int count_event_dirs(const char *sys)
{
	char path[PATH_MAX * 2];
	struct dirent *d, *e;
	DIR *top, *cat;
	int n = 0;

	snprintf(path, sizeof(path), "%s/events", sys_tracefs_dir());
	top = opendir(path);
	cr_assert_not_null(top, "cannot open %s", path);
	while ((d = readdir(top))) {
		if (d->d_name[0] == '.' || d->d_type != DT_DIR || (sys && strcmp(sys, d->d_name)))
			continue;
		snprintf(path, sizeof(path), "%s/events/%s", sys_tracefs_dir(), d->d_name);
		cat = opendir(path);
		if (!cat)
			continue;
		while ((e = readdir(cat)))
			if (e->d_name[0] != '.' && e->d_type == DT_DIR)
				n++;
		closedir(cat);
	}
	closedir(top);
	return n;
}

/* Lines ordered by category, then by event. */
static void assert_sorted(const char *text)
{
	char prev[512] = "", cur[512];

	while (*text) {
		const char *end = strchrnul(text, '\n');
		char *colon;
		int c;

		snprintf(cur, sizeof(cur), "%.*s", (int)(end - text), text);
		colon = strchr(cur, ':');
		cr_assert_not_null(colon, "line without category: %s", cur);
		if (prev[0]) {
			char *pc = strchr(prev, ':');

			*pc = *colon = '\0';
			c = strcmp(prev, cur);
			if (!c)
				c = strcmp(pc + 1, colon + 1);
			*pc = *colon = ':';
			cr_assert(c < 0, "not sorted: '%s' before '%s'", prev, cur);
		}
		memcpy(prev, cur, sizeof(prev));
		text = *end ? end + 1 : end;
	}
}

Test(tplist, lists_every_tracepoint)
{
	struct cmd_result r;

	need_root_tracefs();
	RAWTRACE(&r, NULL, "tplist");
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	cr_assert_str_empty(r.err);
	cr_assert(has_line(r.out, "syscalls:sys_enter_getppid"));
	cr_assert(has_line(r.out, "sched:sched_switch"));
	cr_assert_eq(count_lines(r.out), count_event_dirs(NULL),
		     "one line per event directory in tracefs");
	assert_sorted(r.out);
	cmd_result_free(&r);
	assert_no_leftover_state();
}

Test(tplist, category_glob)
{
	struct cmd_result r;

	need_root_tracefs();
	RAWTRACE(&r, NULL, "tplist", "block:*");
	cr_assert_eq(r.status, 0);
	cr_assert(has_line(r.out, "block:block_rq_issue"));
	cr_assert_eq(count_lines_matching(r.out, "block:"), count_lines(r.out),
		     "only block events");
	cr_assert_eq(count_lines(r.out), count_event_dirs("block"));
	cmd_result_free(&r);
	assert_no_leftover_state();
}

Test(tplist, filter_without_colon_matches_event_names)
{
	struct cmd_result r;

	need_root_tracefs();
	RAWTRACE(&r, NULL, "tplist", "sys_enter_getpp*");
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out, "syscalls:sys_enter_getppid\n");
	cmd_result_free(&r);
	assert_no_leftover_state();
}

Test(tplist, exact_name_and_no_match)
{
	struct cmd_result r;

	need_root_tracefs();
	RAWTRACE(&r, NULL, "tplist", "sched:sched_switch");
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out, "sched:sched_switch\n");
	cmd_result_free(&r);

	/* As in BCC, an empty answer is not an error. */
	RAWTRACE(&r, NULL, "tplist", "nosuchcategory:*");
	cr_assert_eq(r.status, 0);
	cr_assert_str_empty(r.out);
	cr_assert_str_empty(r.err);
	cmd_result_free(&r);
	assert_no_leftover_state();
}

Test(tplist, verbose_prints_fields)
{
	struct cmd_result r;

	need_root_tracefs();
	RAWTRACE(&r, NULL, "tplist", "-v", "sched:sched_process_exec");
	cmd_result_log("tplist -v", &r);
	cr_assert_eq(r.status, 0);
	cr_assert(!strncmp(r.out, "sched:sched_process_exec\n", 25), "event line first");
	cr_assert(has_line(r.out, "    __data_loc char[] filename;"));
	cr_assert(has_line(r.out, "    pid_t pid;"));
	cr_assert_eq(count_lines_matching(r.out, "common_"), 0, "common fields are left out");
	cmd_result_free(&r);

	/* Fixed arrays in C declaration form. */
	RAWTRACE(&r, NULL, "tplist", "-v", "sched:sched_switch");
	cr_assert_eq(r.status, 0);
	cr_assert(has_line(r.out, "    char prev_comm[16];"), "%s", r.out);
	cmd_result_free(&r);
	assert_no_leftover_state();
}

Test(tplist, lib_functions)
{
	struct cmd_result r;

	RAWTRACE(&r, NULL, "tplist", "-l", "c", "getpp*");
	cmd_result_log("tplist -l c", &r);
	cr_assert_eq(r.status, 0);
	cr_assert(has_line(r.out, "c:getppid"));
	cr_assert_eq(count_lines_matching(r.out, "c:getpp"), count_lines(r.out));
	cr_assert_str_empty(r.err);
	cmd_result_free(&r);

	/* Sorted and unique even though libc lists most names in two symbol tables. */
	RAWTRACE(&r, NULL, "tplist", "-l", "c", "c:mall*");
	cr_assert_eq(r.status, 0);
	cr_assert(has_line(r.out, "c:malloc"), "%s", r.out);
	cr_assert_null(strstr(r.out, "c:malloc\nc:malloc\n"), "duplicates: %s", r.out);
	cmd_result_free(&r);
	assert_no_leftover_state();
}

Test(tplist, unknown_lib)
{
	struct cmd_result r;

	RAWTRACE(&r, NULL, "tplist", "-l", "nosuchlib");
	cr_assert_eq(r.status, 2);
	cr_assert_str_empty(r.out);
	cr_assert_eq(count_lines(r.err), 1, "one message: %s", r.err);
	cr_assert(strstr(r.err, "unable to find library nosuchlib"), "%s", r.err);
	cmd_result_free(&r);
	assert_no_leftover_state();
}

Test(tplist, pid_without_lib_is_usage_error)
{
	struct cmd_result r;

	RAWTRACE(&r, NULL, "tplist", "-p", "1");
	cr_assert_eq(r.status, 2);
	cr_assert_str_empty(r.out);
	cmd_result_free(&r);
}

Test(tplist, help)
{
	struct cmd_result r;

	RAWTRACE(&r, NULL, "tplist", "--help");
	cr_assert_eq(r.status, 0);
	cr_assert(!strncmp(r.out, "usage: rawtrace tplist", 22), "%s", r.out);
	cr_assert(strstr(r.out, "-l LIB"));
	cmd_result_free(&r);
}

Test(tplist, bad_tracefs)
{
	char *env[] = { "RAWTRACE_TRACEFS=/tmp", NULL };
	struct cmd_result r;

	RAWTRACE(&r, env, "tplist");
	cr_assert_eq(r.status, 1);
	cr_assert_str_empty(r.out);
	cr_assert(strstr(r.err, "mount"), "message should say how to mount: %s", r.err);
	cmd_result_free(&r);
	assert_no_leftover_state();
}

Test(frontend, unknown_tool)
{
	struct cmd_result r;

	RAWTRACE(&r, NULL, "nosuchtool");
	cr_assert_eq(r.status, 2);
	cr_assert_str_empty(r.out);
	cr_assert(strstr(r.err, "nosuchtool"), "%s", r.err);
	cmd_result_free(&r);
}

Test(frontend, list)
{
	struct cmd_result r;

	RAWTRACE(&r, NULL, "--list");
	cr_assert_eq(r.status, 0);
	cr_assert(has_line(r.out, "tplist"));
	cmd_result_free(&r);
}

/* The helpers themselves: a hung command must fail its test, not hang the suite. */
Test(syshelp, timeout_and_status)
{
	char *sleeper[] = { "sleep", "10", NULL };
	char *shell[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	struct cmd_result r;

	cr_assert_eq(run_cmd(sleeper, &r, 0.2), 0);
	cr_assert(r.timed_out);
	cr_assert_eq(r.status, 128 + 9);
	cr_assert(r.elapsed_s < 5);
	cmd_result_free(&r);

	cr_assert_eq(run_cmd(shell, &r, 10), 0);
	cr_assert(!r.timed_out);
	cr_assert_eq(r.status, 3);
	cr_assert_str_eq(r.out, "out\n");
	cr_assert_str_eq(r.err, "err\n");
	cmd_result_free(&r);

	cr_assert_eq(count_lines_matching("a\nba\nc", "a"), 2);
	cr_assert_eq(count_lines("a\nb\nc"), 3);
	cr_assert_eq(count_lines(""), 0);
	cr_assert(has_line("x\nyz\n", "yz"));
	cr_assert(!has_line("x\nyz\n", "y"));
}
