// SPDX-License-Identifier: GPL-2.0
/*
 * kwine benchmark: expiry-to-wakeup latency of an ntsync timer against a
 * timerfd + poll loop, in the same process, samples interleaved so both
 * see the same machine.  Each sample arms a relative 1 ms timer, waits for
 * it, and takes the wakeup time minus the due time.
 *
 * Prints "# bench: ..." lines with p50/p99/max of each and their ratios.
 *
 *   timer-latency [samples]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <linux/ntsync.h>

#define DUE_NS 1000000ULL

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int64_t sample_ntsync(int dev, int timer)
{
	struct ntsync_timer_set_args set = { .due = DUE_NS };
	struct ntsync_wait_args wait = { 0 };
	uint64_t armed, woke;

	wait.timeout = UINT64_MAX;
	wait.objs = (uintptr_t)&timer;
	wait.count = 1;
	wait.owner = 1;
	armed = now_ns();
	if (ioctl(timer, NTSYNC_IOC_TIMER_SET, &set) < 0)
		return -1;
	if (ioctl(dev, NTSYNC_IOC_WAIT_ANY, &wait) < 0)
		return -1;
	woke = now_ns();
	return woke - (armed + DUE_NS);
}

static int64_t sample_timerfd(int tfd)
{
	struct itimerspec its = { .it_value = { 0, DUE_NS } };
	struct pollfd pfd = { .fd = tfd, .events = POLLIN };
	uint64_t armed, woke, expirations;

	armed = now_ns();
	if (timerfd_settime(tfd, 0, &its, NULL) < 0)
		return -1;
	if (poll(&pfd, 1, -1) != 1)
		return -1;
	woke = now_ns();
	if (read(tfd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return -1;
	return woke - (armed + DUE_NS);
}

static void report(const char *name, uint64_t *v, int n, uint64_t *p50,
		   uint64_t *p99)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	*p50 = v[n / 2];
	*p99 = v[(n * 99) / 100];
	printf("# bench: %s latency over %d samples: p50 %llu us, p99 %llu us, max %llu us\n",
	       name, n, (unsigned long long)*p50 / 1000,
	       (unsigned long long)*p99 / 1000, (unsigned long long)v[n - 1] / 1000);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000;
	struct ntsync_timer_args targs = { .manual = 0 };
	uint64_t *nt, *tf, nt50, nt99, tf50, tf99;
	int dev, timer, tfd, i;

	if (n < 100) {
		fprintf(stderr, "need at least 100 samples\n");
		return 2;
	}
	dev = open("/dev/ntsync", O_RDONLY | O_CLOEXEC);
	if (dev < 0) {
		perror("/dev/ntsync");
		return 1;
	}
	timer = ioctl(dev, NTSYNC_IOC_CREATE_TIMER, &targs);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (timer < 0 || tfd < 0) {
		perror("creating timers");
		return 1;
	}
	nt = calloc(n, sizeof(*nt));
	tf = calloc(n, sizeof(*tf));
	if (!nt || !tf)
		return 1;

	/* Warm up both paths, then interleave. */
	sample_ntsync(dev, timer);
	sample_timerfd(tfd);
	for (i = 0; i < n; i++) {
		int64_t a = sample_ntsync(dev, timer);
		int64_t b = sample_timerfd(tfd);

		if (a < 0 || b < 0) {
			fprintf(stderr, "sample %d failed: %s\n", i, strerror(errno));
			return 1;
		}
		nt[i] = a;
		tf[i] = b;
	}

	report("ntsync timer", nt, n, &nt50, &nt99);
	report("timerfd+poll", tf, n, &tf50, &tf99);
	printf("# bench: timer latency ratio ntsync/timerfd: p50 %.2f, p99 %.2f (goal: both <= 1.50)\n",
	       (double)nt50 / (tf50 ? tf50 : 1), (double)nt99 / (tf99 ? tf99 : 1));
	return 0;
}
