// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for everything that reads kernel-written bytes: the ring reader, the
 * record decoder and tracepoint field reads.  The input supplies the ring position, the
 * head the "kernel" published and the data area's bytes; each record the reader returns,
 * and each RAW payload in it, is copied to a heap block of exactly its claimed size so
 * AddressSanitizer sees any read past it.
 *
 *   clang -fsanitize=fuzzer,address -I src -I . -D_GNU_SOURCE \
 *	$(pkg-config --cflags libtraceevent libtracefs) tests/fuzz/fuzz_sample.c \
 *	src/core/ring.c src/core/sample.c src/core/field.c \
 *	$(pkg-config --libs libtracefs libtraceevent)
 */
#include <event-parse.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/field.h"
#include "core/ring.h"
#include "core/sample.h"

/* One event with every kind of field field.c distinguishes. */
static const char format[] =
	"name: fuzz\n"
	"ID: 1\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:__data_loc char[] name;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:__rel_loc char[] msg;\toffset:12;\tsize:4;\tsigned:0;\n"
	"\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:long ret;\toffset:24;\tsize:8;\tsigned:1;\n"
	"\tfield:unsigned long args[6];\toffset:32;\tsize:48;\tsigned:0;\n"
	"\tfield:char comm[16];\toffset:80;\tsize:16;\tsigned:0;\n"
	"\tfield:__data_loc u64[] vals;\toffset:96;\tsize:4;\tsigned:0;\n"
	"\tfield:s16 shorts[2];\toffset:100;\tsize:4;\tsigned:1;\n"
	"\n"
	"print fmt: \"%d\", REC->dfd\n";

#define MAX_FIELDS 32

/* Kept for the whole run: the fields' names point into its event. */
static struct tep_handle *tep;
static struct field fields[MAX_FIELDS];
static unsigned nr_fields;
static struct ring ring;
static unsigned char *map;
static size_t map_len;
/* Values read land here so the reads cannot be optimised away. */
static volatile uint64_t sink;

static const struct {
	uint64_t type, regs_mask;
} layouts[] = {
	{ PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |
		  PERF_SAMPLE_RAW, 0 },
	{ PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |
		  PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_RAW, 0 },
	{ PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
		  PERF_SAMPLE_CPU | PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER, 0x1c0 },
	{ PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_ADDR | PERF_SAMPLE_ID |
		  PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_PERIOD | PERF_SAMPLE_REGS_USER, ~0ULL },
};

static int setup(void)
{
	struct tep_event *ev = NULL;
	struct tep_format_field **all, **common;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned i;

	tep = tep_alloc();
	if (!tep || tep_parse_format(tep, &ev, format, sizeof(format) - 1, "fuzz") || !ev)
		return -1;
	common = tep_event_common_fields(ev);
	all = tep_event_fields(ev);
	for (i = 0; common && common[i] && nr_fields < MAX_FIELDS; i++)
		if (!field__init(&fields[nr_fields], common[i]))
			nr_fields++;
	for (i = 0; all && all[i] && nr_fields < MAX_FIELDS; i++)
		if (!field__init(&fields[nr_fields], all[i]))
			nr_fields++;
	free(common);
	free(all);

	map_len = page * 2;
	map = aligned_alloc(page, map_len);
	return map ? 0 : -1;
}

/* Every read field.c offers, on a heap block of exactly raw_size bytes. */
static void read_fields(const void *raw, size_t raw_size, unsigned idx)
{
	unsigned char *copy = malloc(raw_size ? raw_size : 1);
	const char *s;
	size_t len;
	int64_t v;
	unsigned i;

	if (!copy)
		return;
	memcpy(copy, raw, raw_size);
	for (i = 0; i < nr_fields; i++) {
		if (field__read(&fields[i], copy, raw_size, &v))
			sink += (uint64_t)v;
		sink += field__u64(&fields[i], copy, raw_size);
		sink += field__elem(&fields[i], copy, raw_size, idx);
		s = field__str(&fields[i], copy, raw_size, &len);
		if (s && len)
			sink += (unsigned char)s[len - 1];
	}
	free(copy);
}

static void parse_record(const struct perf_event_header *h, unsigned layout)
{
	struct perf_event_header *copy = malloc(h->size);
	struct sample s;
	uint64_t i, sum = 0;

	if (!copy)
		return;
	memcpy(copy, h, h->size);
	sample__id(copy);
	if (!sample__parse(copy, layouts[layout].type, layouts[layout].regs_mask, &s)) {
		for (i = 0; i < s.nr_ips; i++)
			sum += s.ips[i];
		for (i = 0; i < s.nr_regs; i++)
			sum += s.regs[i];
		if (s.stack_size)
			sum += ((const unsigned char *)s.stack)[s.stack_size - 1];
		if (s.comm)
			sum += strlen(s.comm);
		sink += sum;
		if (s.raw)
			read_fields(s.raw, s.raw_size, (unsigned)sum & 7);
	}
	free(copy);
}

/*
 * Input: u64 tail, u16 head - tail, u8 layout selector, then the data area's bytes written
 * from tail onwards.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	const struct perf_event_header *h;
	struct perf_event_mmap_page *meta;
	uint64_t tail, pos, unread, i;
	uint16_t delta;
	unsigned layout;
	size_t area;

	if (!ready) {
		if (setup())
			abort();
		ready = 1;
	}
	if (size < 11)
		return 0;
	memcpy(&tail, data, sizeof(tail));
	memcpy(&delta, data + 8, sizeof(delta));
	layout = data[10] % (sizeof(layouts) / sizeof(layouts[0]));
	data += 11;
	size -= 11;

	/* Raw field reads straight on the input, as if it were a tracepoint payload. */
	read_fields(data, size, delta);

	memset(map, 0, map_len);
	meta = (struct perf_event_mmap_page *)map;
	area = map_len / 2;
	meta->data_tail = tail;
	meta->data_head = tail + delta;
	for (i = 0; i < size && i < area; i++)
		map[area + ((tail + i) & (area - 1))] = data[i];
	if (ring__init(&ring, map, map_len))
		abort();
	unread = ring__begin(&ring);
	pos = tail;
	while ((h = ring__next(&ring))) {
		/* The reader's promises: whole, aligned records, byte for byte as written. */
		if (h->size < sizeof(*h) || (h->size & 7) || h->size > unread - (pos - tail))
			abort();
		for (i = 0; i < h->size; i++)
			if (((const unsigned char *)h)[i] != map[area + ((pos + i) & (area - 1))])
				abort();
		pos += h->size;
		parse_record(h, layout);
	}
	ring__end(&ring);
	/* Drained or resynchronised, the writer gets all of its space back. */
	if (meta->data_tail != meta->data_head)
		abort();
	return 0;
}
