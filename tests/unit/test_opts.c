// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for src/core/opts.c: argv parsing of a fake tool's option table (every option
 * kind, long-only options, positionals, GNU permutation, errors), --help and usage output,
 * and the strict number parsers.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "core/opts.h"
#include "tool.h"

struct fake_conf {
	long pid;
	bool verbose;
	bool extra;
	double interval;
	const char *comm;
	struct opt_list funcs;
	const char *syscall;
	bool ms;
};

#define FOFF(f) offsetof(struct fake_conf, f)

static const struct opt fake_opts[] = {
	{ 'p', "pid", OPT_INT, FOFF(pid), "PID", "trace this PID only", 1, 4194304 },
	{ 'v', "verbose", OPT_FLAG, FOFF(verbose), NULL, "print more detail", 0, 0 },
	{ 'x', NULL, OPT_FLAG, FOFF(extra), NULL, "show extra columns", 0, 0 },
	{ 'i', "interval", OPT_DOUBLE, FOFF(interval), "SECS", "output interval in seconds", 0.001,
	  3600 },
	{ 'c', "comm", OPT_STR, FOFF(comm), "COMM", "trace this command only", 0, 0 },
	{ 'f', "func", OPT_LIST, FOFF(funcs), "FUNC", "also trace FUNC (repeatable)", 0, 0 },
	{ 0, "syscall", OPT_STR, FOFF(syscall), "NAME", "trace only syscall NAME", 0, 0 },
	{ 0, "ms", OPT_FLAG, FOFF(ms), NULL, "show times in milliseconds", 0, 0 },
	OPT_END,
};

static void fake_init(void *p)
{
	struct fake_conf *c = p;

	c->pid = -1;
	c->interval = 1.0;
}

static void fake_free(void *p)
{
	opt_list_free(&((struct fake_conf *)p)->funcs);
}

static const struct tool_desc fake_tool = {
	.name = "fake",
	.summary = "A tool that only exists in the tests.",
	.args = "pattern [count]",
	.min_args = 1,
	.max_args = 2,
	.opts = fake_opts,
	.conf_size = sizeof(struct fake_conf),
	.conf_init = fake_init,
	.conf_free = fake_free,
	.examples = "    rawtrace fake -p 181 'vfs_*'\n",
};

#define MAX_ARGV 12

struct parse_case {
	const char *argv[MAX_ARGV]; /* after "fake", NULL-terminated */
	int ret;                    /* 0, 1 (--help) or EXIT_USAGE */
	/* checked when ret == 0 */
	int first_pos;
	const char *pos[2];
	long pid;
	bool verbose, extra, ms;
	double interval;
	const char *comm;
	const char *funcs[2];
	const char *syscall;
	/* substrings the single error message must contain when ret == EXIT_USAGE */
	const char *err[2];
};

/* Defaults for fields a case does not mention are pid -1 and interval 1.0. */
#define DEF .pid = -1, .interval = 1.0

