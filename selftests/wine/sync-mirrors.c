/*
 * kwine Wine test: objects whose state wineserver keeps (completion
 * ports, directory change notifications, message queues, threads),
 * waited on together with events, mutexes and semaphores; and wait
 * semantics that hold however a Wine implements them: handle values
 * reused for another object, recursive mutexes in a wait-all, abandoned
 * mutexes in a wait-all, and what a wait-any consumes; and a debug object
 * as a debugger takes and continues its events.
 *
 * Under the patched Wine a wait on such a mix runs in the kernel, on
 * kernel events that mirror the server's objects; each case checks that
 * a mirror is set when its object is signaled and reset when it no
 * longer is, and that the server objects' own operations stay correct.
 * Runs under stock and patched Wine in the guest and prints TAP: both
 * must pass.
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

#include "condrv.h"
#include "tap-check.h"

/* after a delay, post a packet to a completion port or set an event */
struct later
{
    HANDLE port, event;
    DWORD delay;
};

static DWORD WINAPI later_thread(void *arg)
{
    struct later *l = arg;

    Sleep(l->delay);
    if (l->port) PostQueuedCompletionStatus(l->port, 7, 0x1234, NULL);
    if (l->event) SetEvent(l->event);
    return 0;
}

/*
 * A completion port is signaled while it holds packets: a wait-any on an
 * event and the port follows each post and each removal, also when the
 * post comes from another thread while the wait blocks.
 */
static void completion_port_state(void)
{
    HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
    HANDLE ev = CreateEventW(NULL, FALSE, FALSE, NULL);
    struct later l = { NULL, NULL, 300 };
    HANDLE objs[2], thread;
    OVERLAPPED *ovl;
    ULONG_PTR key;
    DWORD ret, bytes;

    check(port != NULL, "CreateIoCompletionPort failed %lu", GetLastError());
    objs[0] = ev;
    objs[1] = port;
    ret = WaitForMultipleObjects(2, objs, FALSE, 0);
    check(ret == WAIT_TIMEOUT, "empty port: wait returned %lu", ret);
    check(PostQueuedCompletionStatus(port, 1, 1, NULL), "post failed %lu", GetLastError());
    ret = WaitForMultipleObjects(2, objs, FALSE, 0);
    check(ret == WAIT_OBJECT_0 + 1, "port with a packet: wait returned %lu", ret);
    /* a wait does not take the packet: the port stays signaled */
    ret = WaitForMultipleObjects(2, objs, FALSE, 0);
    check(ret == WAIT_OBJECT_0 + 1, "second wait returned %lu", ret);
    check(GetQueuedCompletionStatus(port, &bytes, &key, &ovl, 0) && bytes == 1 && key == 1,
          "the packet was not there: error %lu", GetLastError());
    ret = WaitForMultipleObjects(2, objs, FALSE, 100);
    check(ret == WAIT_TIMEOUT, "emptied port: wait returned %lu", ret);

    l.port = port;
    thread = CreateThread(NULL, 0, later_thread, &l, 0, NULL);
    ret = WaitForMultipleObjects(2, objs, FALSE, 10000);
    check(ret == WAIT_OBJECT_0 + 1, "a post from another thread: wait returned %lu", ret);
    WaitForSingleObject(thread, 10000);
    CloseHandle(thread);
    check(GetQueuedCompletionStatus(port, &bytes, &key, &ovl, 0) && bytes == 7 && key == 0x1234,
          "the other thread's packet was not there: error %lu", GetLastError());
    ret = WaitForMultipleObjects(2, objs, FALSE, 100);
    check(ret == WAIT_TIMEOUT, "emptied again: wait returned %lu", ret);
    check(SetEvent(ev), "SetEvent failed %lu", GetLastError());
    ret = WaitForMultipleObjects(2, objs, FALSE, 0);
    check(ret == WAIT_OBJECT_0, "the event: wait returned %lu", ret);
    CloseHandle(ev);
    CloseHandle(port);
}

/*
 * A change notification is signaled by a change in its directory and
 * reset by FindNextChangeNotification.
 */
