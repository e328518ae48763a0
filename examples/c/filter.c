/* filter: print the JSON Lines from stdin that match any rule.
 *
 *   filter RULES_FILE < events.jsonl > matched.jsonl
 *
 * RULES_FILE holds one rule per line: a name, a TAB, an EventBridge event
 * pattern (JSON on one line). Blank lines and lines starting with '#' are
 * skipped. Invalid events are reported on stderr and skipped.
 *
 * This is how a proxy embeds evmatch: compile the rules once into a machine
 * (shareable by threads), keep one scratch per worker thread, and match
 * each event's raw bytes. See README.md for the build command. */
#define _POSIX_C_SOURCE 200809L
#include "evmatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void chomp(char *line, ssize_t *len) {
    while (*len > 0 && (line[*len - 1] == '\n' || line[*len - 1] == '\r')) line[--*len] = '\0';
}

static evm_machine *load_rules(const char *path) {
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0;
    int ok = 1;
    evm_builder *b = NULL;
    evm_machine *m = NULL;

    if (f == NULL) {
        perror(path);
        return NULL;
    }
    if (evm_builder_new(&b) != EVM_OK) {
        fclose(f);
        return NULL;
    }
    while ((len = getline(&line, &cap, f)) != -1) {
        char *tab;
        evm_error *err = NULL;
        evm_status st;
        lineno++;
        chomp(line, &len);
        if (len == 0 || line[0] == '#') continue;
        tab = strchr(line, '\t');
        if (tab == NULL) {
            fprintf(stderr, "%s:%ld: expected NAME<TAB>PATTERN\n", path, lineno);
            ok = 0;
            continue;
        }
        st = evm_builder_add_rule(b, (const uint8_t *)line, (size_t)(tab - line),
                                  (const uint8_t *)tab + 1, (size_t)(len - (tab + 1 - line)),
                                  &err);
        if (st == EVM_PATTERN_ERROR) {
            fprintf(stderr, "%s:%ld: rule %s: %s (at %s, offset %zu)\n", path, lineno,
                    evm_error_rule(err), evm_error_message(err), evm_error_path(err),
                    evm_error_offset(err));
            evm_error_free(err);
            ok = 0;
        } else if (st != EVM_OK) {
            fprintf(stderr, "%s:%ld: cannot add rule (status %d)\n", path, lineno, (int)st);
            ok = 0;
        }
    }
    free(line);
    fclose(f);
    /* evm_builder_build consumes the builder whatever happens. */
    if (!ok) {
        evm_builder_free(b);
        return NULL;
    }
    if (evm_builder_build(b, &m) != EVM_OK) return NULL;
    return m;
}

/* Stops at the first matching rule: one is enough to print the line. */
static int found(void *ctx, uint32_t rule_index) {
    (void)rule_index;
    *(int *)ctx = 1;
    return 1;
}

int main(int argc, char **argv) {
    evm_machine *m;
    evm_scratch *s = NULL;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: %s RULES_FILE < events.jsonl\n", argv[0]);
        return 2;
    }
    m = load_rules(argv[1]);
    if (m == NULL) return 1;
    if (evm_scratch_new(m, &s) != EVM_OK) {
        evm_machine_free(m);
        return 1;
    }
    while ((len = getline(&line, &cap, stdin)) != -1) {
        int matched = 0;
        evm_error *err = NULL;
        evm_status st;
        lineno++;
        chomp(line, &len);
        if (len == 0) continue;
        st = evm_match_cb(m, s, (const uint8_t *)line, (size_t)len, found, &matched, &err);
        if (st == EVM_EVENT_ERROR) {
            fprintf(stderr, "stdin:%ld: %s (offset %zu)\n", lineno, evm_error_message(err),
                    evm_error_offset(err));
            evm_error_free(err);
        } else if (st == EVM_OK && matched) {
            fwrite(line, 1, (size_t)len, stdout);
            fputc('\n', stdout);
        }
    }
    free(line);
    evm_scratch_free(s);
    evm_machine_free(m);
    return 0;
}
