/*
 * kwine benchmark: what a thread's exit costs while another process of the
 * same wineserver has used many mutexes.
 *
 *   thread-exit-cost.exe [MUTEXES [THREADS]]
 *
 * Starts a copy of itself that creates MUTEXES mutexes (default 10000) and
 * takes and releases each once, so that under the patched Wine each is a
 * kernel mutex whose fd that process holds; then times THREADS threads
 * (default 100) that start and exit at once, one after the other.  A
 * server that abandons the mutexes of a dying thread by looking at every
 * kernel mutex it has pays for the other process's mutexes at each exit;
 * it need only look at those of the dying thread's own process.  Ends the
 * child and times the threads again, as the baseline.
 *
 * Prints TAP and "# result: NAME=VALUE" lines (thread_exit_us,
 * thread_exit_many_us: the median of 5 batches, in us per thread), which
 * scripts/guest/wine-sync-bench reads.  The child needs an fd per mutex:
 * run it with "ulimit -n" raised.
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
#include <string.h>
#include <windows.h>

#define CHILD_WAIT 600000  /* ms: how long the child waits to be told to go */

#include "bench-batches.h"

static DWORD WINAPI exit_at_once(void *arg)
{
    (void)arg;
    return 0;
}

/* one thread started and waited for until it has exited */
static int start_and_exit(void *arg)
{
    HANDLE thread = CreateThread(NULL, 0, exit_at_once, NULL, 0, NULL);
    DWORD ret;

    (void)arg;
    if (!thread)
    {
        printf("# CreateThread failed: %lu\n", GetLastError());
        return 0;
    }
    ret = WaitForSingleObject(thread, 60000);
    CloseHandle(thread);
    if (ret == WAIT_OBJECT_0) return 1;
    printf("# thread did not exit within 60 s\n");
    return 0;
}

/* median over BATCHES batches of the us per thread started and waited for */
static double time_threads(long threads)
{
    return median_of_batches(threads, start_and_exit, NULL, 1e6);
}

/* child "hold N READY GO": use N mutexes, set READY, wait for GO; exit status: mutexes used */
static int child(long count, HANDLE ready, HANDLE go)
{
    long i, used = 0;

    for (i = 0; i < count; i++)
    {
        HANDLE mutex = CreateMutexW(NULL, FALSE, NULL);

        if (!mutex) break;
        if (WaitForSingleObject(mutex, 0) != WAIT_OBJECT_0 || !ReleaseMutex(mutex)) break;
        used++;
        /* the handles stay open until the process exits */
    }
    SetEvent(ready);
    WaitForSingleObject(go, CHILD_WAIT);
    return used == count ? 0 : 1;
}

int main(int argc, char **argv)
{
    long count = 10000, threads = 100;
    SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    HANDLE ready, go;
    char self[MAX_PATH], cmd[MAX_PATH + 128];
    double base, many;
    DWORD code = 1;
    int failed = 0;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 5 && !strcmp(argv[1], "hold"))
        return child(atol(argv[2]), (HANDLE)(ULONG_PTR)strtoull(argv[3], NULL, 0),
                     (HANDLE)(ULONG_PTR)strtoull(argv[4], NULL, 0));
    if (argc > 1) count = atol(argv[1]);
    if (argc > 2) threads = atol(argv[2]);
    printf("TAP version 13\n1..3\n");
    if (count < 1 || threads < 1)
    {
        printf("Bail out! usage: thread-exit-cost.exe [MUTEXES [THREADS]]\n");
        return 2;
    }

    ready = CreateEventW(&sa, TRUE, FALSE, NULL);
    go = CreateEventW(&sa, TRUE, FALSE, NULL);
    GetModuleFileNameA(NULL, self, sizeof(self));
    snprintf(cmd, sizeof(cmd), "\"%s\" hold %ld %llu %llu", self, count,
             (unsigned long long)(ULONG_PTR)ready, (unsigned long long)(ULONG_PTR)go);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    if (!CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi))
    {
        printf("Bail out! CreateProcess failed: %lu\n", GetLastError());
        return 1;
    }
    CloseHandle(pi.hThread);
    if (WaitForSingleObject(ready, CHILD_WAIT) != WAIT_OBJECT_0)
    {
        printf("not ok 1 the child did not get ready\n");
        TerminateProcess(pi.hProcess, 1);
        return 1;
    }
    printf("ok 1 a child process has used %ld mutexes\n", count);

    many = time_threads(threads);
    printf("# result: thread_exit_many_us=%.1f\n", many);
    printf("%sok 2 thread start and exit, %ld mutexes used in another process: %.1f us\n",
           many < 0 ? "not " : "", count, many);
    failed |= many < 0;

    SetEvent(go);
    WaitForSingleObject(pi.hProcess, CHILD_WAIT);
    GetExitCodeProcess(pi.hProcess, &code);
    if (code) printf("# the child used fewer than %ld mutexes (exit status %lu)\n", count, code);
    failed |= code != 0;
    CloseHandle(pi.hProcess);

    base = time_threads(threads);
    printf("# result: thread_exit_us=%.1f\n", base);
    printf("%sok 3 thread start and exit, no other process: %.1f us (with it: %.2fx)\n",
           base < 0 || code ? "not " : "", base, base > 0 ? many / base : 0.0);
    failed |= base < 0;

    CloseHandle(ready);
    CloseHandle(go);
    return failed;
}
