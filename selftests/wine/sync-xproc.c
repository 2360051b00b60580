/*
 * kwine Wine test: NT synchronization across processes, threads, APCs and
 * timers, the parts Wine's own conformance tests cover least.
 *
 * One executable: run without arguments it is the parent and prints TAP;
 * it starts copies of itself with a role argument for the cross-process
 * cases.  A child reports through its exit code (0 = every step passed,
 * otherwise 100 + the number of the first failed step) and never prints a
 * result line.  Every child is waited for (and killed after a timeout), so
 * no process outlives the test.
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

/* Generous bounds: the guest runs under QEMU TCG, 5-10x slower than native. */
#define LONG_WAIT 30000     /* ms: anything that should happen "soon" */
#define CHILD_EXIT_WAIT 60000

static char self_path[MAX_PATH];
static char prefix[64];      /* object name prefix, unique to this parent */

static void object_name(char *buf, size_t size, const char *pfx, const char *what)
{
    snprintf(buf, size, "%s%s", pfx, what);
}

static ULONGLONG now_ms(void)
{
    LARGE_INTEGER freq, count;

    QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&count);
    return (ULONGLONG)(count.QuadPart / (freq.QuadPart / 1000));
}

/* until a thread is about to wait, then long enough for it to block */
static void wait_started(volatile LONG *flag)
{
    int i;

    for (i = 0; i < 10000 && !*flag; i++) Sleep(1);
    Sleep(100);
}

/* ------------------------------------------------------------------------ */
/* Child roles.  Each returns 0 or 100 + the failed step.                    */

#define child_step(n, cond) do { \
    if (!(cond)) { \
        fprintf(stderr, "# child %s: step %d failed: %s (error %lu)\n", \
                role, (n), #cond, GetLastError()); \
        return 100 + (n); \
    } \
} while (0)

static HANDLE parse_handle(const char *s)
{
    return (HANDLE)(ULONG_PTR)strtoull(s, NULL, 16);
}

/* child "event PREFIX": wait on the parent's named auto-reset event */
static int child_event(const char *role, const char *pfx)
{
    char name[128];
    HANDLE go, back, none;
    DWORD ret;

    object_name(name, sizeof(name), pfx, "go");
    go = OpenEventA(SYNCHRONIZE | EVENT_MODIFY_STATE, FALSE, name);
    child_step(1, go != NULL);
    object_name(name, sizeof(name), pfx, "back");
    back = OpenEventA(EVENT_MODIFY_STATE, FALSE, name);
    child_step(2, back != NULL);
    object_name(name, sizeof(name), pfx, "no-such-event");
    SetLastError(0xdeadbeef);
    none = OpenEventA(SYNCHRONIZE, FALSE, name);
    child_step(3, none == NULL && GetLastError() == ERROR_FILE_NOT_FOUND);
    /* "ready": the parent sets "go" only after this */
    child_step(4, SetEvent(back));
    ret = WaitForSingleObject(go, LONG_WAIT);
    child_step(5, ret == WAIT_OBJECT_0);
    /* auto-reset: our wait consumed it */
    ret = WaitForSingleObject(go, 0);
    child_step(6, ret == WAIT_TIMEOUT);
    child_step(7, SetEvent(back));
    CloseHandle(go);
    CloseHandle(back);
    return 0;
}

/* child "mutex PREFIX": hold the parent's named mutex until told to let go */
static int child_mutex(const char *role, const char *pfx)
{
    char name[128];
    HANDLE mutex, taken, release, finish;
    DWORD ret;
    BOOL ok;

    object_name(name, sizeof(name), pfx, "mutex");
    SetLastError(0xdeadbeef);
    mutex = CreateMutexA(NULL, FALSE, name);
    child_step(1, mutex != NULL && GetLastError() == ERROR_ALREADY_EXISTS);
    object_name(name, sizeof(name), pfx, "taken");
    taken = OpenEventA(EVENT_MODIFY_STATE, FALSE, name);
    object_name(name, sizeof(name), pfx, "release");
    release = OpenEventA(SYNCHRONIZE, FALSE, name);
    object_name(name, sizeof(name), pfx, "finish");
    finish = OpenEventA(SYNCHRONIZE, FALSE, name);
    child_step(2, taken && release && finish);
    ret = WaitForSingleObject(mutex, LONG_WAIT);
    child_step(3, ret == WAIT_OBJECT_0);
    child_step(4, SetEvent(taken));
    ret = WaitForSingleObject(release, LONG_WAIT);
    child_step(5, ret == WAIT_OBJECT_0);
    child_step(6, ReleaseMutex(mutex));
    SetLastError(0xdeadbeef);
    ok = ReleaseMutex(mutex);
    child_step(7, !ok && GetLastError() == ERROR_NOT_OWNER);
    /* stay alive until the parent has taken it: its wait is a real handoff,
     * not an abandonment */
    ret = WaitForSingleObject(finish, LONG_WAIT);
    child_step(8, ret == WAIT_OBJECT_0);
    CloseHandle(mutex);
    CloseHandle(taken);
    CloseHandle(release);
    CloseHandle(finish);
    return 0;
}

/* child "abandon PREFIX exit|hold": take the named mutex and never release it */
static int child_abandon(const char *role, const char *pfx, const char *how)
{
    char name[128];
    HANDLE mutex, taken, never;
    DWORD ret;

    object_name(name, sizeof(name), pfx, "amutex");
    mutex = OpenMutexA(SYNCHRONIZE | MUTEX_MODIFY_STATE, FALSE, name);
    child_step(1, mutex != NULL);
    object_name(name, sizeof(name), pfx, "ataken");
    taken = OpenEventA(EVENT_MODIFY_STATE, FALSE, name);
    child_step(2, taken != NULL);
    ret = WaitForSingleObject(mutex, LONG_WAIT);
    child_step(3, ret == WAIT_OBJECT_0);
    child_step(4, SetEvent(taken));
    if (!strcmp(how, "exit"))
    {
        /* give the parent time to block on the mutex, then exit owning it */
        Sleep(300);
        ExitProcess(0);
    }
    /* "hold": wait to be killed; an event nobody sets bounds the wait */
    never = CreateEventA(NULL, TRUE, FALSE, NULL);
    WaitForSingleObject(never, CHILD_EXIT_WAIT);
    return 100 + 5;
}

