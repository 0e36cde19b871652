// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * spec: split trace probes and argdist specifiers into their parts and hand the
 * expression, type and format pieces to expr.c and fmt.c with their columns in the
 * original text, so every error points at the character that caused it.  Scanning for
 * separators (spaces, ':', ',', '#') skips quoted strings and parenthesised groups, which
 * is what lets "p::f", STRCMP("a:b", x) and f(a, b) coexist.  Pure: libc only.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parsers/spec.h"

/* Register arguments: what arg1..arg6 and a kprobe's $argN can reach. */
#define MAX_PARAMS 6
#define MAX_ARGDIST_PARTS 6

struct range {
	size_t s, e;
};

static int fail(struct expr_error *err, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct expr_error *err, size_t col, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->col = (int)col;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

static struct range trim(const char *t, struct range r)
{
	while (r.s < r.e && is_space(t[r.s]))
		r.s++;
	while (r.e > r.s && is_space(t[r.e - 1]))
		r.e--;
	return r;
}

/* Past the quoted string or character starting at t[i]; end when unterminated. */
static size_t skip_quoted(const char *t, size_t i, size_t end)
{
	char q = t[i];

	for (i++; i < end && t[i] != q; i++)
		if (t[i] == '\\')
			i++;
	return i < end ? i + 1 : end + 1;
}

/*
 * Split t[r) at sep outside quotes and parentheses into parts[] (at most max; the count
 * is returned even when larger).
 */
static size_t split_top(const char *t, struct range r, char sep, struct range *parts, size_t max)
{
	size_t i = r.s, n = 0, start = r.s;
	int depth = 0;

	while (i < r.e) {
		if (t[i] == '"' || t[i] == '\'') {
			i = skip_quoted(t, i, r.e);
			continue;
		}
		if (t[i] == '(')
			depth++;
		else if (t[i] == ')' && depth > 0)
			depth--;
		else if (t[i] == sep && !depth) {
			if (n < max)
				parts[n] = (struct range){start, i};
			n++;
			start = i + 1;
		}
		i++;
	}
	if (n < max)
		parts[n] = (struct range){start, r.e};
	return n + 1;
}

/* The ')' matching the '(' at t[i], skipping quotes; 0 when unbalanced. */
static size_t match_paren(const char *t, size_t i, size_t end)
{
	int depth = 0;

	while (i < end) {
		if (t[i] == '"' || t[i] == '\'') {
			i = skip_quoted(t, i, end);
			continue;
		}
		if (t[i] == '(')
			depth++;
		else if (t[i] == ')' && !--depth)
			return i;
		i++;
	}
	return 0;
}

static char *dup_range(const char *t, struct range r)
{
	return strndup(t + r.s, r.e - r.s);
}

int spec_param_index(const struct spec_param *params, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(params[i].name, name))
			return (int)i;
	return -1;
}

static void free_params(struct spec_param *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(p[i].name);
		expr_type_free(&p[i].type);
	}
	free(p);
}

/* A C parameter list: "int fd, char *buf", "" or "void". */
static int parse_signature(const char *t, struct range r, struct spec_param **out, size_t *nout,
			   struct expr_error *err)
{
	struct range parts[MAX_PARAMS + 1], pr;
	struct spec_param *params;
	size_t n, i, ns;
	int rc = 0;

