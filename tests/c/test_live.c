/* The live-update C API: add, remove, replace, info, batch matching, every
 * error path, and reader threads matching while a writer changes rules. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "evmatch.h"

struct collect {
    int count;
    char last[64];
    size_t last_event;
};

static int collect_cb(void *ctx, size_t event_index, const char *name, size_t len) {
    struct collect *c = ctx;
    c->count++;
    c->last_event = event_index;
    if (len < sizeof c->last) {
        memcpy(c->last, name, len);
        c->last[len] = 0;
    }
    return 0;
}

static int stop_cb(void *ctx, size_t event_index, const char *name, size_t len) {
    (void)event_index;
    (void)name;
    (void)len;
    ((struct collect *)ctx)->count++;
    return 1;
}

static int match_one(evm_live *live, evm_scratch *s, const char *event, struct collect *c) {
    const uint8_t *ev[1] = {(const uint8_t *)event};
    size_t lens[1] = {strlen(event)};
    int32_t status[1] = {-1};
    uint64_t version = 0;
    memset(c, 0, sizeof *c);
    CHECK(evm_live_match_batch(live, s, ev, lens, 1, collect_cb, c, status, &version) == EVM_OK);
    return status[0];
}

struct reader_arg {
    evm_live *live;
    int iterations;
    int bad;
};

static void *reader(void *p) {
    struct reader_arg *a = p;
    evm_scratch *s = NULL;
    if (evm_live_scratch_new(a->live, &s) != EVM_OK) {
        a->bad++;
        return NULL;
    }
    const char *ev = "{\"a\": \"x\", \"n\": 5}";
    for (int i = 0; i < a->iterations; i++) {
        struct collect c;
        if (match_one(a->live, s, ev, &c) != EVM_OK) a->bad++;
        /* "always" is never removed; "tmp" comes and goes. */
        if (c.count < 1 || c.count > 2) a->bad++;
    }
    evm_scratch_free(s);
    return NULL;
}

