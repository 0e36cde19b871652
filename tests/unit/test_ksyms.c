// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for src/core/ksyms.c (a kallsyms table built from fixture text: sorting,
 * filtering to text symbols, lookups with offsets, module names, return addresses and
 * addresses nothing covers) and src/core/flame.c (the SVG holds every frame and is
 * well-formed XML, checked with a small parser here and with xmllint when installed).
 * No root needed.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/flame.h"
#include "core/ksyms.h"

/* Deliberately unsorted, with data symbols, a zero address and module symbols. */
static const char kallsyms_text[] =
	"ffffffff81002000 T do_syscall_64\n"
	"ffffffff81000000 T _stext\n"
	"ffffffff81001000 t __schedule\n"
	"ffffffff81001800 T schedule\n"
	"ffffffff82000000 D some_data\n"
	"ffffffff81003000 W weak_fn\n"
	"0000000000000000 T hidden_by_kptr_restrict\n"
	"ffffffffc0001000 t virtblk_probe\t[virtio_blk]\n"
	"ffffffffc0002000 T virtio_queue_rq\t[virtio_blk]\n"
	"ffffffffc0010000 t ext4_readdir\t[ext4]\n"
	"not a kallsyms line\n";

static struct ksyms *fixture(void)
{
	FILE *f = fmemopen((void *)kallsyms_text, sizeof(kallsyms_text) - 1, "r");
	struct ksyms *k;

	cr_assert(f);
	k = ksyms__parse(f);
	fclose(f);
	cr_assert(k, "parse failed");
	return k;
}

static const char *fmt(const struct ksyms *k, uint64_t addr, unsigned flags)
{
	static char buf[256];

	return ksyms__format(k, addr, flags, buf, sizeof(buf));
}

Test(ksyms, keeps_only_text_symbols_with_addresses)
{
	struct ksyms *k = fixture();

	/* 5 core text symbols + 3 module symbols; data, zero and junk lines dropped */
	cr_assert_eq(ksyms__count(k), 8);
	cr_assert_str_eq(fmt(k, 0xffffffff82000010ULL, 0), "weak_fn", "data symbols are not in the table");
	ksyms__free(k);
}

Test(ksyms, lookups_exact_inside_and_below)
{
	struct ksyms *k = fixture();
	const struct ksym *s;

	cr_assert_str_eq(fmt(k, 0xffffffff81000000ULL, 0), "_stext");
	cr_assert_str_eq(fmt(k, 0xffffffff81001000ULL, 0), "__schedule");
	cr_assert_str_eq(fmt(k, 0xffffffff810017ffULL, 0), "__schedule");
	cr_assert_str_eq(fmt(k, 0xffffffff81001800ULL, 0), "schedule");
	cr_assert_str_eq(fmt(k, 0xffffffff80ffffffULL, 0), "[unknown]");
	cr_assert_str_eq(fmt(k, 0, KSYM_OFFSET), "[unknown]");
	s = ksyms__find(k, 0xffffffff81002abcULL);
	cr_assert(s);
	cr_assert_str_eq(s->name, "do_syscall_64");
	cr_assert_eq(s->addr, 0xffffffff81002000ULL);
	cr_assert_str_eq(s->module, "");
	ksyms__free(k);
}

Test(ksyms, offsets_and_modules)
{
	struct ksyms *k = fixture();

	cr_assert_str_eq(fmt(k, 0xffffffff81001834ULL, KSYM_OFFSET), "schedule+0x34");
	cr_assert_str_eq(fmt(k, 0xffffffff81001800ULL, KSYM_OFFSET), "schedule+0x0");
	cr_assert_str_eq(fmt(k, 0xffffffffc0002010ULL, 0), "virtio_queue_rq");
	cr_assert_str_eq(fmt(k, 0xffffffffc0002010ULL, KSYM_MODULE), "virtio_queue_rq [virtio_blk]");
	cr_assert_str_eq(fmt(k, 0xffffffffc0010004ULL, KSYM_OFFSET | KSYM_MODULE), "ext4_readdir+0x4 [ext4]");
	cr_assert_str_eq(fmt(k, 0xffffffff81001834ULL, KSYM_MODULE), "schedule", "core symbols get no module");
	ksyms__free(k);
}

Test(ksyms, return_address_at_the_next_symbol_belongs_to_the_caller)
{
	struct ksyms *k = fixture();

	/* a noreturn call ending __schedule returns to schedule's first byte */
	cr_assert_str_eq(fmt(k, 0xffffffff81001800ULL, 0), "schedule");
	cr_assert_str_eq(fmt(k, 0xffffffff81001800ULL, KSYM_RETADDR), "__schedule");
	cr_assert_str_eq(fmt(k, 0xffffffff81001800ULL, KSYM_RETADDR | KSYM_OFFSET), "__schedule+0x800");
	ksyms__free(k);
}

Test(ksyms, no_usable_symbols_is_enoent)
{
	static const char zeros[] = "0000000000000000 T _stext\n0000000000000000 t foo\n";
	FILE *f = fmemopen((void *)zeros, sizeof(zeros) - 1, "r");

	cr_assert_null(ksyms__parse(f));
	cr_assert_eq(errno, ENOENT);
	fclose(f);
}

