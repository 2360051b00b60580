/*
 * kwine Wine sync benchmark: what a Win32 program pays for event waits.
 *
 *   wine-sync-bench.exe [ROUND_TRIPS [WAITALL_REPS]]
 *
 * (a) Two threads ping-pong with two auto-reset events (SetEvent +
 *     WaitForSingleObject), ROUND_TRIPS round trips (default 100000),
 *     timed in 5 batches: the result is the median batch's cost per
 *     round trip, so that a burst of other work in the guest (the
 *     prefix's services still starting) moves one batch, not the result.
 * (b) WaitForMultipleObjects wait-all on 64 auto-reset events that another
 *     thread signals one by one, WAITALL_REPS times (default 1000).
 *
 * Prints TAP (one result per measurement, so a failed run is visible) and
 * "# result: NAME=VALUE" lines, which scripts/guest/wine-sync-bench reads.
 *
 * Copyright 2026 the kwine developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

#include "bench-batches.h"

#define STUCK_MS 30000   /* a wait this long means the other side is gone */

static double elapsed_ns(LARGE_INTEGER start, LARGE_INTEGER end)
{
    LARGE_INTEGER freq;

    QueryPerformanceFrequency(&freq);
    return (double)(end.QuadPart - start.QuadPart) * 1e9 / (double)freq.QuadPart;
}

struct pingpong
{
    HANDLE ping, pong;
    long rounds;
};

static DWORD WINAPI pong_thread(void *arg)
{
    struct pingpong *pp = arg;
    long i;

    for (i = 0; i < pp->rounds; i++)
    {
        if (WaitForSingleObject(pp->ping, STUCK_MS) != WAIT_OBJECT_0) return 1;
        if (!SetEvent(pp->pong)) return 2;
    }
    return 0;
}

struct pingpong_run
{
    struct pingpong *pp;
    long done;
    DWORD ret;
};

/* one round trip; 0 if the other thread did not answer */
static int pingpong_once(void *arg)
{
    struct pingpong_run *run = arg;

    SetEvent(run->pp->ping);
    if ((run->ret = WaitForSingleObject(run->pp->pong, STUCK_MS)) != WAIT_OBJECT_0) return 0;
    run->done++;
    return 1;
}

static int bench_pingpong(long rounds)
{
    struct pingpong pp;
    struct pingpong_run run = { &pp, 0, 0 };
    LARGE_INTEGER start, end;
    HANDLE thread;
    DWORD code = 0xdeadbeef;
    double median;

    /* whole batches: the other thread answers exactly as many round trips */
    if (rounds >= BATCHES) rounds -= rounds % BATCHES;
    else rounds = BATCHES;
    pp.ping = CreateEventW(NULL, FALSE, FALSE, NULL);
    pp.pong = CreateEventW(NULL, FALSE, FALSE, NULL);
    pp.rounds = rounds;
    thread = CreateThread(NULL, 0, pong_thread, &pp, 0, NULL);
    if (!pp.ping || !pp.pong || !thread)
    {
        printf("# pingpong: setup failed, error %lu\n", GetLastError());
        return 0;
    }
    QueryPerformanceCounter(&start);
    median = median_of_batches(rounds, pingpong_once, &run, 1e9);
    QueryPerformanceCounter(&end);
    if (median < 0) printf("# pingpong: round %ld: wait returned %lu\n", run.done, run.ret);
    if (run.done < rounds) SetEvent(pp.ping);
    WaitForSingleObject(thread, STUCK_MS);
    GetExitCodeThread(thread, &code);
    CloseHandle(thread);
    CloseHandle(pp.ping);
    CloseHandle(pp.pong);
    if (run.done != rounds || code != 0)
    {
        printf("# pingpong: %ld of %ld round trips, thread exit %lu\n", run.done, rounds, code);
        return 0;
    }
    printf("# pingpong: %ld round trips in %.3f s, %.0f ns each; median of %d batches %.0f ns\n",
           rounds, elapsed_ns(start, end) / 1e9, elapsed_ns(start, end) / rounds, BATCHES, median);
    printf("# result: pingpong_ns=%.0f\n", median);
    return 1;
}

