/*
 * kwine benchmark DLL: a large native DLL as many Windows programs ship,
 * 32 MiB of code with a base relocation every 64 bytes, linked with
 * mingw's default FileAlignment of 0x200 (sections not page-aligned in
 * the file, so Wine cannot mmap them and reads them in) and
 * DYNAMIC_BASE.  Built as image-big.dll by stage-guest.sh; loaded by
 * process-start.exe and image-probe.exe for scripts/guest/image-big-bench
 * and image-mem-bench.  Its code is never run.
 *
 * Copyright 2026 the kwine developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <windows.h>

int kw_big_target;

/* 524288 blocks of 64 bytes: a movabs of an address, then padding */
__asm__(".text\n"
        ".p2align 6\n"
        ".globl kw_big_code\n"
        "kw_big_code:\n"
        ".rept 524288\n"
        "\tmovabsq $kw_big_target, %rax\n"
        "\t.fill 54, 1, 0x90\n"
        ".endr\n");

__declspec(dllexport) int kw_big_value(void)
{
    return kw_big_target;
}
