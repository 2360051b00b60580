/*
 * How kwine's Win32 tests check: check(COND, FORMAT, ...) prints the
 * failed condition, where it is and why, and counts it against the case
 * that runs; the test counts a case with any failed check as failed.
 *
 * Copyright 2026 the kwine developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef KWINE_TAP_CHECK_H
#define KWINE_TAP_CHECK_H

#include <stdio.h>

/* failed cases, and failed checks in the case that runs */
static int failures, checks_failed_in_case;

#define check(cond, ...) do { \
    if (!(cond)) { \
        printf("# %s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
        printf(__VA_ARGS__); \
        printf("\n"); \
        checks_failed_in_case++; \
    } \
} while (0)

/* a case: its name in the TAP output and the function that runs it */
struct tap_case
{
    const char *name;
    void (*func)(void);
};

/* runs the N cases in order and prints TAP and the totals; returns the
 * exit status: 1 if any case failed */
static inline int run_tap_cases(const struct tap_case *cases, unsigned int n)
{
    unsigned int i;

    setvbuf(stdout, NULL, _IONBF, 0);
    printf("TAP version 13\n1..%u\n", n);
    for (i = 0; i < n; i++)
    {
        checks_failed_in_case = 0;
        cases[i].func();
        if (checks_failed_in_case) failures++;
        printf("%sok %u %s\n", checks_failed_in_case ? "not " : "", i + 1, cases[i].name);
    }
    printf("# %u passed, %d failed\n", n - failures, failures);
    return failures ? 1 : 0;
}

#endif
