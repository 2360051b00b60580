/*
 * kwine Win32 test: a debug object closed while processes it debugged
 * have exited but are still open.
 *
 *   debug-object-close.exe            (run the cases)
 *   debug-object-close.exe child      (a debuggee: waits to be killed)
 *   debug-object-close.exe ready      (the same, after setting its ready event)
 *
 * NT clears the debug port of every process a debug object debugs when
 * the object goes away, processes that have exited included: a handle to
 * such a process then reports no debugger.  Stock Wine 10.0's wineserver
 * forgets only the processes that still run, and one that has exited keeps
 * pointing to the freed object (a use-after-free: the query below makes
 * it call through freed memory, and the server crashes).  Wine patch 24
 * fixes that; this test fails under stock Wine.
 *
 * A debug object made to kill its debuggees on close (as CreateProcess's
 * is) kills them all when it goes away.  Killing one may kill another:
 * here the first holds the last handle of a job that kills the second
 * when closed.  Stock Wine 10.0 killed them one by one, and the second,
 * killed through the job while still pointing to the object being
 * destroyed, queued its exit event on it: the object was destroyed a
 * second time inside its own destruction, and the server crashed.  Wine
 * patch 25 makes every debuggee forget the object before any is killed.
 *
 * Copyright 2026 the kwine developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <stdio.h>
#include <string.h>
#include <windows.h>
#include <winternl.h>

#include "tap-check.h"

#define PROCESS_DEBUG_OBJECT_HANDLE 30           /* ProcessDebugObjectHandle */
#define PORT_NOT_SET                0xc0000353u  /* STATUS_PORT_NOT_SET */
#define DEBUGGER_INACTIVE           0xc0000354u  /* STATUS_DEBUGGER_INACTIVE */

static HANDLE (WINAPI *pDbgUiGetThreadDebugObject)(void);
static void (WINAPI *pDbgUiSetThreadDebugObject)(HANDLE);
static NTSTATUS (WINAPI *pNtClose)(HANDLE);
static NTSTATUS (WINAPI *pNtQueryInformationProcess)(HANDLE, ULONG, void *, ULONG, ULONG *);

/* start this program as a debuggee of the calling thread, in MODE
 * ("child" or "ready"), with extra creation FLAGS */
static BOOL start_debuggee_mode(PROCESS_INFORMATION *pi, const char *mode, DWORD flags)
{
    char cmd[MAX_PATH + 16], self[MAX_PATH];
    STARTUPINFOA si;

    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    GetModuleFileNameA(NULL, self, sizeof(self));
    snprintf(cmd, sizeof(cmd), "\"%s\" %s", self, mode);
    return CreateProcessA(NULL, cmd, NULL, NULL, FALSE, DEBUG_ONLY_THIS_PROCESS | flags, NULL, NULL, &si, pi);
}

static BOOL start_debuggee(PROCESS_INFORMATION *pi)
{
    return start_debuggee_mode(pi, "child", 0);
}

/* the event a "ready" debuggee sets once it runs its main() */
static HANDLE ready_event(DWORD pid, BOOL create)
{
    char name[64];

    snprintf(name, sizeof(name), "kwine_debug_object_close_ready_%lu", pid);
    if (create) return CreateEventA(NULL, TRUE, FALSE, name);
    return OpenEventA(EVENT_MODIFY_STATE, FALSE, name);
}

/* the state of a process's debug port: 1 set, 0 not set, -1 an error */
static int debug_port_state(HANDLE process)
{
    HANDLE debug = NULL;
    NTSTATUS status;

    status = pNtQueryInformationProcess(process, PROCESS_DEBUG_OBJECT_HANDLE, &debug, sizeof(debug), NULL);
    if (!status)
    {
        pNtClose(debug);
        return 1;
    }
    if ((unsigned int)status == PORT_NOT_SET) return 0;
    printf("# ProcessDebugObjectHandle: status %#lx\n", (unsigned long)status);
    return -1;
}

/* continue a debug event, closing the file handles it gave us; an
 * exception other than a breakpoint is left to the debuggee's handlers */
static BOOL answer_debug_event(const DEBUG_EVENT *ev)
{
    DWORD status = DBG_CONTINUE;

    if (ev->dwDebugEventCode == CREATE_PROCESS_DEBUG_EVENT && ev->u.CreateProcessInfo.hFile)
        CloseHandle(ev->u.CreateProcessInfo.hFile);
    if (ev->dwDebugEventCode == LOAD_DLL_DEBUG_EVENT && ev->u.LoadDll.hFile)
        CloseHandle(ev->u.LoadDll.hFile);
    if (ev->dwDebugEventCode == EXCEPTION_DEBUG_EVENT &&
        ev->u.Exception.ExceptionRecord.ExceptionCode != EXCEPTION_BREAKPOINT)
        status = DBG_EXCEPTION_NOT_HANDLED;
    if (!ContinueDebugEvent(ev->dwProcessId, ev->dwThreadId, status))
    {
        printf("# ContinueDebugEvent: error %lu\n", GetLastError());
        return FALSE;
    }
    return TRUE;
}

