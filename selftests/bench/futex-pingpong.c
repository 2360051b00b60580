// SPDX-License-Identifier: GPL-2.0
/*
 * Native baseline for wine-sync-bench's ping-pong: two pthreads pass the
 * turn back and forth through two auto-reset events built on futexes.
 *
 *   futex-pingpong [ROUND_TRIPS]     (default 100000)
 *
 * Prints TAP and "# result: futex_pingpong_ns=<ns per round trip>", the
 * median of 5 batches (batches.h).
 *
 * Copyright 2026 the kwine developers
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "batches.h"

/* An auto-reset event: set wakes one waiter, a wait consumes the signal. */
struct event {
	atomic_int signaled;
	atomic_int waiters;
};

static long futex(atomic_int *addr, int op, int val, const struct timespec *ts)
{
	return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

static void event_set(struct event *e)
{
	atomic_store(&e->signaled, 1);
	if (atomic_load(&e->waiters))
		futex(&e->signaled, FUTEX_WAKE_PRIVATE, 1, NULL);
}

/* Returns 0, or -1 when nothing set the event for 30 s. */
static int event_wait(struct event *e)
{
	struct timespec ts = { .tv_sec = 30 };
	int ret = 0;

	if (atomic_exchange(&e->signaled, 0))
		return 0;
	atomic_fetch_add(&e->waiters, 1);
	while (!atomic_exchange(&e->signaled, 0)) {
		if (futex(&e->signaled, FUTEX_WAIT_PRIVATE, 0, &ts) &&
		    errno == ETIMEDOUT) {
			ret = -1;
			break;
		}
	}
	atomic_fetch_sub(&e->waiters, 1);
	return ret;
}

static struct event ping, pong;
static long rounds = 100000;

static void *pong_thread(void *arg)
{
	long i;

	(void)arg;
	for (i = 0; i < rounds; i++) {
		if (event_wait(&ping))
			return (void *)1;
		event_set(&pong);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t thread;
	void *thread_ret = NULL;
	long i, done = 0, per;
	double start, end, batch, cost[BATCHES];

	if (argc > 1)
		rounds = strtol(argv[1], NULL, 0);
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("TAP version 13\n1..1\n");
	if (rounds <= 0) {
		printf("# usage: futex-pingpong [ROUND_TRIPS]\nnot ok 1 futex_pingpong\n");
		return 2;
	}
	rounds = whole_batches(rounds);
	per = rounds / BATCHES;
	if (pthread_create(&thread, NULL, pong_thread, NULL)) {
		printf("# pthread_create failed\nnot ok 1 futex_pingpong\n");
		return 1;
	}
	start = batch = now_ns();
	for (i = 0; i < rounds; i++) {
		event_set(&ping);
		if (event_wait(&pong)) {
			printf("# round %ld: no answer in 30 s\n", i);
			break;
		}
		done++;
		if (done % per == 0) {
			end = now_ns();
			cost[done / per - 1] = (end - batch) / per;
			batch = end;
		}
	}
	end = now_ns();
	if (done < rounds)
		event_set(&ping);
	pthread_join(thread, &thread_ret);
	if (done != rounds || thread_ret) {
		printf("# %ld of %ld round trips\nnot ok 1 futex_pingpong\n", done, rounds);
		return 1;
	}
	printf("# %ld round trips in %.3f s, %.0f ns each\n", rounds, (end - start) / 1e9,
	       (end - start) / rounds);
	printf("# result: futex_pingpong_ns=%.0f\n", median_cost(cost));
	printf("ok 1 futex_pingpong\n");
	return 0;
}
