/*
 * kwine Wine test: a process that creates sync objects without end must
 * not break the other processes of its prefix.
 *
 *   server-fds.exe COUNT capped|uncapped
 *
 * Meant to run with a low fd limit for the whole prefix (the plan runs it
 * under "ulimit -n 4096": Wine raises its soft limit to the hard one, and
 * the wineserver inherits it).  The patched wineserver holds an fd for
 * each kernel object; without a limit of its own, COUNT events above its
 * fd limit used up its fds, after which no thread or process could start.
 * The program creates 64 each of mutexes, semaphores and waitable timers,
 * then up to COUNT events, and checks:
 *  - "uncapped" (stock Wine, Windows): all COUNT events are created;
 *    "capped" (the patched Wine): creation stops before COUNT, with
 *    ERROR_NO_SYSTEM_RESOURCES, never another error;
 *  - the objects that were created work: signal, wait, wake another
 *    thread, a thread pool wait, a wait on several of them and on a
 *    thread, SignalObjectAndWait, abandonment, a posting limit, a
 *    timer's expiry;
 *  - 300 handles of a file, each waited on once, are signaled (each
 *    costs the patched wineserver a mirror, charged to this process, and
 *    4096 fds give a process 341), and then a wait on an event and a new
 *    thread still works;
 *  - with all of them open, a child process starts, creates objects of
 *    every kind and uses them, waits on one of them with its own process
 *    handle, writes and reads back a file; a wait on its process handle
 *    sees it end;
 *  - once the events but 8 are closed, as many can be created again as
 *    before (nothing stayed charged), and a thread pool wait works.
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

#include "tap-check.h"

#define NB_FILES 300

static HANDLE *events, mutexes[NB_OTHER], semaphores[NB_OTHER], timers[NB_OTHER], files[NB_FILES];
static unsigned int nb_events, nb_files, max_events;
static int capped;

static void end_case(unsigned int *num, const char *name)
{
    if (checks_failed_in_case) failures++;
    printf("%sok %u %s\n", checks_failed_in_case ? "not " : "", ++*num, name);
    checks_failed_in_case = 0;
}

static void create_others(void)
{
    unsigned int i;

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

static void create_events(void)
{
    unsigned int count = max_events;
    DWORD err = 0;

    events = calloc(count, sizeof(*events));
    while (nb_events < count)
    {
        if (!(events[nb_events] = CreateEventW(NULL, FALSE, FALSE, NULL)))
        {
            err = GetLastError();
            break;
        }
        nb_events++;
    }
    printf("# %u of %u events created (error %lu)\n", nb_events, count, err);
    if (capped)
    {
        check(nb_events < count, "all %u events were created", count);
        check(nb_events >= 100, "only %u events were created", nb_events);
        check(nb_events == count || err == ERROR_NO_SYSTEM_RESOURCES,
              "event %u: error %lu", nb_events, err);
    }
    else check(nb_events == count, "event %u of %u: error %lu", nb_events, count, err);
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
    HANDLE first, last, pair[2];
    unsigned int i;
    DWORD ret;

    if (nb_events < 16) return;
    for (i = 0; i < 8; i++) check_event(events[i], i);
    for (i = nb_events - 8; i < nb_events; i++) check_event(events[i], i);

    first = events[0];
    last = events[nb_events - 1];
    pair[0] = first;
    pair[1] = last;
    SetEvent(last);
    ret = WaitForMultipleObjects(2, pair, FALSE, 0);
    check(ret == WAIT_OBJECT_0 + 1, "wait-any on the first and last events returned %lu", ret);
    SetEvent(first);
    ret = WaitForMultipleObjects(2, pair, TRUE, 0);
    check(ret == WAIT_TIMEOUT, "wait-all with one event set returned %lu", ret);
    SetEvent(last);
    ret = WaitForMultipleObjects(2, pair, TRUE, 0);
    check(ret == WAIT_OBJECT_0, "wait-all with both set returned %lu", ret);
    ret = WaitForMultipleObjects(2, pair, FALSE, 0);
    check(ret == WAIT_TIMEOUT, "wait-all did not consume both: %lu", ret);

    ret = SignalObjectAndWait(last, first, 0, FALSE);
    check(ret == WAIT_TIMEOUT, "SignalObjectAndWait returned %lu", ret);
    ret = WaitForSingleObject(last, 0);
    check(ret == WAIT_OBJECT_0, "SignalObjectAndWait did not signal: %lu", ret);
}

static DWORD WINAPI wait_thread(void *arg)
{
    return WaitForSingleObject(arg, 10000);
}

static void event_wakes_thread(void)
{
    HANDLE thread, pair[2];
    DWORD ret, code = 0;

    if (!nb_events) return;
    thread = CreateThread(NULL, 0, wait_thread, events[nb_events - 1], 0, NULL);
    check(thread != NULL, "CreateThread error %lu", GetLastError());
    if (!thread) return;
    Sleep(100);
    check(SetEvent(events[nb_events - 1]), "SetEvent error %lu", GetLastError());
    /* a thread handle and an event in one wait */
    pair[0] = events[0];
    pair[1] = thread;
    ret = WaitForMultipleObjects(2, pair, FALSE, 20000);
    check(ret == WAIT_OBJECT_0 + 1, "wait on an event and the thread returned %lu", ret);
    GetExitCodeThread(thread, &code);
    check(code == WAIT_OBJECT_0, "the thread's wait returned %lu", code);
    CloseHandle(thread);
}

static void CALLBACK pool_callback(void *arg, BOOLEAN timed_out)
{
    if (!timed_out) SetEvent(arg);
}

