// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * usyms: per-process mappings, per-file unwind tables and symbols, and the two unwinders
 * fed from perf samples: core/unwind (CFI rows cached per file) and, for what it leaves,
 * libunwind's remote API.
 *
 * Each file is mmapped once and its .eh_frame_hdr located once, so both unwinders read
 * CFI straight from the image.  libunwind gets one unw_addr_space per process with
 * UNW_CACHE_GLOBAL: its cache is keyed by IP, and two processes may map different code at
 * the same address.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libunwind.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "core/elfsym.h"
#include "core/taskmaps.h"
#include "core/unwind.h"
#include "core/usyms.h"
#include "parsers/procfs.h"

/* Exported by libunwind-generic but not declared in its headers. */
extern int UNW_OBJ(dwarf_search_unwind_table)(unw_addr_space_t as, unw_word_t ip, unw_dyn_info_t *di,
					      unw_proc_info_t *pi, int need_unwind_info, void *arg);

/* DWARF pointer encodings (DW_EH_PE_*) used in .eh_frame_hdr. */
#define EH_PE_udata4 0x03
#define EH_PE_sdata4 0x0b
#define EH_PE_pcrel 0x10
#define EH_PE_datarel 0x30

#define MAX_TIMES 65536
#define PROC_BUCKETS 256
#define MAX_RECORDED 16384 /* processes whose recorded mappings are kept */
#define MEMO_SLOTS 256   /* remembered unwinds per process */
#define MEMO_READS 64    /* unwinds that read more sample data are not remembered */

struct usym {
	uint64_t vaddr, size;
	const char *name;
};

struct seg {
	uint64_t vaddr, off, filesz;
};

struct dso {
	char *path;               /* as the process maps it */
	char *file;               /* where we could open it (NULL: nowhere) */
	unsigned long inode;
	const unsigned char *img; /* the whole file, mmapped; NULL if it could not be read */
	size_t size;
	struct seg *segs;
	size_t nsegs;
	uint64_t hdr_vaddr;       /* .eh_frame_hdr; 0: none usable */
	struct cfi_mem eh;        /* the loaded segment that holds it (and .eh_frame) */
	uint64_t table_off;       /* search table, from the start of .eh_frame_hdr */
	uint64_t fde_count;
	bool syms_loaded;
	struct usym *syms;
	size_t nsyms, syms_cap;
	char *names;              /* string pool for syms */
	size_t names_len, names_cap;
	struct dso *next;
};

struct umap {
	uint64_t start, end, pgoff, bias;
	struct dso *dso;          /* NULL: anonymous or unreadable */
};

/*
 * A remembered unwind.  libunwind's result is a function of what it reads: registers and
 * stack words of the sample, and file contents (fixed while the mappings are).  A later
 * sample of the same process that gives the same answer to every sample read of an
 * earlier unwind therefore unwinds to the same frames, and they are copied instead of
 * unwinding again.  That matters because libunwind's global cache takes a lock that
 * blocks and unblocks signals (two syscalls) on every step: most of its cost per sample.
 */
enum memo_kind { MEMO_REG, MEMO_REG_FAIL, MEMO_STACK, MEMO_NOT_STACK };

struct memo_read {
	uint64_t addr;  /* register number or address */
	uint64_t val;
	enum memo_kind kind;
};

struct memo {
	uint64_t ip, sp;
	unsigned nreads, nips;
	struct memo_read *reads;
	uint64_t *ips;
};

struct uproc {
	pid_t pid;
	char comm[16];
	struct umap *maps;        /* sorted by start */
	size_t nmaps;
	bool refreshed;           /* maps re-read once already for an unknown IP */
	bool stale;               /* it exec'd or mapped code since its maps were read */
	unw_addr_space_t as;
	struct memo **memo;       /* MEMO_SLOTS, allocated at the first unwind */
	struct uproc *next;
};

struct usyms {
	struct uproc *procs[PROC_BUCKETS];
	struct taskmaps *recorded; /* mappings from the kernel's records (usyms__task_record) */
	struct dso *dsos;
	unw_accessors_t acc;
	struct unwind_cache *rows;
	enum unwinder { UNWIND_CFI, UNWIND_LIBUNWIND, UNWIND_CHECK } unwinder; /* RAWTRACE_USTACK */
	uint64_t n_dwarf, n_fp, n_none, n_memo, n_libunwind, n_no_cfi, n_checked, n_differ, n_unchecked;
	uint32_t *times_ns;
	size_t ntimes;
};

/* What the accessors see while one sample is unwound. */
struct unwind_arg {
	struct uproc *p;
	const struct sample *s;
	uint64_t mask;
	uint64_t sp;
	struct memo_read *reads;  /* what this unwind read from the sample */
	unsigned nreads;
	bool overflow;            /* more than MEMO_READS: do not remember it */
};

