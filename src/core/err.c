// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * err: every user-facing failure message, with the errno-to-advice mapping in one place so
 * that "permission denied" always names perf_event_paranoid/CAP_PERFMON, "no such event"
 * always names tplist, and so on.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "core/err.h"

static char prog[64] = "rawtrace";
static FILE *stream;

void err_set_prog(const char *tool)
{
	snprintf(prog, sizeof(prog), tool ? "rawtrace %s" : "rawtrace", tool);
}

const char *err_prog(void)
{
	return prog;
}

void err_set_stream(FILE *f)
{
	stream = f;
}

void err_vmsg(const char *fmt, va_list ap)
{
	FILE *f = stream ? stream : stderr;

	fprintf(f, "%s: ", prog);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fflush(f);
}

void err_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vmsg(fmt, ap);
	va_end(ap);
}

static int paranoid_level(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	int v = 99;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 99;
		fclose(f);
	}
	return v;
}

int err_perf(int err, const char *what)
{
	switch (err) {
	case EACCES:
	case EPERM:
		if (geteuid() != 0) {
			err_msg("%s: permission denied (perf_event_paranoid is %d). Run as root, or "
				"grant CAP_PERFMON and CAP_DAC_READ_SEARCH (tracefs) and set "
				"kernel.perf_event_paranoid to -1 for tracepoints",
				what, paranoid_level());
			return EXIT_RUNTIME;
		}
		err_msg("%s: permission denied by the kernel (lockdown or a security module?)", what);
		return EXIT_RUNTIME;
	case EMFILE:
	case ENFILE:
		err_msg("%s: too many open files; raise the limit (ulimit -n) or trace fewer events",
			what);
		return EXIT_RUNTIME;
	case ENOENT:
	case ENODEV:
	case EOPNOTSUPP:
		err_msg("%s: not supported by this kernel (%s)", what, strerror(err));
		return EXIT_RUNTIME;
	case ESRCH:
		err_msg("%s: no such process (it may have exited)", what);
		return EXIT_RUNTIME;
	case ENOMEM:
		err_msg("%s: out of memory; for the ring buffer, try fewer pages (-b) or raise "
			"kernel.perf_event_mlock_kb", what);
		return EXIT_RUNTIME;
	default:
		err_msg("%s: %s", what, strerror(err));
		return EXIT_RUNTIME;
	}
}

int err_file(int err, const char *path)
{
	if ((err == EACCES || err == EPERM) && geteuid() != 0)
		err_msg("cannot read %s: permission denied; run as root", path);
	else
		err_msg("cannot read %s: %s", path, strerror(err));
	return EXIT_RUNTIME;
}
