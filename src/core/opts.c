// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * opts: parse a tool's argv from its option table with getopt_long, check types and
 * ranges, and generate the usage line and --help text from the same table.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "core/opts.h"
#include "tool.h"

#define LONG_ONLY_BASE 256

int opts_parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	/* Decimal, as BCC's argparse reads them: -p 010 is pid 10, not 8. */
	v = strtol(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int opts_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno == ERANGE || !isfinite(v))
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int opts_parse_positive(const char *s, const char *what, long *out)
{
	if (opts_parse_long(s, out) || *out < 1) {
		err_msg("%s must be a positive integer, not '%s'", what, s);
		return EXIT_USAGE;
	}
	return 0;
}

void opt_list_free(struct opt_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static unsigned count_opts(const struct opt *o)
{
	unsigned n = 0;

	while (o && (o[n].key || o[n].name))
		n++;
	return n;
}

static int opt_code(const struct opt *o, unsigned idx)
{
	return o->key ? o->key : LONG_ONLY_BASE + (int)idx;
}

/* "-p/--pid", "-x" or "--syscall" for messages. */
static const char *opt_label(const struct opt *o, char *buf, size_t len)
{
	if (o->key && o->name)
		snprintf(buf, len, "-%c/--%s", o->key, o->name);
	else if (o->key)
		snprintf(buf, len, "-%c", o->key);
	else
		snprintf(buf, len, "--%s", o->name);
	return buf;
}

static bool has_range(const struct opt *o)
{
	return o->min != 0 || o->max != 0;
}

static int store(const struct opt *o, void *conf, const char *arg)
{
	char *dst = (char *)conf + o->off;
	char lbl[64];
	double d;
	long l;

	switch (o->kind) {
	case OPT_FLAG:
		*(bool *)dst = true;
		return 0;
	case OPT_INT:
		if (opts_parse_long(arg, &l)) {
			err_msg("option %s: expected an integer, got '%s'", opt_label(o, lbl, sizeof(lbl)), arg);
			return EXIT_USAGE;
		}
		if (has_range(o) && (l < o->min || l > o->max)) {
			err_msg("option %s: %ld is out of range (%.0f to %.0f)", opt_label(o, lbl, sizeof(lbl)),
				l, o->min, o->max);
			return EXIT_USAGE;
		}
		*(long *)dst = l;
		return 0;
	case OPT_DOUBLE:
		if (opts_parse_double(arg, &d)) {
			err_msg("option %s: expected a number, got '%s'", opt_label(o, lbl, sizeof(lbl)), arg);
			return EXIT_USAGE;
		}
		if (has_range(o) && (d < o->min || d > o->max)) {
			err_msg("option %s: %g is out of range (%g to %g)", opt_label(o, lbl, sizeof(lbl)), d,
				o->min, o->max);
			return EXIT_USAGE;
		}
		*(double *)dst = d;
		return 0;
	case OPT_STR:
		*(const char **)dst = arg;
		return 0;
	case OPT_LIST: {
		struct opt_list *lst = (struct opt_list *)dst;
		const char **v = realloc(lst->v, (lst->n + 1) * sizeof(*v));

		if (!v) {
			err_msg("out of memory");
			return EXIT_RUNTIME;
		}
		v[lst->n++] = arg;
		lst->v = v;
		return 0;
	}
	}
	return EXIT_USAGE;
}

int opts_parse(const struct tool_desc *t, void *conf, int argc, char **argv, int *first_pos, FILE *out)
{
	unsigned n = count_opts(t->opts);
	struct option *lo = calloc(n + 2, sizeof(*lo));
	char *so = malloc(2 * n + 4);
	int ret = 0, c, nlo = 0, npos;
	char *p = so;

	if (!lo || !so) {
		free(lo);
		free(so);
		err_msg("out of memory");
		return EXIT_RUNTIME;
	}
	*p++ = ':'; /* report missing arguments as ':' */
	*p++ = 'h';
	for (unsigned i = 0; i < n; i++) {
		const struct opt *o = &t->opts[i];

		if (o->key) {
			*p++ = (char)o->key;
			if (o->kind != OPT_FLAG)
				*p++ = ':';
		}
		if (o->name)
			lo[nlo++] = (struct option){ o->name, o->kind == OPT_FLAG ? no_argument : required_argument,
						     NULL, opt_code(o, i) };
	}
	*p = 0;
	lo[nlo++] = (struct option){ "help", no_argument, NULL, 'h' };

	optind = 0; /* re-initialise getopt (tests parse several argvs) */
	opterr = 0;
	while (!ret && (c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		const struct opt *o = NULL;

		if (c == 'h') {
			opts_help(t, out);
			ret = 1;
			break;
		}
		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];
			char lbl[64];

			/*
			 * optopt is a known option's code for a missing argument (':') or for a
			 * "--flag=value" ('?'); name it from the table, since argv[optind - 1] may
			 * be a bundle ("-vp").
			 */
			for (unsigned i = 0; i < n && optopt; i++)
				if (opt_code(&t->opts[i], i) == optopt)
					o = &t->opts[i];
			if (c == ':')
				err_msg("option %s needs an argument",
					o ? opt_label(o, lbl, sizeof(lbl)) : bad);
			else if (o)
				err_msg("option %s takes no argument",
					opt_label(o, lbl, sizeof(lbl)));
			else if (optopt == 'h')
				err_msg("option -h/--help takes no argument");
			else if (optopt && optopt < LONG_ONLY_BASE)
				err_msg("unknown option -%c", optopt);
			else
				err_msg("unknown option %s", bad);
			ret = EXIT_USAGE;
			break;
		}
		for (unsigned i = 0; i < n; i++)
			if (opt_code(&t->opts[i], i) == c)
				o = &t->opts[i];
		if (o)
			ret = store(o, conf, optarg);
	}
	if (!ret) {
		npos = argc - optind;
		if (npos < t->min_args) {
			err_msg("missing argument: %s", t->args ? t->args : "");
			ret = EXIT_USAGE;
		} else if (npos > t->max_args) {
			err_msg("unexpected argument '%s'", argv[optind + t->max_args]);
			ret = EXIT_USAGE;
		}
	}
	if (ret == EXIT_USAGE)
		opts_usage(t, stderr);
	*first_pos = optind;
	free(lo);
	free(so);
	return ret;
}

