// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * catalog: event formats on demand.  A tool needs a handful of the kernel's thousands of
 * tracepoints, so each format file is read from tracefs and parsed the first time the event
 * is asked for and then served from the libtraceevent handle.
 */
#include <errno.h>
#include <event-parse.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <tracefs.h>
#include <unistd.h>
#include "core/catalog.h"

struct catalog {
	struct tep_handle *tep;
};

/* header_page only matters for reading ftrace ring pages; without it tep keeps defaults. */
static void load_header_page(struct tep_handle *tep)
{
	char *buf;
	int size = 0;

	if (!tracefs_tracing_dir())
		return;
	buf = tracefs_instance_file_read(NULL, "events/header_page", &size);
	if (buf && size > 0)
		tep_parse_header_page(tep, buf, size, sizeof(long));
	free(buf);
}

struct catalog *catalog__new(void)
{
	struct catalog *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->tep = tep_alloc();
	if (!c->tep) {
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	/* Records come from the running kernel: its long size, page size and byte order. */
	tep_set_long_size(c->tep, sizeof(long));
	tep_set_page_size(c->tep, (int)sysconf(_SC_PAGESIZE));
	tep_set_file_bigendian(c->tep, tep_is_bigendian() ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	load_header_page(c->tep);
	return c;
}

void catalog__delete(struct catalog *c)
{
	if (!c)
		return;
	tep_free(c->tep);
	free(c);
}

struct tep_handle *catalog__tep(struct catalog *c)
{
	return c->tep;
}

int catalog__add_format(struct catalog *c, const char *sys, const char *buf, size_t len,
			struct tep_event **out)
{
	struct tep_event *ev = NULL;

	if (!buf || !len || tep_parse_format(c->tep, &ev, buf, len, sys) || !ev)
		return -EINVAL;
	if (out)
		*out = ev;
	return 0;
}

/* A name that could leave its directory under events/ names no event. */
static bool valid_name(const char *s)
{
	return s && *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

struct tep_event *catalog__event(struct catalog *c, const char *sys, const char *name)
{
	struct tep_event *ev;
	char *buf;
	int size = 0, ret;

	if (!valid_name(sys) || !valid_name(name)) {
		errno = ENOENT;
		return NULL;
	}
	ev = tep_find_event_by_name(c->tep, sys, name);
	if (ev)
		return ev;

	buf = tracefs_event_file_read(NULL, sys, name, "format", &size);
	if (!buf) {
		/* Everything but a permission problem means the event is not there. */
		if (errno != EACCES && errno != EPERM)
			errno = ENOENT;
		else
			errno = EACCES;
		return NULL;
	}
	ret = size > 0 ? catalog__add_format(c, sys, buf, (size_t)size, &ev) : -EINVAL;
	free(buf);
	if (ret) {
		errno = EINVAL;
		return NULL;
	}
	return ev;
}
