/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * err: one place that turns failures into sentences a user can act on.  Every message goes
 * to stderr prefixed with "rawtrace TOOL: ", and every caller gets an exit status back
 * (EXIT_USAGE for bad input, EXIT_RUNTIME for everything the kernel or system refused).
 */
#ifndef RT_ERR_H
#define RT_ERR_H

#include <stdarg.h>
#include <stdio.h>

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* Prefix for every message: "rawtrace" or "rawtrace syscount". */
void err_set_prog(const char *tool);
const char *err_prog(void);

/* "rawtrace TOOL: <message>\n" on stderr. */
void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void err_vmsg(const char *fmt, va_list ap);

/* Where messages go (tests point it at a memstream); default stderr. */
void err_set_stream(FILE *f);

/*
 * Explain why a perf_event_open()/ioctl on `what` failed with errno `err` (positive) and
 * return the exit status to use: EACCES/EPERM name perf_event_paranoid and CAP_PERFMON,
 * EMFILE names RLIMIT_NOFILE, ENOENT/ENODEV name the missing kernel feature, ...
 */
int err_perf(int err, const char *what);

/* Same for a tracefs/file operation on `path`. */
int err_file(int err, const char *path);

#endif
