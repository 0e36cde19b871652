// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for parsers/expr.c, parsers/fmt.c and parsers/spec.c: tables of accepted
 * expressions, format strings, trace probes and argdist specifiers with the canonical dump
 * they must produce, rejected ones with the exact column and message, the kernel filter
 * split, the evaluator's C semantics and the rendered messages.  Every example spec of
 * SPEC.md §1.3 and §1.4 is here verbatim.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "parsers/expr.h"
#include "parsers/fmt.h"
#include "parsers/spec.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char *dump(const struct expr *e)
{
	static char buf[4][1024];
	static int k;

	k = (k + 1) % 4;
	expr_dump(e, buf[k], sizeof(buf[k]));
	return buf[k];
}

/* ---- expressions ---- */

struct expr_ok {
	const char *in, *sexp;
};

static const struct expr_ok expr_ok[] = {
    {"1", "1"},
    {"0x10", "16"},
    {"010", "8"},
    {"'a'", "97"},
    {"'\\n'", "10"},
    {"'\\''", "39"},
    {"4294967295", "4294967295"},
    {"0xffffffffffffffff", "18446744073709551615"},
    {"18446744073709551615", "18446744073709551615"},
    {"10UL", "10"},
    {"\"a\\tb\\\"c\"", "\"a\\tb\\\"c\""},
    {"\"\\x41\\101\"", "\"AA\""},
    {"arg1", "arg1"},
    {"arg6", "arg6"},
    {"arg7", "arg7"},
    {"retval", "retval"},
    {"$retval", "$retval"},
    {"fd", "fd"},
    {"args->nr_sector", "args->nr_sector"},
    {"args -> nr_sector", "args->nr_sector"},
    {"$latency", "$latency"},
    {"$PID", "$PID"},
    {"$COMM", "$COMM"},
    {"$entry(fd)", "$entry(fd)"},
    {"arg2@user", "arg2@user"},
    {"(int)retval", "(cast int retval)"},
    {"(u32)x", "(cast u32 x)"},
    {"(char *)x", "(cast char * x)"},
    {"(char*)$retval", "(cast char * $retval)"},
    {"(unsigned long)x", "(cast unsigned long x)"},
    {"(unsigned)x", "(cast unsigned int x)"},
    {"(long long int)x", "(cast long long x)"},
    {"(const char __user *)arg2", "(cast char * arg2)"},
    {"(struct timespec *)arg1", "(cast struct timespec * arg1)"},
    {"(size_t)arg3", "(cast size_t arg3)"},
    {"-1", "(- 1)"},
    {"!x", "(! x)"},
    {"~x", "(~ x)"},
    {"*x", "(* x)"},
    {"- -x", "(- (- x))"},
    {"1 + 2 * 3", "(+ 1 (* 2 3))"},
    {"(1 + 2) * 3", "(* (+ 1 2) 3)"},
    {"1 - 2 - 3", "(- (- 1 2) 3)"},
    {"a / b % c", "(% (/ a b) c)"},
    {"1 << 2 + 3", "(<< 1 (+ 2 3))"},
    {"a < b == c > d", "(== (< a b) (> c d))"},
    {"a & b ^ c | d", "(| (^ (& a b) c) d)"},
    {"a || b && c", "(|| a (&& b c))"},
    {"arg3 > 20000 && $pid == 12", "(&& (> arg3 20000) (== $pid 12))"},
    {"a <= b >= c", "(>= (<= a b) c)"},
    {"a != b", "(!= a b)"},
    {"a >> 1", "(>> a 1)"},
    {"(int)retval < 0", "(< (cast int retval) 0)"},
    {"-(int)x", "(- (cast int x))"},
    {"STRCMP(\"bash\", $comm)", "(STRCMP \"bash\" $comm)"},
    {"STRCMP(\"a,b\", (char *)arg1)", "(STRCMP \"a,b\" (cast char * arg1))"},
    {"!STRCMP(\"x\", arg1) || arg2", "(|| (! (STRCMP \"x\" arg1)) arg2)"},
    {"flags & 0x10", "(& flags 16)"},
    {"((((a))))", "a"},
    {"  a\t==\n1 ", "(== a 1)"},
    {"$tgid == $tid", "(== $tgid $tid)"},
    {"$uid + $gid + $cpu", "(+ (+ $uid $gid) $cpu)"},
    {"$task", "$task"},
};

struct bad {
	const char *in;
	int col;
	const char *msg;
};

static const struct bad expr_bad[] = {
    {"", 0, "empty expression"},
    {"   ", 0, "empty expression"},
    {"a = 1", 2, "'=' is assignment; use '==' to compare"},
    {"a ? b : c", 2, "the ?: operator is not supported"},
    {"a.b", 1, "member access is only supported as args->FIELD"},
    {"a[1]", 1, "array subscripts are not supported"},
    {"task->pid", 4, "member access is only supported as args->FIELD"},
    {"args", 4, "args must be followed by ->FIELD"},
    {"args->", 6, "expected a field name after args->"},
    {"foo(1)", 0, "function calls are not supported (only STRCMP and $entry)"},
    {"STRCMP(arg1, \"x\")", 7, "STRCMP needs a string literal as its first argument"},
    {"STRCMP(\"x\" arg1)", 11, "expected ',' between STRCMP's arguments"},
    {"STRCMP(\"x\", arg1", 16, "expected ')' to close STRCMP("},
    {"$foo", 0, "unknown special variable '$foo'"},
    {"$entry(1)", 7, "$entry needs a parameter name"},
    {"arg1@kernel", 5, "only '@user' may follow a name"},
    {"$pid@user", 0, "@user applies to arguments and retval only"},
    {"(a", 2, "expected ')' to close '('"},
    {"a)", 1, "unbalanced ')'"},
    {"a b", 2, "unexpected 'b' after an expression"},
    {"1 +", 3, "expected a value"},
    {"+1", 0, "expected a value before '+'"},
    {"\"abc", 0, "unterminated string"},
    {"'ab'", 0, "a character constant holds exactly one character"},
    {"'a", 0, "unterminated character constant"},
    {"\"\\q\"", 1, "unknown escape sequence '\\q'"},
    {"\"\\x\"", 1, "\\x needs hex digits"},
    {"099", 1, "invalid digit '9' in an octal constant"},
    {"0x", 0, "hex constant needs digits"},
    {"18446744073709551616", 0, "integer constant is too large"},
    {"12abc", 0, "invalid suffix on integer constant"},
    {"(int x", 6, "expected ')' to close the cast"},
    {"(void)x", 1, "'void' is only usable as 'void *'"},
    {"(foo_t *)x + (bar_t)y", 8, "expected a value before ')'"},
    {"(int char)x", 1, "invalid combination of type words"},
    {"#", 0, "unexpected character '#'"},
    {"a\x01", 1, "unexpected byte 0x01"},
};

Test(expr, accepted)
{
	struct expr_error err = {0};
	size_t i;

	for (i = 0; i < N(expr_ok); i++) {
		struct expr *e = expr_parse(expr_ok[i].in, &err);

		cr_assert(e, "%s: %s at %d", expr_ok[i].in, err.msg, err.col);
		cr_expect_str_eq(dump(e), expr_ok[i].sexp, "%s: got %s", expr_ok[i].in, dump(e));
		expr_free(e);
	}
}

