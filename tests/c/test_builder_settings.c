/* Rules files (evm_builder_add_rules_json) and the trusted-input setting
 * (evm_builder_set_trusted_input), for machines and live machines: every
 * error with its details, all-or-nothing adds, NULL arguments. Exits
 * non-zero on failure. */
#include "evmatch.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

static evm_error *const SENTINEL_ERR = (evm_error *)(uintptr_t)0x1;

static size_t rule_count(evm_builder *b) {
    evm_machine *m = NULL;
    size_t n = 99;
    CHECK(evm_builder_build(b, &m) == EVM_OK);
    CHECK(evm_machine_rule_count(m, &n) == EVM_OK);
    evm_machine_free(m);
    return n;
}

static void test_rules_file(void) {
    evm_builder *b = NULL;
    evm_error *err = NULL;
    /* The invalid rule is on line 3, its bad operand at column 28. */
    const char *bad_rule = "{\n  \"ok\": {\"a\": [\"1\"]},\n"
                           "  \"bad\": {\"a\": [{\"prefix\": 5}]}\n}";
    const char *in_string = "{\"s\": \"{\\\"a\\\": [{\\\"prefix\\\": 5}]}\"}";
    const char *syntax = "{\n  \"a\": {\"x\": [1],\n}";
    const uint8_t not_utf8[] = {'{', '"', 'a', '"', ':', '"', 0xff, '"', '}'};

    CHECK(evm_builder_new(&b) == EVM_OK);

    /* An invalid rule: a pattern error placed in the file. */
    CHECK(evm_builder_add_rules_json(b, S(bad_rule), &err) == EVM_PATTERN_ERROR);
    CHECK(evm_error_status(err) == EVM_PATTERN_ERROR);
    CHECK(evm_error_kind(err) == EVM_PATTERN_ERROR_OPERAND);
    CHECK(strcmp(evm_error_rule(err), "bad") == 0);
    CHECK(strcmp(evm_error_message(err), "prefix match pattern must be a string") == 0);
    CHECK(strcmp(evm_error_path(err), "$.a[0].prefix") == 0);
    CHECK(bad_rule[evm_error_offset(err)] == '5');
    CHECK(evm_error_line(err) == 3 && evm_error_column(err) == 28);
    evm_error_free(err);

    /* A pattern held in a JSON string: the place of the string. */
    err = NULL;
    CHECK(evm_builder_add_rules_json(b, S(in_string), &err) == EVM_PATTERN_ERROR);
    CHECK(strcmp(evm_error_rule(err), "s") == 0);
    CHECK(evm_error_offset(err) == 6 && evm_error_line(err) == 1 && evm_error_column(err) == 7);
    evm_error_free(err);

    /* Not JSON. */
    err = NULL;
    CHECK(evm_builder_add_rules_json(b, S(syntax), &err) == EVM_RULES_FILE_ERROR);
    CHECK(evm_error_status(err) == EVM_RULES_FILE_ERROR);
    CHECK(evm_error_kind(err) == EVM_RULES_FILE_ERROR_SYNTAX);
    CHECK(strlen(evm_error_message(err)) > 0);
    CHECK(strcmp(syntax + evm_error_offset(err), "}") == 0);
    CHECK(evm_error_line(err) == 3 && evm_error_column(err) == 1);
    CHECK(strcmp(evm_error_rule(err), "") == 0 && strcmp(evm_error_path(err), "") == 0);
    evm_error_free(err);

    /* Not UTF-8. */
    err = NULL;
    CHECK(evm_builder_add_rules_json(b, not_utf8, sizeof not_utf8, &err) ==
          EVM_RULES_FILE_ERROR);
    CHECK(evm_error_kind(err) == EVM_RULES_FILE_ERROR_SYNTAX && evm_error_offset(err) == 6);
    evm_error_free(err);

    /* JSON, but not a rules file. */
    err = NULL;
    CHECK(evm_builder_add_rules_json(b, S("{\"a\": {\"x\": [1]}, \"b\": 5}"), &err) ==
          EVM_RULES_FILE_ERROR);
    CHECK(evm_error_kind(err) == EVM_RULES_FILE_ERROR_NOT_RULES);
    CHECK(strcmp(evm_error_rule(err), "b") == 0 && evm_error_offset(err) == 23);
    evm_error_free(err);
    err = NULL;
    CHECK(evm_builder_add_rules_json(b, S("[1]"), &err) == EVM_RULES_FILE_ERROR);
    CHECK(evm_error_kind(err) == EVM_RULES_FILE_ERROR_NOT_RULES);
    evm_error_free(err);
    CHECK(evm_builder_add_rules_json(b, S(""), NULL) == EVM_RULES_FILE_ERROR);

    /* NULL arguments: err_out untouched. */
    err = SENTINEL_ERR;
    CHECK(evm_builder_add_rules_json(NULL, S("{}"), &err) == EVM_NULL_ARGUMENT);
    CHECK(evm_builder_add_rules_json(b, NULL, 0, &err) == EVM_NULL_ARGUMENT);
    CHECK(err == SENTINEL_ERR);

    /* All or nothing: none of the failures added a rule. */
    CHECK(rule_count(b) == 0);

    /* A good file; a repeated name keeps its last pattern; rules files and
     * single rules mix. */
    CHECK(evm_builder_new(&b) == EVM_OK);
    CHECK(evm_builder_add_rules_json(
              b, S("{\"x\": {\"a\": [1]}, \"y\": \"{\\\"b\\\": [2]}\", \"x\": {\"a\": [3]}}"),
              NULL) == EVM_OK);
    CHECK(evm_builder_add_rule(b, S("z"), S("{\"c\": [3]}"), NULL) == EVM_OK);
    CHECK(evm_builder_add_rules_json(b, S("{}"), NULL) == EVM_OK);
    {
        evm_machine *m = NULL;
        evm_scratch *s = NULL;
        uint32_t ids[4];
        size_t n = 0, count = 0;
        const char *name = NULL;
        CHECK(evm_builder_build(b, &m) == EVM_OK);
        CHECK(evm_machine_rule_count(m, &count) == EVM_OK && count == 3);
        CHECK(evm_machine_rule_name(m, 0, &name, NULL) == EVM_OK && strcmp(name, "y") == 0);
        CHECK(evm_scratch_new(m, &s) == EVM_OK);
        CHECK(evm_match(m, s, S("{\"a\": 3, \"b\": 2, \"c\": 3}"), ids, 4, &n, NULL) == EVM_OK);
        CHECK(n == 3);
        CHECK(evm_match(m, s, S("{\"a\": 1}"), ids, 4, &n, NULL) == EVM_OK);
        CHECK(n == 0);
        evm_scratch_free(s);
        evm_machine_free(m);
    }
}

