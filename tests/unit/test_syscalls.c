// SPDX-License-Identifier: GPL-2.0-or-later
/* syscalls: x86_64 syscall name <-> number tables and errno name parsing. */
#include <criterion/criterion.h>
#include <limits.h>
#include "core/syscalls.h"

static const struct {
	const char *name;
	long nr;
} known_syscalls[] = {
	{ "read", 0 },
	{ "write", 1 },
	{ "execve", 59 },
	{ "getppid", 110 },
	{ "openat", 257 },
};

Test(syscalls, name_and_number_round_trip)
{
	for (size_t i = 0; i < sizeof(known_syscalls) / sizeof(known_syscalls[0]); i++) {
		cr_expect_str_eq(syscall_name(known_syscalls[i].nr), known_syscalls[i].name);
		cr_expect_eq(syscall_nr(known_syscalls[i].name), known_syscalls[i].nr, "%s",
			     known_syscalls[i].name);
	}
}

Test(syscalls, unknown_numbers_have_no_name)
{
	static const long bad[] = { -1, 335, 10000, LONG_MIN, LONG_MAX };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_null(syscall_name(bad[i]), "nr %ld", bad[i]);
	cr_expect_null(syscall_name(syscall_count()));
}

Test(syscalls, unknown_names)
{
	cr_expect_eq(syscall_nr("bogus"), -1);
	cr_expect_eq(syscall_nr(""), -1);
	cr_expect_eq(syscall_nr("OPENAT"), -1);
}

Test(syscalls, count_covers_table)
{
	cr_assert_gt(syscall_count(), 257);
	cr_expect_not_null(syscall_name(syscall_count() - 1));
}

static const struct {
	const char *s;
	int e;
} errno_cases[] = {
	{ "ENOENT", 2 },
	{ "EPERM", 1 },
	{ "EACCES", 13 },
	{ "EWOULDBLOCK", 11 },
	{ "EHWPOISON", 133 },
	{ "2", 2 },
	{ "133", 133 },
	{ "bogus", -1 },
	{ "0", -1 },
	{ "-3", -1 },
	{ "+3", -1 },
	{ " 3", -1 },
	{ "3x", -1 },
	{ "", -1 },
	{ "enoent", -1 },
	{ "99999999999999999999", -1 },
};

Test(errno, parse)
{
	for (size_t i = 0; i < sizeof(errno_cases) / sizeof(errno_cases[0]); i++)
		cr_expect_eq(errno_parse(errno_cases[i].s), errno_cases[i].e, "\"%s\"",
			     errno_cases[i].s);
}

Test(errno, names)
{
	cr_expect_str_eq(errno_name(13), "EACCES");
	cr_expect_str_eq(errno_name(2), "ENOENT");
	/* The usual name wins over its alias. */
	cr_expect_str_eq(errno_name(11), "EAGAIN");
	cr_expect_str_eq(errno_name(35), "EDEADLK");
	cr_expect_str_eq(errno_name(133), "EHWPOISON");
	cr_expect_null(errno_name(0));
	cr_expect_null(errno_name(-2));
	cr_expect_null(errno_name(4096));
}
