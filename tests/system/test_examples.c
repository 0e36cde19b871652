// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every example command of rawtrace-trace(8) and rawtrace-argdist(8), from
 * man/examples-trace-argdist.txt, must still run: exit 0, or the status its "# exit N"
 * comment names.  The pages quote real output, so an example that stops working is a
 * page that lies.
 */
#include <criterion/criterion.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tests/system/spawn.h"
#include "tests/system/syshelp.h"

#define EXAMPLES FIXTURES_DIR "/../../man/examples-trace-argdist.txt"
#define RECORDED_WORKLOAD "/tmp/b-manta/tests/system/workload"

/* The line with every recorded workload path replaced by this build's. */
static char *localize(const char *line)
{
	size_t rl = strlen(RECORDED_WORKLOAD), wl = strlen(WORKLOAD_BIN), n = 0;
	char *out = malloc(strlen(line) * (wl / rl + 2) + 1);
	const char *p = line, *hit;

	if (!out)
		return NULL;
	while ((hit = strstr(p, RECORDED_WORKLOAD))) {
		memcpy(out + n, p, (size_t)(hit - p));
		n += (size_t)(hit - p);
		memcpy(out + n, WORKLOAD_BIN, wl);
		n += wl;
		p = hit + rl;
	}
	strcpy(out + n, p);
	return out;
}

Test(examples, trace_and_argdist_pages)
{
	char bindir[4096], path[8192], line[4096];
	FILE *f;
	int n = 0;

	need_root_tracefs();
	/* The pages were recorded on a host without kprobes; the kprobe cases have their own tests. */
	if (!access("/sys/bus/event_source/devices/kprobe/type", F_OK))
		cr_skip_test("examples show this kind of host (no kprobes); kprobes are covered by test_kprobes");
	f = fopen(EXAMPLES, "r");
	cr_assert(f, "cannot open %s", EXAMPLES);
	snprintf(bindir, sizeof(bindir), "%s", RAWTRACE_BIN);
	snprintf(path, sizeof(path), "PATH=%s:%s", dirname(bindir), getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	while (fgets(line, sizeof(line), f)) {
		char *env[] = { path, NULL }, *cmd, *mark;
		char *argv[] = { "/usr/bin/timeout", "20", "/bin/bash", "-c", NULL, NULL };
		struct proc t;
		int want = 0;

		line[strcspn(line, "\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		mark = strstr(line, "  # exit ");
		if (mark) {
			want = atoi(mark + 9);
			*mark = 0;
		}
		cmd = localize(line);
		cr_assert(cmd);
		argv[4] = cmd;
		cr_assert_eq(proc_start(&t, argv, env), 0);
		cr_expect_eq(proc_finish(&t, 0, 40), want, "example: %s\nstatus %d\nstdout: %.500s\nstderr: %.500s", cmd,
			     t.status, t.out ? t.out : "", t.err ? t.err : "");
		proc_free(&t);
		free(cmd);
		n++;
	}
	fclose(f);
	cr_assert(n >= 30, "only %d examples", n);
	cr_assert(!tracefs_has_our_state(NULL, 0));
}
