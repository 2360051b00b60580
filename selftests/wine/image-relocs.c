/*
 * kwine Win32 test: base relocations in every kind of section, a shared
 * writable section used by two processes, and one DLL at two addresses.
 *
 *   image-relocs.exe [stock]
 *   image-relocs.exe child-same ADDR COUNT [stock]   (run by the above)
 *   image-relocs.exe child-moved ADDR SIZE           (run by the above)
 *
 * image-relocs.dll (image-relocs.dll.c) holds a pointer to one of its
 * variables in its code, read-only data, writable data and in a shared
 * writable section, and a counter in that shared section.  Checks, as TAP:
 *  - the DLL is relocated (loaded away from its preferred base), and each
 *    pointer holds the variable's address in this process;
 *  - a child process maps the DLL at the same address, and its pointers,
 *    the shared one too, are right: the shared section, the same pages in
 *    both processes, is relocated once, not once per process;
 *  - each process sees the other's writes to the shared counter;
 *  - image-relocs-noshare.dll, loaded by a child whose address space is
 *    taken where the parent has it, lands elsewhere with right pointers,
 *    and the parent's copy is unchanged.
 *
 * "stock" is the negative control for Wine 10.0 as released, whose ntdll
 * relocates a shared section again in every process that maps it: there the
 * shared pointer must be off by exactly the relocation delta once the child
 * has mapped the DLL, in the child and in the parent alike.
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
#include <windows.h>

static const char shared_dll[] = "image-relocs.dll";
static const char noshare_dll[] = "image-relocs-noshare.dll";
static const char *const kinds[4] = { "code", "read-only data", "writable data", "shared data" };

static int tests, failed;
static const char *prefix = "";

/* a TAP result; a child prints its results as comments for the parent to count */
static int result(int ok, const char *fmt, ...)
{
    va_list args;

    if (*prefix) printf("# %s: %s - ", prefix, ok ? "ok" : "not ok");
    else printf("%s %d - ", ok ? "ok" : "not ok", ++tests);
    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);
    printf("\n");
    if (!ok) failed++;
    return ok;
}

/* the preferred base in the DLL's file, not the one the loader may rewrite in memory */
static ULONG_PTR file_image_base(HMODULE mod)
{
    char path[MAX_PATH];
    BYTE buf[4096];
    IMAGE_DOS_HEADER *dos = (IMAGE_DOS_HEADER *)buf;
    IMAGE_NT_HEADERS *nt;
    HANDLE file;
    DWORD got = 0;

    if (!GetModuleFileNameA(mod, path, sizeof(path))) return 0;
    file = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
    if (file == INVALID_HANDLE_VALUE) return 0;
    ReadFile(file, buf, sizeof(buf), &got, NULL);
    CloseHandle(file);
    if (got < sizeof(*dos) || dos->e_lfanew < 0 || dos->e_lfanew > (LONG)(got - sizeof(*nt))) return 0;
    nt = (IMAGE_NT_HEADERS *)(buf + dos->e_lfanew);
    if (nt->OptionalHeader.Magic != IMAGE_NT_OPTIONAL_HDR_MAGIC) return 0;
    return nt->OptionalHeader.ImageBase;
}

static HMODULE load(const char *name)
{
    HMODULE mod = LoadLibraryA(name);

    result(mod != NULL, "LoadLibrary %s (error %lu)", name, mod ? 0 : GetLastError());
    return mod;
}

/* each pointer of a loaded test DLL against the target's address; shared_want
 * is what the shared pointer must hold (NULL: the DLL has none) */
static void check_pointers(HMODULE mod, const char *name, void *shared_want)
{
    void *(*expected)(void) = (void *)GetProcAddress(mod, "kw_expected");
    void (*pointers)(void **) = (void *)GetProcAddress(mod, "kw_pointers");
    void *ptrs[4], *want;
    int i;

    if (!result(expected && pointers, "%s exports kw_expected and kw_pointers", name)) return;
    want = expected();
    pointers(ptrs);
    for (i = 0; i < 3; i++)
        result(ptrs[i] == want, "%s at %p: the pointer in its %s holds %p, expected %p",
               name, mod, kinds[i], ptrs[i], want);
    if (shared_want)
        result(ptrs[3] == shared_want, "%s at %p: the pointer in its %s holds %p, expected %p",
               name, mod, kinds[3], ptrs[3], shared_want);
}

