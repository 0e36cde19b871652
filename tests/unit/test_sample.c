// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for the PERF_RECORD_* decoder: sample layouts for the sample_type bits rawtrace
 * uses, non-sample records with and without the sample_id_all trailer, id routing, and
 * every way a record can be shorter than what it claims.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include "core/ring.h"
#include "core/sample.h"
#include "ringbuild.h"

#define BASE_TYPE (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | \
		   PERF_SAMPLE_CPU | PERF_SAMPLE_RAW)
#define TRAILER_TYPE (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | \
		      PERF_SAMPLE_CPU)

static const unsigned char payload[] = { 0x2a, 0x00, 0x01, 0x02, 0x39, 0x30, 0x00, 0x00,
					 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					 0x55, 0x66, 0x77, 0x88 };

static const struct perf_event_header *base_sample(struct recbuf *rb)
{
	rb_start(rb, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);
	rb_u64(rb, 0x1122334455667788ULL); /* IDENTIFIER */
	rb_pair(rb, 100, 101);               /* TID */
	rb_u64(rb, 123456789ULL);            /* TIME */
	rb_pair(rb, 3, 0);                   /* CPU */
	rb_raw(rb, payload, sizeof(payload));
	return rb_end(rb);
}

Test(sample, identifier_tid_time_cpu_raw)
{
	struct recbuf rb;
	const struct perf_event_header *h = base_sample(&rb);
	struct sample s;

	cr_assert_eq(sample__parse(h, BASE_TYPE, 0, &s), 0);
	cr_assert_eq(s.type, PERF_RECORD_SAMPLE);
	cr_assert_eq(s.misc, PERF_RECORD_MISC_USER);
	cr_assert_eq(s.id, 0x1122334455667788ULL);
	cr_assert_eq(s.pid, 100);
	cr_assert_eq(s.tid, 101);
	cr_assert_eq(s.time, 123456789ULL);
	cr_assert_eq(s.cpu, 3);
	cr_assert_eq(s.raw_size, 20, "size as the kernel writes it (already padded)");
	cr_assert_eq((uintptr_t)s.raw & 7, 4, "payload starts 4 bytes past a u64 boundary");
	cr_assert_eq(memcmp(s.raw, payload, sizeof(payload)), 0);
	cr_assert_eq(s.nr_ips, 0);
	cr_assert_null(s.ips);
	cr_assert_eq(sample__id(h), 0x1122334455667788ULL);
}

Test(sample, raw_padding)
{
	struct recbuf rb;
	struct sample s;

	rb_start(&rb, PERF_RECORD_SAMPLE, 0);
	rb_raw(&rb, payload, 12);
	cr_assert_eq(rb.n, 8 + 16);
	cr_assert_eq(sample__parse(rb_end(&rb), PERF_SAMPLE_RAW, 0, &s), 0);
	cr_assert_eq(s.raw_size, 12);

	/* A size that leaves the record misaligned is not something the kernel writes. */
	rb_start(&rb, PERF_RECORD_SAMPLE, 0);
	rb_u32(&rb, 8);
	rb_bytes(&rb, payload, 12);
	cr_assert_eq(sample__parse(rb_end(&rb), PERF_SAMPLE_RAW, 0, &s), -EINVAL);
}

Test(sample, all_scalar_fields_in_order)
{
	struct recbuf rb;
	struct sample s;
	const uint64_t type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
			      PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR | PERF_SAMPLE_ID |
			      PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD;

	rb_start(&rb, PERF_RECORD_SAMPLE, 0);
	rb_u64(&rb, 7);          /* IDENTIFIER */
	rb_u64(&rb, 0xffffffff81000000ULL); /* IP */
	rb_pair(&rb, 1, 2);      /* TID */
	rb_u64(&rb, 3);          /* TIME */
	rb_u64(&rb, 0xdead);     /* ADDR */
	rb_u64(&rb, 7);          /* ID */
	rb_u64(&rb, 99);         /* STREAM_ID */
	rb_pair(&rb, 5, 0xffff); /* CPU, reserved */
	rb_u64(&rb, 1000);       /* PERIOD */
	cr_assert_eq(sample__parse(rb_end(&rb), type, 0, &s), 0);
	cr_assert_eq(s.id, 7);
	cr_assert_eq(s.ip, 0xffffffff81000000ULL);
	cr_assert_eq(s.pid, 1);
	cr_assert_eq(s.tid, 2);
	cr_assert_eq(s.time, 3);
	cr_assert_eq(s.cpu, 5);
	cr_assert_eq(s.period, 1000);
}

