/*
 * kwine Wine smoke test: NT synchronization as a Win32 program sees it.
 *
 * Runs under stock and patched Wine in the guest and prints TAP.  Each case
 * checks real results (return codes, wake order, counts), so a Wine whose
 * sync objects misbehave fails here.
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

#include "tap-check.h"

static void manual_event(void)
{
    HANDLE ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    DWORD ret;

    check(ev != NULL, "CreateEvent failed %lu", GetLastError());
    ret = WaitForSingleObject(ev, 0);
    check(ret == WAIT_TIMEOUT, "unsignaled wait returned %lu", ret);
    check(SetEvent(ev), "SetEvent failed %lu", GetLastError());
    ret = WaitForSingleObject(ev, 0);
    check(ret == WAIT_OBJECT_0, "first wait returned %lu", ret);
    ret = WaitForSingleObject(ev, 0);
    check(ret == WAIT_OBJECT_0, "manual event did not stay signaled: %lu", ret);
    check(ResetEvent(ev), "ResetEvent failed %lu", GetLastError());
    ret = WaitForSingleObject(ev, 10);
    check(ret == WAIT_TIMEOUT, "reset event still signaled: %lu", ret);
    CloseHandle(ev);
}

static void auto_event(void)
{
    HANDLE ev = CreateEventW(NULL, FALSE, TRUE, NULL);
    DWORD ret;

    ret = WaitForSingleObject(ev, 0);
    check(ret == WAIT_OBJECT_0, "initially signaled wait returned %lu", ret);
    ret = WaitForSingleObject(ev, 0);
    check(ret == WAIT_TIMEOUT, "auto-reset event not consumed: %lu", ret);
    CloseHandle(ev);
}

static void wait_any(void)
{
    HANDLE ev[3];
    DWORD ret;
    int i;

    for (i = 0; i < 3; i++)
        ev[i] = CreateEventW(NULL, FALSE, FALSE, NULL);
    ret = WaitForMultipleObjects(3, ev, FALSE, 0);
    check(ret == WAIT_TIMEOUT, "nothing signaled, got %lu", ret);
    SetEvent(ev[2]);
    SetEvent(ev[1]);
    ret = WaitForMultipleObjects(3, ev, FALSE, 0);
    check(ret == WAIT_OBJECT_0 + 1, "lowest signaled index expected, got %lu", ret);
    ret = WaitForMultipleObjects(3, ev, FALSE, 0);
    check(ret == WAIT_OBJECT_0 + 2, "expected index 2, got %lu", ret);
    ret = WaitForMultipleObjects(3, ev, FALSE, 0);
    check(ret == WAIT_TIMEOUT, "all consumed, got %lu", ret);
    for (i = 0; i < 3; i++)
        CloseHandle(ev[i]);
}

static void wait_all(void)
{
    HANDLE obj[3];
    DWORD ret;
    LONG prev;

    obj[0] = CreateEventW(NULL, FALSE, FALSE, NULL);
    obj[1] = CreateSemaphoreW(NULL, 0, 2, NULL);
    obj[2] = CreateMutexW(NULL, FALSE, NULL);
    SetEvent(obj[0]);
    ret = WaitForMultipleObjects(3, obj, TRUE, 0);
    check(ret == WAIT_TIMEOUT, "semaphore at 0, got %lu", ret);
    /* a failed wait-all must not consume the event */
    ret = WaitForSingleObject(obj[0], 0);
    check(ret == WAIT_OBJECT_0, "event consumed by failed wait-all: %lu", ret);
    SetEvent(obj[0]);
    check(ReleaseSemaphore(obj[1], 1, &prev), "ReleaseSemaphore failed %lu", GetLastError());
    check(prev == 0, "previous count %ld", prev);
    ret = WaitForMultipleObjects(3, obj, TRUE, 0);
    check(ret == WAIT_OBJECT_0, "all signaled, got %lu", ret);
    ret = WaitForSingleObject(obj[1], 0);
    check(ret == WAIT_TIMEOUT, "semaphore not decremented: %lu", ret);
    check(ReleaseMutex(obj[2]), "mutex not owned after wait-all: %lu", GetLastError());
    CloseHandle(obj[0]);
    CloseHandle(obj[1]);
    CloseHandle(obj[2]);
}

static void semaphore_limits(void)
{
    HANDLE sem = CreateSemaphoreW(NULL, 1, 2, NULL);
    LONG prev = -1;
    BOOL ok;

    check(ReleaseSemaphore(sem, 1, &prev), "release failed %lu", GetLastError());
    check(prev == 1, "previous count %ld", prev);
    SetLastError(0xdeadbeef);
    ok = ReleaseSemaphore(sem, 1, &prev);
    check(!ok && GetLastError() == ERROR_TOO_MANY_POSTS,
          "release past max: ok %d error %lu", ok, GetLastError());
    check(WaitForSingleObject(sem, 0) == WAIT_OBJECT_0, "first take");
    check(WaitForSingleObject(sem, 0) == WAIT_OBJECT_0, "second take");
    check(WaitForSingleObject(sem, 0) == WAIT_TIMEOUT, "third take must time out");
    CloseHandle(sem);
}

struct ping_pong
{
    HANDLE ping, pong;
    LONG rounds;
};

static DWORD WINAPI pong_thread(void *arg)
{
    struct ping_pong *pp = arg;
    LONG i;

    for (i = 0; i < pp->rounds; i++)
    {
        if (WaitForSingleObject(pp->ping, 5000) != WAIT_OBJECT_0)
            return 1;
        SetEvent(pp->pong);
    }
    return 0;
}