static LONG shared_add(HMODULE mod, LONG n)
{
    LONG (*add)(LONG) = (void *)GetProcAddress(mod, "kw_shared_add");

    return add ? add(n) : -1;
}

static int child_same(int argc, char **argv)
{
    HMODULE mod;
    ULONG_PTR addr = strtoull(argv[2], NULL, 16), base;
    LONG count = strtol(argv[3], NULL, 10), now;
    int stock = argc > 4 && !strcmp(argv[4], "stock");
    void *(*expected)(void);
    char *want;

    prefix = "child-same";
    if (!(mod = load(shared_dll))) return 1;
    result((ULONG_PTR)mod == addr, "%s mapped at the parent's address %p (got %p)", shared_dll,
           (void *)addr, mod);
    base = file_image_base(mod);
    expected = (void *)GetProcAddress(mod, "kw_expected");
    want = expected ? expected() : NULL;
    /* relocated again by this process: off by the delta once more */
    if (stock && want) want += (ULONG_PTR)mod - base;
    check_pointers(mod, shared_dll, want);
    now = shared_add(mod, 0);
    result(now == count, "the shared counter reads %ld, the parent left %ld", now, count);
    shared_add(mod, 1);
    return failed;
}

static int child_moved(int argc, char **argv)
{
    HMODULE mod;
    ULONG_PTR addr = strtoull(argv[2], NULL, 16);
    SIZE_T size = strtoull(argv[3], NULL, 10);
    void *hole;

    (void)argc;
    prefix = "child-moved";
    hole = VirtualAlloc((void *)addr, size, MEM_RESERVE, PAGE_NOACCESS);
    if (!result(hole == (void *)addr, "reserve %p-%p where the parent has %s (got %p, error %lu)",
                (void *)addr, (void *)(addr + size), noshare_dll, hole, hole ? 0 : GetLastError()))
        return failed;
    if (!(mod = load(noshare_dll))) return failed;
    result((ULONG_PTR)mod + size <= addr || (ULONG_PTR)mod >= addr + size,
           "%s mapped at %p, outside the reserved range", noshare_dll, mod);
    check_pointers(mod, noshare_dll, NULL);
    return failed;
}

/* run this program with the given arguments; returns its exit code */
static DWORD run_child(const char *args)
{
    char cmd[2 * MAX_PATH], self[MAX_PATH];
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    DWORD code = ~0u;

    GetModuleFileNameA(NULL, self, sizeof(self));
    snprintf(cmd, sizeof(cmd), "\"%s\" %s", self, args);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
    si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
    if (!CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi))
    {
        printf("# CreateProcess %s: error %lu\n", cmd, GetLastError());
        return code;
    }
    if (WaitForSingleObject(pi.hProcess, 120000) == WAIT_OBJECT_0) GetExitCodeProcess(pi.hProcess, &code);
    else printf("# %s did not exit within 120 s\n", cmd);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return code;
}

#ifdef _WIN64
/*
 * A DLL crafted to cost the server time: 95 shared writable sections and
 * a 16 MiB relocation directory of one block whose 8 million fixups all
 * land in the first of them.  Walking it to relocate the shared data for
 * a dynamic base would check each fixup against every shared section;
 * the server gives up past a fixed amount of that work, and the image
 * then gets no dynamic base: its view is at its preferred base.
 */
#define CRAFT_SHARED 95
#define CRAFT_BASE 0x6f0000000ull
#define CRAFT_RELOC_RVA (0x2000 + CRAFT_SHARED * 0x1000)
#define CRAFT_RELOC_SIZE (0x1000000 - 0x1000)

