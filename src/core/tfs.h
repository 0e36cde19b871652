/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tfs: where tracefs is, mounting it when it is not (at /sys/kernel/tracing, as libtracefs
 * and the kernel documentation do), and small reads of its files.
 */
#ifndef RT_TFS_H
#define RT_TFS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The tracefs directory, mounting it if needed.  NULL with errno set and one message
 * already printed naming the fix (run as root; mount -t tracefs nodev /sys/kernel/tracing;
 * kernel without CONFIG_TRACING).
 */
const char *tfs_dir(void);

/* Absolute path of a file under tracefs into buf. 0 or -ENAMETOOLONG / -ENOENT. */
int tfs_path(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Read a whole tracefs file (NUL-terminated, malloc'd). 0 or -errno. */
int tfs_read(const char *rel, char **buf, size_t *len);

/* Event id from events/SYS/NAME/id, or -errno (-ENOENT: no such event). */
int tfs_event_id(const char *sys, const char *name);
bool tfs_event_exists(const char *sys, const char *name);

/* Sorted NULL-terminated lists (free with tfs_list_free). 0 or -errno. */
int tfs_systems(char ***out);
int tfs_events(const char *sys, char ***out);
void tfs_list_free(char **l);

/* Whether the kernel offers dynamic probes of this kind through tracefs. */
bool tfs_has_file(const char *rel);

#endif
