/* Exercises every function of include/evmatch.h and every error path:
 * NULL pointers, bad UTF-8 names, invalid patterns, invalid events, buffers
 * that are too small, scratch misuse, free(NULL). Exits non-zero on failure. */
#include "evmatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "check.h"

static evm_error *const SENTINEL_ERR = (evm_error *)(uintptr_t)0x1;

static evm_status add(evm_builder *b, const char *name, const char *pattern) {
    return evm_builder_add_rule(b, S(name), S(pattern), NULL);
}

static void test_version(void) {
    const char *v = evm_version();
    CHECK(v != NULL);
    CHECK(strlen(v) >= 5);
    CHECK(strchr(v, '.') != NULL);
}

static void test_builder_errors(void) {
    evm_builder *b = NULL;
    evm_error *err = SENTINEL_ERR;
    const uint8_t bad_utf8[] = {'r', 0xff, 0xfe};

    CHECK(evm_builder_new(NULL) == EVM_NULL_ARGUMENT);
    CHECK(evm_builder_new(&b) == EVM_OK);
    CHECK(b != NULL);

    /* NULL pointers: EVM_NULL_ARGUMENT, err_out untouched. */
    CHECK(evm_builder_add_rule(NULL, S("r"), S("{\"a\":[1]}"), &err) == EVM_NULL_ARGUMENT);
    CHECK(evm_builder_add_rule(b, NULL, 0, S("{\"a\":[1]}"), &err) == EVM_NULL_ARGUMENT);
    CHECK(evm_builder_add_rule(b, S("r"), NULL, 0, &err) == EVM_NULL_ARGUMENT);
    CHECK(err == SENTINEL_ERR);

    /* Bad UTF-8 in the name. */
    CHECK(evm_builder_add_rule(b, bad_utf8, sizeof bad_utf8, S("{\"a\":[1]}"), &err) ==
          EVM_INVALID_UTF8);
    CHECK(err == SENTINEL_ERR);

    /* Pattern that is not JSON. */
    CHECK(evm_builder_add_rule(b, S("broken"), S("{\"a\": "), &err) == EVM_PATTERN_ERROR);
    CHECK(err != SENTINEL_ERR && err != NULL);
    CHECK(evm_error_status(err) == EVM_PATTERN_ERROR);
    CHECK(evm_error_kind(err) == EVM_PATTERN_ERROR_SYNTAX);
    CHECK(strlen(evm_error_message(err)) > 0);
    CHECK(strcmp(evm_error_rule(err), "broken") == 0);
    evm_error_free(err);

    /* Pattern that is JSON but invalid: message, path, offset, kind. */
    err = NULL;
    CHECK(evm_builder_add_rule(b, S("bad-prefix"), S("{\"a\": [{\"prefix\": 5}]}"), &err) ==
          EVM_PATTERN_ERROR);
    CHECK(err != NULL);
    CHECK(evm_error_status(err) == EVM_PATTERN_ERROR);
    CHECK(evm_error_kind(err) == EVM_PATTERN_ERROR_OPERAND);
    CHECK(strcmp(evm_error_message(err), "prefix match pattern must be a string") == 0);
    CHECK(strncmp(evm_error_path(err), "$.a", 3) == 0);
    CHECK(evm_error_offset(err) == 18);
    CHECK(strcmp(evm_error_rule(err), "bad-prefix") == 0);
    evm_error_free(err);

    /* Not an object; err_out NULL is allowed. */
    CHECK(evm_builder_add_rule(b, S("arr"), S("[1]"), NULL) == EVM_PATTERN_ERROR);
    err = NULL;
    CHECK(evm_builder_add_rule(b, S("arr"), S("[1]"), &err) == EVM_PATTERN_ERROR);
    CHECK(evm_error_kind(err) == EVM_PATTERN_ERROR_NOT_AN_OBJECT);
    evm_error_free(err);

    /* A pattern that is not UTF-8 is a pattern (syntax) error. */
    err = NULL;
    {
        const uint8_t pat[] = {'{', '"', 'a', '"', ':', '[', '"', 0xff, '"', ']', '}'};
        CHECK(evm_builder_add_rule(b, S("r"), pat, sizeof pat, &err) == EVM_PATTERN_ERROR);
        CHECK(evm_error_kind(err) == EVM_PATTERN_ERROR_SYNTAX);
        evm_error_free(err);
    }

    /* Failed adds leave the builder empty. */
    {
        evm_machine *m = NULL;
        size_t count = 99;
        CHECK(evm_builder_build(b, &m) == EVM_OK);
        CHECK(evm_machine_rule_count(m, &count) == EVM_OK);
        CHECK(count == 0);
        evm_machine_free(m);
    }

    /* build consumes the builder even on failure (valgrind checks the leak). */
    CHECK(evm_builder_new(&b) == EVM_OK);
    CHECK(add(b, "r", "{\"a\":[1]}") == EVM_OK);
    CHECK(evm_builder_build(b, NULL) == EVM_NULL_ARGUMENT);
    {
        evm_machine *m = (evm_machine *)(uintptr_t)0x1;
        CHECK(evm_builder_build(NULL, &m) == EVM_NULL_ARGUMENT);
        CHECK(m == (evm_machine *)(uintptr_t)0x1);
    }

    /* A builder may be freed without building. */
    CHECK(evm_builder_new(&b) == EVM_OK);
    CHECK(add(b, "r", "{\"a\":[1]}") == EVM_OK);
    evm_builder_free(b);
}

