'use strict';
// The native library, loaded with koffi: the C ABI's functions as koffi
// declares them (include/evmatch.h) and its status values. Finding the file
// is locate.js's job. A function the binding starts to use is declared here.

const { PACKAGE_DIR, findLibrary } = require('./locate');

/** koffi, or an Error saying why it is missing. */
function requireKoffi() {
  try {
    return require('koffi');
  } catch (e) {
    if (e && e.code === 'MODULE_NOT_FOUND' && /'koffi'/.test(e.message)) {
      throw new Error(
        `evmatch: its dependency koffi is not installed where the package lives (${PACKAGE_DIR}). ` +
          '`npm install <folder>` links a folder without installing its dependencies: install the ' +
          'tarball that `npm pack` makes in bindings/node of the evmatch repository instead ' +
          '(bindings/node/README.md).',
      );
    }
    throw e;
  }
}

const koffi = requireKoffi();

/** The file the library was loaded from. */
const libraryPath = findLibrary();
const lib = koffi.load(libraryPath);

// Handles are plain pointers (BigInt in koffi 3); buffers are passed as
// `void *` so that Buffers and typed arrays go through without copies.
const ffi = {
  version: lib.func('const char *evm_version(void)'),
  builderNew: lib.func('int evm_builder_new(_Out_ void **out)'),
  builderAddRule: lib.func(
    'int evm_builder_add_rule(void *builder, const void *name, size_t name_len, ' +
      'const void *pattern, size_t pattern_len, _Out_ void **err_out)',
  ),
  builderAddRulesJson: lib.func(
    'int evm_builder_add_rules_json(void *builder, const void *text, size_t text_len, _Out_ void **err_out)',
  ),
  builderSetTrustedInput: lib.func('int evm_builder_set_trusted_input(void *builder, int trusted)'),
  builderBuild: lib.func('int evm_builder_build(void *builder, _Out_ void **out)'),
  builderFree: lib.func('void evm_builder_free(void *builder)'),
  machineFree: lib.func('void evm_machine_free(void *machine)'),
  machineRuleCount: lib.func(
    'int evm_machine_rule_count(void *machine, _Out_ size_t *count)',
  ),
  machineRuleName: lib.func(
    'int evm_machine_rule_name(void *machine, size_t index, _Out_ void **ptr, _Out_ size_t *len)',
  ),
  scratchNew: lib.func('int evm_scratch_new(void *machine, _Out_ void **out)'),
  scratchFree: lib.func('void evm_scratch_free(void *scratch)'),
  // The hot path: every out-parameter is a caller-owned typed array and no
  // error object is asked for (err_out NULL).
  match: lib.func(
    'int evm_match(void *machine, void *scratch, const void *event, size_t event_len, ' +
      'void *ids_out, size_t ids_cap, void *n_out, void *err_out)',
  ),
  // Used only after a failure, to get the event error's details.
  matchErr: lib.func(
    'int evm_match(void *machine, void *scratch, const void *event, size_t event_len, ' +
      'void *ids_out, size_t ids_cap, void *n_out, _Out_ void **err_out)',
  ),
  matchBatch: lib.func(
    'int evm_match_batch(void *machine, void *scratch, const void *events, const void *lens, ' +
      'size_t n_events, void *ids_out, size_t ids_cap, void *offsets_out, ' +
      'void *status_out, void *needed_out)',
  ),
  // The events of a JSON Lines buffer; spans_out is an evm_line_span
  // (three size_t) per event.
  matchLines: lib.func(
    'int evm_match_lines(void *machine, void *scratch, const void *data, size_t data_len, ' +
      'void *ids_out, size_t ids_cap, void *offsets_out, void *status_out, void *spans_out, ' +
      'size_t events_cap, void *n_events_out, void *needed_out)',
  ),
  // Explanations: the text comes back as a pointer, read and then freed
  // with evm_text_free.
  explain: lib.func(
    'int evm_explain(void *machine, size_t index, const void *event, size_t event_len, ' +
      '_Out_ void **json_out, _Out_ void **err_out)',
  ),
  explainTree: lib.func(
    'int evm_explain_tree(void *machine, size_t index, const void *event, size_t event_len, ' +
      '_Out_ void **text_out, _Out_ void **err_out)',
  ),
  textFree: lib.func('void evm_text_free(void *text)'),
  errorStatus: lib.func('int evm_error_status(void *err)'),
  errorKind: lib.func('uint32_t evm_error_kind(void *err)'),
  errorMessage: lib.func('const char *evm_error_message(void *err)'),
  errorPath: lib.func('const char *evm_error_path(void *err)'),
  errorOffset: lib.func('size_t evm_error_offset(void *err)'),
  errorLine: lib.func('size_t evm_error_line(void *err)'),
  errorColumn: lib.func('size_t evm_error_column(void *err)'),
  errorRule: lib.func('const char *evm_error_rule(void *err)'),
  errorFree: lib.func('void evm_error_free(void *err)'),
  // Live machines. uint64/size_t out-values go into caller-owned typed
  // arrays (`void *`).
  liveNew: lib.func('int evm_live_new(void *builder, _Out_ void **out)'),
  liveFree: lib.func('void evm_live_free(void *live)'),
  liveAddRule: lib.func(
    'int evm_live_add_rule(void *live, const void *name, size_t name_len, ' +
      'const void *pattern, size_t pattern_len, _Out_ void **err_out, void *version_out)',
  ),
  liveRemoveRule: lib.func(
    'int evm_live_remove_rule(void *live, const void *name, size_t name_len, ' +
      'void *removed_out, void *version_out)',
  ),
  liveReplaceRules: lib.func(
    'int evm_live_replace_rules(void *live, const void *names, const void *name_lens, ' +
      'const void *patterns, const void *pattern_lens, size_t n, _Out_ void **err_out, ' +
      'void *version_out)',
  ),
  liveInfo: lib.func('int evm_live_info(void *live, void *rule_count_out, void *version_out)'),
  liveScratchNew: lib.func('int evm_live_scratch_new(void *live, _Out_ void **out)'),
};

