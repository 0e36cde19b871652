// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stacks: the -K/-U stack options of trace and argdist (see stacks.h).
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <string.h>
#include "core/err.h"
#include "core/ksyms.h"
#include "core/stacks.h"
#include "core/usyms.h"

#define MAX_FRAMES 127

int stacks_init(struct stacks *st, struct session *s, bool kernel, bool user, bool address, pid_t pid)
{
	memset(st, 0, sizeof(*st));
	st->kernel = kernel;
	st->user = user;
	st->address = address;
	if ((kernel && !(st->ksyms = ksyms__load())) || (user && !(st->usyms = usyms__new()))) {
		err_msg("cannot load symbols for stacks: %s", strerror(errno));
		return EXIT_RUNTIME;
	}
	if (user && session__watch_tasks(s, usyms__task_record, st->usyms))
		return EXIT_RUNTIME;
	if (user && pid > 0)
		usyms__capture(st->usyms, pid);
	return 0;
}

void stacks_fini(struct stacks *st)
{
	ksyms__free(st->ksyms);
	usyms__delete(st->usyms);
	memset(st, 0, sizeof(*st));
}

void stacks_request(const struct stacks *st, uint64_t *sample_type, uint64_t *regs_user, uint32_t *stack_user)
{
	if (st->kernel)
		*sample_type |= PERF_SAMPLE_CALLCHAIN;
	if (st->user) {
		*sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
		*regs_user = USTACK_REGS_MASK;
		*stack_user = USTACK_COPY;
	}
}

unsigned stacks_ring_pages(const struct stacks *st, unsigned pages, unsigned default_pages)
{
	/* the default would hold 16 records */
	return st->user && pages == default_pages ? 1024 : pages;
}

static void line(const struct stacks *st, FILE *f, const char *indent, uint64_t ip, const char *name)
{
	if (st->address)
		fprintf(f, "%s%16llx %s\n", indent, (unsigned long long)ip, name);
	else
		fprintf(f, "%s%s\n", indent, name);
}

void stacks_print(struct stacks *st, const struct sample *smp, const char *indent, FILE *f)
{
	uint64_t ips[MAX_FRAMES];
	enum ustack_how how;
	char buf[512], name[560];
	int n;

	if (st->kernel) {
		n = ksyms_kernel_frames(smp, ips, MAX_FRAMES);
		for (int i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "%s [kernel]",
				 ksyms__format(st->ksyms, ips[i], KSYM_OFFSET | (i ? KSYM_RETADDR : 0), buf, sizeof(buf)));
			line(st, f, indent, ips[i], name);
		}
	}
	if (st->user) {
		n = usyms__unwind(st->usyms, smp, USTACK_REGS_MASK, ips, MAX_FRAMES, &how);
		for (int i = 0; i < n; i++)
			line(st, f, indent, ips[i],
			     usyms__format(st->usyms, (pid_t)smp->pid, ips[i],
					   USYM_OFFSET | USYM_MODULE | (i ? USYM_RETADDR : 0), buf, sizeof(buf)));
	}
}