static const struct parse_case parse_cases[] = {
	/* every spelling of an option with an argument */
	{ { "-p", "12", "pat" }, 0, 3, { "pat" }, .pid = 12, .interval = 1.0 },
	{ { "--pid", "12", "pat" }, 0, 3, { "pat" }, .pid = 12, .interval = 1.0 },
	{ { "--pid=12", "pat" }, 0, 2, { "pat" }, .pid = 12, .interval = 1.0 },
	{ { "-p12", "pat" }, 0, 2, { "pat" }, .pid = 12, .interval = 1.0 },
	{ { "--pi", "12", "pat" }, 0, 3, { "pat" }, .pid = 12, .interval = 1.0 },
	{ { "-p", "010", "pat" }, 0, 3, { "pat" }, .pid = 10, .interval = 1.0 },
	{ { "-p", "4194304", "pat" }, 0, 3, { "pat" }, .pid = 4194304, .interval = 1.0 },
	/* bad values and ranges */
	{ { "-p", "abc", "pat" }, EXIT_USAGE, .err = { "-p/--pid", "'abc'" } },
	{ { "-p", "12x", "pat" }, EXIT_USAGE, .err = { "-p/--pid", "'12x'" } },
	{ { "-p", "0", "pat" }, EXIT_USAGE, .err = { "-p/--pid", "out of range" } },
	{ { "-p", "4194305", "pat" }, EXIT_USAGE, .err = { "-p/--pid", "out of range" } },
	{ { "-p", "-5", "pat" }, EXIT_USAGE, .err = { "-p/--pid", "out of range" } },
	{ { "pat", "-p" }, EXIT_USAGE, .err = { "-p", "needs an argument" } },
	{ { "pat", "--pid" }, EXIT_USAGE, .err = { "-p/--pid", "needs an argument" } },
	{ { "pat", "-vp" }, EXIT_USAGE, .err = { "option -p/--pid needs an argument" } },
	{ { "-i", "0.25", "pat" }, 0, 3, { "pat" }, .pid = -1, .interval = 0.25 },
	{ { "--interval=2", "pat" }, 0, 2, { "pat" }, .pid = -1, .interval = 2.0 },
	{ { "-i", "0", "pat" }, EXIT_USAGE, .err = { "-i/--interval", "out of range" } },
	{ { "-i", "1e9", "pat" }, EXIT_USAGE, .err = { "-i/--interval", "out of range" } },
	{ { "-i", "soon", "pat" }, EXIT_USAGE, .err = { "-i/--interval", "'soon'" } },
	{ { "-i", "nan", "pat" }, EXIT_USAGE, .err = { "-i/--interval", "'nan'" } },
	/* unknown options */
	{ { "-Z", "pat" }, EXIT_USAGE, .err = { "unknown option -Z" } },
	{ { "-vZ", "pat" }, EXIT_USAGE, .err = { "unknown option -Z" } },
	{ { "--bogus", "pat" }, EXIT_USAGE, .err = { "unknown option --bogus" } },
	{ { "--bogus=1", "pat" }, EXIT_USAGE, .err = { "unknown option --bogus" } },
	/* flags take no argument, whichever way it is spelled */
	{ { "--verbose=1", "pat" }, EXIT_USAGE, .err = { "option -v/--verbose takes no arg" } },
	{ { "--ms=yes", "pat" }, EXIT_USAGE, .err = { "option --ms takes no argument" } },
	{ { "--help=1", "pat" }, EXIT_USAGE, .err = { "--help", "no argument" } },
	/* strings: last one wins; lists: every one kept in order */
	{ { "-c", "bash", "--comm", "zsh", "pat" }, 0, 5, { "pat" }, DEF, .comm = "zsh" },
	{ { "-f", "a", "-f", "b", "pat" }, 0, 5, { "pat" }, DEF, .funcs = { "a", "b" } },
	{ { "-fa", "--func=b", "pat" }, 0, 3, { "pat" }, DEF, .funcs = { "a", "b" } },
	/* flags, alone and bundled, with a bundled option argument last */
	{ { "-v", "pat" }, 0, 2, { "pat" }, DEF, .verbose = true },
	{ { "-xv", "pat" }, 0, 2, { "pat" }, DEF, .verbose = true, .extra = true },
	{ { "-vxp", "7", "pat" }, 0, 3, { "pat" }, .pid = 7, .interval = 1.0, .verbose = true,
	  .extra = true },
	{ { "-vp7", "pat" }, 0, 2, { "pat" }, .pid = 7, .interval = 1.0, .verbose = true },
	/* long-only options */
	{ { "--syscall", "read", "pat" }, 0, 3, { "pat" }, DEF, .syscall = "read" },
	{ { "--syscall=read", "pat" }, 0, 2, { "pat" }, DEF, .syscall = "read" },
	{ { "--ms", "pat" }, 0, 2, { "pat" }, DEF, .ms = true },
	{ { "pat", "--syscall" }, EXIT_USAGE, .err = { "--syscall", "needs an argument" } },
	/* "--" ends options */
	{ { "--", "-p" }, 0, 2, { "-p" }, DEF },
	{ { "-v", "--", "-p", "-x" }, 0, 3, { "-p", "-x" }, DEF, .verbose = true },
	/* positional counts */
	{ { NULL }, EXIT_USAGE, .err = { "missing argument", "pattern" } },
	{ { "-v" }, EXIT_USAGE, .err = { "missing argument", "pattern" } },
	{ { "a", "b" }, 0, 1, { "a", "b" }, DEF },
	{ { "a", "b", "c" }, EXIT_USAGE, .err = { "unexpected argument 'c'" } },
	/* GNU permutation: options after and between positionals */
	{ { "pat", "-p", "7", "-v", "3" }, 0, 4, { "pat", "3" }, .pid = 7, .interval = 1.0,
	  .verbose = true },
	{ { "pat", "3", "--syscall=open" }, 0, 2, { "pat", "3" }, DEF, .syscall = "open" },
	/* help wins over everything, including missing positionals */
	{ { "-h" }, 1 },
	{ { "--help" }, 1 },
	{ { "-v", "--help", "a", "b", "c" }, 1 },
};