static void change_notification_state(void)
{
    WCHAR tmp[MAX_PATH], dir[MAX_PATH], file[MAX_PATH];
    HANDLE ev = CreateEventW(NULL, TRUE, FALSE, NULL);
    HANDLE objs[2], change, f;
    DWORD ret;

    GetTempPathW(MAX_PATH, tmp);
    swprintf(dir, MAX_PATH, L"%lssync-mirrors-%lu", tmp, GetCurrentProcessId());
    swprintf(file, MAX_PATH, L"%ls\\file", dir);
    check(CreateDirectoryW(dir, NULL), "CreateDirectory failed %lu", GetLastError());
    change = FindFirstChangeNotificationW(dir, FALSE, FILE_NOTIFY_CHANGE_FILE_NAME);
    check(change != INVALID_HANDLE_VALUE, "FindFirstChangeNotification failed %lu", GetLastError());
    if (change == INVALID_HANDLE_VALUE)
    {
        RemoveDirectoryW(dir);
        CloseHandle(ev);
        return;
    }
    objs[0] = ev;
    objs[1] = change;
    ret = WaitForMultipleObjects(2, objs, FALSE, 0);
    check(ret == WAIT_TIMEOUT, "no change yet: wait returned %lu", ret);
    f = CreateFileW(file, GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    check(f != INVALID_HANDLE_VALUE, "CreateFile failed %lu", GetLastError());
    CloseHandle(f);
    ret = WaitForMultipleObjects(2, objs, FALSE, 10000);
    check(ret == WAIT_OBJECT_0 + 1, "a file created: wait returned %lu", ret);
    ret = WaitForMultipleObjects(2, objs, FALSE, 0);
    check(ret == WAIT_OBJECT_0 + 1, "still signaled: wait returned %lu", ret);
    check(FindNextChangeNotification(change), "FindNextChangeNotification failed %lu", GetLastError());
    ret = WaitForMultipleObjects(2, objs, FALSE, 200);
    check(ret == WAIT_TIMEOUT, "after FindNextChangeNotification: wait returned %lu", ret);
    check(DeleteFileW(file), "DeleteFile failed %lu", GetLastError());
    ret = WaitForMultipleObjects(2, objs, FALSE, 10000);
    check(ret == WAIT_OBJECT_0 + 1, "a file deleted: wait returned %lu", ret);
    FindCloseChangeNotification(change);
    RemoveDirectoryW(dir);
    CloseHandle(ev);
}

/*
 * A thread's message queue: MsgWaitForMultipleObjects wakes for a message
 * that is new since the queue was last looked at, not for one already
 * seen (unless MWMO_INPUTAVAILABLE), and a removed message no longer
 * counts.
 */
struct poster
{
    DWORD tid, delay;
};

static DWORD WINAPI poster_thread(void *arg)
{
    struct poster *p = arg;

    Sleep(p->delay);
    PostThreadMessageW(p->tid, WM_USER + 2, 0, 0);
    return 0;
}

static void queue_state(void)
{
    HANDLE ev = CreateEventW(NULL, FALSE, FALSE, NULL);
    struct poster p = { GetCurrentThreadId(), 300 };
    HANDLE thread;
    DWORD ret;
    MSG msg;

    /* give this thread its queue */
    PeekMessageW(&msg, NULL, 0, 0, PM_NOREMOVE);
    ret = MsgWaitForMultipleObjects(1, &ev, FALSE, 0, QS_POSTMESSAGE);
    check(ret == WAIT_TIMEOUT, "empty queue: wait returned %lu", ret);
    check(PostThreadMessageW(GetCurrentThreadId(), WM_USER + 1, 0, 0), "post failed %lu", GetLastError());
    ret = MsgWaitForMultipleObjects(1, &ev, FALSE, 0, QS_POSTMESSAGE);
    check(ret == WAIT_OBJECT_0 + 1, "a new message: wait returned %lu", ret);
    check(PeekMessageW(&msg, NULL, 0, 0, PM_NOREMOVE) && msg.message == WM_USER + 1,
          "PeekMessage did not see the message");
    ret = MsgWaitForMultipleObjects(1, &ev, FALSE, 100, QS_POSTMESSAGE);
    check(ret == WAIT_TIMEOUT, "a message already seen: wait returned %lu", ret);
    ret = MsgWaitForMultipleObjectsEx(1, &ev, 0, QS_POSTMESSAGE, MWMO_INPUTAVAILABLE);
    check(ret == WAIT_OBJECT_0 + 1, "MWMO_INPUTAVAILABLE: wait returned %lu", ret);
    check(PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE) && msg.message == WM_USER + 1,
          "PeekMessage did not remove the message");
    ret = MsgWaitForMultipleObjectsEx(1, &ev, 100, QS_POSTMESSAGE, MWMO_INPUTAVAILABLE);
    check(ret == WAIT_TIMEOUT, "removed message: wait returned %lu", ret);

    thread = CreateThread(NULL, 0, poster_thread, &p, 0, NULL);
    ret = MsgWaitForMultipleObjects(1, &ev, FALSE, 10000, QS_POSTMESSAGE);
    check(ret == WAIT_OBJECT_0 + 1, "a message from another thread: wait returned %lu", ret);
    WaitForSingleObject(thread, 10000);
    CloseHandle(thread);
    check(PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE) && msg.message == WM_USER + 2,
          "the other thread's message was not there");
    check(SetEvent(ev), "SetEvent failed %lu", GetLastError());
    ret = MsgWaitForMultipleObjects(1, &ev, FALSE, 0, QS_POSTMESSAGE);
    check(ret == WAIT_OBJECT_0, "the event: wait returned %lu", ret);
    CloseHandle(ev);
}

