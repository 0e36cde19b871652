/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pevent: perf_event_open(2) and the facts around it (online CPUs, dynamic PMU types).
 * Thin: no policy, errors returned as -errno for err_perf() to explain.
 */
#ifndef RT_PEVENT_H
#define RT_PEVENT_H

#include <linux/perf_event.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* fd or -errno.  Always PERF_FLAG_FD_CLOEXEC. */
int pevent_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd);

/* Online CPU numbers (sorted, malloc'd) from /sys/devices/system/cpu/online. count or -errno. */
int pevent_online_cpus(int **cpus);

/* attr.type of a dynamic PMU (/sys/bus/event_source/devices/NAME/type), or -errno. */
int pevent_pmu_type(const char *pmu);
/* Bit of "config" that makes a kprobe/uprobe PMU event a return probe (format/retprobe). */
int pevent_pmu_retprobe_bit(const char *pmu);

/* Read a counter (sum including inherited children). 0 or -errno. */
int pevent_read_count(int fd, uint64_t *val);

/*
 * Read a group (PERF_FORMAT_GROUP): vals[i] for the leader and members in creation order.
 * 0 or -errno.
 */
int pevent_read_group(int leader_fd, uint64_t *vals, unsigned n);

#endif