static evm_machine *build_machine(void) {
    evm_builder *b = NULL;
    evm_machine *m = NULL;
    CHECK(evm_builder_new(&b) == EVM_OK);
    CHECK(add(b, "ec2", "{\"source\": [\"aws.ec2\"]}") == EVM_OK);                    /* 0 */
    CHECK(add(b, "stopped", "{\"detail\": {\"state\": [\"stopped\"]}}") == EVM_OK);   /* 1 */
    CHECK(add(b, "has-source", "{\"source\": [{\"exists\": true}]}") == EVM_OK);      /* 2 */
    CHECK(add(b, "ec2", "{\"source\": [\"aws.ec2-alt\"]}") == EVM_OK); /* ORed into 0 */
    CHECK(add(b, "big", "{\"detail\": {\"n\": [{\"numeric\": [\">\", 100]}]}}") == EVM_OK); /* 3 */
    /* A name with a NUL byte inside: 4 */
    CHECK(evm_builder_add_rule(b, (const uint8_t *)"nu\0l", 4, S("{\"nul\": [true]}"), NULL) ==
          EVM_OK);
    CHECK(evm_builder_build(b, &m) == EVM_OK);
    CHECK(m != NULL);
    return m;
}

static void test_machine(evm_machine *m) {
    size_t count = 0, len = 0;
    const char *name = NULL;

    CHECK(evm_machine_rule_count(m, &count) == EVM_OK);
    CHECK(count == 5);
    CHECK(evm_machine_rule_count(NULL, &count) == EVM_NULL_ARGUMENT);
    CHECK(evm_machine_rule_count(m, NULL) == EVM_NULL_ARGUMENT);

    CHECK(evm_machine_rule_name(m, 0, &name, &len) == EVM_OK);
    CHECK(len == 3 && memcmp(name, "ec2", 3) == 0 && name[3] == '\0');
    CHECK(evm_machine_rule_name(m, 1, &name, &len) == EVM_OK);
    CHECK(strcmp(name, "stopped") == 0 && len == 7);
    CHECK(evm_machine_rule_name(m, 3, &name, NULL) == EVM_OK);
    CHECK(strcmp(name, "big") == 0);
    CHECK(evm_machine_rule_name(m, 4, &name, &len) == EVM_OK);
    CHECK(len == 4 && memcmp(name, "nu\0l", 4) == 0);

    name = "untouched";
    len = 42;
    CHECK(evm_machine_rule_name(m, 5, &name, &len) == EVM_INVALID_ARGUMENT);
    CHECK(evm_machine_rule_name(m, (size_t)-1, &name, &len) == EVM_INVALID_ARGUMENT);
    CHECK(evm_machine_rule_name(NULL, 0, &name, &len) == EVM_NULL_ARGUMENT);
    CHECK(evm_machine_rule_name(m, 0, NULL, &len) == EVM_NULL_ARGUMENT);
    CHECK(strcmp(name, "untouched") == 0 && len == 42);
}