/* answer the debug events of both debuggees until both have exited, as
 * a debugger must: on NT a debuggee's last thread waits for the answer
 * to its exit event */
static BOOL run_debug_events(DWORD a, DWORD b)
{
    BOOL a_done = FALSE, b_done = FALSE;
    DEBUG_EVENT ev;

    while (!a_done || !b_done)
    {
        if (!WaitForDebugEvent(&ev, 10000))
        {
            printf("# WaitForDebugEvent: error %lu\n", GetLastError());
            return FALSE;
        }
        if (ev.dwDebugEventCode == EXIT_PROCESS_DEBUG_EVENT)
        {
            if (ev.dwProcessId == a) a_done = TRUE;
            if (ev.dwProcessId == b) b_done = TRUE;
        }
        if (!answer_debug_event(&ev)) return FALSE;
    }
    return TRUE;
}

/* answer the debug events of the debuggees until both have set their
 * ready event and no event came for a while: both then sleep in main() */
static BOOL run_until_ready(HANDLE ready[2])
{
    DWORD quiet = 0;
    DEBUG_EVENT ev;
    int i;

    for (i = 0; i < 60000 / 100 && quiet < 5; i++)
    {
        if (!WaitForDebugEvent(&ev, 100))
        {
            if (GetLastError() != ERROR_SEM_TIMEOUT)
            {
                printf("# WaitForDebugEvent: error %lu\n", GetLastError());
                return FALSE;
            }
            if (WaitForMultipleObjects(2, ready, TRUE, 0) == WAIT_OBJECT_0) quiet++;
            continue;
        }
        quiet = 0;
        if (!answer_debug_event(&ev)) return FALSE;
    }
    if (quiet < 5) printf("# the debuggees were not ready within 60 s\n");
    return quiet >= 5;
}

static void test_closed_after_exit(void)
{
    PROCESS_INFORMATION a, b;
    BOOL present = TRUE;
    HANDLE debug, event;
    NTSTATUS status;

    if (!start_debuggee(&a) || !start_debuggee(&b))
    {
        check(0, "CreateProcess with DEBUG_ONLY_THIS_PROCESS failed, error %lu", GetLastError());
        return;
    }
    debug = pDbgUiGetThreadDebugObject();
    check(debug != NULL, "no debug object after CreateProcess with DEBUG_ONLY_THIS_PROCESS");

    check(TerminateProcess(a.hProcess, 3), "TerminateProcess a: error %lu", GetLastError());
    check(TerminateProcess(b.hProcess, 3), "TerminateProcess b: error %lu", GetLastError());
    check(run_debug_events(a.dwProcessId, b.dwProcessId), "the debuggees' events did not end with their exit");
    check(WaitForSingleObject(a.hProcess, 10000) == WAIT_OBJECT_0, "debuggee a did not exit");
    check(WaitForSingleObject(b.hProcess, 10000) == WAIT_OBJECT_0, "debuggee b did not exit");
    /* not asserted: what a debuggee that has exited reports while the object lives */
    printf("# exited debuggee, debug object open: debug port state %d\n", debug_port_state(b.hProcess));

    /* a: closed before the debug object, which outlives it */
    CloseHandle(a.hThread);
    CloseHandle(a.hProcess);

    /* the debug object's only handle: closing it destroys it */
    pDbgUiSetThreadDebugObject(NULL);
    status = pNtClose(debug);
    check(!status, "closing the debug object: status %#lx", (unsigned long)status);

    /* b has exited but is still open: no debugger any more */
    check(CheckRemoteDebuggerPresent(b.hProcess, &present), "CheckRemoteDebuggerPresent: error %lu",
          GetLastError());
    check(!present, "an exited debuggee still reports a debugger after its debug object was closed");
    check(debug_port_state(b.hProcess) == 0, "debug port of an exited debuggee still set");

    /* and the server still answers */
    event = CreateEventW(NULL, TRUE, TRUE, NULL);
    check(event != NULL, "CreateEvent after the queries: error %lu", GetLastError());
    if (event)
    {
        check(WaitForSingleObject(event, 0) == WAIT_OBJECT_0, "a set event is not signaled");
        CloseHandle(event);
    }
    CloseHandle(b.hThread);
    CloseHandle(b.hProcess);
}

/* closing a kill-on-close debug object kills both of its debuggees, one
 * of them also through a job whose last handle the other holds */
