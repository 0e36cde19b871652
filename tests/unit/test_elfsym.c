// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for src/core/elfsym.c and src/core/libpath.c against the files of the
 * machine running them: the offsets elfsym computes must point at the very bytes the
 * dynamic loader mapped for the same function, and libpath must find the libraries and
 * programs a BCC user names.  No root needed.
 */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/elfsym.h"
#include "core/libpath.h"

#define LIBC "/lib/x86_64-linux-gnu/libc.so.6"

struct lookup {
	const char *want;
	int hits;
	struct elf_func found;
	int calls;
	int stop_after;
};

static int find_cb(void *arg, const struct elf_func *f)
{
	struct lookup *l = arg;

	l->calls++;
	if (l->want && !strcmp(f->name, l->want)) {
		l->hits++;
		l->found = *f;
		l->found.name = NULL;
	}
	return l->stop_after && l->calls >= l->stop_after;
}

/* The file's bytes at off must equal what the loader mapped at mem. */
static void expect_same_code(const char *path, uint64_t off, const void *mem)
{
	unsigned char buf[16], zero[16] = { 0 };
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(fstat(fd, &st), 0);
	cr_assert_lt(off + sizeof(buf), (uint64_t)st.st_size);
	cr_assert_eq(pread(fd, buf, sizeof(buf), (off_t)off), (ssize_t)sizeof(buf));
	close(fd);
	cr_expect_neq(memcmp(buf, zero, sizeof(buf)), 0, "zeros at offset %#llx",
		      (unsigned long long)off);
	cr_expect_eq(memcmp(buf, mem, sizeof(buf)), 0, "file bytes at %#llx differ from memory",
		     (unsigned long long)off);
}

Test(elfsym, libc_getppid_offset)
{
	struct lookup l = { .want = "getppid" };
	void *h, *sym;
	Dl_info info;

	cr_assert_eq(elfsym_foreach_func(LIBC, find_cb, &l), 0);
	cr_assert_geq(l.hits, 1, "getppid not found in " LIBC);
	cr_expect(l.found.is_global);
	cr_expect_gt(l.found.size, 0);

	h = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	cr_assert_not_null(h);
	sym = dlsym(h, "getppid");
	cr_assert_not_null(sym);
	cr_assert(dladdr(sym, &info));
	cr_expect_eq(l.found.vaddr, (uint64_t)((uintptr_t)sym - (uintptr_t)info.dli_fbase));
	expect_same_code(LIBC, l.found.file_off, sym);
	dlclose(h);
}

/* noinline and used keep a real local symbol in this test's own .symtab. */
__attribute__((noinline, used)) static int elfsym_local_probe(int x)
{
	return x * 3 + 1;
}

__attribute__((noinline)) int elfsym_global_probe(int x);
__attribute__((noinline)) int elfsym_global_probe(int x)
{
	return elfsym_local_probe(x) + 2;
}

Test(elfsym, own_symbols)
{
	struct lookup lg = { .want = "elfsym_global_probe" };
	struct lookup ll = { .want = "elfsym_local_probe" };
	char self[PATH_MAX];
	Dl_info info;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	cr_assert_gt(n, 0);
	self[n] = '\0';
	cr_assert_eq(elfsym_foreach_func(self, find_cb, &lg), 0);
	cr_assert_eq(elfsym_foreach_func(self, find_cb, &ll), 0);
	cr_assert_eq(lg.hits, 1);
	cr_assert_eq(ll.hits, 1);
	cr_expect(lg.found.is_global);
	cr_expect_not(ll.found.is_global);
	cr_assert(dladdr((void *)elfsym_global_probe, &info));
	cr_expect_eq(lg.found.vaddr,
		     (uint64_t)((uintptr_t)elfsym_global_probe - (uintptr_t)info.dli_fbase));
	expect_same_code(self, lg.found.file_off, (const void *)elfsym_global_probe);
	expect_same_code(self, ll.found.file_off, (const void *)elfsym_local_probe);
	cr_expect_eq(elfsym_global_probe(1), 6);
}

Test(elfsym, callback_stops_walk)
{
	struct lookup l = { .stop_after = 3 };

	cr_assert_eq(elfsym_foreach_func(LIBC, find_cb, &l), 0);
	cr_expect_eq(l.calls, 3);
}

Test(elfsym, errors)
{
	char tmpl[] = "/tmp/rawtrace-elfsym-XXXXXX";
	struct lookup l = { 0 };
	int fd;

	cr_expect_eq(elfsym_foreach_func("/nonexistent/libfoo.so", find_cb, &l), -ENOENT);
	fd = mkstemp(tmpl);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "GROUP ( libc.so.6 )\n", 20), 20);
	close(fd);
	cr_expect_eq(elfsym_foreach_func(tmpl, find_cb, &l), -ENOEXEC);
	fd = open(tmpl, O_WRONLY | O_TRUNC);
	close(fd);
	cr_expect_eq(elfsym_foreach_func(tmpl, find_cb, &l), -ENOEXEC);
	unlink(tmpl);
	cr_expect_eq(l.calls, 0);
}

struct resolve_case {
	const char *name;
	pid_t pid; /* -1: this process */
	const char *want; /* resolves to the realpath of this file */
};

#define LIBDIR "/lib/x86_64-linux-gnu/"

static const struct resolve_case resolve_cases[] = {
	{ "c", 0, LIBC },
	{ "c", -1, LIBC },
	{ "libc.so.6", 0, LIBC },
	{ "libc", 0, LIBC },
	{ LIBC, 0, LIBC },
	{ "pthread", 0, LIBDIR "libpthread.so.0" },
	{ "m", 0, LIBDIR "libm.so.6" },
	/* libelf.so.1 links to libelf-VERSION.so, which the maps show */
	{ "elf", 0, LIBDIR "libelf.so.1" },
	{ "elf", -1, LIBDIR "libelf.so.1" },
	{ "ls", 0, "/bin/ls" },
	{ "/bin/ls", 0, "/bin/ls" },
	{ "../../../../../../../../bin/ls", 0, "/bin/ls" },
};

Test(libpath, resolve_table)
{
	size_t i;

	for (i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]); i++) {
		const struct resolve_case *c = &resolve_cases[i];
		char *want = realpath(c->want, NULL);
		char *p = libpath_resolve(c->name, c->pid < 0 ? getpid() : c->pid);

		cr_assert_not_null(want, "%s", c->want);
		cr_assert_not_null(p, "%s: %s", c->name, strerror(errno));
		cr_expect_str_eq(p, want, "%s", c->name);
		free(p);
		free(want);
	}
}

/* Only the process's maps know where this test binary lives: it is in no lib dir or $PATH. */
Test(libpath, from_own_maps)
{
	char *self = realpath("/proc/self/exe", NULL), *p;

	cr_assert_not_null(self);
	p = libpath_resolve(strrchr(self, '/') + 1, getpid());
	cr_assert_not_null(p);
	cr_expect_str_eq(p, self);
	free(p);
	cr_expect_null(libpath_resolve(strrchr(self, '/') + 1, 0));
	free(self);
}

Test(libpath, not_found)
{
	static const char *const names[] = { "nosuchlib", "", "/nonexistent/libx.so", "/tmp" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		errno = 0;
		cr_expect_null(libpath_resolve(names[i], 0), "'%s'", names[i]);
		cr_expect_eq(errno, ENOENT, "'%s'", names[i]);
	}
	errno = 0;
	cr_expect_null(libpath_resolve(NULL, 0));
	cr_expect_eq(errno, ENOENT);
}
