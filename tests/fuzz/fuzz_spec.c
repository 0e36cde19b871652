// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the trace/argdist spec parsers: the input is parsed as an
 * expression, a format string, a trace probe and an argdist specifier (both -H and -C);
 * every parsed expression goes through the dumper, the kernel filter splitter and the
 * evaluator with a fixed environment, and every error through spec_format_error.  Besides
 * crashes it checks what callers rely on: error columns lie inside the input, failed
 * parses leave nothing allocated, and a split predicate's residual evaluates.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "parsers/expr.h"
#include "parsers/fmt.h"
#include "parsers/spec.h"

#define check(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

static int env(void *ctx, const struct expr *leaf, struct expr_value *v)
{
	(void)ctx;
	switch (leaf->kind) {
	case EXPR_VAR:
		if (leaf->var == EXPR_VAR_COMM) {
			*v = expr_value_str("bash");
			return 0;
		}
		*v = expr_value_int(leaf->argn ? -leaf->argn : 0x80000000LL, 64, false);
		return 0;
	case EXPR_IDENT:
		*v = expr_value_int((int64_t)strlen(leaf->name) - 3, 32, true);
		return 0;
	case EXPR_FIELD:
		if (leaf->name[0] == 's') {
			*v = expr_value_str(leaf->name);
			return 0;
		}
		v->kind = EXPR_VAL_INT;
		v->bits = 16;
		v->is_signed = leaf->name[0] == 'i';
		v->u = 0xfff0;
		return 0;
	default:
		return -ENOENT;
	}
}

/* Fields starting with 's' are strings; arg1/arg2 and $pid map too, with assorted types. */
static bool kfield(void *ctx, const struct expr *leaf, struct expr_kfield *f)
{
	(void)ctx;
	if (!leaf->name || strlen(leaf->name) >= sizeof(f->name) || leaf->name[0] == 'x')
		return false;
	strcpy(f->name, leaf->name);
	f->is_string = leaf->name[0] == 's';
	f->is_signed = leaf->name[0] == 'i' || leaf->name[0] == '$';
	f->size = (unsigned)(strlen(leaf->name) % 9);
	return true;
}

static void exercise(const struct expr *e, size_t len)
{
	struct expr_error err = {-1, ""};
	struct expr *res, *d;
	struct expr_value v;
	char buf[256], *k;
	bool t;

	check(e->col >= 0 && (size_t)e->col <= len);
	expr_dump(e, buf, sizeof(buf));
	check(memchr(buf, '\0', sizeof(buf)));
	if (expr_eval(e, env, NULL, &v, &err))
		check(err.col >= 0 && (size_t)err.col <= len &&
		      memchr(err.msg, '\0', sizeof(err.msg)));
	expr_eval_bool(e, env, NULL, &t, &err);
	if (expr_split_filter(e, kfield, NULL, &k, &res))
		return;
	check(k || res);
	if (res)
		expr_eval_bool(res, env, NULL, &t, &err);
	d = expr_dup(e);
	if (d)
		expr_dump(d, buf, sizeof(buf));
	expr_free(d);
	free(k);
	expr_free(res);
}

static void error_seen(const char *text, const struct expr_error *err)
{
	char buf[128];
	size_t len = strlen(text);

	check(err->col >= 0 && (size_t)err->col <= len);
	check(memchr(err->msg, '\0', sizeof(err->msg)) && err->msg[0]);
	spec_format_error(text, err->col, err->msg, buf, sizeof(buf));
	check(memchr(buf, '\0', sizeof(buf)));
}

static void fuzz_fmt(const char *s)
{
	struct expr_value vals[4] = {{.u = 1},
				     {.kind = EXPR_VAL_STR, .str = "x"},
				     {.u = (uint64_t)-1, .bits = 64},
				     {.kind = EXPR_VAL_STR, .str = ""}};
	struct expr_error err = {-1, ""};
	char out[64];
	struct fmt f;
	size_t i;

	if (fmt_parse(s, &f, &err)) {
		check(!f.pieces && !f.npieces);
		error_seen(s, &err);
		return;
	}
	/* Give every conversion a value of the kind it wants. */
	if (f.nconv <= 4) {
		struct expr_value use[4];
		size_t k = 0;

		for (i = 0; i < f.npieces; i++)
			if (f.pieces[i].is_conv)
				use[k++] = vals[fmt_conv_is_string(f.pieces[i].conv) ? 1 : 2];
		check(fmt_render(&f, use, k, out, sizeof(out)) >= 0);
	}
	fmt_render(&f, vals, 4, out, sizeof(out));
	fmt_free(&f);
}

static void fuzz_trace(const char *s, size_t len)
{
	struct expr_error err = {-1, ""};
	struct trace_spec t;
	size_t i;

	if (trace_spec_parse(s, &t, &err)) {
		check(!t.text && !t.args && !t.pred && !t.site.function && !t.site.params);
		error_seen(s, &err);
		return;
	}
	check(strchr("prtu", t.site.type) && t.site.type && t.site.function[0]);
	check(!t.has_fmt || t.fmt.nconv == t.nargs);
	if (t.pred)
		exercise(t.pred, len);
	for (i = 0; i < t.nargs; i++)
		exercise(t.args[i], len);
	trace_spec_free(&t);
}

static void fuzz_argdist(const char *s, size_t len, bool hist)
{
	struct expr_error err = {-1, ""};
	struct argdist_spec a;
	size_t i;

	if (argdist_spec_parse(s, hist, &a, &err)) {
		check(!a.text && !a.exprs && !a.filter && !a.site.function && !a.label);
		error_seen(s, &err);
		return;
	}
	check(!hist || a.nexprs == 1);
	check(a.total_calls == !a.nexprs);
	for (i = 0; i < a.nexprs; i++) {
		check(a.types[i].text && a.expr_texts[i]);
		exercise(a.exprs[i], len);
	}
	if (a.filter)
		exercise(a.filter, len);
	argdist_spec_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct expr_error err = {-1, ""};
	struct expr_type ty;
	struct expr *e;
	size_t len;
	char *buf;

	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	len = strlen(buf);

	e = expr_parse(buf, &err);
	if (e)
		exercise(e, len);
	else
		error_seen(buf, &err);
	expr_free(e);
	if (!expr_type_parse(buf, 0, len, &ty, &err))
		expr_type_free(&ty);
	else
		check(!ty.text);
	fuzz_fmt(buf);
	fuzz_trace(buf, len);
	fuzz_argdist(buf, len, false);
	fuzz_argdist(buf, len, true);
	free(buf);
	return 0;
}