static void test_match(evm_machine *m) {
    evm_scratch *s = NULL;
    uint32_t ids[8];
    size_t n = 0;
    evm_error *err = SENTINEL_ERR;
    const char *ev = "{\"source\": \"aws.ec2\", \"detail\": {\"state\": \"stopped\", \"n\": 500}}";

    CHECK(evm_scratch_new(NULL, &s) == EVM_NULL_ARGUMENT);
    CHECK(evm_scratch_new(m, NULL) == EVM_NULL_ARGUMENT);
    CHECK(evm_scratch_new(m, &s) == EVM_OK);

    CHECK(evm_match(m, s, S(ev), ids, 8, &n, &err) == EVM_OK);
    CHECK(n == 4);
    CHECK(ids[0] == 0 && ids[1] == 1 && ids[2] == 2 && ids[3] == 3);
    CHECK(err == SENTINEL_ERR);

    /* The second pattern of a name ORs. */
    CHECK(evm_match(m, s, S("{\"source\": \"aws.ec2-alt\"}"), ids, 8, &n, NULL) == EVM_OK);
    CHECK(n == 2 && ids[0] == 0 && ids[1] == 2);

    /* No match; ids may be NULL when the capacity is 0. */
    n = 99;
    CHECK(evm_match(m, s, S("{\"x\": 1}"), NULL, 0, &n, NULL) == EVM_OK);
    CHECK(n == 0);

    /* Buffer too small: needed size, ids untouched. */
    ids[0] = 77;
    CHECK(evm_match(m, s, S(ev), ids, 1, &n, NULL) == EVM_BUFFER_TOO_SMALL);
    CHECK(n == 4 && ids[0] == 77);
    n = 0;
    CHECK(evm_match(m, s, S(ev), NULL, 0, &n, NULL) == EVM_BUFFER_TOO_SMALL);
    CHECK(n == 4);

    /* Invalid events: syntax, not an object, not UTF-8. */
    n = 99;
    err = NULL;
    CHECK(evm_match(m, s, S("{\"a\": [1, 2,]}"), ids, 8, &n, &err) == EVM_EVENT_ERROR);
    CHECK(n == 99);
    CHECK(err != NULL);
    CHECK(evm_error_status(err) == EVM_EVENT_ERROR);
    CHECK(evm_error_kind(err) == EVM_EVENT_ERROR_SYNTAX);
    CHECK(evm_error_offset(err) == 12);
    CHECK(strlen(evm_error_message(err)) > 0);
    CHECK(strcmp(evm_error_path(err), "") == 0);
    CHECK(strcmp(evm_error_rule(err), "") == 0);
    evm_error_free(err);

    err = NULL;
    CHECK(evm_match(m, s, S("[1]"), ids, 8, &n, &err) == EVM_EVENT_ERROR);
    CHECK(evm_error_kind(err) == EVM_EVENT_ERROR_NOT_AN_OBJECT);
    evm_error_free(err);
    {
        const uint8_t bad[] = {'{', '"', 'a', '"', ':', '"', 0xff, '"', '}'};
        err = NULL;
        CHECK(evm_match(m, s, bad, sizeof bad, ids, 8, &n, &err) == EVM_EVENT_ERROR);
        CHECK(evm_error_kind(err) == EVM_EVENT_ERROR_SYNTAX);
        evm_error_free(err);
    }
    CHECK(evm_match(m, s, S(""), ids, 8, &n, NULL) == EVM_EVENT_ERROR);
    CHECK(n == 99);

    /* NULL arguments. */
    err = SENTINEL_ERR;
    CHECK(evm_match(NULL, s, S(ev), ids, 8, &n, &err) == EVM_NULL_ARGUMENT);
    CHECK(evm_match(m, NULL, S(ev), ids, 8, &n, &err) == EVM_NULL_ARGUMENT);
    CHECK(evm_match(m, s, NULL, 3, ids, 8, &n, &err) == EVM_NULL_ARGUMENT);
    CHECK(evm_match(m, s, S(ev), NULL, 8, &n, &err) == EVM_NULL_ARGUMENT);
    CHECK(evm_match(m, s, S(ev), ids, 8, NULL, &err) == EVM_NULL_ARGUMENT);
    CHECK(err == SENTINEL_ERR && n == 99);

    /* A scratch only works with its own machine. */
    {
        evm_machine *other = build_machine();
        evm_scratch *s2 = NULL;
        CHECK(evm_scratch_new(other, &s2) == EVM_OK);
        CHECK(evm_match(m, s2, S(ev), ids, 8, &n, NULL) == EVM_INVALID_ARGUMENT);
        CHECK(evm_match(other, s2, S(ev), ids, 8, &n, NULL) == EVM_OK);
        CHECK(n == 4);
        evm_machine_free(other);
        /* A scratch may outlive its machine (freed afterwards). */
        evm_scratch_free(s2);
    }

    evm_scratch_free(s);
}

