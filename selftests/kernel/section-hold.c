// SPDX-License-Identifier: GPL-2.0
/*
 * kwine check helper: hold one kind of reference on the ntsync module and
 * wait until stdin closes, so that scripts/guest/module-check can try to
 * unload the module meanwhile.
 *
 *   section-hold device    /dev/ntsync open
 *   section-hold object    an event object, the device closed
 *   section-hold section   an image section, the device closed
 *   section-hold mapping   a mapping of a section, everything else closed
 *   section-hold opath     an O_PATH open of a mapping's /proc/self/map_files
 *                          entry (needs CAP_SYS_ADMIN), the mapping and
 *                          everything else gone
 *
 * Prints "ready" once it holds it; exits 0 when stdin closes, 1 on error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/ntsync.h>

#include "minipe.h"

static int fail(const char *what)
{
	printf("section-hold: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "";
	struct ntsync_event_args ev = { 0 };
	struct ntsync_section_args args = { 0 };
	const char *path = "/tmp/section-hold.dll";
	int dev, obj = -1;
	char c;
	void *p;

	dev = open("/dev/ntsync", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return fail("/dev/ntsync");
	if (!strcmp(how, "object")) {
		obj = ioctl(dev, NTSYNC_IOC_CREATE_EVENT, &ev);
		if (obj < 0)
			return fail("create event");
		close(dev);
	} else if (!strcmp(how, "section") || !strcmp(how, "mapping") ||
		   !strcmp(how, "opath")) {
		if (mini_pe(path, 0644))
			return fail(path);
		args.fd = open(path, O_RDONLY | O_CLOEXEC);
		if (args.fd < 0)
			return fail(path);
		obj = ioctl(dev, NTSYNC_IOC_CREATE_SECTION, &args);
		if (obj < 0)
			return fail("create section");
		close(args.fd);
		close(dev);
		if (!strcmp(how, "mapping") || !strcmp(how, "opath")) {
			p = mmap(NULL, MINIPE_SIZE, PROT_READ, MAP_PRIVATE, obj, 0);
			if (p == MAP_FAILED)
				return fail("mmap");
			close(obj);
			/* The first fixup: ImageBase + 0x1010, relocated. */
			if (*(volatile uint64_t *)((char *)p + 0x1000) !=
			    (uint64_t)p + 0x1010)
				return fail("relocation");
		}
		if (!strcmp(how, "opath")) {
			char link[64];

			snprintf(link, sizeof(link), "/proc/self/map_files/%lx-%lx",
				 (unsigned long)p,
				 (unsigned long)p + MINIPE_SIZE);
			obj = open(link, O_PATH | O_CLOEXEC);
			if (obj < 0)
				return fail(link);
			if (munmap(p, MINIPE_SIZE))
				return fail("munmap");
		}
	} else if (strcmp(how, "device")) {
		fprintf(stderr, "usage: section-hold device|object|section|mapping|opath\n");
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return 0;
}