/* child "handles IN OUT PIPE": inherited handles, then duplicated ones */
static int child_handles(const char *role, const char *in_s, const char *out_s,
                         const char *pipe_s)
{
    HANDLE in = parse_handle(in_s), out = parse_handle(out_s), pipe = parse_handle(pipe_s);
    HANDLE dup_full, dup_sync;
    ULONGLONG values[2];
    DWORD ret, flags = 0, got = 0;
    BOOL ok;

    child_step(1, GetHandleInformation(in, &flags) && (flags & HANDLE_FLAG_INHERIT));
    child_step(2, GetHandleInformation(out, &flags) && (flags & HANDLE_FLAG_INHERIT));
    ret = WaitForSingleObject(in, LONG_WAIT);
    child_step(3, ret == WAIT_OBJECT_0);
    child_step(4, SetEvent(out));

    /* the parent writes the values of the handles it duplicated into us */
    ok = ReadFile(pipe, values, sizeof(values), &got, NULL);
    child_step(5, ok && got == sizeof(values));
    dup_full = (HANDLE)(ULONG_PTR)values[0];
    dup_sync = (HANDLE)(ULONG_PTR)values[1];
    child_step(6, GetHandleInformation(dup_full, &flags) && !(flags & HANDLE_FLAG_INHERIT));
    ret = WaitForSingleObject(dup_sync, LONG_WAIT);
    child_step(7, ret == WAIT_OBJECT_0);
    /* duplicated with SYNCHRONIZE only: waitable, not settable */
    SetLastError(0xdeadbeef);
    ok = SetEvent(dup_sync);
    child_step(8, !ok && GetLastError() == ERROR_ACCESS_DENIED);
    child_step(9, SetEvent(dup_full));
    CloseHandle(dup_full);
    CloseHandle(dup_sync);
    CloseHandle(in);
    CloseHandle(out);
    CloseHandle(pipe);
    return 0;
}

static int run_child(int argc, char **argv)
{
    const char *role = argv[1];

    if (!strcmp(role, "event") && argc == 3)
        return child_event(role, argv[2]);
    if (!strcmp(role, "mutex") && argc == 3)
        return child_mutex(role, argv[2]);
    if (!strcmp(role, "abandon") && argc == 4)
        return child_abandon(role, argv[2], argv[3]);
    if (!strcmp(role, "handles") && argc == 5)
        return child_handles(role, argv[2], argv[3], argv[4]);
    fprintf(stderr, "# unknown child role %s (%d args)\n", role, argc);
    return 99;
}

/* ------------------------------------------------------------------------ */
/* Parent helpers                                                           */

static HANDLE start_child(const char *args, BOOL inherit)
{
    char cmd[1024];
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;

    snprintf(cmd, sizeof(cmd), "\"%s\" %s", self_path, args);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    if (!CreateProcessA(NULL, cmd, NULL, NULL, inherit, 0, NULL, NULL, &si, &pi))
    {
        check(0, "CreateProcess(%s) failed %lu", cmd, GetLastError());
        return NULL;
    }
    CloseHandle(pi.hThread);
    return pi.hProcess;
}

/* Wait for a child to exit (killing it if it does not) and return its exit
 * code.  Always closes the process handle. */
static DWORD finish_child(HANDLE process)
{
    DWORD ret, code = 0xdeadbeef;

    if (!process) return code;
    ret = WaitForSingleObject(process, CHILD_EXIT_WAIT);
    if (ret != WAIT_OBJECT_0)
    {
        check(0, "child did not exit: wait returned %lu", ret);
        TerminateProcess(process, 0xdead);
        WaitForSingleObject(process, LONG_WAIT);
    }
    GetExitCodeProcess(process, &code);
    CloseHandle(process);
    return code;
}

static HANDLE named_event(const char *what, BOOL manual)
{
    char name[128];
    HANDLE ev;

    object_name(name, sizeof(name), prefix, what);
    SetLastError(0xdeadbeef);
    ev = CreateEventA(NULL, manual, FALSE, name);
    check(ev != NULL && GetLastError() == 0, "CreateEvent(%s): %p error %lu",
          name, ev, GetLastError());
    return ev;
}

/* ------------------------------------------------------------------------ */
/* Cross-process cases                                                      */

static void xproc_named_event(void)
{
    HANDLE go = named_event("go", FALSE), back = named_event("back", FALSE), child;
    char args[128];
    DWORD ret, code;

    snprintf(args, sizeof(args), "event %s", prefix);
    child = start_child(args, FALSE);
    ret = WaitForSingleObject(back, LONG_WAIT);
    check(ret == WAIT_OBJECT_0, "child never became ready: %lu", ret);
    /* the child is now blocked on "go" and must stay blocked */
    ret = WaitForSingleObject(child, 300);
    check(ret == WAIT_TIMEOUT, "child did not wait for the event: %lu", ret);
    check(SetEvent(go), "SetEvent failed %lu", GetLastError());
    ret = WaitForSingleObject(back, LONG_WAIT);
    check(ret == WAIT_OBJECT_0, "child did not signal back: %lu", ret);
    /* the child's wait consumed the auto-reset event */
    ret = WaitForSingleObject(go, 0);
    check(ret == WAIT_TIMEOUT, "event not consumed by the child's wait: %lu", ret);
    code = finish_child(child);
    check(code == 0, "child exit code %lu", code);
    CloseHandle(go);
    CloseHandle(back);
}

static void xproc_named_mutex(void)
{
    HANDLE taken = named_event("taken", FALSE), release = named_event("release", FALSE);
    HANDLE finish = named_event("finish", FALSE), mutex, child;
    char name[128], args[128];
    DWORD ret, code;
    BOOL ok;

    object_name(name, sizeof(name), prefix, "mutex");
    mutex = CreateMutexA(NULL, FALSE, name);
    check(mutex != NULL, "CreateMutex failed %lu", GetLastError());
    snprintf(args, sizeof(args), "mutex %s", prefix);
    child = start_child(args, FALSE);
    ret = WaitForSingleObject(taken, LONG_WAIT);
    check(ret == WAIT_OBJECT_0, "child did not take the mutex: %lu", ret);
    ret = WaitForSingleObject(mutex, 200);
    check(ret == WAIT_TIMEOUT, "mutex held by the child, wait returned %lu", ret);
    SetLastError(0xdeadbeef);
    ok = ReleaseMutex(mutex);
    check(!ok && GetLastError() == ERROR_NOT_OWNER,
          "release of the child's mutex: ok %d error %lu", ok, GetLastError());
    check(SetEvent(release), "SetEvent failed %lu", GetLastError());
    ret = WaitForSingleObject(mutex, LONG_WAIT);
    check(ret == WAIT_OBJECT_0, "mutex released by the child, wait returned %lu", ret);
    ret = WaitForSingleObject(child, 0);
    check(ret == WAIT_TIMEOUT, "child exited before the handoff: %lu", ret);
    check(SetEvent(finish), "SetEvent failed %lu", GetLastError());
    code = finish_child(child);
    check(code == 0, "child exit code %lu", code);
    check(ReleaseMutex(mutex), "parent does not own the mutex: %lu", GetLastError());
    CloseHandle(mutex);
    CloseHandle(taken);
    CloseHandle(release);
    CloseHandle(finish);
}