struct waitall
{
    HANDLE events[MAXIMUM_WAIT_OBJECTS];
    HANDLE start;
    long reps;
};

static DWORD WINAPI signal_thread(void *arg)
{
    struct waitall *w = arg;
    long r;
    int i;

    for (r = 0; r < w->reps; r++)
    {
        if (WaitForSingleObject(w->start, STUCK_MS) != WAIT_OBJECT_0) return 1;
        for (i = 0; i < MAXIMUM_WAIT_OBJECTS; i++)
            if (!SetEvent(w->events[i])) return 2;
    }
    return 0;
}

static int bench_waitall(long reps)
{
    struct waitall w;
    LARGE_INTEGER start, end;
    HANDLE thread;
    DWORD ret, code = 0xdeadbeef;
    long r, done = 0;
    int i;

    w.reps = reps;
    w.start = CreateEventW(NULL, FALSE, FALSE, NULL);
    for (i = 0; i < MAXIMUM_WAIT_OBJECTS; i++)
        if (!(w.events[i] = CreateEventW(NULL, FALSE, FALSE, NULL)))
        {
            printf("# waitall64: CreateEvent failed %lu\n", GetLastError());
            return 0;
        }
    thread = CreateThread(NULL, 0, signal_thread, &w, 0, NULL);
    QueryPerformanceCounter(&start);
    for (r = 0; r < reps; r++)
    {
        SetEvent(w.start);
        ret = WaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS, w.events, TRUE, STUCK_MS);
        if (ret != WAIT_OBJECT_0)
        {
            printf("# waitall64: repetition %ld: wait returned %lu\n", r, ret);
            break;
        }
        done++;
    }
    QueryPerformanceCounter(&end);
    if (done < reps) TerminateThread(thread, 3);
    WaitForSingleObject(thread, STUCK_MS);
    GetExitCodeThread(thread, &code);
    CloseHandle(thread);
    /* every event was consumed by the last wait-all */
    for (i = 0; i < MAXIMUM_WAIT_OBJECTS; i++)
    {
        if (done == reps && WaitForSingleObject(w.events[i], 0) != WAIT_TIMEOUT)
        {
            printf("# waitall64: event %d still signaled after the last wait-all\n", i);
            code = 4;
        }
        CloseHandle(w.events[i]);
    }
    CloseHandle(w.start);
    if (done != reps || code != 0)
    {
        printf("# waitall64: %ld of %ld wait-alls, thread exit %lu\n", done, reps, code);
        return 0;
    }
    printf("# waitall64: %ld wait-alls in %.3f s\n", reps, elapsed_ns(start, end) / 1e9);
    printf("# result: waitall64_ns=%.0f\n", elapsed_ns(start, end) / reps);
    return 1;
}

int main(int argc, char **argv)
{
    long rounds = 100000, reps = 1000;
    int failed = 0;

    if (argc > 1) rounds = strtol(argv[1], NULL, 0);
    if (argc > 2) reps = strtol(argv[2], NULL, 0);
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("TAP version 13\n1..2\n");
    if (rounds <= 0 || reps <= 0)
    {
        printf("# usage: wine-sync-bench.exe [ROUND_TRIPS [WAITALL_REPS]]\n");
        printf("not ok 1 pingpong\nnot ok 2 waitall64\n");
        return 2;
    }
    if (!bench_pingpong(rounds)) failed |= 1;
    printf("%sok 1 pingpong\n", failed & 1 ? "not " : "");
    if (!bench_waitall(reps)) failed |= 2;
    printf("%sok 2 waitall64\n", failed & 2 ? "not " : "");
    return failed ? 1 : 0;
}
