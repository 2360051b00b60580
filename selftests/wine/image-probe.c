/*
 * kwine probe for scripts/guest/image-sections: are DLLs mapped as the
 * Windows loader maps them, relocated right, and private to each process
 * where they are written?
 *
 *   image-probe.exe DLLDIR          the checks, then a child process that
 *                                   holds the same DLLs; "ready" once both
 *                                   are set up; exits when stdin ends
 *   image-probe.exe child ADDR BYTE DLLDIR (run by the above)
 *   image-probe.exe hold N [DLL]    load the DLLs (and DLL, reading one
 *                                   byte of every 20th page of it), start
 *                                   N-1 copies of itself that do the same,
 *                                   print "ready" when all have; exits
 *                                   when stdin ends
 *                                   (scripts/guest/image-mem-bench)
 *
 * DLLDIR is the Windows path of the directory that holds the builtin PE
 * files the Wine under test maps (Z:\...\x86_64-windows).
 *
 * Checks, printed as TAP, that must pass under any correct Wine:
 *  - each module's in-memory OptionalHeader.ImageBase is its address;
 *  - each module's read-only sections hold the file's bytes, relocated
 *    from the preferred base to the actual one (the import address
 *    tables, which the loader writes, left out);
 *  - a mapped DLL cannot be opened to write its data (sharing violation),
 *    but can be opened to set its attributes and times;
 *  - a byte written in a read-only page made writable (copy on write) is
 *    seen by the writer and not by a child process that maps the same DLL
 *    at the same address.
 * Also prints "module NAME ADDR" for each module but the program, and
 * "reloc-page NAME ADDR" for a page that holds fixups in a
 * read-only section of some modules, after reading it, so that the script
 * can tell whether the processes share that page.
 *
 * Copyright 2026 the kwine developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define PSAPI_VERSION 2
#include <windows.h>
#include <psapi.h>
#include "image-touch.h"

#define ARRAY_SIZE(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const dlls[] =
{
    "user32.dll", "gdi32.dll", "ole32.dll", "oleaut32.dll", "shell32.dll",
    "comctl32.dll", "advapi32.dll", "ws2_32.dll",
};
/* modules whose relocated pages the script looks at, and the one written to */
static const char *const shared_pages[] = { "kernelbase.dll", "user32.dll", "ole32.dll" };
static const char cow_module[] = "gdi32.dll";

static int tests, failed;

static void result(int ok, const char *fmt, ...)
{
    va_list args;

    printf("%s %d - ", ok ? "ok" : "not ok", ++tests);
    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);
    printf("\n");
    if (!ok) failed++;
}

struct range { DWORD start, end; };

/* the address table at iat of the zero-terminated thunk array at names */
static struct range thunk_range(const BYTE *mem, DWORD names, DWORD iat)
{
    const ULONG_PTR *thunk = (const void *)(mem + names);
    struct range r;
    DWORD count = 1;

    while (thunk[count - 1]) count++;
    r.start = iat;
    r.end = iat + count * sizeof(*thunk);
    return r;
}

/* ranges of the image the loader writes: import address tables; and on
 * i386 the export address tables of user32 and kernel32, which rewrite
 * entries of their own when they start (user32's fixup_forwards(),
 * kernel32's set_entry_point()) */
static int loader_written(const char *name, const BYTE *mem, const IMAGE_NT_HEADERS *nt,
                          struct range *out, int max)
{
    const IMAGE_DATA_DIRECTORY *dir = nt->OptionalHeader.DataDirectory;
    const IMAGE_IMPORT_DESCRIPTOR *imp;
    const IMAGE_DELAYLOAD_DESCRIPTOR *delay;
    int n = 0;

#ifdef __i386__
    if ((!_stricmp(name, "user32.dll") || !_stricmp(name, "kernel32.dll")) &&
        dir[IMAGE_DIRECTORY_ENTRY_EXPORT].Size && n < max)
    {
        const IMAGE_EXPORT_DIRECTORY *exp = (const void *)(mem + dir[IMAGE_DIRECTORY_ENTRY_EXPORT].VirtualAddress);

        out[n].start = exp->AddressOfFunctions;
        out[n].end = out[n].start + exp->NumberOfFunctions * sizeof(DWORD);
        n++;
    }
#else
    (void)name;
#endif