Test(expr, rejected)
{
	size_t i;

	for (i = 0; i < N(expr_bad); i++) {
		struct expr_error err = {-2, ""};
		struct expr *e = expr_parse(expr_bad[i].in, &err);

		cr_expect_null(e, "%s: accepted as %s", expr_bad[i].in, e ? dump(e) : "");
		expr_free(e);
		cr_expect_str_eq(err.msg, expr_bad[i].msg, "%s: got %s", expr_bad[i].in, err.msg);
		cr_expect_eq(err.col, expr_bad[i].col, "%s: col %d", expr_bad[i].in, err.col);
	}
}

Test(expr, columns_and_types)
{
	struct expr_error err;
	struct expr *e = expr_parse("  fd == (u8)-1", &err);

	cr_assert(e);
	cr_expect_eq(e->col, 5);
	cr_expect_eq(e->kid[0]->col, 2);
	cr_expect_eq(e->kid[1]->col, 8);
	cr_expect_eq(e->kid[1]->type.size, 1);
	cr_expect_not(e->kid[1]->type.is_signed);
	cr_expect_eq(e->kid[1]->kid[0]->col, 12);
	expr_free(e);

	e = expr_parse_range("xx(arg1 > 1)yy", 3, 11, &err);
	cr_assert(e);
	cr_expect_eq(e->col, 8);
	cr_expect_eq(e->kid[0]->var, EXPR_VAR_ARG);
	cr_expect_eq(e->kid[0]->argn, 1);
	expr_free(e);

	e = expr_parse("$PID + $pid", &err);
	cr_assert(e);
	cr_expect_eq(e->kid[0]->var, EXPR_VAR_TGID);
	cr_expect_eq(e->kid[1]->var, EXPR_VAR_PID);
	expr_free(e);

	/* Literal types follow C: 2147483648 is long, 0x80000000 unsigned int. */
	e = expr_parse("2147483648 + 0x80000000 + 1u", &err);
	cr_assert(e);
	cr_expect(e->kid[0]->kid[0]->bits == 64 && !e->kid[0]->kid[0]->is_unsigned);
	cr_expect(e->kid[0]->kid[1]->bits == 32 && e->kid[0]->kid[1]->is_unsigned);
	cr_expect(e->kid[1]->bits == 32 && e->kid[1]->is_unsigned);
	expr_free(e);
}

Test(expr, nesting_limits)
{
	char buf[4096];
	struct expr_error err;
	struct expr *e;
	size_t i;

	for (i = 0; i < 1000; i++)
		buf[i] = '(';
	buf[i] = '\0';
	e = expr_parse(buf, &err);
	cr_expect_null(e);
	cr_expect_str_eq(err.msg, "expression is nested too deeply");

	buf[0] = '\0';
	for (i = 0; i < 600; i++)
		strcat(buf, "1+");
	strcat(buf, "1");
	e = expr_parse(buf, &err);
	cr_expect_null(e);
	cr_expect_str_eq(err.msg, "expression is too long");

	for (i = 0; i < 1000; i++)
		buf[i] = '-';
	buf[i] = '\0';
	e = expr_parse(buf, &err);
	cr_expect_null(e);
	cr_expect_str_eq(err.msg, "expression is nested too deeply");
}

Test(expr, types)
{
	static const struct {
		const char *in, *text;
		unsigned size, ptr;
		bool is_signed;
	} ok[] = {
	    {"int", "int", 4, 0, true},
	    {"u64", "u64", 8, 0, false},
	    {"char*", "char *", 8, 1, false},
	    {"unsigned char", "unsigned char", 1, 0, false},
	    {"signed char", "signed char", 1, 0, true},
	    {"short int", "short", 2, 0, true},
	    {"long unsigned", "unsigned long", 8, 0, false},
	    {"void **", "void **", 8, 2, false},
	    {"struct sk_buff", "struct sk_buff", 0, 0, false},
	    {"enum x", "enum x", 4, 0, true},
	    {"foo_t *", "foo_t *", 8, 1, false},
	    {"loff_t", "loff_t", 8, 0, true},
	};
	static const struct bad bad[] = {
	    {"", 0, "missing type"},
	    {"foo_t", 0, "unknown type 'foo_t'; use a C base type or u8..u64"},
	    {"char * x", 7, "unexpected 'x' after '*' in a type"},
	    {"int [3]", 4, "unexpected '[' in a type"},
	    {"long long long", 0, "invalid combination of type words"},
	    {"unsigned u64", 9, "'u64' cannot be combined with the other words of this type"},
	    {"void", 0, "'void' is only usable as 'void *'"},
	};
	struct expr_error err;
	struct expr_type t;
	size_t i;

	for (i = 0; i < N(ok); i++) {
		cr_assert_eq(expr_type_parse(ok[i].in, 0, strlen(ok[i].in), &t, &err), 0, "%s: %s",
			     ok[i].in, err.msg);
		cr_expect_str_eq(t.text, ok[i].text);
		cr_expect_eq(t.size, ok[i].size, "%s", ok[i].in);
		cr_expect_eq(t.ptr, ok[i].ptr, "%s", ok[i].in);
		cr_expect_eq(t.is_signed, ok[i].is_signed, "%s", ok[i].in);
		expr_type_free(&t);
	}
	for (i = 0; i < N(bad); i++) {
		cr_expect_eq(expr_type_parse(bad[i].in, 0, strlen(bad[i].in), &t, &err), -EINVAL);
		cr_expect_str_eq(err.msg, bad[i].msg, "%s", bad[i].in);
		cr_expect_eq(err.col, bad[i].col, "%s: %d", bad[i].in, err.col);
		cr_expect_null(t.text);
	}
}

/* ---- evaluation ---- */

static const char *const comm = "bash";

static int env(void *ctx, const struct expr *leaf, struct expr_value *v)
{
	(void)ctx;
	if (leaf->kind == EXPR_VAR) {
		switch (leaf->var) {
		case EXPR_VAR_ARG:
			*v = expr_value_int(leaf->argn == 1 ? -1 : leaf->argn * 1000, 64, false);
			return 0;
		case EXPR_VAR_RETVAL:
			*v = expr_value_int(0xffffffffLL, 64, false);
			return 0;
		case EXPR_VAR_PID:
			*v = expr_value_int(12, 32, false);
			return 0;
		case EXPR_VAR_COMM:
			*v = expr_value_str(comm);
			return 0;
		case EXPR_VAR_LATENCY:
			*v = expr_value_int(150000, 64, false);
			return 0;
		default:
			return -ENOENT;
		}
	}
	if (leaf->kind == EXPR_IDENT && !strcmp(leaf->name, "fd")) {
		*v = expr_value_int(-1, 32, true);
		return 0;
	}
	if (leaf->kind == EXPR_IDENT && !strcmp(leaf->name, "small")) {
		/* An 8-bit value: promoted to int. */
		v->kind = EXPR_VAL_INT;
		v->bits = 8;
		v->is_signed = false;
		v->u = 200;
		return 0;
	}
	if (leaf->kind == EXPR_FIELD && !strcmp(leaf->name, "nr_sector")) {
		*v = expr_value_int(8, 32, false);
		return 0;
	}
	if (leaf->kind == EXPR_FIELD && !strcmp(leaf->name, "comm")) {
		*v = expr_value_str("bash-5.2");
		return 0;
	}
	return -ENOENT;
}

struct eval_case {
	const char *in;
	const char *want; /* "i:N", "u:N", "s:TEXT" or "e:COL:MSG" */
};