static void thread_ping_pong(void)
{
    struct ping_pong pp;
    HANDLE thread;
    DWORD ret, code = 0xdeadbeef;
    LONG i, done = 0;

    pp.ping = CreateEventW(NULL, FALSE, FALSE, NULL);
    pp.pong = CreateEventW(NULL, FALSE, FALSE, NULL);
    pp.rounds = 1000;
    thread = CreateThread(NULL, 0, pong_thread, &pp, 0, NULL);
    check(thread != NULL, "CreateThread failed %lu", GetLastError());
    for (i = 0; i < pp.rounds; i++)
    {
        SetEvent(pp.ping);
        if (WaitForSingleObject(pp.pong, 5000) != WAIT_OBJECT_0)
            break;
        done++;
    }
    check(done == pp.rounds, "only %ld of %ld round trips", done, pp.rounds);
    ret = WaitForSingleObject(thread, 5000);
    check(ret == WAIT_OBJECT_0, "thread did not exit: %lu", ret);
    GetExitCodeThread(thread, &code);
    check(code == 0, "thread exit code %lu", code);
    CloseHandle(thread);
    CloseHandle(pp.ping);
    CloseHandle(pp.pong);
}

static DWORD WINAPI take_mutex_and_exit(void *arg)
{
    return WaitForSingleObject(arg, 0);
}

/* create a mutex owned by this thread and exit without touching it again */
static DWORD WINAPI create_owned_mutex_and_exit(void *arg)
{
    *(HANDLE *)arg = CreateMutexW(NULL, TRUE, NULL);
    return 0;
}

static void mutex_ownership(void)
{
    HANDLE mutex = CreateMutexW(NULL, TRUE, NULL), thread;
    DWORD ret, code = 0xdeadbeef;
    BOOL ok;

    /* recursive acquisition by the owner */
    check(WaitForSingleObject(mutex, 0) == WAIT_OBJECT_0, "recursive acquire");
    check(ReleaseMutex(mutex), "first release");
    check(ReleaseMutex(mutex), "second release");
    SetLastError(0xdeadbeef);
    ok = ReleaseMutex(mutex);
    check(!ok && GetLastError() == ERROR_NOT_OWNER,
          "release of unowned mutex: ok %d error %lu", ok, GetLastError());

    /* a thread that exits holding it leaves it abandoned */
    thread = CreateThread(NULL, 0, take_mutex_and_exit, mutex, 0, NULL);
    WaitForSingleObject(thread, 5000);
    GetExitCodeThread(thread, &code);
    check(code == WAIT_OBJECT_0, "thread could not take the mutex: %lu", code);
    ret = WaitForSingleObject(mutex, 0);
    check(ret == WAIT_ABANDONED, "expected WAIT_ABANDONED, got %lu", ret);
    check(ReleaseMutex(mutex), "release after abandon");
    CloseHandle(thread);
    CloseHandle(mutex);

    /*
     * Owned from its creation by a thread that never waits on it and exits:
     * abandoned as well.  A Wine that abandons only the mutexes a process
     * has waited on through the driver must count creation as a use.
     */
    mutex = NULL;
    thread = CreateThread(NULL, 0, create_owned_mutex_and_exit, &mutex, 0, NULL);
    WaitForSingleObject(thread, 5000);
    CloseHandle(thread);
    check(mutex != NULL, "thread could not create the mutex");
    if (!mutex) return;
    ret = WaitForSingleObject(mutex, 0);
    check(ret == WAIT_ABANDONED, "owned at creation: expected WAIT_ABANDONED, got %lu", ret);
    check(ReleaseMutex(mutex), "release after abandon at creation");
    CloseHandle(mutex);
}

/*
 * SignalObjectAndWait() checks both handles before it does anything: with
 * a wait handle that lacks SYNCHRONIZE it fails with ERROR_ACCESS_DENIED
 * and leaves the object it would have signaled alone.
 */
static void signal_and_wait_access(void)
{
    HANDLE sig = CreateEventW(NULL, TRUE, FALSE, NULL);
    HANDLE ev = CreateEventW(NULL, TRUE, FALSE, NULL), nosync = NULL;
    HANDLE sem = CreateSemaphoreW(NULL, 0, 5, NULL);
    LONG prev = -1;
    DWORD ret;

    check(DuplicateHandle(GetCurrentProcess(), ev, GetCurrentProcess(), &nosync,
                          EVENT_MODIFY_STATE, FALSE, 0),
          "DuplicateHandle failed %lu", GetLastError());
    SetLastError(0xdeadbeef);
    ret = SignalObjectAndWait(sig, nosync, 0, FALSE);
    check(ret == WAIT_FAILED && GetLastError() == ERROR_ACCESS_DENIED,
          "wait handle without SYNCHRONIZE: ret %lu error %lu", ret, GetLastError());
    ret = WaitForSingleObject(sig, 0);
    check(ret == WAIT_TIMEOUT, "the event was signaled anyway: %lu", ret);

    SetLastError(0xdeadbeef);
    ret = SignalObjectAndWait(sem, nosync, 0, FALSE);
    check(ret == WAIT_FAILED && GetLastError() == ERROR_ACCESS_DENIED,
          "semaphore, wait handle without SYNCHRONIZE: ret %lu error %lu", ret, GetLastError());
    check(ReleaseSemaphore(sem, 1, &prev), "ReleaseSemaphore failed %lu", GetLastError());
    check(prev == 0, "the semaphore was released anyway: previous count %ld", prev);

    /* and with a wait handle that may be waited on, it signals and waits */
    ret = SignalObjectAndWait(sig, sig, 0, FALSE);
    check(ret == WAIT_OBJECT_0, "signal and wait on itself: %lu", ret);
    CloseHandle(nosync);
    CloseHandle(sem);
    CloseHandle(ev);
    CloseHandle(sig);
}

