// SPDX-License-Identifier: GPL-2.0
/*
 * kwine: the native counterparts of selftests/wine/nt-call-cost.c, in the
 * same guest: clock_gettime(CLOCK_MONOTONIC) (vDSO), sched_yield(), and
 * NTSYNC_IOC_EVENT_SET + NTSYNC_IOC_EVENT_RESET on an ntsync event nobody
 * waits on; and on x86_64 the fxsave64 instruction, with which Wine's
 * system call dispatcher saves the FPU state on every NT call (its cost
 * depends on the CPU, or on the emulator: QEMU's TCG runs it as a helper
 * that stores the state piece by piece).  Not a test: prints "# cost: NAME
 * N ns per call" lines, and the fxsave64 figure as "# result:
 * fxsave64_ns=N" for scripts/guest/wine-sync-bench.
 *
 *   native-call-cost [CALLS]
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/ntsync.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#ifdef __x86_64__
/* what Wine's dispatcher saves to: 512 bytes, 16-byte aligned */
static unsigned char fxsave_area[512] __attribute__((aligned(64)));

static void time_fxsave(long calls)
{
	long long t0 = now_ns();
	double cost;
	long i;

	for (i = 0; i < calls; i++)
		asm volatile("fxsave64 %0" : "=m" (fxsave_area) : : "memory");
	cost = (double)(now_ns() - t0) / calls;
	printf("# cost: fxsave64 %.0f ns per instruction\n", cost);
	printf("# result: fxsave64_ns=%.0f\n", cost);
}
#else
static void time_fxsave(long calls)
{
	(void)calls;  /* no fxsave64 here */
}
#endif

int main(int argc, char **argv)
{
	long calls = argc > 1 ? strtol(argv[1], NULL, 0) : 200000, i;
	struct ntsync_event_args args = { .manual = 1, .signaled = 0 };
	struct timespec ts;
	long long t0;
	int dev, ev;
	__u32 prev;

	dev = open("/dev/ntsync", O_RDWR | O_CLOEXEC);
	ev = dev < 0 ? -1 : ioctl(dev, NTSYNC_IOC_CREATE_EVENT, &args);
	if (calls <= 0 || ev < 0) {
		printf("# cannot set up: /dev/ntsync %d, event %d\n", dev, ev);
		return 1;
	}
	t0 = now_ns();
	for (i = 0; i < calls; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("# cost: clock_gettime %.0f ns per call\n", (double)(now_ns() - t0) / calls);
	t0 = now_ns();
	for (i = 0; i < calls; i++)
		sched_yield();
	printf("# cost: sched_yield %.0f ns per call\n", (double)(now_ns() - t0) / calls);
	t0 = now_ns();
	for (i = 0; i < calls; i++) {
		ioctl(ev, NTSYNC_IOC_EVENT_SET, &prev);
		ioctl(ev, NTSYNC_IOC_EVENT_RESET, &prev);
	}
	printf("# cost: EVENT_SET+EVENT_RESET ioctls %.0f ns per pair\n",
	       (double)(now_ns() - t0) / calls);
	time_fxsave(calls);
	close(ev);
	close(dev);
	return 0;
}