static DWORD WINAPI try_take_and_release(void *arg)
{
    DWORD ret = WaitForSingleObject(arg, 0);

    if (ret == WAIT_OBJECT_0 || ret == WAIT_ABANDONED) ReleaseMutex(arg);
    return ret;
}

/* the mutex was just returned abandoned to us: it must now work normally */
static void check_mutex_after_abandon(HANDLE mutex)
{
    HANDLE thread;
    DWORD ret, code = 0xdeadbeef;
    BOOL ok;

    ret = WaitForSingleObject(mutex, 0);
    check(ret == WAIT_OBJECT_0, "recursive acquire after abandon: %lu", ret);
    check(ReleaseMutex(mutex), "first release: %lu", GetLastError());
    check(ReleaseMutex(mutex), "second release: %lu", GetLastError());
    SetLastError(0xdeadbeef);
    ok = ReleaseMutex(mutex);
    check(!ok && GetLastError() == ERROR_NOT_OWNER,
          "third release: ok %d error %lu", ok, GetLastError());
    thread = CreateThread(NULL, 0, try_take_and_release, mutex, 0, NULL);
    WaitForSingleObject(thread, LONG_WAIT);
    GetExitCodeThread(thread, &code);
    check(code == WAIT_OBJECT_0, "another thread's acquire returned %lu", code);
    CloseHandle(thread);
}

static void xproc_abandoned_mutex_exit(void)
{
    HANDLE taken = named_event("ataken", FALSE), mutex, child;
    char name[128], args[128];
    DWORD ret, code;

    object_name(name, sizeof(name), prefix, "amutex");
    mutex = CreateMutexA(NULL, FALSE, name);
    snprintf(args, sizeof(args), "abandon %s exit", prefix);
    child = start_child(args, FALSE);
    ret = WaitForSingleObject(taken, LONG_WAIT);
    check(ret == WAIT_OBJECT_0, "child did not take the mutex: %lu", ret);
    /* blocks until the child exits owning it */
    ret = WaitForSingleObject(mutex, LONG_WAIT);
    check(ret == WAIT_ABANDONED, "expected WAIT_ABANDONED, got %lu", ret);
    code = finish_child(child);
    check(code == 0, "child exit code %lu", code);
    if (ret == WAIT_ABANDONED)
        check_mutex_after_abandon(mutex);
    CloseHandle(mutex);
    CloseHandle(taken);
}

static void xproc_abandoned_mutex_killed(void)
{
    HANDLE taken = named_event("ataken", FALSE), other = CreateEventA(NULL, TRUE, FALSE, NULL);
    HANDLE mutex, child, objs[2];
    char name[128], args[128];
    DWORD ret, code = 0xdeadbeef;

    object_name(name, sizeof(name), prefix, "amutex");
    mutex = CreateMutexA(NULL, FALSE, name);
    snprintf(args, sizeof(args), "abandon %s hold", prefix);
    child = start_child(args, FALSE);
    ret = WaitForSingleObject(taken, LONG_WAIT);
    check(ret == WAIT_OBJECT_0, "child did not take the mutex: %lu", ret);
    ret = WaitForSingleObject(mutex, 100);
    check(ret == WAIT_TIMEOUT, "mutex held by the child, wait returned %lu", ret);
    if (child)
    {
        check(TerminateProcess(child, 77), "TerminateProcess failed %lu", GetLastError());
        code = finish_child(child);
        check(code == 77, "killed child exit code %lu", code);
    }
    objs[0] = other;
    objs[1] = mutex;
    ret = WaitForMultipleObjects(2, objs, FALSE, LONG_WAIT);
    check(ret == WAIT_ABANDONED_0 + 1, "expected WAIT_ABANDONED_0 + 1, got %lu", ret);
    if (ret == WAIT_ABANDONED_0 + 1)
        check_mutex_after_abandon(mutex);
    CloseHandle(mutex);
    CloseHandle(taken);
    CloseHandle(other);
}

static void xproc_inherit_and_duplicate(void)
{
    SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
    HANDLE in, out, rd = NULL, wr = NULL, ev_full, ev_sync, child;
    HANDLE remote_full = NULL, remote_sync = NULL;
    ULONGLONG values[2];
    char args[256];
    DWORD ret, code, written = 0;

    in = CreateEventA(&sa, TRUE, FALSE, NULL);
    out = CreateEventA(&sa, FALSE, FALSE, NULL);
    check(in && out, "CreateEvent failed %lu", GetLastError());
    check(CreatePipe(&rd, &wr, &sa, 0), "CreatePipe failed %lu", GetLastError());
    check(SetHandleInformation(wr, HANDLE_FLAG_INHERIT, 0), "SetHandleInformation failed %lu",
          GetLastError());
    ev_full = CreateEventA(NULL, FALSE, FALSE, NULL);
    ev_sync = CreateEventA(NULL, FALSE, FALSE, NULL);
    snprintf(args, sizeof(args), "handles %llx %llx %llx", (ULONGLONG)(ULONG_PTR)in,
             (ULONGLONG)(ULONG_PTR)out, (ULONGLONG)(ULONG_PTR)rd);
    child = start_child(args, TRUE);
    CloseHandle(rd);

    /* inherited handles, by value on the command line */
    ret = WaitForSingleObject(out, 300);
    check(ret == WAIT_TIMEOUT, "child signaled before its event was set: %lu", ret);
    check(SetEvent(in), "SetEvent failed %lu", GetLastError());
    ret = WaitForSingleObject(out, LONG_WAIT);
    check(ret == WAIT_OBJECT_0, "child did not set the inherited event: %lu", ret);

    /* handles duplicated into the running child */
    if (child)
    {
        check(DuplicateHandle(GetCurrentProcess(), ev_full, child, &remote_full, 0, FALSE,
                              DUPLICATE_SAME_ACCESS), "DuplicateHandle failed %lu", GetLastError());
        check(DuplicateHandle(GetCurrentProcess(), ev_sync, child, &remote_sync, SYNCHRONIZE,
                              FALSE, 0), "DuplicateHandle failed %lu", GetLastError());
    }
    values[0] = (ULONG_PTR)remote_full;
    values[1] = (ULONG_PTR)remote_sync;
    check(WriteFile(wr, values, sizeof(values), &written, NULL) && written == sizeof(values),
          "WriteFile failed %lu", GetLastError());
    ret = WaitForSingleObject(ev_full, 300);
    check(ret == WAIT_TIMEOUT, "child signaled before its event was set: %lu", ret);
    check(SetEvent(ev_sync), "SetEvent failed %lu", GetLastError());
    ret = WaitForSingleObject(ev_full, LONG_WAIT);
    check(ret == WAIT_OBJECT_0, "child did not set the duplicated event: %lu", ret);
    /* the child's wait on its duplicate consumed our auto-reset event */
    ret = WaitForSingleObject(ev_sync, 0);
    check(ret == WAIT_TIMEOUT, "duplicated event not consumed: %lu", ret);
    code = finish_child(child);
    check(code == 0, "child exit code %lu", code);
    CloseHandle(wr);
    CloseHandle(in);
    CloseHandle(out);
    CloseHandle(ev_full);
    CloseHandle(ev_sync);
}