    if (dir[IMAGE_DIRECTORY_ENTRY_IAT].Size && n < max)
    {
        out[n].start = dir[IMAGE_DIRECTORY_ENTRY_IAT].VirtualAddress;
        out[n].end = out[n].start + dir[IMAGE_DIRECTORY_ENTRY_IAT].Size;
        n++;
    }
    if (dir[IMAGE_DIRECTORY_ENTRY_IMPORT].Size)
        for (imp = (const void *)(mem + dir[IMAGE_DIRECTORY_ENTRY_IMPORT].VirtualAddress);
             imp->Name && n < max; imp++)
            out[n++] = thunk_range(mem, imp->FirstThunk, imp->FirstThunk);
    if (dir[IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT].Size)
        for (delay = (const void *)(mem + dir[IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT].VirtualAddress);
             delay->DllNameRVA && n < max; delay++)
            out[n++] = thunk_range(mem, delay->ImportNameTableRVA, delay->ImportAddressTableRVA);
    return n;
}

static BYTE *read_file(const char *path, DWORD *size)
{
    HANDLE file = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL,
                              OPEN_EXISTING, 0, NULL);
    BYTE *data;
    DWORD got;

    if (file == INVALID_HANDLE_VALUE) return NULL;
    *size = GetFileSize(file, NULL);
    data = malloc(*size);
    if (!data || !ReadFile(file, data, *size, &got, NULL) || got != *size)
    {
        free(data);
        data = NULL;
    }
    CloseHandle(file);
    return data;
}

/* Lay the file out as an image at base, relocated; NULL if it is no PE file. */
static BYTE *build_image(const BYTE *file, DWORD file_size, ULONG_PTR base, DWORD *image_size)
{
    const IMAGE_NT_HEADERS *nt = (const void *)(file + ((const IMAGE_DOS_HEADER *)file)->e_lfanew);
    const IMAGE_SECTION_HEADER *sec = IMAGE_FIRST_SECTION(nt);
    const IMAGE_DATA_DIRECTORY *relocs;
    LONGLONG delta = base - nt->OptionalHeader.ImageBase;
    BYTE *image;
    DWORD i, pos;

    if (nt->Signature != IMAGE_NT_SIGNATURE ||
        nt->OptionalHeader.Magic != IMAGE_NT_OPTIONAL_HDR_MAGIC) return NULL;
    *image_size = nt->OptionalHeader.SizeOfImage;
    if (!(image = calloc(1, *image_size))) return NULL;
    memcpy(image, file, min(nt->OptionalHeader.SizeOfHeaders, file_size));
    for (i = 0; i < nt->FileHeader.NumberOfSections; i++)
    {
        DWORD raw = min(sec[i].SizeOfRawData, sec[i].Misc.VirtualSize ? sec[i].Misc.VirtualSize : ~0u);

        if (sec[i].PointerToRawData >= file_size) continue;
        raw = min(raw, file_size - sec[i].PointerToRawData);
        raw = min(raw, *image_size - sec[i].VirtualAddress);
        memcpy(image + sec[i].VirtualAddress, file + sec[i].PointerToRawData, raw);
    }
    relocs = &nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_BASERELOC];
    if (!delta || !relocs->Size) return image;
    for (pos = relocs->VirtualAddress; pos + sizeof(IMAGE_BASE_RELOCATION) <= relocs->VirtualAddress + relocs->Size;)
    {
        const IMAGE_BASE_RELOCATION *rel = (const void *)(image + pos);
        const WORD *entry = (const WORD *)(rel + 1);
        DWORD count;

        if (rel->SizeOfBlock < sizeof(*rel)) break;
        for (count = (rel->SizeOfBlock - sizeof(*rel)) / 2; count--; entry++)
        {
            BYTE *p = image + rel->VirtualAddress + (*entry & 0xfff);

            switch (*entry >> 12)
            {
            case IMAGE_REL_BASED_HIGHLOW: *(DWORD *)p += (DWORD)delta; break;
            case IMAGE_REL_BASED_DIR64: *(ULONGLONG *)p += delta; break;
            case IMAGE_REL_BASED_ABSOLUTE: break;
            default: free(image); return NULL;
            }
        }
        pos += rel->SizeOfBlock;
    }
    return image;
}