static DWORD WINAPI set_event_later(void *arg)
{
    Sleep(200);
    SetEvent(arg);
    return 0;
}

/*
 * A timeout far in the future, absolute or relative, waits: NT keeps time
 * in 100 ns units in 64 bits, and a date after 2262 (where nanoseconds
 * stop fitting in 64 bits) is still a date in the future, not one in the
 * past.  Dates on both sides of that limit; each wait must end by the
 * event, set from another thread.
 */
static void far_timeouts(void)
{
    NTSTATUS (WINAPI *wait)(HANDLE, BOOLEAN, const LARGE_INTEGER *);
    static const LONGLONG timeouts[] =
    {
        0x02e55ff33a283000ll,   /* absolute: April 2262, still in nanoseconds' range */
        0x02edb1ded53e8000ll,   /* absolute: in the year 2269 */
        0x0800000000000000ll,   /* absolute: in the year 3427 */
        0x7000000000000000ll,   /* absolute: in the year 27175 */
        -0x0146081c49ec4000ll,  /* relative: 291 years, still in nanoseconds' range */
        -0x0150000000000000ll,  /* relative: 299 years */
        -0x0800000000000000ll,  /* relative: 1826 years */
    };
    LARGE_INTEGER t;
    unsigned int i;

    wait = (void *)GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "NtWaitForSingleObject");
    check(wait != NULL, "no NtWaitForSingleObject");
    if (!wait) return;
    for (i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++)
    {
        HANDLE ev = CreateEventW(NULL, TRUE, FALSE, NULL), thread;
        NTSTATUS status;

        thread = CreateThread(NULL, 0, set_event_later, ev, 0, NULL);
        t.QuadPart = timeouts[i];
        status = wait(ev, FALSE, &t);
        check(status == 0, "timeout %#llx: status %#lx (the event is set after 200 ms)",
              (unsigned long long)timeouts[i], status);
        WaitForSingleObject(thread, 5000);
        CloseHandle(thread);
        CloseHandle(ev);
    }
}

/*
 * A wait on an event and the current thread or process pseudo-handle
 * wakes when another thread sets the event, and consumes it.
 */
static void pseudo_handle_wait(void)
{
    static const struct { const char *name; int event_first; } orders[] = { { "event first", 1 }, { "pseudo-handle first", 0 } };
    HANDLE pseudo[2] = { GetCurrentThread(), GetCurrentProcess() };
    unsigned int i, j;

    for (i = 0; i < 2; i++)
        for (j = 0; j < 2; j++)
        {
            HANDLE ev = CreateEventW(NULL, FALSE, FALSE, NULL), thread, h[2];
            DWORD ret, want;

            h[0] = orders[j].event_first ? ev : pseudo[i];
            h[1] = orders[j].event_first ? pseudo[i] : ev;
            want = WAIT_OBJECT_0 + (orders[j].event_first ? 0 : 1);
            thread = CreateThread(NULL, 0, set_event_later, ev, 0, NULL);
            ret = WaitForMultipleObjects(2, h, FALSE, 20000);
            check(ret == want, "%s pseudo-handle, %s: got %lu, want %lu (the event is set after 200 ms)",
                  i ? "process" : "thread", orders[j].name, ret, want);
            ret = WaitForSingleObject(ev, 0);
            check(ret == WAIT_TIMEOUT, "%s pseudo-handle, %s: the wait did not consume the event: %lu",
                  i ? "process" : "thread", orders[j].name, ret);
            WaitForSingleObject(thread, 5000);
            CloseHandle(thread);
            CloseHandle(ev);
        }
}

/*
 * The Unix /proc directory of this process, as a Windows path.  Wine opens
 * files in wineserver, so Z:\proc\self would be the server's: look for
 * the one process whose name (what Wine sets as comm, at most 15
 * characters) is this program's.
 */
static BOOL find_own_proc(char *dir, size_t size)
{
    WIN32_FIND_DATAA data;
    char path[MAX_PATH], comm[64], exe[MAX_PATH], *name;
    HANDLE find, file;
    DWORD len;
    int found = 0;

    GetModuleFileNameA(NULL, exe, sizeof(exe));
    name = strrchr(exe, '\\') ? strrchr(exe, '\\') + 1 : exe;
    if (strlen(name) > 15) name[15] = 0;
    find = FindFirstFileA("Z:\\proc\\*", &data);
    if (find == INVALID_HANDLE_VALUE) return FALSE;
    do
    {
        if (data.cFileName[0] < '1' || data.cFileName[0] > '9') continue;
        snprintf(path, sizeof(path), "Z:\\proc\\%s\\comm", data.cFileName);
        file = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
        if (file == INVALID_HANDLE_VALUE) continue;
        if (ReadFile(file, comm, sizeof(comm) - 1, &len, NULL))
        {
            comm[len] = 0;
            if (len && comm[len - 1] == '\n') comm[len - 1] = 0;
            if (!strcmp(comm, name))
            {
                snprintf(dir, size, "Z:\\proc\\%s", data.cFileName);
                found++;
            }
        }
        CloseHandle(file);
    } while (FindNextFileA(find, &data));
    FindClose(find);
    if (found != 1) printf("# %d processes named %s in Z:\\proc\n", found, name);
    return found == 1;
}

/* the number of fds open in the process whose /proc directory is DIR, or -1 */
static int count_unix_fds(const char *dir)
{
    WIN32_FIND_DATAA data;
    char pattern[MAX_PATH];
    HANDLE find;
    int n = 0;

    snprintf(pattern, sizeof(pattern), "%s\\fd\\*", dir);
    if ((find = FindFirstFileA(pattern, &data)) == INVALID_HANDLE_VALUE) return -1;
    do if (data.cFileName[0] != '.') n++; while (FindNextFileA(find, &data));
    FindClose(find);
    return n;
}

