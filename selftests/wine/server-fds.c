/*
 * kwine Wine test: a process that creates many sync objects must not take
 * the wineserver's fds from everyone else.
 *
 *   server-fds.exe COUNT
 *
 * Meant to run with a low fd limit for the whole prefix (the plan runs it
 * under "ulimit -Hn 2048"; Wine raises its soft limit to the hard one, and
 * the wineserver inherits it).  The patched wineserver holds an fd for
 * each kernel object: without a cap, COUNT events above the server's fd
 * limit fail to be created and leave the server no fd for anything else,
 * so that no new process can start.  Stock Wine holds no such fds.  The
 * checks hold on Windows and under either Wine:
 *  - COUNT events, then mutexes, semaphores and waitable timers, are all
 *    created;
 *  - the last ones of each kind (past any cap) behave as they must:
 *    signal, wait, wake another thread, abandonment, a posting limit,
 *    a timer's expiry;
 *  - with all of them open, a child process starts, writes and reads
 *    back a file, and waits on an event of its own.
 * Prints TAP.
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

#define NB_OTHER 64

static int failures, checks_failed_in_case;

#define check(cond, ...) do { \
    if (!(cond)) { \
        printf("# %s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
        printf(__VA_ARGS__); \
        printf("\n"); \
        checks_failed_in_case++; \
    } \
} while (0)

static HANDLE *events, mutexes[NB_OTHER], semaphores[NB_OTHER], timers[NB_OTHER];
static unsigned int nb_events;

static void end_case(unsigned int *num, const char *name)
{
    if (checks_failed_in_case) failures++;
    printf("%sok %u %s\n", checks_failed_in_case ? "not " : "", ++*num, name);
    checks_failed_in_case = 0;
}

static void create_all(unsigned int count)
{
    unsigned int i;

    events = calloc(count, sizeof(*events));
    for (i = 0; i < count; i++)
    {
        if (!(events[i] = CreateEventW(NULL, FALSE, FALSE, NULL))) break;
        nb_events++;
    }
    check(nb_events == count, "event %u of %u: error %lu", nb_events, count, GetLastError());
    for (i = 0; i < NB_OTHER; i++)
        if (!(mutexes[i] = CreateMutexW(NULL, TRUE, NULL))) break;
    check(i == NB_OTHER, "mutex %u: error %lu", i, GetLastError());
    for (i = 0; i < NB_OTHER; i++)
        if (!(semaphores[i] = CreateSemaphoreW(NULL, 0, 1, NULL))) break;
    check(i == NB_OTHER, "semaphore %u: error %lu", i, GetLastError());
    for (i = 0; i < NB_OTHER; i++)
        if (!(timers[i] = CreateWaitableTimerW(NULL, TRUE, NULL))) break;
    check(i == NB_OTHER, "timer %u: error %lu", i, GetLastError());
}

static void check_event(HANDLE ev, unsigned int idx)
{
    DWORD ret;

    ret = WaitForSingleObject(ev, 0);
    check(ret == WAIT_TIMEOUT, "event %u: unsignaled wait returned %lu", idx, ret);
    check(SetEvent(ev), "event %u: SetEvent error %lu", idx, GetLastError());
    ret = WaitForSingleObject(ev, 0);
    check(ret == WAIT_OBJECT_0, "event %u: signaled wait returned %lu", idx, ret);
    ret = WaitForSingleObject(ev, 0);
    check(ret == WAIT_TIMEOUT, "event %u: auto-reset event not consumed: %lu", idx, ret);
}

static void events_work(void)
{
    unsigned int i;

    if (!nb_events) return;
    for (i = 0; i < 8 && i < nb_events; i++) check_event(events[i], i);
    for (i = nb_events > 8 ? nb_events - 8 : 0; i < nb_events; i++) check_event(events[i], i);
}

static DWORD WINAPI wait_thread(void *arg)
{
    return WaitForSingleObject(arg, 10000);
}

static void event_wakes_thread(void)
{
    HANDLE thread;
    DWORD ret, code = 0;

    if (!nb_events) return;
    thread = CreateThread(NULL, 0, wait_thread, events[nb_events - 1], 0, NULL);
    check(thread != NULL, "CreateThread error %lu", GetLastError());
    if (!thread) return;
    Sleep(100);
    check(SetEvent(events[nb_events - 1]), "SetEvent error %lu", GetLastError());
    ret = WaitForSingleObject(thread, 20000);
    check(ret == WAIT_OBJECT_0, "the thread did not end: %lu", ret);
    GetExitCodeThread(thread, &code);
    check(code == WAIT_OBJECT_0, "the thread's wait returned %lu", code);
    CloseHandle(thread);
}

static DWORD WINAPI take_mutex(void *arg)
{
    return WaitForSingleObject(arg, 0);
}

static void mutex_works(void)
{
    HANDLE mutex = mutexes[NB_OTHER - 1], thread;
    DWORD ret, code = 0;

    if (!mutex) return;
    /* created owned: recursion, then release */
    ret = WaitForSingleObject(mutex, 0);
    check(ret == WAIT_OBJECT_0, "recursive wait returned %lu", ret);
    check(ReleaseMutex(mutex), "first release error %lu", GetLastError());
    check(ReleaseMutex(mutex), "second release error %lu", GetLastError());
    SetLastError(0xdeadbeef);
    check(!ReleaseMutex(mutex) && GetLastError() == ERROR_NOT_OWNER,
          "release of a free mutex: error %lu", GetLastError());
    /* another thread takes it and exits: abandoned */
    thread = CreateThread(NULL, 0, take_mutex, mutex, 0, NULL);
    check(thread != NULL, "CreateThread error %lu", GetLastError());
    if (!thread) return;
    WaitForSingleObject(thread, 20000);
    GetExitCodeThread(thread, &code);
    check(code == WAIT_OBJECT_0, "the thread's wait returned %lu", code);
    CloseHandle(thread);
    ret = WaitForSingleObject(mutex, 0);
    check(ret == WAIT_ABANDONED, "wait on the abandoned mutex returned %lu", ret);
    check(ReleaseMutex(mutex), "release after abandonment error %lu", GetLastError());
}