/*
 * A handle value closed and given to another object: waits, sets and
 * releases through that value act on the new object, not on the old one
 * (a Wine that keeps per-handle state must drop it at close).
 */
static void handle_reuse(void)
{
    unsigned int i, reused = 0;

    for (i = 0; i < 16; i++)
    {
        HANDLE ev = CreateEventW(NULL, TRUE, TRUE, NULL), sem, mutex;
        LONG prev = -1;
        DWORD ret;

        check(WaitForSingleObject(ev, 0) == WAIT_OBJECT_0, "the event is not signaled");
        CloseHandle(ev);
        sem = CreateSemaphoreW(NULL, 0, 1, NULL);
        if (sem != ev)
        {
            CloseHandle(sem);
            continue;
        }
        reused++;
        ret = WaitForSingleObject(sem, 0);
        check(ret == WAIT_TIMEOUT, "the semaphore in the event's handle: wait returned %lu", ret);
        check(ReleaseSemaphore(sem, 1, &prev) && prev == 0, "release: error %lu prev %ld", GetLastError(), prev);
        check(WaitForSingleObject(sem, 0) == WAIT_OBJECT_0, "the released semaphore");
        check(WaitForSingleObject(sem, 0) == WAIT_TIMEOUT, "the semaphore was not taken");
        CloseHandle(sem);
        mutex = CreateMutexW(NULL, FALSE, NULL);
        if (mutex == sem)
        {
            SetLastError(0xdeadbeef);
            check(!SetEvent(mutex) && GetLastError() == ERROR_INVALID_HANDLE,
                  "SetEvent on the mutex in the semaphore's handle: error %lu", GetLastError());
            check(WaitForSingleObject(mutex, 0) == WAIT_OBJECT_0, "the mutex");
            check(WaitForSingleObject(mutex, 0) == WAIT_OBJECT_0, "the mutex again (recursion)");
            check(ReleaseMutex(mutex) && ReleaseMutex(mutex), "release: error %lu", GetLastError());
            check(!ReleaseMutex(mutex), "a third release of a mutex taken twice succeeded");
        }
        CloseHandle(mutex);
    }
    check(reused > 0, "no handle value was given out again in 16 tries");
}

/*
 * A mutex the waiter already owns, in a wait-all with an event another
 * thread sets: the wait takes it once more, and it is free only after as
 * many releases as acquisitions.
 */
struct mutex_try
{
    HANDLE mutex;
    DWORD ret;
};

static DWORD WINAPI mutex_try_thread(void *arg)
{
    struct mutex_try *t = arg;

    t->ret = WaitForSingleObject(t->mutex, 0);
    if (t->ret == WAIT_OBJECT_0) ReleaseMutex(t->mutex);
    return 0;
}

