// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * glob: match probe names against a user pattern.  A glob ('*' any run, '?' one
 * character) must cover the whole name, as BCC anchors its translated regex; with -r the
 * pattern is a POSIX extended regex anchored at the start of the name only, like BCC's
 * re.match (users add $ to anchor the end).  Pure: libc only.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "parsers/glob.h"

static void set_err(char *err, size_t errlen, const char *msg)
{
	if (err && errlen) {
		strncpy(err, msg, errlen - 1);
		err[errlen - 1] = '\0';
	}
}

/*
 * glibc's regcomp unrolls repetitions by copying the repeated subexpression ('+' once more,
 * "{m,n}" n times), so nesting multiplies: "a++++++++++++++++++++++" needs gigabytes, and
 * "a{1,32767}" a minute.  Its closure computation also grows steeply with stacked or deeply
 * nested stars ("^a*****...").  Patterns far beyond any sensible function-name regex are
 * refused before they reach regcomp.
 */
#define RE_MAX_NODES 2048
#define RE_MAX_DEPTH 32

/* Past a bracket expression starting at '['; "[]a]", "[^]a]" and "[[:alpha:]]" included. */
static const char *skip_bracket(const char *p)
{
	const char *end;

	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p && *p != ']') {
		if (*p == '[' && p[1] && strchr(":.=", p[1])) {
			end = strchr(p + 2, p[1]);
			while (end && end[1] != ']')
				end = strchr(end + 1, p[1]);
			if (!end)
				return p + strlen(p);
			p = end + 2;
		} else {
			p++;
		}
	}
	return *p ? p + 1 : p;
}

/* Decimal digits at *pp, clamped (anything that large is refused anyway); false if none. */
static bool re_number(const char **pp, uint64_t *v)
{
	const char *p = *pp;

	*v = 0;
	for (; isdigit((unsigned char)*p); p++)
		if (*v <= RE_MAX_NODES)
			*v = *v * 10 + (uint64_t)(*p - '0');
	if (p == *pp)
		return false;
	*pp = p;
	return true;
}

/* Whether "{m}", "{m,}", "{m,n}" or "{,n}" starts at p: its end and the copies it makes. */
static bool interval(const char *p, const char **end, uint64_t *copies)
{
	uint64_t lo, hi;
	bool has_lo;

	p++;
	has_lo = re_number(&p, &lo);
	hi = lo;
	if (*p == ',') {
		p++;
		/* "{m,}" is m copies and a starred one. */
		if (!re_number(&p, &hi))
			hi = lo + 1;
	} else if (!has_lo) {
		return false;
	}
	if (*p != '}')
		return false;
	*end = p + 1;
	*copies = hi > lo ? hi : lo;
	return true;
}

/* Why regcomp should not see pattern p, or NULL if it may. */
static const char *regex_refusal(const char *p)
{
	/* Per open group: its nodes so far, and the size of the atom a repetition copies. */
	uint64_t sum[RE_MAX_DEPTH + 1] = { 0 }, last[RE_MAX_DEPTH + 1] = { 0 }, copies, g;
	bool repeat, prev_repeat = false;
	const char *end = NULL;
	int d = 0;

	for (; *p; p++, prev_repeat = repeat) {
		copies = 1;
		repeat = strchr("*+?", *p) || (*p == '{' && interval(p, &end, &copies));
		/* POSIX leaves "a**" or "a+?" undefined, so refusing them loses nothing. */
		if (repeat && prev_repeat)
			return "adjacent repetition operators are undefined in POSIX";
		if (*p == '(') {
			if (++d > RE_MAX_DEPTH)
				return "regular expression nested too deeply";
			sum[d] = last[d] = 0;
			continue;
		} else if (*p == ')' && d > 0) {
			g = sum[d--] + 1;
			sum[d] += g;
			last[d] = g;
		} else if (*p == '*' || *p == '?') {
			sum[d]++;
			last[d]++;
		} else if (*p == '+') {
			copies = 2;
		} else if (*p == '{' && repeat) {
			p = end - 1;
		} else if (*p == '|') {
			last[d] = 0;
		} else {
			if (*p == '[')
				p = skip_bracket(p) - 1;
			else if (*p == '\\' && p[1])
				p++;
			sum[d]++;
			last[d] = 1;
		}
		/* Zero or one copy ("{0}", "{1}") adds nothing. */
		if (copies > 1) {
			sum[d] += last[d] * (copies - 1);
			last[d] *= copies;
		}
		if (sum[d] > RE_MAX_NODES)
			return "regular expression too complex";
	}
	return NULL;
}

