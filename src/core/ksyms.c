// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ksyms: the /proc/kallsyms table.  Names and module names live in one growing string
 * pool that is referenced by offset while loading (the pool moves as it grows) and turned
 * into pointers once, after sorting.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "core/ksyms.h"
#include "core/sample.h"
#include "parsers/procfs.h"

struct ksyms {
	struct ksym *v;
	size_t n;
	char *pool;
};

struct raw_sym {
	uint64_t addr;
	size_t name, module; /* offsets into the pool */
};

struct builder {
	struct raw_sym *v;
	size_t n, cap;
	char *pool;
	size_t plen, pcap;
	size_t last_mod; /* modules repeat on consecutive lines: store each once */
	size_t last_mod_len;
};

static int pool_add(struct builder *b, const char *s, size_t len, size_t *off)
{
	if (b->plen + len + 1 > b->pcap) {
		size_t cap = b->pcap ? b->pcap * 2 : 1 << 20;
		char *p;

		while (cap < b->plen + len + 1)
			cap *= 2;
		p = realloc(b->pool, cap);
		if (!p)
			return -ENOMEM;
		b->pool = p;
		b->pcap = cap;
	}
	memcpy(b->pool + b->plen, s, len);
	b->pool[b->plen + len] = '\0';
	*off = b->plen;
	b->plen += len + 1;
	return 0;
}

static int add_line(struct builder *b, const char *line)
{
	const char *name, *mod;
	size_t nlen, mlen;
	uint64_t addr;
	char type;
	struct raw_sym *r;

	if (procfs_parse_kallsyms_line(line, &addr, &type, &name, &nlen, &mod, &mlen))
		return 0;
	/* Zero addresses: kptr_restrict hides them, nothing can be resolved. */
	if (!addr || !strchr("tTwW", type))
		return 0;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		struct raw_sym *v = realloc(b->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		b->v = v;
		b->cap = cap;
	}
	r = &b->v[b->n];
	r->addr = addr;
	if (pool_add(b, name, nlen, &r->name))
		return -ENOMEM;
	if (b->last_mod_len == mlen && !memcmp(b->pool + b->last_mod, mod, mlen)) {
		r->module = b->last_mod;
	} else {
		if (pool_add(b, mod, mlen, &r->module))
			return -ENOMEM;
		b->last_mod = r->module;
		b->last_mod_len = mlen;
	}
	b->n++;
	return 0;
}

static int by_addr(const void *a, const void *b)
{
	const struct raw_sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

struct ksyms *ksyms__parse(FILE *f)
{
	struct builder b = { 0 };
	struct ksyms *k = NULL;
	char *line = NULL;
	size_t cap = 0;
	int err = 0;

	/* The empty module name is shared by every core kernel symbol. */
	if (pool_add(&b, "", 0, &b.last_mod)) {
		err = ENOMEM;
		goto out;
	}
	while (getline(&line, &cap, f) > 0) {
		if (add_line(&b, line)) {
			err = ENOMEM;
			goto out;
		}
	}
	if (!b.n) {
		err = ENOENT;
		goto out;
	}
	qsort(b.v, b.n, sizeof(*b.v), by_addr);
	k = calloc(1, sizeof(*k));
	if (k)
		k->v = calloc(b.n, sizeof(*k->v));
	if (!k || !k->v) {
		free(k);
		k = NULL;
		err = ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < b.n; i++)
		k->v[i] = (struct ksym){ b.v[i].addr, b.pool + b.v[i].name, b.pool + b.v[i].module };
	k->n = b.n;
	k->pool = b.pool;
	b.pool = NULL;
out:
	free(line);
	free(b.v);
	free(b.pool);
	if (!k)
		errno = err;
	return k;
}

struct ksyms *ksyms__load(void)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	struct ksyms *k;
	int err;

	if (!f)
		return NULL;
	k = ksyms__parse(f);
	err = errno;
	fclose(f);
	errno = err;
	return k;
}

void ksyms__free(struct ksyms *k)
{
	if (!k)
		return;
	free(k->v);
	free(k->pool);
	free(k);
}

size_t ksyms__count(const struct ksyms *k)
{
	return k ? k->n : 0;
}

const struct ksym *ksyms__find(const struct ksyms *k, uint64_t addr)
{
	size_t lo = 0, hi;

	if (!k || !k->n || addr < k->v[0].addr)
		return NULL;
	hi = k->n;
	/* Invariant: v[lo].addr <= addr, and v[hi].addr > addr (or hi == n). */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->v[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return &k->v[lo];
}

char *ksyms__format(const struct ksyms *k, uint64_t addr, unsigned flags, char *buf, size_t len)
{
	const struct ksym *s = ksyms__find(k, (flags & KSYM_RETADDR) && addr ? addr - 1 : addr);
	int n;

	if (!s) {
		snprintf(buf, len, "[unknown]");
		return buf;
	}
	if (flags & KSYM_OFFSET)
		n = snprintf(buf, len, "%s+0x%llx", s->name, (unsigned long long)(addr - s->addr));
	else
		n = snprintf(buf, len, "%s", s->name);
	if ((flags & KSYM_MODULE) && s->module[0] && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " [%s]", s->module);
	return buf;
}

int ksyms_kernel_frames(const struct sample *s, uint64_t *ips, int max)
{
	bool kernel = false;
	int n = 0;

	for (uint64_t i = 0; i < s->nr_ips && n < max; i++) {
		if (s->ips[i] >= PERF_CONTEXT_MAX) {
			kernel = s->ips[i] == PERF_CONTEXT_KERNEL;
			continue;
		}
		if (kernel)
			ips[n++] = s->ips[i];
	}
	return n;
}
