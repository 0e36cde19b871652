/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sample: decode PERF_RECORD_* bytes into a struct sample for the sample_type bits an
 * event was opened with.  Pure: pointers in the result point into the record.
 */
#ifndef RT_SAMPLE_H
#define RT_SAMPLE_H

#include <linux/perf_event.h>
#include <stdint.h>

struct sample {
	uint32_t type;    /* PERF_RECORD_* */
	uint16_t misc;
	uint64_t id;      /* PERF_SAMPLE_IDENTIFIER / ID */
	uint64_t ip;
	uint32_t pid, tid;
	uint64_t time;
	uint32_t cpu;
	uint64_t period;
	uint64_t nr_ips;  /* PERF_SAMPLE_CALLCHAIN */
	const uint64_t *ips;
	const void *raw;  /* PERF_SAMPLE_RAW payload (tracepoint record) */
	uint32_t raw_size;
	uint64_t abi;     /* PERF_SAMPLE_REGS_USER */
	const uint64_t *regs;
	unsigned nr_regs;
	const void *stack; /* PERF_SAMPLE_STACK_USER */
	uint64_t stack_size, stack_dyn_size;
	uint64_t lost;    /* PERF_RECORD_LOST: records dropped */
	const char *comm; /* PERF_RECORD_COMM */
	uint32_t ppid, ptid; /* PERF_RECORD_FORK/EXIT (pid/tid above) */
};

/*
 * Decode h (a whole record, contiguous) for an event opened with sample_type and, when
 * PERF_SAMPLE_REGS_USER is set, sample_regs_user = regs_mask.  Non-sample records
 * (LOST, COMM, FORK, EXIT) are decoded into the matching fields; with sample_id_all their
 * trailing id fields are decoded too.  Returns 0, or -EINVAL when the record is shorter
 * than the fields it claims.
 */
int sample__parse(const struct perf_event_header *h, uint64_t sample_type, uint64_t regs_mask,
		  struct sample *s);

/*
 * Event id of a record from an event opened with PERF_SAMPLE_IDENTIFIER (and sample_id_all
 * for non-sample records): the first u64 after the header for samples, the last u64 for
 * everything else.  Returns 0 if the record is too short.
 */
uint64_t sample__id(const struct perf_event_header *h);

#endif