int matcher_init(struct matcher *m, const char *pattern, bool regex, char *err, size_t errlen)
{
	const char *refusal;
	char *anchored;
	int rc;

	memset(m, 0, sizeof(*m));
	if (!pattern) {
		set_err(err, errlen, "missing pattern");
		return -EINVAL;
	}
	if (regex) {
		refusal = regex_refusal(pattern);
		if (refusal) {
			set_err(err, errlen, refusal);
			return -EINVAL;
		}
		/* Compile as given first, so errors describe the user's own text. */
		rc = regcomp(&m->re, pattern, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			if (err && errlen)
				regerror(rc, &m->re, err, errlen);
			return -EINVAL;
		}
		regfree(&m->re);
		/* BCC matches with Python's re.match: anchored at the start, free at the end. */
		anchored = malloc(strlen(pattern) + 4);
		if (!anchored) {
			set_err(err, errlen, "out of memory");
			return -ENOMEM;
		}
		anchored[0] = '^';
		anchored[1] = '(';
		memcpy(anchored + 2, pattern, strlen(pattern));
		memcpy(anchored + 2 + strlen(pattern), ")", 2);
		rc = regcomp(&m->re, anchored, REG_EXTENDED | REG_NOSUB);
		free(anchored);
		if (rc) {
			set_err(err, errlen, "regular expression cannot be anchored");
			return -EINVAL;
		}
		m->compiled = true;
	}
	m->text = strdup(pattern);
	if (!m->text) {
		matcher_free(m);
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	m->is_regex = regex;
	m->literal = !regex && !strpbrk(pattern, "*?");
	return 0;
}

bool matcher_match(const struct matcher *m, const char *s)
{
	if (!m->text || !s)
		return false;
	if (m->is_regex)
		return m->compiled && regexec(&m->re, s, 0, NULL, 0) == 0;
	if (m->literal)
		return strcmp(m->text, s) == 0;
	return glob_match(m->text, s);
}

void matcher_free(struct matcher *m)
{
	if (m->compiled)
		regfree(&m->re);
	free(m->text);
	memset(m, 0, sizeof(*m));
}

/*
 * Greedy scan that remembers only the last '*': on a mismatch the star swallows one more
 * character and matching resumes after it.  Earlier stars never need revisiting, so this
 * is O(len(pat) * len(s)) with no recursion, which keeps hostile patterns cheap.
 */
bool glob_match(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;

	if (!pat || !s)
		return false;
	while (*s) {
		if (*pat == '*') {
			star = ++pat;
			resume = s;
		} else if (*pat == '?' || *pat == *s) {
			pat++;
			s++;
		} else if (star) {
			pat = star;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

char *glob_to_regex_text(const char *pat)
{
	char *out, *o;

	if (!pat)
		return NULL;
	/* Worst case every character doubles ('*' -> ".*", '.' -> "\."), plus "^$" and NUL. */
	out = malloc(2 * strlen(pat) + 3);
	if (!out)
		return NULL;
	o = out;
	*o++ = '^';
	for (; *pat; pat++) {
		if (*pat == '*') {
			*o++ = '.';
			*o++ = '*';
		} else if (*pat == '?') {
			*o++ = '.';
		} else {
			if (strchr(".[]()+{}^$|\\", *pat))
				*o++ = '\\';
			*o++ = *pat;
		}
	}
	*o++ = '$';
	*o = '\0';
	return out;
}