/* The first page of a read-only section with fixups on it and no byte the loader writes. */
static DWORD reloc_page(const BYTE *mem, const IMAGE_NT_HEADERS *nt, const struct range *written, int nwritten)
{
    const IMAGE_DATA_DIRECTORY *relocs = &nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_BASERELOC];
    const IMAGE_SECTION_HEADER *sec = IMAGE_FIRST_SECTION(nt);
    DWORD pos, i;
    int j;

    for (pos = relocs->VirtualAddress; pos + sizeof(IMAGE_BASE_RELOCATION) <= relocs->VirtualAddress + relocs->Size;)
    {
        const IMAGE_BASE_RELOCATION *rel = (const void *)(mem + pos);
        DWORD page = rel->VirtualAddress & ~0xfff;
        int good = 0;

        if (rel->SizeOfBlock < sizeof(*rel)) break;
        pos += rel->SizeOfBlock;
        if (rel->SizeOfBlock == sizeof(*rel) || !page) continue;
        for (i = 0; i < nt->FileHeader.NumberOfSections; i++)
            if (page >= sec[i].VirtualAddress && page + 0x1000 <= sec[i].VirtualAddress + sec[i].Misc.VirtualSize &&
                !(sec[i].Characteristics & IMAGE_SCN_MEM_WRITE))
                good = 1;
        for (j = 0; j < nwritten; j++)
            if (written[j].start < page + 0x1000 && written[j].end > page) good = 0;
        if (good) return page;
    }
    return 0;
}

static void check_module(const char *dir, const char *name, int print_page)
{
    BYTE *mem = (BYTE *)GetModuleHandleA(name);
    const IMAGE_NT_HEADERS *nt;
    const IMAGE_SECTION_HEADER *sec;
    struct range written[256];
    int nwritten, j;
    char path[MAX_PATH];
    BYTE *file, *image;
    DWORD file_size, image_size, i, off, bad = 0, first_bad = 0, compared = 0;

    if (!mem)
    {
        result(0, "%s: not loaded (error %lu)", name, GetLastError());
        return;
    }
    nt = (const void *)(mem + ((IMAGE_DOS_HEADER *)mem)->e_lfanew);
    result(nt->OptionalHeader.ImageBase == (ULONG_PTR)mem, "%s: ImageBase %p is its address %p",
           name, (void *)nt->OptionalHeader.ImageBase, mem);

    snprintf(path, sizeof(path), "%s\\%s", dir, name);
    if (!(file = read_file(path, &file_size)))
    {
        result(0, "%s: cannot read %s (error %lu)", name, path, GetLastError());
        return;
    }
    if (!(image = build_image(file, file_size, (ULONG_PTR)mem, &image_size)))
    {
        result(0, "%s: %s is no image of this probe's kind that it can relocate", name, path);
        free(file);
        return;
    }
    nwritten = loader_written(name, mem, nt, written, ARRAY_SIZE(written));
    sec = IMAGE_FIRST_SECTION(nt);
    for (i = 0; i < nt->FileHeader.NumberOfSections; i++)
    {
        DWORD size = min(sec[i].SizeOfRawData, sec[i].Misc.VirtualSize);

        if (sec[i].Characteristics & IMAGE_SCN_MEM_WRITE) continue;
        for (off = sec[i].VirtualAddress; off < sec[i].VirtualAddress + size && off < image_size; off++)
        {
            for (j = 0; j < nwritten; j++)
                if (off >= written[j].start && off < written[j].end) break;
            if (j < nwritten) continue;
            compared++;
            if (mem[off] != image[off] && !bad++) first_bad = off;
        }
    }
    result(!bad && compared, "%s: %lu bytes of read-only sections as the file's relocated to %p "
           "(%lu differ, the first at %#lx)", name, compared, mem, bad, first_bad);
    if (print_page)
    {
        DWORD page = reloc_page(mem, nt, written, nwritten);
        volatile BYTE touch;

        if (page)
        {
            touch = mem[page];
            (void)touch;
            printf("reloc-page %s %p\n", name, mem + page);
        }
        else result(0, "%s: no read-only page with fixups", name);
    }
    free(image);
    free(file);
}