// The name is `const void *` (a pointer), not `const char *`: it is not
// NUL-terminated.
const LiveMatchCallback = koffi.proto(
  'int evm_live_match_callback(void *ctx, size_t event_index, const void *name, size_t name_len)',
);
ffi.liveMatchBatch = lib.func(
  'int evm_live_match_batch(void *live, void *scratch, const void *events, const void *lens, ' +
    'size_t n_events, evm_live_match_callback *callback, void *ctx, void *status_out, ' +
    'void *version_out)',
);

// evm_status values (include/evmatch.h).
const EVM_OK = 0;
const EVM_PATTERN_ERROR = 1;
const EVM_EVENT_ERROR = 2;
const EVM_BUFFER_TOO_SMALL = 5;
const EVM_INVALID_ARGUMENT = 6;
const EVM_RULES_FILE_ERROR = 8;
const EVM_NULL_EVENT = 9;
const STATUS_NAMES = [
  'EVM_OK',
  'EVM_PATTERN_ERROR',
  'EVM_EVENT_ERROR',
  'EVM_NULL_ARGUMENT',
  'EVM_INVALID_UTF8',
  'EVM_BUFFER_TOO_SMALL',
  'EVM_INVALID_ARGUMENT',
  'EVM_PANIC',
  'EVM_RULES_FILE_ERROR',
  'EVM_NULL_EVENT',
];

/** The evmatch library version, from `evm_version()`, such as "0.1.0". */
const version = ffi.version();

module.exports = {
  koffi,
  ffi,
  libraryPath,
  version,
  LiveMatchCallback,
  EVM_OK,
  EVM_PATTERN_ERROR,
  EVM_EVENT_ERROR,
  EVM_BUFFER_TOO_SMALL,
  EVM_INVALID_ARGUMENT,
  EVM_RULES_FILE_ERROR,
  EVM_NULL_EVENT,
  STATUS_NAMES,
};