static DWORD try_mutex_elsewhere(HANDLE mutex)
{
    struct mutex_try t = { mutex, 0xdeadbeef };
    HANDLE thread = CreateThread(NULL, 0, mutex_try_thread, &t, 0, NULL);

    WaitForSingleObject(thread, 10000);
    CloseHandle(thread);
    return t.ret;
}

static void owned_mutex_in_wait_all(void)
{
    HANDLE mutex = CreateMutexW(NULL, TRUE, NULL);
    HANDLE ev = CreateEventW(NULL, FALSE, FALSE, NULL);
    struct later l = { NULL, ev, 300 };
    HANDLE objs[2] = { ev, mutex }, thread;
    DWORD ret;

    ret = WaitForMultipleObjects(2, objs, TRUE, 50);
    check(ret == WAIT_TIMEOUT, "event not set: wait-all returned %lu", ret);
    thread = CreateThread(NULL, 0, later_thread, &l, 0, NULL);
    ret = WaitForMultipleObjects(2, objs, TRUE, 10000);
    check(ret == WAIT_OBJECT_0, "event set by another thread: wait-all returned %lu", ret);
    WaitForSingleObject(thread, 10000);
    CloseHandle(thread);
    check(WaitForSingleObject(ev, 0) == WAIT_TIMEOUT, "the wait-all did not consume the event");
    check(ReleaseMutex(mutex), "first release failed %lu", GetLastError());
    ret = try_mutex_elsewhere(mutex);
    check(ret == WAIT_TIMEOUT, "another thread took a mutex still owned once: %lu", ret);
    check(ReleaseMutex(mutex), "second release failed %lu", GetLastError());
    SetLastError(0xdeadbeef);
    check(!ReleaseMutex(mutex) && GetLastError() == ERROR_NOT_OWNER,
          "third release: error %lu", GetLastError());
    ret = try_mutex_elsewhere(mutex);
    check(ret == WAIT_OBJECT_0, "another thread could not take the free mutex: %lu", ret);
    CloseHandle(ev);
    CloseHandle(mutex);
}

/*
 * A mutex abandoned by a thread that exited, in a wait-all after an
 * event: the wait succeeds as abandoned (WAIT_ABANDONED_0 in a wait-all,
 * whatever the mutex's index), takes both, and the waiter owns the mutex.
 */
static DWORD WINAPI take_and_exit(void *arg)
{
    return WaitForSingleObject(arg, 0);
}

static void abandoned_in_wait_all(void)
{
    HANDLE mutex = CreateMutexW(NULL, FALSE, NULL);
    HANDLE ev = CreateEventW(NULL, FALSE, TRUE, NULL);
    HANDLE objs[2] = { ev, mutex }, thread;
    DWORD ret, code = 0xdeadbeef;

    thread = CreateThread(NULL, 0, take_and_exit, mutex, 0, NULL);
    WaitForSingleObject(thread, 10000);
    GetExitCodeThread(thread, &code);
    CloseHandle(thread);
    check(code == WAIT_OBJECT_0, "the thread did not take the mutex: %lu", code);
    ret = WaitForMultipleObjects(2, objs, TRUE, 10000);
    check(ret == WAIT_ABANDONED_0, "wait-all with an abandoned mutex at index 1 returned %#lx", ret);
    check(WaitForSingleObject(ev, 0) == WAIT_TIMEOUT, "the wait-all did not consume the event");
    check(ReleaseMutex(mutex), "the waiter does not own the mutex: %lu", GetLastError());
    ret = WaitForSingleObject(mutex, 0);
    check(ret == WAIT_OBJECT_0, "the mutex is still abandoned after a release: %#lx", ret);
    ReleaseMutex(mutex);
    CloseHandle(ev);
    CloseHandle(mutex);
}

/*
 * A wait-any satisfied by index 0 leaves the other objects alone: an
 * auto-reset event, a semaphore and a free mutex after it are not taken.
 * A wait-all that times out takes nothing either.
 */