static void test_kill_on_close_through_job(void)
{
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limit;
    PROCESS_INFORMATION holder, member;
    HANDLE job, remote = NULL, debug, event, ready[2] = { NULL, NULL };
    DWORD code = 0;
    NTSTATUS status;

    job = CreateJobObjectW(NULL, NULL);
    check(job != NULL, "CreateJobObject: error %lu", GetLastError());
    if (!job) return;
    memset(&limit, 0, sizeof(limit));
    limit.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    check(SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limit, sizeof(limit)),
          "SetInformationJobObject: error %lu", GetLastError());

    /* the holder first: stock Wine killed the debuggees in that order */
    if (!start_debuggee_mode(&holder, "ready", CREATE_SUSPENDED))
    {
        check(0, "CreateProcess of the holder: error %lu", GetLastError());
        CloseHandle(job);
        return;
    }
    if (!start_debuggee_mode(&member, "ready", CREATE_SUSPENDED))
    {
        check(0, "CreateProcess of the job member: error %lu", GetLastError());
        TerminateProcess(holder.hProcess, 3);
        CloseHandle(job);
        return;
    }
    debug = pDbgUiGetThreadDebugObject();
    check(debug != NULL, "no debug object after CreateProcess with DEBUG_ONLY_THIS_PROCESS");
    ready[0] = ready_event(holder.dwProcessId, TRUE);
    ready[1] = ready_event(member.dwProcessId, TRUE);
    check(ready[0] && ready[1], "CreateEvent of the ready events: error %lu", GetLastError());
    check(AssignProcessToJobObject(job, member.hProcess), "AssignProcessToJobObject: error %lu",
          GetLastError());
    /* the holder gets the job's last handle */
    check(DuplicateHandle(GetCurrentProcess(), job, holder.hProcess, &remote, 0, FALSE,
                          DUPLICATE_SAME_ACCESS), "DuplicateHandle of the job: error %lu", GetLastError());
    CloseHandle(job);
    ResumeThread(holder.hThread);
    ResumeThread(member.hThread);
    check(ready[0] && ready[1] && run_until_ready(ready), "the debuggees did not start");

    /* the debug object's only handle: closing it kills both */
    pDbgUiSetThreadDebugObject(NULL);
    status = pNtClose(debug);
    check(!status, "closing the debug object: status %#lx", (unsigned long)status);
    check(WaitForSingleObject(holder.hProcess, 20000) == WAIT_OBJECT_0, "the holder was not killed");
    check(WaitForSingleObject(member.hProcess, 20000) == WAIT_OBJECT_0, "the job member was not killed");
    check(GetExitCodeProcess(holder.hProcess, &code), "GetExitCodeProcess: error %lu", GetLastError());
    check(code == DEBUGGER_INACTIVE, "the holder's exit code is %#lx", code);

    /* and the server still answers */
    event = CreateEventW(NULL, TRUE, TRUE, NULL);
    check(event != NULL, "CreateEvent after the close: error %lu", GetLastError());
    if (event)
    {
        check(WaitForSingleObject(event, 0) == WAIT_OBJECT_0, "a set event is not signaled");
        CloseHandle(event);
    }
    if (ready[0]) CloseHandle(ready[0]);
    if (ready[1]) CloseHandle(ready[1]);
    CloseHandle(holder.hThread);
    CloseHandle(holder.hProcess);
    CloseHandle(member.hThread);
    CloseHandle(member.hProcess);
}

static const struct tap_case cases[] =
{
    { "debug_object_closed_after_debuggee_exit", test_closed_after_exit },
    { "debug_object_kill_on_close_through_job", test_kill_on_close_through_job },
};

int main(int argc, char **argv)
{
    HMODULE ntdll = GetModuleHandleA("ntdll.dll");

    if (argc > 1 && !strcmp(argv[1], "child"))
    {
        Sleep(60000);
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "ready"))
    {
        HANDLE ready = ready_event(GetCurrentProcessId(), FALSE);

        if (!ready || !SetEvent(ready)) return 1;
        Sleep(60000);
        return 0;
    }
    pDbgUiGetThreadDebugObject = (void *)GetProcAddress(ntdll, "DbgUiGetThreadDebugObject");
    pDbgUiSetThreadDebugObject = (void *)GetProcAddress(ntdll, "DbgUiSetThreadDebugObject");
    pNtClose = (void *)GetProcAddress(ntdll, "NtClose");
    pNtQueryInformationProcess = (void *)GetProcAddress(ntdll, "NtQueryInformationProcess");
    if (!pDbgUiGetThreadDebugObject || !pDbgUiSetThreadDebugObject || !pNtClose || !pNtQueryInformationProcess)
    {
        unsigned int i;

        printf("TAP version 13\n1..%u\n# ntdll lacks the Dbg/Nt functions\n", (unsigned int)ARRAYSIZE(cases));
        for (i = 0; i < (unsigned int)ARRAYSIZE(cases); i++) printf("not ok %u %s\n", i + 1, cases[i].name);
        return 1;
    }
    return run_tap_cases(cases, (unsigned int)ARRAYSIZE(cases));
}