	*out = NULL;
	*nout = 0;
	r = trim(t, r);
	if (r.s == r.e || (r.e - r.s == 4 && !memcmp(t + r.s, "void", 4)))
		return 0;
	n = split_top(t, r, ',', parts, MAX_PARAMS + 1);
	if (n > MAX_PARAMS)
		return fail(err, trim(t, parts[MAX_PARAMS]).s,
			    "only %d parameters can be traced (the register arguments)",
			    MAX_PARAMS);
	params = calloc(n, sizeof(*params));
	if (!params)
		return fail(err, r.s, "out of memory");
	for (i = 0; i < n && !rc; i++) {
		pr = trim(t, parts[i]);
		params[i].col = (int)pr.s;
		ns = pr.e;
		while (ns > pr.s && is_name_char(t[ns - 1]))
			ns--;
		if (pr.s == pr.e) {
			rc = fail(err, pr.s, "empty parameter");
			break;
		}
		if (ns == pr.e || ns == pr.s || (t[ns] >= '0' && t[ns] <= '9')) {
			rc = fail(err, pr.s, "parameter needs a type and a name, e.g. 'int fd'");
			break;
		}
		rc = expr_type_parse(t, pr.s, ns, &params[i].type, err);
		if (rc)
			break;
		params[i].name = dup_range(t, (struct range){ns, pr.e});
		if (!params[i].name) {
			rc = fail(err, ns, "out of memory");
			break;
		}
		if (spec_param_index(params, i, params[i].name) >= 0)
			rc = fail(err, ns, "duplicate parameter '%s'", params[i].name);
	}
	if (rc) {
		free_params(params, n);
		return rc;
	}
	*out = params;
	*nout = n;
	return 0;
}

static int check_names(const struct expr *e, const struct spec_site *sc, struct expr_error *err)
{
	if (!e)
		return 0;
	switch (e->kind) {
	case EXPR_VAR:
		if ((e->var == EXPR_VAR_RETVAL || e->var == EXPR_VAR_LATENCY) && sc->type != 'r')
			return fail(err, (size_t)e->col, "%s is only available in r probes",
				    e->name);
		if (e->var == EXPR_VAR_ARG && sc->type == 't')
			return fail(err, (size_t)e->col,
				    "%s is not available in tracepoints; use args->FIELD", e->name);
		return 0;
	case EXPR_ENTRY:
		if (sc->type != 'r')
			return fail(err, (size_t)e->col, "$entry() is only available in r probes");
		if (spec_param_index(sc->params, sc->nparams, e->name) < 0)
			return fail(err, (size_t)e->col, "$entry(%s): '%s' is not in the signature",
				    e->name, e->name);
		return 0;
	case EXPR_FIELD:
		if (sc->type != 't')
			return fail(err, (size_t)e->col, "args->%s is only available in t: probes",
				    e->name);
		return 0;
	case EXPR_IDENT:
		if (spec_param_index(sc->params, sc->nparams, e->name) < 0)
			return fail(err, (size_t)e->col, "unknown name '%s' (not in the signature)",
				    e->name);
		return 0;
	default:
		if (check_names(e->kid[0], sc, err))
			return -EINVAL;
		return check_names(e->kid[1], sc, err);
	}
}

static struct expr *parse_checked(const char *t, struct range r, const struct spec_site *sc,
				  struct expr_error *err)
{
	struct expr *e = expr_parse_range(t, r.s, r.e, err);

	if (e && check_names(e, sc, err)) {
		expr_free(e);
		return NULL;
	}
	return e;
}

/* "name", or "name+offset" where offsets are allowed (trace p probes). */
static int parse_function(const char *t, struct range r, char type, bool offset_ok, char **name,
			  uint64_t *off, struct expr_error *err)
{
	size_t i, plus = r.e;
	char *end;

	for (i = r.s; i < r.e; i++) {
		if (t[i] == '+') {
			plus = i;
			break;
		}
		if (!is_name_char(t[i]) && t[i] != '.' && t[i] != '@' && t[i] != '$')
			return fail(err, i, "invalid character '%c' in a probe name", t[i]);
	}
	if (plus == r.s)
		return fail(err, r.s,
			    type == 't'	  ? "missing tracepoint event"
			    : type == 'u' ? "missing probe name"
					  : "missing function name");
	if (plus < r.e) {
		if (!offset_ok)
			return fail(err, plus,
				    type == 'p' ? "argdist does not take offsets"
						: "an offset is only valid in p probes");
		if (plus + 1 == r.e || !(t[plus + 1] >= '0' && t[plus + 1] <= '9'))
			return fail(err, plus + 1, "expected a decimal or hex offset after '+'");
		errno = 0;
		/* strtoull stops at the spec's end: t[r.e] is never a digit here. */
		*off = strtoull(t + plus + 1, &end, 0);
		if (errno || end != t + r.e)
			return fail(err, plus + 1, "invalid offset");
	}
	*name = dup_range(t, (struct range){r.s, plus});
	return *name ? 0 : fail(err, r.s, "out of memory");
}

