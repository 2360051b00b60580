// SPDX-License-Identifier: GPL-2.0
/*
 * kwine benchmark: image sections of PE files that are not in the page
 * cache, as after a reboot, against private mappings of the same files.
 *
 * The N largest DLLs of a directory (the guest's Wine) are copied to ext4
 * on a loop device (its backing file on tmpfs, in a mount namespace of our
 * own).  Before each measurement every file's pages are dropped from the
 * page cache (POSIX_FADV_DONTNEED).  Then each file is, in turn:
 *
 *   section  created as an image section, mapped 16 MiB above its base
 *            (so every page is relocated) and touched;
 *   plain    mapped privately as it is (no layout, no relocation): what
 *            reading the same bytes of the file costs, the floor.
 *
 * Two touch patterns, each its own measurement: every 20th page of the
 * mapping (load + touch 5%) and every page.  Each figure is the time over
 * all files and the read requests the loop device completed meanwhile
 * (/sys/block/loopN/stat); runs alternate between the sides, and each
 * figure is the median of the runs.  Prints "# bench: ..." lines.
 *
 *   pe-cold [-n FILES] [-d DLLDIR] [runs]
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <linux/ntsync.h>

#define PAGE		4096ul
#define DELTA		(16ull << 20)
#define MAXFILES	256
#define MAXRUNS		15

static char top[] = "/tmp/pe_cold_XXXXXX";
static char mnt[64], blkdev[256];
static char *files[MAXFILES];
static int nfiles, devfd;
static volatile unsigned long sink;

static void die(const char *what)
{
	printf("# pe-cold: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ull + t.tv_nsec;
}

static unsigned long long reads_done(void)
{
	unsigned long long ios = 0;
	char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/block/%s/stat", blkdev);
	f = fopen(path, "re");
	if (!f || fscanf(f, "%llu", &ios) != 1)
		die(path);
	fclose(f);
	return ios;
}

struct big {
	off_t size;
	char name[256];
};

static int by_size(const void *a, const void *b)
{
	const struct big *x = a, *y = b;

	return x->size < y->size ? 1 : x->size > y->size ? -1 :
	       strcmp(x->name, y->name);
}

/* Copy the @n largest .dll files of @dir to ext4 on a loop device. */
static void setup(const char *dir, int n)
{
	static struct big list[4096];
	char cmd[1024], path[600];
	int count = 0, i;
	struct dirent *e;
	FILE *m;
	DIR *d;

	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		die("private mount namespace");
	if (!mkdtemp(top) || mount("tmpfs", top, "tmpfs", 0, "size=1g"))
		die("tmpfs");
	d = opendir(dir);
	if (!d)
		die(dir);
	while ((e = readdir(d)) && count < 4096) {
		struct stat st;
		size_t len = strlen(e->d_name);

		if (len < 5 || strcmp(e->d_name + len - 4, ".dll"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		list[count].size = st.st_size;
		snprintf(list[count].name, sizeof(list[count].name), "%s",
			 e->d_name);
		count++;
	}
	closedir(d);
	qsort(list, count, sizeof(list[0]), by_size);
	if (n > count)
		n = count;

	snprintf(mnt, sizeof(mnt), "%s/m", top);
	snprintf(cmd, sizeof(cmd),
		 "dd if=/dev/zero of=%s/ext4.img bs=1M count=600 status=none && mkfs.ext4 -q -F -b 4096 %s/ext4.img && mkdir %s && mount -o loop %s/ext4.img %s",
		 top, top, mnt, top, mnt);
	if (system(cmd))
		die("ext4 on a loop device (mkfs.ext4, CONFIG_EXT4_FS, CONFIG_BLK_DEV_LOOP)");
	m = fopen("/proc/self/mounts", "re");
	if (!m)
		die("/proc/self/mounts");
	while (fgets(cmd, sizeof(cmd), m)) {
		char src[256], at[256];

		if (sscanf(cmd, "%255s %255s", src, at) == 2 &&
		    !strcmp(at, mnt) && !strncmp(src, "/dev/", 5))
			strcpy(blkdev, src + 5);
	}
	fclose(m);
	if (!blkdev[0])
		die("no block device under the ext4 mount");

	for (i = 0; i < n; i++) {
		snprintf(cmd, sizeof(cmd), "cp '%s/%s' '%s/'", dir,
			 list[i].name, mnt);
		if (system(cmd))
			die("copying a DLL");
		if (asprintf(&files[nfiles++], "%s/%s", mnt, list[i].name) < 0)
			die("asprintf");
	}
	sync();
}

/* Drop every file's pages from the page cache. */
static void drop_all(void)
{
	for (int i = 0; i < nfiles; i++) {
		int fd = open(files[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0 || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))
			die("dropping a file's pages");
		close(fd);
	}
}

static void touch(const unsigned char *p, size_t len, unsigned int every)
{
	for (size_t o = 0; o < len; o += PAGE * every)
		sink += p[o];
}

/*
 * One side over every file, cold: ns taken, read requests, and the pages
 * mapped (image pages for a section, file pages for plain).
 */
static void run(int section, unsigned int every, uint64_t *ns,
		unsigned long long *ios, unsigned long long *pages)
{
	unsigned long long r0;
	uint64_t t0;

	drop_all();
	*pages = 0;
	r0 = reads_done();
	t0 = now_ns();
	for (int i = 0; i < nfiles; i++) {
		int fd = open(files[i], O_RDONLY | O_CLOEXEC);
		unsigned char *p;
		size_t len;

		if (fd < 0)
			die(files[i]);
		if (section) {
			struct ntsync_section_args args = { .fd = fd };
			struct ntsync_section_info info;
			int sfd = ioctl(devfd, NTSYNC_IOC_CREATE_SECTION, &args);

			memset(&info, 0, sizeof(info));
			if (sfd < 0 || ioctl(sfd, NTSYNC_IOC_SECTION_QUERY, &info))
				die(files[i]);
			len = (info.image_size + PAGE - 1) & ~(PAGE - 1);
			p = mmap((void *)(uintptr_t)(info.image_base + DELTA),
				 len, PROT_READ,
				 MAP_PRIVATE | MAP_FIXED_NOREPLACE, sfd, 0);
			if (p == MAP_FAILED)
				die("mapping a section");
			touch(p, len, every);
			munmap(p, len);
			close(sfd);
		} else {
			struct stat st;

			if (fstat(fd, &st))
				die(files[i]);
			len = st.st_size;
			p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
			if (p == MAP_FAILED)
				die("mapping a file");
			touch(p, len, every);
			munmap(p, len);
		}
		*pages += len / PAGE;
		close(fd);
	}
	*ns = now_ns() - t0;
	*ios = reads_done() - r0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	const char *dir = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";
	static const unsigned int pattern[2] = { 20, 1 };
	int n = 40, runs = 3, opt;

	while ((opt = getopt(argc, argv, "n:d:")) != -1) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 'd')
			dir = optarg;
	}
	if (optind < argc)
		runs = atoi(argv[optind]);
	if (runs < 1 || runs > MAXRUNS || n < 1 || n > MAXFILES) {
		fprintf(stderr, "usage: pe-cold [-n FILES] [-d DLLDIR] [runs]\n");
		return 2;
	}
	devfd = open("/dev/ntsync", O_RDWR | O_CLOEXEC);
	if (devfd < 0)
		die("/dev/ntsync");
	setup(dir, n);

	for (int k = 0; k < 2; k++) {
		uint64_t ns[2][MAXRUNS], ios[2][MAXRUNS];
		unsigned long long pages[2] = { 0, 0 };

		for (int r = 0; r < runs; r++) {
			for (int s = 0; s < 2; s++) {
				int side = (r + s) % 2;	/* alternate who goes first */
				unsigned long long io;

				run(side, pattern[k], &ns[side][r], &io,
				    &pages[side]);
				ios[side][r] = io;
			}
		}
		{
			double sec = median(ns[1], runs) / 1e6;
			double pl = median(ns[0], runs) / 1e6;

			printf("# bench: pe cold page-in from ext4 (%d Wine DLLs, %llu MiB of image, not in the page cache), touching %s: section %.1f ms, %llu read requests; plain file mapping %.1f ms, %llu read requests; section/plain %.2fx\n",
			       nfiles, pages[1] * PAGE >> 20,
			       pattern[k] == 1 ? "every page" :
						 "every 20th page",
			       sec, (unsigned long long)median(ios[1], runs),
			       pl, (unsigned long long)median(ios[0], runs),
			       sec / pl);
		}
	}
	umount2(mnt, MNT_DETACH);
	umount2(top, MNT_DETACH);
	return 0;
}