/* a thread blocked in a wait on a semaphore nobody releases */
struct blocked_wait
{
    HANDLE ready, sem;
    DWORD timeout, ret;
};

static DWORD WINAPI wait_on_sem(void *arg)
{
    struct blocked_wait *w = arg;

    SetEvent(w->ready);
    w->ret = WaitForSingleObject(w->sem, w->timeout);
    return 0;
}

/* start a thread that waits on w->sem for TIMEOUT ms, and let it block */
static HANDLE start_blocked_wait(struct blocked_wait *w, DWORD timeout)
{
    HANDLE thread;

    w->ready = CreateEventW(NULL, TRUE, FALSE, NULL);
    w->sem = CreateSemaphoreW(NULL, 0, 1, NULL);
    w->timeout = timeout;
    w->ret = 0xdeadbeef;
    thread = CreateThread(NULL, 0, wait_on_sem, w, 0, NULL);
    WaitForSingleObject(w->ready, INFINITE);
    Sleep(1000);  /* let it block in its wait */
    return thread;
}

/*
 * CloseHandle() while another thread waits on the handle: the wait goes
 * on (and times out: nothing can release the object any more), and
 * whatever Wine keeps for the object stays open until that wait is over.
 * A Unix fd closed under a thread that is about to use it can be reused
 * by another object at once, and the thread then acts on that one.
 * Counted in /proc/PID/fd: the close may not drop an fd while the wait
 * runs; the end of the wait may.
 */
static void close_while_in_use(void)
{
    struct blocked_wait w;
    int before, closed, after;
    char proc[MAX_PATH];
    HANDLE thread;

    if (!find_own_proc(proc, sizeof(proc)))
    {
        check(0, "cannot find this process in Z:\\proc");
        return;
    }
    thread = start_blocked_wait(&w, 3000);
    before = count_unix_fds(proc);
    check(before > 0, "cannot list %s\\fd", proc);
    CloseHandle(w.sem);
    closed = count_unix_fds(proc);
    check(closed == before, "closing the handle closed %d fds under the waiting thread", before - closed);
    check(WaitForSingleObject(thread, 10000) == WAIT_OBJECT_0, "the waiting thread did not end");
    check(w.ret == WAIT_TIMEOUT, "the wait on the closed semaphore returned %lu", w.ret);
    after = count_unix_fds(proc);
    check(after <= closed, "fds opened while the wait ended: %d before, %d after", closed, after);
    CloseHandle(thread);
    CloseHandle(w.ready);
}

static void CALLBACK count_apc(void *arg, DWORD low, DWORD high)
{
    (void)low;
    (void)high;
    InterlockedIncrement(arg);
}

/*
 * A waitable timer set with a completion routine on its first use and
 * then cancelled: the routine never runs.
 */
static void timer_cancel_first_use(void)
{
    HANDLE timer = CreateWaitableTimerW(NULL, FALSE, NULL);
    LARGE_INTEGER due;
    LONG count = 0;
    DWORD ret;

    due.QuadPart = -2000000;  /* 200 ms */
    check(SetWaitableTimer(timer, &due, 0, count_apc, &count, FALSE),
          "SetWaitableTimer failed %lu", GetLastError());
    check(CancelWaitableTimer(timer), "CancelWaitableTimer failed %lu", GetLastError());
    ret = SleepEx(1000, TRUE);
    check(ret == 0 && count == 0, "the routine ran after the cancel: SleepEx returned %lu, %ld runs",
          ret, count);
    ret = WaitForSingleObject(timer, 0);
    check(ret == WAIT_TIMEOUT, "a cancelled timer is signaled: %lu", ret);
    CloseHandle(timer);
}

/*
 * TerminateThread() on a thread blocked in a wait, then CloseHandle() of
 * what it waited on: whatever Wine kept open for the object is closed
 * (by the close, once the wait is gone), nothing is left behind.  With a
 * Wine that keeps no fd per object, the close changes nothing.
 */
static void terminate_in_wait(void)
{
    struct blocked_wait w;
    int with_fds, c0, c1, c2, c3;
    char proc[MAX_PATH];
    HANDLE thread, probe;

    if (!find_own_proc(proc, sizeof(proc)))
    {
        check(0, "cannot find this process in Z:\\proc");
        return;
    }
    /* does this Wine keep an fd for an event it waited on? */
    probe = CreateEventW(NULL, TRUE, TRUE, NULL);
    c0 = count_unix_fds(proc);
    WaitForSingleObject(probe, 0);
    c1 = count_unix_fds(proc);
    CloseHandle(probe);
    c2 = count_unix_fds(proc);
    with_fds = c1 > c0;
    check(c2 == c0, "probe event: %d fds, %d after a wait, %d after its close", c0, c1, c2);

    thread = start_blocked_wait(&w, INFINITE);
    check(TerminateThread(thread, 3), "TerminateThread failed %lu", GetLastError());
    check(WaitForSingleObject(thread, 10000) == WAIT_OBJECT_0, "the thread did not end");
    Sleep(200);  /* its Unix thread is gone too */
    c1 = count_unix_fds(proc);
    CloseHandle(w.sem);
    c2 = count_unix_fds(proc);
    check(c2 == c1 - with_fds, "closing the semaphore of the terminated wait: %d fds before, %d after (%s)",
          c1, c2, with_fds ? "one fewer expected" : "no change expected");
    c3 = count_unix_fds(proc);
    check(c3 == c2, "fds changed on their own: %d, then %d", c2, c3);
    CloseHandle(thread);
    CloseHandle(w.ready);
}

