// SPDX-License-Identifier: GPL-2.0-or-later
/* wl_block: placeholder workload. */
int main(void)
{
	return 0;
}
