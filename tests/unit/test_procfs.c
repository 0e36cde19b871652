// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for parsers/procfs.c: CPU lists, /proc/PID/stat (hostile comm values),
 * /proc/PID/maps lines (anonymous, deleted, spaces) and /proc/kallsyms lines, each with
 * malformed variants that must be rejected rather than half-parsed.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include "parsers/procfs.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct cpulist_case {
	const char *in;
	int want; /* count or -EINVAL */
	int cpus[8];
};

static const struct cpulist_case cpulist_cases[] = {
	{ "0", 1, { 0 } },
	{ "0\n", 1, { 0 } },
	{ "0-3", 4, { 0, 1, 2, 3 } },
	{ "0-3,5\n", 5, { 0, 1, 2, 3, 5 } },
	{ "0-1,4-5,7", 5, { 0, 1, 4, 5, 7 } },
	{ "3,1", 2, { 3, 1 } },
	{ "2-2", 1, { 2 } },
	{ "\n", 0, { 0 } },
	{ "", 0, { 0 } },
	{ "0-8", -EINVAL, { 0 } }, /* 9 entries, more than max */
	{ "3-1", -EINVAL, { 0 } },
	{ "1,", -EINVAL, { 0 } },
	{ ",1", -EINVAL, { 0 } },
	{ "1-", -EINVAL, { 0 } },
	{ "-1", -EINVAL, { 0 } },
	{ "a", -EINVAL, { 0 } },
	{ "1 2", -EINVAL, { 0 } },
	{ "0x1", -EINVAL, { 0 } },
	{ "99999999999", -EINVAL, { 0 } },
	{ "0-2147483647", -EINVAL, { 0 } },
};

Test(procfs, cpulist_table)
{
	size_t i;
	int cpus[8], n, j;

	for (i = 0; i < ARRAY_SIZE(cpulist_cases); i++) {
		const struct cpulist_case *c = &cpulist_cases[i];

		n = procfs_parse_cpulist(c->in, cpus, 8);
		cr_expect_eq(n, c->want, "'%s': %d", c->in, n);
		for (j = 0; j < n && j < c->want; j++)
			cr_expect_eq(cpus[j], c->cpus[j], "'%s'[%d]", c->in, j);
	}
}

struct stat_case {
	const char *line;
	int rc;
	const char *comm;
	pid_t ppid;
};

static const struct stat_case stat_cases[] = {
	{ "1 (systemd) S 0 1 1 0 -1 4194560 52045\n", 0, "systemd", 0 },
	{ "4242 (bash) R 4200 4242 4242 34816", 0, "bash", 4200 },
	{ "77 (a b c) S 12 77 77 0", 0, "a b c", 12 },
	{ "78 (x) S 9) S 13 78 78 0", 0, "x) S 9", 13 },
	{ "79 ((sd-pam)) S 1 79 79 0", 0, "(sd-pam)", 1 },
	{ "80 () S 5 80", 0, "", 5 },
	{ "81 (kworker/0:1-events) I 2 0 0 0", 0, "kworker/0:1-events", 2 },
	{ "82 (t) Z 7", 0, "t", 7 },
	{ "", -EINVAL, NULL, 0 },
	{ "83 bash) S 1", -EINVAL, NULL, 0 },
	{ "84 (bash S 1", -EINVAL, NULL, 0 },
	{ "85 (bash) S", -EINVAL, NULL, 0 },
	{ "86 (bash) S x", -EINVAL, NULL, 0 },
	{ "87 (bash)S 1", -EINVAL, NULL, 0 },
	{ "(bash) S 1", -EINVAL, NULL, 0 },
	{ "88 )bash( S 1", -EINVAL, NULL, 0 },
	{ "89 (bash) S 99999999999 1", -EINVAL, NULL, 0 },
};

Test(procfs, stat_table)
{
	char comm[64];
	pid_t ppid;
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(stat_cases); i++) {
		const struct stat_case *c = &stat_cases[i];

		ppid = -1;
		rc = procfs_parse_stat(c->line, comm, sizeof(comm), &ppid);
		cr_expect_eq(rc, c->rc, "'%s': %d", c->line, rc);
		if (rc || c->rc)
			continue;
		cr_expect_str_eq(comm, c->comm, "'%s'", c->line);
		cr_expect_eq(ppid, c->ppid, "'%s'", c->line);
	}
}

