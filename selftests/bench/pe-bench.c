// SPDX-License-Identifier: GPL-2.0
/*
 * kwine benchmark: ntsync image sections against what Wine does today.
 *
 * The image: a generated 64 MiB PE32+ file whose sections are file-aligned
 * at 4 KiB (so the file can also be mapped as it is), with a DIR64 fixup
 * every 128 bytes, mapped at a base 16 MiB above its preferred one.
 *
 *   1. Load and touch 5% of the pages (one in twenty, spread out):
 *      page-in relocation (create a section, mmap, read the pages) against
 *      eager relocation in user space (mmap the file privately, apply the
 *      whole relocation table, read the pages).
 *   2. Memory: 8 processes map the image at the same address and read all
 *      of it; the sum of their Pss for the mapping against the size of one
 *      relocated copy, for sections and for eager relocation.
 *   3. Fault cost: reading every page of a relocated section mapping
 *      against reading every page of a plain private mapping of the file
 *      (unrelocated, the floor), per page.
 *
 * Runs alternate between the two sides so both see the same machine; each
 * figure is the median of the runs.  Prints "# bench: ..." lines.
 *
 *   pe-bench [runs]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/ntsync.h>

#define IMAGE_SIZE	(64u << 20)
#define PAGE		4096u
#define FIXUP_STRIDE	128u
#define PREFERRED	0x7e0000000000ull
#define DELTA		(16ull << 20)
#define NPROC		8

static int dev;
static const char *path = "/tmp/pe-bench.dll";
static uint32_t reloc_rva, reloc_size, data_pages;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void die(const char *what)
{
	printf("# %s: %s\nnot ok 1 pe_bench\n", what, strerror(errno));
	exit(1);
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* Headers, one data section, one .reloc section; file layout = image. */
static void make_image(void)
{
	uint32_t per_page = PAGE / FIXUP_STRIDE;
	uint8_t *f, *o, *sh;
	uint32_t i, j, off;
	int fd;

	data_pages = (IMAGE_SIZE - PAGE) / PAGE;
	reloc_size = data_pages * (8 + per_page * 2);
	reloc_rva = PAGE + data_pages * PAGE;
	f = calloc(1, reloc_rva + reloc_size + PAGE);
	if (!f)
		die("calloc");
	o = f + 0x98;
	put16(f, 0x5a4d);
	put32(f + 0x3c, 0x80);
	put32(f + 0x80, 0x4550);
	put16(f + 0x84, 0x8664);
	put16(f + 0x86, 2);
	put16(f + 0x94, 112 + 16 * 8);
	put16(f + 0x96, 0x2022);
	put16(o, 0x20b);
	put64(o + 24, PREFERRED);
	put32(o + 32, PAGE);
	put32(o + 36, PAGE);
	put32(o + 56, reloc_rva + ((reloc_size + PAGE - 1) & ~(PAGE - 1)));
	put32(o + 60, PAGE);
	put32(o + 108, 16);
	put32(o + 112 + 5 * 8, reloc_rva);
	put32(o + 112 + 5 * 8 + 4, reloc_size);
	sh = o + 112 + 16 * 8;
	memcpy(sh, ".data", 5);
	put32(sh + 8, data_pages * PAGE);
	put32(sh + 12, PAGE);
	put32(sh + 16, data_pages * PAGE);
	put32(sh + 20, PAGE);
	put32(sh + 36, 0xc0000040);
	sh += 40;
	memcpy(sh, ".reloc", 6);
	put32(sh + 8, reloc_size);
	put32(sh + 12, reloc_rva);
	put32(sh + 16, (reloc_size + PAGE - 1) & ~(PAGE - 1));
	put32(sh + 20, reloc_rva);
	put32(sh + 36, 0x42000040);

	for (i = 0; i < data_pages; i++)
		for (j = 0; j < PAGE; j += 8)
			put64(f + PAGE + i * PAGE + j, PREFERRED + i * PAGE + j);
	off = reloc_rva;
	for (i = 0; i < data_pages; i++) {
		put32(f + off, PAGE + i * PAGE);
		put32(f + off + 4, 8 + per_page * 2);
		off += 8;
		for (j = 0; j < per_page; j++, off += 2)
			put16(f + off, 0xa000 | (j * FIXUP_STRIDE));
	}

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("create image");
	off = reloc_rva + ((reloc_size + PAGE - 1) & ~(PAGE - 1));
	if (write(fd, f, off) != off)
		die("write image");
	close(fd);
	free(f);
}

static int open_image(void)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		die("open image");
	return fd;
}