static const struct eval_case eval_cases[] = {
    {"1 + 2 * 3", "i:7"},
    {"-7 / 2", "i:-3"},
    {"-7 % 2", "i:-1"},
    {"7u / 2", "u:3"},
    {"arg1 > 0", "i:1"},
    {"(int)arg1 < 0", "i:1"},
    {"(int)arg1", "i:-1"},
    {"(u32)arg1", "u:4294967295"},
    {"(u8)arg1", "i:255"},
    {"(char)arg1", "i:-1"},
    {"(short)65535", "i:-1"},
    {"(bool)arg2", "i:1"},
    {"(u64)-1", "u:18446744073709551615"},
    {"retval == 0xffffffff", "i:1"},
    {"(int)retval == -1", "i:1"},
    {"(int)retval < 0", "i:1"},
    {"fd < 0", "i:1"},
    /* C: int -1 compared with unsigned int converts to 0xffffffff */
    {"fd < 1u", "i:0"},
    {"fd == 4294967295u", "i:1"},
    /* ... but with a 64-bit signed constant the int stays -1 */
    {"fd == 4294967295", "i:0"},
    {"-1 < 1u", "i:0"},
    {"-1 < 1ul", "i:0"},
    {"-1L < 1u", "i:1"},
    {"small", "i:200"},
    {"-small", "i:-200"},
    {"~0", "i:-1"},
    {"~0u", "u:4294967295"},
    {"!5", "i:0"},
    {"!0", "i:1"},
    {"1 << 31", "i:-2147483648"},
    {"1u << 31", "u:2147483648"},
    {"1L << 40", "i:1099511627776"},
    {"-16 >> 2", "i:-4"},
    {"0xf0 >> 4", "i:15"},
    {"6 & 3", "i:2"},
    {"6 | 3", "i:7"},
    {"6 ^ 3", "i:5"},
    {"2147483647 + 1", "i:-2147483648"},
    {"(-9223372036854775807L - 1) / -1", "i:-9223372036854775808"},
    {"(-9223372036854775807L - 1) % -1", "i:0"},
    {"$pid == 12", "i:1"},
    {"args->nr_sector * 512", "u:4096"},
    {"$latency > 100000", "i:1"},
    {"$comm", "s:bash"},
    {"$comm == \"bash\"", "i:1"},
    {"$comm != \"bash\"", "i:0"},
    {"STRCMP(\"bash\", $comm)", "i:1"},
    {"STRCMP(\"bash\", args->comm)", "i:1"},
    {"STRCMP(\"zsh\", args->comm)", "i:0"},
    {"(char *)$comm", "s:bash"},
    {"(char *)arg2", "u:2000"},
    {"'a' + 1", "i:98"},
    /* short-circuit: the right side would fail */
    {"0 && 1 / 0", "i:0"},
    {"1 || 1 / 0", "i:1"},
    {"0 && $gid", "i:0"},
    {"1 && 2", "i:1"},
    {"0 || 0", "i:0"},
    {"1 / 0", "e:2:division by zero"},
    {"5 % (arg2 - 2000)", "e:2:division by zero"},
    {"1 && 1 / 0", "e:7:division by zero"},
    {"1 << 32", "e:2:shift count 32 is out of range for a 32-bit value"},
    {"1 << -1", "e:2:shift count -1 is out of range for a 32-bit value"},
    {"$gid", "e:0:no value for $gid"},
    {"*arg1", "e:0:no value for (* arg1)"},
    {"$comm + 1", "e:6:cannot compare a string with a number"},
    {"$comm < \"a\"", "e:6:strings support only == and !="},
    {"-$comm", "e:0:'-' needs a number, not a string"},
    {"$comm && 1", "e:0:a string cannot be used as a condition"},
    {"(int)$comm", "e:0:cannot cast a string to int"},
    {"(struct x)arg1", "e:0:cannot cast to struct x"},
    {"STRCMP(\"a\", arg1)", "e:12:STRCMP needs a string to compare"},
};

static void value_text(const struct expr_value *v, char *buf, size_t len)
{
	if (v->kind == EXPR_VAL_STR)
		snprintf(buf, len, "s:%s", v->str);
	else if (v->is_signed)
		snprintf(buf, len, "i:%lld", (long long)v->u);
	else
		snprintf(buf, len, "u:%llu", (unsigned long long)v->u);
}

Test(expr, eval)
{
	char got[256];
	size_t i;

	for (i = 0; i < N(eval_cases); i++) {
		struct expr_error err = {0};
		struct expr_value v;
		struct expr *e = expr_parse(eval_cases[i].in, &err);

		cr_assert(e, "%s: %s", eval_cases[i].in, err.msg);
		if (expr_eval(e, env, NULL, &v, &err))
			snprintf(got, sizeof(got), "e:%d:%s", err.col, err.msg);
		else
			value_text(&v, got, sizeof(got));
		cr_expect_str_eq(got, eval_cases[i].want, "%s: got %s", eval_cases[i].in, got);
		expr_free(e);
	}
}

Test(expr, eval_bool_and_dup)
{
	struct expr_error err;
	struct expr *e = expr_parse("(int)arg1 < 0 && STRCMP(\"ba\", $comm)", &err), *d;
	bool t = false;

	cr_assert(e);
	d = expr_dup(e);
	cr_assert(d);
	expr_free(e);
	cr_expect_eq(expr_eval_bool(d, env, NULL, &t, &err), 0);
	cr_expect(t);
	cr_expect_str_eq(dump(d), "(&& (< (cast int arg1) 0) (STRCMP \"ba\" $comm))");
	expr_free(d);
	e = expr_parse("$comm", &err);
	cr_expect_eq(expr_eval_bool(e, env, NULL, &t, &err), -EINVAL);
	expr_free(e);
}

/* ---- kernel filter split ---- */

static bool kfield(void *ctx, const struct expr *leaf, struct expr_kfield *f)
{
	static const struct {
		enum expr_kind kind;
		const char *name, *kname;
		bool is_string, is_signed;
		unsigned size;
	} map[] = {
	    {EXPR_IDENT, "fd", "fd", false, true, 4},
	    {EXPR_IDENT, "count", "count", false, false, 8},
	    {EXPR_IDENT, "flags", "flags", false, false, 4},
	    {EXPR_IDENT, "filename", "filename", true, false, 0},
	    {EXPR_FIELD, "nr_sector", "nr_sector", false, false, 4},
	    {EXPR_FIELD, "comm", "comm", true, false, 16},
	    {EXPR_FIELD, "prio", "prio", false, true, 1},
	    {EXPR_VAR, "arg1", "arg1", false, false, 8},
	    {EXPR_VAR, "arg3", "arg3", false, false, 8},
	    {EXPR_VAR, "$pid", "common_pid", false, true, 4},
	    {EXPR_VAR, "retval", "ret", false, false, 8},
	};
	size_t i;

	(void)ctx;
	for (i = 0; i < N(map); i++) {
		if (map[i].kind == leaf->kind && !strcmp(map[i].name, leaf->name)) {
			snprintf(f->name, sizeof(f->name), "%s", map[i].kname);
			f->is_string = map[i].is_string;
			f->is_signed = map[i].is_signed;
			f->size = map[i].size;
			return true;
		}
	}
	return false;
}

struct split_case {
	const char *pred, *kernel, *residual; /* NULL: none */
};

