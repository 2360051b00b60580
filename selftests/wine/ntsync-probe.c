/*
 * kwine probe for scripts/guest/ntsync-used: a Windows process that holds
 * one object of each sync kind (event, mutex, semaphore, waitable timer),
 * has waited on each once, and then sits in a wait, so that the script can
 * look at its file descriptors while it is alive.
 *
 * Prints "# ..." diagnostics, then "ready" once everything is set up, then
 * blocks reading its standard input until the script closes it.
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
    HANDLE event, mutex, semaphore, timer;
    LARGE_INTEGER due;
    char buf[64];
    DWORD ret[4], got;
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

    printf("ready\n");
    /* the objects stay open until the script is done looking */
    while (ReadFile(GetStdHandle(STD_INPUT_HANDLE), buf, sizeof(buf), &got, NULL) && got)
        ;
    printf("# probe: standard input closed\n");
    ReleaseMutex(mutex);
    CloseHandle(timer);
    CloseHandle(semaphore);
    CloseHandle(mutex);
    CloseHandle(event);
    return 0;
}