struct collect {
    uint32_t ids[8];
    size_t n;
    size_t stop_after; /* 0 = never */
    const evm_machine *m;
    evm_scratch *same;
    evm_scratch *other;
    evm_status reentrant_same;
    evm_status reentrant_other;
};

static int collect_cb(void *ctx, uint32_t rule_index) {
    struct collect *c = (struct collect *)ctx;
    if (c->n < 8) c->ids[c->n] = rule_index;
    c->n++;
    if (c->same != NULL) {
        size_t n = 0;
        uint32_t ids[8];
        c->reentrant_same =
            evm_match(c->m, c->same, S("{\"source\": \"x\"}"), ids, 8, &n, NULL);
        c->reentrant_other =
            evm_match(c->m, c->other, S("{\"source\": \"x\"}"), ids, 8, &n, NULL);
    }
    return c->stop_after != 0 && c->n >= c->stop_after;
}

static void test_match_cb(evm_machine *m) {
    evm_scratch *s = NULL, *s2 = NULL;
    struct collect c;
    evm_error *err = NULL;
    const char *ev = "{\"source\": \"aws.ec2\", \"detail\": {\"state\": \"stopped\", \"n\": 500}}";

    CHECK(evm_scratch_new(m, &s) == EVM_OK);
    CHECK(evm_scratch_new(m, &s2) == EVM_OK);

    memset(&c, 0, sizeof c);
    CHECK(evm_match_cb(m, s, S(ev), collect_cb, &c, NULL) == EVM_OK);
    CHECK(c.n == 4 && c.ids[0] == 0 && c.ids[1] == 1 && c.ids[2] == 2 && c.ids[3] == 3);

    /* Non-zero from the callback stops early. */
    memset(&c, 0, sizeof c);
    c.stop_after = 2;
    CHECK(evm_match_cb(m, s, S(ev), collect_cb, &c, NULL) == EVM_OK);
    CHECK(c.n == 2);

    /* Re-entry with the same scratch is refused; another scratch works. */
    memset(&c, 0, sizeof c);
    c.m = m;
    c.same = s;
    c.other = s2;
    CHECK(evm_match_cb(m, s, S(ev), collect_cb, &c, NULL) == EVM_OK);
    CHECK(c.reentrant_same == EVM_INVALID_ARGUMENT);
    CHECK(c.reentrant_other == EVM_OK);
    /* The scratch is released afterwards. */
    {
        size_t n = 0;
        uint32_t ids[8];
        CHECK(evm_match(m, s, S(ev), ids, 8, &n, NULL) == EVM_OK && n == 4);
    }

    /* Event error: no callbacks, error details. */
    memset(&c, 0, sizeof c);
    CHECK(evm_match_cb(m, s, S("{"), collect_cb, &c, &err) == EVM_EVENT_ERROR);
    CHECK(c.n == 0);
    CHECK(evm_error_status(err) == EVM_EVENT_ERROR);
    CHECK(evm_error_kind(err) == EVM_EVENT_ERROR_SYNTAX);
    evm_error_free(err);
    CHECK(evm_match_cb(m, s, S("{"), collect_cb, &c, NULL) == EVM_EVENT_ERROR);

    /* NULL arguments. */
    CHECK(evm_match_cb(NULL, s, S(ev), collect_cb, &c, NULL) == EVM_NULL_ARGUMENT);
    CHECK(evm_match_cb(m, NULL, S(ev), collect_cb, &c, NULL) == EVM_NULL_ARGUMENT);
    CHECK(evm_match_cb(m, s, NULL, 0, collect_cb, &c, NULL) == EVM_NULL_ARGUMENT);
    CHECK(evm_match_cb(m, s, S(ev), NULL, &c, NULL) == EVM_NULL_ARGUMENT);
    /* ctx may be NULL if the callback does not use it. */
    CHECK(c.n == 0);

    evm_scratch_free(s);
    evm_scratch_free(s2);
}

