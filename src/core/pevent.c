// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pevent: the perf_event_open(2) system call and the sysfs facts it needs (online CPUs,
 * dynamic PMU type numbers, which differ between kernels: the kprobe PMU is 6 on 6.1 and
 * 8 on 6.12).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "core/pevent.h"
#include "parsers/procfs.h"

int pevent_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd)
{
	int fd;

	attr->size = sizeof(*attr);
	fd = (int)syscall(SYS_perf_event_open, attr, pid, cpu, group_fd, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = 0;
	return 0;
}

int pevent_online_cpus(int **cpus)
{
	char buf[4096];
	int max = 8192, n, ret;
	int *v;

	ret = read_small("/sys/devices/system/cpu/online", buf, sizeof(buf));
	if (ret)
		return ret;
	v = malloc(max * sizeof(*v));
	if (!v)
		return -ENOMEM;
	n = procfs_parse_cpulist(buf, v, max);
	if (n <= 0) {
		free(v);
		return n < 0 ? n : -EINVAL;
	}
	*cpus = v;
	return n;
}

int pevent_pmu_type(const char *pmu)
{
	char path[256], buf[64];
	int ret;

	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/type", pmu);
	ret = read_small(path, buf, sizeof(buf));
	if (ret)
		return ret;
	return atoi(buf);
}

int pevent_pmu_retprobe_bit(const char *pmu)
{
	char path[256], buf[64];
	int bit, ret;

	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/format/retprobe", pmu);
	ret = read_small(path, buf, sizeof(buf));
	if (ret)
		return ret;
	if (sscanf(buf, "config:%d", &bit) != 1)
		return -EINVAL;
	return bit;
}

int pevent_read_count(int fd, uint64_t *val)
{
	ssize_t n = read(fd, val, sizeof(*val));

	if (n < 0)
		return -errno;
	return n == sizeof(*val) ? 0 : -EIO;
}

int pevent_read_group(int leader_fd, uint64_t *vals, unsigned n)
{
	uint64_t buf[1 + 512];
	ssize_t got;

	if (n > 512)
		return -E2BIG;
	got = read(leader_fd, buf, (1 + n) * sizeof(uint64_t));
	if (got < 0)
		return -errno;
	if ((size_t)got < sizeof(uint64_t) || buf[0] != n || (size_t)got != (1 + n) * sizeof(uint64_t))
		return -EIO;
	memcpy(vals, buf + 1, n * sizeof(uint64_t));
	return 0;
}