static void check_case(size_t idx, const struct parse_case *c)
{
	struct fake_conf conf = { 0 };
	char *argv[MAX_ARGV + 2];
	char *outbuf = NULL, *errbuf = NULL;
	size_t outlen = 0, errlen = 0;
	FILE *out = open_memstream(&outbuf, &outlen);
	FILE *err = open_memstream(&errbuf, &errlen);
	int argc = 0, first = -1, ret;
	char d[256]; /* "case 3 [fake -p 12 pat]" for messages */
	size_t dlen;

	cr_assert(out && err);
	argv[argc++] = "fake";
	for (int i = 0; i < MAX_ARGV && c->argv[i]; i++)
		argv[argc++] = (char *)c->argv[i];
	argv[argc] = NULL;
	dlen = snprintf(d, sizeof(d), "case %zu [fake", idx);
	for (int i = 1; i < argc; i++)
		dlen += snprintf(d + dlen, sizeof(d) - dlen, " %s", argv[i]);
	snprintf(d + dlen, sizeof(d) - dlen, "]");

	fake_init(&conf);
	err_set_stream(err);
	ret = opts_parse(&fake_tool, &conf, argc, argv, &first, out);
	err_set_stream(NULL);
	fclose(out);
	fclose(err);

	cr_assert_eq(ret, c->ret, "%s: returned %d, want %d (err: %s)", d, ret, c->ret, errbuf);
	if (c->ret == 1) {
		cr_assert(strstr(outbuf, "usage: rawtrace fake"), "%s: help is '%s'", d, outbuf);
		cr_assert_str_empty(errbuf, "%s: help wrote an error '%s'", d, errbuf);
	} else {
		cr_assert_str_empty(outbuf, "%s: wrote '%s' to out", d, outbuf);
	}
	if (c->ret == EXIT_USAGE) {
		char *nl = strchr(errbuf, '\n');

		/* exactly one message line, naming what was wrong */
		cr_assert(nl && !nl[1], "%s: want one error line, got '%s'", d, errbuf);
		for (int k = 0; k < 2 && c->err[k]; k++)
			cr_assert(strstr(errbuf, c->err[k]), "%s: error '%s' lacks '%s'", d, errbuf,
				  c->err[k]);
	}
	if (c->ret == 0) {
		int npos = c->pos[1] ? 2 : 1;
		int nfuncs = (c->funcs[0] != NULL) + (c->funcs[1] != NULL);

		cr_assert_str_empty(errbuf, "%s: unexpected error '%s'", d, errbuf);
		cr_assert_eq(first, c->first_pos, "%s: first positional %d, want %d", d, first,
			     c->first_pos);
		cr_assert_eq(argc - first, npos, "%s: %d positionals, want %d", d, argc - first,
			     npos);
		for (int k = 0; k < npos; k++)
			cr_assert_str_eq(argv[first + k], c->pos[k], "%s: positional %d", d, k);
		cr_assert_eq(conf.pid, c->pid, "%s: pid %ld", d, conf.pid);
		cr_assert_eq(conf.verbose, c->verbose, "%s: verbose", d);
		cr_assert_eq(conf.extra, c->extra, "%s: extra", d);
		cr_assert_eq(conf.ms, c->ms, "%s: ms", d);
		cr_assert_float_eq(conf.interval, c->interval, 1e-12, "%s: interval %g", d,
				   conf.interval);
		if (c->comm)
			cr_assert_str_eq(conf.comm, c->comm, "%s: comm", d);
		else
			cr_assert_null(conf.comm, "%s: comm set", d);
		if (c->syscall)
			cr_assert_str_eq(conf.syscall, c->syscall, "%s: syscall", d);
		else
			cr_assert_null(conf.syscall, "%s: syscall set", d);
		cr_assert_eq(conf.funcs.n, nfuncs, "%s: %d funcs", d, conf.funcs.n);
		for (int k = 0; k < conf.funcs.n; k++)
			cr_assert_str_eq(conf.funcs.v[k], c->funcs[k], "%s: func %d", d, k);
	}
	fake_free(&conf);
	cr_assert_eq(conf.funcs.n, 0);
	cr_assert_null(conf.funcs.v);
	free(outbuf);
	free(errbuf);
}