/*
 * TerminateThread on a thread that waits on a mutex while the owner
 * releases it: either the victim never gets the mutex, or it dies owning
 * it and the mutex is abandoned.  Either way the next wait gets it, as
 * WAIT_OBJECT_0 or WAIT_ABANDONED, never a timeout.  The release lands
 * 0-3 ms after the TerminateThread call, and the contended mutexes are
 * made before 2000 others: a Wine that abandons a dying thread's kernel
 * mutexes one by one while the thread can still acquire one has its
 * window there.
 */
#define TMW_ROUNDS 8
#define TMW_PAD 2000
static volatile LONG tmw_go, tmw_waiting, tmw_delay;

static DWORD WINAPI tmw_victim(void *mutex)
{
    InterlockedExchange(&tmw_waiting, 1);
    WaitForSingleObject(mutex, INFINITE);
    Sleep(INFINITE);
    return 0;
}

static DWORD WINAPI tmw_owner(void *mutex)
{
    WaitForSingleObject(mutex, INFINITE);
    while (!tmw_go) YieldProcessor();
    if (tmw_delay) Sleep(tmw_delay - 1);
    ReleaseMutex(mutex);
    Sleep(INFINITE);
    return 0;
}

static void terminate_mutex_waiter(void)
{
    HANDLE mutexes[TMW_ROUNDS], *pad, owner, victim;
    int r, i, made = 0, timeouts = 0, abandoned = 0, clean = 0;
    DWORD ret;

    for (r = 0; r < TMW_ROUNDS; r++) mutexes[r] = CreateMutexW(NULL, FALSE, NULL);
    pad = calloc(TMW_PAD, sizeof(*pad));
    for (i = 0; pad && i < TMW_PAD; i++, made++)
        if (!(pad[i] = CreateMutexW(NULL, FALSE, NULL))) break;
    check(made == TMW_PAD, "made %d of %d mutexes: %lu", made, TMW_PAD, GetLastError());
    for (r = 0; r < TMW_ROUNDS; r++)
    {
        tmw_go = tmw_waiting = 0;
        tmw_delay = r % 4;
        owner = CreateThread(NULL, 0, tmw_owner, mutexes[r], 0, NULL);
        Sleep(100);
        victim = CreateThread(NULL, 0, tmw_victim, mutexes[r], 0, NULL);
        while (!tmw_waiting) Sleep(1);
        Sleep(100);
        InterlockedExchange(&tmw_go, 1);
        TerminateThread(victim, 1);
        WaitForSingleObject(victim, INFINITE);
        ret = WaitForSingleObject(mutexes[r], 5000);
        if (ret == WAIT_TIMEOUT) timeouts++;
        else if (ret == WAIT_ABANDONED) abandoned++;
        else if (ret == WAIT_OBJECT_0) clean++;
        else check(0, "round %d: wait returned %#lx", r, ret);
        if (ret == WAIT_OBJECT_0 || ret == WAIT_ABANDONED) ReleaseMutex(mutexes[r]);
        TerminateThread(owner, 0);
        WaitForSingleObject(owner, INFINITE);
        CloseHandle(owner);
        CloseHandle(victim);
    }
    printf("# %d rounds: %d clean, %d abandoned, %d timed out\n", TMW_ROUNDS, clean, abandoned, timeouts);
    check(!timeouts, "%d of %d mutexes stayed owned by a terminated thread", timeouts, TMW_ROUNDS);
    for (i = 0; i < made; i++) CloseHandle(pad[i]);
    free(pad);
    for (r = 0; r < TMW_ROUNDS; r++) CloseHandle(mutexes[r]);
}

/*
 * A thread that is terminated or suspended while it waits stops waiting
 * at once: a semaphore released, an event set or a mutex released right
 * after TerminateThread() or SuspendThread() returns goes to the next
 * wait, here this thread's, never to that thread.  A suspended thread
 * waits again once it is resumed.  A Wine whose waits run in the kernel
 * sends the thread a signal, which only wakes it: whatever is released
 * before it has run would go to it and be lost with it (or be held while
 * it is suspended) unless the driver passes such a waiter over.
 */
#define STOP_ROUNDS 8
enum stop_kind { STOP_SEMAPHORE, STOP_EVENT, STOP_MUTEX, STOP_KINDS };
static const char *const stop_kind_name[STOP_KINDS] = { "semaphore", "event", "mutex" };

struct stop_waiter
{
    HANDLE obj;
    volatile LONG waiting, got;
};

static DWORD WINAPI stop_waiter_thread(void *arg)
{
    struct stop_waiter *w = arg;

    InterlockedExchange(&w->waiting, 1);
    if (WaitForSingleObject(w->obj, INFINITE) == WAIT_OBJECT_0) InterlockedExchange(&w->got, 1);
    Sleep(INFINITE);
    return 0;
}

static HANDLE stop_make(enum stop_kind kind)
{
    switch (kind)
    {
    case STOP_SEMAPHORE: return CreateSemaphoreW(NULL, 0, 2, NULL);
    case STOP_EVENT: return CreateEventW(NULL, FALSE, FALSE, NULL);
    default: return CreateMutexW(NULL, TRUE, NULL);  /* owned by this thread */
    }
}

static BOOL stop_release(enum stop_kind kind, HANDLE obj)
{
    switch (kind)
    {
    case STOP_SEMAPHORE: return ReleaseSemaphore(obj, 1, NULL);
    case STOP_EVENT: return SetEvent(obj);
    default: return ReleaseMutex(obj);
    }
}