void opts_usage(const struct tool_desc *t, FILE *f)
{
	unsigned n = count_opts(t->opts);

	fprintf(f, "usage: rawtrace %s [-h]", t->name);
	for (unsigned i = 0; i < n; i++) {
		const struct opt *o = &t->opts[i];

		if (o->key)
			fprintf(f, o->arg ? " [-%c %s]" : " [-%c]", o->key, o->arg);
		else
			fprintf(f, o->arg ? " [--%s %s]" : " [--%s]", o->name, o->arg);
	}
	if (t->args && *t->args)
		fprintf(f, " %s", t->args);
	fputc('\n', f);
}

void opts_help(const struct tool_desc *t, FILE *f)
{
	unsigned n = count_opts(t->opts);

	opts_usage(t, f);
	fprintf(f, "\n%s\n\noptions:\n  -h, --help            show this help message and exit\n", t->summary);
	for (unsigned i = 0; i < n; i++) {
		const struct opt *o = &t->opts[i];
		char left[80];
		int len;

		if (o->key && o->name)
			len = snprintf(left, sizeof(left), "-%c%s%s, --%s%s%s", o->key, o->arg ? " " : "",
				       o->arg ? o->arg : "", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		else if (o->key)
			len = snprintf(left, sizeof(left), "-%c%s%s", o->key, o->arg ? " " : "", o->arg ? o->arg : "");
		else
			len = snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		if (len <= 20)
			fprintf(f, "  %-20s  %s\n", left, o->help);
		else
			fprintf(f, "  %s\n                        %s\n", left, o->help);
	}
	if (t->examples)
		fprintf(f, "\nexamples:\n%s", t->examples);
}
