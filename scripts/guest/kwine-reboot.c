// SPDX-License-Identifier: GPL-2.0
/*
 * End the guest run: sync and reboot.  QEMU runs with -no-reboot, so the
 * reboot makes it exit.  PID 1 must not simply exit (that panics), and the
 * minimal guest root has no reboot(8) that works without an init system.
 */
#include <stdio.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(void)
{
	sync();
	reboot(RB_AUTOBOOT);
	perror("reboot");
	return 1;
}
