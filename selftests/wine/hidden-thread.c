/*
 * A Windows process that wineserver cannot kill with signals alone
 * (scripts/guest/server-kill-hidden drives it).
 *
 * It starts a Unix thread with the raw clone system call, so that Wine
 * knows nothing of it, with every signal blocked, waiting in pause() for
 * ever; prints "ready PID TID" (its Unix process id and that thread's
 * id); then ends its main thread with the raw exit system call, which
 * ends that thread alone.  What is left is what a Wine process looked
 * like in the guest after it outlived "wineserver -k": its thread-group
 * leader a zombie, one thread the server never signalled still in the
 * kernel.  When the server kills it, SIGQUIT reaches no thread that
 * would take it, and only the SIGKILL the server sends after it (about
 * 0.5 s later) ends it.
 *
 * x86_64 Linux only: Wine runs a Windows program's system call
 * instructions on the host kernel as they are.
 *
 * Copyright 2026 the kwine developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <stdio.h>
#include <windows.h>

/* x86_64 Linux system call numbers and flags */
#define LINUX_RT_SIGPROCMASK 14
#define LINUX_PAUSE          34
#define LINUX_CLONE          56
#define LINUX_EXIT           60
#define LINUX_GETPID         39
#define LINUX_SIG_SETMASK    2
#define LINUX_CLONE_THREAD_FLAGS (0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000)
    /* CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM */

/* Windows' long is 32 bits: Linux's arguments are 64 */
typedef long long sysarg;

static sysarg linux_syscall4(sysarg nr, sysarg a1, sysarg a2, sysarg a3, sysarg a4)
{
    register sysarg r10 __asm__("r10") = a4;
    sysarg ret;

    __asm__ volatile ("syscall"
                      : "=a"(ret)
                      : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10)
                      : "rcx", "r11", "memory");
    return ret;
}

/* the new thread's stack: it only makes system calls, so a small one */
static unsigned char hidden_stack[16384] __attribute__((aligned(16)));

/* clone a thread that pauses for ever; returns its Unix thread id, or a
 * negative errno.  The child never returns from the asm statement. */
static sysarg start_hidden_thread(void)
{
    register sysarg r10 __asm__("r10") = 0;  /* no child tid pointer */
    register sysarg r8 __asm__("r8") = 0;    /* no new TLS */
    sysarg ret;

    __asm__ volatile ("syscall\n\t"
                      "test %%rax, %%rax\n\t"
                      "jnz 1f\n"
                      "2:\n\t"
                      "mov %[pause], %%eax\n\t"
                      "syscall\n\t"
                      "jmp 2b\n"
                      "1:"
                      : "=a"(ret)
                      : "a"((sysarg)LINUX_CLONE), "D"((sysarg)LINUX_CLONE_THREAD_FLAGS),
                        "S"(hidden_stack + sizeof(hidden_stack)), "d"(0LL), "r"(r10), "r"(r8),
                        [pause] "i"(LINUX_PAUSE)
                      : "rcx", "r11", "memory");
    return ret;
}

int main(void)
{
    unsigned long long all = ~0ull, old;
    sysarg tid, ret;

    setvbuf(stdout, NULL, _IONBF, 0);
    /* the thread starts with the signal mask of the one that clones it:
     * block everything around the clone, so that no signal of Wine's (whose
     * handlers expect a Wine thread) is ever run on it */
    ret = linux_syscall4(LINUX_RT_SIGPROCMASK, LINUX_SIG_SETMASK, (sysarg)&all, (sysarg)&old, 8);
    if (ret)
    {
        printf("rt_sigprocmask failed: %lld\n", ret);
        return 1;
    }
    tid = start_hidden_thread();
    linux_syscall4(LINUX_RT_SIGPROCMASK, LINUX_SIG_SETMASK, (sysarg)&old, 0, 8);
    if (tid < 0)
    {
        printf("clone failed: %lld\n", tid);
        return 1;
    }
    printf("ready %lld %lld\n", linux_syscall4(LINUX_GETPID, 0, 0, 0, 0), tid);
    /* end this thread alone, without telling Wine */
    linux_syscall4(LINUX_EXIT, 0, 0, 0, 0);
    return 1;
}