/* ------------------------------------------------------------------------ */
/* WaitForMultipleObjects on MAXIMUM_WAIT_OBJECTS handles                   */

enum { AUTO_EVENT, MANUAL_EVENT, SEMAPHORE, MUTEX };
#define KIND(i) ((i) % 4)
#define SIGNAL_ORDER(k) (((k) * 37) % MAXIMUM_WAIT_OBJECTS)   /* a permutation */

struct wait64
{
    HANDLE objs[MAXIMUM_WAIT_OBJECTS];
    HANDLE mutexes_ready, go;
    volatile LONG waiter_done;
    LONG early_wake;        /* waiter returned before the last signal */
    int last;               /* index signaled last */
};

static DWORD WINAPI wait64_signaler(void *arg)
{
    struct wait64 *w = arg;
    int k, i;

    /* the mutexes belong to this thread until it releases them */
    for (i = 0; i < MAXIMUM_WAIT_OBJECTS; i++)
        if (KIND(i) == MUTEX) w->objs[i] = CreateMutexA(NULL, TRUE, NULL);
    SetEvent(w->mutexes_ready);
    if (WaitForSingleObject(w->go, LONG_WAIT) != WAIT_OBJECT_0) return 1;
    for (k = 0; k < MAXIMUM_WAIT_OBJECTS; k++)
    {
        i = SIGNAL_ORDER(k);
        if (k == MAXIMUM_WAIT_OBJECTS - 1 || k % 16 == 15)
        {
            /* give a wrongly woken waiter the time to show it */
            Sleep(k == MAXIMUM_WAIT_OBJECTS - 1 ? 200 : 20);
            if (w->waiter_done) w->early_wake++;
        }
        if (k == MAXIMUM_WAIT_OBJECTS - 1) w->last = i;
        switch (KIND(i))
        {
        case AUTO_EVENT:
        case MANUAL_EVENT:
            if (!SetEvent(w->objs[i])) return 2;
            break;
        case SEMAPHORE:
            if (!ReleaseSemaphore(w->objs[i], 1, NULL)) return 3;
            break;
        case MUTEX:
            if (!ReleaseMutex(w->objs[i])) return 4;
            break;
        }
    }
    return 0;
}

static DWORD WINAPI hold_mutex_thread(void *arg)
{
    HANDLE *h = arg;   /* h[0] mutex, h[1] "taken", h[2] "let go" */

    if (WaitForSingleObject(h[0], 0) != WAIT_OBJECT_0) return 1;
    SetEvent(h[1]);
    WaitForSingleObject(h[2], LONG_WAIT);
    ReleaseMutex(h[0]);
    return 0;
}

/* set every object so that a wait-all on them succeeds (mutexes unowned) */
static void wait64_signal_all(struct wait64 *w)
{
    int i;

    for (i = 0; i < MAXIMUM_WAIT_OBJECTS; i++)
    {
        if (KIND(i) == AUTO_EVENT || KIND(i) == MANUAL_EVENT) SetEvent(w->objs[i]);
        else if (KIND(i) == SEMAPHORE) ReleaseSemaphore(w->objs[i], 1, NULL);
    }
}

/* after a failed wait-all: nothing consumed, no mutex owned by us; except
 * object "skip", which was not signaled */
static void wait64_check_untouched(struct wait64 *w, int skip, const char *what)
{
    int i, bad = 0;
    LONG prev;
    DWORD ret;
    BOOL ok;

    for (i = 0; i < MAXIMUM_WAIT_OBJECTS; i++)
    {
        if (i == skip) continue;
        switch (KIND(i))
        {
        case AUTO_EVENT:
        case MANUAL_EVENT:
            ret = WaitForSingleObject(w->objs[i], 0);
            if (ret != WAIT_OBJECT_0)
            {
                printf("# %s: event %d consumed (%lu)\n", what, i, ret);
                bad++;
            }
            ResetEvent(w->objs[i]);
            break;
        case SEMAPHORE:
            prev = -1;
            ok = ReleaseSemaphore(w->objs[i], 1, &prev);
            if (!ok || prev != 1)
            {
                printf("# %s: semaphore %d count %ld\n", what, i, prev);
                bad++;
            }
            WaitForSingleObject(w->objs[i], 0);
            WaitForSingleObject(w->objs[i], 0);
            break;
        case MUTEX:
            SetLastError(0xdeadbeef);
            ok = ReleaseMutex(w->objs[i]);
            if (ok || GetLastError() != ERROR_NOT_OWNER)
            {
                printf("# %s: mutex %d owned after a failed wait\n", what, i);
                bad++;
            }
            break;
        }
    }
    check(!bad, "%s: %d objects changed by a wait-all that timed out", what, bad);
}

