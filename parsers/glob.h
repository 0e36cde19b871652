/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * glob: name matching for probe patterns.  BCC turns '*' into '.*' and anchors the result
 * (^...$); with -r the pattern is a POSIX extended regex matched from the start of the name
 * (Python's re.match, as BCC does).  Pure (libc regex).
 */
#ifndef RT_GLOB_H
#define RT_GLOB_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

struct matcher {
	bool is_regex;
	bool literal;     /* no wildcard: plain string compare */
	char *text;       /* the glob, or the regex as given */
	regex_t re;
	bool compiled;
};

/* 0, or -EINVAL with a message in err (e.g. the regcomp error). */
int matcher_init(struct matcher *m, const char *pattern, bool regex, char *err, size_t errlen);
bool matcher_match(const struct matcher *m, const char *s);
void matcher_free(struct matcher *m);

/* Shell-style '*' and '?' match of the whole string. */
bool glob_match(const char *pat, const char *s);

/* The regex BCC would show for a glob: "vfs_*" -> "^vfs_.*$" (malloc'd). */
char *glob_to_regex_text(const char *pat);

#endif