static void wait_any_takes_one(void)
{
    HANDLE objs[4];
    DWORD ret;
    LONG prev = -1;

    objs[0] = CreateEventW(NULL, TRUE, TRUE, NULL);
    objs[1] = CreateEventW(NULL, FALSE, TRUE, NULL);
    objs[2] = CreateSemaphoreW(NULL, 1, 2, NULL);
    objs[3] = CreateMutexW(NULL, FALSE, NULL);
    ret = WaitForMultipleObjects(4, objs, FALSE, 0);
    check(ret == WAIT_OBJECT_0, "wait-any returned %lu", ret);
    check(WaitForSingleObject(objs[1], 0) == WAIT_OBJECT_0, "the auto-reset event was consumed");
    check(ReleaseSemaphore(objs[2], 1, &prev) && prev == 1, "the semaphore was taken: prev %ld", prev);
    check(try_mutex_elsewhere(objs[3]) == WAIT_OBJECT_0, "the mutex was taken");
    check(ResetEvent(objs[0]), "ResetEvent failed %lu", GetLastError());
    /* objs[1] is unsignaled now: a wait-all times out and takes nothing */
    ret = WaitForMultipleObjects(4, objs, TRUE, 50);
    check(ret == WAIT_TIMEOUT, "wait-all returned %lu", ret);
    check(WaitForSingleObject(objs[2], 0) == WAIT_OBJECT_0 && WaitForSingleObject(objs[2], 0) == WAIT_OBJECT_0,
          "the timed-out wait-all took from the semaphore");
    check(try_mutex_elsewhere(objs[3]) == WAIT_OBJECT_0, "the timed-out wait-all took the mutex");
    CloseHandle(objs[0]);
    CloseHandle(objs[1]);
    CloseHandle(objs[2]);
    CloseHandle(objs[3]);
}

/*
 * A thread handle in a wait-all with a free mutex: the wait ends when the
 * thread does and takes the mutex.
 */
static DWORD WINAPI sleep_thread(void *arg)
{
    Sleep((DWORD)(ULONG_PTR)arg);
    return 0;
}

static void thread_in_wait_all(void)
{
    HANDLE mutex = CreateMutexW(NULL, FALSE, NULL);
    HANDLE thread = CreateThread(NULL, 0, sleep_thread, (void *)(ULONG_PTR)300, 0, NULL);
    HANDLE objs[2] = { thread, mutex };
    DWORD ret;

    ret = WaitForMultipleObjects(2, objs, TRUE, 0);
    check(ret == WAIT_TIMEOUT, "running thread: wait-all returned %lu", ret);
    ret = WaitForMultipleObjects(2, objs, TRUE, 10000);
    check(ret == WAIT_OBJECT_0, "thread ended: wait-all returned %lu", ret);
    check(try_mutex_elsewhere(mutex) == WAIT_TIMEOUT, "the wait-all did not take the mutex");
    check(ReleaseMutex(mutex), "the waiter does not own the mutex: %lu", GetLastError());
    ret = WaitForMultipleObjects(2, objs, TRUE, 0);
    check(ret == WAIT_OBJECT_0, "ended thread and free mutex: wait-all returned %lu", ret);
    ReleaseMutex(mutex);
    CloseHandle(thread);
    CloseHandle(mutex);
}

/*
 * A waitable timer: setting it again resets it; cancelling it leaves its
 * state as it is.
 */
static void timer_set_resets(void)
{
    HANDLE timer = CreateWaitableTimerW(NULL, TRUE, NULL);
    LARGE_INTEGER due;
    DWORD ret;

    due.QuadPart = -1;
    check(SetWaitableTimer(timer, &due, 0, NULL, NULL, FALSE), "set failed %lu", GetLastError());
    ret = WaitForSingleObject(timer, 10000);
    check(ret == WAIT_OBJECT_0, "the timer did not expire: %lu", ret);
    check(CancelWaitableTimer(timer), "cancel failed %lu", GetLastError());
    ret = WaitForSingleObject(timer, 0);
    check(ret == WAIT_OBJECT_0, "cancel reset the timer: %lu", ret);
    due.QuadPart = -600000000LL;
    check(SetWaitableTimer(timer, &due, 0, NULL, NULL, FALSE), "set failed %lu", GetLastError());
    ret = WaitForSingleObject(timer, 0);
    check(ret == WAIT_TIMEOUT, "setting the timer again did not reset it: %lu", ret);
    check(CancelWaitableTimer(timer), "cancel failed %lu", GetLastError());
    ret = WaitForSingleObject(timer, 50);
    check(ret == WAIT_TIMEOUT, "the cancelled timer expired: %lu", ret);
    CloseHandle(timer);
}

