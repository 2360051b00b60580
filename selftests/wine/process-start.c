/*
 * kwine process start benchmark: what starting a Win32 program costs
 * with wineserver and its services already running.
 *
 *   process-start.exe [STARTS [DLL [EVERY [held]]]]
 *
 * Starts itself as a child STARTS times (default 3), one after the
 * other, after one start that is not counted (it warms the page cache
 * and the server).  Each child loads eight common builtin DLLs (user32,
 * gdi32, ole32, oleaut32, shell32, comctl32, advapi32, ws2_32) and
 * exits; the time counted is from CreateProcess() to the end of the
 * wait on the child, and each start says where it went (to the child's
 * main(), loading, exit and wake-up).  Prints TAP (one result per start) and
 * "# result: process_start_us=MEDIAN" and "process_start_min_us=MIN",
 * which scripts/guest/wine-sync-bench reads.  Under TCG the DLL loading
 * of one start takes either about 0.9 s or about 2.5 s, at random, under
 * either Wine: the fastest start is the steadier figure.  A child that
 * fails to load a DLL fails the run.
 *
 * With DLL, each child then also loads that DLL and reads one byte of
 * every EVERYth page of it (default 20: 5% of its pages;
 * scripts/guest/wine-sync-bench gives it a 32 MiB native DLL), and the
 * time that took is printed too, as "# result: extra_dll_us=MEDIAN".
 * "held": this process loads DLL first and keeps it loaded while the
 * children start, as another process of a program would.
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
#include "image-touch.h"

#define MAX_STARTS 50

static DWORD touch_every = 20;
#define CHILD_TIMEOUT_MS 300000

static const char * const dlls[] =
{
    "user32.dll", "gdi32.dll", "ole32.dll", "oleaut32.dll",
    "shell32.dll", "comctl32.dll", "advapi32.dll", "ws2_32.dll",
};
#define NB_DLLS (sizeof(dlls) / sizeof(dlls[0]))

/* where the child writes when it reached main() and when it had loaded the DLLs */
struct child_times
{
    LARGE_INTEGER main, loaded;
    LARGE_INTEGER dll[NB_DLLS];  /* when each DLL was loaded */
    LARGE_INTEGER extra;         /* when the extra DLL was loaded and touched */
};

static int child(const char *extra, const char *every)
{
    HANDLE mapping = OpenFileMappingA(FILE_MAP_WRITE, FALSE, "kwine-process-start");
    struct child_times *times = mapping ? MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, sizeof(*times)) : NULL;
    LARGE_INTEGER now;
    unsigned int i;
    int failed = 0;

    QueryPerformanceCounter(&now);
    if (times) times->main = now;
    for (i = 0; i < NB_DLLS; i++)
    {
        if (!LoadLibraryA(dlls[i]))
        {
            printf("# child: cannot load %s: error %lu\n", dlls[i], GetLastError());
            failed = 1;
        }
        QueryPerformanceCounter(&now);
        if (times) times->dll[i] = now;
    }
    if (extra)
    {
        HMODULE mod = LoadLibraryA(extra);

        if (!mod)
        {
            printf("# child: cannot load %s: error %lu\n", extra, GetLastError());
            failed = 1;
        }
        else if (!touch_image(mod, every ? strtoul(every, NULL, 10) : touch_every))
        {
            printf("# child: no page of %s could be read\n", extra);
            failed = 1;
        }
        QueryPerformanceCounter(&now);
        if (times) times->extra = now;
    }
    QueryPerformanceCounter(&now);
    if (times) times->loaded = now;
    return failed;
}

static struct child_times *shared;

static double us(LARGE_INTEGER from, LARGE_INTEGER to)
{
    LARGE_INTEGER freq;

    QueryPerformanceFrequency(&freq);
    return (double)(to.QuadPart - from.QuadPart) * 1e6 / (double)freq.QuadPart;
}

/* start one child and wait for it; returns its run time in us, or -1, and
 * the time the extra DLL took in *extra_us */
