/*
 * kwine Win32 test: a debug object closed while processes it debugged
 * have exited but are still open.
 *
 *   debug-object-close.exe            (run the cases)
 *   debug-object-close.exe child      (a debuggee: waits to be killed)
 *
 * NT clears the debug port of every process a debug object debugs when
 * the object goes away, processes that have exited included: a handle to
 * such a process then reports no debugger.  Stock Wine 10.0's wineserver
 * forgets only the processes that still run, and one that has exited keeps
 * pointing to the freed object (a use-after-free: the query below makes
 * it call through freed memory, and the server crashes).  Wine patch 24
 * fixes that; this test fails under stock Wine.
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

static HANDLE (WINAPI *pDbgUiGetThreadDebugObject)(void);
static void (WINAPI *pDbgUiSetThreadDebugObject)(HANDLE);
static NTSTATUS (WINAPI *pNtClose)(HANDLE);
static NTSTATUS (WINAPI *pNtQueryInformationProcess)(HANDLE, ULONG, void *, ULONG, ULONG *);

/* start this program as a debuggee of the calling thread */
static BOOL start_debuggee(PROCESS_INFORMATION *pi)
{
    char cmd[MAX_PATH + 16], self[MAX_PATH];
    STARTUPINFOA si;

    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    GetModuleFileNameA(NULL, self, sizeof(self));
    snprintf(cmd, sizeof(cmd), "\"%s\" child", self);
    return CreateProcessA(NULL, cmd, NULL, NULL, FALSE, DEBUG_ONLY_THIS_PROCESS, NULL, NULL, &si, pi);
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
        if (ev.dwDebugEventCode == CREATE_PROCESS_DEBUG_EVENT && ev.u.CreateProcessInfo.hFile)
            CloseHandle(ev.u.CreateProcessInfo.hFile);
        if (ev.dwDebugEventCode == LOAD_DLL_DEBUG_EVENT && ev.u.LoadDll.hFile)
            CloseHandle(ev.u.LoadDll.hFile);
        if (ev.dwDebugEventCode == EXIT_PROCESS_DEBUG_EVENT)
        {
            if (ev.dwProcessId == a) a_done = TRUE;
            if (ev.dwProcessId == b) b_done = TRUE;
        }
        if (!ContinueDebugEvent(ev.dwProcessId, ev.dwThreadId, DBG_CONTINUE))
        {
            printf("# ContinueDebugEvent: error %lu\n", GetLastError());
            return FALSE;
        }
    }
    return TRUE;
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

static const struct tap_case cases[] =
{
    { "debug_object_closed_after_debuggee_exit", test_closed_after_exit },
};

int main(int argc, char **argv)
{
    HMODULE ntdll = GetModuleHandleA("ntdll.dll");

    if (argc > 1 && !strcmp(argv[1], "child"))
    {
        Sleep(60000);
        return 0;
    }
    pDbgUiGetThreadDebugObject = (void *)GetProcAddress(ntdll, "DbgUiGetThreadDebugObject");
    pDbgUiSetThreadDebugObject = (void *)GetProcAddress(ntdll, "DbgUiSetThreadDebugObject");
    pNtClose = (void *)GetProcAddress(ntdll, "NtClose");
    pNtQueryInformationProcess = (void *)GetProcAddress(ntdll, "NtQueryInformationProcess");
    if (!pDbgUiGetThreadDebugObject || !pDbgUiSetThreadDebugObject || !pNtClose || !pNtQueryInformationProcess)
    {
        printf("TAP version 13\n1..1\n# ntdll lacks the Dbg/Nt functions\nnot ok 1 %s\n", cases[0].name);
        return 1;
    }
    return run_tap_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