Test(sample, callchain)
{
	const uint64_t ips[] = { PERF_CONTEXT_USER, 0x401000, 0x401234, 0x7f0000001000ULL };
	struct recbuf rb;
	struct sample s;
	size_t i;

	rb_start(&rb, PERF_RECORD_SAMPLE, 0);
	rb_u64(&rb, 9);         /* IDENTIFIER */
	rb_pair(&rb, 10, 11);   /* TID */
	rb_u64(&rb, 4);         /* CALLCHAIN nr */
	rb_bytes(&rb, ips, sizeof(ips));
	rb_raw(&rb, payload, 8);
	cr_assert_eq(sample__parse(rb_end(&rb), PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID |
					     PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_RAW, 0, &s), 0);
	cr_assert_eq(s.nr_ips, 4);
	cr_assert_eq((uintptr_t)s.ips & 7, 0);
	for (i = 0; i < 4; i++)
		cr_assert_eq(s.ips[i], ips[i]);
	cr_assert_eq(s.raw_size, 12);
	cr_assert_eq(memcmp(s.raw, payload, 8), 0);
}

Test(sample, regs_and_stack_user)
{
	const uint64_t regs[] = { 0x7ffc0000, 0x7ffc0100, 0x401000 };
	const uint64_t mask = (1ULL << 6) | (1ULL << 7) | (1ULL << 8); /* bp, sp, ip on x86-64 */
	unsigned char stack[64];
	struct recbuf rb;
	struct sample s;

	memset(stack, 0xab, sizeof(stack));
	rb_start(&rb, PERF_RECORD_SAMPLE, 0);
	rb_u64(&rb, 1);         /* IDENTIFIER */
	rb_u64(&rb, PERF_SAMPLE_REGS_ABI_64);
	rb_bytes(&rb, regs, sizeof(regs));
	rb_u64(&rb, sizeof(stack));
	rb_bytes(&rb, stack, sizeof(stack));
	rb_u64(&rb, 40);        /* dyn_size */
	cr_assert_eq(sample__parse(rb_end(&rb), PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_REGS_USER |
					     PERF_SAMPLE_STACK_USER, mask, &s), 0);
	cr_assert_eq(s.abi, PERF_SAMPLE_REGS_ABI_64);
	cr_assert_eq(s.nr_regs, 3);
	cr_assert_eq(s.regs[0], regs[0]);
	cr_assert_eq(s.regs[2], regs[2]);
	cr_assert_eq(s.stack_size, 64);
	cr_assert_eq(s.stack_dyn_size, 40);
	cr_assert_eq(memcmp(s.stack, stack, sizeof(stack)), 0);
}

Test(sample, regs_abi_none_and_empty_stack)
{
	struct recbuf rb;
	struct sample s;

	/* A kernel thread: no user registers, no stack copy and hence no dyn_size. */
	rb_start(&rb, PERF_RECORD_SAMPLE, 0);
	rb_u64(&rb, PERF_SAMPLE_REGS_ABI_NONE);
	rb_u64(&rb, 0);
	cr_assert_eq(sample__parse(rb_end(&rb), PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER,
				   0xff, &s), 0);
	cr_assert_eq(s.abi, 0);
	cr_assert_eq(s.nr_regs, 0);
	cr_assert_null(s.regs);
	cr_assert_eq(s.stack_size, 0);
	cr_assert_null(s.stack);
	cr_assert_eq(s.stack_dyn_size, 0);
}

Test(sample, unsupported_bits)
{
	struct recbuf rb;
	struct sample s;
	const struct perf_event_header *h = base_sample(&rb);

	cr_assert_eq(sample__parse(h, BASE_TYPE | PERF_SAMPLE_READ, 0, &s), -EINVAL);
	cr_assert_eq(sample__parse(h, BASE_TYPE | PERF_SAMPLE_BRANCH_STACK, 0, &s), -EINVAL);
}

#define HDR sizeof(struct perf_event_header)