static const struct split_case split_cases[] = {
    {"fd == 1 && count > 4096", "fd == 1 && count > 4096", NULL},
    {"arg3 > 20000", "arg3 > 20000", NULL},
    {"4096 < count", "count > 4096", NULL},
    {"1 >= fd", "fd <= 1", NULL},
    {"fd != -1", "fd != -1", NULL},
    {"count > 4 * 1024", "count > 4096", NULL},
    {"flags & 0x40", "flags & 64", NULL},
    {"0x40 & flags", "flags & 64", NULL},
    {"fd", "fd != 0", NULL},
    {"!fd", "fd == 0", NULL},
    {"!(fd == 1 || fd == 2)", "!((fd == 1 || fd == 2))", NULL},
    {"fd == 1 || count < 10", "(fd == 1 || count < 10)", NULL},
    {"(fd == 1 && count < 10) || fd == 3", "((fd == 1 && count < 10) || fd == 3)", NULL},
    {"args->comm == \"bash\"", "comm == \"bash\"", NULL},
    {"args->comm != \"bash\"", "comm != \"bash\"", NULL},
    {"STRCMP(\"ba\", args->comm)", "comm ~ \"ba*\"", NULL},
    {"args->nr_sector >= 8 && $pid == 12", "nr_sector >= 8 && common_pid == 12", NULL},
    {"retval == 0", "ret == 0", NULL},
    {"(s32)fd < 0", "fd < 0", NULL},
    {"(long)fd < 0", "fd < 0", NULL},
    /* user space: casts that change sign or narrow, arithmetic, unknown names */
    {"(int)retval < 0", NULL, "(< (cast int retval) 0)"},
    {"(u32)fd > 5", NULL, "(> (cast u32 fd) 5)"},
    {"(u8)count == 1", NULL, "(== (cast u8 count) 1)"},
    {"count + 1 > 10", NULL, "(> (+ count 1) 10)"},
    {"count > fd", NULL, "(> count fd)"},
    {"$latency > 100000", NULL, "(> $latency 100000)"},
    {"$entry(fd) == 1", NULL, "(== $entry(fd) 1)"},
    {"arg2 == 1", NULL, "(== arg2 1)"},
    {"STRCMP(\"ba\", arg2)", NULL, "(STRCMP \"ba\" arg2)"},
    {"STRCMP(\"b*\", args->comm)", NULL, "(STRCMP \"b*\" args->comm)"},
    {"args->comm == \"a\\\"b\"", NULL, "(== args->comm \"a\\\"b\")"},
    {"args->comm == \"ba*\"", NULL, "(== args->comm \"ba*\")"},
    {"args->comm < \"b\"", NULL, "(< args->comm \"b\")"},
    {"args->comm == 1", NULL, "(== args->comm 1)"},
    {"args->nr_sector == \"x\"", NULL, "(== args->nr_sector \"x\")"},
    {"filename", NULL, "filename"},
    /* constants the kernel would truncate or read with another sign */
    {"count > -1", NULL, "(> count (- 1))"},
    {"fd < 0x80000000", NULL, "(< fd 2147483648)"},
    {"fd == 4294967296", NULL, "(== fd 4294967296)"},
    {"flags == 0x100000000", NULL, "(== flags 4294967296)"},
    {"args->prio == 200", NULL, "(== args->prio 200)"},
    {"args->prio == -100", "prio == -100", NULL},
    {"count == 1 / 0", NULL, "(== count (/ 1 0))"},
    {"1 == 1", NULL, "(== 1 1)"},
    {"fd == 1 || $latency > 5", NULL, "(|| (== fd 1) (> $latency 5))"},
    /* mixed: kernel part and residual keep their order */
    {"fd == 1 && (int)retval < 0 && count > 4096 && $latency > 100", "fd == 1 && count > 4096",
     "(&& (< (cast int retval) 0) (> $latency 100))"},
    {"arg3 > 20000 && STRCMP(\"x\", arg2)", "arg3 > 20000", "(STRCMP \"x\" arg2)"},
    {"(fd == 1 && $latency > 1) && count < 2", "fd == 1 && count < 2", "(> $latency 1)"},
};

Test(split, kernel_and_residual)
{
	size_t i;

	for (i = 0; i < N(split_cases); i++) {
		const struct split_case *c = &split_cases[i];
		struct expr_error err;
		struct expr *e = expr_parse(c->pred, &err), *res;
		char *k;

		cr_assert(e, "%s: %s", c->pred, err.msg);
		cr_assert_eq(expr_split_filter(e, kfield, NULL, &k, &res), 0);
		if (c->kernel)
			cr_expect(k && !strcmp(k, c->kernel), "%s: kernel '%s'", c->pred,
				  k ? k : "NULL");
		else
			cr_expect_null(k, "%s: kernel '%s'", c->pred, k);
		if (c->residual)
			cr_expect(res && !strcmp(dump(res), c->residual), "%s: residual %s",
				  c->pred, dump(res));
		else
			cr_expect_null(res, "%s: residual %s", c->pred, dump(res));
		free(k);
		expr_free(res);
		expr_free(e);
	}
}

Test(split, residual_evaluates_like_the_whole)
{
	struct expr_error err;
	struct expr *e = expr_parse("arg3 > 2000 && (int)arg1 < 0 && $comm == \"bash\"", &err);
	struct expr *res;
	bool t = false;
	char *k;

	cr_assert(e);
	cr_assert_eq(expr_split_filter(e, kfield, NULL, &k, &res), 0);
	cr_expect_str_eq(k, "arg3 > 2000");
	cr_assert(res);
	cr_expect_eq(expr_eval_bool(res, env, NULL, &t, &err), 0);
	cr_expect(t);
	free(k);
	expr_free(res);
	expr_free(e);
	cr_expect_eq(expr_split_filter(NULL, kfield, NULL, &k, &res), 0);
	cr_expect(!k && !res);
}

/* ---- format strings ---- */

/* Pieces as [literal] and <conversion conv length flags width precision>. */
static char *fmt_dump(const struct fmt *f)
{
	static char buf[1024];
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < f->npieces; i++) {
		const struct fmt_piece *p = &f->pieces[i];

		if (p->is_conv)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "<%c%s|%s|%d|%d@%d>",
					      p->conv, p->length, p->flags, p->width, p->precision,
					      p->col);
		else
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "[%s]", p->text);
	}
	return buf;
}

static const struct expr_ok fmt_ok[] = {
    {"", ""},
    {"kmalloc failed!", "[kmalloc failed!]"},
    {"read %d bytes", "[read ]<d||-1|-1@5>[ bytes]"},
    {"read %d bytes from %s", "[read ]<d||-1|-1@5>[ bytes from ]<s||-1|-1@19>"},
    {"%s", "<s||-1|-1@0>"},
    {"100%%", "[100%]"},
    {"%%d", "[%d]"},
    {"%-5ld|%08llx|%+hd", "<dl|-|5|-1@0>[|]<xll|0|8|-1@6>[|]<dh|+|-1|-1@13>"},
    {"%.3s %10.2s", "<s||-1|3@0>[ ]<s||10|2@5>"},
    {"%i %u %x %X %o %c %p %K %U",
     "<i||-1|-1@0>[ ]<u||-1|-1@3>[ ]<x||-1|-1@6>[ ]<X||-1|-1@9>[ ]<o||-1|-1@12>[ ]"
     "<c||-1|-1@15>[ ]<p||-1|-1@18>[ ]<K||-1|-1@21>[ ]<U||-1|-1@24>"},
    {"%lu %lld %llu %lx %hu %hx",
     "<ul||-1|-1@0>[ ]<dll||-1|-1@4>[ ]<ull||-1|-1@9>[ ]<xl||-1|-1@14>[ ]<uh||-1|-1@18>[ ]"
     "<xh||-1|-1@22>"},
    {"a\\tb\\n", "[a\tb\n]"},
    {"q\\\"%s\\\"", "[q\"]<s||-1|-1@3>[\"]"},
    {"%#x", "<x|#|-1|-1@0>"},
};