Test(procfs, stat_comm_truncated)
{
	char comm[4];
	pid_t ppid;

	cr_assert_eq(procfs_parse_stat("5 (abcdefgh) S 3", comm, sizeof(comm), &ppid), 0);
	cr_expect_str_eq(comm, "abc");
	cr_expect_eq(ppid, 3);
	cr_expect_eq(procfs_parse_stat("5 (abc) S 3", NULL, 0, NULL), 0);
}

struct maps_case {
	const char *line;
	int rc;
	uint64_t start, end, offset;
	const char *perms;
	unsigned long inode;
	const char *path;
};

static const struct maps_case maps_cases[] = {
	{ "7f1c2a400000-7f1c2a428000 r--p 00000000 08:01 1835100                    "
	  "/usr/lib/x86_64-linux-gnu/libc.so.6",
	  0, 0x7f1c2a400000, 0x7f1c2a428000, 0, "r--p", 1835100,
	  "/usr/lib/x86_64-linux-gnu/libc.so.6" },
	{ "7f1c2a428000-7f1c2a5bd000 r-xp 00028000 fd:01 1835100 /usr/lib/libc.so.6", 0,
	  0x7f1c2a428000, 0x7f1c2a5bd000, 0x28000, "r-xp", 1835100, "/usr/lib/libc.so.6" },
	{ "7f1c2a5bd000-7f1c2a5c0000 rw-p 00000000 00:00 0 ", 0, 0x7f1c2a5bd000, 0x7f1c2a5c0000, 0,
	  "rw-p", 0, "" },
	{ "7f1c2a5bd000-7f1c2a5c0000 rw-p 00000000 00:00 0", 0, 0x7f1c2a5bd000, 0x7f1c2a5c0000, 0,
	  "rw-p", 0, "" },
	{ "55d0c0a5e000-55d0c0a7f000 rw-p 00000000 00:00 0                          [heap]", 0,
	  0x55d0c0a5e000, 0x55d0c0a7f000, 0, "rw-p", 0, "[heap]" },
	{ "7f00-8f00 r-xs 00001000 103:02 42   /tmp/my lib (copy).so (deleted)", 0, 0x7f00, 0x8f00,
	  0x1000, "r-xs", 42, "/tmp/my lib (copy).so (deleted)" },
	{ "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0  [vsyscall]", 0,
	  0xffffffffff600000, 0xffffffffff601000, 0, "--xp", 0, "[vsyscall]" },
	{ .line = "", .rc = -EINVAL },
	{ .line = "7f00 r-xp 00000000 08:01 1 /x", .rc = -EINVAL },
	{ .line = "7f00-6f00 r-xp 00000000 08:01 1 /x", .rc = -EINVAL },
	{ .line = "7f00-8f00 r-x 00000000 08:01 1 /x", .rc = -EINVAL },
	{ .line = "7f00-8f00 rzxp 00000000 08:01 1 /x", .rc = -EINVAL },
	{ .line = "7f00-8f00 r-xp 00000000 0801 1 /x", .rc = -EINVAL },
	{ .line = "7f00-8f00 r-xp 00000000 08:01 x /x", .rc = -EINVAL },
	{ .line = "7f00-8f00 r-xp 00000000 08:01 12x /x", .rc = -EINVAL },
	{ .line = "10000000000000000-1 r-xp 00000000 08:01 1 /x", .rc = -EINVAL },
};

Test(procfs, maps_table)
{
	struct maps_entry e;
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(maps_cases); i++) {
		const struct maps_case *c = &maps_cases[i];

		rc = procfs_parse_maps_line(c->line, &e);
		cr_expect_eq(rc, c->rc, "'%s': %d", c->line, rc);
		if (rc || c->rc)
			continue;
		cr_expect_eq(e.start, c->start, "'%s'", c->line);
		cr_expect_eq(e.end, c->end, "'%s'", c->line);
		cr_expect_eq(e.offset, c->offset, "'%s'", c->line);
		cr_expect_str_eq(e.perms, c->perms, "'%s'", c->line);
		cr_expect_eq(e.inode, c->inode, "'%s'", c->line);
		cr_expect_str_eq(e.path, c->path, "'%s'", c->line);
	}
}