/* Every proper prefix of a valid record must be refused, never read past. */
static void expect_prefixes_refused(struct recbuf *rb, uint64_t type, uint64_t mask)
{
	size_t full = rb->n, n;
	struct sample s;

	cr_assert_eq(sample__parse(rb_end(rb), type, mask, &s), 0);
	for (n = 0; n < full; n++) {
		/* A heap copy of just the claimed bytes lets ASan catch any over-read. */
		size_t alloc = n < HDR ? HDR : n;
		struct perf_event_header *copy = malloc(alloc);

		cr_assert_not_null(copy);
		memcpy(copy, rb->b, alloc);
		copy->size = (uint16_t)n;
		cr_assert_eq(sample__parse(copy, type, mask, &s), -EINVAL,
			     "type %#llx size %zu of %zu", (unsigned long long)type, n, full);
		free(copy);
	}
}

Test(sample, truncated_records)
{
	const uint64_t ips[] = { 1, 2, 3 };
	unsigned char stack[16] = { 0 };
	struct recbuf rb;

	base_sample(&rb);
	expect_prefixes_refused(&rb, BASE_TYPE, 0);

	rb_start(&rb, PERF_RECORD_SAMPLE, 0);
	rb_u64(&rb, 3);
	rb_bytes(&rb, ips, sizeof(ips));
	expect_prefixes_refused(&rb, PERF_SAMPLE_CALLCHAIN, 0);

	rb_start(&rb, PERF_RECORD_SAMPLE, 0);
	rb_u64(&rb, PERF_SAMPLE_REGS_ABI_64);
	rb_bytes(&rb, ips, sizeof(ips));
	rb_u64(&rb, sizeof(stack));
	rb_bytes(&rb, stack, sizeof(stack));
	rb_u64(&rb, 8);
	expect_prefixes_refused(&rb, PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER, 0x7);

	rb_start(&rb, PERF_RECORD_LOST, 0);
	rb_u64(&rb, 1);
	rb_u64(&rb, 2);
	expect_prefixes_refused(&rb, 0, 0);

	rb_start(&rb, PERF_RECORD_FORK, 0);
	rb_pair(&rb, 1, 2);
	rb_pair(&rb, 3, 4);
	rb_u64(&rb, 5);
	expect_prefixes_refused(&rb, 0, 0);
}

Test(sample, counts_larger_than_the_record)
{
	struct recbuf rb;
	struct sample s;

	rb_start(&rb, PERF_RECORD_SAMPLE, 0);
	rb_u64(&rb, UINT64_MAX / 4); /* callchain nr: nr * 8 overflows */
	rb_u64(&rb, 0);
	cr_assert_eq(sample__parse(rb_end(&rb), PERF_SAMPLE_CALLCHAIN, 0, &s), -EINVAL);

	rb_start(&rb, PERF_RECORD_SAMPLE, 0);
	rb_u32(&rb, 0xfffffffc); /* raw size */
	rb_u32(&rb, 0);
	cr_assert_eq(sample__parse(rb_end(&rb), PERF_SAMPLE_RAW, 0, &s), -EINVAL);

	rb_start(&rb, PERF_RECORD_SAMPLE, 0);
	rb_u64(&rb, UINT64_MAX - 7); /* stack size */
	rb_u64(&rb, 0);
	cr_assert_eq(sample__parse(rb_end(&rb), PERF_SAMPLE_STACK_USER, 0, &s), -EINVAL);

	rb_start(&rb, PERF_RECORD_SAMPLE, 0);
	rb_u64(&rb, 8); /* stack size */
	rb_u64(&rb, 0);
	rb_u64(&rb, 16); /* dyn_size larger than the copy */
	cr_assert_eq(sample__parse(rb_end(&rb), PERF_SAMPLE_STACK_USER, 0, &s), -EINVAL);

	/* 64 registers requested, 2 present. */
	rb_start(&rb, PERF_RECORD_SAMPLE, 0);
	rb_u64(&rb, PERF_SAMPLE_REGS_ABI_64);
	rb_u64(&rb, 0);
	rb_u64(&rb, 0);
	cr_assert_eq(sample__parse(rb_end(&rb), PERF_SAMPLE_REGS_USER, UINT64_MAX, &s), -EINVAL);
}

Test(sample, header_only_and_short_ids)
{
	struct recbuf rb;
	struct sample s;
	const struct perf_event_header *h;

	rb_start(&rb, PERF_RECORD_SAMPLE, 0);
	h = rb_end(&rb);
	cr_assert_eq(sample__parse(h, 0, 0, &s), 0, "no fields asked, none needed");
	cr_assert_eq(sample__parse(h, PERF_SAMPLE_IDENTIFIER, 0, &s), -EINVAL);
	cr_assert_eq(sample__id(h), 0);
	rb_hdr(&rb)->size = 4;
	cr_assert_eq(sample__parse(h, 0, 0, &s), -EINVAL);
	cr_assert_eq(sample__id(h), 0);
}