/* A byte of a read-only section of the module, not written by the loader, on a page of its own. */
static BYTE *cow_target(void)
{
    BYTE *mem = (BYTE *)GetModuleHandleA(cow_module);
    const IMAGE_NT_HEADERS *nt = (const void *)(mem + ((IMAGE_DOS_HEADER *)mem)->e_lfanew);
    const IMAGE_SECTION_HEADER *sec = IMAGE_FIRST_SECTION(nt);
    DWORD i;

    for (i = 0; i < nt->FileHeader.NumberOfSections; i++)
        if (!(sec[i].Characteristics & (IMAGE_SCN_MEM_WRITE | IMAGE_SCN_MEM_EXECUTE)) &&
            sec[i].Misc.VirtualSize > 0x2000)
            return mem + sec[i].VirtualAddress + 0x1000 + 123;
    return NULL;
}

/* A mapped image's data cannot be written, its attributes can. */
static void check_file_access(const char *dir)
{
    FILETIME created, accessed, written;
    char path[MAX_PATH];
    HANDLE file;
    DWORD err;

    snprintf(path, sizeof(path), "%s\\%s", dir, cow_module);
    file = CreateFileA(path, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                       NULL, OPEN_EXISTING, 0, NULL);
    err = GetLastError();
    result(file == INVALID_HANDLE_VALUE && err == ERROR_SHARING_VIOLATION,
           "%s, mapped: opening it for writing fails with a sharing violation (error %lu)", cow_module, err);
    if (file != INVALID_HANDLE_VALUE) CloseHandle(file);

    file = CreateFileA(path, FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES,
                       FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
    err = GetLastError();
    result(file != INVALID_HANDLE_VALUE, "%s, mapped: opening it to write its attributes works (error %lu)",
           cow_module, err);
    if (file == INVALID_HANDLE_VALUE) return;
    result(GetFileTime(file, &created, &accessed, &written) && SetFileTime(file, &created, &accessed, &written),
           "%s, mapped: setting its times works (error %lu)", cow_module, GetLastError());
    CloseHandle(file);
}

static void load_dlls(void)
{
    int i;

    for (i = 0; i < ARRAY_SIZE(dlls); i++)
        if (!LoadLibraryA(dlls[i])) result(0, "load %s (error %lu)", dlls[i], GetLastError());
}

static void print_pages(const char *dir)
{
    int i;

    for (i = 0; i < ARRAY_SIZE(shared_pages); i++) check_module(dir, shared_pages[i], 1);
}

static int child(int argc, char **argv)
{
    BYTE *addr, expect;

    if (argc < 5) return 2;
    load_dlls();
    addr = (BYTE *)(ULONG_PTR)_strtoui64(argv[2], NULL, 16);
    expect = strtoul(argv[3], NULL, 16);
    result(cow_target() == addr, "child: %s at the same address %p as in the parent", cow_module, addr);
    result(*addr == expect, "child: the byte the parent wrote at %p reads %#x, the file's %#x",
           addr, *addr, expect);
    print_pages(argv[4]);
    printf("child-ready\n");
    getchar();
    return failed ? 1 : 0;
}

static int hold(int argc, char **argv)
{
    PROCESS_INFORMATION pi[64];
    char cmd[2 * MAX_PATH + 32], self[MAX_PATH];
    STARTUPINFOA si;
    HANDLE ready[64];
    int i, count = argc > 2 ? atoi(argv[2]) : 1;
    /* hold N [DLL]; its copies: hold 1 EVENT [DLL] */
    const char *extra = count > 1 ? (argc > 3 ? argv[3] : NULL) : (argc > 4 ? argv[4] : NULL);

    load_dlls();
    if (extra)
    {
        HMODULE mod = LoadLibraryA(extra);

        if (!mod)
        {
            printf("# cannot load %s: error %lu\n", extra, GetLastError());
            return 1;
        }
        touch_image(mod, 20);
    }
    if (count <= 1)
    {
        /* a copy: tell the parent through the inherited event, then wait to be killed */
        if (argc > 3) SetEvent((HANDLE)(ULONG_PTR)_strtoui64(argv[3], NULL, 16));
        Sleep(INFINITE);
        return 0;
    }
    if (count > 64) count = 64;
    GetModuleFileNameA(NULL, self, sizeof(self));
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    for (i = 0; i < count - 1; i++)
    {
        SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };

        ready[i] = CreateEventA(&sa, TRUE, FALSE, NULL);
        snprintf(cmd, sizeof(cmd), "\"%s\" hold 1 %p%s%s", self, ready[i], extra ? " " : "", extra ? extra : "");
        if (!CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi[i]))
        {
            printf("# CreateProcess %s: error %lu\n", cmd, GetLastError());
            return 1;
        }
    }
    if (WaitForMultipleObjects(count - 1, ready, TRUE, 600000))
    {
        printf("# the copies did not get ready in 600 s\n");
        return 1;
    }
    printf("ready\n");
    getchar();
    for (i = 0; i < count - 1; i++) TerminateProcess(pi[i].hProcess, 0);
    return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    char cmd[2 * MAX_PATH], self[MAX_PATH];
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    BYTE *addr, orig;
    DWORD old, code, i;
    HMODULE mods[1024];
    DWORD needed;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc >= 2 && !strcmp(argv[1], "child")) return child(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "hold")) return hold(argc, argv);
    if (argc < 2)
    {
        printf("usage: image-probe.exe DLLDIR\n");
        return 2;
    }
    printf("TAP version 13\n");
    load_dlls();

    /* every module of the process but the program itself */
    if (!EnumProcessModules(GetCurrentProcess(), mods, sizeof(mods), &needed))
        result(0, "EnumProcessModules (error %lu)", GetLastError());
    else
        for (i = 1; i < needed / sizeof(HMODULE); i++)
        {
            char name[MAX_PATH], *p;

            GetModuleFileNameA(mods[i], name, sizeof(name));
            p = strrchr(name, '\\');
            /* for the script, which looks at how each module is mapped */
            printf("module %s %p\n", p ? p + 1 : name, mods[i]);
            check_module(argv[1], p ? p + 1 : name, 0);
        }

    check_file_access(argv[1]);

    if (!(addr = cow_target()))
    {
        result(0, "%s: no read-only section to write", cow_module);
        return 1;
    }
    orig = *addr;
    result(VirtualProtect(addr, 1, PAGE_READWRITE, &old), "VirtualProtect %p to PAGE_READWRITE (error %lu)",
           addr, GetLastError());
    *addr = orig ^ 0x5a;
    result(*addr == (orig ^ 0x5a), "the write at %p reads back", addr);

    GetModuleFileNameA(NULL, self, sizeof(self));
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    snprintf(cmd, sizeof(cmd), "\"%s\" child %p %x %s", self, addr, orig, argv[1]);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
    si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
    if (!CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi))
    {
        result(0, "CreateProcess %s (error %lu)", cmd, GetLastError());
        return 1;
    }
    print_pages(argv[1]);
    /* the child says child-ready; the script waits for both */
    printf("ready\n");
    getchar();
    WaitForSingleObject(pi.hProcess, 60000);
    GetExitCodeProcess(pi.hProcess, &code);
    result(code == 0, "child exit code %lu", code);
    result(*addr == (orig ^ 0x5a), "the parent still reads its own write at %p", addr);
    printf("1..%d\n", tests);
    return failed ? 1 : 0;
}