static size_t map_len(void)
{
	return reloc_rva + ((reloc_size + PAGE - 1) & ~(PAGE - 1));
}

/* Map through a section at PREFERRED + DELTA. */
static uint8_t *map_section(int *secp)
{
	struct ntsync_section_args args = { .fd = open_image() };
	uint8_t *map;
	int sec;

	sec = ioctl(dev, NTSYNC_IOC_CREATE_SECTION, &args);
	close(args.fd);
	if (sec < 0)
		die("NTSYNC_IOC_CREATE_SECTION");
	map = mmap((void *)(PREFERRED + DELTA), map_len(), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_FIXED_NOREPLACE, sec, 0);
	if (map == MAP_FAILED)
		die("mmap section");
	*secp = sec;
	return map;
}

/* What Wine does today: map the file privately, relocate everything. */
static uint8_t *map_eager(void)
{
	int fd = open_image();
	uint8_t *map, *rel, *end;
	uint64_t delta = DELTA;

	map = mmap((void *)(PREFERRED + DELTA), map_len(), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		die("mmap file");
	memcpy(map + 0x98 + 24, &(uint64_t){ PREFERRED + DELTA }, 8);
	rel = map + reloc_rva;
	end = rel + reloc_size;
	while (rel + 8 < end) {
		uint32_t va, size, n;
		uint16_t *e;

		memcpy(&va, rel, 4);
		memcpy(&size, rel + 4, 4);
		if (!size)
			break;
		e = (uint16_t *)(rel + 8);
		for (n = 0; n < (size - 8) / 2; n++)
			if (e[n] >> 12 == 10)
				*(uint64_t *)(map + va + (e[n] & 0xfff)) += delta;
		rel += size;
	}
	return map;
}

static uint64_t touch(const uint8_t *map, uint32_t step)
{
	uint64_t sum = 0;

	for (uint32_t i = 1; i <= data_pages; i += step)
		sum += *(const volatile uint64_t *)(map + (size_t)i * PAGE);
	return sum;
}

/*
 * Faults on a relocated mapping whose pages another process has already
 * built: this process maps and reads it, a child maps the same file at the
 * same address and times reading every page.
 */
static uint64_t warm_fault_ns(void)
{
	uint64_t ns = 0;
	uint8_t *map;
	int sec, p[2];

	map = map_section(&sec);
	touch(map, 1);
	if (pipe(p))
		die("pipe");
	if (!fork()) {
		uint64_t t;
		int sec2;

		munmap(map, map_len());
		map = map_section(&sec2);
		t = now_ns();
		touch(map, 1);
		t = now_ns() - t;
		_exit(write(p[1], &t, sizeof(t)) != sizeof(t));
	}
	if (read(p[0], &ns, sizeof(ns)) != sizeof(ns))
		die("warm child");
	wait(NULL);
	close(p[0]);
	close(p[1]);
	munmap(map, map_len());
	close(sec);
	return ns;
}

/* Both ways of loading must read the same relocated values. */
static void check_sum(const char *side, uint64_t got, uint64_t want)
{
	if (got == want)
		return;
	printf("# %s read %llx, want %llx\nnot ok 1 pe_bench\n", side,
	       (unsigned long long)got, (unsigned long long)want);
	exit(1);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

/* Pss in kB of the mapping at addr in this process. */
static long pss_kb(void *addr)
{
	char line[256], want[32];
	long pss = -1;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		die("smaps");
	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strncmp(line, want, strlen(want)) == 0)
			in = 1;
		else if (in && sscanf(line, "Pss: %ld kB", &pss) == 1)
			break;
	}
	fclose(f);
	return pss;
}

