// SPDX-License-Identifier: GPL-2.0
/*
 * The driver's own wait/wake path: two pthreads pass the turn back and
 * forth through two auto-reset ntsync events (NTSYNC_IOC_EVENT_SET, then
 * NTSYNC_IOC_WAIT_ANY), as wine-sync-bench's ping-pong does through Wine,
 * without Wine.  futex-pingpong is the same exchange on plain futexes.
 *
 *   ntsync-pingpong [ROUND_TRIPS]     (default 100000)
 *
 * Prints TAP and "# result: ntsync_pingpong_ns=<ns per round trip>", the
 * median of 5 batches (batches.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/ntsync.h>

#include "batches.h"

static int dev, ping, pong;
static long rounds = 100000;

static int wait_one(int obj)
{
	struct ntsync_wait_args args = { 0 };
	struct timespec ts;
	int objs[1] = { obj };

	clock_gettime(CLOCK_MONOTONIC, &ts);
	args.timeout = (ts.tv_sec + 30) * 1000000000ULL + ts.tv_nsec;
	args.objs = (uintptr_t)objs;
	args.count = 1;
	args.owner = gettid();	/* the driver refuses owner 0 */
	return ioctl(dev, NTSYNC_IOC_WAIT_ANY, &args);
}

static int set(int obj)
{
	__u32 prev;

	return ioctl(obj, NTSYNC_IOC_EVENT_SET, &prev);
}

static void *pong_thread(void *arg)
{
	long i;

	(void)arg;
	for (i = 0; i < rounds; i++)
		if (wait_one(ping) || set(pong))
			return (void *)1;
	return NULL;
}

int main(int argc, char **argv)
{
	struct ntsync_event_args ev = { 0 };
	pthread_t t;
	void *ret;
	double start, batch, end, cost[BATCHES];
	long i, per;

	if (argc > 1)
		rounds = atol(argv[1]);
	printf("TAP version 13\n1..1\n");
	rounds = whole_batches(rounds);
	per = rounds / BATCHES;
	dev = open("/dev/ntsync", O_RDWR | O_CLOEXEC);
	ping = dev < 0 ? -1 : ioctl(dev, NTSYNC_IOC_CREATE_EVENT, &ev);
	pong = dev < 0 ? -1 : ioctl(dev, NTSYNC_IOC_CREATE_EVENT, &ev);
	if (ping < 0 || pong < 0) {
		printf("not ok 1 ntsync_pingpong # setup: %s\n", strerror(errno));
		return 1;
	}
	if (pthread_create(&t, NULL, pong_thread, NULL)) {
		printf("not ok 1 ntsync_pingpong # pthread_create\n");
		return 1;
	}
	start = batch = now_ns();
	for (i = 0; i < rounds; i++) {
		if (set(ping) || wait_one(pong)) {
			printf("not ok 1 ntsync_pingpong # round %ld: %s\n", i,
			       strerror(errno));
			return 1;
		}
		if ((i + 1) % per == 0) {
			end = now_ns();
			cost[(i + 1) / per - 1] = (end - batch) / per;
			batch = end;
		}
	}
	end = now_ns();
	pthread_join(t, &ret);
	if (ret) {
		printf("not ok 1 ntsync_pingpong # the other thread failed\n");
		return 1;
	}
	printf("# %ld round trips in %.3f s, %.0f ns each\n", rounds, (end - start) / 1e9,
	       (end - start) / rounds);
	printf("# result: ntsync_pingpong_ns=%.0f\n", median_cost(cost));
	printf("ok 1 ntsync_pingpong\n");
	return 0;
}