static void note_read(struct unwind_arg *a, enum memo_kind kind, uint64_t addr, uint64_t val)
{
	if (a->nreads == MEMO_READS) {
		a->overflow = true;
		return;
	}
	a->reads[a->nreads++] = (struct memo_read){ addr, val, kind };
}

/* --- files ------------------------------------------------------------------------- */

static void read_eh_frame_hdr(struct dso *d, Elf *elf)
{
	const unsigned char *h;
	size_t phnum;
	GElf_Phdr ph;
	uint32_t count;

	if (elf_getphdrnum(elf, &phnum))
		return;
	for (size_t i = 0; i < phnum; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_GNU_EH_FRAME)
			continue;
		if (ph.p_offset + 12 > d->size)
			return;
		h = d->img + ph.p_offset;
		/*
		 * version 1; eh_frame_ptr pcrel|sdata4; fde_count udata4; table datarel|sdata4.
		 * That is what every toolchain emits, and the only table encoding libunwind's
		 * remote binary search reads.
		 */
		if (h[0] != 1 || h[1] != (EH_PE_pcrel | EH_PE_sdata4) || h[2] != EH_PE_udata4 ||
		    h[3] != (EH_PE_datarel | EH_PE_sdata4))
			return;
		memcpy(&count, h + 8, sizeof(count));
		if (ph.p_offset + 12 + (uint64_t)count * 8 > d->size)
			return;
		d->hdr_vaddr = ph.p_vaddr;
		d->table_off = 12;
		d->fde_count = count;
		for (size_t k = 0; k < d->nsegs; k++) {
			const struct seg *g = &d->segs[k];

			if (ph.p_vaddr >= g->vaddr && ph.p_vaddr - g->vaddr < g->filesz && g->off <= d->size &&
			    g->filesz <= d->size - g->off)
				d->eh = (struct cfi_mem){ d->img + g->off, g->filesz, g->vaddr };
		}
		return;
	}
}

static int read_segments(struct dso *d, Elf *elf)
{
	size_t phnum;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &phnum))
		return -ENOEXEC;
	d->segs = calloc(phnum ? phnum : 1, sizeof(*d->segs));
	if (!d->segs)
		return -ENOMEM;
	for (size_t i = 0; i < phnum; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		d->segs[d->nsegs++] = (struct seg){ ph.p_vaddr, ph.p_offset, ph.p_filesz };
	}
	return 0;
}

static void load_syms(struct dso *d);

/*
 * Open path (or the same path inside the process's root, or, for a file deleted or never
 * named, such as an upgraded library or a memfd, the mapping itself from map_files) and
 * parse what unwinding needs.
 */
static struct dso *dso_open(const char *path, unsigned long inode, pid_t pid, uint64_t start, uint64_t end)
{
	struct dso *d = calloc(1, sizeof(*d));
	char alt[PATH_MAX];
	struct stat st;
	Elf *elf = NULL;
	void *img;
	int fd;