static bool probe_type(const char *t, struct range r)
{
	return r.e - r.s == 1 && strchr("prtu", t[r.s]) && t[r.s];
}

/* The type:library:function part of a trace probe, t[r) without the signature. */
static int trace_head(const char *t, struct range r, struct trace_spec *s, struct expr_error *err)
{
	struct range p[4];
	size_t n = split_top(t, r, ':', p, 4), fi;
	char type;

	if (n > 4)
		return fail(err, r.s, "too many ':'-separated parts in the probe");
	if (n == 4 && !(p[0].e - p[0].s == 1 && t[p[0].s] == 'u'))
		return fail(err, p[3].s - 1,
			    "only u: probes have a fourth part (u:lib:provider:probe)");
	if (n >= 3) {
		if (!probe_type(t, p[0]))
			return fail(err, p[0].s, "probe type must be p, r, t or u, not '%.*s'",
				    (int)(p[0].e - p[0].s), t + p[0].s);
		type = t[p[0].s];
	} else {
		/* BCC: "func" is p::func and "lib:func" is p:lib:func. */
		type = 'p';
		if (n == 1) {
			p[2] = p[0];
			p[1] = (struct range){r.s, r.s};
		} else {
			p[2] = p[1];
			p[1] = p[0];
		}
	}
	s->site.type = type;
	fi = n == 4 ? 3 : 2;
	if (type == 't' && p[1].s == p[1].e)
		return fail(err, p[1].s, "missing tracepoint category");
	s->site.library = dup_range(t, type == 't' ? (struct range){r.s, r.s} : p[1]);
	s->site.category = dup_range(t, type == 't' ? p[1] : n == 4 ? p[2] : (struct range){r.s, r.s});
	if (!s->site.library || !s->site.category)
		return fail(err, r.s, "out of memory");
	return parse_function(t, p[fi], type, type == 'p', &s->site.function, &s->site.offset, err);
}

static int trace_args(const char *t, struct range r, struct trace_spec *s, struct expr_error *err)
{
	size_t n = split_top(t, r, ',', NULL, 0), i;
	struct range *parts, a;
	int rc = 0;

	parts = calloc(n, sizeof(*parts));
	s->args = calloc(n, sizeof(*s->args));
	s->arg_texts = calloc(n, sizeof(*s->arg_texts));
	s->arg_cols = calloc(n, sizeof(*s->arg_cols));
	if (!parts || !s->args || !s->arg_texts || !s->arg_cols) {
		free(parts);
		return fail(err, r.s, "out of memory");
	}
	split_top(t, r, ',', parts, n);
	for (i = 0; i < n && !rc; i++) {
		a = trim(t, parts[i]);
		s->arg_cols[i] = (int)a.s;
		if (a.s == a.e) {
			rc = fail(err, a.s, "empty argument");
			break;
		}
		s->args[i] = parse_checked(t, a, &s->site, err);
		s->nargs = i + 1;
		if (!s->args[i]) {
			rc = -EINVAL;
			break;
		}
		s->arg_texts[i] = dup_range(t, a);
		if (!s->arg_texts[i])
			rc = fail(err, a.s, "out of memory");
	}
	free(parts);
	return rc;
}

