/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * spec: BCC's trace probe and argdist specifier grammars.  Pure: libc only.
 *
 * trace (one probe argument):
 *   [{p,r}]:[library]:function[+offset][(signature)] [(predicate)] ["format"[, args...]]
 *   {t:category:event,u:library[:provider]:probe} [(predicate)] ["format"[, args...]]
 *   "func" means p::func and "lib:func" means p:lib:func, as in BCC.
 * argdist (-H or -C):
 *   {p,r,t,u}:{[library],category}:function(signature)[:type[,type...]:expr[,expr...][:filter]][#label]
 *   3 to 6 ':'-separated parts outside quotes and parentheses; the ?: operator is not
 *   supported (its ':' would be a part separator).
 *
 * Names used in expressions are checked against the probe: retval, $retval, $latency and
 * $entry() need an r probe, args->FIELD a t probe, other names a signature parameter.
 * Every error carries a message and the 0-based column in the spec; spec_format_error()
 * shows it under the spec with a caret.
 */
#ifndef RT_SPEC_H
#define RT_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "parsers/expr.h"
#include "parsers/fmt.h"

/* One signature parameter, e.g. "char *buf": name "buf", type.text "char *". */
struct spec_param {
	char *name;
	struct expr_type type;
	int col; /* column of the parameter's first character */
};

/* The 0-based index of the parameter called name (= its argN - 1), or -1. */
int spec_param_index(const struct spec_param *params, size_t n, const char *name);

/* Where a probe goes: the type:library:function part both spec languages share. */
struct spec_site {
	char type;	 /* 'p', 'r', 't' or 'u' */
	char *library;	 /* p/r/u: library or binary, "" for the kernel; t: "" */
	char *category;	 /* t: tracepoint category; u: provider or ""; p/r: "" */
	char *function;	 /* p/r: function; t: event; u: probe */
	uint64_t offset; /* trace p probes: the +offset, else 0 */
	struct spec_param *params;
	size_t nparams;
};

struct trace_spec {
	struct spec_site site;
	bool has_signature; /* even "()" counts */
	struct expr *pred; /* NULL when absent */
	char *pred_text;   /* the text inside the parentheses, NULL when absent */
	bool has_fmt;
	struct fmt fmt; /* empty when !has_fmt */
	int fmt_col;	/* column of the opening quote */
	struct expr **args;
	char **arg_texts; /* each argument as written, trimmed */
	int *arg_cols;
	size_t nargs;
	char *text; /* the spec as given */
};

/* 0, or -EINVAL/-ENOMEM with err set (s is then empty and needs no free). */
int trace_spec_parse(const char *text, struct trace_spec *s, struct expr_error *err);
void trace_spec_free(struct trace_spec *s);

struct argdist_spec {
	struct spec_site site;
	/*
	 * One type per expression.  Without expressions an r probe gets type int and
	 * expression $retval (text "retval", the name BCC prints); p, t and u probes count
	 * calls instead (total_calls, nexprs == 0).
	 */
	struct expr_type *types;
	struct expr **exprs;
	char **expr_texts; /* as written, trimmed: the histogram unit and the EVENT names */
	int *expr_cols;
	size_t nexprs;
	bool total_calls;
	struct expr *filter; /* NULL when absent */
	char *filter_text;
	char *label; /* text after '#', NULL when absent */
	char *text;  /* the spec as given */
};

/* histogram: -H (exactly one expression) rather than -C.  Returns as trace_spec_parse. */
int argdist_spec_parse(const char *text, bool histogram, struct argdist_spec *s,
		       struct expr_error *err);
void argdist_spec_free(struct argdist_spec *s);

/*
 * Render an error BCC-style into buf: the spec on one line (control characters shown as
 * spaces so the caret lines up), a '^' under col on the next, then msg.  snprintf
 * semantics.
 */
size_t spec_format_error(const char *text, int col, const char *msg, char *buf, size_t buflen);

#endif