Test(opts, parse_table)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++)
		check_case(i, &parse_cases[i]);
}

/*
 * getopt state must not leak between parses in one process: a parse that stops inside a
 * bundle ("-Zv", "-hv") leaves getopt pointing at the rest of it, which the next parse of
 * a different argv must not see.
 */
Test(opts, parse_twice)
{
	static const struct parse_case stop_in_bundle[] = {
		{ { "-Zv", "pat" }, EXIT_USAGE, .err = { "unknown option -Z" } },
		{ { "-hv" }, 1 },
		{ { "pat", "-p" }, EXIT_USAGE, .err = { "needs an argument" } },
	};

	for (size_t k = 0; k < sizeof(stop_in_bundle) / sizeof(stop_in_bundle[0]); k++) {
		check_case(100 + k, &stop_in_bundle[k]);
		check_case(0, &parse_cases[0]);
		check_case(100 + k, &stop_in_bundle[k]);
		check_case(1, &parse_cases[1]);
	}
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++)
		check_case(i, &parse_cases[i]);
}

static char *help_text(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct fake_conf conf;
	char *argv[] = { "fake", "--help", NULL };
	int first;

	cr_assert(f);
	fake_init(&conf);
	memset(&conf.funcs, 0, sizeof(conf.funcs));
	cr_assert_eq(opts_parse(&fake_tool, &conf, 2, argv, &first, f), 1);
	fclose(f);
	return buf;
}

Test(opts, help_lists_every_option)
{
	char *h = help_text();

	cr_assert(!strncmp(h, "usage: rawtrace fake [-h]", 25), "help starts '%.40s'", h);
	cr_assert(strstr(h, fake_tool.summary));
	cr_assert(strstr(h, "-h, --help"));
	for (const struct opt *o = fake_opts; o->key || o->name; o++)
		cr_assert(strstr(h, o->help), "help lacks '%s':\n%s", o->help, h);
	cr_assert(strstr(h, "-p PID, --pid PID"), "%s", h);
	cr_assert(strstr(h, "--syscall NAME"), "%s", h);
	cr_assert(strstr(h, "\nexamples:\n    rawtrace fake -p 181 'vfs_*'\n"), "%s", h);
	/* options appear in table order */
	cr_assert(strstr(h, "trace this PID only") < strstr(h, "show extra columns"));
	cr_assert(strstr(h, "show extra columns") < strstr(h, "trace only syscall NAME"));
	free(h);
}

Test(opts, usage_line_in_table_order)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert(f);
	opts_usage(&fake_tool, f);
	fclose(f);
	cr_assert_str_eq(buf, "usage: rawtrace fake [-h] [-p PID] [-v] [-x] [-i SECS] [-c COMM] "
			      "[-f FUNC] [--syscall NAME] [--ms] pattern [count]\n");
	free(buf);
}