static void wait_all_64(void)
{
    struct wait64 w;
    HANDLE thread, more[MAXIMUM_WAIT_OBJECTS + 1], holder, hold[3];
    DWORD ret, code = 0xdeadbeef;
    int i, consumed = 0, kept = 0, owned = 0;
    LONG prev;
    BOOL ok;

    memset(&w, 0, sizeof(w));
    w.last = -1;
    for (i = 0; i < MAXIMUM_WAIT_OBJECTS; i++)
    {
        if (KIND(i) == AUTO_EVENT) w.objs[i] = CreateEventA(NULL, FALSE, FALSE, NULL);
        else if (KIND(i) == MANUAL_EVENT) w.objs[i] = CreateEventA(NULL, TRUE, FALSE, NULL);
        else if (KIND(i) == SEMAPHORE) w.objs[i] = CreateSemaphoreA(NULL, 0, 2, NULL);
    }
    w.mutexes_ready = CreateEventA(NULL, TRUE, FALSE, NULL);
    w.go = CreateEventA(NULL, TRUE, FALSE, NULL);
    thread = CreateThread(NULL, 0, wait64_signaler, &w, 0, NULL);
    check(WaitForSingleObject(w.mutexes_ready, LONG_WAIT) == WAIT_OBJECT_0, "signaler not ready");
    for (i = 0; i < MAXIMUM_WAIT_OBJECTS; i++)
        check(w.objs[i] != NULL, "object %d not created", i);

    /* too many handles */
    memcpy(more, w.objs, sizeof(w.objs));
    more[MAXIMUM_WAIT_OBJECTS] = w.go;
    SetLastError(0xdeadbeef);
    ret = WaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS + 1, more, TRUE, 0);
    check(ret == WAIT_FAILED && GetLastError() == ERROR_INVALID_PARAMETER,
          "65 handles: ret %lu error %lu", ret, GetLastError());

    SetEvent(w.go);
    ret = WaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS, w.objs, TRUE, LONG_WAIT);
    InterlockedExchange(&w.waiter_done, 1);
    check(ret == WAIT_OBJECT_0, "wait-all on 64 objects returned %lu", ret);
    check(!w.early_wake, "wait-all returned before the last object (%d) was signaled", w.last);
    WaitForSingleObject(thread, LONG_WAIT);
    GetExitCodeThread(thread, &code);
    check(code == 0, "signaler thread failed: %lu", code);
    CloseHandle(thread);

    /* the successful wait consumed auto events and semaphores, took the mutexes */
    for (i = 0; i < MAXIMUM_WAIT_OBJECTS; i++)
    {
        switch (KIND(i))
        {
        case AUTO_EVENT:
            if (WaitForSingleObject(w.objs[i], 0) == WAIT_TIMEOUT) consumed++;
            break;
        case MANUAL_EVENT:
            if (WaitForSingleObject(w.objs[i], 0) == WAIT_OBJECT_0) kept++;
            ResetEvent(w.objs[i]);
            break;
        case SEMAPHORE:
            prev = -1;
            if (ReleaseSemaphore(w.objs[i], 1, &prev) && prev == 0) consumed++;
            WaitForSingleObject(w.objs[i], 0);
            break;
        case MUTEX:
            if (ReleaseMutex(w.objs[i])) owned++;
            SetLastError(0xdeadbeef);
            ok = ReleaseMutex(w.objs[i]);
            if (ok || GetLastError() != ERROR_NOT_OWNER) owned = -100;
            break;
        }
    }
    check(consumed == 32, "%d of 16 auto events + 16 semaphores consumed", consumed);
    check(kept == 16, "%d of 16 manual events still signaled", kept);
    check(owned == 16, "%d of 16 mutexes owned once by the waiter", owned);

    /* wait-any on 64 events: the lowest signaled index wins */
    for (i = 0; i < MAXIMUM_WAIT_OBJECTS; i++)
        more[i] = CreateEventA(NULL, i % 2, FALSE, NULL);
    SetEvent(more[63]);     /* manual */
    SetEvent(more[60]);     /* auto */
    ret = WaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS, more, FALSE, 0);
    check(ret == WAIT_OBJECT_0 + 60, "wait-any expected index 60, got %lu", ret);
    ret = WaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS, more, FALSE, 0);
    check(ret == WAIT_OBJECT_0 + 63, "wait-any expected index 63, got %lu", ret);
    ret = WaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS, more, FALSE, 0);
    check(ret == WAIT_OBJECT_0 + 63, "manual event at 63 reset by wait-any: %lu", ret);
    ResetEvent(more[63]);
    ret = WaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS, more, FALSE, 0);
    check(ret == WAIT_TIMEOUT, "wait-any on nothing signaled: %lu", ret);
    for (i = 0; i < MAXIMUM_WAIT_OBJECTS; i++)
        CloseHandle(more[i]);

    /* a wait-all that times out consumes nothing: one semaphore empty */
    wait64_signal_all(&w);
    WaitForSingleObject(w.objs[62], 0);
    ret = WaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS, w.objs, TRUE, 100);
    check(ret == WAIT_TIMEOUT, "wait-all with an empty semaphore returned %lu", ret);
    wait64_check_untouched(&w, 62, "empty semaphore");

    /* ... nor when a mutex is owned by another thread */
    wait64_signal_all(&w);
    hold[0] = w.objs[31];
    hold[1] = CreateEventA(NULL, FALSE, FALSE, NULL);
    hold[2] = CreateEventA(NULL, FALSE, FALSE, NULL);
    holder = CreateThread(NULL, 0, hold_mutex_thread, hold, 0, NULL);
    check(WaitForSingleObject(hold[1], LONG_WAIT) == WAIT_OBJECT_0, "holder did not take mutex 31");
    ret = WaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS, w.objs, TRUE, 100);
    check(ret == WAIT_TIMEOUT, "wait-all with a mutex owned elsewhere returned %lu", ret);
    wait64_check_untouched(&w, 31, "foreign mutex");
    SetEvent(hold[2]);
    WaitForSingleObject(holder, LONG_WAIT);
    CloseHandle(holder);
    CloseHandle(hold[1]);
    CloseHandle(hold[2]);

    for (i = 0; i < MAXIMUM_WAIT_OBJECTS; i++)
        CloseHandle(w.objs[i]);
    CloseHandle(w.mutexes_ready);
    CloseHandle(w.go);
}

/* ------------------------------------------------------------------------ */
/* APCs and alertable waits                                                  */

enum apc_mode { APC_WAIT_ALERTABLE, APC_SLEEP_ALERTABLE, APC_WAIT_PLAIN, APC_TWO_QUEUED };

struct apc_test
{
    enum apc_mode mode;
    HANDLE event;
    volatile LONG waiting;
    volatile LONG apc_count;
    DWORD thread_id;
    DWORD apc_thread[2];
    int apc_order[2];
    DWORD wait_ret, sleep_ret;
    LONG count_at_return, count_after_sleep;
};

struct apc_arg
{
    struct apc_test *t;
    int id;
};

static void CALLBACK test_apc(ULONG_PTR param)
{
    struct apc_arg *a = (struct apc_arg *)param;
    LONG n = InterlockedIncrement(&a->t->apc_count);

    if (n <= 2)
    {
        a->t->apc_thread[n - 1] = GetCurrentThreadId();
        a->t->apc_order[n - 1] = a->id;
    }
}

static DWORD WINAPI apc_thread(void *arg)
{
    struct apc_test *t = arg;

    t->thread_id = GetCurrentThreadId();
    InterlockedExchange(&t->waiting, 1);
    switch (t->mode)
    {
    case APC_WAIT_ALERTABLE:
        t->wait_ret = WaitForSingleObjectEx(t->event, LONG_WAIT, TRUE);
        t->count_at_return = t->apc_count;
        break;
    case APC_SLEEP_ALERTABLE:
        t->wait_ret = SleepEx(INFINITE, TRUE);
        t->count_at_return = t->apc_count;
        break;
    case APC_WAIT_PLAIN:
    case APC_TWO_QUEUED:
        t->wait_ret = WaitForSingleObject(t->event, LONG_WAIT);
        t->count_at_return = t->apc_count;
        t->sleep_ret = SleepEx(0, TRUE);
        t->count_after_sleep = t->apc_count;
        break;
    }
    return 0;
}

