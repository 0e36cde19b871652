/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * specprobe: turn one parsed trace/argdist probe into a kernel event and evaluate its
 * expressions on the records.  Every leaf an expression uses is fetched by the kernel at
 * event time: tracepoint fields, or fetch-args of a tracefs kprobe/uprobe (arguments,
 * return value, strings copied with :string/:ustring, $comm).  The part of the predicate
 * the ftrace filter language can express becomes the event's kernel filter; the rest is
 * evaluated here.  Values that only user space could read later (a user pointer in a
 * tracepoint field printed with %s) come back marked as unverified.
 */
#ifndef RT_SPECPROBE_H
#define RT_SPECPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/session.h"
#include "parsers/expr.h"
#include "parsers/spec.h"

struct specprobe;

struct specprobe_req {
	struct spec_site site;       /* where ('u' is refused), as the spec gave it */
	const struct expr *pred;     /* NULL: none */
	const struct expr *const *vals; /* expressions the tool will evaluate */
	const bool *val_string;      /* per value: printed as a string (%s) */
	size_t nvals;
	unsigned string_size;        /* bytes kept of fetched strings (-Z) */
	pid_t pid;                   /* -p: resolve libraries through this process */
	bool log2_buckets;           /* the tool wants a log2 histogram of vals[0]: count it in
					the kernel when it can (see specprobe_buckets) */
	bool verbose;                /* print the plan (kernel filter, residual, fetch-args) */
	uint64_t sample_type;        /* extra PERF_SAMPLE_* bits (stacks), with: */
	uint64_t regs_user;
	uint32_t stack_user;
	sample_fn on_sample;
	void *arg;
};

/* Print a spec error with a caret under its column (BCC-style); returns EXIT_USAGE. */
int specprobe_spec_error(const char *text, const struct expr_error *err);

/* Plan and add the event to s.  NULL after printing one message (exit status in *status). */
struct specprobe *specprobe_new(struct session *s, const struct specprobe_req *r, int *status);
void specprobe_free(struct specprobe *p);

/* The name BCC prints in the FUNC column: the function, or the tracepoint's event name. */
const char *specprobe_name(const struct specprobe *p);
struct evsel *specprobe_evsel(const struct specprobe *p);

/* Does the record pass the part of the predicate evaluated in user space? */
bool specprobe_match(struct specprobe *p, const struct sample *smp);

/*
 * Evaluate value i of the request on a record.  Strings point into the record or into the
 * probe's scratch space (valid until the next call).  *unverified is set when the string
 * was read late from user memory and may not be what the kernel saw.  0 or -EINVAL.
 */
int specprobe_value(struct specprobe *p, const struct sample *smp, size_t i, struct expr_value *out,
		    bool *unverified);

/*
 * When the request asked for log2_buckets and the probe qualifies (a tracepoint, one
 * unsigned integer field as the value, a predicate the kernel evaluates entirely), the
 * histogram is counted in the kernel by one filtered counter per bucket and no record is
 * copied.  Adds the current counts to slots[HIST_LOG2_SLOTS] and returns true; false when
 * the probe streams records instead.
 */
bool specprobe_buckets(struct specprobe *p, uint64_t *slots);

/* The command name of the record's thread (exact where the kernel captured it). */
const char *specprobe_comm(struct specprobe *p, const struct sample *smp);

#endif