struct kallsyms_case {
	const char *line;
	int rc;
	uint64_t addr;
	char type;
	const char *name;
	const char *mod;
};

static const struct kallsyms_case kallsyms_cases[] = {
	{ "ffffffff81000000 T _stext\n", 0, 0xffffffff81000000, 'T', "_stext", "" },
	{ "ffffffff81000000 T _stext", 0, 0xffffffff81000000, 'T', "_stext", "" },
	{ "ffffffffc0a01000 t ext4_fill_super\t[ext4]\n", 0, 0xffffffffc0a01000, 't',
	  "ext4_fill_super", "ext4" },
	{ "ffffffffc0a01000 t bpf_prog_6deef7357e7b4530_sd_fw_ingress\t[bpf]", 0,
	  0xffffffffc0a01000, 't', "bpf_prog_6deef7357e7b4530_sd_fw_ingress", "bpf" },
	{ "0000000000000000 A fixed_percpu_data", 0, 0, 'A', "fixed_percpu_data", "" },
	{ "ffffffff8100f1e0 W __x64_sys_ni_syscall.cold", 0, 0xffffffff8100f1e0, 'W',
	  "__x64_sys_ni_syscall.cold", "" },
	{ "ffffffffc0000000 t foo [mod_with_space_sep]", 0, 0xffffffffc0000000, 't', "foo",
	  "mod_with_space_sep" },
	{ .line = "", .rc = -EINVAL },
	{ .line = "ffffffff81000000 T", .rc = -EINVAL },
	{ .line = "ffffffff81000000 T ", .rc = -EINVAL },
	{ .line = "ffffffff81000000  _stext", .rc = -EINVAL },
	{ .line = "zzzz T _stext", .rc = -EINVAL },
	{ .line = "ffffffff81000000 T _stext\t[ext4", .rc = -EINVAL },
	{ .line = "ffffffff81000000 T _stext\t[]", .rc = -EINVAL },
	{ .line = "ffffffff81000000 T _stext junk", .rc = -EINVAL },
	{ .line = "ffffffff81000000 T _stext\t[ext4] junk", .rc = -EINVAL },
	{ .line = "1ffffffff81000000 T _stext", .rc = -EINVAL },
};

Test(procfs, kallsyms_table)
{
	const char *name, *mod;
	size_t namelen, modlen, i;
	uint64_t addr;
	char type;
	int rc;

	for (i = 0; i < ARRAY_SIZE(kallsyms_cases); i++) {
		const struct kallsyms_case *c = &kallsyms_cases[i];

		rc = procfs_parse_kallsyms_line(c->line, &addr, &type, &name, &namelen, &mod,
						&modlen);
		cr_expect_eq(rc, c->rc, "'%s': %d", c->line, rc);
		if (rc || c->rc)
			continue;
		cr_expect_eq(addr, c->addr, "'%s'", c->line);
		cr_expect_eq(type, c->type, "'%s'", c->line);
		cr_expect_eq(namelen, strlen(c->name), "'%s'", c->line);
		cr_expect_eq(strncmp(name, c->name, namelen), 0, "'%s'", c->line);
		cr_expect_eq(modlen, strlen(c->mod), "'%s'", c->line);
		cr_expect_eq(strncmp(mod, c->mod, modlen), 0, "'%s'", c->line);
	}
}

Test(procfs, kallsyms_optional_outputs)
{
	cr_expect_eq(procfs_parse_kallsyms_line("ffffffff81000000 T _stext", NULL, NULL, NULL, NULL,
						NULL, NULL),
		     0);
}

Test(procfs, null_inputs)
{
	struct maps_entry e;
	int cpus[1];

	cr_expect_eq(procfs_parse_cpulist(NULL, cpus, 1), -EINVAL);
	cr_expect_eq(procfs_parse_stat(NULL, NULL, 0, NULL), -EINVAL);
	cr_expect_eq(procfs_parse_maps_line(NULL, &e), -EINVAL);
	cr_expect_eq(procfs_parse_kallsyms_line(NULL, NULL, NULL, NULL, NULL, NULL, NULL), -EINVAL);
}
