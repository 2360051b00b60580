/*
 * What kwine's Win32 benchmarks do with a large DLL once loaded: read one
 * byte of every Nth page of its image, as a program that uses part of a
 * DLL would.
 *
 * Copyright 2026 the kwine developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef KWINE_IMAGE_TOUCH_H
#define KWINE_IMAGE_TOUCH_H

#include <windows.h>

/* reads a byte of every "every"th page of a module's image (from the
 * first); returns the number of pages read */
static inline DWORD touch_image(HMODULE mod, DWORD every)
{
    const volatile BYTE *base = (const volatile BYTE *)mod;
    const IMAGE_NT_HEADERS *nt = (const IMAGE_NT_HEADERS *)((const BYTE *)mod + ((const IMAGE_DOS_HEADER *)mod)->e_lfanew);
    DWORD page, pages = (nt->OptionalHeader.SizeOfImage + 0xfff) / 0x1000, count = 0;
    BYTE sum = 0;
    MEMORY_BASIC_INFORMATION info;

    for (page = 0; page < pages; page += every)
    {
        /* the gaps an image may have between sections are not readable */
        if (!VirtualQuery((const void *)(base + page * 0x1000), &info, sizeof(info)) ||
            info.State != MEM_COMMIT || (info.Protect & (PAGE_NOACCESS | PAGE_GUARD)))
            continue;
        sum += base[page * 0x1000];
        count++;
    }
    (void)sum;
    return count;
}

#endif
