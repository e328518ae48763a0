/* The zero-copy batch calls: evm_match_batch_offsets32 / 64 (one buffer and
 * Arrow offsets, with and without a validity bitmap) and evm_match_lines
 * (a JSON Lines buffer). Invalid events and null rows in the middle of a
 * batch, bad offsets refused before anything is written, buffers too
 * small, NULL arguments. Exits non-zero on failure. */
#include "evmatch.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

/* Rules "x" (index 0) and "y" (index 1). */
static evm_machine *build_machine(void) {
    return machine_from_rules("{\"x\": {\"x\": [1]}, \"y\": {\"y\": [\"z\"]}}");
}

/* Four events and one null row, as a slice of a larger Arrow array: the
 * values start at byte 3 and the rows at array offset 2. */
static const char DATA[] = "xx {\"x\": 1}nope{\"x\": 1, \"y\": \"z\"}{\"y\": \"z\"}";
#define N_ROWS 5

static void check_rows(evm_status st, const size_t *offsets, const uint32_t *ids,
                       const int32_t *status, size_t needed, int with_nulls) {
    CHECK(st == EVM_OK);
    CHECK(needed == (with_nulls ? 3u : 4u));
    CHECK(status[0] == EVM_OK && status[1] == EVM_EVENT_ERROR && status[2] == EVM_OK);
    CHECK(status[3] == (with_nulls ? EVM_NULL_EVENT : EVM_OK));
    CHECK(status[4] == EVM_EVENT_ERROR); /* the empty event */
    CHECK(offsets[0] == 0 && offsets[1] == 1 && offsets[2] == 1 && offsets[3] == 3);
    CHECK(offsets[4] == (with_nulls ? 3u : 4u) && offsets[5] == offsets[4]);
    CHECK(ids[0] == 0 && ids[1] == 0 && ids[2] == 1);
    if (!with_nulls) CHECK(ids[3] == 1);
}

