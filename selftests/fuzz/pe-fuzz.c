// SPDX-License-Identifier: GPL-2.0
/*
 * pe-fuzz: feed mutated PE images to ntsync image sections.
 *
 * Each round takes a valid image (a generated PE32 or PE32+ image with
 * random sections and relocations, or one of the PE files found under
 * the directories given with -d), mutates it with a seeded generator
 * (byte flips, header fields set to edge values, relocation entries with
 * random types and offsets, truncation), writes it to a file, and then
 * creates a section from it, queries it, maps it at a base other than its
 * preferred one, and reads every page of the mapping (and writes one).
 *
 * The kernel's answer may be any documented errno; what fails the run is
 * an undocumented errno, a mapping that cannot be read (SIGBUS/SIGSEGV),
 * or the kernel itself complaining, which the harness finds in the
 * console log.  Prints KTAP and ends with "N passed, N failed".
 *
 *   pe-fuzz [-s SEED] [-n COUNT] [-d DIR]...
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/ntsync.h>

#define MAX_SEEDS 64
#define MAX_SEED_SIZE (8u << 20)

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static uint32_t rnd_below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

struct image {
	uint8_t *data;
	size_t size;
	char name[512];
};

/* A valid image: 1-6 sections, random relocations in a .reloc section. */
static void generate(struct image *img)
{
	int plus = rnd() & 1, nsec = 1 + rnd_below(6), i;
	uint32_t opt = 0x98, dirs = plus ? 112 : 96;
	uint32_t table = opt + dirs + 16 * 8, hdr = 0x400;
	uint32_t rva = 0x1000, raw = hdr, reloc_rva, reloc_raw, rsize = 0;
	uint8_t *f, *o;

	img->size = 0x400 + 7 * 0x3000 + 0x2000;
	f = img->data = calloc(1, img->size);
	o = f + opt;
	put16(f, 0x5a4d);
	put32(f + 0x3c, 0x80);
	put32(f + 0x80, 0x4550);
	put16(f + 0x84, plus ? 0x8664 : 0x14c);
	put16(f + 0x86, nsec + 1);
	put16(f + 0x94, dirs + 16 * 8);
	put16(f + 0x96, 0x2102);
	put16(o, plus ? 0x20b : 0x10b);
	if (plus)
		put64(o + 24, 0x180000000ull);
	else
		put32(o + 28, 0x10000000);
	put32(o + 32, 0x1000);
	put32(o + 36, 0x200);
	put32(o + 60, hdr);
	put32(o + (plus ? 108 : 92), 16);
	for (i = 0; i < nsec; i++) {
		uint8_t *sh = f + table + i * 40;
		uint32_t vsize = 1 + rnd_below(0x2fff);
		uint32_t rsz = (rnd_below(vsize + 0x200) + 0x1ff) & ~0x1ffu;

		memcpy(sh, ".sect", 5);
		put32(sh + 8, vsize);
		put32(sh + 12, rva);
		put32(sh + 16, rsz);
		put32(sh + 20, rsz ? raw : 0);
		put32(sh + 36, 0x60000020);
		for (uint32_t j = 0; j < rsz; j++)
			f[raw + j] = rnd();
		raw += rsz;
		rva += (vsize + 0xfff) & ~0xfffu;
	}
	/* .reloc: blocks for random pages of the image so far. */
	reloc_rva = rva;
	reloc_raw = raw;
	for (i = 0; i < 1 + (int)rnd_below(6); i++) {
		uint32_t count = 2 * (1 + rnd_below(10)), page = rnd_below(rva / 0x1000) * 0x1000;
		uint8_t *b = f + reloc_raw + rsize;

		put32(b, page);
		put32(b + 4, 8 + count * 2);
		for (uint32_t j = 0; j < count; j++) {
			static const uint16_t types[] = { 0, 1, 2, 3, 10 };
			uint16_t type = types[rnd_below(5)], off = rnd_below(0x1000 - 8);

			put16(b + 8 + j * 2, type << 12 | off);
		}
		rsize += 8 + count * 2;
	}
	{
		uint8_t *sh = f + table + nsec * 40;

		memcpy(sh, ".reloc", 6);
		put32(sh + 8, rsize);
		put32(sh + 12, reloc_rva);
		put32(sh + 16, (rsize + 0x1ff) & ~0x1ffu);
		put32(sh + 20, reloc_raw);
		raw += (rsize + 0x1ff) & ~0x1ffu;
		rva += (rsize + 0xfff) & ~0xfffu;
	}
	put32(o + dirs + 5 * 8, reloc_rva);
	put32(o + dirs + 5 * 8 + 4, rsize);
	put32(o + 56, rva);
	img->size = raw;
	snprintf(img->name, sizeof(img->name), "generated %s", plus ? "PE32+" : "PE32");
}

