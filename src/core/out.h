/* SPDX-License-Identifier: GPL-2.0-or-later */
/* out: small output helpers shared by tools (clock lines, checked flushing). */
#ifndef RT_OUT_H
#define RT_OUT_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

/* "HH:MM:SS" of local time t into buf (at least 9 bytes). */
char *out_hms(char *buf, time_t t);

/*
 * Flush f; on failure (closed pipe, full disk) report once and return EXIT_RUNTIME, except
 * EPIPE which is a normal end (`| head`) and returns EXIT_OK.  0 when all is well.
 */
int out_flush(FILE *f);

/* True once writing to f failed (interval tools stop then). */
bool out_broken(FILE *f);

#endif