static void stop_waiter(BOOL suspend)
{
    int kind, r, waited, lost[STOP_KINDS] = { 0 };
    struct stop_waiter w;
    HANDLE thread;
    DWORD ret;

    for (kind = 0; kind < STOP_KINDS; kind++)
    {
        for (r = 0; r < STOP_ROUNDS; r++)
        {
            w.obj = stop_make(kind);
            w.waiting = w.got = 0;
            thread = CreateThread(NULL, 0, stop_waiter_thread, &w, 0, NULL);
            while (!w.waiting) Sleep(1);
            Sleep(100);  /* let it block in its wait */
            if (suspend) check(SuspendThread(thread) == 0, "SuspendThread failed %lu", GetLastError());
            else check(TerminateThread(thread, 1), "TerminateThread failed %lu", GetLastError());
            check(stop_release(kind, w.obj), "%s: release failed %lu", stop_kind_name[kind], GetLastError());
            ret = WaitForSingleObject(w.obj, 0);
            if (ret != WAIT_OBJECT_0) lost[kind]++;
            if (suspend)
            {
                /* resumed, it waits again, and gets the next release */
                check(ResumeThread(thread) == 1, "ResumeThread failed %lu", GetLastError());
                if (ret == WAIT_OBJECT_0)
                {
                    check(stop_release(kind, w.obj), "%s: second release failed %lu",
                          stop_kind_name[kind], GetLastError());
                    for (waited = 0; !w.got && waited < 5000; waited += 10) Sleep(10);
                    check(w.got, "%s: the resumed thread did not get the second release", stop_kind_name[kind]);
                }
                TerminateThread(thread, 1);
            }
            check(WaitForSingleObject(thread, 10000) == WAIT_OBJECT_0, "the thread did not end");
            CloseHandle(thread);
            CloseHandle(w.obj);
        }
        printf("# %s: %d of %d releases went to the %s thread\n", stop_kind_name[kind], lost[kind],
               STOP_ROUNDS, suspend ? "suspended" : "terminated");
        check(!lost[kind], "%s: %d of %d releases right after %s went to that thread", stop_kind_name[kind],
              lost[kind], STOP_ROUNDS, suspend ? "SuspendThread" : "TerminateThread");
    }
}

static void terminate_then_release(void)
{
    stop_waiter(FALSE);
}

static void suspend_then_release(void)
{
    stop_waiter(TRUE);
}

/*
 * A plain wait on a keyed event is satisfied at once (only keyed waits
 * and releases pair up on it).  Beside an event in a wait-all, the wait
 * ends when another thread sets the event; keyed releases still find no
 * waiter.
 */
static void keyed_event_in_wait(void)
{
    NTSTATUS (WINAPI *create_keyed)(HANDLE *, ACCESS_MASK, void *, ULONG);
    NTSTATUS (WINAPI *release_keyed)(HANDLE, const void *, BOOLEAN, const LARGE_INTEGER *);
    HMODULE ntdll = GetModuleHandleA("ntdll.dll");
    LARGE_INTEGER zero = { .QuadPart = 0 };
    HANDLE keyed, h[2], thread;
    NTSTATUS status;
    DWORD ret;

    create_keyed = (void *)GetProcAddress(ntdll, "NtCreateKeyedEvent");
    release_keyed = (void *)GetProcAddress(ntdll, "NtReleaseKeyedEvent");
    check(create_keyed && release_keyed, "no keyed event functions in ntdll");
    if (!create_keyed || !release_keyed) return;
    /* KEYEDEVENT_ALL_ACCESS | SYNCHRONIZE */
    status = create_keyed(&keyed, 0xf0003 | SYNCHRONIZE, NULL, 0);
    check(!status, "NtCreateKeyedEvent: %#lx", status);
    if (status) return;

    ret = WaitForSingleObject(keyed, 0);
    check(ret == WAIT_OBJECT_0, "plain wait on a keyed event: got %lu, want 0", ret);

    h[0] = CreateEventW(NULL, FALSE, FALSE, NULL);
    h[1] = keyed;
    ret = WaitForMultipleObjects(2, h, FALSE, 0);
    check(ret == WAIT_OBJECT_0 + 1, "wait-any on an unset event and a keyed event: got %lu, want 1", ret);

    thread = CreateThread(NULL, 0, set_event_later, h[0], 0, NULL);
    ret = WaitForMultipleObjects(2, h, TRUE, 20000);
    check(ret == WAIT_OBJECT_0, "wait-all on an event and a keyed event: got %lu, want 0 "
          "(the event is set after 200 ms)", ret);
    ret = WaitForSingleObject(h[0], 0);
    check(ret == WAIT_TIMEOUT, "the wait-all did not consume the auto-reset event: %lu", ret);
    WaitForSingleObject(thread, 5000);
    CloseHandle(thread);

    status = release_keyed(keyed, (void *)0x10, FALSE, &zero);
    check(status == STATUS_TIMEOUT, "keyed release with no waiter: %#lx, want STATUS_TIMEOUT", status);
    CloseHandle(h[0]);
    CloseHandle(keyed);
}

/*
 * A wait-all that names one object twice, by one handle or by two.
 * Windows refuses it (WAIT_FAILED, ERROR_INVALID_PARAMETER); stock Wine
 * waits on it.  Either is accepted; what may not happen is a wait that
 * misses the event being set by another thread.
 */
static void wait_all_same_object(void)
{
    unsigned int i;

    for (i = 0; i < 2; i++)
    {
        HANDLE ev = CreateEventW(NULL, TRUE, FALSE, NULL), h[2], thread;
        DWORD ret, err;

        h[0] = ev;
        h[1] = ev;
        if (i) DuplicateHandle(GetCurrentProcess(), ev, GetCurrentProcess(), &h[1], 0, FALSE, DUPLICATE_SAME_ACCESS);
        thread = CreateThread(NULL, 0, set_event_later, ev, 0, NULL);
        SetLastError(0xdeadbeef);
        ret = WaitForMultipleObjects(2, h, TRUE, 20000);
        err = GetLastError();
        check((ret == WAIT_FAILED && err == ERROR_INVALID_PARAMETER) || ret == WAIT_OBJECT_0,
              "%s: got %lu (error %lu), want WAIT_FAILED with ERROR_INVALID_PARAMETER "
              "(Windows) or 0 once the event is set after 200 ms (stock Wine)",
              i ? "two handles" : "one handle", ret, err);
        WaitForSingleObject(thread, 5000);
        CloseHandle(thread);
        if (i) CloseHandle(h[1]);
        CloseHandle(ev);
    }
}

