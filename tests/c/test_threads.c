/* One machine shared by 4 threads, each with its own scratch, matching
 * concurrently with evm_match, evm_match_cb and evm_match_batch; then a
 * deliberate misuse (one scratch shared by all threads), which must give
 * EVM_OK or EVM_INVALID_ARGUMENT, never wrong results or a crash.
 * Exits non-zero on failure. */
#define _POSIX_C_SOURCE 200809L
#include "evmatch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define ROUNDS 2000
#define NEVENTS 4

static evm_machine *machine;
static evm_scratch *shared_scratch;

static const char *events[NEVENTS] = {
    "{\"source\": \"aws.ec2\", \"detail\": {\"state\": \"stopped\"}}",
    "{\"source\": \"aws.s3\", \"detail\": {\"size\": 4096}}",
    "{\"detail\": {\"state\": \"running\", \"size\": 1}}",
    "{\"source\": \"aws.ec2\", \"detail\": {\"size\": 2000000}}",
};
/* Expected rule indexes per event; -1 ends a list. */
static const int expected[NEVENTS][4] = {
    {0, 1, -1, -1},
    {2, -1, -1, -1},
    {-1, -1, -1, -1},
    {0, 2, 3, -1},
};

static int same(const uint32_t *ids, size_t n, int e) {
    size_t i;
    for (i = 0; i < n; i++)
        if (expected[e][i] != (int)ids[i]) return 0;
    return expected[e][n] == -1;
}

struct cb_state {
    uint32_t ids[8];
    size_t n;
};

static int cb(void *ctx, uint32_t rule_index) {
    struct cb_state *st = (struct cb_state *)ctx;
    if (st->n < 8) st->ids[st->n++] = rule_index;
    return 0;
}

static void *worker(void *arg) {
    long failures = 0;
    int r, e;
    evm_scratch *s = NULL;
    const uint8_t *ptrs[NEVENTS];
    size_t lens[NEVENTS];
    (void)arg;

    if (evm_scratch_new(machine, &s) != EVM_OK) return (void *)1;
    for (e = 0; e < NEVENTS; e++) {
        ptrs[e] = (const uint8_t *)events[e];
        lens[e] = strlen(events[e]);
    }
    for (r = 0; r < ROUNDS; r++) {
        uint32_t ids[8];
        size_t n = 0;
        struct cb_state st;
        size_t offsets[NEVENTS + 1], needed = 0;
        int32_t status[NEVENTS];

        e = r % NEVENTS;
        if (evm_match(machine, s, ptrs[e], lens[e], ids, 8, &n, NULL) != EVM_OK ||
            !same(ids, n, e))
            failures++;

        st.n = 0;
        if (evm_match_cb(machine, s, ptrs[e], lens[e], cb, &st, NULL) != EVM_OK ||
            !same(st.ids, st.n, e))
            failures++;

        if (r % 16 == 0) {
            uint32_t bids[32];
            if (evm_match_batch(machine, s, ptrs, lens, NEVENTS, bids, 32, offsets, status,
                                &needed) != EVM_OK)
                failures++;
            else
                for (e = 0; e < NEVENTS; e++)
                    if (status[e] != EVM_OK ||
                        !same(bids + offsets[e], offsets[e + 1] - offsets[e], e))
                        failures++;
        }
    }
    evm_scratch_free(s);
    return (void *)failures;
}

/* Misuse: every thread uses the same scratch. Each call must either work
 * correctly or be refused with EVM_INVALID_ARGUMENT. */
static void *misuser(void *arg) {
    long failures = 0;
    int r;
    (void)arg;
    for (r = 0; r < ROUNDS; r++) {
        uint32_t ids[8];
        size_t n = 0;
        int e = r % NEVENTS;
        evm_status st = evm_match(machine, shared_scratch, (const uint8_t *)events[e],
                                  strlen(events[e]), ids, 8, &n, NULL);
        if (st == EVM_OK) {
            if (!same(ids, n, e)) failures++;
        } else if (st != EVM_INVALID_ARGUMENT) {
            failures++;
        }
    }
    return (void *)failures;
}

static int run(void *(*fn)(void *), const char *what) {
    pthread_t t[THREADS];
    long total = 0;
    int i;
    for (i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], NULL, fn, NULL) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 1;
        }
    for (i = 0; i < THREADS; i++) {
        void *ret = NULL;
        pthread_join(t[i], &ret);
        total += (long)ret;
    }
    if (total != 0) {
        fprintf(stderr, "test_threads: %s: %ld failure(s)\n", what, total);
        return 1;
    }
    return 0;
}

static void add(evm_builder *b, const char *name, const char *pattern) {
    if (evm_builder_add_rule(b, (const uint8_t *)name, strlen(name), (const uint8_t *)pattern,
                             strlen(pattern), NULL) != EVM_OK) {
        fprintf(stderr, "add_rule %s failed\n", name);
        exit(1);
    }
}

int main(void) {
    evm_builder *b = NULL;
    int failed = 0;
    if (evm_builder_new(&b) != EVM_OK) return 1;
    add(b, "ec2", "{\"source\": [\"aws.ec2\"]}");
    add(b, "stopped", "{\"detail\": {\"state\": [\"stopped\"]}}");
    add(b, "big", "{\"detail\": {\"size\": [{\"numeric\": [\">\", 1024]}]}}");
    add(b, "huge", "{\"detail\": {\"size\": [{\"numeric\": [\">=\", 1e6]}]}}");
    if (evm_builder_build(b, &machine) != EVM_OK) return 1;

    failed |= run(worker, "one scratch per thread");

    if (evm_scratch_new(machine, &shared_scratch) != EVM_OK) return 1;
    failed |= run(misuser, "shared scratch misuse");
    evm_scratch_free(shared_scratch);

    evm_machine_free(machine);
    if (failed) return 1;
    printf("test_threads: ok\n");
    return 0;
}