	if (!d)
		return NULL;
	d->path = strdup(path);
	d->inode = inode;
	if (!d->path) {
		free(d);
		return NULL;
	}
	alt[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		/* A process in another mount namespace (a container) sees its own files. */
		snprintf(alt, sizeof(alt), "/proc/%d/root%s", (int)pid, path);
		fd = open(alt, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		snprintf(alt, sizeof(alt), "/proc/%d/map_files/%llx-%llx", (int)pid, (unsigned long long)start,
			 (unsigned long long)end);
		fd = open(alt, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return d;
	d->file = strdup(alt[0] ? alt : path);
	if (fstat(fd, &st) || !st.st_size)
		goto out;
	img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (img == MAP_FAILED)
		goto out;
	d->img = img;
	d->size = (size_t)st.st_size;
	elf_version(EV_CURRENT);
	elf = elf_memory((char *)d->img, d->size);
	if (!elf || elf_kind(elf) != ELF_K_ELF || read_segments(d, elf))
		goto out;
	read_eh_frame_hdr(d, elf);
	/* That name lasts only as long as the process: take the symbols now. */
	if (d->file && strstr(d->file, "/map_files/"))
		load_syms(d);
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return d;
}

static void dso_free(struct dso *d)
{
	if (d->img)
		munmap((void *)d->img, d->size);
	free(d->segs);
	free(d->syms);
	free(d->names);
	free(d->file);
	free(d->path);
	free(d);
}

static struct dso *dso_get(struct usyms *u, const char *path, unsigned long inode, pid_t pid, uint64_t start,
			   uint64_t end)
{
	struct dso *d;

	for (d = u->dsos; d; d = d->next)
		if (d->inode == inode && !strcmp(d->path, path))
			return d;
	d = dso_open(path, inode, pid, start, end);
	if (!d)
		return NULL;
	d->next = u->dsos;
	u->dsos = d;
	return d;
}

/* The load bias of a mapping of d at start with file offset pgoff: ELF vaddr = addr - bias. */
static uint64_t map_bias(const struct dso *d, uint64_t start, uint64_t pgoff)
{
	long page = sysconf(_SC_PAGESIZE);

	for (size_t i = 0; i < d->nsegs; i++) {
		const struct seg *s = &d->segs[i];
		uint64_t off = s->off & ~(uint64_t)(page - 1);

		if (pgoff >= off && pgoff < s->off + s->filesz)
			return start - pgoff - (s->vaddr - s->off);
	}
	return start - pgoff;
}

/* --- symbols ----------------------------------------------------------------------- */

static int add_sym(void *arg, const struct elf_func *f)
{
	struct dso *d = arg;
	size_t len = strlen(f->name) + 1;
	struct usym *v;

	if (d->nsyms == d->syms_cap) {
		size_t cap = d->syms_cap ? d->syms_cap * 2 : 1024;

		v = realloc(d->syms, cap * sizeof(*v));
		if (!v)
			return -1;
		d->syms = v;
		d->syms_cap = cap;
	}
	if (d->names_len + len > d->names_cap) {
		size_t cap = d->names_cap ? d->names_cap * 2 : 65536;
		char *p;

		while (cap < d->names_len + len)
			cap *= 2;
		p = realloc(d->names, cap);
		if (!p)
			return -1;
		d->names = p;
		d->names_cap = cap;
	}
	memcpy(d->names + d->names_len, f->name, len);
	/* The pool may move while loading: keep offsets, make pointers after. */
	d->syms[d->nsyms++] = (struct usym){ f->vaddr, f->size, (const char *)(uintptr_t)d->names_len };
	d->names_len += len;
	return 0;
}

static int by_vaddr(const void *a, const void *b)
{
	const struct usym *x = a, *y = b;

	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	/* Aliases: the one with a size first, so lookups can check containment. */
	return (x->size == 0) - (y->size == 0);
}

/* The build-id note of the image, as hex, into out (at least 41 bytes); 0 or -ENOENT. */
static int build_id(const struct dso *d, char *out, size_t outlen)
{
	Elf *elf = elf_memory((char *)d->img, d->size);
	Elf_Scn *scn = NULL;
	int ret = -ENOENT;

	if (!elf)
		return -ENOENT;
	while (ret && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		GElf_Nhdr nh;
		size_t off = 0, noff, doff;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		while (data && (off = gelf_getnote(data, off, &nh, &noff, &doff)) > 0) {
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((char *)data->d_buf + noff, "GNU", 4) || nh.n_descsz * 2 + 1 > outlen)
				continue;
			for (size_t i = 0; i < nh.n_descsz; i++)
				sprintf(out + 2 * i, "%02x", ((unsigned char *)data->d_buf)[doff + i]);
			ret = 0;
			break;
		}
	}
	elf_end(elf);
	return ret;
}

/* .gnu_debuglink's file name into out; 0 or -ENOENT. */
static int debuglink(const struct dso *d, char *out, size_t outlen)
{
	Elf *elf = elf_memory((char *)d->img, d->size);
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int ret = -ENOENT;

	if (!elf)
		return -ENOENT;
	if (elf_getshdrstrndx(elf, &shstrndx))
		goto out;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name)) ||
		    strcmp(name, ".gnu_debuglink"))
			continue;
		data = elf_getdata(scn, NULL);
		if (data && data->d_size && memchr(data->d_buf, '\0', data->d_size) &&
		    strlen(data->d_buf) < outlen) {
			strcpy(out, data->d_buf);
			ret = 0;
		}
		break;
	}
out:
	elf_end(elf);
	return ret;
}

/* Where gdb looks for separate debug info: by build-id, then by debuglink. */
static void load_debug_file(struct dso *d)
{
	char id[128], link[256], dir[PATH_MAX], path[PATH_MAX * 2];
	char *slash;

	if (!build_id(d, id, sizeof(id)) && strlen(id) > 2) {
		snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%.2s/%s.debug", id, id + 2);
		if (!access(path, R_OK) && !elfsym_foreach_func(path, add_sym, d))
			return;
	}
	if (debuglink(d, link, sizeof(link)))
		return;
	snprintf(dir, sizeof(dir), "%s", d->path);
	slash = strrchr(dir, '/');
	if (!slash)
		return;
	*slash = '\0';
	snprintf(path, sizeof(path), "/usr/lib/debug%s/%s", dir, link);
	if (!access(path, R_OK) && !elfsym_foreach_func(path, add_sym, d))
		return;
	snprintf(path, sizeof(path), "%s/.debug/%s", dir, link);
	if (!access(path, R_OK))
		elfsym_foreach_func(path, add_sym, d);
}

static void load_syms(struct dso *d)
{
	d->syms_loaded = true;
	if (!d->img || !d->file)
		return;
	elfsym_foreach_func(d->file, add_sym, d);
	load_debug_file(d);
	for (size_t i = 0; i < d->nsyms; i++)
		d->syms[i].name = d->names + (uintptr_t)d->syms[i].name;
	if (d->nsyms)
		qsort(d->syms, d->nsyms, sizeof(*d->syms), by_vaddr);
}