static void run_apc_test(enum apc_mode mode, const char *what)
{
    struct apc_test t;
    struct apc_arg args[2];
    HANDLE thread;
    DWORD ret;

    memset(&t, 0, sizeof(t));
    t.mode = mode;
    t.event = CreateEventA(NULL, FALSE, FALSE, NULL);
    args[0].t = args[1].t = &t;
    args[0].id = 1;
    args[1].id = 2;
    thread = CreateThread(NULL, 0, apc_thread, &t, 0, NULL);
    wait_started(&t.waiting);
    ret = WaitForSingleObject(thread, 0);
    check(ret == WAIT_TIMEOUT, "%s: thread not waiting: %lu", what, ret);
    check(QueueUserAPC(test_apc, thread, (ULONG_PTR)&args[0]), "%s: QueueUserAPC failed %lu",
          what, GetLastError());
    if (mode == APC_TWO_QUEUED)
        check(QueueUserAPC(test_apc, thread, (ULONG_PTR)&args[1]), "%s: QueueUserAPC failed %lu",
              what, GetLastError());
    if (mode == APC_WAIT_PLAIN || mode == APC_TWO_QUEUED)
    {
        /* a non-alertable wait ignores the APC */
        Sleep(200);
        check(t.apc_count == 0, "%s: APC ran during a non-alertable wait", what);
        ret = WaitForSingleObject(thread, 0);
        check(ret == WAIT_TIMEOUT, "%s: non-alertable wait interrupted: %lu", what, ret);
        SetEvent(t.event);
    }
    ret = WaitForSingleObject(thread, LONG_WAIT);
    check(ret == WAIT_OBJECT_0, "%s: thread stuck: %lu", what, ret);
    if (ret != WAIT_OBJECT_0)
    {
        TerminateThread(thread, 1);
        WaitForSingleObject(thread, LONG_WAIT);
    }
    CloseHandle(thread);
    CloseHandle(t.event);

    switch (mode)
    {
    case APC_WAIT_ALERTABLE:
    case APC_SLEEP_ALERTABLE:
        check(t.wait_ret == WAIT_IO_COMPLETION, "%s: wait returned %lu", what, t.wait_ret);
        check(t.count_at_return == 1, "%s: %ld APC runs before the wait returned", what,
              t.count_at_return);
        check(t.apc_count == 1, "%s: APC ran %ld times", what, t.apc_count);
        break;
    case APC_WAIT_PLAIN:
        check(t.wait_ret == WAIT_OBJECT_0, "%s: wait returned %lu", what, t.wait_ret);
        check(t.count_at_return == 0, "%s: %ld APC runs in a non-alertable wait", what,
              t.count_at_return);
        check(t.sleep_ret == WAIT_IO_COMPLETION, "%s: SleepEx(0, TRUE) returned %lu", what,
              t.sleep_ret);
        check(t.count_after_sleep == 1, "%s: %ld APC runs after SleepEx", what,
              t.count_after_sleep);
        break;
    case APC_TWO_QUEUED:
        check(t.wait_ret == WAIT_OBJECT_0, "%s: wait returned %lu", what, t.wait_ret);
        check(t.sleep_ret == WAIT_IO_COMPLETION, "%s: SleepEx(0, TRUE) returned %lu", what,
              t.sleep_ret);
        /* one alertable wait delivers every queued APC, in order */
        check(t.count_after_sleep == 2, "%s: %ld APC runs after one SleepEx", what,
              t.count_after_sleep);
        check(t.apc_order[0] == 1 && t.apc_order[1] == 2, "%s: APC order %d %d", what,
              t.apc_order[0], t.apc_order[1]);
        check(t.apc_thread[1] == t.thread_id, "%s: second APC ran in thread %lx, not %lx",
              what, t.apc_thread[1], t.thread_id);
        break;
    }
    check(t.apc_thread[0] == t.thread_id, "%s: APC ran in thread %lx, not %lx", what,
          t.apc_thread[0], t.thread_id);
}

static void apc_alertable_wait(void)
{
    run_apc_test(APC_WAIT_ALERTABLE, "WaitForSingleObjectEx alertable");
    run_apc_test(APC_SLEEP_ALERTABLE, "SleepEx(INFINITE) alertable");
}

static void apc_non_alertable_wait(void)
{
    run_apc_test(APC_WAIT_PLAIN, "non-alertable wait");
    run_apc_test(APC_TWO_QUEUED, "two APCs");
}

/* ------------------------------------------------------------------------ */
/* Closing a handle another thread is waiting on                            */

struct close_wait
{
    volatile LONG started;
    HANDLE handle;
    DWORD timeout;
    DWORD ret, error;
    ULONGLONG elapsed;
};

static DWORD WINAPI close_waiter(void *arg)
{
    struct close_wait *c = arg;
    ULONGLONG start = now_ms();

    SetLastError(0xdeadbeef);
    InterlockedExchange(&c->started, 1);
    c->ret = WaitForSingleObject(c->handle, c->timeout);
    c->error = GetLastError();
    c->elapsed = now_ms() - start;
    return 0;
}

static void close_while_waiting(void)
{
    struct close_wait c;
    HANDLE ev, dup, thread, reuse;
    DWORD ret;

    /* another handle keeps the object: setting it wakes the waiter */
    ev = CreateEventA(NULL, FALSE, FALSE, NULL);
    check(DuplicateHandle(GetCurrentProcess(), ev, GetCurrentProcess(), &dup, 0, FALSE,
                          DUPLICATE_SAME_ACCESS), "DuplicateHandle failed %lu", GetLastError());
    memset(&c, 0, sizeof(c));
    c.handle = ev;
    c.timeout = LONG_WAIT;
    thread = CreateThread(NULL, 0, close_waiter, &c, 0, NULL);
    wait_started(&c.started);
    check(CloseHandle(ev), "CloseHandle failed %lu", GetLastError());
    ret = WaitForSingleObject(thread, 200);
    check(ret == WAIT_TIMEOUT, "waiter returned when its handle was closed: %lu (wait %lu)",
          ret, c.ret);
    check(SetEvent(dup), "SetEvent on the duplicate failed %lu", GetLastError());
    ret = WaitForSingleObject(thread, LONG_WAIT);
    check(ret == WAIT_OBJECT_0, "waiter stuck: %lu", ret);
    check(c.ret == WAIT_OBJECT_0, "wait on the closed handle returned %lu error %lu",
          c.ret, c.error);
    CloseHandle(thread);
    /* auto-reset: consumed by that waiter */
    ret = WaitForSingleObject(dup, 0);
    check(ret == WAIT_TIMEOUT, "event not consumed: %lu", ret);
    CloseHandle(dup);

    /* the last handle: the wait runs to its timeout, and a new object that
     * reuses the handle value does not wake it */
    ev = CreateEventA(NULL, TRUE, FALSE, NULL);
    memset(&c, 0, sizeof(c));
    c.handle = ev;
    c.timeout = 1500;
    thread = CreateThread(NULL, 0, close_waiter, &c, 0, NULL);
    wait_started(&c.started);
    check(CloseHandle(ev), "CloseHandle failed %lu", GetLastError());
    reuse = CreateEventA(NULL, TRUE, TRUE, NULL);
    printf("# closed handle %p, new event got %p%s\n", ev, reuse,
           reuse == ev ? " (same value)" : "");
    ret = WaitForSingleObject(thread, LONG_WAIT);
    check(ret == WAIT_OBJECT_0, "waiter stuck: %lu", ret);
    check(c.ret == WAIT_TIMEOUT, "wait on the closed last handle returned %lu error %lu",
          c.ret, c.error);
    check(c.elapsed >= 1000, "wait returned after %llu ms, timeout was %lu ms",
          c.elapsed, c.timeout);
    CloseHandle(thread);
    CloseHandle(reuse);

    /* a wait on a handle closed before the wait fails */
    ev = CreateEventA(NULL, TRUE, TRUE, NULL);
    CloseHandle(ev);
    SetLastError(0xdeadbeef);
    ret = WaitForSingleObject(ev, 0);
    check(ret == WAIT_FAILED && GetLastError() == ERROR_INVALID_HANDLE,
          "wait on a closed handle: ret %lu error %lu", ret, GetLastError());
}

