/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pattern: BCC's funccount/stackcount probe pattern grammar.  Pure.
 *   func            kernel function (same as p::func)
 *   lib:func        user function in lib (same as p:lib:func)
 *   p::func  p:lib:func  t:category:event  u:lib:probe
 * Wildcards '*' (or a regex with -r) are kept in the parts; probes.c expands them.
 */
#ifndef RT_PATTERN_H
#define RT_PATTERN_H

#include <stddef.h>

struct pattern {
	char type;      /* 'p' (kernel or user function), 't' (tracepoint), 'u' (USDT) */
	char *lib;      /* 'p'/'u': library or executable ("" for a kernel function) */
	char *func;     /* 'p': function pattern; 'u': probe pattern */
	char *category; /* 't': tracepoint system pattern */
	char *event;    /* 't': tracepoint event pattern */
	char *text;     /* the pattern as given */
};

/*
 * Parse spec.  0, or -EINVAL with BCC's message in err:
 *   "Type must be 'p', 't', or 'u', but got X"
 *   "Too many ':'-separated components in pattern X"
 *   "empty function name in pattern X" (and similar for empty parts)
 */
int pattern_parse(const char *spec, struct pattern *p, char *err, size_t errlen);
void pattern_free(struct pattern *p);

#endif
