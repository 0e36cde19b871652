// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fmt: parse BCC trace format strings into literal and conversion pieces, check them
 * against the argument count and render messages.  Rendering rebuilds each conversion as a
 * libc printf spec over long long, after truncating the value to the C type BCC would have
 * stored (int for %d, short for %hd, long for %ld), so output matches the BPF tool byte for
 * byte.  Widths and precisions are capped so no spec can ask for huge output.  Pure: libc.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parsers/fmt.h"

/* Larger widths are typos, and capping them bounds the rendered line. */
#define MAX_WIDTH 1024

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

void fmt_free(struct fmt *f)
{
	size_t i;

	for (i = 0; i < f->npieces; i++)
		free(f->pieces[i].text);
	free(f->pieces);
	memset(f, 0, sizeof(*f));
}

static struct fmt_piece *add_piece(struct fmt *f)
{
	struct fmt_piece *p = realloc(f->pieces, (f->npieces + 1) * sizeof(*p));

	if (!p)
		return NULL;
	f->pieces = p;
	p = &f->pieces[f->npieces++];
	memset(p, 0, sizeof(*p));
	p->width = -1;
	p->precision = -1;
	return p;
}

/* Append c to the trailing literal piece, starting one at col if needed. */
static int add_char(struct fmt *f, char c, size_t col)
{
	struct fmt_piece *p = f->npieces ? &f->pieces[f->npieces - 1] : NULL;
	size_t n;
	char *t;

	if (!p || p->is_conv) {
		p = add_piece(f);
		if (!p)
			return -ENOMEM;
		p->col = (int)col;
	}
	n = p->text ? strlen(p->text) : 0;
	t = realloc(p->text, n + 2);
	if (!t)
		return -ENOMEM;
	t[n] = c;
	t[n + 1] = '\0';
	p->text = t;
	return 0;
}

/* Digits at src[*i] as a bounded number; -1 when there are none. */
static int number(const char *src, size_t *i, size_t end, struct expr_error *err, int *out)
{
	size_t s = *i;
	int v = 0;

	*out = -1;
	while (*i < end && src[*i] >= '0' && src[*i] <= '9') {
		v = v * 10 + (src[*i] - '0');
		if (v > MAX_WIDTH)
			return fail(err, s, "field width or precision larger than %d", MAX_WIDTH);
		(*i)++;
	}
	if (*i > s)
		*out = v;
	return 0;
}

static int parse_conv(const char *src, size_t *pos, size_t end, struct fmt *f,
		      struct expr_error *err)
{
	size_t s = *pos, i = s + 1;
	struct fmt_piece *p;
	char flags[8] = "", len[3] = "", c;
	int width, prec = -1;
	size_t nf = 0;

	while (i < end && strchr("-+ #0", src[i]) && src[i]) {
		if (nf + 1 >= sizeof(flags))
			return fail(err, s, "too many flags in conversion");
		flags[nf++] = src[i++];
	}
	if (i < end && src[i] == '*')
		return fail(err, i, "'*' widths are not supported");
	if (number(src, &i, end, err, &width))
		return -EINVAL;
	if (i < end && src[i] == '.') {
		i++;
		if (i < end && src[i] == '*')
			return fail(err, i, "'*' precisions are not supported");
		if (number(src, &i, end, err, &prec))
			return -EINVAL;
		if (prec < 0)
			prec = 0;
	}
	if (i < end && (src[i] == 'h' || src[i] == 'l')) {
		len[0] = src[i++];
		if (len[0] == 'l' && i < end && src[i] == 'l')
			len[1] = src[i++];
		else if (len[0] == 'h' && i < end && src[i] == 'h')
			return fail(err, s, "the 'hh' length modifier is not supported");
	}
	if (i >= end)
		return fail(err, s, "incomplete conversion at the end of the format string");
	c = src[i];
	if (!strchr("diuxXocspKU", c) || !c) {
		if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
			return fail(err, s, "unsupported conversion '%%%c'", c);
		return fail(err, s, "unsupported conversion");
	}
	if (len[0] && !strchr("diuxXo", c))
		return fail(err, s, "'%s' does not apply to %%%c", len, c);
	p = add_piece(f);
	if (!p)
		return fail(err, s, "out of memory");
	p->is_conv = true;
	p->conv = c;
	p->col = (int)s;
	p->width = width;
	p->precision = prec;
	memcpy(p->flags, flags, sizeof(flags));
	memcpy(p->length, len, sizeof(len));
	p->text = strndup(src + s, i + 1 - s);
	if (!p->text)
		return fail(err, s, "out of memory");
	f->nconv++;
	*pos = i + 1;
	return 0;
}