static void test_match_batch(evm_machine *m) {
    evm_scratch *s = NULL;
    const char *texts[5] = {
        "{\"source\": \"aws.ec2\", \"detail\": {\"state\": \"stopped\", \"n\": 500}}",
        "{\"x\": 1}",
        "{\"broken\": ",
        "{\"source\": \"aws.s3\"}",
        "[]",
    };
    const uint8_t *events[5];
    size_t lens[5];
    uint32_t ids[16];
    size_t offsets[6];
    int32_t status[5];
    size_t needed = 0;
    int i, round;

    for (i = 0; i < 5; i++) {
        events[i] = (const uint8_t *)texts[i];
        lens[i] = strlen(texts[i]);
    }
    CHECK(evm_scratch_new(m, &s) == EVM_OK);

    for (round = 0; round < 3; round++) { /* warm scratch reuse */
        memset(offsets, 0xff, sizeof offsets);
        CHECK(evm_match_batch(m, s, events, lens, 5, ids, 16, offsets, status, &needed) ==
              EVM_OK);
        CHECK(needed == 5);
        CHECK(offsets[0] == 0 && offsets[1] == 4 && offsets[2] == 4 && offsets[3] == 4 &&
              offsets[4] == 5 && offsets[5] == 5);
        CHECK(ids[0] == 0 && ids[1] == 1 && ids[2] == 2 && ids[3] == 3 && ids[4] == 2);
        CHECK(status[0] == EVM_OK && status[1] == EVM_OK && status[2] == EVM_EVENT_ERROR &&
              status[3] == EVM_OK && status[4] == EVM_EVENT_ERROR);
    }

    /* status_out may be NULL. */
    CHECK(evm_match_batch(m, s, events, lens, 5, ids, 16, offsets, NULL, &needed) == EVM_OK);
    CHECK(offsets[5] == 5);

    /* Too small: needed written, nothing else. */
    memset(offsets, 0, sizeof offsets);
    ids[0] = 77;
    status[0] = 77;
    needed = 0;
    CHECK(evm_match_batch(m, s, events, lens, 5, ids, 4, offsets, status, &needed) ==
          EVM_BUFFER_TOO_SMALL);
    CHECK(needed == 5 && ids[0] == 77 && status[0] == 77 && offsets[5] == 0);
    CHECK(evm_match_batch(m, s, events, lens, 5, NULL, 0, offsets, status, &needed) ==
          EVM_BUFFER_TOO_SMALL);
    CHECK(needed == 5);

    /* Empty batch: events and lens may be NULL. */
    offsets[0] = 99;
    CHECK(evm_match_batch(m, s, NULL, NULL, 0, NULL, 0, offsets, NULL, &needed) == EVM_OK);
    CHECK(offsets[0] == 0 && needed == 0);

    /* NULL arguments. */
    needed = 42;
    CHECK(evm_match_batch(NULL, s, events, lens, 5, ids, 16, offsets, status, &needed) ==
          EVM_NULL_ARGUMENT);
    CHECK(evm_match_batch(m, NULL, events, lens, 5, ids, 16, offsets, status, &needed) ==
          EVM_NULL_ARGUMENT);
    CHECK(evm_match_batch(m, s, NULL, lens, 5, ids, 16, offsets, status, &needed) ==
          EVM_NULL_ARGUMENT);
    CHECK(evm_match_batch(m, s, events, NULL, 5, ids, 16, offsets, status, &needed) ==
          EVM_NULL_ARGUMENT);
    CHECK(evm_match_batch(m, s, events, lens, 5, NULL, 16, offsets, status, &needed) ==
          EVM_NULL_ARGUMENT);
    CHECK(evm_match_batch(m, s, events, lens, 5, ids, 16, NULL, status, &needed) ==
          EVM_NULL_ARGUMENT);
    CHECK(evm_match_batch(m, s, events, lens, 5, ids, 16, offsets, status, NULL) ==
          EVM_NULL_ARGUMENT);
    events[3] = NULL;
    CHECK(evm_match_batch(m, s, events, lens, 5, ids, 16, offsets, status, &needed) ==
          EVM_NULL_ARGUMENT);
    events[3] = (const uint8_t *)texts[3];
    CHECK(needed == 42);

    /* A length that cannot be a buffer. */
    lens[1] = (size_t)-1;
    CHECK(evm_match_batch(m, s, events, lens, 5, ids, 16, offsets, status, &needed) ==
          EVM_INVALID_ARGUMENT);
    lens[1] = strlen(texts[1]);
    CHECK(needed == 42);

    evm_scratch_free(s);
}