Test(opts, usage_without_options_or_positionals)
{
	static const struct opt none[] = { OPT_END };
	static const struct tool_desc bare = { .name = "bare", .summary = "s", .opts = none };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert(f);
	opts_usage(&bare, f);
	fclose(f);
	cr_assert_str_eq(buf, "usage: rawtrace bare [-h]\n");
	free(buf);
}

struct long_case {
	const char *s;
	int ret;
	long want;
};

static const struct long_case long_cases[] = {
	{ "0", 0, 0 },
	{ "12", 0, 12 },
	{ "-7", 0, -7 },
	{ "+7", 0, 7 },
	{ "0x10", -EINVAL, 0 },
	{ "010", 0, 10 },
	{ "0X1f", -EINVAL, 0 },
	{ "9223372036854775807", 0, LONG_MAX },
	{ "-9223372036854775808", 0, LONG_MIN },
	{ "9223372036854775808", -ERANGE },
	{ "-9223372036854775809", -ERANGE },
	{ "99999999999999999999999", -ERANGE },
	{ "", -EINVAL },
	{ "abc", -EINVAL },
	{ "12abc", -EINVAL },
	{ "12 ", -EINVAL },
	{ "1.5", -EINVAL },
	{ "0x", -EINVAL },
	{ "0xg", -EINVAL },
	{ "-", -EINVAL },
};

Test(opts, parse_long_table)
{
	for (size_t i = 0; i < sizeof(long_cases) / sizeof(long_cases[0]); i++) {
		const struct long_case *c = &long_cases[i];
		long v = 4242;
		int ret = opts_parse_long(c->s, &v);

		cr_assert_eq(ret, c->ret, "'%s': returned %d, want %d", c->s, ret, c->ret);
		/* the result is written only on success */
		cr_assert_eq(v, c->ret ? 4242 : c->want, "'%s': value %ld", c->s, v);
	}
	cr_assert_eq(opts_parse_long(NULL, &(long){ 0 }), -EINVAL);
}

struct double_case {
	const char *s;
	int ret;
	double want;
};

static const struct double_case double_cases[] = {
	{ "0", 0, 0.0 },
	{ "0.5", 0, 0.5 },
	{ "-2.25", 0, -2.25 },
	{ "1e3", 0, 1000.0 },
	{ ".5", 0, 0.5 },
	{ "0x10", 0, 16.0 },
	{ "1e999", -ERANGE },
	{ "-1e999", -ERANGE },
	{ "inf", -ERANGE },
	{ "-inf", -ERANGE },
	{ "nan", -ERANGE },
	{ "", -EINVAL },
	{ "abc", -EINVAL },
	{ "1.5s", -EINVAL },
	{ "1.5 ", -EINVAL },
	{ ".", -EINVAL },
	{ "e5", -EINVAL },
};

Test(opts, parse_double_table)
{
	for (size_t i = 0; i < sizeof(double_cases) / sizeof(double_cases[0]); i++) {
		const struct double_case *c = &double_cases[i];
		double v = 42.5;
		int ret = opts_parse_double(c->s, &v);

		cr_assert_eq(ret, c->ret, "'%s': returned %d, want %d", c->s, ret, c->ret);
		cr_assert_float_eq(v, c->ret ? 42.5 : c->want, 1e-12, "'%s': value %g", c->s, v);
	}
	cr_assert_eq(opts_parse_double(NULL, &(double){ 0 }), -EINVAL);
}

Test(opts, list_free_resets)
{
	struct opt_list l = { 0 };

	l.v = malloc(2 * sizeof(*l.v));
	cr_assert(l.v);
	l.v[0] = "a";
	l.v[1] = "b";
	l.n = 2;
	opt_list_free(&l);
	cr_assert_null(l.v);
	cr_assert_eq(l.n, 0);
	opt_list_free(&l); /* twice is harmless */
	cr_assert_null(l.v);
}