static void put_trailer(struct recbuf *rb, uint64_t id)
{
	rb_pair(rb, 500, 501); /* TID */
	rb_u64(rb, 777);       /* TIME */
	rb_pair(rb, 6, 0);     /* CPU */
	rb_u64(rb, id);        /* IDENTIFIER */
}

Test(sample, lost_with_trailer)
{
	struct recbuf rb;
	struct sample s;
	const struct perf_event_header *h;

	rb_start(&rb, PERF_RECORD_LOST, 0);
	rb_u64(&rb, 0x55); /* id of the (inherited) event that lost them */
	rb_u64(&rb, 17);
	put_trailer(&rb, 0x44);
	h = rb_end(&rb);
	cr_assert_eq(sample__parse(h, TRAILER_TYPE, 0, &s), 0);
	cr_assert_eq(s.type, PERF_RECORD_LOST);
	cr_assert_eq(s.lost, 17);
	cr_assert_eq(s.id, 0x44, "the trailer id is the one samples are routed by");
	cr_assert_eq(s.pid, 500);
	cr_assert_eq(s.tid, 501);
	cr_assert_eq(s.time, 777);
	cr_assert_eq(s.cpu, 6);
	cr_assert_eq(sample__id(h), 0x44);
}

Test(sample, lost_without_trailer)
{
	struct recbuf rb;
	struct sample s;

	rb_start(&rb, PERF_RECORD_LOST, 0);
	rb_u64(&rb, 0x55);
	rb_u64(&rb, 3);
	cr_assert_eq(sample__parse(rb_end(&rb), TRAILER_TYPE, 0, &s), 0);
	cr_assert_eq(s.id, 0x55);
	cr_assert_eq(s.lost, 3);
	cr_assert_eq(s.time, 0);

	/* Something after the body that is too short to be the trailer. */
	rb_u64(&rb, 1);
	cr_assert_eq(sample__parse(rb_end(&rb), TRAILER_TYPE, 0, &s), -EINVAL);
}

Test(sample, comm_with_trailer)
{
	const char *names[] = { "sh", "1234567", "12345678", "0123456789abcde" };
	struct recbuf rb;
	struct sample s;
	const struct perf_event_header *h;
	size_t i, len;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		len = strlen(names[i]);
		rb_start(&rb, PERF_RECORD_COMM, PERF_RECORD_MISC_COMM_EXEC);
		rb_pair(&rb, 42, 43);
		rb_bytes(&rb, names[i], len);
		rb.n += ((len + 1 + 7) & ~(size_t)7) - len; /* NUL padding */
		put_trailer(&rb, 0x99);
		h = rb_end(&rb);
		cr_assert_eq(sample__parse(h, TRAILER_TYPE, 0, &s), 0, "%s", names[i]);
		cr_assert_eq(s.misc, PERF_RECORD_MISC_COMM_EXEC);
		cr_assert_str_eq(s.comm, names[i]);
		cr_assert_eq(s.pid, 42, "the body names the task, not the trailer");
		cr_assert_eq(s.tid, 43);
		cr_assert_eq(s.time, 777);
		cr_assert_eq(s.cpu, 6);
		cr_assert_eq(s.id, 0x99);
		cr_assert_eq(sample__id(h), 0x99);

		/* With only IDENTIFIER in the trailer the comm size still decides where it is. */
		rb.n -= 32;
		rb_u64(&rb, 0x98);
		cr_assert_eq(sample__parse(rb_end(&rb), PERF_SAMPLE_IDENTIFIER, 0, &s), 0);
		cr_assert_str_eq(s.comm, names[i]);
		cr_assert_eq(s.id, 0x98);
	}
}

Test(sample, comm_without_nul)
{
	struct recbuf rb;
	struct sample s;

	rb_start(&rb, PERF_RECORD_COMM, 0);
	rb_pair(&rb, 1, 1);
	rb_bytes(&rb, "abcdefgh", 8);
	cr_assert_eq(sample__parse(rb_end(&rb), 0, 0, &s), -EINVAL);
}

