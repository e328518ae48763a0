/* What every C test shares: a failure count and CHECK, which reports a
 * failed condition with its place and goes on, so that one run lists every
 * failure; S(str) passes a string literal as (bytes, length);
 * machine_from_rules builds a machine from a rules file's text. Each test's
 * main returns non-zero when `failures` is not 0. */
#ifndef EVMATCH_TEST_CHECK_H
#define EVMATCH_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

#include "evmatch.h"

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

/* A machine of the rules in a rules file's text (checked). */
static inline evm_machine *machine_from_rules(const char *rules_json) {
    evm_builder *b = NULL;
    evm_machine *m = NULL;
    CHECK(evm_builder_new(&b) == EVM_OK);
    CHECK(evm_builder_add_rules_json(b, S(rules_json), NULL) == EVM_OK);
    CHECK(evm_builder_build(b, &m) == EVM_OK);
    return m;
}

#endif