static double start_one(const char *exe, const char *extra, double *extra_us)
{
    char cmdline[2 * MAX_PATH + 16];
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    LARGE_INTEGER start, created, end;
    DWORD ret, code = 0xdeadbeef;

    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    if (extra) snprintf(cmdline, sizeof(cmdline), "\"%s\" child %s %lu", exe, extra, touch_every);
    else snprintf(cmdline, sizeof(cmdline), "\"%s\" child", exe);
    memset(shared, 0, sizeof(*shared));
    QueryPerformanceCounter(&start);
    if (!CreateProcessA(exe, cmdline, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
    {
        printf("# CreateProcess failed: error %lu\n", GetLastError());
        return -1;
    }
    QueryPerformanceCounter(&created);
    ret = WaitForSingleObject(pi.hProcess, CHILD_TIMEOUT_MS);
    QueryPerformanceCounter(&end);
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    if (ret != WAIT_OBJECT_0 || code)
    {
        printf("# the child did not end well: wait %lu, exit code %lu\n", ret, code);
        return -1;
    }
    /* where the time went */
    if (shared->main.QuadPart && shared->loaded.QuadPart)
        printf("# CreateProcess %.0f us, then to main() %.0f us, loading the DLLs %.0f us, exit and wake-up %.0f us\n",
               us(start, created), us(created, shared->main), us(shared->main, shared->loaded),
               us(shared->loaded, end));
    if (shared->main.QuadPart && shared->dll[NB_DLLS - 1].QuadPart)
    {
        unsigned int i;

        printf("#   us per DLL:");
        for (i = 0; i < NB_DLLS; i++) printf(" %s %.0f", dlls[i], us(i ? shared->dll[i - 1] : shared->main, shared->dll[i]));
        printf("\n");
    }
    if (extra)
    {
        if (!shared->extra.QuadPart || !shared->dll[NB_DLLS - 1].QuadPart)
        {
            printf("# the child did not say when it had loaded %s\n", extra);
            return -1;
        }
        *extra_us = us(shared->dll[NB_DLLS - 1], shared->extra);
        printf("#   %s, loading and reading every %luth page: %.0f us\n", extra, touch_every, *extra_us);
    }
    return us(start, end);
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* sorts the n values and returns their median */
static double median_of(double *v, int n)
{
    qsort(v, n, sizeof(v[0]), compare);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    double times[MAX_STARTS], extra_times[MAX_STARTS], ignored;
    const char *extra = argc > 2 ? argv[2] : NULL;
    HANDLE mapping;
    char exe[MAX_PATH];
    int starts = 3, i, failed = 0;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && !strcmp(argv[1], "child")) return child(argc > 2 ? argv[2] : NULL, argc > 3 ? argv[3] : NULL);
    if (argc > 1) starts = atoi(argv[1]);
    if (argc > 3) touch_every = strtoul(argv[3], NULL, 10);
    if (argc > 4 && !strcmp(argv[4], "held") && !LoadLibraryA(extra))
    {
        printf("# cannot load %s: error %lu\n", extra, GetLastError());
        return 1;
    }
    if (starts < 1 || starts > MAX_STARTS || touch_every < 1)
    {
        printf("usage: process-start.exe [STARTS (1-%d) [DLL [EVERY]]]\n", MAX_STARTS);
        return 2;
    }
    GetModuleFileNameA(NULL, exe, sizeof(exe));
    mapping = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, sizeof(*shared),
                                 "kwine-process-start");
    if (!mapping || !(shared = MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, sizeof(*shared))))
    {
        printf("# no shared memory for the child's times: error %lu\n", GetLastError());
        return 1;
    }

    printf("TAP version 13\n1..%d\n", starts + 1);
    printf("%sok 1 warm-up start\n", start_one(exe, extra, &ignored) < 0 ? (failed = 1, "not ") : "");
    for (i = 0; i < starts; i++)
    {
        times[i] = start_one(exe, extra, &extra_times[i]);
        if (times[i] < 0) failed = 1;
        else printf("# start %d: %.0f us\n", i + 1, times[i]);
        printf("%sok %d start %d\n", times[i] < 0 ? "not " : "", i + 2, i + 1);
    }
    if (failed) return 1;
    printf("# result: process_start_us=%.0f\n", median_of(times, starts));
    printf("# result: process_start_min_us=%.0f\n", times[0]);
    if (extra) printf("# result: extra_dll_us=%.0f\n", median_of(extra_times, starts));
    return 0;
}
