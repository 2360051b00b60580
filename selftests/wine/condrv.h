/*
 * Opens Wine's console driver objects the way kernelbase does: a console
 * server (\Device\ConDrv\Server), and the console of a server (its
 * "Reference").  A server is signaled while it has no console or holds
 * requests for its console host.
 *
 * Copyright 2026 the kwine developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef KWINE_CONDRV_H
#define KWINE_CONDRV_H

#include <windows.h>
#include <winternl.h>

/* NAME relative to ROOT (NULL: an absolute name); NULL on failure */
static inline HANDLE open_condrv(HANDLE root, const WCHAR *name)
{
    static NTSTATUS (WINAPI *create)(HANDLE *, ACCESS_MASK, OBJECT_ATTRIBUTES *, IO_STATUS_BLOCK *,
                                     LARGE_INTEGER *, ULONG, ULONG, ULONG, ULONG, void *, ULONG);
    OBJECT_ATTRIBUTES attr;
    UNICODE_STRING str;
    IO_STATUS_BLOCK io;
    HANDLE handle;

    if (!create)
        create = (void *)GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "NtCreateFile");
    if (!create) return NULL;
    str.Buffer = (WCHAR *)name;
    str.Length = lstrlenW(name) * sizeof(WCHAR);
    str.MaximumLength = str.Length + sizeof(WCHAR);
    InitializeObjectAttributes(&attr, &str, 0, root, NULL);
    /* FILE_READ_PROPERTIES and FILE_WRITE_PROPERTIES, as kernelbase asks */
    if (create(&handle, FILE_READ_EA | FILE_WRITE_EA | SYNCHRONIZE, &attr, &io, NULL,
               FILE_ATTRIBUTE_NORMAL, 0, FILE_OPEN, FILE_NON_DIRECTORY_FILE | FILE_SYNCHRONOUS_IO_NONALERT,
               NULL, 0))
        return NULL;
    return handle;
}

#endif
