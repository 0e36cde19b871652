// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tfs: find tracefs through /proc/mounts (newer kernels no longer auto-mount it under
 * debugfs), mount it at /sys/kernel/tracing when absent, and read its small files.
 * RAWTRACE_TRACEFS overrides the location (tests use it to simulate a missing tracefs).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <tracefs.h>
#include <unistd.h>
#include "core/err.h"
#include "core/tfs.h"

#define TRACEFS_MAGIC_NR 0x74726163
#define DEFAULT_DIR "/sys/kernel/tracing"

static char dir[PATH_MAX];

static bool is_tracefs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && (unsigned long)st.f_type == TRACEFS_MAGIC_NR;
}

/* The first tracefs mount we can use; else the first one at all (to explain why not). */
static bool find_mounted(char *out, size_t len)
{
	FILE *f = fopen("/proc/mounts", "r");
	char dev[256], mnt[PATH_MAX], type[64];
	bool found = false;

	if (!f)
		return false;
	while (!found && fscanf(f, "%255s %4095s %63s %*[^\n]", dev, mnt, type) == 3) {
		if (strcmp(type, "tracefs"))
			continue;
		if (!out[0])
			snprintf(out, len, "%s", mnt);
		if (access(mnt, R_OK | X_OK) == 0) {
			snprintf(out, len, "%s", mnt);
			found = true;
		}
	}
	fclose(f);
	return found || out[0];
}

const char *tfs_dir(void)
{
	const char *env = getenv("RAWTRACE_TRACEFS");
	int e;

	if (dir[0])
		return dir;
	if (env && *env) {
		if (!is_tracefs(env)) {
			err_msg("RAWTRACE_TRACEFS=%s is not a mounted tracefs; mount it with "
				"'mount -t tracefs nodev %s' or unset RAWTRACE_TRACEFS", env, env);
			errno = ENOENT;
			return NULL;
		}
		snprintf(dir, sizeof(dir), "%s", env);
	} else if (!find_mounted(dir, sizeof(dir))) {
		if (mount("nodev", DEFAULT_DIR, "tracefs", 0, NULL) != 0) {
			e = errno;
			if (e == EPERM || e == EACCES)
				err_msg("tracefs is not mounted and mounting it needs root: run as root, "
					"or 'mount -t tracefs nodev " DEFAULT_DIR "'");
			else if (e == ENODEV)
				err_msg("this kernel has no tracefs (CONFIG_TRACING is not set); rawtrace "
					"needs a kernel with tracing support");
			else
				err_msg("cannot mount tracefs at " DEFAULT_DIR ": %s; mount it with "
					"'mount -t tracefs nodev " DEFAULT_DIR "'", strerror(e));
			dir[0] = 0;
			errno = e;
			return NULL;
		}
		snprintf(dir, sizeof(dir), "%s", DEFAULT_DIR);
	}
	errno = 0;
	if (access(dir, R_OK | X_OK) != 0 || !tfs_has_file("events")) {
		e = errno ? errno : EACCES;
		err_msg("cannot read tracefs at %s: %s; run as root", dir, strerror(e));
		dir[0] = 0;
		errno = e;
		return NULL;
	}
	/* libtracefs must look where we do. */
	tracefs_set_tracing_dir(dir);
	return dir;
}

int tfs_path(char *buf, size_t len, const char *fmt, ...)
{
	const char *d = tfs_dir();
	va_list ap;
	int n;

	if (!d)
		return -ENOENT;
	n = snprintf(buf, len, "%s/", d);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, len - (size_t)n < len ? len - (size_t)n : 0, fmt, ap);
	va_end(ap);
	return (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int tfs_read(const char *rel, char **buf, size_t *len)
{
	char path[PATH_MAX], *b = NULL;
	size_t cap = 0, n = 0;
	ssize_t r;
	int fd, ret;

	ret = tfs_path(path, sizeof(path), "%s", rel);
	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do {
		if (cap - n < 4096) {
			char *nb = realloc(b, cap + 65536);

			if (!nb) {
				free(b);
				close(fd);
				return -ENOMEM;
			}
			b = nb;
			cap += 65536;
		}
		r = read(fd, b + n, cap - n - 1);
		if (r > 0)
			n += (size_t)r;
	} while (r > 0 || (r < 0 && errno == EINTR));
	ret = r < 0 ? -errno : 0;
	close(fd);
	if (ret) {
		free(b);
		return ret;
	}
	b[n] = 0;
	*buf = b;
	if (len)
		*len = n;
	return 0;
}

int tfs_event_id(const char *sys, const char *name)
{
	char rel[512], *buf;
	long id;
	int ret;

	if (strchr(sys, '/') || strchr(name, '/') || !strcmp(sys, "..") || !strcmp(name, ".."))
		return -ENOENT;
	snprintf(rel, sizeof(rel), "events/%s/%s/id", sys, name);
	ret = tfs_read(rel, &buf, NULL);
	if (ret)
		return ret;
	id = strtol(buf, NULL, 10);
	free(buf);
	return id > 0 ? (int)id : -EINVAL;
}

bool tfs_event_exists(const char *sys, const char *name)
{
	return tfs_event_id(sys, name) > 0;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the subdirectories of rel. */
static int list_dirs(const char *rel, char ***out)
{
	char path[PATH_MAX];
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;
	DIR *d;
	int ret;

	ret = tfs_path(path, sizeof(path), "%s", rel);
	if (ret)
		return ret;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char **nv;

		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		nv = realloc(v, (n + 2) * sizeof(*v));
		if (!nv || !(nv[n] = strdup(de->d_name))) {
			v = nv ? nv : v;
			if (v)
				v[n] = NULL;
			tfs_list_free(v);
			closedir(d);
			return -ENOMEM;
		}
		v = nv;
		n++;
	}
	closedir(d);
	if (!v && !(v = calloc(1, sizeof(*v))))
		return -ENOMEM;
	v[n] = NULL;
	if (n)
		qsort(v, n, sizeof(*v), cmpstr);
	*out = v;
	return 0;
}

int tfs_systems(char ***out)
{
	return list_dirs("events", out);
}

int tfs_events(const char *sys, char ***out)
{
	char rel[512];

	if (strchr(sys, '/'))
		return -ENOENT;
	snprintf(rel, sizeof(rel), "events/%s", sys);
	return list_dirs(rel, out);
}

void tfs_list_free(char **l)
{
	if (!l)
		return;
	for (char **p = l; *p; p++)
		free(*p);
	free(l);
}

bool tfs_has_file(const char *rel)
{
	char path[PATH_MAX + 256];

	if (!dir[0])
		return false;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return access(path, F_OK) == 0;
}