Test(ksyms, live_kallsyms_when_readable)
{
	struct ksyms *k = ksyms__load();

	if (!k)
		cr_skip_test("/proc/kallsyms gives no addresses here (not root, or kptr_restrict)");
	cr_assert_gt(ksyms__count(k), 1000);
	ksyms__free(k);
}

/* --- flame --- */

static char *svg_of(const char *const *lines, size_t n)
{
	struct flame *f = flame__new();
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	cr_assert(f);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(flame__add_folded(f, lines[i]), 0, "%s", lines[i]);
	out = open_memstream(&buf, &len);
	cr_assert_eq(flame__write_svg(f, out, "Test <graph>"), 0);
	fclose(out);
	flame__free(f);
	return buf;
}

/*
 * A small well-formedness check: every tag closes in order, attributes are quoted, and
 * '&' only starts the entities the writer uses.
 */
static bool well_formed(const char *s, char *why, size_t len)
{
	const char *stack[64];
	size_t stack_len[64];
	int depth = 0, roots = 0;

	while (*s) {
		if (*s == '&') {
			if (strncmp(s, "&lt;", 4) && strncmp(s, "&gt;", 4) && strncmp(s, "&amp;", 5) &&
			    strncmp(s, "&quot;", 6)) {
				snprintf(why, len, "bad entity at %.20s", s);
				return false;
			}
			s++;
			continue;
		}
		if (*s != '<') {
			s++;
			continue;
		}
		if (s[1] == '?') {
			s = strstr(s, "?>");
			if (!s)
				return snprintf(why, len, "unterminated <?"), false;
			s += 2;
			continue;
		}
		if (s[1] == '/') {
			const char *name = s + 2;
			size_t n = strcspn(name, ">");

			if (!depth || n != stack_len[depth - 1] || strncmp(name, stack[depth - 1], n)) {
				snprintf(why, len, "unexpected </%.*s>", (int)n, name);
				return false;
			}
			depth--;
			s = name + n + 1;
			continue;
		}
		{
			const char *name = s + 1, *end;
			size_t n = strcspn(name, " />");
			bool quoted = false;

			for (end = name; *end && (quoted || *end != '>'); end++)
				if (*end == '"')
					quoted = !quoted;
			if (!*end)
				return snprintf(why, len, "unterminated <%.*s", (int)n, name), false;
			if (!depth)
				roots++;
			if (end[-1] != '/') {
				if (depth == 64)
					return snprintf(why, len, "too deep"), false;
				stack[depth] = name;
				stack_len[depth++] = n;
			}
			s = end + 1;
		}
	}
	if (depth || roots != 1)
		return snprintf(why, len, "depth %d, %d root elements at the end", depth, roots), false;
	return true;
}

Test(flame, svg_has_every_frame_and_is_well_formed)
{
	static const char *const lines[] = {
		"wl_stack;_start;main;rt_stack_a;rt_stack_b;rt_stack_c;__write 200",
		"wl_stack;_start;main;rt_stack_a;other<&>\"frame 50",
		";ret_from_fork;kthread;worker_thread;schedule;__schedule 7",
	};
	static const char *const names[] = { "wl_stack", "_start", "main", "rt_stack_a", "rt_stack_b",
					     "rt_stack_c", "__write", "other&lt;&amp;&gt;&quot;frame",
					     "ret_from_fork", "kthread", "worker_thread", "schedule", "__schedule" };
	char *svg = svg_of(lines, 3), why[128] = "";

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char title[128];

		snprintf(title, sizeof(title), "<title>%s (", names[i]);
		cr_assert(strstr(svg, title), "no frame %s in\n%s", names[i], svg);
	}
	cr_assert(strstr(svg, "<title>all (257 samples, 100.00%)</title>"), "%s", svg);
	cr_assert(strstr(svg, "Test &lt;graph&gt;"), "title not escaped");
	cr_assert(well_formed(svg, why, sizeof(why)), "%s\n%s", why, svg);
	free(svg);
}

Test(flame, xmllint_accepts_it)
{
	static const char *const lines[] = { "a;b;c 3", "a;b;d&e 1", "x 2" };
	char path[] = "/tmp/rawtrace-flame-XXXXXX", cmd[256];
	char *svg = svg_of(lines, 3);
	int fd, rc;

	if (system("command -v xmllint >/dev/null 2>&1"))
		cr_skip_test("xmllint is not installed (package libxml2-utils)");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, svg, strlen(svg)), (ssize_t)strlen(svg));
	close(fd);
	snprintf(cmd, sizeof(cmd), "xmllint --noout %s 2>&1", path);
	rc = system(cmd);
	unlink(path);
	free(svg);
	cr_assert_eq(rc, 0, "xmllint rejected the SVG");
}

Test(flame, bad_folded_lines_are_rejected)
{
	struct flame *f = flame__new();

	cr_assert_eq(flame__add_folded(f, "a;b;c"), -EINVAL);
	cr_assert_eq(flame__add_folded(f, "a;b;c x"), -EINVAL);
	cr_assert_eq(flame__add_folded(f, "a;b;c 12\n"), 0);
	flame__free(f);
}

Test(flame, empty_graph_is_still_an_svg)
{
	char *svg = svg_of(NULL, 0), why[128] = "";

	cr_assert(strstr(svg, "no samples"));
	cr_assert(well_formed(svg, why, sizeof(why)), "%s", why);
	free(svg);
}