/* ------------------------------------------------------------------------ */
/* Waitable timers                                                           */

static LARGE_INTEGER relative_ms(LONGLONG ms)
{
    LARGE_INTEGER due;

    due.QuadPart = -ms * 10000;
    return due;
}

static void timer_manual_relative(void)
{
    HANDLE timer = CreateWaitableTimerA(NULL, TRUE, NULL);
    LARGE_INTEGER due = relative_ms(300);
    ULONGLONG start, elapsed;
    DWORD ret;

    check(timer != NULL, "CreateWaitableTimer failed %lu", GetLastError());
    ret = WaitForSingleObject(timer, 0);
    check(ret == WAIT_TIMEOUT, "new timer signaled: %lu", ret);
    start = now_ms();
    check(SetWaitableTimer(timer, &due, 0, NULL, NULL, FALSE), "SetWaitableTimer failed %lu",
          GetLastError());
    ret = WaitForSingleObject(timer, 0);
    check(ret == WAIT_TIMEOUT, "timer signaled before its due time: %lu", ret);
    ret = WaitForSingleObject(timer, LONG_WAIT);
    elapsed = now_ms() - start;
    check(ret == WAIT_OBJECT_0, "timer did not fire: %lu", ret);
    check(elapsed >= 250 && elapsed < 5000, "300 ms timer fired after %llu ms", elapsed);
    /* manual reset: stays signaled */
    ret = WaitForSingleObject(timer, 0);
    check(ret == WAIT_OBJECT_0, "manual timer not signaled after a wait: %lu", ret);
    /* setting it again resets it to not signaled */
    due = relative_ms(60000);
    check(SetWaitableTimer(timer, &due, 0, NULL, NULL, FALSE), "SetWaitableTimer failed %lu",
          GetLastError());
    ret = WaitForSingleObject(timer, 0);
    check(ret == WAIT_TIMEOUT, "re-set manual timer still signaled: %lu", ret);
    /* cancel before it fires */
    check(CancelWaitableTimer(timer), "CancelWaitableTimer failed %lu", GetLastError());
    due = relative_ms(100);
    check(SetWaitableTimer(timer, &due, 0, NULL, NULL, FALSE), "SetWaitableTimer failed %lu",
          GetLastError());
    check(CancelWaitableTimer(timer), "CancelWaitableTimer failed %lu", GetLastError());
    ret = WaitForSingleObject(timer, 500);
    check(ret == WAIT_TIMEOUT, "cancelled timer fired: %lu", ret);
    CloseHandle(timer);
}

static void timer_sync_absolute(void)
{
    HANDLE timer = CreateWaitableTimerA(NULL, FALSE, NULL);
    LARGE_INTEGER due;
    FILETIME ft;
    ULONGLONG start, elapsed;
    DWORD ret;

    check(timer != NULL, "CreateWaitableTimer failed %lu", GetLastError());
    GetSystemTimeAsFileTime(&ft);
    start = now_ms();
    due.u.LowPart = ft.dwLowDateTime;
    due.u.HighPart = ft.dwHighDateTime;
    due.QuadPart += 300 * 10000;
    check(SetWaitableTimer(timer, &due, 0, NULL, NULL, FALSE), "SetWaitableTimer failed %lu",
          GetLastError());
    ret = WaitForSingleObject(timer, 0);
    check(ret == WAIT_TIMEOUT, "timer signaled before its due time: %lu", ret);
    ret = WaitForSingleObject(timer, LONG_WAIT);
    elapsed = now_ms() - start;
    check(ret == WAIT_OBJECT_0, "absolute timer did not fire: %lu", ret);
    check(elapsed >= 250 && elapsed < 5000, "absolute timer 300 ms ahead fired after %llu ms",
          elapsed);
    /* synchronization timer: the wait consumed it */
    ret = WaitForSingleObject(timer, 0);
    check(ret == WAIT_TIMEOUT, "synchronization timer not reset by the wait: %lu", ret);

    /* an absolute time in the past fires at once */
    GetSystemTimeAsFileTime(&ft);
    due.u.LowPart = ft.dwLowDateTime;
    due.u.HighPart = ft.dwHighDateTime;
    due.QuadPart -= 10000000;
    check(SetWaitableTimer(timer, &due, 0, NULL, NULL, FALSE), "SetWaitableTimer failed %lu",
          GetLastError());
    ret = WaitForSingleObject(timer, 2000);
    check(ret == WAIT_OBJECT_0, "timer due in the past did not fire: %lu", ret);
    CloseHandle(timer);
}

static void timer_periodic(void)
{
    HANDLE timer = CreateWaitableTimerA(NULL, FALSE, NULL);
    LARGE_INTEGER due = relative_ms(50);
    ULONGLONG start, elapsed = 0;
    DWORD ret = WAIT_OBJECT_0;
    int count = 0;

    check(SetWaitableTimer(timer, &due, 50, NULL, NULL, FALSE), "SetWaitableTimer failed %lu",
          GetLastError());
    start = now_ms();
    while ((elapsed = now_ms() - start) < 1000)
    {
        ret = WaitForSingleObject(timer, 2000);
        if (ret != WAIT_OBJECT_0) break;
        count++;
    }
    elapsed = now_ms() - start;
    printf("# periodic 50 ms timer: %d expirations in %llu ms\n", count, elapsed);
    check(ret == WAIT_OBJECT_0, "periodic timer stopped firing: %lu", ret);
    /* about 20; a 10x slower machine still gets 2 */
    check(count >= 2, "only %d expirations in %llu ms", count, elapsed);
    check(count <= (int)(elapsed / 50) + 2, "%d expirations in %llu ms: faster than the period",
          count, elapsed);
    check(CancelWaitableTimer(timer), "CancelWaitableTimer failed %lu", GetLastError());
    /* an expiry right before the cancel may have left it signaled */
    WaitForSingleObject(timer, 0);
    ret = WaitForSingleObject(timer, 300);
    check(ret == WAIT_TIMEOUT, "cancelled periodic timer still fires: %lu", ret);
    CloseHandle(timer);
}