int main(void) {
    evm_live *live = NULL;
    evm_scratch *s = NULL;
    evm_error *err = NULL;
    uint64_t version = 0;
    size_t count = 0;
    int removed = -1;
    struct collect c;

    /* From a builder, and empty. */
    evm_builder *b = NULL;
    CHECK(evm_builder_new(&b) == EVM_OK);
    CHECK(evm_builder_add_rule(b, S("always"), S("{\"a\": [\"x\"]}"), NULL) == EVM_OK);
    CHECK(evm_live_new(b, NULL) == EVM_NULL_ARGUMENT); /* builder consumed anyway */
    CHECK(evm_builder_new(&b) == EVM_OK);
    CHECK(evm_builder_add_rule(b, S("always"), S("{\"a\": [\"x\"]}"), NULL) == EVM_OK);
    CHECK(evm_live_new(b, &live) == EVM_OK);
    CHECK(evm_live_info(live, &count, &version) == EVM_OK);
    CHECK(count == 1 && version == 0);
    CHECK(evm_live_info(NULL, &count, &version) == EVM_NULL_ARGUMENT);
    CHECK(evm_live_scratch_new(live, &s) == EVM_OK);
    CHECK(evm_live_scratch_new(NULL, &s) == EVM_NULL_ARGUMENT);
    CHECK(evm_live_scratch_new(live, NULL) == EVM_NULL_ARGUMENT);

    /* Add, match, remove. */
    CHECK(evm_live_add_rule(live, S("tmp"), S("{\"n\": [{\"numeric\": [\">\", 1]}]}"), &err, &version) == EVM_OK);
    CHECK(version == 1);
    CHECK(match_one(live, s, "{\"a\": \"x\", \"n\": 5}", &c) == EVM_OK);
    CHECK(c.count == 2);
    CHECK(evm_live_add_rule(live, S("bad"), S("{\"n\": [{\"prefix\": 1}]}"), &err, &version) == EVM_PATTERN_ERROR);
    CHECK(err != NULL && strcmp(evm_error_message(err), "prefix match pattern must be a string") == 0);
    CHECK(strcmp(evm_error_rule(err), "bad") == 0);
    evm_error_free(err);
    err = NULL;
    CHECK(evm_live_add_rule(live, (const uint8_t *)"\xff", 1, S("{\"a\": [1]}"), NULL, NULL) == EVM_INVALID_UTF8);
    CHECK(evm_live_add_rule(NULL, S("x"), S("{\"a\": [1]}"), NULL, NULL) == EVM_NULL_ARGUMENT);
    CHECK(evm_live_add_rule(live, NULL, 1, S("{\"a\": [1]}"), NULL, NULL) == EVM_NULL_ARGUMENT);
    CHECK(evm_live_remove_rule(live, S("tmp"), &removed, &version) == EVM_OK);
    CHECK(removed == 1 && version == 2);
    CHECK(evm_live_remove_rule(live, S("tmp"), &removed, NULL) == EVM_OK);
    CHECK(removed == 0);
    CHECK(evm_live_remove_rule(NULL, S("tmp"), &removed, NULL) == EVM_NULL_ARGUMENT);
    CHECK(match_one(live, s, "{\"a\": \"x\", \"n\": 5}", &c) == EVM_OK);
    CHECK(c.count == 1 && strcmp(c.last, "always") == 0);

    /* Invalid events, the callback stopping, bad arguments. */
    CHECK(match_one(live, s, "{\"a\": ", &c) == EVM_EVENT_ERROR);
    CHECK(c.count == 0);
    {
        const uint8_t *ev[2] = {(const uint8_t *)"{\"a\":\"x\"}", (const uint8_t *)"{\"a\":\"x\"}"};
        size_t lens[2] = {9, 9};
        int32_t st[2];
        memset(&c, 0, sizeof c);
        CHECK(evm_live_match_batch(live, s, ev, lens, 2, stop_cb, &c, st, NULL) == EVM_OK);
        CHECK(c.count == 1);
        CHECK(evm_live_match_batch(live, s, ev, lens, 2, NULL, &c, st, NULL) == EVM_NULL_ARGUMENT);
        CHECK(evm_live_match_batch(live, NULL, ev, lens, 2, collect_cb, &c, st, NULL) == EVM_NULL_ARGUMENT);
        CHECK(evm_live_match_batch(live, s, NULL, lens, 2, collect_cb, &c, st, NULL) == EVM_NULL_ARGUMENT);
        CHECK(evm_live_match_batch(live, s, ev, lens, 0, collect_cb, &c, NULL, NULL) == EVM_OK);
    }
    {
        /* A scratch from another live machine is refused. */
        evm_live *other = NULL;
        evm_scratch *s2 = NULL;
        CHECK(evm_live_new(NULL, &other) == EVM_OK);
        CHECK(evm_live_scratch_new(other, &s2) == EVM_OK);
        const uint8_t *ev[1] = {(const uint8_t *)"{}"};
        size_t lens[1] = {2};
        CHECK(evm_live_match_batch(live, s2, ev, lens, 1, collect_cb, &c, NULL, NULL) == EVM_INVALID_ARGUMENT);
        evm_scratch_free(s2);
        evm_live_free(other);
    }

    /* Replace: all or nothing. */
    {
        const uint8_t *names[2] = {(const uint8_t *)"r1", (const uint8_t *)"r2"};
        size_t name_lens[2] = {2, 2};
        const uint8_t *pats[2] = {(const uint8_t *)"{\"a\":[\"x\"]}", (const uint8_t *)"{}"};
        size_t pat_lens[2] = {11, 2};
        CHECK(evm_live_replace_rules(live, names, name_lens, pats, pat_lens, 2, &err, &version) == EVM_PATTERN_ERROR);
        CHECK(err != NULL && strcmp(evm_error_rule(err), "r2") == 0);
        evm_error_free(err);
        err = NULL;
        CHECK(evm_live_info(live, &count, NULL) == EVM_OK && count == 1);
        pats[1] = (const uint8_t *)"{\"n\":[5]}";
        pat_lens[1] = 9;
        CHECK(evm_live_replace_rules(live, names, name_lens, pats, pat_lens, 2, NULL, &version) == EVM_OK);
        CHECK(match_one(live, s, "{\"a\": \"x\", \"n\": 5}", &c) == EVM_OK && c.count == 2);
        CHECK(evm_live_replace_rules(live, NULL, NULL, NULL, NULL, 1, NULL, NULL) == EVM_NULL_ARGUMENT);
        /* Back to one "always" rule for the threads. */
        names[0] = (const uint8_t *)"always";
        name_lens[0] = 6;
        CHECK(evm_live_replace_rules(live, names, name_lens, pats, pat_lens, 1, NULL, NULL) == EVM_OK);
    }

    /* Readers on four threads while this thread adds and removes "tmp". */
    {
        pthread_t t[4];
        struct reader_arg args[4];
        for (int i = 0; i < 4; i++) {
            args[i].live = live;
            args[i].iterations = 3000;
            args[i].bad = 0;
            CHECK(pthread_create(&t[i], NULL, reader, &args[i]) == 0);
        }
        for (int i = 0; i < 300; i++) {
            CHECK(evm_live_add_rule(live, S("tmp"), S("{\"n\": [5]}"), NULL, NULL) == EVM_OK);
            CHECK(evm_live_remove_rule(live, S("tmp"), NULL, NULL) == EVM_OK);
        }
        for (int i = 0; i < 4; i++) {
            CHECK(pthread_join(t[i], NULL) == 0);
            CHECK(args[i].bad == 0);
        }
    }

    evm_scratch_free(s);
    evm_live_free(live);
    evm_live_free(NULL);
    if (failures) {
        fprintf(stderr, "%d failure(s)\n", failures);
        return 1;
    }
    printf("test_live: ok\n");
    return 0;
}