static const struct usym *find_sym(struct dso *d, uint64_t vaddr)
{
	size_t lo = 0, hi;
	const struct usym *s;

	if (!d->syms_loaded)
		load_syms(d);
	if (!d->nsyms || vaddr < d->syms[0].vaddr)
		return NULL;
	hi = d->nsyms;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->syms[mid].vaddr <= vaddr)
			lo = mid;
		else
			hi = mid;
	}
	/* Back to the first alias at this address: the one with a size sorts first. */
	while (lo > 0 && d->syms[lo - 1].vaddr == d->syms[lo].vaddr)
		lo--;
	s = &d->syms[lo];
	return !s->size || vaddr < s->vaddr + s->size ? s : NULL;
}

/* --- processes --------------------------------------------------------------------- */

static int by_start(const void *a, const void *b)
{
	const struct umap *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* (Re)read /proc/PID/maps; executable and read-only file mappings only. */
static int read_maps(struct usyms *u, struct uproc *p)
{
	char path[64], *line = NULL;
	struct umap *v = NULL;
	size_t cap = 0, n = 0, lcap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)p->pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &lcap, f) > 0) {
		struct maps_entry e;
		char *nl = strchr(line, '\n');

		if (nl)
			*nl = '\0';
		if (procfs_parse_maps_line(line, &e) || e.path[0] != '/' || !e.inode)
			continue;
		if (n == cap) {
			struct umap *nv = realloc(v, (cap ? cap * 2 : 32) * sizeof(*v));

			if (!nv)
				break;
			v = nv;
			cap = cap ? cap * 2 : 32;
		}
		v[n].start = e.start;
		v[n].end = e.end;
		v[n].pgoff = e.offset;
		v[n].dso = dso_get(u, e.path, e.inode, p->pid, e.start, e.end);
		v[n].bias = v[n].dso ? map_bias(v[n].dso, e.start, e.offset) : 0;
		n++;
	}
	free(line);
	fclose(f);
	if (n)
		qsort(v, n, sizeof(*v), by_start);
	free(p->maps);
	p->maps = v;
	p->nmaps = n;
	return 0;
}

static int add_umap(struct umap **v, size_t *n, size_t *cap, const struct umap *m)
{
	if (*n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 16;
		struct umap *nv = realloc(*v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = *m;
	return 0;
}

/*
 * A process gone from /proc: its mappings as the kernel's records described them.  The
 * records name only the executable mapping of each file; the file's other segments
 * (.eh_frame_hdr is read-only data) are where its program headers put them.
 */
static int recorded_maps(struct usyms *u, struct uproc *p)
{
	uint64_t pm = (uint64_t)sysconf(_SC_PAGESIZE) - 1;
	size_t n = 0, nv = 0, cap = 0;
	const struct taskmap *m = taskmaps__get(u->recorded, (uint32_t)p->pid, &n);
	struct umap *v = NULL;

	for (size_t i = 0; i < n; i++) {
		struct umap x = { m[i].start, m[i].end, m[i].pgoff, 0, dso_get(u, m[i].path, m[i].ino, p->pid, m[i].start, m[i].end) };

		x.bias = x.dso ? map_bias(x.dso, x.start, x.pgoff) : 0;
		if (!x.dso || !x.dso->nsegs) {
			add_umap(&v, &nv, &cap, &x);
			continue;
		}
		for (size_t k = 0; k < x.dso->nsegs; k++) {
			const struct seg *g = &x.dso->segs[k];
			struct umap y = { x.bias + (g->vaddr & ~pm), (x.bias + g->vaddr + g->filesz + pm) & ~pm, g->off & ~pm,
					  x.bias, x.dso };

			add_umap(&v, &nv, &cap, &y);
		}
	}
	if (!nv) {
		free(v);
		return -ENOENT;
	}
	qsort(v, nv, sizeof(*v), by_start);
	free(p->maps);
	p->maps = v;
	p->nmaps = nv;
	return 0;
}

/* An exiting process still has /proc/PID/maps, but empty: then the records count. */
static int current_maps(struct usyms *u, struct uproc *p)
{
	return read_maps(u, p) == 0 && p->nmaps ? 0 : recorded_maps(u, p);
}

static const struct umap *find_map(const struct uproc *p, uint64_t addr)
{
	size_t lo = 0, hi = p->nmaps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < p->maps[mid].start)
			hi = mid;
		else if (addr >= p->maps[mid].end)
			lo = mid + 1;
		else
			return &p->maps[mid];
	}
	return NULL;
}

static void forget_unwinds(struct uproc *p)
{
	for (unsigned i = 0; p->memo && i < MEMO_SLOTS; i++) {
		free(p->memo[i]);
		p->memo[i] = NULL;
	}
}