int fmt_parse_range(const char *src, size_t start, size_t end, struct fmt *f,
		    struct expr_error *err)
{
	size_t i = start, s;
	char c;
	int rc = 0;

	memset(f, 0, sizeof(*f));
	while (i < end && !rc) {
		s = i;
		if (src[i] == '%' && i + 1 < end && src[i + 1] == '%') {
			i += 2;
			rc = add_char(f, '%', s);
		} else if (src[i] == '%') {
			rc = parse_conv(src, &i, end, f, err);
		} else if (expr_unescape_char(src, &i, end, &c, err)) {
			rc = -EINVAL;
		} else {
			rc = add_char(f, c, s);
		}
		if (rc == -ENOMEM)
			fail(err, s, "out of memory");
	}
	if (rc)
		fmt_free(f);
	return rc;
}

int fmt_parse(const char *text, struct fmt *f, struct expr_error *err)
{
	return fmt_parse_range(text, 0, strlen(text), f, err);
}

int fmt_check_args(const struct fmt *f, size_t nargs, int fmt_col, const int *arg_cols,
		   struct expr_error *err)
{
	if (nargs > f->nconv)
		return fail(err, (size_t)arg_cols[f->nconv],
			    "extra argument: the format string has %zu conversion%s", f->nconv,
			    f->nconv == 1 ? "" : "s");
	if (nargs < f->nconv)
		return fail(err, (size_t)fmt_col, "the format string needs %zu argument%s, got %zu",
			    f->nconv, f->nconv == 1 ? "" : "s", nargs);
	return 0;
}

bool fmt_conv_is_string(char c)
{
	return c == 's' || c == 'K' || c == 'U';
}

/* An snprintf appender that tracks the total length needed. */
struct out {
	char *buf;
	size_t cap, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->len < o->cap ? o->buf + o->len : NULL,
		      o->len < o->cap ? o->cap - o->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static void render_conv(struct out *o, const struct fmt_piece *p, const struct expr_value *v)
{
	char spec[40], hex[24];
	unsigned long long u = v->u;
	int n;

	n = snprintf(spec, sizeof(spec), "%%%s", p->flags);
	if (p->width >= 0)
		n += snprintf(spec + n, sizeof(spec) - (size_t)n, "%d", p->width);
	if (p->precision >= 0 && p->conv != 'c' && p->conv != 'p')
		n += snprintf(spec + n, sizeof(spec) - (size_t)n, ".%d", p->precision);
	switch (p->conv) {
	case 's':
	case 'K':
	case 'U':
		snprintf(spec + n, sizeof(spec) - (size_t)n, "s");
		put(o, spec, v->str);
		return;
	case 'c':
		snprintf(spec + n, sizeof(spec) - (size_t)n, "c");
		put(o, spec, (unsigned char)u);
		return;
	case 'p':
		snprintf(hex, sizeof(hex), "0x%llx", u);
		snprintf(spec + n, sizeof(spec) - (size_t)n, "s");
		put(o, spec, hex);
		return;
	}
	/* The C type BCC's struct field would have had for this conversion. */
	if (!p->length[0])
		u = strchr("di", p->conv) ? (unsigned long long)(long long)(int)u : (unsigned)u;
	else if (p->length[0] == 'h')
		u = strchr("di", p->conv) ? (unsigned long long)(long long)(short)u
					  : (unsigned short)u;
	snprintf(spec + n, sizeof(spec) - (size_t)n, "ll%c", p->conv);
	if (strchr("di", p->conv))
		put(o, spec, (long long)u);
	else
		put(o, spec, u);
}

int fmt_render(const struct fmt *f, const struct expr_value *vals, size_t nvals, char *out,
	       size_t outlen)
{
	struct out o = {.buf = out, .cap = outlen};
	size_t i, k = 0;

	if (outlen)
		out[0] = '\0';
	for (i = 0; i < f->npieces; i++) {
		const struct fmt_piece *p = &f->pieces[i];

		if (!p->is_conv) {
			put(&o, "%s", p->text);
			continue;
		}
		if (k >= nvals)
			return -EINVAL;
		if ((vals[k].kind == EXPR_VAL_STR) != fmt_conv_is_string(p->conv) ||
		    (vals[k].kind == EXPR_VAL_STR && !vals[k].str))
			return -EINVAL;
		render_conv(&o, p, &vals[k++]);
	}
	return o.len > (size_t)0x7fffffff ? -EINVAL : (int)o.len;
}