static const struct bad fmt_bad[] = {
    {"%", 0, "incomplete conversion at the end of the format string"},
    {"abc %l", 4, "incomplete conversion at the end of the format string"},
    {"%q", 0, "unsupported conversion '%q'"},
    {"x %f", 2, "unsupported conversion '%f'"},
    {"%n", 0, "unsupported conversion '%n'"},
    {"%*d", 1, "'*' widths are not supported"},
    {"%.*s", 2, "'*' precisions are not supported"},
    {"%hhd", 0, "the 'hh' length modifier is not supported"},
    {"%ls", 0, "'l' does not apply to %s"},
    {"%llc", 0, "'ll' does not apply to %c"},
    {"%99999d", 1, "field width or precision larger than 1024"},
    {"\\q", 0, "unknown escape sequence '\\q'"},
    {"%--------d", 0, "too many flags in conversion"},
};

Test(fmt, accepted)
{
	struct expr_error err = {0};
	struct fmt f;
	size_t i;

	for (i = 0; i < N(fmt_ok); i++) {
		cr_assert_eq(fmt_parse(fmt_ok[i].in, &f, &err), 0, "%s: %s", fmt_ok[i].in, err.msg);
		cr_expect_str_eq(fmt_dump(&f), fmt_ok[i].sexp, "%s: got %s", fmt_ok[i].in,
				 fmt_dump(&f));
		fmt_free(&f);
	}
}

Test(fmt, rejected)
{
	struct fmt f;
	size_t i;

	for (i = 0; i < N(fmt_bad); i++) {
		struct expr_error err = {-2, ""};

		cr_expect_eq(fmt_parse(fmt_bad[i].in, &f, &err), -EINVAL, "%s", fmt_bad[i].in);
		cr_expect_str_eq(err.msg, fmt_bad[i].msg, "%s: got %s", fmt_bad[i].in, err.msg);
		cr_expect_eq(err.col, fmt_bad[i].col, "%s: col %d", fmt_bad[i].in, err.col);
		cr_expect(!f.pieces && !f.npieces);
	}
}

Test(fmt, render)
{
	static const struct {
		const char *fmt, *want;
		struct expr_value v[3];
	} cases[] = {
	    {"read %d bytes", "read 4096 bytes", {{.bits = 64, .u = 4096}}},
	    {"%d", "-1", {{.bits = 64, .u = 0xffffffff}}},
	    {"%ld", "4294967295", {{.bits = 64, .u = 0xffffffff}}},
	    {"%u", "4294967295", {{.bits = 64, .u = (uint64_t)-1}}},
	    {"%lu", "18446744073709551615", {{.bits = 64, .u = (uint64_t)-1}}},
	    {"%hd|%hu", "-1|65535", {{.bits = 64, .u = 0xffff}, {.bits = 64, .u = 0xffff}}},
	    {"%x %X %o", "ff FF 10", {{.u = 255}, {.u = 255}, {.u = 8}}},
	    {"%llx", "123456789abc", {{.u = 0x123456789abcULL}}},
	    {"%-5d|%05d", "42   |00042", {{.u = 42}, {.u = 42}}},
	    {"%c%c", "hi", {{.u = 'h'}, {.u = 'i'}}},
	    {"%p", "0xffffffff81000000", {{.u = 0xffffffff81000000ULL}}},
	    {"%8p|", "    0x10|", {{.u = 16}}},
	    {"%s is %.3s",
	     "temp.1 is abc",
	     {{.kind = EXPR_VAL_STR, .str = "temp.1"}, {.kind = EXPR_VAL_STR, .str = "abcdef"}}},
	    {"%K", "do_sys_open+0x1", {{.kind = EXPR_VAL_STR, .str = "do_sys_open+0x1"}}},
	    {"%-20U|",
	     "main+0x4 [a.out]    |",
	     {{.kind = EXPR_VAL_STR, .str = "main+0x4 [a.out]"}}},
	    {"100%% done\\n", "100% done\n", {{0}}},
	};
	struct expr_error err;
	char out[128];
	struct fmt f;
	size_t i;

	for (i = 0; i < N(cases); i++) {
		cr_assert_eq(fmt_parse(cases[i].fmt, &f, &err), 0, "%s", cases[i].fmt);
		cr_expect_eq(fmt_render(&f, cases[i].v, f.nconv, out, sizeof(out)),
			     (int)strlen(cases[i].want), "%s", cases[i].fmt);
		cr_expect_str_eq(out, cases[i].want, "%s: got %s", cases[i].fmt, out);
		fmt_free(&f);
	}

	/* snprintf semantics: truncated but terminated, returning the full length */
	cr_assert_eq(fmt_parse("abc%sdef", &f, &err), 0);
	cr_expect_eq(
	    fmt_render(&f, &(struct expr_value){.kind = EXPR_VAL_STR, .str = "XYZ"}, 1, out, 5), 9);
	cr_expect_str_eq(out, "abcX");
	/* wrong kinds and missing values */
	cr_expect_eq(fmt_render(&f, &(struct expr_value){.u = 1}, 1, out, sizeof(out)), -EINVAL);
	cr_expect_eq(fmt_render(&f, NULL, 0, out, sizeof(out)), -EINVAL);
	fmt_free(&f);
	cr_assert_eq(fmt_parse("%d", &f, &err), 0);
	cr_expect_eq(fmt_render(&f, &(struct expr_value){.kind = EXPR_VAL_STR, .str = "x"}, 1, out,
				sizeof(out)),
		     -EINVAL);
	fmt_free(&f);
}

Test(fmt, check_args)
{
	struct expr_error err;
	int cols[] = {20, 25, 30};
	struct fmt f;

	cr_assert_eq(fmt_parse("%d %s", &f, &err), 0);
	cr_expect_eq(fmt_check_args(&f, 2, 7, cols, &err), 0);
	cr_expect_eq(fmt_check_args(&f, 3, 7, cols, &err), -EINVAL);
	cr_expect_eq(err.col, 30);
	cr_expect_str_eq(err.msg, "extra argument: the format string has 2 conversions");
	cr_expect_eq(fmt_check_args(&f, 1, 7, cols, &err), -EINVAL);
	cr_expect_eq(err.col, 7);
	cr_expect_str_eq(err.msg, "the format string needs 2 arguments, got 1");
	fmt_free(&f);
}

/* ---- trace probes ---- */

static char *params_dump(const struct spec_param *p, size_t n, bool present, char *buf, size_t len)
{
	size_t i, k = 0;

	if (!present)
		return strcpy(buf, "-");
	k += (size_t)snprintf(buf + k, len - k, "(");
	for (i = 0; i < n; i++)
		k += (size_t)snprintf(buf + k, len - k, "%s%s:%s", i ? ", " : "", p[i].name,
				      p[i].type.text);
	snprintf(buf + k, len - k, ")");
	return buf;
}

/* type|library|category|function|offset|signature|predicate|format|args */
static char *trace_dump(const struct trace_spec *s)
{
	static char buf[2048];
	char sig[256];
	size_t i, k;

	k = (size_t)snprintf(buf, sizeof(buf), "%c|%s|%s|%s|%llu|%s|%s|%s", s->site.type, s->site.library,
			     s->site.category, s->site.function, (unsigned long long)s->site.offset,
			     params_dump(s->site.params, s->site.nparams, s->has_signature, sig, sizeof(sig)),
			     s->pred ? dump(s->pred) : "-", s->has_fmt ? fmt_dump(&s->fmt) : "-");
	k += (size_t)snprintf(buf + k, sizeof(buf) - k, "|");
	for (i = 0; i < s->nargs; i++)
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s%s", i ? ", " : "",
				      dump(s->args[i]));
	return buf;
}