static void shared_reloc_budget(void)
{
    char dir[MAX_PATH], path[MAX_PATH];
    IMAGE_DOS_HEADER *dos;
    IMAGE_NT_HEADERS64 *nt;
    IMAGE_SECTION_HEADER *sec;
    IMAGE_BASE_RELOCATION *rel;
    HANDLE file, mapping;
    unsigned char *buf;
    WORD *entry;
    DWORD size = 0x2000 + CRAFT_RELOC_SIZE, written, i, count;
    void *view;
    BOOL ok;

    if (!(buf = calloc(1, size)))
    {
        result(0, "no memory for the crafted DLL");
        return;
    }
    dos = (IMAGE_DOS_HEADER *)buf;
    dos->e_magic = IMAGE_DOS_SIGNATURE;
    dos->e_lfanew = 0x40;
    nt = (IMAGE_NT_HEADERS64 *)(buf + 0x40);
    nt->Signature = IMAGE_NT_SIGNATURE;
    nt->FileHeader.Machine = IMAGE_FILE_MACHINE_AMD64;
    nt->FileHeader.NumberOfSections = CRAFT_SHARED + 1;
    nt->FileHeader.SizeOfOptionalHeader = sizeof(nt->OptionalHeader);
    nt->FileHeader.Characteristics = IMAGE_FILE_EXECUTABLE_IMAGE | IMAGE_FILE_LARGE_ADDRESS_AWARE | IMAGE_FILE_DLL;
    nt->OptionalHeader.Magic = IMAGE_NT_OPTIONAL_HDR64_MAGIC;
    nt->OptionalHeader.ImageBase = CRAFT_BASE;
    nt->OptionalHeader.SectionAlignment = 0x1000;
    nt->OptionalHeader.FileAlignment = 0x1000;
    nt->OptionalHeader.MajorOperatingSystemVersion = 6;
    nt->OptionalHeader.MajorSubsystemVersion = 6;
    nt->OptionalHeader.SizeOfImage = CRAFT_RELOC_RVA + CRAFT_RELOC_SIZE;
    nt->OptionalHeader.SizeOfHeaders = 0x2000;
    nt->OptionalHeader.Subsystem = IMAGE_SUBSYSTEM_WINDOWS_GUI;
    nt->OptionalHeader.DllCharacteristics = IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE | IMAGE_DLLCHARACTERISTICS_NX_COMPAT;
    nt->OptionalHeader.SizeOfStackReserve = nt->OptionalHeader.SizeOfHeapReserve = 0x100000;
    nt->OptionalHeader.SizeOfStackCommit = nt->OptionalHeader.SizeOfHeapCommit = 0x1000;
    nt->OptionalHeader.NumberOfRvaAndSizes = IMAGE_NUMBEROF_DIRECTORY_ENTRIES;
    nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_BASERELOC].VirtualAddress = CRAFT_RELOC_RVA;
    nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_BASERELOC].Size = CRAFT_RELOC_SIZE;
    sec = IMAGE_FIRST_SECTION(nt);
    for (i = 0; i < CRAFT_SHARED; i++)
    {
        snprintf((char *)sec[i].Name, sizeof(sec[i].Name), ".s%lu", i);
        sec[i].VirtualAddress = 0x2000 + i * 0x1000;
        sec[i].Misc.VirtualSize = 0x1000;
        sec[i].Characteristics = IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_SHARED |
                                 IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_WRITE;
    }
    memcpy(sec[i].Name, ".reloc", 6);
    sec[i].VirtualAddress = CRAFT_RELOC_RVA;
    sec[i].Misc.VirtualSize = sec[i].SizeOfRawData = CRAFT_RELOC_SIZE;
    sec[i].PointerToRawData = 0x2000;
    sec[i].Characteristics = IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_DISCARDABLE | IMAGE_SCN_MEM_READ;
    rel = (IMAGE_BASE_RELOCATION *)(buf + 0x2000);
    rel->VirtualAddress = 0x2000;
    rel->SizeOfBlock = CRAFT_RELOC_SIZE;
    entry = (WORD *)(rel + 1);
    count = (CRAFT_RELOC_SIZE - sizeof(*rel)) / sizeof(*entry);
    for (i = 0; i < count; i++) entry[i] = (IMAGE_REL_BASED_DIR64 << 12) | ((i * 8) & 0xff8);

    GetTempPathA(sizeof(dir), dir);
    GetTempFileNameA(dir, "kwr", 0, path);
    file = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, NULL, CREATE_ALWAYS, 0, NULL);
    ok = file != INVALID_HANDLE_VALUE && WriteFile(file, buf, size, &written, NULL) && written == size;
    free(buf);
    if (file != INVALID_HANDLE_VALUE) CloseHandle(file);
    file = CreateFileA(path, GENERIC_READ | GENERIC_EXECUTE, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    if (!result(ok && file != INVALID_HANDLE_VALUE, "crafted DLL written to %s", path)) goto done;
    mapping = CreateFileMappingA(file, NULL, PAGE_READONLY | SEC_IMAGE, 0, 0, NULL);
    if (!result(mapping != NULL, "image section of the crafted DLL (%lu)", GetLastError())) goto done;
    view = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0);
    result(view == (void *)CRAFT_BASE, "its shared relocations are not walked: mapped at %p, preferred base %p",
           view, (void *)CRAFT_BASE);
    if (view) UnmapViewOfFile(view);
    CloseHandle(mapping);
