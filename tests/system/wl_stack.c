// SPDX-License-Identifier: GPL-2.0-or-later
/* wl_stack: placeholder workload. */
int main(void)
{
	return 0;
}
