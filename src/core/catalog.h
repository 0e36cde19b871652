/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * catalog: one libtraceevent handle holding the formats of the events a tool uses, loaded
 * on demand from tracefs (loading all ~2000 formats costs ~300 ms; one costs ~0.2 ms).
 */
#ifndef RT_CATALOG_H
#define RT_CATALOG_H

#include <stddef.h>

struct tep_handle;
struct tep_event;
struct catalog;

/* New empty catalog (header_page parsed when tracefs is available). NULL + errno. */
struct catalog *catalog__new(void);
void catalog__delete(struct catalog *c);
struct tep_handle *catalog__tep(struct catalog *c);

/*
 * The event sys:name, parsing its format file from tracefs on first use.  NULL with errno
 * ENOENT (no such event), EACCES, or EINVAL (format could not be parsed).
 */
struct tep_event *catalog__event(struct catalog *c, const char *sys, const char *name);

/* Parse a format text (tests, fixtures). 0 or -EINVAL. */
int catalog__add_format(struct catalog *c, const char *sys, const char *buf, size_t len,
			struct tep_event **out);

#endif