static int trace_parse(const char *t, size_t len, struct trace_spec *s, struct expr_error *err)
{
	struct range head, sig = {0, 0}, r;
	size_t i, j, close;
	int depth = 0;

	i = trim(t, (struct range){0, len}).s;
	if (i == len)
		return fail(err, 0, "empty probe");
	/* The probe runs to the first blank or quote outside the signature's parentheses. */
	for (j = i; j < len && (depth || (!is_space(t[j]) && t[j] != '"')); j++) {
		if (t[j] == '(' && !depth++)
			sig.s = j;
		else if (t[j] == ')' && depth && !--depth)
			sig.e = j;
	}
	if (depth)
		return fail(err, sig.s, "unbalanced '(' in the signature");
	head = (struct range){i, j};
	if (sig.e) {
		if (sig.e + 1 != j)
			return fail(err, sig.e + 1, "unexpected text after the signature");
		head.e = sig.s;
	} else {
		for (close = i; close < j; close++)
			if (t[close] == ')')
				return fail(err, close, "unbalanced ')'");
	}
	if (trace_head(t, head, s, err))
		return -EINVAL;
	if (sig.e) {
		if (s->site.type == 't' || s->site.type == 'u')
			return fail(err, sig.s, "a signature is not allowed for t: and u: probes");
		s->has_signature = true;
		if (parse_signature(t, (struct range){sig.s + 1, sig.e}, &s->site.params, &s->site.nparams,
				    err))
			return -EINVAL;
	}

	for (; j < len && is_space(t[j]); j++)
		;
	if (j < len && t[j] == '(') {
		close = match_paren(t, j, len);
		if (!close)
			return fail(err, j, "unbalanced '(' in the predicate");
		r = (struct range){j + 1, close};
		s->pred = parse_checked(t, r, &s->site, err);
		if (!s->pred)
			return -EINVAL;
		s->pred_text = dup_range(t, trim(t, r));
		if (!s->pred_text)
			return fail(err, j, "out of memory");
		for (j = close + 1; j < len && is_space(t[j]); j++)
			;
	}
	if (j == len)
		return 0;
	if (t[j] != '"')
		return fail(err, j, "expected a format string in double quotes");
	close = skip_quoted(t, j, len);
	if (close > len)
		return fail(err, j, "unterminated format string");
	s->has_fmt = true;
	s->fmt_col = (int)j;
	if (fmt_parse_range(t, j + 1, close - 1, &s->fmt, err))
		return -EINVAL;
	for (j = close; j < len && is_space(t[j]); j++)
		;
	if (j < len) {
		if (t[j] != ',')
			return fail(err, j, "expected ',' and arguments after the format string");
		if (trace_args(t, (struct range){j + 1, len}, s, err))
			return -EINVAL;
	}
	return fmt_check_args(&s->fmt, s->nargs, s->fmt_col, s->arg_cols, err);
}

static void free_site(struct spec_site *site)
{
	free(site->library);
	free(site->category);
	free(site->function);
	free_params(site->params, site->nparams);
}

void trace_spec_free(struct trace_spec *s)
{
	size_t i;

	free_site(&s->site);
	expr_free(s->pred);
	free(s->pred_text);
	fmt_free(&s->fmt);
	for (i = 0; i < s->nargs; i++) {
		expr_free(s->args[i]);
		free(s->arg_texts[i]);
	}
	free(s->args);
	free(s->arg_texts);
	free(s->arg_cols);
	free(s->text);
	memset(s, 0, sizeof(*s));
}

int trace_spec_parse(const char *text, struct trace_spec *s, struct expr_error *err)
{
	int rc;

	memset(s, 0, sizeof(*s));
	if (!text)
		return fail(err, 0, "missing probe");
	rc = trace_parse(text, strlen(text), s, err);
	if (!rc) {
		s->text = strdup(text);
		if (!s->text)
			rc = fail(err, 0, "out of memory");
	}
	if (rc) {
		trace_spec_free(s);
		return rc == -ENOMEM ? rc : -EINVAL;
	}
	return 0;
}

/* ---- argdist ---- */

static int argdist_function(const char *t, struct range r, struct argdist_spec *s,
			    struct expr_error *err)
{
	struct range sig;
	size_t open;
	uint64_t off = 0;

	r = trim(t, r);
	for (open = r.s; open < r.e && t[open] != '('; open++)
		;
	if (open == r.e || t[r.e - 1] != ')' || match_paren(t, open, r.e) != r.e - 1)
		return fail(err, open < r.e ? open : r.e,
			    "the function needs parentheses, even when empty: %.*s()",
			    (int)(open - r.s), t + r.s);
	if (parse_function(t, (struct range){r.s, open}, s->site.type, false, &s->site.function, &off, err))
		return -EINVAL;
	sig = trim(t, (struct range){open + 1, r.e - 1});
	if ((s->site.type == 't' || s->site.type == 'u') && sig.s != sig.e)
		return fail(err, open, "a signature is not allowed for t: and u: probes");
	return parse_signature(t, sig, &s->site.params, &s->site.nparams, err);
}