/*
 * SignalObjectAndWait whose signal fails (a mutex the caller does not
 * own, a semaphore at its maximum) fails without waiting: the object to
 * wait on is not taken.
 */
static void signal_and_wait_fails_first(void)
{
    HANDLE mutex = CreateMutexW(NULL, FALSE, NULL);
    HANDLE sem = CreateSemaphoreW(NULL, 1, 1, NULL);
    HANDLE ev = CreateEventW(NULL, FALSE, TRUE, NULL);
    DWORD ret, err;

    SetLastError(0xdeadbeef);
    ret = SignalObjectAndWait(mutex, ev, 0, FALSE);
    err = GetLastError();
    check(ret == WAIT_FAILED && err == ERROR_NOT_OWNER, "mutex not owned: %lu, error %lu", ret, err);
    SetLastError(0xdeadbeef);
    ret = SignalObjectAndWait(sem, ev, 0, FALSE);
    err = GetLastError();
    check(ret == WAIT_FAILED && err == ERROR_TOO_MANY_POSTS, "semaphore at its maximum: %lu, error %lu", ret, err);
    check(WaitForSingleObject(ev, 0) == WAIT_OBJECT_0, "a failed SignalObjectAndWait took the event");
    check(WaitForSingleObject(sem, 0) == WAIT_OBJECT_0, "the semaphore's count changed");
    check(WaitForSingleObject(sem, 0) == WAIT_TIMEOUT, "the semaphore's count went past its maximum");
    check(try_mutex_elsewhere(mutex) == WAIT_OBJECT_0, "the mutex is not free");
    CloseHandle(ev);
    CloseHandle(sem);
    CloseHandle(mutex);
}

/*
 * A debug object is signaled while it holds an event the debugger can
 * take.  Once the debugger has taken one, the debuggee waits for the
 * reply and has no other event to give: a wait for one finds none and
 * leaves the object unsignaled (Windows may keep it signaled until such
 * a wait, Wine resets it at once; either passes).  Continuing lets the
 * next event in.  The debuggee is this program, run with "child".
 */
static void debug_object_state(void)
{
    HANDLE (WINAPI *get_debug_object)(void) =
        (void *)GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "DbgUiGetThreadDebugObject");
    HANDLE ev = CreateEventW(NULL, FALSE, FALSE, NULL);
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    char path[MAX_PATH], cmd[MAX_PATH + 16];
    unsigned int events = 0;
    BOOL exited = FALSE;
    DEBUG_EVENT de, next;
    HANDLE objs[2];
    DWORD ret;

    check(get_debug_object != NULL, "no DbgUiGetThreadDebugObject in ntdll");
    if (!get_debug_object) return;
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    GetModuleFileNameA(NULL, path, sizeof(path));
    snprintf(cmd, sizeof(cmd), "\"%s\" child", path);
    if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, DEBUG_ONLY_THIS_PROCESS, NULL, NULL, &si, &pi))
    {
        check(0, "CreateProcess failed %lu", GetLastError());
        return;
    }
    objs[0] = ev;
    objs[1] = get_debug_object();
    check(objs[1] != NULL, "no debug object");
    while (!exited && events < 1000)
    {
        ret = WaitForMultipleObjects(2, objs, FALSE, 30000);
        check(ret == WAIT_OBJECT_0 + 1, "before event %u: wait returned %lu", events, ret);
        if (ret != WAIT_OBJECT_0 + 1) break;
        if (!WaitForDebugEvent(&de, 0))
        {
            check(0, "signaled, but no debug event %u to take: error %lu", events, GetLastError());
            break;
        }
        events++;
        exited = de.dwDebugEventCode == EXIT_PROCESS_DEBUG_EVENT;
        check(!WaitForDebugEvent(&next, 0), "event %u (code %lu) taken: another one, code %lu",
              events, de.dwDebugEventCode, next.dwDebugEventCode);
        ret = WaitForMultipleObjects(2, objs, FALSE, 0);
        check(ret == WAIT_TIMEOUT, "event %u (code %lu) taken: wait returned %lu",
              events, de.dwDebugEventCode, ret);
        if (de.dwDebugEventCode == CREATE_PROCESS_DEBUG_EVENT && de.u.CreateProcessInfo.hFile)
            CloseHandle(de.u.CreateProcessInfo.hFile);
        if (de.dwDebugEventCode == LOAD_DLL_DEBUG_EVENT && de.u.LoadDll.hFile)
            CloseHandle(de.u.LoadDll.hFile);
        check(ContinueDebugEvent(de.dwProcessId, de.dwThreadId, DBG_CONTINUE),
              "ContinueDebugEvent failed %lu", GetLastError());
    }
    check(exited, "no exit event after %u events", events);
    printf("# debug_object_state: %u debug events\n", events);
    if (!exited) TerminateProcess(pi.hProcess, 1);
    check(WaitForSingleObject(pi.hProcess, 30000) == WAIT_OBJECT_0, "the debuggee did not end");
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    CloseHandle(ev);
}

