// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pattern: split a funccount/stackcount probe spec into type, library and names the way
 * BCC does ("func", "lib:func", "p:lib:func", "t:cat:event", "u:lib:probe").  Fields a
 * type does not use are "" rather than NULL so callers can print or compare any of them.
 * Pure: libc only.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parsers/pattern.h"

#define MAX_PARTS 3

static int fail(int rc, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(int rc, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static const char *missing_part(const char *type, const char *lib_or_cat, const char *name)
{
	switch (*type) {
	case 't':
		if (!*lib_or_cat)
			return "tracepoint category";
		return *name ? NULL : "tracepoint event";
	case 'u':
		return *name ? NULL : "probe name";
	default:
		return *name ? NULL : "function name";
	}
}

int pattern_parse(const char *spec, struct pattern *p, char *err, size_t errlen)
{
	const char *parts[MAX_PARTS] = { "p", "", "" };
	char *copy, *c;
	const char *what;
	int n = 1, first, rc;

	memset(p, 0, sizeof(*p));
	if (!spec)
		return fail(-EINVAL, err, errlen, "missing pattern");
	copy = strdup(spec);
	if (!copy)
		return fail(-ENOMEM, err, errlen, "out of memory");

	/* Count the components first so that "a:b:c:d" is reported before anything else. */
	for (c = copy; *c; c++)
		if (*c == ':')
			n++;
	if (n > MAX_PARTS) {
		free(copy);
		return fail(-EINVAL, err, errlen,
			    "Too many ':'-separated components in pattern %s", spec);
	}
	/* "func" and "lib:func" are shorthands for "p::func" and "p:lib:func". */
	first = MAX_PARTS - n;
	parts[first] = copy;
	for (c = copy; *c; c++) {
		if (*c == ':') {
			*c = '\0';
			parts[++first] = c + 1;
		}
	}

	if (strcmp(parts[0], "p") && strcmp(parts[0], "t") && strcmp(parts[0], "u")) {
		rc = fail(-EINVAL, err, errlen, "Type must be 'p', 't', or 'u', but got %s",
			  parts[0]);
		free(copy);
		return rc;
	}
	what = missing_part(parts[0], parts[1], parts[2]);
	if (what) {
		free(copy);
		return fail(-EINVAL, err, errlen, "empty %s in pattern %s", what, spec);
	}

	p->type = parts[0][0];
	p->text = strdup(spec);
	if (p->type == 't') {
		p->lib = strdup("");
		p->func = strdup("");
		p->category = strdup(parts[1]);
		p->event = strdup(parts[2]);
	} else {
		p->lib = strdup(parts[1]);
		p->func = strdup(parts[2]);
		p->category = strdup("");
		p->event = strdup("");
	}
	free(copy);
	if (!p->text || !p->lib || !p->func || !p->category || !p->event) {
		pattern_free(p);
		return fail(-ENOMEM, err, errlen, "out of memory");
	}
	return 0;
}

void pattern_free(struct pattern *p)
{
	free(p->lib);
	free(p->func);
	free(p->category);
	free(p->event);
	free(p->text);
	memset(p, 0, sizeof(*p));
}