Test(sample, fork_exit_with_trailer)
{
	const uint32_t types[] = { PERF_RECORD_FORK, PERF_RECORD_EXIT };
	struct recbuf rb;
	struct sample s;
	const struct perf_event_header *h;
	size_t i;

	for (i = 0; i < 2; i++) {
		rb_start(&rb, types[i], 0);
		rb_pair(&rb, 200, 100); /* pid, ppid */
		rb_pair(&rb, 201, 101); /* tid, ptid */
		rb_u64(&rb, 5555);      /* time */
		put_trailer(&rb, 0x77);
		h = rb_end(&rb);
		cr_assert_eq(sample__parse(h, TRAILER_TYPE, 0, &s), 0);
		cr_assert_eq(s.type, types[i]);
		cr_assert_eq(s.pid, 200);
		cr_assert_eq(s.ppid, 100);
		cr_assert_eq(s.tid, 201);
		cr_assert_eq(s.ptid, 101);
		cr_assert_eq(s.time, 5555);
		cr_assert_eq(s.cpu, 6);
		cr_assert_eq(s.id, 0x77);
		cr_assert_eq(sample__id(h), 0x77);
	}
}

Test(sample, trailer_with_id_and_stream_id)
{
	struct recbuf rb;
	struct sample s;

	/* Without IDENTIFIER the trailer still holds ID, after TID and TIME. */
	rb_start(&rb, PERF_RECORD_EXIT, 0);
	rb_pair(&rb, 1, 1);
	rb_pair(&rb, 1, 1);
	rb_u64(&rb, 9);
	rb_pair(&rb, 2, 3);   /* TID */
	rb_u64(&rb, 0x1234);  /* ID */
	rb_u64(&rb, 0x5678);  /* STREAM_ID */
	rb_pair(&rb, 7, 0);   /* CPU */
	cr_assert_eq(sample__parse(rb_end(&rb), PERF_SAMPLE_TID | PERF_SAMPLE_ID |
					     PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU, 0, &s), 0);
	cr_assert_eq(s.id, 0x1234);
	cr_assert_eq(s.cpu, 7);
}

Test(sample, other_records_keep_type)
{
	struct recbuf rb;
	struct sample s;
	const struct perf_event_header *h;

	rb_start(&rb, PERF_RECORD_THROTTLE, 0);
	rb_u64(&rb, 1);
	rb_u64(&rb, 2);
	rb_u64(&rb, 3);
	rb_u64(&rb, 0x31);
	h = rb_end(&rb);
	cr_assert_eq(sample__parse(h, PERF_SAMPLE_IDENTIFIER, 0, &s), 0);
	cr_assert_eq(s.type, PERF_RECORD_THROTTLE);
	cr_assert_eq(sample__id(h), 0x31);
}

Test(sample, wrapped_record_from_ring)
{
	struct fake_ring f;
	struct ring *r = malloc(sizeof(*r));
	const struct perf_event_header *h;
	const uint64_t ips[] = { 0xaaaa, 0xbbbb };
	struct recbuf rb;
	struct sample s;

	cr_assert_not_null(r);
	cr_assert_eq(fake_ring_new(&f, 0, 0), 0);
	f.meta->data_head = f.meta->data_tail = (7ULL << 32) + f.size - 24;
	cr_assert_eq(ring__init(r, f.base, f.len), 0);
	rb_start(&rb, PERF_RECORD_SAMPLE, 0);
	rb_u64(&rb, 0xfeed);
	rb_u64(&rb, 2);
	rb_bytes(&rb, ips, sizeof(ips));
	rb_raw(&rb, payload, sizeof(payload));
	fake_ring_put(&f, rb_end(&rb), rb.n);

	cr_assert_eq(ring__begin(r), rb.n);
	h = ring__next(r);
	cr_assert_not_null(h);
	cr_assert_eq(sample__parse(h, PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_CALLCHAIN |
					      PERF_SAMPLE_RAW, 0, &s), 0);
	cr_assert_eq(s.id, 0xfeed);
	cr_assert_eq(sample__id(h), 0xfeed);
	cr_assert_eq(s.nr_ips, 2);
	cr_assert_eq((uintptr_t)s.ips & 7, 0, "u64 arrays stay aligned in the bounce copy");
	cr_assert_eq(s.ips[1], 0xbbbb);
	cr_assert_eq(memcmp(s.raw, payload, sizeof(payload)), 0);
	ring__end(r);
	fake_ring_free(&f);
	free(r);
}