static void pool_wait_works(void)
{
    HANDLE done, wait;
    DWORD ret;

    if (!nb_events) return;
    /* created now: there must be room for objects again */
    done = CreateEventW(NULL, TRUE, FALSE, NULL);
    check(done != NULL, "CreateEvent error %lu", GetLastError());
    if (!done) return;
    check(RegisterWaitForSingleObject(&wait, events[nb_events - 1], pool_callback, done, 20000,
                                      WT_EXECUTEONLYONCE),
          "RegisterWaitForSingleObject error %lu", GetLastError());
    SetEvent(events[nb_events - 1]);
    ret = WaitForSingleObject(done, 20000);
    check(ret == WAIT_OBJECT_0, "the thread pool callback did not run: %lu", ret);
    UnregisterWaitEx(wait, INVALID_HANDLE_VALUE);
    CloseHandle(done);
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

/* the child: its objects come from its own share, whatever the parent holds */
static int child(void)
{
    char dir[MAX_PATH], path[MAX_PATH], buf[16] = { 0 };
    HANDLE file, ev, mutex, sem, timer, objs[4];
    LARGE_INTEGER due;
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
    if (!(mutex = CreateMutexW(NULL, FALSE, NULL))) return 6;
    if (!(sem = CreateSemaphoreW(NULL, 1, 1, NULL))) return 7;
    if (!(timer = CreateWaitableTimerW(NULL, TRUE, NULL))) return 8;
    due.QuadPart = -100000;
    if (!SetWaitableTimer(timer, &due, 0, NULL, NULL, FALSE)) return 9;
    objs[0] = ev;
    objs[1] = mutex;
    objs[2] = sem;
    objs[3] = timer;
    ret = WaitForMultipleObjects(4, objs, TRUE, 20000);
    if (ret != WAIT_OBJECT_0) return 10;
    /* an event and the process pseudo-handle */
    objs[1] = GetCurrentProcess();
    ret = WaitForMultipleObjects(2, objs, FALSE, 0);
    if (ret != WAIT_OBJECT_0) return 11;
    return 0;
}

static void files_signaled(void)
{
    char dir[MAX_PATH], path[MAX_PATH];
    DWORD ret;
    unsigned int i;

    GetTempPathA(sizeof(dir), dir);
    check(GetTempFileNameA(dir, "kfd", 0, path), "GetTempFileName error %lu", GetLastError());
    for (i = 0; i < NB_FILES; i++)
    {
        files[i] = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                               NULL, OPEN_EXISTING, 0, NULL);
        if (files[i] == INVALID_HANDLE_VALUE) break;
        nb_files++;
        ret = WaitForSingleObject(files[i], 0);
        check(ret == WAIT_OBJECT_0, "file handle %u: wait returned %lu", i, ret);
        if (ret != WAIT_OBJECT_0) break;
    }
    check(nb_files == NB_FILES, "file handle %u: error %lu", nb_files, GetLastError());
    DeleteFileA(path);
    /* one more object that needs a mirror, with a kernel one */
    event_wakes_thread();
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
    check(ret == WAIT_OBJECT_0, "wait for the child returned %lu", ret);
    GetExitCodeProcess(pi.hProcess, &code);
    check(code == 0, "the child exited with %lu", code);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
}

static void close_events(void)
{
    unsigned int i, closed, again = 0;
    DWORD err = 0;

    for (i = 0; i < nb_files; i++) CloseHandle(files[i]);
    /* all events but the first 8, then as many again */
    if (nb_events <= 8) return;
    for (i = 8; i < nb_events; i++) CloseHandle(events[i]);
    closed = nb_events - 8;
    nb_events = 8;
    while (nb_events < max_events)
    {
        if (!(events[nb_events] = CreateEventW(NULL, FALSE, FALSE, NULL)))
        {
            err = GetLastError();
            break;
        }
        nb_events++;
        again++;
    }
    printf("# %u events closed, %u created again (error %lu)\n", closed, again, err);
    /* nothing but events was charged to this process meanwhile */
    check(again == closed, "%u events closed, %u created again", closed, again);
    if (capped) check(err == ERROR_NO_SYSTEM_RESOURCES, "error %lu after the events", err);
    for (i = 8; i < nb_events; i++) CloseHandle(events[i]);
    nb_events = 8;
}

/* in order: each case uses what the ones before it made */
static const struct
{
    const char *name;
    void (*func)(void);
} cases[] =
{
#define CASE(name) { #name, name }
    CASE(create_others),
    CASE(create_events),
    CASE(events_work),
    CASE(event_wakes_thread),
    CASE(mutex_works),
    CASE(semaphore_works),
    CASE(timer_works),
    CASE(files_signaled),
    CASE(child_process_works),
    CASE(close_events),
    CASE(pool_wait_works),
#undef CASE
};

int main(int argc, char **argv)
{
    unsigned int num = 0, i, n = sizeof(cases) / sizeof(cases[0]);

    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 2 && !strcmp(argv[1], "child")) return child();
    if (argc != 3 || !(max_events = strtoul(argv[1], NULL, 0)) ||
        (strcmp(argv[2], "capped") && strcmp(argv[2], "uncapped")))
    {
        printf("usage: server-fds.exe COUNT capped|uncapped\n");
        return 2;
    }
    capped = !strcmp(argv[2], "capped");
    printf("TAP version 13\n1..%u\n", n);
    for (i = 0; i < n; i++)
    {
        cases[i].func();
        end_case(&num, cases[i].name);
    }
    printf("# %u passed, %d failed\n", num - failures, failures);
    return failures ? 1 : 0;
}
