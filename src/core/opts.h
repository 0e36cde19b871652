/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * opts: options are data.  A tool declares a table of typed options whose values land at
 * offsets inside the tool's own config struct; parsing, range checks, usage and --help are
 * generated from the table, so no tool hand-writes argument handling.
 */
#ifndef RT_OPTS_H
#define RT_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum opt_kind {
	OPT_FLAG,   /* bool; no argument */
	OPT_INT,    /* long, checked against [min, max] */
	OPT_DOUBLE, /* double, checked against [min, max] (seconds, ...) */
	OPT_STR,    /* const char *; last one wins */
	OPT_LIST,   /* struct opt_list; repeatable */
};

struct opt_list {
	const char **v;
	int n;
};

struct opt {
	int key;          /* short option letter, or 0 for long-only */
	const char *name; /* long name without "--", or NULL */
	enum opt_kind kind;
	size_t off;       /* offsetof(conf struct, field) */
	const char *arg;  /* metavar shown in usage ("PID"), NULL for flags */
	const char *help;
	double min, max;  /* inclusive range for OPT_INT/OPT_DOUBLE; min == max == 0: any */
};

#define OPT_END { 0, NULL, OPT_FLAG, 0, NULL, NULL, 0, 0 }

struct tool_desc;

/*
 * Parse argv[1..] of a tool: options into conf, positionals returned through *first_pos
 * (argv index of the first positional; options and positionals may be mixed, "--" ends
 * options).  Returns 0, 1 if --help/-h was given (help already printed to `out`), or
 * EXIT_USAGE after printing one message naming the bad option and the usage line.
 */
int opts_parse(const struct tool_desc *t, void *conf, int argc, char **argv, int *first_pos, FILE *out);

/* "usage: rawtrace syscount [-h] [-p PID] ... pattern" */
void opts_usage(const struct tool_desc *t, FILE *f);
/* usage + summary + one line per option + examples */
void opts_help(const struct tool_desc *t, FILE *f);

/* Strict number parsing for option and positional values. 0 or -EINVAL/-ERANGE. */
int opts_parse_long(const char *s, long *out);
int opts_parse_double(const char *s, double *out);

/*
 * A positional that must be a positive integer ("interval", "count"): 0, or EXIT_USAGE
 * after "WHAT must be a positive integer, not 'S'".
 */
int opts_parse_positive(const char *s, const char *what, long *out);

void opt_list_free(struct opt_list *l);

#endif