static int nseeds;
static struct image seeds[MAX_SEEDS];

/*
 * Load up to MAX seed images from DIR.  Each -d directory gets an equal
 * share of the seed slots still free, so that the 32-bit DLL directory
 * given after the 64-bit one (hundreds of files each) is not left out.
 */
static void load_seeds(const char *dir, int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int limit = nseeds + max;

	if (!d)
		return;
	if (limit > MAX_SEEDS)
		limit = MAX_SEEDS;
	while (nseeds < limit && (e = readdir(d))) {
		char path[512];
		struct stat st;
		int fd;

		if (!strcasestr(e->d_name, ".dll") && !strcasestr(e->d_name, ".exe"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0x400 &&
		    st.st_size <= MAX_SEED_SIZE) {
			struct image *s = &seeds[nseeds];

			s->data = malloc(st.st_size);
			if (s->data && read(fd, s->data, st.st_size) == st.st_size &&
			    get16(s->data) == 0x5a4d) {
				s->size = st.st_size;
				snprintf(s->name, sizeof(s->name), "%s", path);
				nseeds++;
			} else {
				free(s->data);
			}
		}
		close(fd);
	}
	closedir(d);
}

/* Offsets of the header fields most worth breaking. */
static uint32_t header_field(const uint8_t *f, size_t size)
{
	uint32_t nt = size >= 0x40 ? get32(f + 0x3c) : 0;
	static const uint16_t fields[] = {
		0x3c, 0, 4, 6, 20, 22, 24, 24 + 16, 24 + 24, 24 + 28, 24 + 32,
		24 + 36, 24 + 56, 24 + 60, 24 + 92, 24 + 96 + 40, 24 + 96 + 44,
		24 + 108, 24 + 112 + 40, 24 + 112 + 44,
	};
	uint32_t i = rnd_below(sizeof(fields) / sizeof(fields[0]));

	return i == 0 ? 0x3c : nt + fields[i];
}

static void mutate(uint8_t *f, size_t *size)
{
	int rounds = 1 + rnd_below(4);

	while (rounds--) {
		uint32_t at, v;
		static const uint32_t edges[] = {
			0, 1, 0x1ff, 0x200, 0xfff, 0x1000, 0x7fffffff, 0x80000000,
			0xfffffff8, 0xfffff000, 0xffffffff, 0x40000001,
		};

		switch (rnd_below(6)) {
		case 0:	/* flip bits anywhere in the first 4 KiB */
			at = rnd_below(*size < 0x1000 ? *size : 0x1000);
			f[at] ^= 1 << rnd_below(8);
			break;
		case 1:	/* a header field to an edge value */
		case 2:
			at = header_field(f, *size);
			v = edges[rnd_below(sizeof(edges) / sizeof(edges[0]))];
			if (at + 4 <= *size)
				put32(f + at, v);
			break;
		case 3:	/* a section header field */
			at = *size >= 0x40 ? get32(f + 0x3c) : 0;
			if (!at || at > *size - 32)
				break;
			at += 24 + get16(f + at + 20) + rnd_below(8) * 40 +
			      8 + 4 * rnd_below(4);
			if (at + 4 <= *size)
				put32(f + at, rnd() & 1 ? (uint32_t)rnd() :
				      edges[rnd_below(sizeof(edges) / sizeof(edges[0]))]);
			break;
		case 4:	/* random bytes anywhere */
			at = rnd_below(*size);
			f[at] = rnd();
			break;
		case 5:	/* truncate */
			if (rnd_below(4) == 0)
				*size = rnd_below(*size) + 1;
			break;
		}
	}
}

static sigjmp_buf fault_jmp;

static void on_fault(int sig)
{
	siglongjmp(fault_jmp, sig);
}

/* Read every page and write one byte; the signal number if that faults. */
static int touch(uint8_t *const volatile map, const volatile size_t len)
{
	volatile uint8_t sum = 0;
	int sig = sigsetjmp(fault_jmp, 1);

	if (sig)
		return sig;
	for (size_t i = 0; i < len; i += 4096)
		sum += map[i];
	map[rnd_below(len)] ^= 1;
	return 0;
}

static int documented(int err, int create)
{
	if (create)
		return err == ENOEXEC || err == EFBIG || err == ENOMEM;
	return err == EINVAL || err == ENOMEM || err == EPERM || err == EACCES ||
	       err == EEXIST;
}

int main(int argc, char **argv)
{
	unsigned long count = 2000, seed = 1, created = 0, mapped = 0, refused = 0;
	unsigned long errs[256] = { 0 };
	int dev, opt, failed = 0;
	char path[] = "/tmp/pe-fuzz-XXXXXX";
	struct timespec t0, t1;
	uint8_t *buf = malloc(MAX_SEED_SIZE);
	const char *dirs[MAX_SEEDS];
	int ndirs = 0;

	while ((opt = getopt(argc, argv, "s:n:d:")) != -1) {
		if (opt == 's')
			seed = strtoul(optarg, NULL, 0);
		else if (opt == 'n')
			count = strtoul(optarg, NULL, 0);
		else if (opt == 'd' && ndirs < MAX_SEEDS)
			dirs[ndirs++] = optarg;
	}
	/* What a directory cannot fill goes to those after it. */
	for (int i = 0; i < ndirs; i++)
		load_seeds(dirs[i], (MAX_SEEDS - nseeds) / (ndirs - i));
	rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
	printf("KTAP version 1\n1..1\n# seed %lu, %lu images, %d real seed files\n",
	       seed, count, nseeds);
	fflush(stdout);
	dev = open("/dev/ntsync", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		printf("not ok 1 pe_fuzz # /dev/ntsync: %s\n", strerror(errno));
		printf("0 passed, 1 failed\n");
		return 1;
	}
	signal(SIGBUS, on_fault);
	signal(SIGSEGV, on_fault);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	for (unsigned long n = 0; n < count && !failed; n++) {
		struct ntsync_section_args args = { 0 };
		struct ntsync_section_info info;
		struct image gen = { 0 }, *src;
		size_t size;
		int fd, sec, sig;

		if (nseeds && rnd_below(3) == 0) {
			src = &seeds[rnd_below(nseeds)];
		} else {
			generate(&gen);
			src = &gen;
		}
		size = src->size;
		memcpy(buf, src->data, size);
		if (n % 8)	/* one image in eight goes in unmutated */
			mutate(buf, &size);

		fd = mkstemp(path);
		if (fd < 0 || write(fd, buf, size) != (ssize_t)size) {
			printf("# %s: %s\n", path, strerror(errno));
			failed = 1;
			break;
		}
		close(fd);
		fd = open(path, O_RDONLY);
		args.fd = fd;
		sec = ioctl(dev, NTSYNC_IOC_CREATE_SECTION, &args);
		if (sec < 0) {
			if (errno == ENOTTY) {
				printf("# the kernel has no image sections (CONFIG_NTSYNC_PE_SECTIONS)\n");
				failed = 1;
			} else if (!documented(errno, 1)) {
				printf("# image %lu (%s): create: undocumented %s\n",
				       n, src->name, strerror(errno));
				failed = 1;
			}
			errs[errno & 255]++;
			refused++;
		} else {
			uint8_t *map;
			size_t len;

			created++;
			if (ioctl(sec, NTSYNC_IOC_SECTION_QUERY, &info)) {
				printf("# image %lu: query: %s\n", n, strerror(errno));
				failed = 1;
			}
			len = (info.image_size + 4095) & ~4095ul;
			/* PE32 below 4 GiB, PE32+ anywhere but its own base. */
			map = mmap(info.magic == 0x10b ? (void *)0x30000000ul : NULL, len,
				   PROT_READ | PROT_WRITE, MAP_PRIVATE |
				   (info.magic == 0x10b ? MAP_FIXED_NOREPLACE : 0), sec, 0);
			if (map == MAP_FAILED) {
				if (!documented(errno, 0)) {
					printf("# image %lu (%s): mmap: undocumented %s\n",
					       n, src->name, strerror(errno));
					failed = 1;
				}
			} else {
				mapped++;
				sig = touch(map, len);
				if (sig) {
					printf("# image %lu (%s): signal %d reading the mapping\n",
					       n, src->name, sig);
					failed = 1;
				}
				munmap(map, len);
			}
			close(sec);
		}
		close(fd);
		unlink(path);
		memcpy(path + strlen(path) - 6, "XXXXXX", 6);
		free(gen.data);
		if ((n + 1) % 500 == 0) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			printf("# %lu images, %lu created, %lu mapped, %ld s\n", n + 1,
			       created, mapped, (long)(t1.tv_sec - t0.tv_sec));
			fflush(stdout);
		}
	}

	for (int e = 1; e < 256; e++)
		if (errs[e])
			printf("# create refused %lu with %s\n", errs[e], strerror(e));
	printf("# %lu created, %lu mapped, %lu refused\n", created, mapped, refused);
	/* A mutator that never gets an image through tests nothing. */
	if (!created || !refused) {
		printf("# the mutator is broken: %lu created, %lu refused\n", created, refused);
		failed = 1;
	}
	printf("%s 1 pe_fuzz\n", failed ? "not ok" : "ok");
	printf("%d passed, %d failed\n", !failed, failed);
	return failed;
}
