/*
 * kwine: the cost of an NT system call under Wine, to explain where a
 * sync round trip's time goes.  Not a test: it prints what it measures.
 *
 *   nt-call-cost.exe [CALLS]
 *
 * Times CALLS (default 200000) calls each of: QueryPerformanceCounter()
 * (user mode only: the reference), NtQueryPerformanceCounter() (a system
 * call into Wine's Unix side that only reads the clock: Wine's syscall
 * dispatch), NtYieldExecution() (the same plus one Linux system call),
 * and SetEvent()/ResetEvent() on an event nobody waits on (under kwine
 * one ntsync ioctl each; under stock Wine a wineserver round trip).
 * Prints "# cost: NAME N ns per call" lines, and the dispatch cost (the
 * NtQueryPerformanceCounter() figure) as "# result: ntcall_ns=N" for
 * scripts/guest/wine-sync-bench.
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

typedef LONG (WINAPI *qpc_func)(LARGE_INTEGER *, LARGE_INTEGER *);
typedef LONG (WINAPI *yield_func)(void);

static LONGLONG now_ns(void)
{
    static LARGE_INTEGER freq;
    LARGE_INTEGER t;

    if (!freq.QuadPart) QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&t);
    return (LONGLONG)((double)t.QuadPart * 1e9 / (double)freq.QuadPart);
}

int main(int argc, char **argv)
{
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    qpc_func nt_qpc = (qpc_func)(void *)GetProcAddress(ntdll, "NtQueryPerformanceCounter");
    yield_func nt_yield = (yield_func)(void *)GetProcAddress(ntdll, "NtYieldExecution");
    long calls = argc > 1 ? strtol(argv[1], NULL, 0) : 200000, i;
    HANDLE ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    LARGE_INTEGER c;
    LONGLONG t0;
    double cost;

    if (!nt_qpc || !nt_yield || !ev || calls <= 0)
    {
        printf("# cannot set up: %p %p %p %ld\n", nt_qpc, nt_yield, ev, calls);
        return 1;
    }
    SetEvent(ev);  /* fetch the event's ntsync object before timing */

    t0 = now_ns();
    for (i = 0; i < calls; i++) QueryPerformanceCounter(&c);
    printf("# cost: QueryPerformanceCounter %.0f ns per call\n", (double)(now_ns() - t0) / calls);
    t0 = now_ns();
    for (i = 0; i < calls; i++) nt_qpc(&c, NULL);
    cost = (double)(now_ns() - t0) / calls;
    printf("# cost: NtQueryPerformanceCounter %.0f ns per call\n", cost);
    printf("# result: ntcall_ns=%.0f\n", cost);
    t0 = now_ns();
    for (i = 0; i < calls; i++) nt_yield();
    printf("# cost: NtYieldExecution %.0f ns per call\n", (double)(now_ns() - t0) / calls);
    t0 = now_ns();
    for (i = 0; i < calls; i++)
    {
        SetEvent(ev);
        ResetEvent(ev);
    }
    printf("# cost: SetEvent+ResetEvent %.0f ns per pair\n", (double)(now_ns() - t0) / calls);
    CloseHandle(ev);
    return 0;
}
