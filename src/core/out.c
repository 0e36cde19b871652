// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * out: output helpers every tool shares: the "HH:MM:SS" stamp of interval headers, and a
 * flush that turns write errors into one message and an exit status, while treating a
 * reader that went away (`rawtrace ... | head`) as a normal end.
 */
#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <string.h>
#include "core/err.h"
#include "core/out.h"

char *out_hms(char *buf, time_t t)
{
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, 9, "%H:%M:%S", &tm))
		strcpy(buf, "??:??:??");
	return buf;
}

/* A pipe whose reader has gone reports POLLERR on its write end. */
static bool reader_left(FILE *f)
{
	struct pollfd p = { .fd = fileno(f), .events = POLLOUT };

	return p.fd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
}

/* The reader went away once: every later flush of the dead stream is a quiet end too. */
static bool reader_gone;
/* Any other write error is reported once (ENOSPC on /dev/full, EIO...). */
static bool write_failed;

int out_flush(FILE *f)
{
	int e;

	errno = 0;
	if (fflush(f) == 0 && !ferror(f))
		return EXIT_OK;
	/* An earlier failed write leaves the error flag set but errno long overwritten. */
	e = errno ? errno : reader_left(f) ? EPIPE : EIO;
	if (e == EPIPE || reader_gone) {
		reader_gone = true;
		return EXIT_OK;
	}
	if (!write_failed)
		err_msg("cannot write output: %s", strerror(e));
	write_failed = true;
	return EXIT_RUNTIME;
}

bool out_broken(FILE *f)
{
	return ferror(f) != 0;
}
