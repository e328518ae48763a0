/* evm_group_matches over the outputs of a batch call: each event's group,
 * each group's first event, the sets read back through them; refusals
 * (decreasing offsets, offsets beyond the ids, NULL arguments) that write
 * nothing. Exits non-zero on failure. */
#include "evmatch.h"

#include <stdio.h>
#include <string.h>

#include "check.h"
#define N 8

/* Rules "x" (index 0) and "y" (index 1). */
static evm_machine *build_machine(void) {
    return machine_from_rules("{\"x\": {\"x\": [1]}, \"y\": {\"y\": [\"z\"]}}");
}

/* Whether events i and j have the same rule indexes. */
static int same_set(const uint32_t *ids, const size_t *offsets, size_t i, size_t j) {
    size_t n = offsets[i + 1] - offsets[i];
    return n == offsets[j + 1] - offsets[j] &&
           (n == 0 || memcmp(ids + offsets[i], ids + offsets[j], n * sizeof *ids) == 0);
}

static void test_lines_groups(evm_machine *m) {
    /* Matches: {x}, error, {x, y}, {}, {x}, {y}, {x, y}, {}. */
    const char *data = "{\"x\": 1}\nnope\n{\"x\": 1, \"y\": \"z\"}\n{}\n{\"x\": 1}\n"
                       "{\"y\": \"z\"}\n{\"y\": \"z\", \"x\": 1}\n{\"x\": 2}\n";
    const uint32_t want_group[N] = {0, 1, 2, 1, 0, 3, 2, 1};
    const size_t want_first[4] = {0, 1, 2, 5};
    evm_scratch *s = NULL;
    uint32_t ids[16];
    size_t offsets[N + 1];
    int32_t status[N];
    size_t n_events = 0, needed = 0;
    uint32_t group[N];
    size_t first[N];
    size_t n_groups = 0, i;

    CHECK(evm_scratch_new(m, &s) == EVM_OK);
    CHECK(evm_match_lines(m, s, S(data), ids, 16, offsets, status, NULL, N, &n_events,
                          &needed) == EVM_OK);
    CHECK(n_events == N && needed == 7);
    CHECK(evm_group_matches(ids, needed, offsets, N, group, first, &n_groups) == EVM_OK);
    CHECK(n_groups == 4);
    for (i = 0; i < N; i++) {
        CHECK(group[i] == want_group[i]);
        CHECK(same_set(ids, offsets, i, first[group[i]]));
    }
    for (i = 0; i < 4; i++) CHECK(first[i] == want_first[i]);
    evm_scratch_free(s);
}

static void test_refusals(void) {
    const uint32_t ids[3] = {0, 1, 1};
    const size_t decreasing[3] = {0, 2, 1};
    const size_t beyond[2] = {0, 4};
    const size_t ok[3] = {1, 2, 3};
    uint32_t group[2] = {7, 7};
    size_t first[2] = {7, 7};
    size_t n_groups = 7;

    CHECK(evm_group_matches(ids, 3, decreasing, 2, group, first, &n_groups) ==
          EVM_INVALID_ARGUMENT);
    CHECK(evm_group_matches(ids, 3, beyond, 1, group, first, &n_groups) == EVM_INVALID_ARGUMENT);
    CHECK(evm_group_matches(ids, 3, ok, 2, group, first, NULL) == EVM_NULL_ARGUMENT);
    CHECK(evm_group_matches(ids, 3, NULL, 2, group, first, &n_groups) == EVM_NULL_ARGUMENT);
    CHECK(evm_group_matches(NULL, 3, ok, 2, group, first, &n_groups) == EVM_NULL_ARGUMENT);
    CHECK(evm_group_matches(ids, 3, ok, 2, NULL, first, &n_groups) == EVM_NULL_ARGUMENT);
    CHECK(evm_group_matches(ids, 3, ok, 2, group, NULL, &n_groups) == EVM_NULL_ARGUMENT);
    CHECK(group[0] == 7 && group[1] == 7 && first[0] == 7 && first[1] == 7 && n_groups == 7);

    /* Offsets from 1 (a slice): {1} twice. No events: no groups. */
    CHECK(evm_group_matches(ids, 3, ok, 2, group, first, &n_groups) == EVM_OK);
    CHECK(n_groups == 1 && group[0] == 0 && group[1] == 0 && first[0] == 0);
    CHECK(evm_group_matches(NULL, 0, NULL, 0, NULL, NULL, &n_groups) == EVM_OK);
    CHECK(n_groups == 0);
}

int main(void) {
    evm_machine *m = build_machine();
    test_lines_groups(m);
    test_refusals();
    evm_machine_free(m);
    if (failures != 0) {
        fprintf(stderr, "test_group: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_group: ok\n");
    return 0;
}
