/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * procfs: pure parsers for the text formats rawtrace reads from /proc and /sys, so that
 * odd input (spaces and parentheses in comm, deleted mappings) is tested without a kernel.
 */
#ifndef RT_PROCFS_H
#define RT_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* "0-3,5,7-8\n" -> cpus[] (sorted as written). count, or -EINVAL; at most max entries. */
int procfs_parse_cpulist(const char *s, int *cpus, int max);

/*
 * One /proc/PID/stat line: comm (between the first '(' and the last ')') and ppid.
 * 0 or -EINVAL.
 */
int procfs_parse_stat(const char *line, char *comm, size_t commlen, pid_t *ppid);

struct maps_entry {
	uint64_t start, end, offset;
	char perms[5];
	unsigned long inode;
	const char *path; /* points into the line; "" for anonymous; may end in " (deleted)" */
};
/* One /proc/PID/maps line. 0 or -EINVAL. */
int procfs_parse_maps_line(const char *line, struct maps_entry *e);

/* One /proc/kallsyms line: "ffffffff81000000 T _stext [mod]". 0 or -EINVAL. */
int procfs_parse_kallsyms_line(const char *line, uint64_t *addr, char *type, const char **name,
			       size_t *namelen, const char **mod, size_t *modlen);

#endif