/* The process's maps as they are now; what was learnt from the old ones is forgotten. */
static void reread_maps(struct usyms *u, struct uproc *p)
{
	if (current_maps(u, p))
		return;
	if (p->as)
		unw_flush_cache(p->as, 0, 0);
	forget_unwinds(p);
}

static struct uproc *proc_find(struct usyms *u, pid_t pid)
{
	struct uproc *p = u->procs[(unsigned)pid % PROC_BUCKETS];

	while (p && p->pid != pid)
		p = p->next;
	return p;
}

static struct uproc *proc_get(struct usyms *u, pid_t pid)
{
	struct uproc **b = &u->procs[(unsigned)pid % PROC_BUCKETS], *p = proc_find(u, pid);
	char path[64];
	FILE *f;

	if (p && p->stale) {
		p->stale = false;
		p->refreshed = false;
		reread_maps(u, p);
	}
	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	strcpy(p->comm, "[unknown]");
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (f) {
		if (fgets(p->comm, sizeof(p->comm), f))
			p->comm[strcspn(p->comm, "\n")] = '\0';
		fclose(f);
	}
	current_maps(u, p);
	p->as = unw_create_addr_space(&u->acc, 0);
	if (p->as)
		unw_set_caching_policy(p->as, UNW_CACHE_GLOBAL);
	p->next = *b;
	*b = p;
	return p;
}

/* --- libunwind accessors ------------------------------------------------------------ */

static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi, int need, void *arg)
{
	struct unwind_arg *a = arg;
	const struct umap *m = find_map(a->p, ip);
	unw_dyn_info_t di;

	if (!m || !m->dso || !m->dso->hdr_vaddr)
		return -UNW_ENOINFO;
	memset(&di, 0, sizeof(di));
	di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
	di.start_ip = m->start;
	di.end_ip = m->end;
	di.u.rti.segbase = m->bias + m->dso->hdr_vaddr;
	di.u.rti.table_data = di.u.rti.segbase + m->dso->table_off;
	/* In words: each entry is two 32-bit offsets. */
	di.u.rti.table_len = m->dso->fde_count * 8 / sizeof(unw_word_t);
	return UNW_OBJ(dwarf_search_unwind_table)(as, ip, &di, pi, need, arg);
}

static void put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
}

static int get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *addr, void *arg)
{
	return -UNW_ENOINFO;
}

static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write, void *arg)
{
	struct unwind_arg *a = arg;
	const struct umap *m;
	uint64_t off;

	if (write)
		return -UNW_EINVAL;
	/* The stack copy starts at the sampled stack pointer. */
	if (addr >= a->sp && addr - a->sp + sizeof(*val) <= a->s->stack_dyn_size) {
		memcpy(val, (const char *)a->s->stack + (addr - a->sp), sizeof(*val));
		note_read(a, MEMO_STACK, addr, *val);
		return 0;
	}
	/* Not sample data, but it would have been with a different stack pointer. */
	note_read(a, MEMO_NOT_STACK, addr, 0);
	/* Anything else libunwind reads is unwind info: serve it from the file. */
	m = find_map(a->p, addr);
	if (!m || !m->dso || !m->dso->img)
		return -UNW_EINVAL;
	off = addr - m->start + m->pgoff;
	if (off + sizeof(*val) > m->dso->size)
		return -UNW_EINVAL;
	memcpy(val, m->dso->img + off, sizeof(*val));
	return 0;
}

#ifdef __x86_64__
/* libunwind's x86_64 register numbers -> perf's PERF_REG_X86_* bit numbers. */
static const int perf_reg_of[] = {
	[UNW_X86_64_RAX] = 0, [UNW_X86_64_RDX] = 3, [UNW_X86_64_RCX] = 2, [UNW_X86_64_RBX] = 1,
	[UNW_X86_64_RSI] = 4, [UNW_X86_64_RDI] = 5, [UNW_X86_64_RBP] = 6, [UNW_X86_64_RSP] = 7,
	[UNW_X86_64_R8] = 16, [UNW_X86_64_R9] = 17, [UNW_X86_64_R10] = 18, [UNW_X86_64_R11] = 19,
	[UNW_X86_64_R12] = 20, [UNW_X86_64_R13] = 21, [UNW_X86_64_R14] = 22, [UNW_X86_64_R15] = 23,
	[UNW_X86_64_RIP] = 8,
};
#define PERF_REG_SP 7
#define PERF_REG_IP 8

/* The sampled value of perf register idx: registers are stored in mask bit order. */
static int sample_reg(const struct sample *s, uint64_t mask, int idx, uint64_t *val)
{
	unsigned pos;

	if (idx < 0 || idx > 63 || !(mask & (1ULL << idx)))
		return -1;
	pos = (unsigned)__builtin_popcountll(mask & ((1ULL << idx) - 1));
	if (pos >= s->nr_regs)
		return -1;
	*val = s->regs[pos];
	return 0;
}

