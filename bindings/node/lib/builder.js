'use strict';
// Native builders (evm_builder): the constructors' options, and rules
// compiled into a builder that Machine builds and LiveMachine takes over,
// from JavaScript rules one by one or from a rules file in one call.

const { ffi, EVM_OK, EVM_PATTERN_ERROR } = require('./native');
const { PatternError, internalError, takeError } = require('./errors');
const { describe, prepareRules, nonNull } = require('./marshal');
const { RulesFile } = require('./rules-file');

const OPTION_NAMES = ['trustedInput'];

/**
 * The options of the Machine and LiveMachine constructors and of
 * `fromFile`, checked: `undefined` or an object whose keys are all known,
 * `trustedInput` a boolean. Anything else is a TypeError.
 *
 * @param {unknown} options
 * @returns {{trustedInput: boolean}}
 */
function builderOptions(options) {
  if (options === undefined) return { trustedInput: false };
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`evmatch: options must be an object, not ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) {
      throw new TypeError(`evmatch: unknown option ${JSON.stringify(key)} (known: ${OPTION_NAMES.join(', ')})`);
    }
  }
  const trusted = options.trustedInput;
  if (trusted !== undefined && typeof trusted !== 'boolean') {
    throw new TypeError(`evmatch: option trustedInput must be a boolean, not ${describe(trusted)}`);
  }
  return { trustedInput: trusted === true };
}

/** A new native builder with `settings`; the caller consumes or frees it. */
function newBuilder(settings) {
  const out = [null];
  let status = ffi.builderNew(out);
  if (status !== EVM_OK) throw internalError('evm_builder_new', status);
  const builder = out[0];
  status = ffi.builderSetTrustedInput(builder, settings.trustedInput ? 1 : 0);
  if (status !== EVM_OK) {
    ffi.builderFree(builder);
    throw internalError('evm_builder_set_trusted_input', status);
  }
  return builder;
}

/**
 * A native builder holding `rules` (see the Machine constructor; or a
 * RulesFile, for `fromFile`), set as `options` say, and those settings;
 * the caller consumes or frees the builder. The arguments are checked
 * before anything native is made. Throws TypeError or PatternError, or
 * what RulesFile#addTo throws (and then frees the builder itself).
 *
 * @param {unknown} rules
 * @param {unknown} options
 * @returns {{builder: unknown, settings: {trustedInput: boolean}}}
 */
function builderFrom(rules, options) {
  const prepared = rules instanceof RulesFile ? null : prepareRules(rules);
  const settings = builderOptions(options);
  const builder = newBuilder(settings);
  try {
    if (prepared === null) rules.addTo(builder);
    else addRules(builder, prepared);
  } catch (e) {
    ffi.builderFree(builder);
    throw e;
  }
  return { builder, settings };
}

/** Compiles prepared rules (see prepareRules) into `builder`, in order. */
function addRules(builder, prepared) {
  for (const [name, nameBytes, patternBuf] of prepared) {
    const errOut = [null];
    const status = ffi.builderAddRule(
      builder,
      nonNull(nameBytes),
      nameBytes.length,
      nonNull(patternBuf),
      patternBuf.length,
      errOut,
    );
    if (status === EVM_PATTERN_ERROR) {
      const info = takeError(errOut[0]);
      throw new PatternError({ ...info, rule: name });
    }
    if (status !== EVM_OK) throw internalError('evm_builder_add_rule', status);
  }
}

module.exports = { builderOptions, newBuilder, builderFrom };