static void timer_wait_multiple(void)
{
    HANDLE objs[3], timer;
    LARGE_INTEGER due;
    ULONGLONG start, elapsed;
    DWORD ret;

    objs[0] = CreateEventA(NULL, TRUE, FALSE, NULL);
    objs[1] = CreateEventA(NULL, FALSE, FALSE, NULL);
    objs[2] = timer = CreateWaitableTimerA(NULL, FALSE, NULL);

    /* any: the timer wakes it */
    due = relative_ms(200);
    start = now_ms();
    SetWaitableTimer(timer, &due, 0, NULL, NULL, FALSE);
    ret = WaitForMultipleObjects(3, objs, FALSE, LONG_WAIT);
    elapsed = now_ms() - start;
    check(ret == WAIT_OBJECT_0 + 2, "wait-any expected the timer, got %lu", ret);
    check(elapsed >= 150 && elapsed < 5000, "200 ms timer woke wait-any after %llu ms", elapsed);
    ret = WaitForSingleObject(timer, 0);
    check(ret == WAIT_TIMEOUT, "wait-any did not consume the timer: %lu", ret);

    /* any: an event set before the timer wins */
    due = relative_ms(60000);
    SetWaitableTimer(timer, &due, 0, NULL, NULL, FALSE);
    SetEvent(objs[1]);
    ret = WaitForMultipleObjects(3, objs, FALSE, LONG_WAIT);
    check(ret == WAIT_OBJECT_0 + 1, "wait-any expected the event, got %lu", ret);
    CancelWaitableTimer(timer);

    /* all: satisfied when the timer fires, and consumes what it should */
    SetEvent(objs[0]);
    SetEvent(objs[1]);
    due = relative_ms(200);
    start = now_ms();
    SetWaitableTimer(timer, &due, 0, NULL, NULL, FALSE);
    ret = WaitForMultipleObjects(3, objs, TRUE, LONG_WAIT);
    elapsed = now_ms() - start;
    check(ret == WAIT_OBJECT_0, "wait-all returned %lu", ret);
    check(elapsed >= 150 && elapsed < 5000, "200 ms timer completed wait-all after %llu ms",
          elapsed);
    check(WaitForSingleObject(objs[0], 0) == WAIT_OBJECT_0, "manual event reset by wait-all");
    check(WaitForSingleObject(objs[1], 0) == WAIT_TIMEOUT, "auto event not consumed by wait-all");
    check(WaitForSingleObject(timer, 0) == WAIT_TIMEOUT, "timer not consumed by wait-all");

    /* all: a fired timer with an unset event times out and is not consumed */
    due = relative_ms(50);
    SetWaitableTimer(timer, &due, 0, NULL, NULL, FALSE);
    ret = WaitForMultipleObjects(3, objs, TRUE, 400);
    check(ret == WAIT_TIMEOUT, "wait-all with an unset event returned %lu", ret);
    check(WaitForSingleObject(timer, 0) == WAIT_OBJECT_0, "failed wait-all consumed the timer");
    CloseHandle(objs[0]);
    CloseHandle(objs[1]);
    CloseHandle(timer);
}

struct timer_apc
{
    LONG count;
    DWORD thread;
    void *arg;
};

static void CALLBACK timer_routine(void *arg, DWORD low, DWORD high)
{
    struct timer_apc *t = arg;

    (void)low;
    (void)high;
    t->count++;
    t->thread = GetCurrentThreadId();
    t->arg = arg;
}

static void timer_completion_routine(void)
{
    HANDLE timer = CreateWaitableTimerA(NULL, FALSE, NULL);
    struct timer_apc t = { 0, 0, NULL };
    LARGE_INTEGER due = relative_ms(100);
    DWORD ret;

    check(SetWaitableTimer(timer, &due, 0, timer_routine, &t, FALSE),
          "SetWaitableTimer failed %lu", GetLastError());
    ret = SleepEx(LONG_WAIT, TRUE);
    check(ret == WAIT_IO_COMPLETION, "SleepEx returned %lu", ret);
    check(t.count == 1, "completion routine ran %ld times", t.count);
    check(t.thread == GetCurrentThreadId(), "routine ran in thread %lx", t.thread);
    check(t.arg == &t, "routine got argument %p", t.arg);
    ret = WaitForSingleObject(timer, 0);
    check(ret == WAIT_OBJECT_0, "timer with a routine not signaled: %lu", ret);
    /* no further APC: it was not periodic */
    ret = SleepEx(200, TRUE);
    check(ret == 0 && t.count == 1, "SleepEx returned %lu, routine ran %ld times", ret, t.count);
    CloseHandle(timer);
}

/* ------------------------------------------------------------------------ */

static const struct
{
    const char *name;
    void (*func)(void);
} cases[] =
{
    { "xproc_named_event", xproc_named_event },
    { "xproc_named_mutex", xproc_named_mutex },
    { "xproc_abandoned_mutex_exit", xproc_abandoned_mutex_exit },
    { "xproc_abandoned_mutex_killed", xproc_abandoned_mutex_killed },
    { "xproc_inherit_and_duplicate", xproc_inherit_and_duplicate },
    { "wait_all_64", wait_all_64 },
    { "apc_alertable_wait", apc_alertable_wait },
    { "apc_non_alertable_wait", apc_non_alertable_wait },
    { "close_while_waiting", close_while_waiting },
    { "timer_manual_relative", timer_manual_relative },
    { "timer_sync_absolute", timer_sync_absolute },
    { "timer_periodic", timer_periodic },
    { "timer_wait_multiple", timer_wait_multiple },
    { "timer_completion_routine", timer_completion_routine },
};

int main(int argc, char **argv)
{
    unsigned int i, n = sizeof(cases) / sizeof(cases[0]);
    ULONGLONG start;

    if (argc > 1)
        return run_child(argc, argv);

    setvbuf(stdout, NULL, _IONBF, 0);
    GetModuleFileNameA(NULL, self_path, sizeof(self_path));
    snprintf(prefix, sizeof(prefix), "kwine-xproc-%lu-", GetCurrentProcessId());
    printf("TAP version 13\n1..%u\n", n);
    for (i = 0; i < n; i++)
    {
        checks_failed_in_case = 0;
        start = now_ms();
        cases[i].func();
        if (checks_failed_in_case) failures++;
        printf("%sok %u %s # time=%llums\n", checks_failed_in_case ? "not " : "", i + 1,
               cases[i].name, now_ms() - start);
    }
    printf("# %u passed, %d failed\n", n - failures, failures);
    return failures ? 1 : 0;
}
