/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal valid PE32+ DLL for the kernel checks: headers, one .text page
 * with two DIR64 fixups, and its .reloc section.  Written by mini_pe().
 */
#ifndef KWINE_MINIPE_H
#define KWINE_MINIPE_H

#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define MINIPE_BASE	0x180000000ULL
#define MINIPE_SIZE	0x3000u		/* SizeOfImage */

static inline void mp_w16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void mp_w32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void mp_w64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static inline void mp_sec(uint8_t *s, const char *name, uint32_t vsize,
			  uint32_t va, uint32_t raw, uint32_t ptr, uint32_t flags)
{
	memcpy(s, name, strlen(name));
	mp_w32(s + 8, vsize);
	mp_w32(s + 12, va);
	mp_w32(s + 16, raw);
	mp_w32(s + 20, ptr);
	mp_w32(s + 36, flags);
}

/* Write the DLL to @path with @mode; returns 0 or -1 with errno set. */
static inline int mini_pe(const char *path, mode_t mode)
{
	uint8_t f[0x800] = { 0 }, *nt = f + 0x80, *opt = nt + 24;
	uint8_t *tab = opt + 240;
	ssize_t ret;
	int fd;

	f[0] = 'M';
	f[1] = 'Z';
	mp_w32(f + 0x3c, 0x80);
	memcpy(nt, "PE\0\0", 4);
	mp_w16(nt + 4, 0x8664);		/* AMD64 */
	mp_w16(nt + 6, 2);		/* sections */
	mp_w16(nt + 20, 240);		/* SizeOfOptionalHeader */
	mp_w16(nt + 22, 0x2022);	/* DLL, executable, large address */
	mp_w16(opt, 0x20b);		/* PE32+ */
	mp_w32(opt + 16, 0x1000);	/* entry point */
	mp_w64(opt + 24, MINIPE_BASE);
	mp_w32(opt + 32, 0x1000);	/* SectionAlignment */
	mp_w32(opt + 36, 0x200);	/* FileAlignment */
	mp_w16(opt + 40, 6);
	mp_w16(opt + 48, 6);
	mp_w32(opt + 56, MINIPE_SIZE);
	mp_w32(opt + 60, 0x400);	/* SizeOfHeaders */
	mp_w16(opt + 68, 3);		/* console */
	mp_w16(opt + 70, 0x0140);	/* DYNAMIC_BASE, NX_COMPAT */
	mp_w32(opt + 108, 16);		/* data directories */
	mp_w32(opt + 112 + 5 * 8, 0x2000);	/* base relocations */
	mp_w32(opt + 112 + 5 * 8 + 4, 12);
	mp_sec(tab, ".text", 0x200, 0x1000, 0x200, 0x400, 0x60000020);
	mp_sec(tab + 40, ".reloc", 12, 0x2000, 0x200, 0x600, 0x42000040);
	mp_w64(f + 0x400, MINIPE_BASE + 0x1010);
	mp_w64(f + 0x408, MINIPE_BASE + 0x1020);
	mp_w32(f + 0x600, 0x1000);	/* block: page 0x1000, 12 bytes */
	mp_w32(f + 0x604, 12);
	mp_w16(f + 0x608, 0xa000);
	mp_w16(f + 0x60a, 0xa008);

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	ret = write(fd, f, sizeof(f));
	close(fd);
	return ret == sizeof(f) ? 0 : -1;
}

#endif
