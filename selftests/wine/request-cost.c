/*
 * kwine benchmark: the cost of a wineserver request with many signaled
 * objects that clients have waited on.
 *
 *   request-cost.exe [HANDLES [REQUESTS]]
 *
 * Opens HANDLES signaled handles of one kind (default 10000) and waits on
 * each once, so that the patched Wine gives each a kernel mirror; times
 * REQUESTS calls of GetHandleInformation (one server round trip each:
 * NtQueryObject's handle flags) and closes them; does that for five
 * kinds in turn: handles to one file, each a file object of its own,
 * completion ports holding a packet each, handles to the named pipe
 * device itself (\\.\pipe, each a device file of its own; \\.\pipe\
 * would open the device's root directory, an object of another kind),
 * job objects terminated while empty (signaled for good), and console
 * servers (signaled while they have no console; any process can open
 * one, \Device\ConDrv\Server).
 * Then times the requests again with none of them, as the baseline
 * (taken last: by then the services Wine starts with the prefix have
 * settled).  A server that looks at every signaled object after each
 * request pays for all of them on every request.
 *
 * Prints TAP and "# result: NAME=VALUE" lines (request_ns for the baseline,
 * request_many_ns, request_many_ports_ns, request_many_devices_ns,
 * request_many_jobs_ns and request_many_consoles_ns: the median of 5
 * batches, in ns per request), which
 * scripts/guest/wine-sync-bench reads.  The server needs room for two fds
 * per handle: run it with "ulimit -n" raised.
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

#include "bench-batches.h"
#include "condrv.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* one server round trip: NtQueryObject's handle flags */
static int request(void *handle)
{
    DWORD flags;

    if (GetHandleInformation(handle, &flags)) return 1;
    printf("# GetHandleInformation failed: %lu\n", GetLastError());
    return 0;
}

/* median over BATCHES batches of the ns per GetHandleInformation call */
static double time_requests(HANDLE handle, long requests)
{
    return median_of_batches(requests, request, handle, 1e9);
}

/* the file that every handle of the first kind opens */
static WCHAR path[MAX_PATH];

static HANDLE open_file(void)
{
    return CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                       NULL, OPEN_EXISTING, 0, NULL);
}

static HANDLE open_port(void)
{
    return CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
}

static BOOL post_packet(HANDLE port)
{
    return PostQueuedCompletionStatus(port, 0, 0, NULL);
}

static HANDLE open_pipe_device(void)
{
    return CreateFileW(L"\\\\.\\pipe", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                       NULL, OPEN_EXISTING, 0, NULL);
}

static HANDLE open_job(void)
{
    return CreateJobObjectW(NULL, NULL);
}

static BOOL terminate_job(HANDLE job)
{
    return TerminateJobObject(job, 0);
}

static HANDLE open_console_server(void)
{
    return open_condrv(NULL, L"\\Device\\ConDrv\\Server");
}

/* a kind of handle: how to open one (NULL or INVALID_HANDLE_VALUE on
 * failure) and make its object signaled (NULL: it is once opened) */
static const struct kind
{
    const char *name;
    const char *result;
    HANDLE (*open)(void);
    BOOL (*signal)(HANDLE handle);
} kinds[] =
{
    { "file handles", "request_many_ns", open_file, NULL },
    { "completion ports holding a packet", "request_many_ports_ns", open_port, post_packet },
    { "named pipe device handles", "request_many_devices_ns", open_pipe_device, NULL },
    { "terminated jobs", "request_many_jobs_ns", open_job, terminate_job },
    { "console servers", "request_many_consoles_ns", open_console_server, NULL },
};

int main(int argc, char **argv)
{
    long count = argc > 1 ? atol(argv[1]) : 10000;
    long requests = argc > 2 ? atol(argv[2]) : 5000;
    WCHAR dir[MAX_PATH];
    HANDLE event, *handles;
    unsigned int kind, test = 0;
    double base, many;
    int failed = 0;

    setvbuf(stdout, NULL, _IONBF, 0);
    printf("TAP version 13\n1..%u\n", (unsigned int)(2 * ARRAY_SIZE(kinds) + 1));
    if (count < 1 || requests < 1 || !(handles = calloc(count, sizeof(*handles))))
    {
        printf("Bail out! usage: request-cost.exe [HANDLES [REQUESTS]]\n");
        return 2;
    }

    event = CreateEventW(NULL, TRUE, FALSE, NULL);
    GetTempPathW(MAX_PATH, dir);
    GetTempFileNameW(dir, L"krc", 0, path);
    for (kind = 0; kind < ARRAY_SIZE(kinds); kind++)
    {
        const struct kind *k = &kinds[kind];
        long i, opened = 0;

        for (i = 0; i < count; i++)
        {
            DWORD ret;

            handles[i] = k->open();
            if (!handles[i] || handles[i] == INVALID_HANDLE_VALUE)
            {
                printf("# %s: open %ld of %ld failed: %lu\n", k->name, i + 1, count, GetLastError());
                break;
            }
            opened++;
            if (k->signal && !k->signal(handles[i]))
            {
                printf("# %s: signaling %ld failed: %lu\n", k->name, i + 1, GetLastError());
                break;
            }
            ret = WaitForSingleObject(handles[i], 0);
            if (ret != WAIT_OBJECT_0)
            {
                printf("# %s: wait on handle %ld returned %lu, error %lu\n", k->name, i + 1, ret, GetLastError());
                break;
            }
        }
        printf("%sok %u %ld of %ld %s opened and waited on\n", opened == count ? "" : "not ", ++test,
               opened, count, k->name);
        failed |= opened != count;

        many = time_requests(event, requests);
        printf("# result: %s=%.0f\n", k->result, many);
        printf("%sok %u request with %ld waited-on %s: %.0f ns\n", many < 0 ? "not " : "", ++test,
               opened, k->name, many);
        failed |= many < 0;
        for (i = 0; i < opened; i++) CloseHandle(handles[i]);
    }

    base = time_requests(event, requests);
    printf("# result: request_ns=%.0f\n", base);
    printf("%sok %u request with no other handle: %.0f ns\n", base < 0 ? "not " : "", ++test, base);
    failed |= base < 0;

    DeleteFileW(path);
    CloseHandle(event);
    free(handles);
    return failed;
}
