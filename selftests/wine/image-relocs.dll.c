/*
 * kwine test DLL for image-relocs.exe: one pointer that needs a base
 * relocation in each kind of section (code, read-only data, writable data,
 * a shared writable section), and a counter in the shared section.
 * Built for x86_64 and i386 as image-relocs.dll, and without the shared section (KW_NO_SHARED)
 * as image-relocs-noshare.dll.
 *
 * Copyright 2026 the kwine developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <windows.h>

/* what every pointer points at */
int kw_target = 1;

/* in the code section, where the compiler would not put data; C names
 * have a leading underscore in i386 assembly, not in x86_64 */
#define KW_STR2(x) #x
#define KW_STR(x) KW_STR2(x)
#define KW_ASM_NAME(name) KW_STR(__USER_LABEL_PREFIX__) #name
#ifdef _WIN64
#define KW_ASM_PTR ".quad "
#else
#define KW_ASM_PTR ".long "
#endif
__asm__(".text\n"
        ".p2align 3\n"
        ".globl " KW_ASM_NAME(kw_text_ptr) "\n"
        KW_ASM_NAME(kw_text_ptr) ":\n"
        "\t" KW_ASM_PTR KW_ASM_NAME(kw_target) "\n");
extern void *const kw_text_ptr;
void *const kw_rdata_ptr = &kw_target;
void *kw_data_ptr = &kw_target;
#ifndef KW_NO_SHARED
void *kw_shared_ptr __attribute__((section(".kwshare"), shared)) = &kw_target;
LONG kw_shared_count __attribute__((section(".kwshare"), shared)) = 0;
#endif

/* the target's address, computed relative to the code (no relocation) */
__declspec(dllexport) void *kw_expected(void)
{
    return &kw_target;
}

/* read a pointer from the image, never from what the compiler knows of it */
#define IMAGE_VALUE(p) (*(void *const volatile *)&(p))

/* the pointers as the image holds them: code, read-only, writable, shared */
__declspec(dllexport) void kw_pointers(void *ptrs[4])
{
    ptrs[0] = IMAGE_VALUE(kw_text_ptr);
    ptrs[1] = IMAGE_VALUE(kw_rdata_ptr);
    ptrs[2] = IMAGE_VALUE(kw_data_ptr);
#ifndef KW_NO_SHARED
    ptrs[3] = IMAGE_VALUE(kw_shared_ptr);
#else
    ptrs[3] = NULL;
#endif
}

#ifndef KW_NO_SHARED
/* add to the counter every process that maps the DLL shares; returns the sum */
__declspec(dllexport) LONG kw_shared_add(LONG n)
{
    return InterlockedAdd(&kw_shared_count, n);
}
#endif