static const struct expr_ok trace_ok[] = {
    /* SPEC.md §1.3, verbatim */
    {"sys_read (arg3 > 20000) \"read %d bytes\", arg3",
     "p|||sys_read|0|-|(> arg3 20000)|[read ]<d||-1|-1@30>[ bytes]|arg3"},
    {"r::__kmalloc (retval == 0) \"kmalloc failed!\"",
     "r|||__kmalloc|0|-|(== retval 0)|[kmalloc failed!]|"},
    {"p:c:write (arg1 == 1) \"writing %d bytes to STDOUT\", arg3",
     "p|c||write|0|-|(== arg1 1)|[writing ]<d||-1|-1@31>[ bytes to STDOUT]|arg3"},
    {"t:block:block_rq_complete \"sectors=%d\", args->nr_sector",
     "t||block|block_rq_complete|0|-|-|[sectors=]<d||-1|-1@35>|args->nr_sector"},
    {"r:bash:readline \"%s\", retval", "r|bash||readline|0|-|-|<s||-1|-1@17>|retval"},
    {"do_sys_open \"%s\", arg2@user", "p|||do_sys_open|0|-|-|<s||-1|-1@13>|arg2@user"},
    {"u:pthread:pthread_create \"%U\", arg3", "u|pthread||pthread_create|0|-|-|<U||-1|-1@26>|arg3"},
    {"p::SyS_nanosleep(struct timespec *ts)", "p|||SyS_nanosleep|0|(ts:struct timespec *)|-|-|"},
    /* shapes */
    {"vfs_read", "p|||vfs_read|0|-|-|-|"},
    {"c:malloc", "p|c||malloc|0|-|-|-|"},
    {"p::vfs_read", "p|||vfs_read|0|-|-|-|"},
    {"r::do_sys_open", "r|||do_sys_open|0|-|-|-|"},
    {"  vfs_read  ", "p|||vfs_read|0|-|-|-|"},
    {"p:/lib/x86_64-linux-gnu/libc.so.6:write",
     "p|/lib/x86_64-linux-gnu/libc.so.6||write|0|-|-|-|"},
    {"kfree_skb+0x12", "p|||kfree_skb|18|-|-|-|"},
    {"p::kfree_skb+12", "p|||kfree_skb|12|-|-|-|"},
    {"p:c:malloc+0x4 \"x\"", "p|c||malloc|4|-|-|[x]|"},
    {"u:c:memory_malloc_retry", "u|c||memory_malloc_retry|0|-|-|-|"},
    {"u:lib:prov:probe \"%d\", arg1", "u|lib|prov|probe|0|-|-|<d||-1|-1@18>|arg1"},
    {"u::probe", "u|||probe|0|-|-|-|"},
    {"t:sched:sched_switch (args->prev_pid == 1)",
     "t||sched|sched_switch|0|-|(== args->prev_pid 1)|-|"},
    {"p::f()", "p|||f|0|()|-|-|"},
    {"p::f(void)", "p|||f|0|()|-|-|"},
    {"p:c:write(int fd, const char *buf, size_t count) (fd == 1 && count > 100) \"%d %s\", count, "
     "buf",
     "p|c||write|0|(fd:int, buf:char *, count:size_t)|(&& (== fd 1) (> count 100))|"
     "<d||-1|-1@75>[ ]<s||-1|-1@78>|count, buf"},
    {"r::vfs_read(struct file *f, char *b) ((int)retval < 0) \"err %d\", (int)retval",
     "r|||vfs_read|0|(f:struct file *, b:char *)|(< (cast int retval) 0)|[err ]<d||-1|-1@60>|"
     "(cast int retval)"},
    {"sys_read ((arg3 > 1) && (arg2 != 0))", "p|||sys_read|0|-|(&& (> arg3 1) (!= arg2 0))|-|"},
    {"sys_read (STRCMP(\"a)b\", arg2))", "p|||sys_read|0|-|(STRCMP \"a)b\" arg2)|-|"},
    {"sys_read\"%d\",arg1", "p|||sys_read|0|-|-|<d||-1|-1@9>|arg1"},
    {"sys_read \"%s %d\", \"a,b\", (arg1 + 2) * 3",
     "p|||sys_read|0|-|-|<s||-1|-1@10>[ ]<d||-1|-1@13>|\"a,b\", (* (+ arg1 2) 3)"},
    {"do_sys_open \"%s\" , arg2@user", "p|||do_sys_open|0|-|-|<s||-1|-1@13>|arg2@user"},
    {"p::f \"%c%%\\\"\", arg1", "p|||f|0|-|-|<c||-1|-1@6>[%\"]|arg1"},
    {"r::f (retval) \"x\"", "r|||f|0|-|retval|[x]|"},
    {"t:a:b ($pid == 1 && $tgid == 2 && $uid == 0)",
     "t||a|b|0|-|(&& (&& (== $pid 1) (== $tgid 2)) (== $uid 0))|-|"},
    {"a.out:main.isra.0", "p|a.out||main.isra.0|0|-|-|-|"},
    {"lib:f(char *s) \"%s\", s", "p|lib||f|0|(s:char *)|-|<s||-1|-1@16>|s"},
};

static const struct bad trace_bad[] = {
    {"", 0, "empty probe"},
    {"   ", 0, "empty probe"},
    {"x:a:b", 0, "probe type must be p, r, t or u, not 'x'"},
    {"pp:a:b", 0, "probe type must be p, r, t or u, not 'pp'"},
    {":a:b", 0, "probe type must be p, r, t or u, not ''"},
    {"p:a:b:c", 5, "only u: probes have a fourth part (u:lib:provider:probe)"},
    {"u:a:b:c:d", 0, "too many ':'-separated parts in the probe"},
    {"p::", 3, "missing function name"},
    {"t:block:", 8, "missing tracepoint event"},
    {"t::ev", 2, "missing tracepoint category"},
    {"u:lib:", 6, "missing probe name"},
    {"r::f+4", 4, "an offset is only valid in p probes"},
    {"t:a:b+4", 5, "an offset is only valid in p probes"},
    {"p::f+", 5, "expected a decimal or hex offset after '+'"},
    {"p::f+0xzz", 5, "invalid offset"},
    {"p::f+99999999999999999999", 5, "invalid offset"},
    {"p::f-1", 4, "invalid character '-' in a probe name"},
    {"t:block:block_rq_complete(int x)", 25, "a signature is not allowed for t: and u: probes"},
    {"u:lib:probe()", 11, "a signature is not allowed for t: and u: probes"},
    {"p::f(int fd", 4, "unbalanced '(' in the signature"},
    {"p::f)", 4, "unbalanced ')'"},
    {"p::f(int)x", 9, "unexpected text after the signature"},
    {"p::f(int)", 5, "parameter needs a type and a name, e.g. 'int fd'"},
    {"p::f(fd)", 5, "parameter needs a type and a name, e.g. 'int fd'"},
    {"p::f(int fd,)", 12, "empty parameter"},
    {"p::f(int fd, long fd)", 18, "duplicate parameter 'fd'"},
    {"p::f(foo_t x)", 5, "unknown type 'foo_t'; use a C base type or u8..u64"},
    {"p::f(int a, int b, int c, int d, int e, int f, int g)", 47,
     "only 6 parameters can be traced (the register arguments)"},
    {"sys_read (arg3 > 20000", 9, "unbalanced '(' in the predicate"},
    {"sys_read (arg3 = 1)", 15, "'=' is assignment; use '==' to compare"},
    {"sys_read ()", 10, "empty expression"},
    {"sys_read (arg3) x", 16, "expected a format string in double quotes"},
    {"sys_read \"abc", 9, "unterminated format string"},
    {"sys_read \"%d\" arg3", 14, "expected ',' and arguments after the format string"},
    {"sys_read \"%d\"", 9, "the format string needs 1 argument, got 0"},
    {"sys_read \"%d\", arg1, arg2", 21, "extra argument: the format string has 1 conversion"},
    {"sys_read \"x\", arg1", 14, "extra argument: the format string has 0 conversions"},
    {"sys_read \"%d\", ", 15, "empty argument"},
    {"sys_read \"%d %d\", arg1,, arg2", 23, "empty argument"},
    {"sys_read \"%d %d\", arg1 + (arg2, 3)", 30, "expected ')' to close '('"},
    {"sys_read \"%d %s\", arg1, STRCMP(\"a,b\", arg2) ? 1 : 0", 44,
     "the ?: operator is not supported"},
    {"sys_read \"%q\", arg1", 10, "unsupported conversion '%q'"},
    {"p::f (retval == 0)", 6, "retval is only available in r probes"},
    {"p::f ($latency > 1)", 6, "$latency is only available in r probes"},
    {"t:a:b (arg1 == 1)", 7, "arg1 is not available in tracepoints; use args->FIELD"},
    {"p::f (args->x == 1)", 6, "args->x is only available in t: probes"},
    {"p::f(int fd) (count > 1)", 14, "unknown name 'count' (not in the signature)"},
    {"p::f \"%d\", fd", 11, "unknown name 'fd' (not in the signature)"},
    {"r::f \"%d\", $entry(fd)", 11, "$entry(fd): 'fd' is not in the signature"},
    {"p::f(int fd) \"%d\", $entry(fd)", 19, "$entry() is only available in r probes"},
};