/*
 * Wine's console server object (what a console host waits on) is
 * signaled while it has no console, and then while it holds requests:
 * opening its console takes it out of the first state.
 */
static void console_server_state(void)
{
    HANDLE ev = CreateEventW(NULL, FALSE, FALSE, NULL);
    HANDLE objs[2] = { ev, open_condrv(NULL, L"\\Device\\ConDrv\\Server") };
    HANDLE console;
    DWORD ret;

    check(objs[1] != NULL, "cannot open a console server");
    if (!objs[1]) return;
    ret = WaitForMultipleObjects(2, objs, FALSE, 0);
    check(ret == WAIT_OBJECT_0 + 1, "a server without a console: wait returned %lu", ret);
    console = open_condrv(objs[1], L"Reference");
    check(console != NULL, "cannot open the server's console");
    ret = WaitForMultipleObjects(2, objs, FALSE, 0);
    check(ret == WAIT_TIMEOUT, "a server with its console and no request: wait returned %lu", ret);
    check(SetEvent(ev), "SetEvent failed %lu", GetLastError());
    ret = WaitForMultipleObjects(2, objs, FALSE, 0);
    check(ret == WAIT_OBJECT_0, "the event: wait returned %lu", ret);
    if (console) CloseHandle(console);
    CloseHandle(objs[1]);
    CloseHandle(ev);
}

/* PulseEvent with no waiter leaves an event unsignaled, whatever its state. */
static void pulse_without_waiters(void)
{
    HANDLE manual = CreateEventW(NULL, TRUE, TRUE, NULL);
    HANDLE autoev = CreateEventW(NULL, FALSE, FALSE, NULL);
    HANDLE objs[2] = { manual, autoev };
    DWORD ret;

    check(PulseEvent(manual) && PulseEvent(autoev), "PulseEvent failed %lu", GetLastError());
    ret = WaitForMultipleObjects(2, objs, FALSE, 0);
    check(ret == WAIT_TIMEOUT, "after PulseEvent: wait returned %lu", ret);
    check(SetEvent(autoev) && PulseEvent(autoev), "SetEvent or PulseEvent failed %lu", GetLastError());
    ret = WaitForMultipleObjects(2, objs, FALSE, 0);
    check(ret == WAIT_TIMEOUT, "after SetEvent and PulseEvent: wait returned %lu", ret);
    CloseHandle(manual);
    CloseHandle(autoev);
}

static const struct tap_case cases[] =
{
    { "completion_port_state", completion_port_state },
    { "change_notification_state", change_notification_state },
    { "queue_state", queue_state },
    { "handle_reuse", handle_reuse },
    { "owned_mutex_in_wait_all", owned_mutex_in_wait_all },
    { "abandoned_in_wait_all", abandoned_in_wait_all },
    { "wait_any_takes_one", wait_any_takes_one },
    { "thread_in_wait_all", thread_in_wait_all },
    { "timer_set_resets", timer_set_resets },
    { "signal_and_wait_fails_first", signal_and_wait_fails_first },
    { "pulse_without_waiters", pulse_without_waiters },
    { "debug_object_state", debug_object_state },
    { "console_server_state", console_server_state },
};

int main(int argc, char **argv)
{
    /* debug_object_state's debuggee */
    if (argc > 1 && !strcmp(argv[1], "child")) return 0;
    return run_tap_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
