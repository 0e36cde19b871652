/* SPDX-License-Identifier: GPL-2.0-or-later */
/* syscalls: x86_64 syscall numbers <-> names, and errno names (pure tables). */
#ifndef RT_SYSCALLS_H
#define RT_SYSCALLS_H

/* Name of syscall nr, or NULL when unknown. */
const char *syscall_name(long nr);
/* Number of a syscall name ("openat"), or -1. */
long syscall_nr(const char *name);
/*
 * Number of the syscall behind a syscalls:sys_enter_X / sys_exit_X tracepoint, given X
 * ("newstat" -> 4), or -1.
 */
long syscall_nr_from_event(const char *event);
/* Highest known number + 1 (iterate 0..syscall_count()-1, skipping NULL names). */
long syscall_count(void);

/* "ENOENT" -> 2, "2" -> 2; -1 when neither a known name nor a positive number. */
int errno_parse(const char *s);
/* 2 -> "ENOENT", or NULL. */
const char *errno_name(int e);

#endif
