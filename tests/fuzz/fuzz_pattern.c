// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the pure parsers: probe patterns, glob and regex matchers, the
 * glob-to-regex translation and the /proc text parsers.  Besides crashes it checks the
 * invariants callers rely on: results point into the input, failed parses leave nothing
 * allocated, and a glob and its translated regex accept exactly the same names.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "parsers/glob.h"
#include "parsers/pattern.h"
#include "parsers/procfs.h"

/* Longer globs translate into regexes that matcher_init rightly refuses as too complex. */
#define MAX_GLOB_FOR_REGEX 128

static const char *const names[] = {
	"", "vfs_read", "a", "aaaaaaaaaaaaaaaa", "a.b", "x+y(z)", "[heap]", "\\", "*", "?",
};

#define check(cond)                                                                              \
	do {                                                                                     \
		if (!(cond))                                                                     \
			abort();                                                                 \
	} while (0)

static void fuzz_pattern(const char *s)
{
	struct pattern p;
	char err[128];

	if (pattern_parse(s, &p, err, sizeof(err))) {
		check(!p.text && !p.lib && !p.func && !p.category && !p.event);
		check(memchr(err, '\0', sizeof(err)));
		return;
	}
	check(strchr("ptu", p.type) && p.type);
	check(!strcmp(p.text, s));
	check(p.lib && p.func && p.category && p.event);
	check(!strchr(p.lib, ':') && !strchr(p.func, ':') && !strchr(p.event, ':'));
	pattern_free(&p);
}

/* pat is a glob; every name must get the same answer from all three ways of matching it. */
static void fuzz_glob(const char *pat, const char *subject)
{
	struct matcher g, r;
	char *rx;
	size_t i;
	bool want;

	check(!matcher_init(&g, pat, false, NULL, 0));
	rx = glob_to_regex_text(pat);
	check(rx);
	if (strlen(pat) > MAX_GLOB_FOR_REGEX) {
		matcher_match(&g, subject);
		free(rx);
		matcher_free(&g);
		return;
	}
	check(!matcher_init(&r, rx, true, NULL, 0));
	for (i = 0; i <= sizeof(names) / sizeof(names[0]); i++) {
		const char *n = i < sizeof(names) / sizeof(names[0]) ? names[i] : subject;

		want = glob_match(pat, n);
		check(matcher_match(&g, n) == want);
		check(matcher_match(&r, n) == want);
	}
	matcher_free(&r);
	free(rx);
	matcher_free(&g);
}

static void fuzz_regex(const char *pat, const char *subject)
{
	struct matcher m;
	char err[128];

	if (matcher_init(&m, pat, true, err, sizeof(err))) {
		check(!m.compiled && !m.text);
		return;
	}
	matcher_match(&m, subject);
	matcher_match(&m, pat);
	matcher_free(&m);
}

static void fuzz_procfs(const char *line, size_t len)
{
	const char *end = line + len, *name, *mod;
	size_t namelen, modlen;
	struct maps_entry e;
	char comm[16], type;
	uint64_t addr;
	int cpus[64], n;
	pid_t ppid;

	n = procfs_parse_cpulist(line, cpus, 64);
	check(n == -EINVAL || (n >= 0 && n <= 64));
	if (!procfs_parse_stat(line, comm, sizeof(comm), &ppid))
		check(strlen(comm) < sizeof(comm) && ppid >= 0);
	if (!procfs_parse_maps_line(line, &e))
		check(e.path >= line && e.path <= end && e.start <= e.end && strlen(e.perms) == 4);
	if (!procfs_parse_kallsyms_line(line, &addr, &type, &name, &namelen, &mod, &modlen)) {
		check(name >= line && name + namelen <= end && namelen > 0);
		check(!modlen || (mod > line && mod + modlen < end));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *subject, *nl;
	size_t len;

	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	len = strlen(buf);

	fuzz_pattern(buf);
	fuzz_procfs(buf, len);

	/* "pattern\nsubject": lets the fuzzer steer both sides of a match. */
	nl = strchr(buf, '\n');
	subject = nl ? nl + 1 : buf;
	if (nl)
		*nl = '\0';
	fuzz_glob(buf, subject);
	fuzz_regex(buf, subject);
	fuzz_procfs(buf, strlen(buf));
	free(buf);
	return 0;
}