Test(trace, accepted)
{
	struct expr_error err = {0};
	struct trace_spec s;
	size_t i;

	for (i = 0; i < N(trace_ok); i++) {
		cr_assert_eq(trace_spec_parse(trace_ok[i].in, &s, &err), 0, "%s: %s at %d",
			     trace_ok[i].in, err.msg, err.col);
		cr_expect_str_eq(trace_dump(&s), trace_ok[i].sexp, "%s: got %s", trace_ok[i].in,
				 trace_dump(&s));
		cr_expect_str_eq(s.text, trace_ok[i].in);
		trace_spec_free(&s);
	}
}

Test(trace, rejected)
{
	struct trace_spec s;
	size_t i;

	for (i = 0; i < N(trace_bad); i++) {
		struct expr_error err = {-2, ""};

		cr_expect_eq(trace_spec_parse(trace_bad[i].in, &s, &err), -EINVAL, "%s",
			     trace_bad[i].in);
		cr_expect_str_eq(err.msg, trace_bad[i].msg, "%s: got %s", trace_bad[i].in, err.msg);
		cr_expect_eq(err.col, trace_bad[i].col, "%s: col %d", trace_bad[i].in, err.col);
		cr_expect(!s.text && !s.site.function && !s.args && !s.pred);
	}
}

Test(trace, details)
{
	struct expr_error err;
	struct trace_spec s;

	cr_assert_eq(trace_spec_parse("p:c:write(int fd, char *buf, size_t n) (fd == 1) "
				      "\"%d: %s\", n, buf",
				      &s, &err),
		     0, "%s", err.msg);
	cr_expect_str_eq(s.pred_text, "fd == 1");
	cr_expect_eq(s.site.nparams, 3);
	cr_expect_eq(s.site.params[0].col, 10);
	cr_expect(s.site.params[0].type.is_signed && s.site.params[0].type.size == 4);
	cr_expect(s.site.params[1].type.ptr == 1 && s.site.params[1].type.size == 8);
	cr_expect(!s.site.params[2].type.is_signed && s.site.params[2].type.size == 8);
	cr_expect_eq(spec_param_index(s.site.params, s.site.nparams, "buf"), 1);
	cr_expect_eq(spec_param_index(s.site.params, s.site.nparams, "nope"), -1);
	cr_expect_eq(s.fmt_col, 49);
	cr_expect_eq(s.nargs, 2);
	cr_expect_str_eq(s.arg_texts[0], "n");
	cr_expect_str_eq(s.arg_texts[1], "buf");
	cr_expect_eq(s.arg_cols[0], 59);
	cr_expect_eq(s.arg_cols[1], 62);
	trace_spec_free(&s);
}

/* ---- argdist ---- */

struct argdist_ok {
	const char *in;
	bool hist;
	const char *want;
};

/* type|library|category|function|signature|types|exprs|filter|label|total */
static char *argdist_dump(const struct argdist_spec *s)
{
	static char buf[2048];
	char sig[256];
	size_t i, k;

	k = (size_t)snprintf(buf, sizeof(buf), "%c|%s|%s|%s|%s|", s->site.type, s->site.library, s->site.category,
			     s->site.function,
			     params_dump(s->site.params, s->site.nparams, true, sig, sizeof(sig)));
	for (i = 0; i < s->nexprs; i++)
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s%s", i ? "," : "",
				      s->types[i].text);
	k += (size_t)snprintf(buf + k, sizeof(buf) - k, "|");
	for (i = 0; i < s->nexprs; i++)
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s%s=%s", i ? "," : "",
				      s->expr_texts[i], dump(s->exprs[i]));
	snprintf(buf + k, sizeof(buf) - k, "|%s|%s|%s", s->filter ? dump(s->filter) : "-",
		 s->label ? s->label : "-", s->total_calls ? "total" : "-");
	return buf;
}