/* ntoskrnl's request loop, as winedevice runs it */
static DWORD WINAPI run_driver_loop(void *stop)
{
    NTSTATUS (CDECL *main_loop)(HANDLE);

    main_loop = (void *)GetProcAddress(GetModuleHandleA("ntoskrnl.exe"), "wine_ntoskrnl_main_loop");
    return main_loop(stop);
}

/*
 * A driver host (winedevice) waits in one wait for requests to its
 * device manager and for its stop event; the service control thread sets
 * that event to stop the drivers.  Wine's own: run ntoskrnl's loop as
 * winedevice does, set the event from another thread, and the loop must
 * end.
 */
static void driver_host_stop(void)
{
    HMODULE ntoskrnl = LoadLibraryA("ntoskrnl.exe");
    HANDLE stop, thread;
    DWORD ret, code = 0xdeadbeef;

    check(ntoskrnl && GetProcAddress(ntoskrnl, "wine_ntoskrnl_main_loop"),
          "no wine_ntoskrnl_main_loop in ntoskrnl.exe (error %lu)", GetLastError());
    if (!ntoskrnl || !GetProcAddress(ntoskrnl, "wine_ntoskrnl_main_loop")) return;
    stop = CreateEventW(NULL, TRUE, FALSE, NULL);
    thread = CreateThread(NULL, 0, run_driver_loop, stop, 0, NULL);
    Sleep(1000);  /* let it block in its wait */
    ret = WaitForSingleObject(thread, 0);
    check(ret == WAIT_TIMEOUT, "the driver loop ended before its stop event was set: %lu", ret);
    SetEvent(stop);
    ret = WaitForSingleObject(thread, 20000);
    check(ret == WAIT_OBJECT_0, "the driver loop did not end within 20 s of its stop event: %lu", ret);
    GetExitCodeThread(thread, &code);
    check(code == 0, "the driver loop returned %#lx", code);
    CloseHandle(thread);
    CloseHandle(stop);
}

/*
 * A timer's completion routine belongs to the timer, not to the handle
 * it was set through: a cancel, or a set without a routine, through
 * another handle ends it.  The set without a routine still signals.
 */
static void timer_routine_other_handle(void)
{
    unsigned int i;

    for (i = 0; i < 2; i++)
    {
        HANDLE timer = CreateWaitableTimerW(NULL, TRUE, NULL), other;
        LARGE_INTEGER due;
        LONG count = 0;
        DWORD ret;

        DuplicateHandle(GetCurrentProcess(), timer, GetCurrentProcess(), &other, 0, FALSE, DUPLICATE_SAME_ACCESS);
        /* the other handle's first use, then the routine */
        ret = WaitForSingleObject(other, 0);
        check(ret == WAIT_TIMEOUT, "a new timer is signaled: %lu", ret);
        due.QuadPart = -2000000;  /* 200 ms */
        check(SetWaitableTimer(timer, &due, 0, count_apc, &count, FALSE),
              "SetWaitableTimer failed %lu", GetLastError());
        if (i) check(SetWaitableTimer(other, &due, 0, NULL, NULL, FALSE),
                     "SetWaitableTimer without a routine failed %lu", GetLastError());
        else check(CancelWaitableTimer(other), "CancelWaitableTimer failed %lu", GetLastError());
        ret = SleepEx(1000, TRUE);
        check(ret == 0 && count == 0, "%s through another handle: the routine still ran (SleepEx %lu, %ld runs)",
              i ? "set without a routine" : "cancel", ret, count);
        ret = WaitForSingleObject(timer, 0);
        check(ret == (i ? WAIT_OBJECT_0 : WAIT_TIMEOUT), "%s through another handle: the timer's state is %lu",
              i ? "set without a routine" : "cancel", ret);
        CloseHandle(other);
        CloseHandle(timer);
    }
}

struct msgwait
{
    HANDLE ready, stop;
    HWND hwnd;
    DWORD ret;
};

static DWORD WINAPI msgwait_thread(void *arg)
{
    struct msgwait *m = arg;
    MSG msg;

    m->hwnd = CreateWindowA("static", "kwine", 0, 0, 0, 10, 10, NULL, NULL, NULL, NULL);
    while (PeekMessageA(&msg, NULL, 0, 0, PM_REMOVE)) DispatchMessageA(&msg);
    SetEvent(m->ready);
    m->ret = MsgWaitForMultipleObjects(1, &m->stop, FALSE, 30000, QS_ALLINPUT);
    if (m->hwnd) DestroyWindow(m->hwnd);
    return 0;
}

/*
 * A GUI thread waiting for input, here in MsgWaitForMultipleObjects, is
 * not hung, however long it waits: Windows calls a thread hung when it
 * has not asked for messages for 5 s.
 */
static void msgwait_not_hung(void)
{
    struct msgwait m = { CreateEventW(NULL, TRUE, FALSE, NULL), CreateEventW(NULL, TRUE, FALSE, NULL), NULL, 0xdeadbeef };
    HANDLE thread = CreateThread(NULL, 0, msgwait_thread, &m, 0, NULL);

    WaitForSingleObject(m.ready, 20000);
    check(m.hwnd != NULL, "no window (has the prefix a display driver?)");
    if (m.hwnd)
    {
        Sleep(6500);
        check(!IsHungAppWindow(m.hwnd), "a thread that has waited for input for 6.5 s is hung");
    }
    SetEvent(m.stop);
    WaitForSingleObject(thread, 20000);
    check(m.ret == WAIT_OBJECT_0, "MsgWaitForMultipleObjects returned %lu, want 0", m.ret);
    CloseHandle(thread);
    CloseHandle(m.ready);
    CloseHandle(m.stop);
}