static int argdist_exprs(const char *t, struct range tr, struct range er, bool histogram,
			 struct argdist_spec *s, struct expr_error *err)
{
	size_t nt = split_top(t, tr, ',', NULL, 0), ne = split_top(t, er, ',', NULL, 0), i;
	struct range *parts;
	int rc = 0;

	if (nt != ne)
		return fail(err, er.s, "%zu type%s but %zu expression%s", nt, nt == 1 ? "" : "s",
			    ne, ne == 1 ? "" : "s");
	if (histogram && ne != 1)
		return fail(err, er.s, "histograms can only have 1 expr");
	parts = calloc(ne, sizeof(*parts));
	s->types = calloc(ne, sizeof(*s->types));
	s->exprs = calloc(ne, sizeof(*s->exprs));
	s->expr_texts = calloc(ne, sizeof(*s->expr_texts));
	s->expr_cols = calloc(ne, sizeof(*s->expr_cols));
	if (!parts || !s->types || !s->exprs || !s->expr_texts || !s->expr_cols) {
		free(parts);
		return fail(err, er.s, "out of memory");
	}
	s->nexprs = ne;
	split_top(t, tr, ',', parts, nt);
	for (i = 0; i < nt && !rc; i++)
		rc = expr_type_parse(t, parts[i].s, parts[i].e, &s->types[i], err);
	split_top(t, er, ',', parts, ne);
	for (i = 0; i < ne && !rc; i++) {
		struct range a = trim(t, parts[i]);

		s->expr_cols[i] = (int)a.s;
		s->exprs[i] = parse_checked(t, a, &s->site, err);
		if (!s->exprs[i]) {
			rc = -EINVAL;
			break;
		}
		s->expr_texts[i] = dup_range(t, a);
		if (!s->expr_texts[i])
			rc = fail(err, a.s, "out of memory");
	}
	free(parts);
	return rc;
}

/* An r probe with no expression collects $retval as an int, printed as "retval". */
static int default_retval(struct argdist_spec *s, int col, struct expr_error *err)
{
	s->types = calloc(1, sizeof(*s->types));
	s->exprs = calloc(1, sizeof(*s->exprs));
	s->expr_texts = calloc(1, sizeof(*s->expr_texts));
	s->expr_cols = calloc(1, sizeof(*s->expr_cols));
	if (!s->types || !s->exprs || !s->expr_texts || !s->expr_cols)
		return fail(err, (size_t)col, "out of memory");
	s->nexprs = 1;
	s->expr_cols[0] = col;
	s->exprs[0] = calloc(1, sizeof(**s->exprs));
	s->expr_texts[0] = strdup("retval");
	s->types[0].text = strdup("int");
	if (!s->exprs[0] || !s->expr_texts[0] || !s->types[0].text)
		return fail(err, (size_t)col, "out of memory");
	s->types[0].size = 4;
	s->types[0].is_signed = true;
	s->exprs[0]->kind = EXPR_VAR;
	s->exprs[0]->var = EXPR_VAR_RETVAL;
	s->exprs[0]->col = col;
	s->exprs[0]->depth = 1;
	s->exprs[0]->name = strdup("$retval");
	return s->exprs[0]->name ? 0 : fail(err, (size_t)col, "out of memory");
}

static int argdist_parse(const char *t, size_t len, bool histogram, struct argdist_spec *s,
			 struct expr_error *err)
{
	struct range all = {0, len}, p[MAX_ARGDIST_PARTS], hash[2];
	size_t n;