/* NPROC children map the image at one address and read all of it. */
static long total_pss(int section)
{
	int to_parent[2], go[2], done[2];
	long total = 0, kb;
	char c;
	int i;

	if (pipe(to_parent) || pipe(go) || pipe(done))
		die("pipe");
	for (i = 0; i < NPROC; i++) {
		if (!fork()) {
			uint8_t *map;
			int sec = -1;

			map = section ? map_section(&sec) : map_eager();
			touch(map, 1);
			for (uint32_t p = 0; p < map_len() / PAGE; p++)
				(void)*(volatile uint8_t *)(map + p * PAGE);
			if (write(to_parent[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
				_exit(1);
			kb = pss_kb(map);
			if (write(to_parent[1], &kb, sizeof(kb)) != sizeof(kb) ||
			    read(done[0], &c, 1) != 1)
				_exit(1);
			_exit(0);
		}
	}
	for (i = 0; i < NPROC; i++)
		if (read(to_parent[0], &c, 1) != 1)
			die("child");
	/* Everyone has read everything: now measure, all still mapped. */
	for (i = 0; i < NPROC; i++)
		if (write(go[1], "m", 1) != 1)
			die("go");
	for (i = 0; i < NPROC; i++) {
		if (read(to_parent[0], &kb, sizeof(kb)) != sizeof(kb) || kb < 0)
			die("pss");
		total += kb;
	}
	for (i = 0; i < NPROC; i++)
		if (write(done[1], "x", 1) != 1)
			die("done");
	while (wait(NULL) > 0)
		;
	close(to_parent[0]);
	close(to_parent[1]);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	return total;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 5, i, sec;
	uint64_t *t_sec, *t_eager, *f_sec, *f_plain, *f_warm, t;
	uint64_t want = 0, got;
	long one_copy, pss_sec, pss_eager;
	uint8_t *map;

	printf("KTAP version 1\n1..1\n");
	dev = open("/dev/ntsync", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		die("/dev/ntsync");
	t = now_ns();
	make_image();
	printf("# image written in %.1f s\n", (now_ns() - t) / 1e9);
	fflush(stdout);
	t_sec = calloc(runs, 8);
	t_eager = calloc(runs, 8);
	f_sec = calloc(runs, 8);
	f_plain = calloc(runs, 8);
	f_warm = calloc(runs, 8);

	for (uint32_t p = 1; p <= data_pages; p += 20)
		want += PREFERRED + DELTA + (uint64_t)(p - 1) * PAGE;
	for (i = 0; i < runs; i++) {
		t = now_ns();
		map = map_section(&sec);
		got = touch(map, 20);
		munmap(map, map_len());
		close(sec);
		t_sec[i] = now_ns() - t;
		check_sum("section", got, want);

		t = now_ns();
		map = map_eager();
		got = touch(map, 20);
		munmap(map, map_len());
		t_eager[i] = now_ns() - t;
		check_sum("eager", got, want);

		/* Fault cost: every page of the section, every page of the file. */
		map = map_section(&sec);
		t = now_ns();
		touch(map, 1);
		f_sec[i] = now_ns() - t;
		munmap(map, map_len());
		close(sec);
		sec = open_image();
		map = mmap(NULL, map_len(), PROT_READ | PROT_WRITE, MAP_PRIVATE, sec, 0);
		close(sec);
		if (map == MAP_FAILED)
			die("mmap file");
		t = now_ns();
		touch(map, 1);
		f_plain[i] = now_ns() - t;
		munmap(map, map_len());
		f_warm[i] = warm_fault_ns();
		printf("# run %d: page-in %.1f ms, eager %.1f ms, faults: first %.1f, built %.1f, plain %.1f ms\n",
		       i, t_sec[i] / 1e6, t_eager[i] / 1e6, f_sec[i] / 1e6,
		       f_warm[i] / 1e6, f_plain[i] / 1e6);
		fflush(stdout);
	}

	one_copy = map_len() / 1024;
	pss_sec = total_pss(1);
	printf("# %d processes, sections: %ld kB\n", NPROC, pss_sec);
	fflush(stdout);
	pss_eager = total_pss(0);

	t = median(t_sec, runs);
	got = median(t_eager, runs);
	printf("# bench: pe load+touch 5%% of 64 MiB: page-in %.1f ms, eager %.1f ms, eager/page-in %.1fx (goal >= 10x)\n",
	       t / 1e6, got / 1e6, (double)got / t);
	printf("# bench: pe memory, %d processes: sections %ld kB, eager %ld kB, one copy %ld kB; sections/one copy %.2fx (goal <= 1.2x), eager/one copy %.2fx\n",
	       NPROC, pss_sec, pss_eager, one_copy, (double)pss_sec / one_copy,
	       (double)pss_eager / one_copy);
	t = median(f_sec, runs);
	got = median(f_plain, runs);
	printf("# bench: pe fault cost per page, pages already relocated (shared): %.2f us, plain file mapping %.2f us, ratio %.2fx (goal <= 1.5x)\n",
	       median(f_warm, runs) / 1e3 / data_pages, got / 1e3 / data_pages,
	       (double)median(f_warm, runs) / got);
	printf("# bench: pe fault cost per page, first touch (relocating): %.2f us, ratio to plain %.2fx\n",
	       t / 1e3 / data_pages, (double)t / got);
	unlink(path);
	printf("ok 1 pe_bench\n");
	return 0;
}
