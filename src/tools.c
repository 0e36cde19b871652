// SPDX-License-Identifier: GPL-2.0-or-later
/* tools: the dispatch table generated from tools.def. */
#include <string.h>
#include "tool.h"

#define X(n) extern const struct tool_desc tool_##n;
#include "tools.def"
#undef X

const struct tool_desc *const rt_tools[] = {
#define X(n) &tool_##n,
#include "tools.def"
#undef X
};
const unsigned rt_ntools = sizeof(rt_tools) / sizeof(rt_tools[0]);

const struct tool_desc *tool_find(const char *name)
{
	for (unsigned i = 0; i < rt_ntools; i++)
		if (!strcmp(rt_tools[i]->name, name))
			return rt_tools[i];
	return NULL;
}
