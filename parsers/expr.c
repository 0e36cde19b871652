// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * expr: lexer, precedence-climbing parser, S-expression dumper, ftrace filter splitter and
 * evaluator for the C-like expressions in BCC trace and argdist specs.  Recursion is bounded
 * (nesting and tree height) so hostile specs fail with a message instead of exhausting the
 * stack, and integer arithmetic is done on uint64_t so no input can reach C undefined
 * behaviour.  Pure: libc only.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parsers/expr.h"

/* Parentheses and unary operators nested deeper than this are refused. */
#define MAX_NEST 128
/* Tree height limit: keeps every recursive walk (dump, eval, split, free) shallow. */
#define MAX_DEPTH 256

static void set_err(struct expr_error *err, int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(struct expr_error *err, int col, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static bool is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident_char(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* ---- types ---- */

struct named_type {
	const char *name;
	unsigned size;
	bool is_signed;
};

/* Kernel and libc typedefs seen in BCC signatures and argdist type lists (LP64). */
static const struct named_type typedefs[] = {
    {"u8", 1, false},	   {"u16", 2, false},	    {"u32", 4, false},	    {"u64", 8, false},
    {"s8", 1, true},	   {"s16", 2, true},	    {"s32", 4, true},	    {"s64", 8, true},
    {"__u8", 1, false},	   {"__u16", 2, false},	    {"__u32", 4, false},    {"__u64", 8, false},
    {"__s8", 1, true},	   {"__s16", 2, true},	    {"__s32", 4, true},	    {"__s64", 8, true},
    {"uint8_t", 1, false}, {"uint16_t", 2, false},  {"uint32_t", 4, false}, {"uint64_t", 8, false},
    {"int8_t", 1, true},   {"int16_t", 2, true},    {"int32_t", 4, true},   {"int64_t", 8, true},
    {"size_t", 8, false},  {"ssize_t", 8, true},    {"pid_t", 4, true},	    {"uid_t", 4, false},
    {"gid_t", 4, false},   {"loff_t", 8, true},	    {"off_t", 8, true},	    {"umode_t", 2, false},
    {"mode_t", 4, false},  {"gfp_t", 4, false},	    {"dev_t", 4, false},    {"sector_t", 8, false},
    {"time_t", 8, true},   {"uintptr_t", 8, false}, {"intptr_t", 8, true},  {"bool", 1, false},
    {"_Bool", 1, false},
};

static const char *const type_keywords[] = {
    "const", "volatile", "restrict", "__user", "signed", "unsigned", "char",
    "short", "int",	 "long",     "void",   "struct", "union",    "enum",
};

static const struct named_type *find_typedef(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(typedefs) / sizeof(typedefs[0]); i++)
		if (strlen(typedefs[i].name) == n && !memcmp(typedefs[i].name, s, n))
			return &typedefs[i];
	return NULL;
}

static bool word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && !memcmp(s, w, n);
}

/* Does a word start a type (so "(word" opens a cast, not a parenthesised expression)? */
static bool is_type_word(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(type_keywords) / sizeof(type_keywords[0]); i++)
		if (word_is(s, n, type_keywords[i]))
			return true;
	return find_typedef(s, n) != NULL;
}

/* Collected words of a type, qualifiers already dropped. */
struct type_words {
	const char *w[4];
	size_t n[4];
	int col[4];
	int count;
};

static int base_type(const struct type_words *tw, unsigned ptr, struct expr_type *t, char *text,
		     size_t textlen, struct expr_error *err)
{
	int nsigned = 0, nunsigned = 0, nchar = 0, nshort = 0, nint = 0, nlong = 0, i;
	const struct named_type *td;

	if (tw->count == 2 &&
	    (word_is(tw->w[0], tw->n[0], "struct") || word_is(tw->w[0], tw->n[0], "union") ||
	     word_is(tw->w[0], tw->n[0], "enum"))) {
		snprintf(text, textlen, "%.*s %.*s", (int)tw->n[0], tw->w[0], (int)tw->n[1],
			 tw->w[1]);
		if (*tw->w[0] == 'e') {
			t->size = 4;
			t->is_signed = true;
		} else {
			t->is_struct = true;
		}
		return 0;
	}
	if (tw->count == 1) {
		td = find_typedef(tw->w[0], tw->n[0]);
		snprintf(text, textlen, "%.*s", (int)tw->n[0], tw->w[0]);
		if (td) {
			t->size = td->size;
			t->is_signed = td->is_signed;
			return 0;
		}
		if (word_is(tw->w[0], tw->n[0], "void"))
			return 0;
		if (!is_type_word(tw->w[0], tw->n[0])) {
			/* Behind a pointer any struct typedef will do: only the address is used. */
			if (ptr)
				return 0;
			set_err(err, tw->col[0],
				"unknown type '%.*s'; use a C base type or u8..u64", (int)tw->n[0],
				tw->w[0]);
			return -EINVAL;
		}
	}
	for (i = 0; i < tw->count; i++) {
		const char *w = tw->w[i];
		size_t n = tw->n[i];

		if (word_is(w, n, "signed"))
			nsigned++;
		else if (word_is(w, n, "unsigned"))
			nunsigned++;
		else if (word_is(w, n, "char"))
			nchar++;
		else if (word_is(w, n, "short"))
			nshort++;
		else if (word_is(w, n, "int"))
			nint++;
		else if (word_is(w, n, "long"))
			nlong++;
		else {
			set_err(err, tw->col[i],
				"'%.*s' cannot be combined with the other words of this type",
				(int)n, w);
			return -EINVAL;
		}
	}
	if (nsigned + nunsigned > 1 || nchar > 1 || nshort > 1 || nint > 1 || nlong > 2 ||
	    (nchar && (nshort || nint || nlong)) || (nshort && nlong)) {
		set_err(err, tw->col[0], "invalid combination of type words");
		return -EINVAL;
	}
	/* LP64 (x86-64, arm64): long is 8 bytes; char is treated as signed as on x86-64. */
	t->is_signed = !nunsigned;
	t->size = nchar ? 1 : nshort ? 2 : nlong ? 8 : 4;
	snprintf(text, textlen, "%s%s",
		 nunsigned	      ? "unsigned "
		 : (nsigned && nchar) ? "signed "
				      : "",
		 nchar	      ? "char"
		 : nshort     ? "short"
		 : nlong == 2 ? "long long"
		 : nlong      ? "long"
			      : "int");
	return 0;
}

int expr_type_parse(const char *src, size_t start, size_t end, struct expr_type *t,
		    struct expr_error *err)
{
	struct type_words tw = {.count = 0};
	char text[160];
	size_t pos = start, len;
	unsigned ptr = 0;
	int rc;