static void test_offsets(evm_machine *m) {
    evm_scratch *s = NULL;
    const int32_t off32[N_ROWS + 1] = {3, 11, 15, 33, 43, 43};
    const int64_t off64[N_ROWS + 1] = {3, 11, 15, 33, 43, 43};
    /* Bits 2..6 for rows 0..4: row 3 (bit 5) is null. */
    const uint8_t validity[1] = {0x5c};
    uint32_t ids[8];
    size_t offsets[N_ROWS + 1];
    int32_t status[N_ROWS];
    size_t needed = 0;
    size_t len = strlen(DATA);

    CHECK(evm_scratch_new(m, &s) == EVM_OK);
    CHECK(evm_match_batch_offsets32(m, s, (const uint8_t *)DATA, len, off32, N_ROWS, validity, 2,
                                    ids, 8, offsets, status, &needed) == EVM_OK);
    check_rows(EVM_OK, offsets, ids, status, needed, 1);
    CHECK(evm_match_batch_offsets64(m, s, (const uint8_t *)DATA, len, off64, N_ROWS, validity, 2,
                                    ids, 8, offsets, status, &needed) == EVM_OK);
    check_rows(EVM_OK, offsets, ids, status, needed, 1);
    /* No bitmap: every row valid. */
    CHECK(evm_match_batch_offsets32(m, s, (const uint8_t *)DATA, len, off32, N_ROWS, NULL, 0,
                                    ids, 8, offsets, status, &needed) == EVM_OK);
    check_rows(EVM_OK, offsets, ids, status, needed, 0);
    CHECK(evm_match_batch_offsets64(m, s, (const uint8_t *)DATA, len, off64, N_ROWS, NULL, 0,
                                    ids, 8, offsets, NULL, &needed) == EVM_OK);
    CHECK(needed == 4 && offsets[N_ROWS] == 4);

    /* Too small: the total, nothing else. */
    memset(offsets, 0xff, sizeof offsets);
    status[0] = 77;
    CHECK(evm_match_batch_offsets32(m, s, (const uint8_t *)DATA, len, off32, N_ROWS, NULL, 0,
                                    ids, 3, offsets, status, &needed) == EVM_BUFFER_TOO_SMALL);
    CHECK(needed == 4 && offsets[0] == (size_t)-1 && status[0] == 77);

    /* No rows: the offsets are not read (and may be NULL); the data may be
     * NULL too. */
    CHECK(evm_match_batch_offsets64(m, s, NULL, 0, NULL, 0, NULL, 0, NULL, 0, offsets, NULL,
                                    &needed) == EVM_OK);
    CHECK(offsets[0] == 0 && needed == 0);
    {
        const int32_t beyond_but_unread[1] = {1000};
        CHECK(evm_match_batch_offsets32(m, s, (const uint8_t *)DATA, len, beyond_but_unread, 0,
                                        NULL, 0, NULL, 0, offsets, NULL, &needed) == EVM_OK);
    }

    /* Bad offsets are refused before anything is matched or written. */
    {
        const int32_t decreasing[3] = {3, 11, 10};
        const int32_t negative[2] = {-1, 11};
        const int64_t beyond[2] = {3, 1000};
        const int64_t huge[2] = {0, INT64_MAX};
        memset(offsets, 0xff, sizeof offsets);
        needed = 42;
        CHECK(evm_match_batch_offsets32(m, s, (const uint8_t *)DATA, len, decreasing, 2, NULL, 0,
                                        ids, 8, offsets, status, &needed) ==
              EVM_INVALID_ARGUMENT);
        CHECK(evm_match_batch_offsets32(m, s, (const uint8_t *)DATA, len, negative, 1, NULL, 0,
                                        ids, 8, offsets, status, &needed) ==
              EVM_INVALID_ARGUMENT);
        CHECK(evm_match_batch_offsets64(m, s, (const uint8_t *)DATA, len, beyond, 1, NULL, 0,
                                        ids, 8, offsets, status, &needed) ==
              EVM_INVALID_ARGUMENT);
        CHECK(evm_match_batch_offsets64(m, s, (const uint8_t *)DATA, len, huge, 1, NULL, 0, ids,
                                        8, offsets, status, &needed) == EVM_INVALID_ARGUMENT);
        /* A bit offset that overflows. */
        CHECK(evm_match_batch_offsets32(m, s, (const uint8_t *)DATA, len, off32, N_ROWS,
                                        validity, (size_t)-1, ids, 8, offsets, status,
                                        &needed) == EVM_INVALID_ARGUMENT);
        /* A count whose offsets cannot fit in memory. */
        CHECK(evm_match_batch_offsets64(m, s, (const uint8_t *)DATA, len, off64, (size_t)-1,
                                        NULL, 0, ids, 8, offsets, status,
                                        &needed) == EVM_INVALID_ARGUMENT);
        /* NULL buffers with sizes, and NULL handles or outputs. */
        CHECK(evm_match_batch_offsets32(m, s, NULL, len, off32, N_ROWS, NULL, 0, ids, 8, offsets,
                                        status, &needed) == EVM_NULL_ARGUMENT);
        CHECK(evm_match_batch_offsets32(m, s, (const uint8_t *)DATA, len, NULL, N_ROWS, NULL, 0,
                                        ids, 8, offsets, status, &needed) == EVM_NULL_ARGUMENT);
        CHECK(evm_match_batch_offsets32(NULL, s, (const uint8_t *)DATA, len, off32, N_ROWS, NULL,
                                        0, ids, 8, offsets, status, &needed) ==
              EVM_NULL_ARGUMENT);
        CHECK(evm_match_batch_offsets32(m, NULL, (const uint8_t *)DATA, len, off32, N_ROWS, NULL,
                                        0, ids, 8, offsets, status, &needed) ==
              EVM_NULL_ARGUMENT);
        CHECK(evm_match_batch_offsets32(m, s, (const uint8_t *)DATA, len, off32, N_ROWS, NULL, 0,
                                        NULL, 8, offsets, status, &needed) == EVM_NULL_ARGUMENT);
        CHECK(evm_match_batch_offsets32(m, s, (const uint8_t *)DATA, len, off32, N_ROWS, NULL, 0,
                                        ids, 8, NULL, status, &needed) == EVM_NULL_ARGUMENT);
        CHECK(evm_match_batch_offsets32(m, s, (const uint8_t *)DATA, len, off32, N_ROWS, NULL, 0,
                                        ids, 8, offsets, status, NULL) == EVM_NULL_ARGUMENT);
        CHECK(needed == 42 && offsets[0] == (size_t)-1);
    }
    evm_scratch_free(s);
}