done:
    if (file != INVALID_HANDLE_VALUE) CloseHandle(file);
    DeleteFileA(path);
}
#endif

int main(int argc, char **argv)
{
    IMAGE_NT_HEADERS *nt;
    HMODULE shared, noshare;
    ULONG_PTR base;
    char args[128];
    int stock = argc > 1 && !strcmp(argv[1], "stock");
    void *(*expected)(void);
    LONG count;
    DWORD code;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc >= 4 && !strcmp(argv[1], "child-same")) return child_same(argc, argv);
    if (argc >= 4 && !strcmp(argv[1], "child-moved")) return child_moved(argc, argv);
    printf("TAP version 13\n");

    if (!(shared = load(shared_dll))) goto done;
    base = file_image_base(shared);
    result(base && base != (ULONG_PTR)shared, "%s is relocated: preferred base %p, mapped at %p",
           shared_dll, (void *)base, shared);
    expected = (void *)GetProcAddress(shared, "kw_expected");
    check_pointers(shared, shared_dll, expected ? expected() : NULL);

    count = shared_add(shared, 1);
    result(count > 0, "the shared counter counts (%ld)", count);
    snprintf(args, sizeof(args), "child-same %p %ld%s", shared, count, stock ? " stock" : "");
    code = run_child(args);
    result(code == 0, "a child maps %s at the same address, relocated right%s (%lu failed)", shared_dll,
           stock ? " but the shared section relocated twice" : ", the shared section once", code);
    result(shared_add(shared, 0) == count + 1, "the parent sees the child's write to the shared counter (%ld, %ld)",
           shared_add(shared, 0), count + 1);
    /* the same pages: under stock, the child's second relocation is the parent's too */
    check_pointers(shared, shared_dll, expected ? (char *)expected() + (stock ? (ULONG_PTR)shared - base : 0) : NULL);

    if (!(noshare = load(noshare_dll))) goto done;
    nt = (IMAGE_NT_HEADERS *)((char *)noshare + ((IMAGE_DOS_HEADER *)noshare)->e_lfanew);
    snprintf(args, sizeof(args), "child-moved %p %lu", noshare, (unsigned long)nt->OptionalHeader.SizeOfImage);
    code = run_child(args);
    result(code == 0, "a child maps %s at another address, relocated right (%lu failed)", noshare_dll, code);
    check_pointers(noshare, noshare_dll, NULL);

#ifdef _WIN64
    /* stock Wine relocates shared data in each process, not in the server */
    if (!stock) shared_reloc_budget();
#endif

done:
    printf("1..%d\n", tests);
    return failed ? 1 : 0;
}
