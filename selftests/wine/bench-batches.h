/*
 * What kwine's Win32 benchmarks time an operation with: the median over
 * BATCHES batches of its cost per call.
 *
 * Copyright 2026 the kwine developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef KWINE_BENCH_BATCHES_H
#define KWINE_BENCH_BATCHES_H

#include <stdlib.h>
#include <windows.h>

#define BATCHES 5

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* median over BATCHES batches of calls / BATCHES calls of op(ctx), in
 * units (1e9: ns, 1e6: us) per call; -1 as soon as op fails (returns 0) */
static double median_of_batches(long calls, int (*op)(void *), void *ctx, double units)
{
    LARGE_INTEGER freq, start, end;
    double cost[BATCHES];
    long per = calls / BATCHES, i;
    int b;

    if (per < 1) per = 1;
    QueryPerformanceFrequency(&freq);
    for (b = 0; b < BATCHES; b++)
    {
        QueryPerformanceCounter(&start);
        for (i = 0; i < per; i++)
            if (!op(ctx)) return -1;
        QueryPerformanceCounter(&end);
        cost[b] = (double)(end.QuadPart - start.QuadPart) * units / (double)freq.QuadPart / per;
    }
    qsort(cost, BATCHES, sizeof(cost[0]), cmp_double);
    return cost[BATCHES / 2];
}

#endif /* KWINE_BENCH_BATCHES_H */