	memset(t, 0, sizeof(*t));
	while (pos < end) {
		if (is_space(src[pos])) {
			pos++;
		} else if (src[pos] == '*') {
			ptr++;
			pos++;
		} else if (is_ident_start(src[pos])) {
			len = 0;
			while (pos + len < end && is_ident_char(src[pos + len]))
				len++;
			/* Qualifiers change nothing a tracer can observe. */
			if (word_is(src + pos, len, "const") ||
			    word_is(src + pos, len, "volatile") ||
			    word_is(src + pos, len, "restrict") ||
			    word_is(src + pos, len, "__user")) {
				pos += len;
				continue;
			}
			if (ptr) {
				set_err(err, (int)pos, "unexpected '%.*s' after '*' in a type",
					(int)len, src + pos);
				return -EINVAL;
			}
			if (tw.count == 4) {
				set_err(err, (int)pos, "too many words in a type");
				return -EINVAL;
			}
			tw.w[tw.count] = src + pos;
			tw.n[tw.count] = len;
			tw.col[tw.count++] = (int)pos;
			pos += len;
		} else {
			set_err(err, (int)pos, "unexpected '%c' in a type", src[pos]);
			return -EINVAL;
		}
	}
	if (!tw.count) {
		set_err(err, (int)start, "missing type");
		return -EINVAL;
	}
	if (ptr > 8) {
		set_err(err, (int)start, "too many pointer levels");
		return -EINVAL;
	}
	rc = base_type(&tw, ptr, t, text, sizeof(text), err);
	if (rc)
		return rc;
	if (!ptr && !t->size && !t->is_struct) {
		set_err(err, tw.col[0], "'void' is only usable as 'void *'");
		return -EINVAL;
	}
	len = strlen(text);
	if (ptr) {
		t->ptr = ptr;
		t->size = 8;
		t->is_signed = false;
		if (len + 1 + ptr >= sizeof(text)) {
			set_err(err, (int)start, "type too long");
			return -EINVAL;
		}
		text[len++] = ' ';
		while (ptr--)
			text[len++] = '*';
		text[len] = '\0';
	}
	t->text = strdup(text);
	if (!t->text) {
		set_err(err, (int)start, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

void expr_type_free(struct expr_type *t)
{
	free(t->text);
	memset(t, 0, sizeof(*t));
}

/* ---- escapes ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int expr_unescape_char(const char *src, size_t *pos, size_t end, char *out, struct expr_error *err)
{
	size_t p = *pos;
	int v, d, i;

	if (p >= end)
		return -EINVAL;
	if (src[p] != '\\') {
		*out = src[p];
		*pos = p + 1;
		return 0;
	}
	if (p + 1 >= end) {
		set_err(err, (int)p, "unterminated escape sequence");
		return -EINVAL;
	}
	p++;
	switch (src[p]) {
	case 'n':
		*out = '\n';
		break;
	case 't':
		*out = '\t';
		break;
	case 'r':
		*out = '\r';
		break;
	case 'a':
		*out = '\a';
		break;
	case 'b':
		*out = '\b';
		break;
	case 'f':
		*out = '\f';
		break;
	case 'v':
		*out = '\v';
		break;
	case 'e':
		*out = 27;
		break;
	case '\\':
	case '\'':
	case '"':
	case '?':
		*out = src[p];
		break;
	case 'x':
		v = 0;
		for (i = 0; i < 2 && p + 1 < end && (d = hexval(src[p + 1])) >= 0; i++, p++)
			v = v * 16 + d;
		if (!i) {
			set_err(err, (int)p - 1, "\\x needs hex digits");
			return -EINVAL;
		}
		*out = (char)v;
		break;
	default:
		if (src[p] >= '0' && src[p] <= '7') {
			v = src[p] - '0';
			for (i = 1; i < 3 && p + 1 < end && src[p + 1] >= '0' && src[p + 1] <= '7';
			     i++, p++)
				v = v * 8 + src[p + 1] - '0';
			*out = (char)v;
			break;
		}
		set_err(err, (int)p - 1, "unknown escape sequence '\\%c'", src[p]);
		return -EINVAL;
	}
	*pos = p + 1;
	return 0;
}

/* ---- lexer ---- */

enum tok_kind { T_EOF, T_INT, T_STR, T_IDENT, T_OP };

struct tok {
	enum tok_kind kind;
	size_t pos, end;
	char op[3];
	uint64_t ival;
	bool is_unsigned;
	unsigned bits;
	char *str;
	size_t len;
};

struct parser {
	const char *src;
	size_t pos, end;
	struct tok tok;
	struct expr_error *err;
	int nest;
};

static int fail_at(struct parser *p, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(struct parser *p, size_t col, const char *fmt, ...)
{
	va_list ap;

	if (p->err) {
		p->err->col = (int)col;
		va_start(ap, fmt);
		vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int lex_number(struct parser *p, size_t s)
{
	const char *src = p->src;
	size_t i = s;
	uint64_t v = 0;
	unsigned base = 10, d, nl = 0, nu = 0;
	bool digits = false;

	if (src[i] == '0' && i + 1 < p->end && (src[i + 1] == 'x' || src[i + 1] == 'X')) {
		base = 16;
		i += 2;
	} else if (src[i] == '0') {
		base = 8;
	}
	for (; i < p->end; i++) {
		int h = hexval(src[i]);

		if (h < 0 || (base != 16 && h > 9))
			break;
		d = (unsigned)h;
		if (d >= base)
			return fail_at(p, i, "invalid digit '%c' in an octal constant", src[i]);
		if (v > (UINT64_MAX - d) / base)
			return fail_at(p, s, "integer constant is too large");
		v = v * base + d;
		digits = true;
	}
	if (!digits)
		return fail_at(p, s, "hex constant needs digits");
	for (; i < p->end && strchr("uUlL", src[i]); i++) {
		if (src[i] == 'u' || src[i] == 'U')
			nu++;
		else
			nl++;
	}
	if (nu > 1 || nl > 2 || (i < p->end && is_ident_char(src[i])))
		return fail_at(p, s, "invalid suffix on integer constant");
	/* C's rule for the type of an integer constant, on LP64. */
	if (!nu && !nl && v <= INT32_MAX) {
		p->tok.bits = 32;
		p->tok.is_unsigned = false;
	} else if (!nl && v <= UINT32_MAX && (nu || base != 10)) {
		p->tok.bits = 32;
		p->tok.is_unsigned = true;
	} else {
		p->tok.bits = 64;
		p->tok.is_unsigned = nu || v > INT64_MAX;
	}
	p->tok.kind = T_INT;
	p->tok.ival = v;
	p->tok.end = i;
	return 0;
}

static int lex_quoted(struct parser *p, size_t s, char q)
{
	size_t i = s + 1, n = 0;
	char *buf, c;

	buf = malloc(p->end - s + 1);
	if (!buf)
		return fail_at(p, s, "out of memory");
	while (i < p->end && p->src[i] != q) {
		if (expr_unescape_char(p->src, &i, p->end, &c, p->err)) {
			free(buf);
			return -EINVAL;
		}
		buf[n++] = c;
	}
	buf[n] = '\0';
	if (i >= p->end) {
		free(buf);
		return fail_at(
		    p, s, q == '"' ? "unterminated string" : "unterminated character constant");
	}
	p->tok.end = i + 1;
	if (q == '\'') {
		c = buf[0];
		free(buf);
		if (n != 1)
			return fail_at(p, s, "a character constant holds exactly one character");
		/* 'c' has type int; char is signed here, as in base_type(). */
		p->tok.kind = T_INT;
		p->tok.ival = (uint64_t)(int64_t)(signed char)c;
		p->tok.bits = 32;
		p->tok.is_unsigned = false;
		return 0;
	}
	p->tok.kind = T_STR;
	p->tok.str = buf;
	p->tok.len = n;
	return 0;
}

static const char *const ops2[] = {"->", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||"};

static int next(struct parser *p)
{
	const char *src = p->src;
	size_t s;
	unsigned i;

	free(p->tok.str);
	memset(&p->tok, 0, sizeof(p->tok));
	while (p->pos < p->end && is_space(src[p->pos]))
		p->pos++;
	s = p->pos;
	p->tok.pos = s;
	p->tok.end = s;
	if (s >= p->end) {
		p->tok.kind = T_EOF;
		return 0;
	}
	if (src[s] >= '0' && src[s] <= '9') {
		if (lex_number(p, s))
			return -EINVAL;
	} else if (src[s] == '"' || src[s] == '\'') {
		if (lex_quoted(p, s, src[s]))
			return -EINVAL;
	} else if (is_ident_start(src[s]) ||
		   (src[s] == '$' && s + 1 < p->end && is_ident_start(src[s + 1]))) {
		p->tok.kind = T_IDENT;
		p->tok.end = s + 1;
		while (p->tok.end < p->end && is_ident_char(src[p->tok.end]))
			p->tok.end++;
	} else {
		p->tok.kind = T_OP;
		for (i = 0; i < sizeof(ops2) / sizeof(ops2[0]); i++)
			if (s + 1 < p->end && src[s] == ops2[i][0] && src[s + 1] == ops2[i][1])
				break;
		if (i < sizeof(ops2) / sizeof(ops2[0])) {
			memcpy(p->tok.op, ops2[i], 2);
			p->tok.end = s + 2;
		} else if (strchr("()+-*/%<>!~&^|,@", src[s]) && src[s]) {
			p->tok.op[0] = src[s];
			p->tok.end = s + 1;
		} else if (src[s] == '=') {
			return fail_at(p, s, "'=' is assignment; use '==' to compare");
		} else if (src[s] == '?' || src[s] == ':') {
			return fail_at(p, s, "the ?: operator is not supported");
		} else if (src[s] == '.') {
			return fail_at(p, s, "member access is only supported as args->FIELD");
		} else if (src[s] == '[') {
			return fail_at(p, s, "array subscripts are not supported");
		} else if ((unsigned char)src[s] >= 0x20 && (unsigned char)src[s] < 0x7f) {
			return fail_at(p, s, "unexpected character '%c'", src[s]);
		} else {
			return fail_at(p, s, "unexpected byte 0x%02x", (unsigned char)src[s]);
		}
	}
	p->pos = p->tok.end;
	return 0;
}

static bool tok_op(const struct parser *p, const char *op)
{
	return p->tok.kind == T_OP && !strcmp(p->tok.op, op);
}

static bool tok_word(const struct parser *p, const char *w)
{
	return p->tok.kind == T_IDENT && word_is(p->src + p->tok.pos, p->tok.end - p->tok.pos, w);
}

static int expect_op(struct parser *p, const char *op, const char *what)
{
	if (!tok_op(p, op))
		return fail_at(p, p->tok.pos, "expected '%s' %s", op, what);
	return next(p);
}

/* ---- nodes ---- */

static struct expr *node_new(struct parser *p, enum expr_kind kind, size_t col)
{
	struct expr *e = calloc(1, sizeof(*e));

	if (!e) {
		fail_at(p, col, "out of memory");
		return NULL;
	}
	e->kind = kind;
	e->col = (int)col;
	return e;
}

void expr_free(struct expr *e)
{
	if (!e)
		return;
	expr_free(e->kid[0]);
	expr_free(e->kid[1]);
	free(e->name);
	free(e->str);
	expr_type_free(&e->type);
	free(e);
}

/* Attach kids, enforcing the height limit; frees everything on failure. */
static struct expr *node_kids(struct parser *p, struct expr *e, struct expr *a, struct expr *b)
{
	unsigned d = 0;

	e->kid[0] = a;
	e->kid[1] = b;
	if (a)
		d = a->depth;
	if (b && b->depth > d)
		d = b->depth;
	e->depth = d + 1;
	if (e->depth > MAX_DEPTH) {
		fail_at(p, (size_t)e->col, "expression is too long");
		expr_free(e);
		return NULL;
	}
	return e;
}

static char *dup_range(struct parser *p, size_t s, size_t e)
{
	char *r = strndup(p->src + s, e - s);

	if (!r)
		fail_at(p, s, "out of memory");
	return r;
}

struct var_name {
	const char *name;
	enum expr_var var;
};

static const struct var_name vars[] = {
    {"$retval", EXPR_VAR_RETVAL}, {"retval", EXPR_VAR_RETVAL}, {"$latency", EXPR_VAR_LATENCY},
    {"$pid", EXPR_VAR_PID},	  {"$tid", EXPR_VAR_PID},      {"$tgid", EXPR_VAR_TGID},
    {"$PID", EXPR_VAR_TGID},	  {"$uid", EXPR_VAR_UID},      {"$gid", EXPR_VAR_GID},
    {"$cpu", EXPR_VAR_CPU},	  {"$comm", EXPR_VAR_COMM},    {"$COMM", EXPR_VAR_COMM},
    {"$task", EXPR_VAR_TASK},
};

static struct expr *parse_expr(struct parser *p, int minprec);

static struct expr *parse_name(struct parser *p)
{
	size_t s = p->tok.pos, n = p->tok.end - p->tok.pos;
	const char *w = p->src + s;
	struct expr *e, *lit;
	unsigned i;

	if (word_is(w, n, "args")) {
		if (next(p))
			return NULL;
		if (!tok_op(p, "->")) {
			fail_at(p, p->tok.pos, "args must be followed by ->FIELD");
			return NULL;
		}
		if (next(p))
			return NULL;
		if (p->tok.kind != T_IDENT || p->src[p->tok.pos] == '$') {
			fail_at(p, p->tok.pos, "expected a field name after args->");
			return NULL;
		}
		e = node_new(p, EXPR_FIELD, s);
		if (!e)
			return NULL;
		e->name = dup_range(p, p->tok.pos, p->tok.end);
		if (!e->name || next(p)) {
			expr_free(e);
			return NULL;
		}
		return node_kids(p, e, NULL, NULL);
	}
	if (word_is(w, n, "STRCMP")) {
		if (next(p) || expect_op(p, "(", "after STRCMP"))
			return NULL;
		if (p->tok.kind != T_STR) {
			fail_at(p, p->tok.pos,
				"STRCMP needs a string literal as its first argument");
			return NULL;
		}
		e = node_new(p, EXPR_STRCMP, s);
		lit = node_new(p, EXPR_STR, p->tok.pos);
		if (!e || !lit) {
			free(e);
			free(lit);
			return NULL;
		}
		lit->str = p->tok.str;
		lit->len = p->tok.len;
		p->tok.str = NULL;
		lit->depth = 1;
		e->kid[0] = lit;
		if (next(p) || expect_op(p, ",", "between STRCMP's arguments")) {
			expr_free(e);
			return NULL;
		}
		e->kid[1] = parse_expr(p, 0);
		if (!e->kid[1] || expect_op(p, ")", "to close STRCMP(")) {
			expr_free(e);
			return NULL;
		}
		return node_kids(p, e, e->kid[0], e->kid[1]);
	}
	if (word_is(w, n, "$entry")) {
		if (next(p) || expect_op(p, "(", "after $entry"))
			return NULL;
		if (p->tok.kind != T_IDENT || p->src[p->tok.pos] == '$') {
			fail_at(p, p->tok.pos, "$entry needs a parameter name");
			return NULL;
		}
		e = node_new(p, EXPR_ENTRY, s);
		if (!e)
			return NULL;
		e->name = dup_range(p, p->tok.pos, p->tok.end);
		if (!e->name || next(p) || expect_op(p, ")", "to close $entry(")) {
			expr_free(e);
			return NULL;
		}
		return node_kids(p, e, NULL, NULL);
	}
	e = node_new(p, EXPR_IDENT, s);
	if (!e)
		return NULL;
	e->name = dup_range(p, s, s + n);
	if (!e->name) {
		free(e);
		return NULL;
	}
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		if (word_is(w, n, vars[i].name)) {
			e->kind = EXPR_VAR;
			e->var = vars[i].var;
		}
	}
	if (n == 4 && !memcmp(w, "arg", 3) && w[3] >= '1' && w[3] <= '6') {
		e->kind = EXPR_VAR;
		e->var = EXPR_VAR_ARG;
		e->argn = w[3] - '0';
	}
	if (*w == '$' && e->kind != EXPR_VAR) {
		fail_at(p, s, "unknown special variable '%.*s'", (int)n, w);
		expr_free(e);
		return NULL;
	}
	if (next(p)) {
		expr_free(e);
		return NULL;
	}
	if (tok_op(p, "(")) {
		fail_at(p, s, "function calls are not supported (only STRCMP and $entry)");
		expr_free(e);
		return NULL;
	}
	if (tok_op(p, "@")) {
		if (next(p) || !tok_word(p, "user")) {
			fail_at(p, p->tok.pos, "only '@user' may follow a name");
			expr_free(e);
			return NULL;
		}
		if (e->kind == EXPR_VAR && e->var != EXPR_VAR_ARG && e->var != EXPR_VAR_RETVAL) {
			fail_at(p, s, "@user applies to arguments and retval only");
			expr_free(e);
			return NULL;
		}
		e->user = true;
		if (next(p)) {
			expr_free(e);
			return NULL;
		}
	}
	if (tok_op(p, "->")) {
		fail_at(p, p->tok.pos, "member access is only supported as args->FIELD");
		expr_free(e);
		return NULL;
	}
	return node_kids(p, e, NULL, NULL);
}

static struct expr *parse_primary(struct parser *p)
{
	struct expr *e;
	size_t s = p->tok.pos;

	switch (p->tok.kind) {
	case T_INT:
		e = node_new(p, EXPR_INT, s);
		if (!e)
			return NULL;
		e->ival = p->tok.ival;
		e->is_unsigned = p->tok.is_unsigned;
		e->bits = p->tok.bits;
		if (next(p)) {
			expr_free(e);
			return NULL;
		}
		return node_kids(p, e, NULL, NULL);
	case T_STR:
		e = node_new(p, EXPR_STR, s);
		if (!e)
			return NULL;
		e->str = p->tok.str;
		e->len = p->tok.len;
		p->tok.str = NULL;
		if (next(p)) {
			expr_free(e);
			return NULL;
		}
		return node_kids(p, e, NULL, NULL);
	case T_IDENT:
		return parse_name(p);
	case T_OP:
		if (tok_op(p, "(")) {
			if (next(p))
				return NULL;
			e = parse_expr(p, 0);
			if (e && expect_op(p, ")", "to close '('")) {
				expr_free(e);
				return NULL;
			}
			return e;
		}
		fail_at(p, s, "expected a value before '%s'", p->tok.op);
		return NULL;
	default:
		fail_at(p, s, "expected a value");
		return NULL;
	}
}

/* At '(' : does a type follow, making this a cast? */
static bool cast_ahead(struct parser *p, size_t *close)
{
	size_t i = p->tok.end, w;

	while (i < p->end && is_space(p->src[i]))
		i++;
	w = i;
	while (i < p->end && is_ident_char(p->src[i]))
		i++;
	if (i == w || !is_ident_start(p->src[w]) || !is_type_word(p->src + w, i - w))
		return false;
	while (i < p->end && (is_ident_char(p->src[i]) || is_space(p->src[i]) || p->src[i] == '*'))
		i++;
	*close = i;
	return true;
}

static struct expr *parse_unary(struct parser *p)
{
	static const struct {
		const char *tok;
		enum expr_op op;
	} unops[] = {
	    {"-", EXPR_OP_NEG}, {"!", EXPR_OP_NOT}, {"~", EXPR_OP_BNOT}, {"*", EXPR_OP_DEREF}};
	struct expr *e = NULL, *kid;
	size_t s = p->tok.pos, close;
	unsigned i;

	if (++p->nest > MAX_NEST) {
		fail_at(p, s, "expression is nested too deeply");
		goto out;
	}
	for (i = 0; i < sizeof(unops) / sizeof(unops[0]); i++) {
		if (!tok_op(p, unops[i].tok))
			continue;
		if (next(p))
			goto out;
		kid = parse_unary(p);
		if (!kid)
			goto out;
		e = node_new(p, EXPR_UNARY, s);
		if (!e) {
			expr_free(kid);
			goto out;
		}
		e->op = unops[i].op;
		e = node_kids(p, e, kid, NULL);
		goto out;
	}
	if (tok_op(p, "(") && cast_ahead(p, &close)) {
		if (close >= p->end || p->src[close] != ')') {
			fail_at(p, close, "expected ')' to close the cast");
			goto out;
		}
		e = node_new(p, EXPR_CAST, s);
		if (!e)
			goto out;
		if (expr_type_parse(p->src, p->tok.end, close, &e->type, p->err)) {
			free(e);
			e = NULL;
			goto out;
		}
		p->pos = close + 1;
		kid = next(p) ? NULL : parse_unary(p);
		if (!kid) {
			expr_free(e);
			e = NULL;
			goto out;
		}
		e = node_kids(p, e, kid, NULL);
		goto out;
	}
	e = parse_primary(p);
out:
	p->nest--;
	return e;
}

struct binop {
	const char *tok;
	enum expr_op op;
	int prec;
};

static const struct binop binops[] = {
    {"||", EXPR_OP_LOR, 1}, {"&&", EXPR_OP_LAND, 2}, {"|", EXPR_OP_BOR, 3}, {"^", EXPR_OP_XOR, 4},
    {"&", EXPR_OP_BAND, 5}, {"==", EXPR_OP_EQ, 6},   {"!=", EXPR_OP_NE, 6}, {"<", EXPR_OP_LT, 7},
    {"<=", EXPR_OP_LE, 7},  {">", EXPR_OP_GT, 7},    {">=", EXPR_OP_GE, 7}, {"<<", EXPR_OP_SHL, 8},
    {">>", EXPR_OP_SHR, 8}, {"+", EXPR_OP_ADD, 9},   {"-", EXPR_OP_SUB, 9}, {"*", EXPR_OP_MUL, 10},
    {"/", EXPR_OP_DIV, 10}, {"%", EXPR_OP_MOD, 10},
};

static const struct binop *cur_binop(const struct parser *p)
{
	unsigned i;

	for (i = 0; i < sizeof(binops) / sizeof(binops[0]); i++)
		if (tok_op(p, binops[i].tok))
			return &binops[i];
	return NULL;
}

/* Precedence climbing: all C binary operators here are left-associative. */
static struct expr *parse_expr(struct parser *p, int minprec)
{
	const struct binop *b;
	struct expr *lhs, *rhs, *e;
	size_t col;

	if (++p->nest > MAX_NEST) {
		fail_at(p, p->tok.pos, "expression is nested too deeply");
		p->nest--;
		return NULL;
	}
	lhs = parse_unary(p);
	while (lhs && (b = cur_binop(p)) && b->prec >= minprec) {
		col = p->tok.pos;
		if (next(p)) {
			expr_free(lhs);
			lhs = NULL;
			break;
		}
		rhs = parse_expr(p, b->prec + 1);
		e = rhs ? node_new(p, EXPR_BINARY, col) : NULL;
		if (!e) {
			expr_free(lhs);
			expr_free(rhs);
			lhs = NULL;
			break;
		}
		e->op = b->op;
		lhs = node_kids(p, e, lhs, rhs);
	}
	p->nest--;
	return lhs;
}

struct expr *expr_parse_range(const char *src, size_t start, size_t end, struct expr_error *err)
{
	struct parser p = {.src = src, .pos = start, .end = end, .err = err};
	struct expr *e = NULL;

	if (next(&p))
		goto out;
	if (p.tok.kind == T_EOF) {
		fail_at(&p, start, "empty expression");
		goto out;
	}
	e = parse_expr(&p, 0);
	if (e && p.tok.kind != T_EOF) {
		if (p.tok.kind == T_OP && !strcmp(p.tok.op, ")"))
			fail_at(&p, p.tok.pos, "unbalanced ')'");
		else
			fail_at(&p, p.tok.pos, "unexpected '%.*s' after an expression",
				(int)(p.tok.end - p.tok.pos), src + p.tok.pos);
		expr_free(e);
		e = NULL;
	}
out:
	free(p.tok.str);
	return e;
}

struct expr *expr_parse(const char *text, struct expr_error *err)
{
	return expr_parse_range(text, 0, strlen(text), err);
}

struct expr *expr_dup(const struct expr *e)
{
	struct expr *d;

	if (!e)
		return NULL;
	d = malloc(sizeof(*d));
	if (!d)
		return NULL;
	*d = *e;
	d->name = NULL;
	d->str = NULL;
	d->type.text = NULL;
	d->kid[0] = d->kid[1] = NULL;
	if ((e->name && !(d->name = strdup(e->name))) ||
	    (e->type.text && !(d->type.text = strdup(e->type.text))))
		goto fail;
	if (e->str) {
		d->str = malloc(e->len + 1);
		if (!d->str)
			goto fail;
		memcpy(d->str, e->str, e->len + 1);
	}
	if ((e->kid[0] && !(d->kid[0] = expr_dup(e->kid[0]))) ||
	    (e->kid[1] && !(d->kid[1] = expr_dup(e->kid[1]))))
		goto fail;
	return d;
fail:
	expr_free(d);
	return NULL;
}

/* ---- dump ---- */

const char *expr_op_name(enum expr_op op)
{
	static const char *const names[] = {
	    [EXPR_OP_NONE] = "?",  [EXPR_OP_NEG] = "-",	  [EXPR_OP_NOT] = "!",
	    [EXPR_OP_BNOT] = "~",  [EXPR_OP_DEREF] = "*", [EXPR_OP_MUL] = "*",
	    [EXPR_OP_DIV] = "/",   [EXPR_OP_MOD] = "%",	  [EXPR_OP_ADD] = "+",
	    [EXPR_OP_SUB] = "-",   [EXPR_OP_SHL] = "<<",  [EXPR_OP_SHR] = ">>",
	    [EXPR_OP_LT] = "<",	   [EXPR_OP_LE] = "<=",	  [EXPR_OP_GT] = ">",
	    [EXPR_OP_GE] = ">=",   [EXPR_OP_EQ] = "==",	  [EXPR_OP_NE] = "!=",
	    [EXPR_OP_BAND] = "&",  [EXPR_OP_XOR] = "^",	  [EXPR_OP_BOR] = "|",
	    [EXPR_OP_LAND] = "&&", [EXPR_OP_LOR] = "||",
	};

	return (unsigned)op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

/* An snprintf-style appender: len counts what the whole output needs. */
struct sbuf {
	char *out;
	size_t cap, len;
};

static void sb_put(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_put(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->len < b->cap ? b->out + b->len : NULL,
		      b->len < b->cap ? b->cap - b->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
}

/* A C string literal for s: printable ASCII as is, the rest escaped. */
static void sb_quote(struct sbuf *b, const char *s, size_t n)
{
	size_t i;

	sb_put(b, "\"");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			sb_put(b, "\\%c", c);
		else if (c == '\n')
			sb_put(b, "\\n");
		else if (c == '\t')
			sb_put(b, "\\t");
		else if (c < 0x20 || c >= 0x7f)
			sb_put(b, "\\x%02x", c);
		else
			sb_put(b, "%c", c);
	}
	sb_put(b, "\"");
}

static void int_text(struct sbuf *b, uint64_t u, bool is_signed)
{
	if (is_signed)
		sb_put(b, "%lld", (long long)(int64_t)u);
	else
		sb_put(b, "%llu", (unsigned long long)u);
}

static void dump(struct sbuf *b, const struct expr *e)
{
	switch (e->kind) {
	case EXPR_INT:
		int_text(b, e->ival, !e->is_unsigned);
		break;
	case EXPR_STR:
		sb_quote(b, e->str, e->len);
		break;
	case EXPR_VAR:
	case EXPR_IDENT:
		sb_put(b, "%s%s", e->name, e->user ? "@user" : "");
		break;
	case EXPR_FIELD:
		sb_put(b, "args->%s", e->name);
		break;
	case EXPR_ENTRY:
		sb_put(b, "$entry(%s)", e->name);
		break;
	case EXPR_CAST:
		sb_put(b, "(cast %s ", e->type.text);
		dump(b, e->kid[0]);
		sb_put(b, ")");
		break;
	case EXPR_UNARY:
		sb_put(b, "(%s ", expr_op_name(e->op));
		dump(b, e->kid[0]);
		sb_put(b, ")");
		break;
	case EXPR_BINARY:
		sb_put(b, "(%s ", expr_op_name(e->op));
		dump(b, e->kid[0]);
		sb_put(b, " ");
		dump(b, e->kid[1]);
		sb_put(b, ")");
		break;
	case EXPR_STRCMP:
		sb_put(b, "(STRCMP ");
		dump(b, e->kid[0]);
		sb_put(b, " ");
		dump(b, e->kid[1]);
		sb_put(b, ")");
		break;
	}
}

size_t expr_dump(const struct expr *e, char *out, size_t outlen)
{
	struct sbuf b = {.out = out, .cap = outlen};

	if (outlen)
		out[0] = '\0';
	if (e)
		dump(&b, e);
	else
		sb_put(&b, "nil");
	return b.len;
}

/* ---- evaluation ---- */

struct expr_value expr_value_int(int64_t v, unsigned bits, bool is_signed)
{
	struct expr_value r = {.kind = EXPR_VAL_INT, .is_signed = is_signed, .bits = 64};

	r.u = (uint64_t)v;
	if (bits <= 32) {
		r.bits = 32;
		r.u = is_signed ? (uint64_t)(int64_t)(int32_t)(uint32_t)r.u : (uint32_t)r.u;
	}
	return r;
}

struct expr_value expr_value_str(const char *s)
{
	struct expr_value r = {.kind = EXPR_VAL_STR, .str = s, .len = strlen(s)};

	return r;
}

/* Reduce u to bits, re-extending by signedness, so u always holds the 64-bit image. */
static uint64_t fit(uint64_t u, unsigned bits, bool is_signed)
{
	if (bits >= 64)
		return u;
	if (is_signed) {
		uint64_t sign = 1ULL << (bits - 1);

		u &= (sign << 1) - 1;
		return (u ^ sign) - sign;
	}
	return u & ((1ULL << bits) - 1);
}

/* Integer promotion: anything narrower than int becomes int. */
static void promote(struct expr_value *v)
{
	if (v->bits < 32) {
		v->u = fit(v->u, v->bits ? v->bits : 64, v->is_signed);
		v->bits = 32;
		v->is_signed = true;
		v->u = fit(v->u, 32, true);
	} else if (v->bits > 32 && v->bits != 64) {
		v->bits = 64;
	}
}

/* The usual arithmetic conversions for two promoted operands of 32 or 64 bits. */
static void common_type(const struct expr_value *a, const struct expr_value *b, unsigned *bits,
			bool *is_signed)
{
	if (a->bits == b->bits) {
		*bits = a->bits;
		*is_signed = a->is_signed && b->is_signed;
	} else {
		*bits = 64;
		*is_signed = a->bits == 64 ? a->is_signed : b->is_signed;
	}
}

struct ectx {
	expr_env_fn env;
	void *ctx;
	struct expr_error *err;
};

static int eval(const struct expr *e, struct ectx *c, struct expr_value *out);

static int truth(const struct expr *e, struct ectx *c, bool *t)
{
	struct expr_value v;

	if (eval(e, c, &v))
		return -EINVAL;
	if (v.kind != EXPR_VAL_INT) {
		set_err(c->err, e->col, "a string cannot be used as a condition");
		return -EINVAL;
	}
	*t = v.u != 0;
	return 0;
}

static int eval_leaf(const struct expr *e, struct ectx *c, struct expr_value *out)
{
	char what[64];
	int rc;

	memset(out, 0, sizeof(*out));
	rc = c->env ? c->env(c->ctx, e, out) : -ENOENT;
	if (rc) {
		expr_dump(e, what, sizeof(what));
		set_err(c->err, e->col, "no value for %s", what);
		return -EINVAL;
	}
	if (out->kind == EXPR_VAL_STR) {
		if (!out->str) {
			set_err(c->err, e->col, "no value for %s", e->name ? e->name : "*");
			return -EINVAL;
		}
		return 0;
	}
	out->kind = EXPR_VAL_INT;
	if (!out->bits)
		out->bits = 64;
	promote(out);
	out->u = fit(out->u, out->bits, out->is_signed);
	return 0;
}

static int eval_cast(const struct expr *e, struct ectx *c, struct expr_value *out)
{
	const struct expr_type *t = &e->type;

	if (eval(e->kid[0], c, out))
		return -EINVAL;
	if (t->ptr) {
		/* (char *)$retval names a string when the env supplied one; else an address. */
		if (out->kind == EXPR_VAL_INT) {
			out->bits = 64;
			out->is_signed = false;
		}
		return 0;
	}
	if (out->kind != EXPR_VAL_INT) {
		set_err(c->err, e->col, "cannot cast a string to %s", t->text);
		return -EINVAL;
	}
	if (!t->size || t->is_struct) {
		set_err(c->err, e->col, "cannot cast to %s", t->text);
		return -EINVAL;
	}
	if (!strcmp(t->text, "bool") || !strcmp(t->text, "_Bool"))
		out->u = out->u != 0;
	out->u = fit(out->u, t->size * 8, t->is_signed);
	out->bits = t->size * 8;
	out->is_signed = t->is_signed;
	promote(out);
	return 0;
}

static int eval_unary(const struct expr *e, struct ectx *c, struct expr_value *out)
{
	bool t;

	if (e->op == EXPR_OP_DEREF)
		return eval_leaf(e, c, out);
	if (e->op == EXPR_OP_NOT) {
		if (truth(e->kid[0], c, &t))
			return -EINVAL;
		*out = expr_value_int(!t, 32, true);
		return 0;
	}
	if (eval(e->kid[0], c, out))
		return -EINVAL;
	if (out->kind != EXPR_VAL_INT) {
		set_err(c->err, e->col, "'%s' needs a number, not a string", expr_op_name(e->op));
		return -EINVAL;
	}
	out->u = fit(e->op == EXPR_OP_NEG ? 0 - out->u : ~out->u, out->bits, out->is_signed);
	return 0;
}

static int eval_strings(const struct expr *e, struct ectx *c, const struct expr_value *a,
			const struct expr_value *b, struct expr_value *out)
{
	if (a->kind != b->kind) {
		set_err(c->err, e->col, "cannot compare a string with a number");
		return -EINVAL;
	}
	if (e->op != EXPR_OP_EQ && e->op != EXPR_OP_NE) {
		set_err(c->err, e->col, "strings support only == and !=");
		return -EINVAL;
	}
	*out = expr_value_int((strcmp(a->str, b->str) == 0) == (e->op == EXPR_OP_EQ), 32, true);
	return 0;
}

static int eval_shift(const struct expr *e, struct ectx *c, struct expr_value *a,
		      const struct expr_value *b, struct expr_value *out)
{
	/* C shifts by the promoted left type; counts outside [0, width) are undefined there. */
	if ((b->is_signed && (int64_t)b->u < 0) || b->u >= a->bits) {
		set_err(c->err, e->col, "shift count %lld is out of range for a %u-bit value",
			b->is_signed ? (long long)(int64_t)b->u : (long long)(b->u & INT64_MAX),
			a->bits);
		return -EINVAL;
	}
	*out = *a;
	if (e->op == EXPR_OP_SHL)
		out->u = fit(a->u << b->u, a->bits, a->is_signed);
	else if (a->is_signed && (int64_t)a->u < 0)
		out->u = ~(~a->u >> b->u);
	else
		out->u = a->u >> b->u;
	return 0;
}

static int eval_binary(const struct expr *e, struct ectx *c, struct expr_value *out)
{
	struct expr_value a, b;
	unsigned bits;
	bool sg, t;
	uint64_t x, y, r = 0;
	int64_t sx, sy;

	if (e->op == EXPR_OP_LAND || e->op == EXPR_OP_LOR) {
		if (truth(e->kid[0], c, &t))
			return -EINVAL;
		if (t == (e->op == EXPR_OP_LOR)) {
			*out = expr_value_int(t, 32, true);
			return 0;
		}
		if (truth(e->kid[1], c, &t))
			return -EINVAL;
		*out = expr_value_int(t, 32, true);
		return 0;
	}
	if (eval(e->kid[0], c, &a) || eval(e->kid[1], c, &b))
		return -EINVAL;
	if (a.kind == EXPR_VAL_STR || b.kind == EXPR_VAL_STR)
		return eval_strings(e, c, &a, &b, out);
	if (e->op == EXPR_OP_SHL || e->op == EXPR_OP_SHR)
		return eval_shift(e, c, &a, &b, out);
	common_type(&a, &b, &bits, &sg);
	x = fit(a.u, bits, sg);
	y = fit(b.u, bits, sg);
	sx = (int64_t)x;
	sy = (int64_t)y;
	switch (e->op) {
	case EXPR_OP_LT:
		r = sg ? sx < sy : x < y;
		break;
	case EXPR_OP_LE:
		r = sg ? sx <= sy : x <= y;
		break;
	case EXPR_OP_GT:
		r = sg ? sx > sy : x > y;
		break;
	case EXPR_OP_GE:
		r = sg ? sx >= sy : x >= y;
		break;
	case EXPR_OP_EQ:
		r = x == y;
		break;
	case EXPR_OP_NE:
		r = x != y;
		break;
	default:
		break;
	}
	if (e->op >= EXPR_OP_LT && e->op <= EXPR_OP_NE) {
		*out = expr_value_int((int64_t)r, 32, true);
		return 0;
	}
	switch (e->op) {
	case EXPR_OP_ADD:
		r = x + y;
		break;
	case EXPR_OP_SUB:
		r = x - y;
		break;
	case EXPR_OP_MUL:
		r = x * y;
		break;
	case EXPR_OP_BAND:
		r = x & y;
		break;
	case EXPR_OP_BOR:
		r = x | y;
		break;
	case EXPR_OP_XOR:
		r = x ^ y;
		break;
	case EXPR_OP_DIV:
	case EXPR_OP_MOD:
		if (!y) {
			set_err(c->err, e->col, "division by zero");
			return -EINVAL;
		}
		/* INT64_MIN / -1 overflows in C: negate through unsigned instead. */
		if (sg && sy == -1)
			r = e->op == EXPR_OP_DIV ? 0 - x : 0;
		else if (sg)
			r = (uint64_t)(e->op == EXPR_OP_DIV ? sx / sy : sx % sy);
		else
			r = e->op == EXPR_OP_DIV ? x / y : x % y;
		break;
	default:
		set_err(c->err, e->col, "unsupported operator");
		return -EINVAL;
	}
	out->kind = EXPR_VAL_INT;
	out->bits = bits;
	out->is_signed = sg;
	out->u = fit(r, bits, sg);
	out->str = NULL;
	out->len = 0;
	return 0;
}

static int eval(const struct expr *e, struct ectx *c, struct expr_value *out)
{
	struct expr_value s;

	memset(out, 0, sizeof(*out));
	switch (e->kind) {
	case EXPR_INT:
		out->kind = EXPR_VAL_INT;
		out->bits = e->bits;
		out->is_signed = !e->is_unsigned;
		out->u = e->ival;
		return 0;
	case EXPR_STR:
		*out = expr_value_str(e->str);
		return 0;
	case EXPR_VAR:
	case EXPR_IDENT:
	case EXPR_FIELD:
	case EXPR_ENTRY:
		return eval_leaf(e, c, out);
	case EXPR_CAST:
		return eval_cast(e, c, out);
	case EXPR_UNARY:
		return eval_unary(e, c, out);
	case EXPR_BINARY:
		return eval_binary(e, c, out);
	case EXPR_STRCMP:
		if (eval(e->kid[1], c, &s))
			return -EINVAL;
		if (s.kind != EXPR_VAL_STR) {
			set_err(c->err, e->kid[1]->col, "STRCMP needs a string to compare");
			return -EINVAL;
		}
		*out = expr_value_int(!strncmp(s.str, e->kid[0]->str, strlen(e->kid[0]->str)), 32,
				      true);
		return 0;
	}
	set_err(c->err, e->col, "cannot evaluate this node");
	return -EINVAL;
}

int expr_eval(const struct expr *e, expr_env_fn env, void *ctx, struct expr_value *out,
	      struct expr_error *err)
{
	struct ectx c = {.env = env, .ctx = ctx, .err = err};

	return eval(e, &c, out);
}

int expr_eval_bool(const struct expr *e, expr_env_fn env, void *ctx, bool *out,
		   struct expr_error *err)
{
	struct ectx c = {.env = env, .ctx = ctx, .err = err};

	return truth(e, &c, out);
}

/* ---- kernel filter splitting ---- */

struct split {
	expr_kfield_fn fn;
	void *ctx;
};

/* Is e a constant expression?  Then v holds its value. */
static bool constant(const struct expr *e, struct expr_value *v)
{
	struct expr_error ignored;

	return !expr_eval(e, NULL, NULL, v, &ignored);
}

/*
 * A kernel field behind e, seen through casts that leave its values unchanged (same
 * signedness, no narrowing).  Values only user space knows never map.
 */
static bool kfield(const struct split *s, const struct expr *e, struct expr_kfield *f)
{
	const struct expr *leaf = e;

	while (leaf->kind == EXPR_CAST)
		leaf = leaf->kid[0];
	if (leaf->kind != EXPR_VAR && leaf->kind != EXPR_IDENT && leaf->kind != EXPR_FIELD)
		return false;
	if (leaf->kind == EXPR_VAR && (leaf->var == EXPR_VAR_LATENCY || leaf->var == EXPR_VAR_TASK))
		return false;
	memset(f, 0, sizeof(*f));
	if (!s->fn(s->ctx, leaf, f) || !f->name[0] || !memchr(f->name, '\0', sizeof(f->name)))
		return false;
	if (!f->size || f->size > 8)
		f->size = 8;
	for (; e != leaf; e = e->kid[0]) {
		if (f->is_string || e->type.ptr || !e->type.size || e->type.size < f->size ||
		    e->type.is_signed != f->is_signed)
			return false;
	}
	return true;
}

/*
 * Would the kernel, which compares at the field's width and signedness with the value
 * truncated to it, agree with C's comparison in the common type?
 */
static bool int_const_fits(const struct expr_kfield *f, const struct expr_value *v)
{
	struct expr_value fv = {
	    .kind = EXPR_VAL_INT, .bits = f->size * 8, .is_signed = f->is_signed};
	unsigned bits, fb = f->size * 8;
	bool sg;
	int64_t sv = (int64_t)v->u;

	promote(&fv);
	common_type(&fv, v, &bits, &sg);
	/* A signed field compared as unsigned in C (fd < 0x80000000u) differs for negatives. */
	if (f->is_signed && !sg)
		return false;
	if (v->is_signed) {
		if (f->is_signed)
			return fb == 64 || (sv >= -(1LL << (fb - 1)) && sv < (1LL << (fb - 1)));
		return sv >= 0 && (fb == 64 || sv < (1LL << fb));
	}
	if (f->is_signed)
		return fb == 64 ? v->u <= (uint64_t)INT64_MAX : v->u < (1ULL << (fb - 1));
	return fb == 64 || v->u < (1ULL << fb);
}

/* Strings the filter parser takes literally inside "...". */
static bool plain_string(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ||
		    strchr("\"\\*?[]", s[i]))
			return false;
	return strlen(s) == len;
}

static enum expr_op flip(enum expr_op op)
{
	switch (op) {
	case EXPR_OP_LT:
		return EXPR_OP_GT;
	case EXPR_OP_LE:
		return EXPR_OP_GE;
	case EXPR_OP_GT:
		return EXPR_OP_LT;
	case EXPR_OP_GE:
		return EXPR_OP_LE;
	default:
		return op;
	}
}

static bool kernel_term(const struct split *s, const struct expr *e, struct sbuf *b);

static bool kernel_compare(const struct split *s, const struct expr *e, struct sbuf *b)
{
	const struct expr *fe = e->kid[0], *ce = e->kid[1];
	enum expr_op op = e->op;
	struct expr_kfield f;
	struct expr_value v;

	if (!kfield(s, fe, &f)) {
		fe = e->kid[1];
		ce = e->kid[0];
		op = flip(op);
		if (!kfield(s, fe, &f))
			return false;
	}
	if (!constant(ce, &v))
		return false;
	if (f.is_string) {
		if (v.kind != EXPR_VAL_STR || (op != EXPR_OP_EQ && op != EXPR_OP_NE) ||
		    !plain_string(v.str, v.len))
			return false;
		sb_put(b, "%s %s \"%s\"", f.name, expr_op_name(op), v.str);
		return true;
	}
	if (v.kind != EXPR_VAL_INT || !int_const_fits(&f, &v))
		return false;
	/* The kernel's '&' tests (field & value) != 0, which is also C's truth of the term. */
	sb_put(b, "%s %s ", f.name, expr_op_name(op));
	int_text(b, v.u, v.is_signed);
	return true;
}

static bool kernel_term(const struct split *s, const struct expr *e, struct sbuf *b)
{
	struct expr_kfield f;

	switch (e->kind) {
	case EXPR_BINARY:
		switch (e->op) {
		case EXPR_OP_LAND:
		case EXPR_OP_LOR:
			sb_put(b, "(");
			if (!kernel_term(s, e->kid[0], b))
				return false;
			sb_put(b, " %s ", expr_op_name(e->op));
			if (!kernel_term(s, e->kid[1], b))
				return false;
			sb_put(b, ")");
			return true;
		case EXPR_OP_EQ:
		case EXPR_OP_NE:
		case EXPR_OP_LT:
		case EXPR_OP_LE:
		case EXPR_OP_GT:
		case EXPR_OP_GE:
		case EXPR_OP_BAND:
			return kernel_compare(s, e, b);
		default:
			return false;
		}
	case EXPR_UNARY:
		if (e->op != EXPR_OP_NOT)
			return false;
		if (kfield(s, e->kid[0], &f) && !f.is_string) {
			sb_put(b, "%s == 0", f.name);
			return true;
		}
		sb_put(b, "!(");
		if (!kernel_term(s, e->kid[0], b))
			return false;
		sb_put(b, ")");
		return true;
	case EXPR_STRCMP:
		/* BCC's STRCMP is a prefix match: the glob "lit*". */
		if (!kfield(s, e->kid[1], &f) || !f.is_string ||
		    !plain_string(e->kid[0]->str, e->kid[0]->len))
			return false;
		sb_put(b, "%s ~ \"%s*\"", f.name, e->kid[0]->str);
		return true;
	case EXPR_VAR:
	case EXPR_IDENT:
	case EXPR_FIELD:
	case EXPR_CAST:
		if (!kfield(s, e, &f) || f.is_string)
			return false;
		sb_put(b, "%s != 0", f.name);
		return true;
	default:
		/* Constants and arithmetic: ftrace filters have neither. */
		return false;
	}
}

/* The top-level && terms of e, in order.  Returns the count; terms may be NULL (counting). */
static size_t terms(const struct expr *e, const struct expr **out, size_t n)
{
	if (e->kind == EXPR_BINARY && e->op == EXPR_OP_LAND) {
		n = terms(e->kid[0], out, n);
		return terms(e->kid[1], out, n);
	}
	if (out)
		out[n] = e;
	return n + 1;
}

/* A rendered term string, malloc'd, or NULL when e is not kernel-expressible. */
static char *render_term(const struct split *s, const struct expr *e, bool *oom)
{
	struct sbuf b = {0};
	char *str;

	if (!kernel_term(s, e, &b))
		return NULL;
	str = malloc(b.len + 1);
	if (!str) {
		*oom = true;
		return NULL;
	}
	b.out = str;
	b.cap = b.len + 1;
	b.len = 0;
	kernel_term(s, e, &b);
	return str;
}

static int append(char **dst, size_t *len, const char *sep, const char *add)
{
	size_t n = strlen(add) + (*dst ? strlen(sep) : 0);
	char *r = realloc(*dst, *len + n + 1);

	if (!r)
		return -ENOMEM;
	if (*dst)
		*len += (size_t)sprintf(r + *len, "%s", sep);
	else
		*len = 0;
	*dst = r;
	*len += (size_t)sprintf(r + *len, "%s", add);
	return 0;
}

int expr_split_filter(const struct expr *pred, expr_kfield_fn fn, void *ctx, char **kernel,
		      struct expr **residual)
{
	struct split s = {.fn = fn, .ctx = ctx};
	const struct expr **t = NULL;
	struct expr *res = NULL, *d, *and;
	size_t n, i, klen = 0;
	bool oom = false;
	char *k = NULL, *term;

	*kernel = NULL;
	*residual = NULL;
	if (!pred)
		return 0;
	n = terms(pred, NULL, 0);
	t = calloc(n, sizeof(*t));
	if (!t)
		return -ENOMEM;
	terms(pred, t, 0);
	for (i = 0; i < n; i++) {
		term = render_term(&s, t[i], &oom);
		if (oom)
			goto nomem;
		if (term) {
			if (append(&k, &klen, " && ", term)) {
				free(term);
				goto nomem;
			}
			free(term);
			continue;
		}
		d = expr_dup(t[i]);
		if (!d)
			goto nomem;
		if (!res) {
			res = d;
			continue;
		}
		and = calloc(1, sizeof(*and));
		if (!and) {
			expr_free(d);
			goto nomem;
		}
		and->kind = EXPR_BINARY;
		and->op = EXPR_OP_LAND;
		and->col = d->col;
		and->kid[0] = res;
		and->kid[1] = d;
		and->depth = (res->depth > d->depth ? res->depth : d->depth) + 1;
		res = and;
	}
	free(t);
	*kernel = k;
	*residual = res;
	return 0;
nomem:
	free(t);
	free(k);
	expr_free(res);
	return -ENOMEM;
}