/*
 * SignalObjectAndWait with a handle to signal that is not an event,
 * semaphore or mutex, or no handle at all: WAIT_FAILED with
 * ERROR_INVALID_HANDLE, and the object to wait on is left alone.
 */
static void signal_and_wait_bad_signal(void)
{
    HANDLE sem = CreateSemaphoreW(NULL, 1, 1, NULL);
    HANDLE bad[2] = { GetCurrentThread(), (HANDLE)(ULONG_PTR)0xdead0 };
    unsigned int i;

    for (i = 0; i < 2; i++)
    {
        DWORD ret, err;

        SetLastError(0xdeadbeef);
        ret = SignalObjectAndWait(bad[i], sem, 0, FALSE);
        err = GetLastError();
        check(ret == WAIT_FAILED && err == ERROR_INVALID_HANDLE, "%s: got %lu, error %lu, want WAIT_FAILED, ERROR_INVALID_HANDLE",
              i ? "no handle" : "a thread", ret, err);
    }
    check(WaitForSingleObject(sem, 0) == WAIT_OBJECT_0, "the semaphore was taken");
    CloseHandle(sem);
}

/*
 * A file handle is signaled while no I/O is pending on it: an overlapped
 * read with no event resets it, its completion sets it.  Waits on the
 * handle must follow each change, after it has been waited on before too
 * (the patched server keeps the state of such an object in a kernel
 * event that it updates when the file's state changes).
 */
struct late_write
{
    HANDLE pipe;
    DWORD delay;
};

static DWORD WINAPI late_write_thread(void *arg)
{
    struct late_write *w = arg;
    DWORD done;

    Sleep(w->delay);
    return !WriteFile(w->pipe, "x", 1, &done, NULL) || done != 1;
}

static void file_handle_state(void)
{
    static const WCHAR name[] = L"\\\\.\\pipe\\kwine-sync-smoke-file";
    struct late_write w;
    HANDLE server, thread;
    OVERLAPPED ov;
    DWORD ret, got;
    char buf[4];
    int round;

    server = CreateNamedPipeW(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED, PIPE_TYPE_BYTE | PIPE_WAIT,
                              1, 4096, 4096, 0, NULL);
    check(server != INVALID_HANDLE_VALUE, "CreateNamedPipe failed %lu", GetLastError());
    if (server == INVALID_HANDLE_VALUE) return;
    w.pipe = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    check(w.pipe != INVALID_HANDLE_VALUE, "opening the pipe failed %lu", GetLastError());
    if (w.pipe == INVALID_HANDLE_VALUE)
    {
        CloseHandle(server);
        return;
    }
    for (round = 0; round < 4; round++)
    {
        ret = WaitForSingleObject(server, 0);
        check(ret == WAIT_OBJECT_0, "round %d: idle pipe handle not signaled: %lu", round, ret);
        memset(&ov, 0, sizeof(ov));
        ret = ReadFile(server, buf, 1, NULL, &ov);
        check(!ret && GetLastError() == ERROR_IO_PENDING, "round %d: read did not pend: %lu, error %lu",
              round, ret, GetLastError());
        ret = WaitForSingleObject(server, 50);
        check(ret == WAIT_TIMEOUT, "round %d: handle signaled with a read pending: %lu", round, ret);
        /* odd rounds: the read completes while the wait is in progress */
        w.delay = round % 2 ? 200 : 0;
        thread = CreateThread(NULL, 0, late_write_thread, &w, 0, NULL);
        ret = WaitForSingleObject(server, 10000);
        check(ret == WAIT_OBJECT_0, "round %d: handle not signaled when the read completed: %lu", round, ret);
        check(GetOverlappedResult(server, &ov, &got, TRUE) && got == 1, "round %d: read result %lu", round, got);
        WaitForSingleObject(thread, 10000);
        GetExitCodeThread(thread, &ret);
        check(ret == 0, "round %d: write failed", round);
        CloseHandle(thread);
    }
    CloseHandle(w.pipe);
    CloseHandle(server);
}

static const struct tap_case cases[] =
{
    { "manual_event", manual_event },
    { "auto_event", auto_event },
    { "wait_any", wait_any },
    { "wait_all", wait_all },
    { "semaphore_limits", semaphore_limits },
    { "thread_ping_pong", thread_ping_pong },
    { "mutex_ownership", mutex_ownership },
    { "signal_and_wait_access", signal_and_wait_access },
    { "far_timeouts", far_timeouts },
    { "pseudo_handle_wait", pseudo_handle_wait },
    { "close_while_in_use", close_while_in_use },
    { "timer_cancel_first_use", timer_cancel_first_use },
    { "terminate_in_wait", terminate_in_wait },
    { "keyed_event_in_wait", keyed_event_in_wait },
    { "wait_all_same_object", wait_all_same_object },
    { "driver_host_stop", driver_host_stop },
    { "timer_routine_other_handle", timer_routine_other_handle },
    { "msgwait_not_hung", msgwait_not_hung },
    { "signal_and_wait_bad_signal", signal_and_wait_bad_signal },
    { "terminate_mutex_waiter", terminate_mutex_waiter },
    { "file_handle_state", file_handle_state },
    { "terminate_then_release", terminate_then_release },
    { "suspend_then_release", suspend_then_release },
};

int main(void)
{
    return run_tap_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
