// SPDX-License-Identifier: GPL-2.0
/*
 * kwine benchmark: ntsync image sections against what Wine does today, and
 * against the two ways user space could relocate images page by page
 * itself.
 *
 * The image: a generated 64 MiB PE32+ file whose sections are file-aligned
 * at 4 KiB (so the file can also be mapped as it is), with a DIR64 fixup
 * every 128 bytes, mapped at a base 16 MiB above its preferred one.  The
 * ways of loading it:
 *
 *   section  NTSYNC_IOC_CREATE_SECTION, mmap, pages relocated as faulted.
 *   eager    What Wine does today: map the file privately and apply the
 *            whole relocation table in the process.
 *   plain    A private mapping of the file, not relocated: the floor for
 *            a page fault.
 *   memfd    What a wineserver could do: relocate the image once into a
 *            memfd, seal it, and hand it to every process, which maps it
 *            privately.
 *   uffd     Lazy relocation in user space with userfaultfd, from a
 *            handler thread: "minor" faults on a memfd holding the image
 *            unrelocated (the handler relocates the page in place through
 *            a second mapping, then UFFDIO_CONTINUE), and "missing" faults
 *            on an empty memfd mapped shared (the handler copies the page
 *            from the file, relocates it and installs it with UFFDIO_COPY).
 *            The handler shares the faulting thread's CPU: under TCG, a
 *            wakeup on an idle vCPU costs milliseconds, which would measure
 *            the emulator.  Without CONFIG_USERFAULTFD, says so and passes.
 *
 * Parts, each a KTAP result:
 *
 *   1. pe_generated: load and touch 5% of the pages (one in twenty) through
 *      a section and eagerly; 8 processes map the image at one address and
 *      read all of it, their summed Pss against one relocated copy; the
 *      per-page cost of first touches (which relocate), in sequential and
 *      in shuffled order, and of touches of pages another process has
 *      already relocated, against a plain mapping.
 *   2. pe_memfd: the same for the memfd, in the process that builds it and
 *      in a second process once it exists.
 *   3. pe_uffd: load + touch 5% and first touches for both uffd variants.
 *   4. pe_pressure: in a memory cgroup whose memory.max is half the image,
 *      read the whole image twice through a section (its pages must be
 *      dropped and built again) and through a memfd built in the cgroup
 *      (with swap off, the OOM killer ends it: reported, not a failure;
 *      its report is kept off the console and the kernel log of that
 *      window checked here instead) and one built outside it.
 *   5. pe_wine_dlls: load + touch 5% and first touches on every DLL with
 *      relocations in the guest's Wine, each mapped 16 MiB above its base:
 *      sections against Wine's own loading (map each section of the file,
 *      relocate everything), summed over the corpus.
 *
 * Each measurement runs in a child process of its own; runs alternate
 * between the sides so all see the same machine, and each figure is the
 * median of the runs.  Prints "# bench: ..." lines.
 *
 *   pe-bench [-p PARTS] [-d DLLDIR] [runs]
 *
 * PARTS is a list of part numbers (default 12345); part 1 always runs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/ntsync.h>
#include <linux/userfaultfd.h>

#define IMAGE_SIZE	(64u << 20)
#define PAGE		4096u
#define FIXUP_STRIDE	128u
#define PREFERRED	0x7e0000000000ull
#define DELTA		(16ull << 20)
#define TARGET		((void *)(PREFERRED + DELTA))
#define NPROC		8
#define CHUNK		(1u << 20)
#define CG_LIMIT	(32u << 20)
#define IMAGE_BASE_OFF	(0x98 + 24)	/* OptionalHeader.ImageBase */
#define NVAL		8

enum { GEN, MEMFD, UFFD, PRESSURE, DLLS, NPARTS };

static const char *const part_name[NPARTS] = {
	"pe_generated", "pe_memfd", "pe_uffd", "pe_pressure", "pe_wine_dlls",
};

static int part_failed[NPARTS], part_on[NPARTS] = { 1, 1, 1, 1, 1 };
static int is_child, dev, runs = 5;
static const char *path = "/tmp/pe-bench.dll";
static const char *dll_dir = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";
static uint32_t reloc_rva, reloc_size, data_pages;
static size_t image_len;
static uint32_t *seq_order, *rnd_order;
static uint64_t want5, want_all;
static int shared_memfd = -1;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void print_results(void)
{
	for (int i = 0; i < NPARTS; i++)
		printf("%sok %d %s\n", part_failed[i] ? "not " : "", i + 1,
		       part_name[i]);
}

/*
 * Something that must work did not.  In a measuring child, only that
 * measurement fails (its parent reports it); in the parent, everything.
 */
static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(": %s\n", strerror(err));
	if (is_child) {
		fflush(stdout);
		_exit(1);
	}
	for (int i = 0; i < NPARTS; i++)
		part_failed[i] = 1;
	print_results();
	exit(1);
}

