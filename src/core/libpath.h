/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libpath: resolve BCC-style library names to files: "c" -> the C library, "pthread",
 * "libfoo.so.1", a path, or a bare executable name searched in $PATH.  With a pid, the
 * process's own mappings (/proc/PID/maps) are preferred, as BCC does.
 */
#ifndef RT_LIBPATH_H
#define RT_LIBPATH_H

#include <sys/types.h>

/* malloc'd absolute path, or NULL with errno ENOENT. */
char *libpath_resolve(const char *name, pid_t pid);

#endif