/* An event that is invalid JSON only in a value no rule names. What a
 * trusted machine answers for it is unspecified by the contract; today it
 * skips such values unchecked, which shows that the setting holds. */
static const char *JUNK_EVENT = "{\"x\": 1, \"junk\": [tru]}";

static int count_cb(void *ctx, size_t event_index, const char *name, size_t name_len) {
    (void)event_index;
    (void)name;
    (void)name_len;
    (*(size_t *)ctx)++;
    return 0;
}

/* The status of JUNK_EVENT against `live`, and its number of matches. */
static int32_t live_status(evm_live *live, evm_scratch *s, size_t *n) {
    const uint8_t *ev = (const uint8_t *)JUNK_EVENT;
    size_t len = strlen(JUNK_EVENT);
    int32_t status = -1;
    *n = 0;
    CHECK(evm_live_match_batch(live, s, &ev, &len, 1, count_cb, n, &status, NULL) == EVM_OK);
    return status;
}

static void test_trusted_input(void) {
    int trusted;
    for (trusted = 0; trusted <= 2; trusted++) {
        evm_builder *b = NULL;
        evm_machine *m = NULL;
        evm_scratch *s = NULL;
        evm_live *live = NULL;
        uint32_t ids[4];
        size_t n = 99;
        const uint8_t *name = (const uint8_t *)"other";
        const uint8_t *pattern = (const uint8_t *)"{\"x\": [1]}";
        size_t name_len = 5, pattern_len = strlen((const char *)pattern);
        int32_t want = trusted ? EVM_OK : EVM_EVENT_ERROR;

        CHECK(evm_builder_new(&b) == EVM_OK);
        CHECK(evm_builder_set_trusted_input(b, trusted) == EVM_OK);
        CHECK(evm_builder_add_rules_json(b, S("{\"r\": {\"x\": [1]}}"), NULL) == EVM_OK);
        CHECK(evm_builder_build(b, &m) == EVM_OK);
        CHECK(evm_scratch_new(m, &s) == EVM_OK);
        CHECK(evm_match(m, s, S(JUNK_EVENT), ids, 4, &n, NULL) == (evm_status)want);
        CHECK(n == (trusted ? 1u : 99u));
        /* Valid events are answered the same in both modes. */
        CHECK(evm_match(m, s, S("{\"x\": 1, \"y\": [true]}"), ids, 4, &n, NULL) == EVM_OK);
        CHECK(n == 1);
        evm_scratch_free(s);
        evm_machine_free(m);

        /* A live machine keeps the setting through add, remove, replace. */
        CHECK(evm_builder_new(&b) == EVM_OK);
        CHECK(evm_builder_set_trusted_input(b, trusted) == EVM_OK);
        CHECK(evm_builder_add_rules_json(b, S("{\"r\": {\"x\": [1]}}"), NULL) == EVM_OK);
        CHECK(evm_live_new(b, &live) == EVM_OK);
        CHECK(evm_live_scratch_new(live, &s) == EVM_OK);
        CHECK(live_status(live, s, &n) == want && n == (trusted ? 1u : 0u));
        CHECK(evm_live_add_rule(live, name, name_len, pattern, pattern_len, NULL, NULL) ==
              EVM_OK);
        CHECK(live_status(live, s, &n) == want && n == (trusted ? 2u : 0u));
        CHECK(evm_live_remove_rule(live, S("r"), NULL, NULL) == EVM_OK);
        CHECK(live_status(live, s, &n) == want && n == (trusted ? 1u : 0u));
        CHECK(evm_live_replace_rules(live, &name, &name_len, &pattern, &pattern_len, 1, NULL,
                                     NULL) == EVM_OK);
        CHECK(live_status(live, s, &n) == want && n == (trusted ? 1u : 0u));
        evm_scratch_free(s);
        evm_live_free(live);
    }
    CHECK(evm_builder_set_trusted_input(NULL, 1) == EVM_NULL_ARGUMENT);
}

int main(void) {
    test_rules_file();
    test_trusted_input();
    if (failures != 0) {
        fprintf(stderr, "test_builder_settings: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_builder_settings: ok\n");
    return 0;
}