/* -1 (never sampled) for registers outside the map. */
static int perf_reg_of_unw(uint64_t reg)
{
	return reg < sizeof(perf_reg_of) / sizeof(perf_reg_of[0]) ? perf_reg_of[reg] : -1;
}

static int access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val, int write, void *arg)
{
	struct unwind_arg *a = arg;
	uint64_t v;

	if (write)
		return -UNW_EREADONLYREG;
	if (reg < 0 || sample_reg(a->s, a->mask, perf_reg_of_unw((uint64_t)reg), &v)) {
		note_read(a, MEMO_REG_FAIL, (uint64_t)reg, 0);
		return -UNW_EBADREG;
	}
	note_read(a, MEMO_REG, (uint64_t)reg, v);
	*val = v;
	return 0;
}
#else
/* DWARF unwinding needs a register map per architecture; only x86_64 has one so far. */
#define PERF_REG_SP (-1)
#define PERF_REG_IP (-1)
static int sample_reg(const struct sample *s, uint64_t mask, int idx, uint64_t *val)
{
	return -1;
}

static int perf_reg_of_unw(uint64_t reg)
{
	return -1;
}

static int access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val, int write, void *arg)
{
	return -UNW_EBADREG;
}
#endif

static int access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val, int write, void *arg)
{
	return -UNW_EBADREG;
}

static int resume(unw_addr_space_t as, unw_cursor_t *c, void *arg)
{
	return -UNW_EINVAL;
}

/* --- API ---------------------------------------------------------------------------- */

struct usyms *usyms__new(void)
{
	struct usyms *u = calloc(1, sizeof(*u));
	const char *how = getenv("RAWTRACE_USTACK");

	if (!u)
		return NULL;
	u->times_ns = malloc(MAX_TIMES * sizeof(*u->times_ns));
	u->recorded = taskmaps__new(MAX_RECORDED);
	u->rows = unwind_cache__new();
	if (!u->times_ns || !u->recorded || !u->rows) {
		free(u->times_ns);
		taskmaps__free(u->recorded);
		unwind_cache__free(u->rows);
		free(u);
		return NULL;
	}
	u->unwinder = !how ? UNWIND_CFI : !strcmp(how, "libunwind") ? UNWIND_LIBUNWIND
		      : !strcmp(how, "check")                     ? UNWIND_CHECK
								  : UNWIND_CFI;
	u->acc = (unw_accessors_t){
		.find_proc_info = find_proc_info,
		.put_unwind_info = put_unwind_info,
		.get_dyn_info_list_addr = get_dyn_info_list_addr,
		.access_mem = access_mem,
		.access_reg = access_reg,
		.access_fpreg = access_fpreg,
		.resume = resume,
	};
	return u;
}

void usyms__delete(struct usyms *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < PROC_BUCKETS; i++) {
		struct uproc *p = u->procs[i], *next;

		for (; p; p = next) {
			next = p->next;
			if (p->as)
				unw_destroy_addr_space(p->as);
			forget_unwinds(p);
			free(p->memo);
			free(p->maps);
			free(p);
		}
	}
	taskmaps__free(u->recorded);
	unwind_cache__free(u->rows);
	while (u->dsos) {
		struct dso *next = u->dsos->next;

		dso_free(u->dsos);
		u->dsos = next;
	}
	free(u->times_ns);
	free(u);
}

static unsigned memo_slot(uint64_t ip, uint64_t sp)
{
	return (unsigned)(((ip ^ (sp << 7)) * 0x9e3779b97f4a7c15ULL) >> 56) % MEMO_SLOTS;
}

/* Whether s answers every sample read of m as the sample m was made from did. */
static bool memo_matches(const struct memo *m, const struct sample *s, uint64_t mask, uint64_t sp)
{
	for (unsigned i = 0; i < m->nreads; i++) {
		const struct memo_read *r = &m->reads[i];
		bool in_stack = r->addr >= sp && r->addr - sp + 8 <= s->stack_dyn_size;
		uint64_t v;

		switch (r->kind) {
		case MEMO_REG:
			if (sample_reg(s, mask, perf_reg_of_unw(r->addr), &v) || v != r->val)
				return false;
			break;
		case MEMO_REG_FAIL:
			if (!sample_reg(s, mask, perf_reg_of_unw(r->addr), &v))
				return false;
			break;
		case MEMO_STACK:
			if (!in_stack || memcmp((const char *)s->stack + (r->addr - sp), &r->val, 8))
				return false;
			break;
		case MEMO_NOT_STACK:
			if (in_stack)
				return false;
			break;
		}
	}
	return true;
}