static void __attribute__((format(printf, 2, 3))) fail(int part, const char *fmt, ...)
{
	va_list ap;

	printf("# %s: ", part_name[part]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	part_failed[part] = 1;
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

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
	image_len = reloc_rva + ((reloc_size + PAGE - 1) & ~(PAGE - 1));
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
	put32(o + 56, image_len);
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
	if (write(fd, f, image_len) != (ssize_t)image_len)
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

/*
 * Apply one base relocation block at @rel to the page it names, at @page,
 * as Wine's process_relocation_block() does; false on a fixup type this
 * does not know.
 */
static int reloc_block(uint8_t *page, const uint8_t *rel, uint64_t delta)
{
	uint32_t n = (get32(rel + 4) - 8) / 2;

	for (const uint8_t *e = rel + 8; n; n--, e += 2) {
		uint8_t *p = page + (get16(e) & 0xfff);

		switch (get16(e) >> 12) {
		case 0:
			break;
		case 1:
			put16(p, get16(p) + (uint16_t)(delta >> 16));
			break;
		case 2:
			put16(p, get16(p) + (uint16_t)delta);
			break;
		case 3:
			put32(p, get32(p) + (uint32_t)delta);
			break;
		case 10:
			put64(p, get64(p) + delta);
			break;
		default:
			return 0;
		}
	}
	return 1;
}

/* Apply the relocation directory at @rel (@size bytes) to the image @map. */
static int apply_relocs(uint8_t *map, size_t len, const uint8_t *rel,
			uint32_t size, uint64_t delta)
{
	const uint8_t *end = rel + size;

	while (rel + 8 < end) {
		uint32_t va = get32(rel), bsize = get32(rel + 4);

		if (!bsize || va >= len)
			break;
		if (!reloc_block(map + va, rel, delta))
			return 0;
		rel += bsize;
	}
	return 1;
}

/* Relocate a copy of the generated image at @map for TARGET. */
static void relocate_image(uint8_t *map)
{
	put64(map + IMAGE_BASE_OFF, PREFERRED + DELTA);
	if (!apply_relocs(map, image_len, map + reloc_rva, reloc_size, DELTA))
		die("unknown fixup");
}

/* Map through a section at TARGET. */
static uint8_t *map_section(int *secp)
{
	struct ntsync_section_args args = { .fd = open_image() };
	uint8_t *map;
	int sec;

	sec = ioctl(dev, NTSYNC_IOC_CREATE_SECTION, &args);
	close(args.fd);
	if (sec < 0)
		die("NTSYNC_IOC_CREATE_SECTION");
	map = mmap(TARGET, image_len, PROT_READ | PROT_WRITE,
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
	uint8_t *map;

	map = mmap(TARGET, image_len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		die("mmap file");
	relocate_image(map);
	return map;
}

/* A private mapping of the file, unrelocated. */
static uint8_t *map_plain(void)
{
	int fd = open_image();
	uint8_t *map;

	map = mmap(NULL, image_len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		die("mmap file");
	return map;
}

/* Copy the image file to @dst (a mapping of image_len), in chunks. */
static void copy_image(uint8_t *dst, volatile uint64_t *progress)
{
	int fd = open_image();

	for (size_t off = 0; off < image_len; off += CHUNK) {
		size_t n = image_len - off < CHUNK ? image_len - off : CHUNK;

		if (pread(fd, dst + off, n, off) != (ssize_t)n)
			die("read image");
		if (progress)
			*progress = off + n;
	}
	close(fd);
}

/*
 * What a wineserver could do: lay the image out in a memfd once, relocated
 * for TARGET, and seal it so that no process can change it.
 */
static int memfd_build(volatile uint64_t *progress)
{
	int fd = memfd_create("pe-bench", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	uint8_t *m;

	if (fd < 0)
		die("memfd_create");
	if (ftruncate(fd, image_len))
		die("ftruncate memfd");
	m = mmap(NULL, image_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap memfd");
	copy_image(m, progress);
	relocate_image(m);
	munmap(m, image_len);
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
		  F_SEAL_SEAL))
		die("seal memfd");
	return fd;
}

static uint8_t *map_memfd(int fd)
{
	uint8_t *map = mmap(TARGET, image_len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);

	if (map == MAP_FAILED)
		die("mmap memfd");
	return map;
}

static uint64_t touch(const uint8_t *map, uint32_t step)
{
	uint64_t sum = 0;

	for (uint32_t i = 1; i <= data_pages; i += step)
		sum += *(const volatile uint64_t *)(map + (size_t)i * PAGE);
	return sum;
}

/* Read the first word of each page in @order. */
static uint64_t touch_order(const uint8_t *map, const uint32_t *order, uint32_t n)
{
	uint64_t sum = 0;

	for (uint32_t i = 0; i < n; i++)
		sum += *(const volatile uint64_t *)(map + (size_t)order[i] * PAGE);
	return sum;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* order[i] = first + i, shuffled with a fixed seed if @seed. */
static void make_order(uint32_t *order, uint32_t n, uint32_t first, uint64_t seed)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;

	for (uint32_t i = 0; i < n; i++)
		order[i] = first + i;
	if (!seed)
		return;
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = xorshift(&s) % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
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

/* Why a child did not report. */
static const char *child_status(int status)
{
	static char buf[64];

	if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, sizeof(buf), "exit status %d", WEXITSTATUS(status));
	return buf;
}

#define TIMEOUT_MS	(600 * 1000)

/* read() that gives up (-1, ETIMEDOUT) after TIMEOUT_MS without data. */
static ssize_t read_wait(int fd, void *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n = poll(&pfd, 1, TIMEOUT_MS);

	if (n <= 0) {
		errno = n ? errno : ETIMEDOUT;
		return -1;
	}
	return read(fd, buf, len);
}

typedef void (*measure_fn)(const void *arg, uint64_t *v);

/*
 * Run @fn in a child process of its own, which fills up to NVAL values
 * (v[0] is usually a time in ns).  If it does not finish, @part fails and
 * is not measured again.
 */
/*
 * Run fn(arg, buf) in a child process, whose results come back in buf
 * (NVAL words).  A child that sends nothing within TIMEOUT_MS is killed.
 * Returns the bytes read, or -1 with errno ETIMEDOUT if the child had to
 * be killed; its wait status goes to *status.
 */
static ssize_t run_child(measure_fn fn, const void *arg, uint64_t *buf,
			 int *status)
{
	const size_t len = NVAL * sizeof(*buf);
	int p[2], err;
	ssize_t n;
	pid_t pid;

	if (pipe(p))
		die("pipe");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		is_child = 1;
		close(p[0]);
		fn(arg, buf);
		if (write(p[1], buf, len) != (ssize_t)len)
			die("write result");
		fflush(stdout);
		_exit(0);
	}
	close(p[1]);
	n = read_wait(p[0], buf, len);
	err = errno;
	close(p[0]);
	if (n < 0 && err == ETIMEDOUT)
		kill(pid, SIGKILL);
	if (waitpid(pid, status, 0) != pid)
		die("waitpid");
	errno = err;
	return n;
}

static int measure(int part, const char *what, measure_fn fn, const void *arg,
		   uint64_t *v)
{
	uint64_t buf[NVAL] = { 0 };
	int status;
	ssize_t n;

	if (part_failed[part])
		return -1;
	n = run_child(fn, arg, buf, &status);
	if (n < 0 && errno == ETIMEDOUT)
		fail(part, "%s: no result after %d s, killed it", what,
		     TIMEOUT_MS / 1000);
	if (n != sizeof(buf) || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fail(part, "%s did not finish (%s)", what, child_status(status));
		return -1;
	}
	memcpy(v, buf, sizeof(buf));
	return 0;
}

/* Both ways of loading must read the same relocated values. */
static int check_sum(int part, const char *side, uint64_t got, uint64_t want)
{
	if (got == want)
		return 0;
	fail(part, "%s read %llx, want %llx", side, (unsigned long long)got,
	     (unsigned long long)want);
	return -1;
}

/*
 * A process that keeps a section mapping at TARGET with every page built,
 * so that others find the view's pages there.
 */
struct holder {
	pid_t pid;
	int fd;
};

static int holder_start(struct holder *h)
{
	int ready[2], hold[2];
	char c;

	if (pipe(ready) || pipe(hold))
		die("pipe");
	fflush(stdout);
	h->pid = fork();
	if (h->pid < 0)
		die("fork");
	if (!h->pid) {
		uint8_t *map;
		int sec;

		is_child = 1;
		close(hold[1]);
		map = map_section(&sec);
		for (size_t off = 0; off < image_len; off += PAGE)
			(void)*(volatile uint8_t *)(map + off);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		(void)!read(hold[0], &c, 1);
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	h->fd = hold[1];
	if (read_wait(ready[0], &c, 1) != 1) {
		close(ready[0]);
		fail(GEN, "section holder did not start");
		kill(h->pid, SIGKILL);
		close(h->fd);
		waitpid(h->pid, NULL, 0);
		return -1;
	}
	close(ready[0]);
	return 0;
}

static void holder_stop(struct holder *h)
{
	close(h->fd);
	waitpid(h->pid, NULL, 0);
}

/* ---- The measurements on the generated image, each in a child ---- */

enum { SIDE_SECTION, SIDE_EAGER, SIDE_MEMFD_BUILD, SIDE_MEMFD, SIDE_PLAIN };

/* Load and touch 5%: v[0] ns, v[1] sum. */
static void m_load(const void *arg, uint64_t *v)
{
	int side = *(const int *)arg, sec = -1, fd = -1;
	uint64_t t = now_ns();
	uint8_t *map;

	switch (side) {
	case SIDE_SECTION:
		map = map_section(&sec);
		break;
	case SIDE_EAGER:
		map = map_eager();
		break;
	case SIDE_MEMFD_BUILD:
		fd = memfd_build(NULL);
		map = map_memfd(fd);
		break;
	default:
		map = map_memfd(shared_memfd);
		break;
	}
	v[1] = touch(map, 20);
	munmap(map, image_len);
	if (sec >= 0)
		close(sec);
	if (fd >= 0)
		close(fd);
	v[0] = now_ns() - t;
}

/* Page faults this process has taken so far. */
static uint64_t faults_taken(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

/*
 * How many pages of the image a section built for touches of 5% of them
 * (read-around builds clusters): v[0] pages resident after the touches.
 */
static void m_built5(const void *arg, uint64_t *v)
{
	uint32_t npages = image_len / PAGE;
	unsigned char *vec = malloc(npages);
	uint8_t *map;
	int sec;

	(void)arg;
	map = map_section(&sec);
	touch(map, 20);
	if (!vec || mincore(map, image_len, vec))
		die("mincore");
	for (uint32_t p = 0; p < npages; p++)
		v[0] += vec[p] & 1;
	v[1] = (data_pages + 19) / 20;
}

/*
 * Per-page cost of touching every data page, in order and shuffled:
 * v[0], v[1] ns, v[2], v[3] sums, v[4], v[5] page faults taken.
 */
static void m_faults(const void *arg, uint64_t *v)
{
	int side = *(const int *)arg, sec = -1;
	uint8_t *map;

	for (int r = 0; r < 2; r++) {
		const uint32_t *order = r ? rnd_order : seq_order;
		uint64_t t;

		switch (side) {
		case SIDE_SECTION:
			map = map_section(&sec);
			break;
		case SIDE_PLAIN:
			map = map_plain();
			break;
		default:
			map = map_memfd(shared_memfd);
			break;
		}
		v[4 + r] = faults_taken();
		t = now_ns();
		v[2 + r] = touch_order(map, order, data_pages);
		v[r] = now_ns() - t;
		v[4 + r] = faults_taken() - v[4 + r];
		munmap(map, image_len);
		if (sec >= 0)
			close(sec);
	}
}

/* Build a memfd: v[0] ns to relocate the image into it and seal it. */
static void m_memfd_build(const void *arg, uint64_t *v)
{
	uint64_t t = now_ns();

	(void)arg;
	close(memfd_build(NULL));
	v[0] = now_ns() - t;
}

/* ---- userfaultfd ---- */

struct lazy {
	int uffd, minor;
	uint8_t *map;		/* registered, at TARGET */
	uint8_t *src;		/* minor: shared alias; missing: the file */
	uint32_t *first;	/* per image page, into blocks[] */
	uint32_t *blocks;	/* relocation block offsets by page */
	uint8_t *buf;
};

static int uffd_minor_ok, uffd_missing_ok;

/* Index the relocation blocks by page; every fixup must lie in its page. */
static void lazy_index(struct lazy *l)
{
	uint32_t npages = image_len / PAGE, nblocks = 0, *fill;
	const uint8_t *rel = l->src + reloc_rva, *end = rel + reloc_size, *b;

	l->first = calloc(npages + 1, 4);
	fill = calloc(npages + 1, 4);
	for (b = rel; b + 8 < end; b += get32(b + 4)) {
		uint32_t va = get32(b), size = get32(b + 4);

		if (!size || va >= image_len)
			break;
		for (uint32_t n = 0; n < (size - 8) / 2; n++) {
			uint16_t e = get16(b + 8 + 2 * n);

			if ((va & (PAGE - 1)) + (e & 0xfff) + 8 > PAGE && e >> 12) {
				errno = EINVAL;
				die("uffd: a fixup crosses a page, not handled here");
			}
		}
		l->first[va / PAGE + 1]++;
		nblocks++;
	}
	for (uint32_t p = 0; p < npages; p++)
		l->first[p + 1] += l->first[p];
	l->blocks = malloc((nblocks + 1) * 4);
	memcpy(fill, l->first, (npages + 1) * 4);
	for (b = rel; b + 8 < end; b += get32(b + 4)) {
		if (!get32(b + 4) || get32(b) >= image_len)
			break;
		l->blocks[fill[get32(b) / PAGE]++] = b - l->src;
	}
	free(fill);
}

/* Relocate image page @page, whose bytes are at @pg. */
static void lazy_relocate(const struct lazy *l, uint8_t *pg, uint32_t page)
{
	if (page == 0)
		put64(pg + IMAGE_BASE_OFF, PREFERRED + DELTA);
	for (uint32_t i = l->first[page]; i < l->first[page + 1]; i++) {
		const uint8_t *b = l->src + l->blocks[i];

		if (!reloc_block(pg + (get32(b) & (PAGE - 1)), b, DELTA)) {
			errno = EINVAL;
			die("uffd: unknown fixup");
		}
	}
}

static void *lazy_handler(void *arg)
{
	struct lazy *l = arg;
	struct uffd_msg msg;

	for (;;) {
		uint64_t addr;
		uint32_t page;

		if (read(l->uffd, &msg, sizeof(msg)) != sizeof(msg)) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("uffd: read");
		}
		if (msg.event != UFFD_EVENT_PAGEFAULT) {
			errno = EINVAL;
			die("uffd: event %u", msg.event);
		}
		addr = msg.arg.pagefault.address & ~(uint64_t)(PAGE - 1);
		page = (addr - (uint64_t)TARGET) / PAGE;
		if (l->minor) {
			struct uffdio_continue c = {
				.range = { .start = addr, .len = PAGE },
			};

			lazy_relocate(l, l->src + (size_t)page * PAGE, page);
			if (ioctl(l->uffd, UFFDIO_CONTINUE, &c) && errno != EEXIST)
				die("UFFDIO_CONTINUE");
		} else {
			struct uffdio_copy c = {
				.dst = addr, .src = (uint64_t)l->buf, .len = PAGE,
			};

			memcpy(l->buf, l->src + (size_t)page * PAGE, PAGE);
			lazy_relocate(l, l->buf, page);
			if (ioctl(l->uffd, UFFDIO_COPY, &c) && errno != EEXIST)
				die("UFFDIO_COPY");
		}
	}
	return NULL;
}

/*
 * Set up lazy relocation at TARGET.  Minor faults: a memfd holding the
 * image as it is in the file (a wineserver's layout of it), mapped
 * privately, each page relocated in place on its first fault.  Missing
 * faults: an empty memfd mapped shared, each page copied from the file,
 * relocated and installed on its first fault.
 */
static void lazy_setup(struct lazy *l, int minor)
{
	cpu_set_t cpus;
	int fd = memfd_create("pe-bench-uffd", MFD_CLOEXEC);
	struct uffdio_api api = {
		.api = UFFD_API,
		.features = minor ? UFFD_FEATURE_MINOR_SHMEM : 0,
	};
	struct uffdio_register reg = { .mode = minor ?
		UFFDIO_REGISTER_MODE_MINOR : UFFDIO_REGISTER_MODE_MISSING };
	pthread_t thread;

	l->minor = minor;
	if (fd < 0)
		die("memfd_create");
	/*
	 * The handler thread on the faulting thread's CPU: under emulation,
	 * waking a thread on an idle CPU takes milliseconds, which would
	 * measure the emulator, not userfaultfd.
	 */
	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu(), &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		die("sched_setaffinity");
	if (ftruncate(fd, image_len))
		die("ftruncate memfd");
	if (minor) {
		l->src = mmap(NULL, image_len, PROT_READ | PROT_WRITE,
			      MAP_SHARED, fd, 0);
		if (l->src == MAP_FAILED)
			die("mmap memfd");
		copy_image(l->src, NULL);
		l->map = mmap(TARGET, image_len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
	} else {
		int file = open_image();

		l->src = mmap(NULL, image_len, PROT_READ, MAP_PRIVATE, file, 0);
		close(file);
		if (l->src == MAP_FAILED)
			die("mmap file");
		l->map = mmap(TARGET, image_len, PROT_READ,
			      MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	}
	if (l->map == MAP_FAILED)
		die("mmap memfd at the image address");
	close(fd);
	l->buf = aligned_alloc(PAGE, PAGE);
	lazy_index(l);
	l->uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (l->uffd < 0)
		die("userfaultfd");
	if (ioctl(l->uffd, UFFDIO_API, &api))
		die("UFFDIO_API");
	reg.range.start = (uint64_t)l->map;
	reg.range.len = image_len;
	if (ioctl(l->uffd, UFFDIO_REGISTER, &reg))
		die("UFFDIO_REGISTER");
	errno = pthread_create(&thread, NULL, lazy_handler, l);
	if (errno)
		die("pthread_create");
}

/* Load + touch 5% with lazy relocation: v[0] ns, v[1] sum. */
static void m_lazy_load(const void *arg, uint64_t *v)
{
	struct lazy l;
	uint64_t t = now_ns();

	lazy_setup(&l, *(const int *)arg);
	v[1] = touch(l.map, 20);
	v[0] = now_ns() - t;
}

/*
 * First touches with lazy relocation, in order and shuffled, each on a
 * setup of its own (the first one's handler thread just stays blocked).
 */
static void m_lazy_faults(const void *arg, uint64_t *v)
{
	static struct lazy l[2];

	for (int r = 0; r < 2; r++) {
		uint64_t t;

		lazy_setup(&l[r], *(const int *)arg);
		v[4 + r] = faults_taken();
		t = now_ns();
		v[2 + r] = touch_order(l[r].map, r ? rnd_order : seq_order, data_pages);
		v[r] = now_ns() - t;
		v[4 + r] = faults_taken() - v[4 + r];
		munmap(l[r].map, image_len);
		munmap(l[r].src, image_len);
	}
}

/* ---- memory: summed Pss of NPROC processes ---- */

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
static long total_pss(int side)
{
	int to_parent[2], go[2], done[2];
	long total = 0, kb;
	pid_t pids[NPROC];
	char c;
	int i;

	if (pipe(to_parent) || pipe(go) || pipe(done))
		die("pipe");
	fflush(stdout);
	for (i = 0; i < NPROC; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork");
		if (!pids[i]) {
			uint8_t *map;
			int sec = -1;

			is_child = 1;
			close(to_parent[0]);
			close(go[1]);
			close(done[1]);
			if (side == SIDE_SECTION)
				map = map_section(&sec);
			else if (side == SIDE_EAGER)
				map = map_eager();
			else
				map = map_memfd(shared_memfd);
			for (size_t off = 0; off < image_len; off += PAGE)
				(void)*(volatile uint8_t *)(map + off);
			if (write(to_parent[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
				_exit(1);
			kb = pss_kb(map);
			if (write(to_parent[1], &kb, sizeof(kb)) != sizeof(kb) ||
			    read(done[0], &c, 1) != 1)
				_exit(1);
			_exit(0);
		}
	}
	close(to_parent[1]);
	for (i = 0; i < NPROC && total >= 0; i++)
		if (read_wait(to_parent[0], &c, 1) != 1)
			total = -1;
	/* Everyone has read everything: now measure, all still mapped. */
	for (i = 0; i < NPROC && total >= 0; i++)
		if (write(go[1], "m", 1) != 1)
			total = -1;
	for (i = 0; i < NPROC && total >= 0; i++) {
		if (read_wait(to_parent[0], &kb, sizeof(kb)) != sizeof(kb) || kb < 0)
			total = -1;
		else
			total += kb;
	}
	for (i = 0; i < NPROC; i++)
		if (write(done[1], "x", 1) != 1)
			total = -1;
	close(done[1]);
	close(go[1]);
	close(to_parent[0]);
	close(go[0]);
	close(done[0]);
	for (i = 0; i < NPROC; i++) {
		if (total < 0)
			kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	return total;
}

/* ---- memory pressure in a memory cgroup ---- */

static char cg_root[64] = "/sys/fs/cgroup";
static int cg_mounted;

static int cg_write(const char *dir, const char *file, const char *val)
{
	char p[256];
	int fd, ret = 0;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	fd = open(p, O_WRONLY);
	if (fd < 0)
		return -1;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		ret = -1;
	close(fd);
	return ret;
}

/* A counter from a flat-keyed cgroup file (memory.stat, memory.events). */
static long long cg_key(const char *dir, const char *file, const char *key)
{
	char p[256], k[64];
	long long v, ret = -1;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	f = fopen(p, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", k, &v) == 2)
		if (!strcmp(k, key)) {
			ret = v;
			break;
		}
	fclose(f);
	return ret;
}

static long long cg_value(const char *dir, const char *file)
{
	char p[256];
	long long v = -1;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	f = fopen(p, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* cgroup v2 with the memory controller for children of the root. */
static int cg_setup(void)
{
	struct statfs sf;

	if (statfs(cg_root, &sf) || sf.f_type != CGROUP2_SUPER_MAGIC) {
		if (mount("none", cg_root, "cgroup2", 0, NULL)) {
			fail(PRESSURE, "cannot mount cgroup2 on %s: %s", cg_root,
			     strerror(errno));
			return -1;
		}
		cg_mounted = 1;
	}
	if (cg_write(cg_root, "cgroup.subtree_control", "+memory")) {
		fail(PRESSURE, "cannot enable the memory controller: %s",
		     strerror(errno));
		return -1;
	}
	return 0;
}

/* A new cgroup @name with memory.max @max ("max" if 0). */
static int cg_make(char *dir, size_t len, const char *name, unsigned long max)
{
	char val[32];

	snprintf(dir, len, "%s/pe-bench-%s", cg_root, name);
	rmdir(dir);
	if (mkdir(dir, 0755)) {
		fail(PRESSURE, "mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (max)
		snprintf(val, sizeof(val), "%lu", max);
	else
		snprintf(val, sizeof(val), "max");
	if (cg_write(dir, "memory.max", val)) {
		fail(PRESSURE, "%s/memory.max: %s", dir, strerror(errno));
		rmdir(dir);
		return -1;
	}
	/* Swap is off in the guest; make sure of it for this cgroup. */
	cg_write(dir, "memory.swap.max", "0");
	return 0;
}

enum { PR_SECTION, PR_MEMFD_IN, PR_MEMFD_OUT };

struct pressure_arg {
	int side;
	const char *dir;
	volatile uint64_t *progress;	/* shared with the parent */
};

/*
 * In the cgroup: map the image and read every page twice; v[0], v[1] the
 * passes in ns, v[2] the sum of each pass's data page words (checked).
 */
static void m_pressure(const void *arg, uint64_t *v)
{
	const struct pressure_arg *a = arg;
	uint32_t npages = image_len / PAGE;
	int sec = -1, fd = -1;
	char pid[16];
	uint8_t *map;

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (cg_write(a->dir, "cgroup.procs", pid))
		die("join %s", a->dir);
	if (a->side == PR_SECTION) {
		map = map_section(&sec);
	} else if (a->side == PR_MEMFD_IN) {
		fd = memfd_build(a->progress);
		map = map_memfd(fd);
	} else {
		map = map_memfd(shared_memfd);
	}
	for (int pass = 0; pass < 2; pass++) {
		uint64_t t = now_ns(), sum = 0;

		for (uint32_t p = 0; p < npages; p++) {
			uint64_t w = *(volatile uint64_t *)(map + (size_t)p * PAGE);

			if (p >= 1 && p <= data_pages)
				sum += w;
		}
		v[pass] = now_ns() - t;
		if (sum != want_all) {
			errno = EIO;
			die("pass %d read %llx, want %llx", pass,
			    (unsigned long long)sum, (unsigned long long)want_all);
		}
	}
	munmap(map, image_len);
	if (sec >= 0)
		close(sec);
	if (fd >= 0)
		close(fd);
}

/*
 * The one part where the kernel is expected to log: an OOM kill in our
 * cgroup, whose report carries a stack trace that the log checks would
 * take for a kernel problem.  Keep its warnings off the console while it
 * runs, and check the kernel log of that window here instead: only the
 * OOM report may be there.
 */
struct klog {
	int fd, err, level;
};

static int console_level(int level)
{
	char buf[64];
	int fd = open("/proc/sys/kernel/printk", O_RDWR), old = -1;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = 0;
		old = atoi(buf);
	}
	if (level >= 0) {
		snprintf(buf, sizeof(buf), "%d", level);
		if (pwrite(fd, buf, strlen(buf), 0) < 0)
			old = -1;
	}
	close(fd);
	return old;
}

static void klog_begin(struct klog *k)
{
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	k->err = errno;
	if (k->fd >= 0)
		lseek(k->fd, 0, SEEK_END);
	k->level = console_level(4);
}

/* 0 if the window holds nothing but OOM reports; prints the kill line. */
static int klog_end(struct klog *k)
{
	static const char *const bad[] = {
		"WARNING:", "BUG:", "Oops", "KASAN", "UBSAN", "panic",
		"general protection", "locking", "unreferenced object",
	};
	char rec[2048];
	int ret = 0;
	ssize_t n;

	/* Give the console time to pass over what it will not print. */
	sleep(1);
	if (k->level >= 0)
		console_level(k->level);
	if (k->fd < 0) {
		printf("# no /dev/kmsg to check the kernel log: %s\n", strerror(k->err));
		return -1;
	}
	for (;;) {
		char *msg;

		n = read(k->fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = 0;
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		msg[strcspn(msg, "\n")] = 0;
		if (strstr(msg, "Killed process"))
			printf("# kernel: %s\n", msg);
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			if (strstr(msg, bad[i])) {
				printf("# kernel (not an OOM report): %s\n", msg);
				ret = -1;
			}
	}
	close(k->fd);
	return ret;
}

struct pressure_result {
	int ok;			/* both passes done */
	uint64_t pass[2];
	long long refault, majfault, steal, peak, current, oom, oom_kill, max_events;
	char how[160];
};

static int run_pressure(int side, unsigned long max, const char *name,
			struct pressure_result *r)
{
	volatile uint64_t *progress;
	struct pressure_arg a;
	uint64_t v[NVAL] = { 0 };
	char dir[128];
	struct klog k;
	ssize_t n;
	int status;

	memset(r, 0, sizeof(*r));
	if (cg_make(dir, sizeof(dir), name, max))
		return -1;
	progress = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (progress == MAP_FAILED)
		die("mmap");
	*progress = 0;
	a = (struct pressure_arg){ .side = side, .dir = dir, .progress = progress };
	if (side == PR_MEMFD_IN)
		klog_begin(&k);
	n = run_child(m_pressure, &a, v, &status);
	if (n < 0 && errno == ETIMEDOUT)
		printf("# pressure %s: no result after %d s, killed it\n", name,
		       TIMEOUT_MS / 1000);
	r->ok = n == sizeof(v) && WIFEXITED(status) && !WEXITSTATUS(status);
	r->pass[0] = v[0];
	r->pass[1] = v[1];
	r->refault = cg_key(dir, "memory.stat", "workingset_refault_file");
	r->majfault = cg_key(dir, "memory.stat", "pgmajfault");
	r->steal = cg_key(dir, "memory.stat", "pgsteal");
	r->peak = cg_value(dir, "memory.peak");
	r->current = cg_value(dir, "memory.current");
	r->oom = cg_key(dir, "memory.events", "oom");
	r->oom_kill = cg_key(dir, "memory.events", "oom_kill");
	r->max_events = cg_key(dir, "memory.events", "max");
	if (r->ok)
		snprintf(r->how, sizeof(r->how), "completed");
	else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && r->oom_kill > 0)
		snprintf(r->how, sizeof(r->how),
			 "OOM-killed after writing %llu of %zu MiB into the memfd",
			 (unsigned long long)(*progress >> 20), image_len >> 20);
	else
		snprintf(r->how, sizeof(r->how), "failed (%s) after writing %llu MiB",
			 child_status(status), (unsigned long long)(*progress >> 20));
	munmap((void *)progress, PAGE);
	if (side == PR_MEMFD_IN && klog_end(&k))
		fail(PRESSURE, "the kernel logged more than an OOM report");
	if (rmdir(dir))
		printf("# rmdir %s: %s\n", dir, strerror(errno));
	return 0;
}

static void swap_state(char *buf, size_t len)
{
	char line[256];
	int n = -1;
	FILE *f = fopen("/proc/swaps", "r");

	if (f) {
		while (fgets(line, sizeof(line), f))
			n++;
		fclose(f);
	}
	snprintf(buf, len, "%s", n > 0 ? "swap on" : n == 0 ? "swap off" : "swap unknown");
}

static void part_pressure(void)
{
	struct pressure_result free_, sec, in, out;
	char swap[32];

	if (!part_on[PRESSURE] || cg_setup())
		return;
	swap_state(swap, sizeof(swap));
	if (run_pressure(PR_SECTION, 0, "nolimit", &free_) ||
	    run_pressure(PR_SECTION, CG_LIMIT, "section", &sec) ||
	    run_pressure(PR_MEMFD_OUT, CG_LIMIT, "memfd-out", &out) ||
	    run_pressure(PR_MEMFD_IN, CG_LIMIT, "memfd-in", &in))
		goto out;
	printf("# pressure: section without limit: passes %.1f + %.1f ms, peak %lld kB, pgmajfault %lld\n",
	       free_.pass[0] / 1e6, free_.pass[1] / 1e6, free_.peak >> 10,
	       free_.majfault);
	printf("# pressure: section, memory.max %u MiB: %s, passes %.1f + %.1f ms, peak %lld kB, refaults %lld, pgsteal %lld, pgmajfault %lld, oom events %lld\n",
	       CG_LIMIT >> 20, sec.how, sec.pass[0] / 1e6, sec.pass[1] / 1e6,
	       sec.peak >> 10, sec.refault, sec.steal, sec.majfault, sec.oom);
	printf("# pressure: memfd built outside, memory.max %u MiB: %s, passes %.1f + %.1f ms, peak %lld kB\n",
	       CG_LIMIT >> 20, out.how, out.pass[0] / 1e6, out.pass[1] / 1e6,
	       out.peak >> 10);
	printf("# pressure: memfd built inside, memory.max %u MiB: %s, peak %lld kB, events max %lld oom %lld oom_kill %lld\n",
	       CG_LIMIT >> 20, in.how, in.peak >> 10, in.max_events, in.oom,
	       in.oom_kill);
	if (!free_.ok)
		fail(PRESSURE, "section without a limit: %s", free_.how);
	if (!sec.ok)
		fail(PRESSURE, "section under memory.max %u MiB: %s", CG_LIMIT >> 20,
		     sec.how);
	if (!out.ok)
		fail(PRESSURE, "memfd built outside the cgroup: %s", out.how);
	if (part_failed[PRESSURE])
		goto out;
	printf("# bench: pe memory pressure (%s), memory.max %u MiB, 64 MiB image read twice through a section: %s, %.1f + %.1f ms (%.1fx without the limit), %lld pages built again (workingset_refault_file), %lld reclaimed, peak %lld kB\n",
	       swap, CG_LIMIT >> 20, sec.how, sec.pass[0] / 1e6, sec.pass[1] / 1e6,
	       (double)(sec.pass[0] + sec.pass[1]) / (free_.pass[0] + free_.pass[1]),
	       sec.refault, sec.steal, sec.peak >> 10);
	printf("# bench: pe memory pressure (%s), memory.max %u MiB, through a memfd: built in the cgroup: %s (memory.events oom_kill %lld); built outside it: %s, %.1f + %.1f ms, its %zu kB charged outside the limit (cgroup peak %lld kB)\n",
	       swap, CG_LIMIT >> 20, in.how, in.oom_kill, out.how, out.pass[0] / 1e6,
	       out.pass[1] / 1e6, image_len >> 10, out.peak >> 10);
out:
	if (cg_mounted && umount(cg_root))
		printf("# umount %s: %s\n", cg_root, strerror(errno));
}

/* ---- the guest's Wine DLLs ---- */

struct dll {
	char *path;
	uint64_t base;
	uint32_t image_size, file_pages;
};

static struct dll *dlls;
static int ndlls, max_pages;
static uint64_t dll_image_bytes;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Every PE32+ AMD64 DLL with a base relocation directory, movable, and not
 * flat; the kernel's parse says which.
 */
static int dll_list(void)
{
	int refused = 0, other = 0, n = 0, cap = 0;
	char **names = NULL;
	struct dirent *de;
	DIR *d = opendir(dll_dir);

	if (!d) {
		fail(DLLS, "%s: %s", dll_dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l < 5 || strcmp(de->d_name + l - 4, ".dll"))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			names = realloc(names, cap * sizeof(*names));
		}
		if (asprintf(&names[n++], "%s/%s", dll_dir, de->d_name) < 0)
			die("asprintf");
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	dlls = calloc(n + 1, sizeof(*dlls));
	for (int i = 0; i < n; i++) {
		struct ntsync_section_args args = { .fd = open(names[i], O_RDONLY) };
		struct ntsync_section_info info;
		uint8_t hdr[1024];
		struct stat st;
		int sec;

		if (args.fd < 0 || fstat(args.fd, &st) ||
		    pread(args.fd, hdr, sizeof(hdr), 0) != sizeof(hdr)) {
			other++;
			goto next;
		}
		sec = ioctl(dev, NTSYNC_IOC_CREATE_SECTION, &args);
		if (sec < 0) {
			refused++;
			goto next;
		}
		if (ioctl(sec, NTSYNC_IOC_SECTION_QUERY, &info))
			die("NTSYNC_IOC_SECTION_QUERY");
		close(sec);
		if (info.magic != 0x20b || info.machine != 0x8664 ||
		    (info.flags & (NTSYNC_SECTION_FLAT | NTSYNC_SECTION_RELOCS_STRIPPED)) ||
		    !(info.flags & NTSYNC_SECTION_RELOCS) ||
		    get32(hdr + 0x3c) > sizeof(hdr) - (24 + 112 + 6 * 8) ||
		    !get32(hdr + get32(hdr + 0x3c) + 24 + 112 + 5 * 8 + 4)) {
			other++;
			goto next;
		}
		dlls[ndlls].path = names[i];
		names[i] = NULL;
		dlls[ndlls].base = info.image_base;
		dlls[ndlls].image_size = info.image_size;
		dlls[ndlls].file_pages = (st.st_size + PAGE - 1) / PAGE;
		if ((int)(info.image_size / PAGE) > max_pages)
			max_pages = info.image_size / PAGE;
		if ((int)dlls[ndlls].file_pages > max_pages)
			max_pages = dlls[ndlls].file_pages;
		dll_image_bytes += info.image_size;
		ndlls++;
next:
		if (args.fd >= 0)
			close(args.fd);
		free(names[i]);
	}
	free(names);
	printf("# wine dlls: %d in %s with relocations (%.1f MiB of image), %d without or not AMD64, %d refused by the kernel\n",
	       ndlls, dll_dir, dll_image_bytes / 1048576.0, other, refused);
	if (!ndlls) {
		fail(DLLS, "no DLL with relocations in %s", dll_dir);
		return -1;
	}
	return 0;
}

#define ROUND(x)	(((x) + PAGE - 1) & ~(size_t)(PAGE - 1))

/*
 * What Wine's loader does today (map_image_into_view()): read the headers,
 * reserve the image, map the header page and each section privately from
 * the file (read() where the file offset is not page-aligned), clear the
 * tails, relocate everything.  Returns the image at base + DELTA.
 */
static uint8_t *dll_load_eager(const struct dll *d)
{
	uint8_t hdr[PAGE], *view, *nt, *opt, *sh;
	uint32_t nsec, size, hsize, rva, rsize;
	uint64_t addr = d->base + DELTA;
	struct stat st;
	int fd;

	fd = open(d->path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) || pread(fd, hdr, sizeof(hdr), 0) < 0x200)
		die("%s", d->path);
	nt = hdr + get32(hdr + 0x3c);
	opt = nt + 24;
	nsec = get16(nt + 6);
	sh = opt + get16(nt + 20);
	if (sh + nsec * 40 > hdr + sizeof(hdr)) {
		errno = EINVAL;
		die("%s: section table past 4 KiB", d->path);
	}
	size = ROUND(get32(opt + 56));
	hsize = get32(opt + 60);
	if (hsize > st.st_size)
		hsize = st.st_size;
	view = mmap((void *)addr, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (view == MAP_FAILED)
		die("%s: reserve", d->path);
	if (mmap(view, hsize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED,
		 fd, 0) == MAP_FAILED)
		die("%s: map headers", d->path);
	memset(view + hsize, 0, ROUND(hsize) - hsize);
	for (uint32_t i = 0; i < nsec; i++, sh += 40) {
		uint32_t vsize = get32(sh + 8), va = get32(sh + 12);
		uint32_t raw = get32(sh + 16), ptr = get32(sh + 20);
		size_t map_size = ROUND(vsize ? vsize : raw), fstart, fsize, end;

		fstart = ptr & ~0x1ffu;
		fsize = (raw + (ptr & 0x1ff) + 0x1ff) & ~0x1ffu;
		if (fsize > map_size)
			fsize = map_size;
		if (va > size || va + map_size > size) {
			errno = EINVAL;
			die("%s: section past the image", d->path);
		}
		if (!ptr || !fsize)
			continue;
		if (fstart & (PAGE - 1)) {
			if (pread(fd, view + va, fsize, fstart) < 0)
				die("%s: read section", d->path);
		} else if (mmap(view + va, fsize, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_FIXED, fd, fstart) == MAP_FAILED) {
			die("%s: map section", d->path);
		}
		if (fsize & (PAGE - 1)) {
			end = ROUND(fsize) < map_size ? ROUND(fsize) : map_size;
			memset(view + va + fsize, 0, end - fsize);
		}
	}
	close(fd);
	nt = view + get32(view + 0x3c);
	opt = nt + 24;
	put64(opt + 24, addr);
	rva = get32(opt + 112 + 5 * 8);
	rsize = get32(opt + 112 + 5 * 8 + 4);
	if (rva >= size || rsize > size - rva ||
	    !apply_relocs(view, size, view + rva, rsize, DELTA)) {
		errno = EINVAL;
		die("%s: relocations", d->path);
	}
	return view;
}

static uint8_t *dll_map_section(const struct dll *d, int *secp)
{
	struct ntsync_section_args args = { .fd = open(d->path, O_RDONLY) };
	struct ntsync_section_info info;
	uint8_t *map;
	int sec;

	if (args.fd < 0)
		die("%s", d->path);
	sec = ioctl(dev, NTSYNC_IOC_CREATE_SECTION, &args);
	close(args.fd);
	if (sec < 0)
		die("%s: NTSYNC_IOC_CREATE_SECTION", d->path);
	if (ioctl(sec, NTSYNC_IOC_SECTION_QUERY, &info))
		die("%s: NTSYNC_IOC_SECTION_QUERY", d->path);
	map = mmap((void *)(info.image_base + DELTA), info.image_size,
		   PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED_NOREPLACE, sec, 0);
	if (map == MAP_FAILED)
		die("%s: mmap section", d->path);
	*secp = sec;
	return map;
}

static uint64_t touch_image(const uint8_t *map, uint32_t pages, uint32_t step)
{
	uint64_t sum = 0;

	for (uint32_t p = 0; p < pages; p += step)
		sum += *(const volatile uint64_t *)(map + (size_t)p * PAGE);
	return sum;
}

/* Load + touch 5% of every DLL: v[0] ns, v[1] sum, v[2] pages. */
static void m_dll_load(const void *arg, uint64_t *v)
{
	int section = *(const int *)arg;

	for (int i = 0; i < ndlls; i++) {
		const struct dll *d = &dlls[i];
		uint64_t t = now_ns();
		uint8_t *map;
		int sec = -1;

		map = section ? dll_map_section(d, &sec) : dll_load_eager(d);
		v[1] += touch_image(map, d->image_size / PAGE, 20);
		munmap(map, d->image_size);
		if (sec >= 0)
			close(sec);
		v[0] += now_ns() - t;
	}
}

/*
 * First touches of every page of every DLL, through a section and through
 * a private mapping of the file: v[0], v[1] ns in order and shuffled,
 * v[2] pages touched (each order), v[3], v[4] page faults taken.
 */
static void m_dll_faults(const void *arg, uint64_t *v)
{
	int section = *(const int *)arg;
	uint32_t *order = malloc(max_pages * sizeof(*order));

	for (int r = 0; r < 2; r++) {
		for (int i = 0; i < ndlls; i++) {
			const struct dll *d = &dlls[i];
			uint32_t pages;
			size_t len;
			uint8_t *map;
			int sec = -1;
			uint64_t t;

			if (section) {
				map = dll_map_section(d, &sec);
				pages = d->image_size / PAGE;
			} else {
				int fd = open(d->path, O_RDONLY);

				pages = d->file_pages;
				map = mmap(NULL, (size_t)pages * PAGE,
					   PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
				if (fd < 0 || map == MAP_FAILED)
					die("%s: mmap file", d->path);
				close(fd);
			}
			len = (size_t)pages * PAGE;
			make_order(order, pages, 0, r ? i + 1 : 0);
			v[3 + r] -= faults_taken();
			t = now_ns();
			touch_order(map, order, pages);
			v[r] += now_ns() - t;
			v[3 + r] += faults_taken();
			v[2] += r ? 0 : pages;
			munmap(map, len);
			if (sec >= 0)
				close(sec);
		}
	}
	free(order);
}

/*
 * Once, before timing anything: every DLL's section mapping must hold
 * exactly what Wine's own loading makes of it.  Also reads all the files
 * into the page cache, so that no side pays for that.
 */
static void m_dll_check(const void *arg, uint64_t *v)
{
	uint8_t *copy = malloc(max_pages * (size_t)PAGE);

	(void)arg;
	for (int i = 0; i < ndlls; i++) {
		const struct dll *d = &dlls[i];
		uint8_t *map;
		int sec, fd;

		map = dll_load_eager(d);
		memcpy(copy, map, d->image_size);
		munmap(map, d->image_size);
		map = dll_map_section(d, &sec);
		if (memcmp(copy, map, d->image_size)) {
			uint32_t off = 0;

			while (copy[off] == map[off])
				off++;
			errno = EIO;
			die("%s: section differs from Wine's loading at offset %#x",
			    d->path, off);
		}
		munmap(map, d->image_size);
		close(sec);
		v[0] += d->image_size;
		/* The rest of the file (debug information) for the plain side. */
		fd = open(d->path, O_RDONLY);
		while (fd >= 0 && read(fd, copy, max_pages * (size_t)PAGE) > 0)
			;
		if (fd >= 0)
			close(fd);
	}
	free(copy);
}

static void part_dlls(void)
{
	uint64_t *ts, *te, *fs_seq, *fs_rnd, *fp_seq, *fp_rnd, v[NVAL], w[NVAL];
	uint64_t spages = 0, ppages = 0, t;
	int one = 1, zero = 0, i;

	if (!part_on[DLLS] || dll_list())
		return;
	t = now_ns();
	if (measure(DLLS, "check of every section against Wine's loading",
		    m_dll_check, NULL, v))
		return;
	printf("# wine dlls: every section mapping equals Wine's loading (%.1f MiB compared in %.1f s)\n",
	       v[0] / 1048576.0, (now_ns() - t) / 1e9);
	ts = calloc(runs, 8);
	te = calloc(runs, 8);
	fs_seq = calloc(runs, 8);
	fs_rnd = calloc(runs, 8);
	fp_seq = calloc(runs, 8);
	fp_rnd = calloc(runs, 8);
	for (i = 0; i < runs; i++) {
		if (measure(DLLS, "dll sections", m_dll_load, &one, v) ||
		    measure(DLLS, "dll eager", m_dll_load, &zero, w))
			return;
		ts[i] = v[0];
		te[i] = w[0];
		if (check_sum(DLLS, "dll sections", v[1], w[1]))
			return;
		if (measure(DLLS, "dll section faults", m_dll_faults, &one, v) ||
		    measure(DLLS, "dll file faults", m_dll_faults, &zero, w))
			return;
		if (!i)
			printf("# dll first touches: section %llu/%llu page faults for %llu pages, file %llu/%llu for %llu (in order/shuffled)\n",
			       (unsigned long long)v[3], (unsigned long long)v[4],
			       (unsigned long long)v[2], (unsigned long long)w[3],
			       (unsigned long long)w[4], (unsigned long long)w[2]);
		fs_seq[i] = v[0];
		fs_rnd[i] = v[1];
		spages = v[2];
		fp_seq[i] = w[0];
		fp_rnd[i] = w[1];
		ppages = w[2];
		printf("# dlls run %d: page-in %.1f ms, eager %.1f ms; first touch section %.1f/%.1f ms (%llu pages), file %.1f/%.1f ms (%llu pages)\n",
		       i, ts[i] / 1e6, te[i] / 1e6, fs_seq[i] / 1e6, fs_rnd[i] / 1e6,
		       (unsigned long long)spages, fp_seq[i] / 1e6, fp_rnd[i] / 1e6,
		       (unsigned long long)ppages);
		fflush(stdout);
	}
	t = median(ts, runs);
	printf("# bench: pe wine dlls (%d with relocations, %.0f MiB of image, each 16 MiB off its base), load+touch 5%%: page-in %.1f ms, eager (Wine today) %.1f ms, eager/page-in %.2fx\n",
	       ndlls, dll_image_bytes / 1048576.0, t / 1e6, median(te, runs) / 1e6,
	       (double)median(te, runs) / t);
	for (int r = 0; r < 2; r++) {
		double s = (double)median(r ? fs_rnd : fs_seq, runs) / spages;
		double p = (double)median(r ? fp_rnd : fp_seq, runs) / ppages;

		printf("# bench: pe wine dlls first-touch fault per page, %s: section %.2f us, plain file mapping %.2f us, section/plain %.2fx (goal <= 4x)\n",
		       r ? "random" : "sequential", s / 1e3, p / 1e3, s / p);
	}
}

/* ---- the generated image: parts 1 to 3 ---- */

static int uffd_probe(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC);

	if (fd < 0 && errno == ENOSYS) {
		printf("# bench: uffd: not available (CONFIG_USERFAULTFD is off in this kernel)\n");
		return 0;
	}
	if (fd < 0) {
		fail(UFFD, "userfaultfd: %s", strerror(errno));
		return -1;
	}
	if (ioctl(fd, UFFDIO_API, &api)) {
		fail(UFFD, "UFFDIO_API: %s", strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	uffd_minor_ok = !!(api.features & UFFD_FEATURE_MINOR_SHMEM);
	uffd_missing_ok = !!(api.features & UFFD_FEATURE_MISSING_SHMEM);
	if (!uffd_minor_ok)
		printf("# bench: uffd minor: not available (needs CONFIG_HAVE_ARCH_USERFAULTFD_MINOR; UFFD_FEATURE_MINOR_SHMEM missing)\n");
	if (!uffd_missing_ok)
		printf("# bench: uffd missing: not available (UFFD_FEATURE_MISSING_SHMEM missing)\n");
	return 0;
}

struct gen {
	uint64_t *sec, *eager, *mf_build, *mf_second, *sec_warm;
	uint64_t *lz_load[2];
	uint64_t *f_sec[2], *f_plain[2], *f_warm[2], *f_memfd[2];
	uint64_t *f_lazy[2][2];	/* [minor][order] */
	uint64_t *build;
};

static uint64_t *col(void)
{
	uint64_t *p = calloc(runs, 8);

	if (!p)
		die("calloc");
	return p;
}

static void gen_alloc(struct gen *g)
{
	g->sec = col();
	g->eager = col();
	g->mf_build = col();
	g->mf_second = col();
	g->sec_warm = col();
	g->build = col();
	for (int i = 0; i < 2; i++) {
		g->lz_load[i] = col();
		g->f_sec[i] = col();
		g->f_plain[i] = col();
		g->f_warm[i] = col();
		g->f_memfd[i] = col();
		g->f_lazy[i][0] = col();
		g->f_lazy[i][1] = col();
	}
}

/* Record a fault-pass result: v[0], v[1] ns, v[2], v[3] sums. */
static void faults(int part, const char *what, int side, uint64_t want,
		   uint64_t **dst, int i)
{
	uint64_t v[NVAL];

	if (measure(part, what, m_faults, &side, v))
		return;
	if (check_sum(part, what, v[2], want) || check_sum(part, what, v[3], want))
		return;
	dst[0][i] = v[0];
	dst[1][i] = v[1];
	if (!i)
		printf("# %s: %llu/%llu page faults for %u pages (in order/shuffled)\n",
		       what, (unsigned long long)v[4], (unsigned long long)v[5],
		       data_pages);
}

static void gen_run(struct gen *g, int i)
{
	int side, minor;
	struct holder h;
	uint64_t v[NVAL];

	/* Cold: no view of the image exists. */
	side = SIDE_SECTION;
	if (!measure(GEN, "section load", m_load, &side, v) &&
	    !check_sum(GEN, "section", v[1], want5))
		g->sec[i] = v[0];
	side = SIDE_EAGER;
	if (!measure(GEN, "eager load", m_load, &side, v) &&
	    !check_sum(GEN, "eager", v[1], want5))
		g->eager[i] = v[0];
	faults(GEN, "section first touches", SIDE_SECTION, want_all, g->f_sec, i);
	faults(GEN, "plain faults", SIDE_PLAIN, want_all - DELTA * data_pages,
	       g->f_plain, i);

	if (part_on[MEMFD]) {
		side = SIDE_MEMFD_BUILD;
		if (!measure(MEMFD, "memfd first process", m_load, &side, v) &&
		    !check_sum(MEMFD, "memfd", v[1], want5))
			g->mf_build[i] = v[0];
		side = SIDE_MEMFD;
		if (!measure(MEMFD, "memfd second process", m_load, &side, v) &&
		    !check_sum(MEMFD, "memfd", v[1], want5))
			g->mf_second[i] = v[0];
		if (!measure(MEMFD, "memfd build", m_memfd_build, NULL, v))
			g->build[i] = v[0];
		faults(MEMFD, "memfd faults", SIDE_MEMFD, want_all, g->f_memfd, i);
	}

	for (minor = 1; part_on[UFFD] && minor >= 0; minor--) {
		const char *name = minor ? "uffd minor" : "uffd missing";

		if (!(minor ? uffd_minor_ok : uffd_missing_ok))
			continue;
		if (!measure(UFFD, name, m_lazy_load, &minor, v) &&
		    !check_sum(UFFD, name, v[1], want5))
			g->lz_load[minor][i] = v[0];
		if (!measure(UFFD, name, m_lazy_faults, &minor, v) &&
		    !check_sum(UFFD, name, v[2], want_all) &&
		    !check_sum(UFFD, name, v[3], want_all)) {
			g->f_lazy[minor][0][i] = v[0];
			g->f_lazy[minor][1][i] = v[1];
			if (!i)
				printf("# %s first touches: %llu/%llu page faults for %u pages (in order/shuffled)\n",
				       name, (unsigned long long)v[4],
				       (unsigned long long)v[5], data_pages);
		}
	}

	/* Warm: another process keeps every page of the view built. */
	if (holder_start(&h))
		return;
	side = SIDE_SECTION;
	if (!measure(GEN, "section load, pages built", m_load, &side, v) &&
	    !check_sum(GEN, "section", v[1], want5))
		g->sec_warm[i] = v[0];
	faults(GEN, "section faults, pages built", SIDE_SECTION, want_all,
	       g->f_warm, i);
	holder_stop(&h);

	printf("# run %d: page-in %.1f ms, eager %.1f ms, memfd %.1f/%.1f ms, uffd minor %.1f ms, missing %.1f ms; faults seq/rnd ms: first %.1f/%.1f, built %.1f/%.1f, plain %.1f/%.1f, memfd %.1f/%.1f, uffd minor %.1f/%.1f, missing %.1f/%.1f\n",
	       i, g->sec[i] / 1e6, g->eager[i] / 1e6, g->mf_build[i] / 1e6,
	       g->mf_second[i] / 1e6, g->lz_load[1][i] / 1e6, g->lz_load[0][i] / 1e6,
	       g->f_sec[0][i] / 1e6, g->f_sec[1][i] / 1e6, g->f_warm[0][i] / 1e6,
	       g->f_warm[1][i] / 1e6, g->f_plain[0][i] / 1e6, g->f_plain[1][i] / 1e6,
	       g->f_memfd[0][i] / 1e6, g->f_memfd[1][i] / 1e6,
	       g->f_lazy[1][0][i] / 1e6, g->f_lazy[1][1][i] / 1e6,
	       g->f_lazy[0][0][i] / 1e6, g->f_lazy[0][1][i] / 1e6);
	fflush(stdout);
}

static const char *const order_name[2] = { "sequential", "random" };

static void gen_report(struct gen *g)
{
	long one_copy = image_len / 1024, pss_sec, pss_eager, pss_memfd = 0;
	double plain[2], sec[2], sec5;
	uint64_t v[NVAL];

	pss_sec = total_pss(SIDE_SECTION);
	pss_eager = total_pss(SIDE_EAGER);
	if (pss_sec < 0 || pss_eager < 0)
		fail(GEN, "a process of the Pss measurement failed");
	if (part_on[MEMFD] && !part_failed[MEMFD]) {
		pss_memfd = total_pss(SIDE_MEMFD);
		if (pss_memfd < 0)
			fail(MEMFD, "a process of the Pss measurement failed");
	}
	if (!measure(GEN, "pages built", m_built5, NULL, v))
		printf("# page-in of 5%%: touching %llu pages built %llu of the section's pages\n",
		       (unsigned long long)v[1], (unsigned long long)v[0]);
	if (part_failed[GEN])
		return;

	sec5 = median(g->sec, runs);
	printf("# bench: pe load+touch 5%% of 64 MiB: page-in %.1f ms, eager %.1f ms, eager/page-in %.1fx (goal >= 10x)\n",
	       sec5 / 1e6, median(g->eager, runs) / 1e6, median(g->eager, runs) / sec5);
	printf("# bench: pe memory, %d processes: sections %ld kB, eager %ld kB, one copy %ld kB; sections/one copy %.2fx (goal <= 1.2x), eager/one copy %.2fx\n",
	       NPROC, pss_sec, pss_eager, one_copy, (double)pss_sec / one_copy,
	       (double)pss_eager / one_copy);
	for (int r = 0; r < 2; r++) {
		plain[r] = (double)median(g->f_plain[r], runs) / data_pages;
		sec[r] = (double)median(g->f_sec[r], runs) / data_pages;
	}
	printf("# bench: pe fault cost per page, pages already relocated (shared): %.2f us, plain file mapping %.2f us, ratio %.2fx (goal <= 1.5x)\n",
	       median(g->f_warm[0], runs) / 1e3 / data_pages, plain[0] / 1e3,
	       median(g->f_warm[0], runs) / data_pages / plain[0]);
	for (int r = 0; r < 2; r++)
		printf("# bench: pe first-touch fault per page, %s: section %.2f us, plain file mapping %.2f us, section/plain %.2fx (goal <= 4x)\n",
		       order_name[r], sec[r] / 1e3, plain[r] / 1e3, sec[r] / plain[r]);

	if (part_on[MEMFD] && !part_failed[MEMFD]) {
		double b = median(g->mf_build, runs), s = median(g->mf_second, runs);
		double w = median(g->sec_warm, runs), bp = median(g->build, runs);

		printf("# bench: pe memfd load+touch 5%%: first process (relocates all 64 MiB into a sealed memfd) %.1f ms, memfd/page-in %.2fx; second process (memfd exists) %.1f ms, vs a section whose pages are built %.1f ms, memfd/section %.2fx\n",
		       b / 1e6, b / sec5, s / 1e6, w / 1e6, s / w);
		printf("# bench: pe memfd memory, %d processes: memfd %ld kB, one copy %ld kB, memfd/one copy %.2fx, and the memfd holds %ld kB while no process maps it\n",
		       NPROC, pss_memfd, one_copy, (double)pss_memfd / one_copy, one_copy);
		for (int r = 0; r < 2; r++) {
			double f = (double)median(g->f_memfd[r], runs) / data_pages;

			printf("# bench: pe memfd fault per page, %s, memfd built: %.2f us, memfd/plain %.2fx; section first touch/memfd %.2fx\n",
			       order_name[r], f / 1e3, f / plain[r], sec[r] / f);
		}
		printf("# bench: pe memfd one-time relocation: %.2f us per page, %.2fx a plain fault, %.2fx a section first touch (sequential)\n",
		       bp / data_pages / 1e3, bp / data_pages / plain[0],
		       bp / data_pages / sec[0]);
	}

	for (int minor = 1; part_on[UFFD] && !part_failed[UFFD] && minor >= 0; minor--) {
		double l, f[2];

		if (!(minor ? uffd_minor_ok : uffd_missing_ok))
			continue;
		l = median(g->lz_load[minor], runs);
		for (int r = 0; r < 2; r++)
			f[r] = (double)median(g->f_lazy[minor][r], runs) / data_pages;
		printf("# bench: pe uffd %s (%s): load+touch 5%% %.1f ms, uffd/page-in %.2fx; first touch per page: sequential %.2f us (%.2fx plain, %.2fx section), random %.2f us (%.2fx plain, %.2fx section)\n",
		       minor ? "minor" : "missing",
		       minor ? "memfd holds the image unrelocated, relocated in place then UFFDIO_CONTINUE" :
			       "empty memfd mapped shared, page copied from the file, relocated, UFFDIO_COPY",
		       l / 1e6, l / sec5, f[0] / 1e3, f[0] / plain[0], f[0] / sec[0],
		       f[1] / 1e3, f[1] / plain[1], f[1] / sec[1]);
	}
}

int main(int argc, char **argv)
{
	struct gen g;
	uint64_t t;
	int opt, i;

	while ((opt = getopt(argc, argv, "p:d:")) != -1) {
		switch (opt) {
		case 'p':
			for (i = 1; i < NPARTS; i++)
				part_on[i] = !!strchr(optarg, '1' + i);
			break;
		case 'd':
			dll_dir = optarg;
			break;
		default:
			fprintf(stderr, "usage: pe-bench [-p PARTS] [-d DLLDIR] [runs]\n");
			return 2;
		}
	}
	if (optind < argc)
		runs = atoi(argv[optind]);
	if (runs < 1)
		runs = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n1..%d\n", NPARTS);
	dev = open("/dev/ntsync", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		die("/dev/ntsync");
	t = now_ns();
	make_image();
	printf("# image written in %.1f s; %d runs\n", (now_ns() - t) / 1e9, runs);
	seq_order = malloc(data_pages * sizeof(*seq_order));
	rnd_order = malloc(data_pages * sizeof(*rnd_order));
	if (!seq_order || !rnd_order)
		die("malloc");
	make_order(seq_order, data_pages, 1, 0);
	make_order(rnd_order, data_pages, 1, 42);
	for (uint32_t p = 1; p <= data_pages; p++) {
		uint64_t w = PREFERRED + DELTA + (uint64_t)(p - 1) * PAGE;

		want_all += w;
		if ((p - 1) % 20 == 0)
			want5 += w;
	}
	if (part_on[MEMFD] || part_on[PRESSURE]) {
		/* The memfd a wineserver would hand out; its pages stay put. */
		shared_memfd = memfd_build(NULL);
	}
	if (part_on[UFFD])
		uffd_probe();

	gen_alloc(&g);
	for (i = 0; i < runs; i++)
		gen_run(&g, i);
	gen_report(&g);
	part_pressure();
	if (shared_memfd >= 0)
		close(shared_memfd);
	part_dlls();
	unlink(path);

	for (i = 1; i < NPARTS; i++)
		if (!part_on[i]) {
			part_failed[i] = 1;
			printf("# %s: not run (-p)\n", part_name[i]);
		}
	print_results();
	for (i = 0; i < NPARTS; i++)
		if (part_failed[i])
			return 1;
	return 0;
}
