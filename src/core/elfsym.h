/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * elfsym: function symbols of an ELF file (.symtab and .dynsym, via libelf) with the file
 * offsets that uprobes need (vaddr -> containing PT_LOAD -> p_offset + (vaddr - p_vaddr)).
 */
#ifndef RT_ELFSYM_H
#define RT_ELFSYM_H

#include <stdint.h>

struct elf_func {
	const char *name;   /* valid during the callback only */
	uint64_t vaddr;
	uint64_t size;
	uint64_t file_off;  /* uprobe offset */
	int is_global;
};

/*
 * Call cb for every defined STT_FUNC / STT_GNU_IFUNC symbol of the file (both tables;
 * the same address may be reported under several names).  cb returns nonzero to stop.
 * 0, or -errno (-ENOENT: no file, -ENOEXEC: not an ELF file).
 */
int elfsym_foreach_func(const char *path, int (*cb)(void *arg, const struct elf_func *f), void *arg);

#endif