	/* The label is everything after the first '#' outside quotes. */
	if (split_top(t, all, '#', hash, 2) > 1) {
		all.e = hash[0].e;
		s->label = dup_range(t, (struct range){hash[1].s, len});
		if (!s->label)
			return fail(err, hash[1].s, "out of memory");
		if (!*s->label)
			return fail(err, hash[0].e, "empty label after '#'");
	}
	all = trim(t, all);
	n = split_top(t, all, ':', p, MAX_ARGDIST_PARTS);
	if (n < 3)
		return fail(
		    err, all.s,
		    "a specifier needs at least 3 ':'-separated parts: type:library:function()");
	if (n > MAX_ARGDIST_PARTS)
		return fail(
		    err, p[MAX_ARGDIST_PARTS - 1].e,
		    "too many ':'-separated parts (at most 6; the ?: operator is not supported)");
	if (!probe_type(t, p[0]))
		return fail(err, p[0].s, "probe type must be p, r, t or u, not '%.*s'",
			    (int)(p[0].e - p[0].s), t + p[0].s);
	s->site.type = t[p[0].s];
	if (s->site.type == 't' && trim(t, p[1]).s == trim(t, p[1]).e)
		return fail(err, p[1].s, "missing tracepoint category");
	s->site.library = dup_range(t, s->site.type == 't' ? (struct range){0, 0} : p[1]);
	s->site.category = dup_range(t, s->site.type == 't' ? p[1] : (struct range){0, 0});
	if (!s->site.library || !s->site.category)
		return fail(err, p[1].s, "out of memory");
	if (argdist_function(t, p[2], s, err))
		return -EINVAL;
	if (n == 4)
		return fail(err, p[3].e, "types need expressions: add ':EXPR'");
	if (n >= 5 && argdist_exprs(t, p[3], p[4], histogram, s, err))
		return -EINVAL;
	if (n == 3) {
		if (s->site.type == 'r') {
			if (default_retval(s, (int)p[2].e, err))
				return -EINVAL;
		} else if (histogram) {
			return fail(err, p[2].e, "histograms must have expr");
		} else {
			s->total_calls = true;
		}
	}
	if (n == 6) {
		s->filter = parse_checked(t, p[5], &s->site, err);
		if (!s->filter)
			return -EINVAL;
		s->filter_text = dup_range(t, trim(t, p[5]));
		if (!s->filter_text)
			return fail(err, p[5].s, "out of memory");
	}
	return 0;
}

void argdist_spec_free(struct argdist_spec *s)
{
	size_t i;

	free_site(&s->site);
	for (i = 0; i < s->nexprs; i++) {
		if (s->types)
			expr_type_free(&s->types[i]);
		if (s->exprs)
			expr_free(s->exprs[i]);
		if (s->expr_texts)
			free(s->expr_texts[i]);
	}
	free(s->types);
	free(s->exprs);
	free(s->expr_texts);
	free(s->expr_cols);
	expr_free(s->filter);
	free(s->filter_text);
	free(s->label);
	free(s->text);
	memset(s, 0, sizeof(*s));
}

int argdist_spec_parse(const char *text, bool histogram, struct argdist_spec *s,
		       struct expr_error *err)
{
	int rc;

	memset(s, 0, sizeof(*s));
	if (!text)
		return fail(err, 0, "missing specifier");
	rc = argdist_parse(text, strlen(text), histogram, s, err);
	if (!rc) {
		s->text = strdup(text);
		if (!s->text)
			rc = fail(err, 0, "out of memory");
	}
	if (rc) {
		argdist_spec_free(s);
		return rc == -ENOMEM ? rc : -EINVAL;
	}
	return 0;
}

/* Store c at buf[n] if it fits, keeping room for the terminator; n counts regardless. */
static void put_char(char *buf, size_t buflen, size_t *n, char c)
{
	if (*n + 1 < buflen)
		buf[*n] = c;
	(*n)++;
}

size_t spec_format_error(const char *text, int col, const char *msg, char *buf, size_t buflen)
{
	size_t len = strlen(text), i, n = 0;

	if (col < 0)
		col = 0;
	if ((size_t)col > len)
		col = (int)len;
	for (i = 0; i < len; i++)
		put_char(buf, buflen, &n, (unsigned char)text[i] < 0x20 ? ' ' : text[i]);
	put_char(buf, buflen, &n, '\n');
	for (i = 0; i < (size_t)col; i++)
		put_char(buf, buflen, &n, ' ');
	put_char(buf, buflen, &n, '^');
	put_char(buf, buflen, &n, '\n');
	for (i = 0; msg[i]; i++)
		put_char(buf, buflen, &n, msg[i]);
	if (buflen)
		buf[n < buflen ? n : buflen - 1] = '\0';
	return n;
}
