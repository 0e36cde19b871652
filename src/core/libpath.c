// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libpath: turn the library part of a probe spec into an absolute file name the way BCC
 * does: a path is taken as is, "c" or "pthread" means libc.so* or libpthread.so*, and a
 * bare name that is no library is looked up in $PATH.  A traced process's own mappings
 * win over the system directories, since it may load a private copy.  The standard
 * library directories are scanned directly instead of asking ldconfig, so that resolving
 * never forks.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/libpath.h"
#include "parsers/procfs.h"

static const char *const lib_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
	"/lib", "/usr/lib", "/usr/local/lib",
};

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * A regular ELF file: rules out directories and the text linker scripts that sit at
 * names like /usr/lib/x86_64-linux-gnu/libc.so.
 */
static bool is_elf_file(const char *path)
{
	static const char magic[4] = { 0x7f, 'E', 'L', 'F' };
	char buf[4];
	struct stat st;
	bool ok;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = !fstat(fd, &st) && S_ISREG(st.st_mode) && read(fd, buf, 4) == 4 &&
	     !memcmp(buf, magic, 4);
	close(fd);
	return ok;
}

/* realpath() of an existing ELF file, or NULL. */
static char *resolve_elf(const char *path)
{
	return is_elf_file(path) ? realpath(path, NULL) : NULL;
}

/* "stem.so", "stem.so.6", "stem-2.31.so": the names a shared library "stem" goes by. */
static bool is_lib_name(const char *base, const char *stem)
{
	size_t n = strlen(stem);

	if (strncmp(base, stem, n))
		return false;
	base += n;
	if (!strncmp(base, ".so", 3))
		return base[3] == '\0' || base[3] == '.';
	return base[0] == '-' && strstr(base, ".so");
}

static char *from_maps(const char *name, const char *stem, pid_t pid)
{
	char file[64], *line = NULL, *res = NULL, *nl;
	struct maps_entry e;
	const char *base;
	size_t cap = 0;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%d/maps", (int)pid);
	f = fopen(file, "re");
	if (!f)
		return NULL;
	while (!res && getline(&line, &cap, f) > 0) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (procfs_parse_maps_line(line, &e) || e.path[0] != '/')
			continue;
		base = strrchr(e.path, '/') + 1;
		if (!strcmp(base, name) || is_lib_name(base, stem))
			res = realpath(e.path, NULL);
	}
	free(line);
	fclose(f);
	return res;
}

static char *join(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;
	return p;
}

static char *in_dir(const char *dir, const char *name)
{
	char *p = join(dir, name), *res;

	if (!p)
		return NULL;
	res = resolve_elf(p);
	free(p);
	return res;
}

/* The highest-versioned "stem.so.*" ELF file in dir, e.g. libfoo.so.2 over libfoo.so.1.9. */
static char *best_versioned(const char *dir, const char *stem)
{
	char prefix[NAME_MAX + 1], *best = NULL, *p;
	struct dirent *de;
	size_t plen;
	DIR *d;

	if (snprintf(prefix, sizeof(prefix), "%s.so.", stem) >= (int)sizeof(prefix))
		return NULL;
	plen = strlen(prefix);
	d = opendir(dir);
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix, plen) || !de->d_name[plen])
			continue;
		if (best && strverscmp(de->d_name, best) <= 0)
			continue;
		p = join(dir, de->d_name);
		if (p && is_elf_file(p)) {
			free(best);
			best = strdup(de->d_name);
		}
		free(p);
	}
	closedir(d);
	if (!best)
		return NULL;
	p = in_dir(dir, best);
	free(best);
	return p;
}

static char *from_lib_dirs(const char *name, const char *stem)
{
	char *soname, *res = NULL;
	size_t i;

	/* "libc.so.6" and the like name one file exactly. */
	if (!strncmp(name, "lib", 3))
		for (i = 0; !res && i < sizeof(lib_dirs) / sizeof(lib_dirs[0]); i++)
			res = in_dir(lib_dirs[i], name);
	if (res || asprintf(&soname, "%s.so", stem) < 0)
		return res;
	for (i = 0; !res && i < sizeof(lib_dirs) / sizeof(lib_dirs[0]); i++)
		res = in_dir(lib_dirs[i], soname);
	free(soname);
	for (i = 0; !res && i < sizeof(lib_dirs) / sizeof(lib_dirs[0]); i++)
		res = best_versioned(lib_dirs[i], stem);
	return res;
}

static char *from_path_env(const char *name)
{
	const char *env = getenv("PATH"), *dir, *colon;
	char *p, *res = NULL;
	struct stat st;
	size_t len;
	int rc;

	if (!env)
		env = DEFAULT_PATH;
	for (dir = env; !res; dir = colon + 1) {
		colon = strchrnul(dir, ':');
		len = (size_t)(colon - dir);
		/* An empty $PATH entry means the current directory. */
		if (len)
			rc = asprintf(&p, "%.*s/%s", (int)len, dir, name);
		else
			rc = asprintf(&p, "./%s", name);
		if (rc < 0)
			return NULL;
		if (!stat(p, &st) && S_ISREG(st.st_mode) && !access(p, X_OK))
			res = realpath(p, NULL);
		free(p);
		if (!*colon)
			break;
	}
	return res;
}

char *libpath_resolve(const char *name, pid_t pid)
{
	char *stem = NULL, *res = NULL;
	struct stat st;

	if (!name || !*name) {
		errno = ENOENT;
		return NULL;
	}
	if (strchr(name, '/')) {
		if (!stat(name, &st) && S_ISREG(st.st_mode))
			res = realpath(name, NULL);
		if (!res)
			errno = ENOENT;
		return res;
	}
	/* BCC prefixes "lib" to short names; "libfoo" is taken as already prefixed. */
	if (!strncmp(name, "lib", 3))
		stem = strdup(name);
	else if (asprintf(&stem, "lib%s", name) < 0)
		stem = NULL;
	if (!stem) {
		errno = ENOMEM;
		return NULL;
	}
	if (pid > 0)
		res = from_maps(name, stem, pid);
	if (!res)
		res = from_lib_dirs(name, stem);
	if (!res)
		res = from_path_env(name);
	free(stem);
	if (!res)
		errno = ENOENT;
	return res;
}