static void test_null_handles(void) {
    /* Accessors tolerate NULL. */
    CHECK(evm_error_status(NULL) == EVM_NULL_ARGUMENT);
    CHECK(evm_error_kind(NULL) == 0);
    CHECK(evm_error_offset(NULL) == 0);
    CHECK(evm_error_line(NULL) == 0 && evm_error_column(NULL) == 0);
    CHECK(strcmp(evm_error_message(NULL), "") == 0);
    CHECK(strcmp(evm_error_path(NULL), "") == 0);
    CHECK(strcmp(evm_error_rule(NULL), "") == 0);
    /* free(NULL) is a no-op everywhere. */
    evm_builder_free(NULL);
    evm_machine_free(NULL);
    evm_scratch_free(NULL);
    evm_error_free(NULL);
}

static void test_nul_in_error_strings(void) {
    evm_builder *b = NULL;
    evm_error *err = NULL;
    CHECK(evm_builder_new(&b) == EVM_OK);
    CHECK(evm_builder_add_rule(b, (const uint8_t *)"a\0b", 3, S("{\"a\": 1}"), &err) ==
          EVM_PATTERN_ERROR);
    /* The NUL inside the name is shown as U+FFFD (EF BF BD). */
    CHECK(strcmp(evm_error_rule(err), "a\xef\xbf\xbd" "b") == 0);
    evm_error_free(err);
    evm_builder_free(b);
}

int main(void) {
    evm_machine *m;
    test_version();
    test_builder_errors();
    m = build_machine();
    test_machine(m);
    test_match(m);
    test_match_cb(m);
    test_match_batch(m);
    evm_machine_free(m);
    test_null_handles();
    test_nul_in_error_strings();
    if (failures != 0) {
        fprintf(stderr, "test_api: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_api: ok\n");
    return 0;
}