static const struct argdist_ok argdist_ok[] = {
    /* SPEC.md §1.4, verbatim */
    {"p::__kmalloc(u64 size):u64:size", true, "p|||__kmalloc|(size:u64)|u64|size=size|-|-|-"},
    {"p:c:write(int fd):int:fd", false, "p|c||write|(fd:int)|int|fd=fd|-|-|-"},
    {"r::__vfs_read():u32:$PID:$latency > 100000", false,
     "r|||__vfs_read|()|u32|$PID=$PID|(> $latency 100000)|-|-"},
    {"t:block:block_rq_complete():u32:args->nr_sector", true,
     "t||block|block_rq_complete|()|u32|args->nr_sector=args->nr_sector|-|-|-"},
    {"t:irq:irq_handler_entry():int:args->irq", false,
     "t||irq|irq_handler_entry|()|int|args->irq=args->irq|-|-|-"},
    {"r:c:gets():char*:(char*)$retval#snooped strings", false,
     "r|c||gets|()|char *|(char*)$retval=(cast char * $retval)|-|snooped strings|-"},
    {"p:c:write(int fd, void *buf, size_t len):size_t:len", true,
     "p|c||write|(fd:int, buf:void *, len:size_t)|size_t|len=len|-|-|-"},
    /* defaults */
    {"p:c:malloc(size_t size)", false, "p|c||malloc|(size:size_t)|||-|-|total"},
    {"r:c:read()", false, "r|c||read|()|int|retval=$retval|-|-|-"},
    {"r:c:read()", true, "r|c||read|()|int|retval=$retval|-|-|-"},
    {"t:sched:sched_switch()", false, "t||sched|sched_switch|()|||-|-|total"},
    {"u:c:probe()", false, "u|c||probe|()|||-|-|total"},
    /* composite keys, filters and labels */
    {"p:c:write(int fd, void *buf, size_t len):int,size_t:fd,len:fd==1", false,
     "p|c||write|(fd:int, buf:void *, len:size_t)|int,size_t|fd=fd,len=len|(== fd 1)|-|-"},
    {"p::__kmalloc(size_t size, gfp_t flags):size_t:size:flags&0x10", true,
     "p|||__kmalloc|(size:size_t, flags:gfp_t)|size_t|size=size|(& flags 16)|-|-"},
    {"r::__vfs_read(struct file *f, char *b, size_t n):u64:$latency:$entry(n) > 4096", true,
     "r|||__vfs_read|(f:struct file *, b:char *, n:size_t)|u64|$latency=$latency|"
     "(> $entry(n) 4096)|-|-"},
    {"r::f():int:$retval:$retval < 0#failures", false,
     "r|||f|()|int|$retval=$retval|(< $retval 0)|failures|-"},
    {"p::f(int a, int b):int,int,u32:a, b,$PID", false,
     "p|||f|(a:int, b:int)|int,int,u32|a=a,b=b,$PID=$PID|-|-|-"},
    {"p::f(int a):int:a+1:STRCMP(\"x:y\", $COMM)", false,
     "p|||f|(a:int)|int|a+1=(+ a 1)|(STRCMP \"x:y\" $COMM)|-|-"},
    {"p::f(int a):int:a#label: with # and :", false,
     "p|||f|(a:int)|int|a=a|-|label: with # and :|-"},
    {"p::f(char *s):char*:s:STRCMP(\"a#b\", s)", false,
     "p|||f|(s:char *)|char *|s=s|(STRCMP \"a#b\" s)|-|-"},
    {"p:/usr/bin/python3:PyEval(void)", false, "p|/usr/bin/python3||PyEval|()|||-|-|total"},
};

struct argdist_bad {
	const char *in;
	bool hist;
	int col;
	const char *msg;
};

static const struct argdist_bad argdist_bad[] = {
    {"p::f(u64 size)", true, 14, "histograms must have expr"},
    {"t:a:b()", true, 7, "histograms must have expr"},
    {"p::f(int a, int b):int,int:a,b", true, 27, "histograms can only have 1 expr"},
    {"p::f(int a):int,int:a", false, 20, "2 types but 1 expression"},
    {"p::f(int a):int:a,a", false, 16, "1 type but 2 expressions"},
    {"p:c", false, 0, "a specifier needs at least 3 ':'-separated parts: type:library:function()"},
    {"__kmalloc", false, 0,
     "a specifier needs at least 3 ':'-separated parts: type:library:function()"},
    {"p::f(int a):int:a:a > 1:x", false, 23,
     "too many ':'-separated parts (at most 6; the ?: operator is not supported)"},
    {"p::f(int a):int:a ? 1 : 2", false, 18, "the ?: operator is not supported"},
    {"p::f(int a):int", false, 15, "types need expressions: add ':EXPR'"},
    {"x::f()", false, 0, "probe type must be p, r, t or u, not 'x'"},
    {"::f()", false, 0, "probe type must be p, r, t or u, not ''"},
    {"p::f", false, 4, "the function needs parentheses, even when empty: f()"},
    {"r:c:read", false, 8, "the function needs parentheses, even when empty: read()"},
    {"p::f(int a", false, 4, "the function needs parentheses, even when empty: f()"},
    {"p::f()x", false, 4, "the function needs parentheses, even when empty: f()"},
    {"p::()", false, 3, "missing function name"},
    {"p::f+4()", false, 4, "argdist does not take offsets"},
    {"t::ev()", false, 2, "missing tracepoint category"},
    {"t:a:b(int x)", false, 5, "a signature is not allowed for t: and u: probes"},
    {"p::f(int a):foo_t:a", false, 12, "unknown type 'foo_t'; use a C base type or u8..u64"},
    {"p::f(int a):int:", false, 16, "empty expression"},
    {"p::f(int a):int:b", false, 16, "unknown name 'b' (not in the signature)"},
    {"p::f(int a):int:a:", false, 18, "empty expression"},
    {"p::f(int a):int:$retval", false, 16, "$retval is only available in r probes"},
    {"p::f(int a):u64:$latency", false, 16, "$latency is only available in r probes"},
    {"r::f(int a):int:$entry(b)", false, 16, "$entry(b): 'b' is not in the signature"},
    {"t:a:b():int:arg1", false, 12, "arg1 is not available in tracepoints; use args->FIELD"},
    {"p::f(int a):int:args->x", false, 16, "args->x is only available in t: probes"},
    {"p::f(int a):int:a#", false, 17, "empty label after '#'"},
    {"p::f(int a):int:a = 1", false, 18, "'=' is assignment; use '==' to compare"},
};

Test(argdist, accepted)
{
	struct expr_error err = {0};
	struct argdist_spec s;
	size_t i;

	for (i = 0; i < N(argdist_ok); i++) {
		cr_assert_eq(argdist_spec_parse(argdist_ok[i].in, argdist_ok[i].hist, &s, &err), 0,
			     "%s: %s at %d", argdist_ok[i].in, err.msg, err.col);
		cr_expect_str_eq(argdist_dump(&s), argdist_ok[i].want, "%s: got %s",
				 argdist_ok[i].in, argdist_dump(&s));
		cr_expect_str_eq(s.text, argdist_ok[i].in);
		argdist_spec_free(&s);
	}
}

Test(argdist, rejected)
{
	struct argdist_spec s;
	size_t i;

	for (i = 0; i < N(argdist_bad); i++) {
		struct expr_error err = {-2, ""};

		cr_expect_eq(argdist_spec_parse(argdist_bad[i].in, argdist_bad[i].hist, &s, &err),
			     -EINVAL, "%s", argdist_bad[i].in);
		cr_expect_str_eq(err.msg, argdist_bad[i].msg, "%s: got %s", argdist_bad[i].in,
				 err.msg);
		cr_expect_eq(err.col, argdist_bad[i].col, "%s: col %d", argdist_bad[i].in, err.col);
		cr_expect(!s.text && !s.site.function && !s.exprs && !s.label);
	}
}

Test(argdist, ternary_is_refused_even_in_parentheses)
{
	struct expr_error err;
	struct argdist_spec s;

	cr_expect_eq(argdist_spec_parse("p::f(int a):int:(a ? 1 : 2) == 1", false, &s, &err),
		     -EINVAL);
	cr_expect_eq(err.col, 19);
	cr_expect_str_eq(err.msg, "the ?: operator is not supported");
}

/* ---- error rendering ---- */

Test(spec, format_error)
{
	const char *spec = "p:c:write (arg1 = 1)";
	struct expr_error err;
	struct trace_spec s;
	char buf[256];
	size_t n;

	cr_assert_eq(trace_spec_parse(spec, &s, &err), -EINVAL);
	n = spec_format_error(spec, err.col, err.msg, buf, sizeof(buf));
	cr_expect_str_eq(buf, "p:c:write (arg1 = 1)\n"
			      "                ^\n"
			      "'=' is assignment; use '==' to compare");
	cr_expect_eq(n, strlen(buf));

	n = spec_format_error("a\tb", 99, "m", buf, 6);
	cr_expect_str_eq(buf, "a b\n ");
	cr_expect_eq(n, 10);
	spec_format_error("ab", -1, "m", buf, sizeof(buf));
	cr_expect_str_eq(buf, "ab\n^\nm");
}
