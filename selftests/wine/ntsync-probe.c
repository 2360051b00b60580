/*
 * kwine probe for scripts/guest/ntsync-used: a Windows process that holds
 * one object of each sync kind (event, mutex, semaphore, waitable timer),
 * has waited on each once, and then sits in a wait, so that the script can
 * look at its file descriptors while it is alive.
 *
 * Prints "# ..." diagnostics, then "ready" once everything is set up, then
 * blocks on a named event for at most 60 s (the script kills it sooner).
 * Exits non-zero, without "ready", if any of the first waits misbehaves.
 *
 * Copyright 2026 the kwine developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <stdio.h>
#include <windows.h>

int main(void)
{
    HANDLE event, mutex, semaphore, timer, block;
    LARGE_INTEGER due;
    char name[64];
    DWORD ret[4], last;
    int i, bad = 0;

    setvbuf(stdout, NULL, _IONBF, 0);
    event = CreateEventA(NULL, FALSE, TRUE, NULL);
    mutex = CreateMutexA(NULL, FALSE, NULL);
    semaphore = CreateSemaphoreA(NULL, 1, 1, NULL);
    timer = CreateWaitableTimerA(NULL, TRUE, NULL);
    if (!event || !mutex || !semaphore || !timer)
    {
        printf("# probe: object creation failed, error %lu\n", GetLastError());
        return 1;
    }
    due.QuadPart = -10000;   /* 1 ms */
    if (!SetWaitableTimer(timer, &due, 0, NULL, NULL, FALSE))
    {
        printf("# probe: SetWaitableTimer failed, error %lu\n", GetLastError());
        return 1;
    }
    ret[0] = WaitForSingleObject(event, 5000);
    ret[1] = WaitForSingleObject(mutex, 5000);
    ret[2] = WaitForSingleObject(semaphore, 5000);
    ret[3] = WaitForSingleObject(timer, 5000);
    for (i = 0; i < 4; i++)
        if (ret[i] != WAIT_OBJECT_0) bad++;
    printf("# probe: waits on event, mutex, semaphore, timer returned %lu %lu %lu %lu\n",
           ret[0], ret[1], ret[2], ret[3]);
    if (bad) return 1;

    snprintf(name, sizeof(name), "kwine-ntsync-probe-%lu", GetCurrentProcessId());
    block = CreateEventA(NULL, TRUE, FALSE, name);
    if (!block)
    {
        printf("# probe: CreateEvent(%s) failed, error %lu\n", name, GetLastError());
        return 1;
    }
    printf("ready\n");
    last = WaitForSingleObject(block, 60000);
    printf("# probe: wait on %s returned %lu\n", name, last);
    ReleaseMutex(mutex);
    CloseHandle(block);
    CloseHandle(timer);
    CloseHandle(semaphore);
    CloseHandle(mutex);
    CloseHandle(event);
    return last == WAIT_TIMEOUT || last == WAIT_OBJECT_0 ? 0 : 1;
}
