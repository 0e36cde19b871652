// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * elfsym: list the function symbols of an ELF file with libelf and translate each
 * virtual address into the file offset a uprobe is placed at.  Both .symtab and .dynsym
 * are read because stripped libraries only keep the latter and static functions only
 * appear in the former.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <unistd.h>
#include "core/elfsym.h"

struct load_seg {
	uint64_t vaddr, filesz, offset;
};

/* The PT_LOAD segments; *segs is malloc'd (NULL when there are none). */
static int load_segments(Elf *elf, struct load_seg **segs, size_t *nsegs)
{
	struct load_seg *s;
	size_t phnum, i, n = 0;
	GElf_Phdr ph;

	*segs = NULL;
	*nsegs = 0;
	if (elf_getphdrnum(elf, &phnum))
		return -ENOEXEC;
	if (!phnum)
		return 0;
	s = calloc(phnum, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (i = 0; i < phnum; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		s[n].vaddr = ph.p_vaddr;
		s[n].filesz = ph.p_filesz;
		s[n].offset = ph.p_offset;
		n++;
	}
	*segs = s;
	*nsegs = n;
	return 0;
}

/*
 * Only the file-backed part of a segment counts: an address in the zero-filled tail
 * (p_filesz..p_memsz) has no bytes in the file for a uprobe to patch.
 */
static int vaddr_to_off(const struct load_seg *segs, size_t n, uint64_t vaddr, uint64_t *off)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (vaddr >= segs[i].vaddr && vaddr - segs[i].vaddr < segs[i].filesz) {
			*off = vaddr - segs[i].vaddr + segs[i].offset;
			return 0;
		}
	}
	return -ENOENT;
}

static int walk_symtab(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, const struct load_seg *segs,
		       size_t nsegs, int (*cb)(void *arg, const struct elf_func *f), void *arg)
{
	struct elf_func f;
	Elf_Data *data;
	GElf_Sym sym;
	size_t i, count;
	int type, bind;

	if (!sh->sh_entsize)
		return 0;
	count = sh->sh_size / sh->sh_entsize;
	data = elf_getdata(scn, NULL);
	if (!data)
		return 0;
	for (i = 0; i < count; i++) {
		if (!gelf_getsym(data, (int)i, &sym))
			break;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF ||
		    !sym.st_value)
			continue;
		f.name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!f.name || !*f.name)
			continue;
		if (vaddr_to_off(segs, nsegs, sym.st_value, &f.file_off))
			continue;
		bind = GELF_ST_BIND(sym.st_info);
		f.vaddr = sym.st_value;
		f.size = sym.st_size;
		/* Weak and unique symbols are as visible to other objects as global ones. */
		f.is_global = bind == STB_GLOBAL || bind == STB_WEAK || bind == STB_GNU_UNIQUE;
		if (cb(arg, &f))
			return 1;
	}
	return 0;
}

int elfsym_foreach_func(const char *path, int (*cb)(void *arg, const struct elf_func *f), void *arg)
{
	struct load_seg *segs = NULL;
	size_t nsegs = 0;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf *elf;
	int fd, rc;

	if (!path || !cb)
		return -EINVAL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOEXEC;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		rc = -ENOEXEC;
		goto out;
	}
	rc = load_segments(elf, &segs, &nsegs);
	while (!rc && (scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM)
			continue;
		if (walk_symtab(elf, scn, &sh, segs, nsegs, cb, arg))
			break;
	}
	free(segs);
out:
	elf_end(elf);
	close(fd);
	return rc;
}