static void remember(struct uproc *p, unsigned slot, uint64_t ip, uint64_t sp, const struct unwind_arg *a,
		     const uint64_t *ips, int n)
{
	size_t rsz = a->nreads * sizeof(struct memo_read), isz = (size_t)n * sizeof(uint64_t);
	struct memo *m;

	if (!p->memo && !(p->memo = calloc(MEMO_SLOTS, sizeof(*p->memo))))
		return;
	m = malloc(sizeof(*m) + rsz + isz);
	if (!m)
		return;
	*m = (struct memo){ ip, sp, a->nreads, (unsigned)n, (struct memo_read *)(m + 1), NULL };
	m->ips = (uint64_t *)((char *)m->reads + rsz);
	memcpy(m->reads, a->reads, rsz);
	memcpy(m->ips, ips, isz);
	free(p->memo[slot]);
	p->memo[slot] = m;
}

/* libunwind over the sample, or a remembered unwind of the same answers. */
static int unwind_libunwind(struct usyms *u, struct uproc *p, const struct sample *s, uint64_t mask, uint64_t ip,
			    uint64_t sp, uint64_t *ips, int max)
{
	struct memo_read reads[MEMO_READS];
	struct unwind_arg a = { .p = p, .s = s, .mask = mask, .sp = sp, .reads = reads };
	const struct memo *m;
	unw_cursor_t c;
	unsigned slot;
	int n = 0;

	if (!p->as)
		return 0;
	slot = memo_slot(ip, a.sp);
	m = p->memo ? p->memo[slot] : NULL;
	if (m && m->ip == ip && m->sp == a.sp && (int)m->nips <= max && memo_matches(m, s, mask, a.sp)) {
		memcpy(ips, m->ips, m->nips * sizeof(*ips));
		u->n_memo++;
		return (int)m->nips;
	}
	if (unw_init_remote(&c, p->as, &a))
		return 0;
	do {
		unw_word_t w;

		if (unw_get_reg(&c, UNW_REG_IP, &w) || !w)
			break;
		ips[n++] = w;
	} while (n < max && unw_step(&c) > 0);
	if (n && !a.overflow)
		remember(p, slot, ip, a.sp, &a, ips, n);
	return n;
}

static int module_of(void *arg, uint64_t addr, struct unwind_module *mod)
{
	const struct umap *m = find_map(arg, addr);

	if (!m || !m->dso || !m->dso->eh.bytes)
		return -1;
	*mod = (struct unwind_module){ m->dso, &m->dso->eh, m->dso->hdr_vaddr, m->bias };
	return 0;
}

/* Our own CFI unwinder (core/unwind): -ENOTSUP for what it leaves to libunwind. */
static int unwind_own(struct usyms *u, struct uproc *p, const struct sample *s, uint64_t mask, uint64_t sp,
		      uint64_t *ips, int max, unsigned *no_cfi)
{
	struct unwind_regs regs = { .known = 0 };
	struct unwind_stack st = { s->stack, s->stack_dyn_size, sp };

	for (unsigned r = 0; r < CFI_NREGS; r++)
		if (!sample_reg(s, mask, perf_reg_of_unw(r), &regs.val[r]))
			regs.known |= 1u << r;
	return unwind_cfi(u->rows, module_of, p, &regs, &st, ips, max, no_cfi);
}

/*
 * RAWTRACE_USTACK=check: both unwinders on every sample, the first differences shown.  Stacks
 * with frames without CFI are not compared: there each unwinder guesses in its own way.
 */
static void check_unwind(struct usyms *u, struct uproc *p, const uint64_t *ips, int n, const uint64_t *ref, int nref)
{
	u->n_checked++;
	if (n == nref && !memcmp(ips, ref, (size_t)n * sizeof(*ips)))
		return;
	if (u->n_differ++ < 10) {
		fprintf(stderr, "unwind check: pid %d (%s): ours", (int)p->pid, p->comm);
		for (int i = 0; i < n; i++)
			fprintf(stderr, " %llx", (unsigned long long)ips[i]);
		fprintf(stderr, "; libunwind");
		for (int i = 0; i < nref; i++)
			fprintf(stderr, " %llx", (unsigned long long)ref[i]);
		fprintf(stderr, "\n");
	}
}

static int unwind_dwarf(struct usyms *u, struct uproc *p, const struct sample *s, uint64_t mask,
			uint64_t *ips, int max)
{
	uint64_t ip, sp;
	unsigned no_cfi;
	int n;

	if (sample_reg(s, mask, PERF_REG_SP, &sp) || sample_reg(s, mask, PERF_REG_IP, &ip))
		return 0;
	/* Code the maps do not know yet (dlopen after our first look): look once more. */
	if (!find_map(p, ip) && !p->refreshed) {
		p->refreshed = true;
		reread_maps(u, p);
	}
	if (u->unwinder == UNWIND_LIBUNWIND)
		return unwind_libunwind(u, p, s, mask, ip, sp, ips, max);
	n = unwind_own(u, p, s, mask, sp, ips, max, &no_cfi);
	if (n > 0 && no_cfi)
		u->n_no_cfi++;
	if (u->unwinder == UNWIND_CHECK) {
		uint64_t ref[max > 0 ? max : 1];
		int nref = unwind_libunwind(u, p, s, mask, ip, sp, ref, max);

		if (n >= 0 && no_cfi) {
			u->n_unchecked++;
		} else if (n >= 0) {
			check_unwind(u, p, ips, n, ref, nref);
		} else {
			u->n_libunwind++;
			memcpy(ips, ref, (size_t)nref * sizeof(*ips));
		}
		return n >= 0 ? n : nref;
	}
	if (n >= 0)
		return n;
	u->n_libunwind++;
	return unwind_libunwind(u, p, s, mask, ip, sp, ips, max);
}

