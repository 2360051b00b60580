// SPDX-License-Identifier: GPL-2.0
/*
 * kwine benchmark: what one user's many views cost another's mappings.
 *
 * Each base an image is mapped at is a view, which the kernel keeps in a
 * table until the mapping goes.  A process (the "crowd") maps the first
 * page of one DLL at VIEWS different bases (default 60000, below the
 * default vm.max_map_count).  Meanwhile another process maps a second
 * DLL's section at one base and unmaps it, ROUNDS times (each a lookup
 * that misses, an insert and a removal); that is timed with the crowd
 * there (a second after it is ready, as the table grows in the
 * background) and with no crowd, alternately, and each figure is the
 * median over the runs.  A table whose lookups grow with what is in it makes the
 * first figure the larger.  Prints "# bench: ..." lines and TAP.
 *
 *   pe-views [-d DLLDIR] [runs]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/ntsync.h>

#define PAGE	4096ul
#define VIEWS	60000
#define ROUNDS	2000
#define MAXRUNS	15

static const char *dll_dir = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";
static int devfd;

static void die(const char *what)
{
	printf("# pe-views: %s: %s\n", what, strerror(errno));
	printf("not ok 1 pe_views\n");
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ull + t.tv_nsec;
}

static int section_of(const char *name)
{
	struct ntsync_section_args args = { 0 };
	char path[512];
	int sec;

	snprintf(path, sizeof(path), "%s/%s", dll_dir, name);
	args.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (args.fd < 0)
		die(path);
	sec = ioctl(devfd, NTSYNC_IOC_CREATE_SECTION, &args);
	if (sec < 0)
		die("NTSYNC_IOC_CREATE_SECTION");
	close(args.fd);
	return sec;
}

/* The crowd: VIEWS one-page mappings at as many bases; then waits. */
static pid_t start_crowd(int ready)
{
	pid_t pid = fork();
	uint8_t *region;
	int sec, i;

	if (pid)
		return pid;
	sec = section_of("kernel32.dll");
	region = mmap(NULL, VIEWS * PAGE, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (region == MAP_FAILED)
		_exit(2);
	for (i = 0; i < VIEWS; i++)
		if (mmap(region + i * PAGE, PAGE, PROT_READ,
			 MAP_PRIVATE | MAP_FIXED, sec, 0) != region + i * PAGE)
			_exit(3);
	if (write(ready, "x", 1) != 1)
		_exit(4);
	pause();
	_exit(0);
}

/* ns per mmap + munmap of @sec at one base (a view made and dropped) */
static double map_unmap(int sec, size_t len)
{
	void *addr = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	uint64_t t;
	int i;

	if (addr == MAP_FAILED)
		die("mmap");
	munmap(addr, len);
	t = now_ns();
	for (i = 0; i < ROUNDS; i++) {
		void *p = mmap(addr, len, PROT_READ,
			       MAP_PRIVATE | MAP_FIXED_NOREPLACE, sec, 0);

		if (p != addr)
			die("mmap section");
		munmap(p, len);
	}
	return (double)(now_ns() - t) / ROUNDS;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	double with[MAXRUNS], without[MAXRUNS];
	struct ntsync_section_info info;
	int runs = 3, opt, r, sec;

	while ((opt = getopt(argc, argv, "d:")) != -1) {
		if (opt != 'd') {
			fprintf(stderr, "usage: pe-views [-d DLLDIR] [runs]\n");
			return 2;
		}
		dll_dir = optarg;
	}
	if (optind < argc)
		runs = atoi(argv[optind]);
	if (runs < 1 || runs > MAXRUNS)
		runs = 3;
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("TAP version 13\n1..1\n");
	devfd = open("/dev/ntsync", O_RDWR | O_CLOEXEC);
	if (devfd < 0)
		die("/dev/ntsync");
	sec = section_of("ntdll.dll");
	if (ioctl(sec, NTSYNC_IOC_SECTION_QUERY, &info))
		die("NTSYNC_IOC_SECTION_QUERY");

	map_unmap(sec, PAGE);	/* warm up, untimed */
	for (r = 0; r < runs; r++) {
		int pipefd[2];
		pid_t crowd;
		char c;

		without[r] = map_unmap(sec, PAGE);
		if (pipe(pipefd))
			die("pipe");
		crowd = start_crowd(pipefd[1]);
		if (crowd < 0)
			die("fork");
		if (read(pipefd[0], &c, 1) != 1) {
			int status;

			waitpid(crowd, &status, 0);
			errno = 0;
			printf("# crowd exited with status %d\n",
			       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			die("crowd");
		}
		close(pipefd[0]);
		close(pipefd[1]);
		/* Let the table's deferred growth finish first. */
		sleep(1);
		with[r] = map_unmap(sec, PAGE);
		kill(crowd, SIGKILL);
		waitpid(crowd, NULL, 0);
		sleep(1);
		printf("# run %d: map+unmap %.0f ns alone, %.0f ns with %d views of another image\n",
		       r, without[r], with[r], VIEWS);
	}
	qsort(with, runs, sizeof(with[0]), cmp_double);
	qsort(without, runs, sizeof(without[0]), cmp_double);
	printf("# bench: pe map+unmap of a section while another process has %d views: %.1f us, alone %.1f us, ratio %.2fx (goal <= 1.2x)\n",
	       VIEWS, with[runs / 2] / 1000, without[runs / 2] / 1000,
	       with[runs / 2] / without[runs / 2]);
	printf("ok 1 pe_views\n");
	return 0;
}
