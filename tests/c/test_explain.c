/* evm_explain and evm_explain_tree: the JSON form and the tree for a
 * misspelt field and an array-consistency failure, the error of an invalid
 * event, an unknown rule index, NULL arguments, and freeing. Run under
 * valgrind by tests/c/run.sh (no leak of the texts or errors). Exits
 * non-zero on failure. */
#include "evmatch.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

static evm_machine *build(void) {
    evm_builder *b = NULL;
    evm_machine *m = NULL;
    const char *rules =
        "{\"stopped\": {\"detail\": {\"state\": [\"stopped\"]}},"
        " \"big-a\": {\"items\": {\"name\": [\"a\"], \"qty\": [{\"numeric\": [\">\", 5]}]}}}";
    CHECK(evm_builder_new(&b) == EVM_OK);
    CHECK(evm_builder_add_rules_json(b, S(rules), NULL) == EVM_OK);
    CHECK(evm_builder_build(b, &m) == EVM_OK);
    return m;
}

int main(void) {
    evm_machine *m = build();
    char *text = NULL;
    evm_error *err = NULL;

    /* A misspelt field: "sate" for "state". */
    const char *misspelt = "{\"detail\": {\"sate\": \"stopped\"}}";
    CHECK(evm_explain(m, 0, S(misspelt), &text, &err) == EVM_OK);
    CHECK(err == NULL);
    CHECK(text != NULL && strncmp(text, "{\"rule\":\"stopped\",\"matched\":false,", 34) == 0);
    CHECK(strstr(text, "\"status\":\"absent\"") != NULL);
    evm_text_free(text);
    text = NULL;
    CHECK(evm_explain_tree(m, 0, S(misspelt), &text, NULL) == EVM_OK);
    CHECK(text != NULL && strstr(text, "detail.state [\"stopped\"]: absent") != NULL);
    evm_text_free(text);

    /* Array consistency: "a" and qty > 5 only in different elements. */
    const char *items = "{\"items\": [{\"name\": \"a\", \"qty\": 1}, {\"name\": \"b\", \"qty\": 9}]}";
    text = NULL;
    CHECK(evm_explain(m, 1, S(items), &text, NULL) == EVM_OK);
    CHECK(text != NULL && strstr(text, "\"elements_tried\":{\"items.name\":[[0]],"
                                       "\"items.qty\":[[1]]}") != NULL);
    evm_text_free(text);

    /* An invalid event: the error evm_match gives, text untouched. */
    text = NULL;
    CHECK(evm_explain(m, 0, S("{\"a\": [1,]}"), &text, &err) == EVM_EVENT_ERROR);
    CHECK(text == NULL && err != NULL);
    CHECK(evm_error_status(err) == EVM_EVENT_ERROR && evm_error_offset(err) == 9);
    evm_error_free(err);

    /* An unknown rule index, NULL arguments. */
    CHECK(evm_explain(m, 2, S("{}"), &text, NULL) == EVM_INVALID_ARGUMENT);
    CHECK(evm_explain(NULL, 0, S("{}"), &text, NULL) == EVM_NULL_ARGUMENT);
    CHECK(evm_explain(m, 0, NULL, 2, &text, NULL) == EVM_NULL_ARGUMENT);
    CHECK(evm_explain(m, 0, S("{}"), NULL, NULL) == EVM_NULL_ARGUMENT);
    CHECK(text == NULL);
    evm_text_free(NULL);

    evm_machine_free(m);
    if (failures) {
        fprintf(stderr, "test_explain: %d failures\n", failures);
        return 1;
    }
    printf("test_explain: ok\n");
    return 0;
}