/* The user part of the kernel's callchain (frame pointers). */
static int unwind_fp(const struct sample *s, uint64_t *ips, int max)
{
	bool user = false;
	int n = 0;

	for (uint64_t i = 0; i < s->nr_ips && n < max; i++) {
		if (s->ips[i] >= PERF_CONTEXT_MAX) {
			user = s->ips[i] == PERF_CONTEXT_USER;
			continue;
		}
		if (user)
			ips[n++] = s->ips[i];
	}
	return n;
}

int usyms__unwind(struct usyms *u, const struct sample *s, uint64_t regs_mask, uint64_t *ips, int max,
		  enum ustack_how *how)
{
	struct uproc *p;
	int n = 0;

	*how = USTACK_NONE;
	/* A kernel thread, or a sample taken where the user registers are unknown. */
	if (s->abi == PERF_SAMPLE_REGS_ABI_NONE && !s->nr_ips)
		goto none;
	p = proc_get(u, (pid_t)s->pid);
	if (!p)
		goto none;
	if (s->abi != PERF_SAMPLE_REGS_ABI_NONE && s->stack_dyn_size) {
		struct timespec t0, t1;
		uint64_t ns;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		n = unwind_dwarf(u, p, s, regs_mask, ips, max);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)(t1.tv_nsec - t0.tv_nsec);
		if (u->ntimes < MAX_TIMES)
			u->times_ns[u->ntimes++] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
		if (n) {
			*how = USTACK_DWARF;
			u->n_dwarf++;
			return n;
		}
	}
	n = unwind_fp(s, ips, max);
	if (n) {
		*how = USTACK_FP;
		u->n_fp++;
		return n;
	}
none:
	u->n_none++;
	return 0;
}

void usyms__task_record(void *arg, const struct perf_event_header *h)
{
	struct usyms *u = arg;
	uint32_t changed = taskmaps__record(u->recorded, h);
	struct uproc *p;

	/* New code in a process we know: read its maps again before its next use. */
	if (changed && (p = proc_find(u, (pid_t)changed)))
		p->stale = true;
}

int usyms__capture(struct usyms *u, pid_t pid)
{
	struct uproc *p = proc_get(u, pid);

	if (!p)
		return -ENOMEM;
	return p->nmaps ? 0 : -ESRCH;
}

const char *usyms__comm(struct usyms *u, pid_t pid)
{
	/* The records name it exactly, even after an exec or once it is gone from /proc. */
	const char *recorded = taskmaps__comm(u->recorded, (uint32_t)pid);
	struct uproc *p;

	if (recorded)
		return recorded;
	p = proc_get(u, pid);
	return p ? p->comm : "[unknown]";
}

char *usyms__format(struct usyms *u, pid_t pid, uint64_t addr, unsigned flags, char *buf, size_t len)
{
	struct uproc *p = proc_get(u, pid);
	uint64_t look = (flags & USYM_RETADDR) && addr ? addr - 1 : addr;
	const struct umap *m = p ? find_map(p, look) : NULL;
	const struct usym *s = m && m->dso ? find_sym(m->dso, look - m->bias) : NULL;
	const char *base = m && m->dso ? strrchr(m->dso->path, '/') : NULL;
	int n;

	if (!s)
		n = snprintf(buf, len, "[unknown]");
	else if (flags & USYM_OFFSET)
		n = snprintf(buf, len, "%s+0x%llx", s->name, (unsigned long long)(addr - m->bias - s->vaddr));
	else
		n = snprintf(buf, len, "%s", s->name);
	if ((flags & USYM_MODULE) && m && m->dso && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " [%s]", base ? base + 1 : m->dso->path);
	return buf;
}

static int by_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void usyms__stats(const struct usyms *u, struct ustack_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->dwarf = u->n_dwarf;
	st->fp = u->n_fp;
	st->none = u->n_none;
	st->remembered = u->n_memo;
	st->libunwind = u->n_libunwind;
	st->checked = u->n_checked;
	st->differ = u->n_differ;
	st->unchecked = u->n_unchecked;
	st->no_cfi = u->n_no_cfi;
	st->timed = u->ntimes;
	if (!u->ntimes)
		return;
	qsort(u->times_ns, u->ntimes, sizeof(*u->times_ns), by_u32);
	st->median_us = u->times_ns[u->ntimes / 2] / 1000.0;
	st->p90_us = u->times_ns[u->ntimes * 9 / 10] / 1000.0;
}
