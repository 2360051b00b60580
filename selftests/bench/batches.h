/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the native ping-pongs time a round trip with, as the Win32
 * benchmarks do (selftests/wine/bench-batches.h): the median over
 * BATCHES batches of the cost per round trip, so that a burst of other
 * work in the guest moves one batch, not the result.
 *
 * Copyright 2026 the kwine developers
 */
#ifndef KWINE_BENCH_NATIVE_BATCHES_H
#define KWINE_BENCH_NATIVE_BATCHES_H

#include <stdlib.h>
#include <time.h>

#define BATCHES 5

static inline double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* the median of BATCHES costs; sorts them */
static inline double median_cost(double *cost)
{
	qsort(cost, BATCHES, sizeof(cost[0]), cmp_double);
	return cost[BATCHES / 2];
}

/* ROUND_TRIPS rounded to whole batches, at least one round trip each */
static inline long whole_batches(long rounds)
{
	return rounds >= BATCHES ? rounds - rounds % BATCHES : BATCHES;
}

#endif
