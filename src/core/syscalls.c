// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * syscalls: x86_64 syscall numbers and errno values to names and back, for tools that
 * take them as arguments or print them.  The tables are generated from the kernel
 * headers by build-aux/gen-syscall-table.sh; lookups by name are linear scans because
 * they only run while parsing options.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "core/syscalls.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const syscall_names[] = {
#include "core/syscall_table.h"
};

static const struct errno_entry {
	const char *name;
	int nr;
} errno_table[] = {
#include "core/errno_table.h"
};

const char *syscall_name(long nr)
{
	if (nr < 0 || nr >= syscall_count())
		return NULL;
	return syscall_names[nr];
}

long syscall_nr(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(syscall_names); i++)
		if (syscall_names[i] && !strcmp(syscall_names[i], name))
			return i;
	return -1;
}

long syscall_count(void)
{
	return ARRAY_SIZE(syscall_names);
}

/* Strictly digits, no sign or blanks, value 1..INT_MAX; -1 otherwise. */
static int parse_positive(const char *s)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end || errno == ERANGE || v < 1 || v > INT_MAX)
		return -1;
	return v;
}

int errno_parse(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(errno_table); i++)
		if (!strcmp(errno_table[i].name, s))
			return errno_table[i].nr;
	return parse_positive(s);
}

const char *errno_name(int e)
{
	/* Aliases come after the name they alias, so the first match is the usual name. */
	for (size_t i = 0; i < ARRAY_SIZE(errno_table); i++)
		if (errno_table[i].nr == e)
			return errno_table[i].name;
	return NULL;
}

/*
 * Syscall tracepoints are named after the kernel's SYSCALL_DEFINE name, which differs from
 * the uapi name for a few x86_64 calls: newstat is stat (4), umount is umount2 (166),
 * sendfile64 is sendfile (40).
 */
long syscall_nr_from_event(const char *event)
{
	static const struct {
		const char *event, *name;
	} renamed[] = { { "umount", "umount2" }, { "sendfile64", "sendfile" } };
	long nr = syscall_nr(event);

	if (nr >= 0)
		return nr;
	if (!strncmp(event, "new", 3) && (nr = syscall_nr(event + 3)) >= 0)
		return nr;
	for (size_t i = 0; i < ARRAY_SIZE(renamed); i++)
		if (!strcmp(event, renamed[i].event))
			return syscall_nr(renamed[i].name);
	return -1;
}