static void semaphore_works(void)
{
    HANDLE sem = semaphores[NB_OTHER - 1];
    LONG prev = -1;
    DWORD ret;

    if (!sem) return;
    ret = WaitForSingleObject(sem, 0);
    check(ret == WAIT_TIMEOUT, "wait on count 0 returned %lu", ret);
    check(ReleaseSemaphore(sem, 1, &prev) && prev == 0, "release: error %lu, prev %ld", GetLastError(), prev);
    SetLastError(0xdeadbeef);
    check(!ReleaseSemaphore(sem, 1, NULL) && GetLastError() == ERROR_TOO_MANY_POSTS,
          "release past the maximum: error %lu", GetLastError());
    ret = WaitForSingleObject(sem, 0);
    check(ret == WAIT_OBJECT_0, "wait on count 1 returned %lu", ret);
    ret = WaitForSingleObject(sem, 0);
    check(ret == WAIT_TIMEOUT, "wait on count 0 again returned %lu", ret);
}

static void timer_works(void)
{
    HANDLE timer = timers[NB_OTHER - 1];
    LARGE_INTEGER due;
    DWORD ret;

    if (!timer) return;
    ret = WaitForSingleObject(timer, 0);
    check(ret == WAIT_TIMEOUT, "unset timer: wait returned %lu", ret);
    due.QuadPart = -100000; /* 10 ms from now */
    check(SetWaitableTimer(timer, &due, 0, NULL, NULL, FALSE), "SetWaitableTimer error %lu", GetLastError());
    ret = WaitForSingleObject(timer, 20000);
    check(ret == WAIT_OBJECT_0, "wait for the timer returned %lu", ret);
    ret = WaitForSingleObject(timer, 0);
    check(ret == WAIT_OBJECT_0, "manual timer did not stay signaled: %lu", ret);
}

static int child(void)
{
    char dir[MAX_PATH], path[MAX_PATH], buf[16] = { 0 };
    HANDLE file, ev;
    DWORD done = 0, ret;
    int ok = 1;

    GetTempPathA(sizeof(dir), dir);
    if (!GetTempFileNameA(dir, "kfd", 0, path)) return 2;
    file = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                       FILE_FLAG_DELETE_ON_CLOSE, NULL);
    if (file == INVALID_HANDLE_VALUE) return 3;
    if (!WriteFile(file, "kwine", 5, &done, NULL) || done != 5) ok = 0;
    SetFilePointer(file, 0, NULL, FILE_BEGIN);
    if (!ReadFile(file, buf, 5, &done, NULL) || done != 5 || memcmp(buf, "kwine", 5)) ok = 0;
    CloseHandle(file);
    if (!ok) return 4;
    if (!(ev = CreateEventW(NULL, TRUE, TRUE, NULL))) return 5;
    ret = WaitForSingleObject(ev, 0);
    CloseHandle(ev);
    return ret == WAIT_OBJECT_0 ? 0 : 6;
}

static void child_process_works(void)
{
    char self[MAX_PATH], cmd[MAX_PATH + 16];
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    DWORD ret, code = 1;

    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);

    GetModuleFileNameA(NULL, self, sizeof(self));
    snprintf(cmd, sizeof(cmd), "\"%s\" child", self);
    if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
    {
        check(0, "CreateProcess error %lu", GetLastError());
        return;
    }
    ret = WaitForSingleObject(pi.hProcess, 120000);
    check(ret == WAIT_OBJECT_0, "the child did not end: %lu", ret);
    GetExitCodeProcess(pi.hProcess, &code);
    check(code == 0, "the child exited with %lu", code);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
}

int main(int argc, char **argv)
{
    unsigned int num = 0, count, i;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 2 && !strcmp(argv[1], "child")) return child();
    if (argc != 2 || !(count = strtoul(argv[1], NULL, 0)))
    {
        printf("usage: server-fds.exe COUNT\n");
        return 2;
    }
    printf("TAP version 13\n1..7\n");
    create_all(count);
    end_case(&num, "create_all");
    events_work();
    end_case(&num, "events_work");
    event_wakes_thread();
    end_case(&num, "event_wakes_thread");
    mutex_works();
    end_case(&num, "mutex_works");
    semaphore_works();
    end_case(&num, "semaphore_works");
    timer_works();
    end_case(&num, "timer_works");
    child_process_works();
    end_case(&num, "child_process_works");
    for (i = 0; i < nb_events; i++) CloseHandle(events[i]);
    printf("# %u passed, %d failed\n", num - failures, failures);
    return failures ? 1 : 0;
}
