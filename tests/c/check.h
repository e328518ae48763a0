/* What every C test shares: a failure count and CHECK, which reports a
 * failed condition with its place and goes on, so that one run lists every
 * failure; S(str) passes a string literal as (bytes, length). Each test's
 * main returns non-zero when `failures` is not 0. */
#ifndef EVMATCH_TEST_CHECK_H
#define EVMATCH_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond)                                                         \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                 \
            failures++;                                                     \
        }                                                                   \
    } while (0)

#define S(str) (const uint8_t *)(str), strlen(str)

#endif