static void test_lines(evm_machine *m) {
    evm_scratch *s = NULL;
    /* Blank lines, CRLF, an invalid event in the middle, no final \n. */
    const char *data = "{\"x\": 1}\r\n\n  \t\nnope\n{\"x\": 1, \"y\": \"z\"}\n{\"y\": \"z\"}";
    size_t len = strlen(data);
    size_t newlines = 0, i;
    uint32_t ids[8];
    size_t offsets[8];
    int32_t status[7];
    evm_line_span spans[7];
    size_t n_events = 0, needed = 0;

    for (i = 0; i < len; i++) newlines += data[i] == '\n';
    CHECK(newlines + 1 <= 7); /* the documented bound on the event count */
    CHECK(evm_scratch_new(m, &s) == EVM_OK);
    CHECK(evm_match_lines(m, s, (const uint8_t *)data, len, ids, 8, offsets, status, spans,
                          newlines + 1, &n_events, &needed) == EVM_OK);
    CHECK(n_events == 4 && needed == 4);
    CHECK(status[0] == EVM_OK && status[1] == EVM_EVENT_ERROR && status[2] == EVM_OK &&
          status[3] == EVM_OK);
    CHECK(offsets[0] == 0 && offsets[1] == 1 && offsets[2] == 1 && offsets[3] == 3 &&
          offsets[4] == 4);
    CHECK(ids[0] == 0 && ids[1] == 0 && ids[2] == 1 && ids[3] == 1);
    CHECK(spans[0].line == 1 && spans[0].start == 0 && spans[0].end == 8);
    CHECK(spans[1].line == 4 && memcmp(data + spans[1].start, "nope", 4) == 0 &&
          spans[1].end - spans[1].start == 4);
    CHECK(spans[2].line == 5 && spans[3].line == 6 && spans[3].end == len);

    /* Too few event slots, or too few id slots: both counts, nothing else. */
    memset(offsets, 0xff, sizeof offsets);
    n_events = needed = 0;
    CHECK(evm_match_lines(m, s, (const uint8_t *)data, len, ids, 8, offsets, status, spans, 3,
                          &n_events, &needed) == EVM_BUFFER_TOO_SMALL);
    CHECK(n_events == 4 && needed == 4 && offsets[0] == (size_t)-1);
    CHECK(evm_match_lines(m, s, (const uint8_t *)data, len, NULL, 0, offsets, NULL, NULL, 0,
                          &n_events, &needed) == EVM_BUFFER_TOO_SMALL);
    CHECK(n_events == 4 && needed == 4 && offsets[0] == (size_t)-1);

    /* Empty buffers; NULL is an empty buffer. */
    CHECK(evm_match_lines(m, s, S("\n \r\n"), NULL, 0, offsets, NULL, NULL, 0, &n_events,
                          &needed) == EVM_OK);
    CHECK(n_events == 0 && needed == 0 && offsets[0] == 0);
    CHECK(evm_match_lines(m, s, NULL, 0, NULL, 0, offsets, NULL, NULL, 0, &n_events, &needed) ==
          EVM_OK);

    /* NULL arguments. */
    CHECK(evm_match_lines(m, s, NULL, 1, ids, 8, offsets, status, spans, 7, &n_events,
                          &needed) == EVM_NULL_ARGUMENT);
    CHECK(evm_match_lines(m, s, (const uint8_t *)data, len, ids, 8, offsets, status, spans, 7,
                          NULL, &needed) == EVM_NULL_ARGUMENT);
    CHECK(evm_match_lines(m, s, (const uint8_t *)data, len, ids, 8, offsets, status, spans, 7,
                          &n_events, NULL) == EVM_NULL_ARGUMENT);
    CHECK(evm_match_lines(m, s, (const uint8_t *)data, len, ids, 8, NULL, status, spans, 7,
                          &n_events, &needed) == EVM_NULL_ARGUMENT);
    CHECK(evm_match_lines(m, NULL, (const uint8_t *)data, len, ids, 8, offsets, status, spans, 7,
                          &n_events, &needed) == EVM_NULL_ARGUMENT);
    evm_scratch_free(s);
}

int main(void) {
    evm_machine *m = build_machine();
    test_offsets(m);
    test_lines(m);
    evm_machine_free(m);
    if (failures != 0) {
        fprintf(stderr, "test_batches: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_batches: ok\n");
    return 0;
}
