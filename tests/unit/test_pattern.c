// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for parsers/pattern.c: every accepted shape of a funccount/stackcount
 * pattern with the fields it yields, and every rejected one with BCC's exact message.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include "parsers/pattern.h"

struct ok_case {
	const char *spec;
	char type;
	const char *lib, *func, *category, *event;
};

static const struct ok_case ok_cases[] = {
	{ "vfs_read", 'p', "", "vfs_read", "", "" },
	{ "vfs_*", 'p', "", "vfs_*", "", "" },
	{ "*", 'p', "", "*", "", "" },
	{ "c:malloc", 'p', "c", "malloc", "", "" },
	{ "c:str*", 'p', "c", "str*", "", "" },
	{ ":vfs_read", 'p', "", "vfs_read", "", "" },
	{ "pthread:pthread_mutex_lock", 'p', "pthread", "pthread_mutex_lock", "", "" },
	{ "/lib/x86_64-linux-gnu/libc.so.6:open*", 'p', "/lib/x86_64-linux-gnu/libc.so.6", "open*",
	  "", "" },
	{ "./a.out:main", 'p', "./a.out", "main", "", "" },
	{ "p::vfs_*", 'p', "", "vfs_*", "", "" },
	{ "p::vfs_read", 'p', "", "vfs_read", "", "" },
	{ "p:c:write", 'p', "c", "write", "", "" },
	{ "p:/bin/bash:readline", 'p', "/bin/bash", "readline", "", "" },
	{ "t:sched:sched_fork", 't', "", "", "sched", "sched_fork" },
	{ "t:block:*", 't', "", "", "block", "*" },
	{ "t:*:*", 't', "", "", "*", "*" },
	{ "t:syscalls:sys_enter_*", 't', "", "", "syscalls", "sys_enter_*" },
	{ "u:pthread:*mutex*", 'u', "pthread", "*mutex*", "", "" },
	{ "u:c:memory_malloc_retry", 'u', "c", "memory_malloc_retry", "", "" },
	/* USDT probes of a process given with -p need no library */
	{ "u::probe", 'u', "", "probe", "", "" },
	/* regex text is carried as is; only ':' is special */
	{ "^vfs_(read|write)$", 'p', "", "^vfs_(read|write)$", "", "" },
	{ "c:mem.*", 'p', "c", "mem.*", "", "" },
	{ "lib with space:f", 'p', "lib with space", "f", "", "" },
};

Test(pattern, accepted)
{
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		const struct ok_case *c = &ok_cases[i];
		struct pattern p;

		err[0] = '\0';
		cr_assert_eq(pattern_parse(c->spec, &p, err, sizeof(err)), 0, "%s: %s", c->spec,
			     err);
		cr_expect_eq(p.type, c->type, "%s: type %c", c->spec, p.type);
		cr_expect_str_eq(p.lib, c->lib, "%s: lib", c->spec);
		cr_expect_str_eq(p.func, c->func, "%s: func", c->spec);
		cr_expect_str_eq(p.category, c->category, "%s: category", c->spec);
		cr_expect_str_eq(p.event, c->event, "%s: event", c->spec);
		cr_expect_str_eq(p.text, c->spec, "%s: text", c->spec);
		pattern_free(&p);
	}
}

struct bad_case {
	const char *spec;
	const char *msg;
};

static const struct bad_case bad_cases[] = {
	{ "x:a:b", "Type must be 'p', 't', or 'u', but got x" },
	{ "k:a:b", "Type must be 'p', 't', or 'u', but got k" },
	{ "pp:a:b", "Type must be 'p', 't', or 'u', but got pp" },
	{ "P:a:b", "Type must be 'p', 't', or 'u', but got P" },
	{ "::f", "Type must be 'p', 't', or 'u', but got " },
	{ "a:b:c:d", "Too many ':'-separated components in pattern a:b:c:d" },
	{ "p:c:write:x", "Too many ':'-separated components in pattern p:c:write:x" },
	{ ":::", "Too many ':'-separated components in pattern :::" },
	{ "", "empty function name in pattern " },
	{ ":", "empty function name in pattern :" },
	{ "c:", "empty function name in pattern c:" },
	{ "p::", "empty function name in pattern p::" },
	{ "p:c:", "empty function name in pattern p:c:" },
	{ "t::", "empty tracepoint category in pattern t::" },
	{ "t::sched_fork", "empty tracepoint category in pattern t::sched_fork" },
	{ "t:sched:", "empty tracepoint event in pattern t:sched:" },
	{ "u:c:", "empty probe name in pattern u:c:" },
	{ "u::", "empty probe name in pattern u::" },
};

Test(pattern, rejected)
{
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct pattern p;

		err[0] = '\0';
		cr_expect_eq(pattern_parse(c->spec, &p, err, sizeof(err)), -EINVAL, "%s", c->spec);
		cr_expect_str_eq(err, c->msg, "%s", c->spec);
		/* A failed parse leaves nothing to free, and freeing it anyway is safe. */
		cr_expect_null(p.text, "%s", c->spec);
		cr_expect_null(p.lib, "%s", c->spec);
		pattern_free(&p);
	}
}

Test(pattern, error_buffer_optional_and_truncated)
{
	struct pattern p;
	char err[8];

	cr_expect_eq(pattern_parse("x:a:b", &p, NULL, 0), -EINVAL);
	cr_expect_eq(pattern_parse("x:a:b", &p, err, sizeof(err)), -EINVAL);
	cr_expect_str_eq(err, "Type mu");
	cr_expect_eq(pattern_parse(NULL, &p, err, sizeof(err)), -EINVAL);
}

Test(pattern, free_is_idempotent)
{
	struct pattern p;

	cr_assert_eq(pattern_parse("c:malloc", &p, NULL, 0), 0);
	pattern_free(&p);
	cr_expect_null(p.func);
	pattern_free(&p);
}
