/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fmt: BCC trace format strings ("read %d bytes from %s").  fmt_parse() splits one into
 * literal text and printf conversions, keeping flags, width and precision; fmt_check_args()
 * matches the conversions against the argument list; fmt_render() prints a message from
 * values the caller fetched.  Conversions: %d %i %u %x %X %o with an optional h, l or ll,
 * %c %s %p, %K (kernel symbol) and %U (user symbol) whose strings the caller symbolizes,
 * and %%.  As in BCC, %d without l prints the value as a C int.  Pure: libc only.
 */
#ifndef RT_FMT_H
#define RT_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include "parsers/expr.h"

struct fmt_piece {
	bool is_conv;
	char *text;	/* literal: unescaped text; conversion: as written, e.g. "%-5ld" */
	char conv;	/* d i u x X o c s p K U */
	char length[3]; /* "", "h", "l" or "ll" */
	char flags[8];	/* any of "-+ #0" */
	int width;	/* -1 when absent */
	int precision;	/* -1 when absent */
	int col;	/* column of the '%', or of the literal's first character */
};

struct fmt {
	struct fmt_piece *pieces;
	size_t npieces;
	size_t nconv;
};

/*
 * Parse the raw body of a format string literal, src[start, end) without the quotes and
 * with C escapes still in place, so error columns index src.  0, or -EINVAL/-ENOMEM with
 * err set; f is empty on failure.
 */
int fmt_parse_range(const char *src, size_t start, size_t end, struct fmt *f,
		    struct expr_error *err);
int fmt_parse(const char *text, struct fmt *f, struct expr_error *err);
void fmt_free(struct fmt *f);

/*
 * Does the argument count match?  0, or -EINVAL with err at arg_cols[nconv] (the first
 * extra argument) or at fmt_col (too few).  arg_cols may be NULL when nargs is 0.
 */
int fmt_check_args(const struct fmt *f, size_t nargs, int fmt_col, const int *arg_cols,
		   struct expr_error *err);

/* Is conversion c printed from a string value (%s, %K, %U)? */
bool fmt_conv_is_string(char c);

/*
 * Print f with vals[0..nvals) into out (snprintf semantics: always terminated when
 * outlen > 0, returns the length the whole message needs).  %s, %K and %U take
 * EXPR_VAL_STR values, the rest integers (truncated to the conversion's C type, so %d of
 * 0xffffffff is -1).  -EINVAL when a value is missing or of the wrong kind.
 */
int fmt_render(const struct fmt *f, const struct expr_value *vals, size_t nvals, char *out,
	       size_t outlen);

#endif
