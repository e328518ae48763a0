'use strict';
// Native builders (evm_builder): rules compiled one by one into a builder
// that Machine builds and LiveMachine takes over. A rules file read by the
// library itself would be a second way to fill one, next to builderFrom.

const { ffi, EVM_OK, EVM_PATTERN_ERROR } = require('./native');
const { PatternError, internalError, takeError } = require('./errors');
const { prepareRules, nonNull } = require('./marshal');

/**
 * A native builder holding `rules` (see the Machine constructor); the
 * caller consumes or frees it. Throws TypeError or PatternError (and then
 * frees the builder itself).
 */
function builderFrom(rules) {
  const prepared = prepareRules(rules);

  const out = [null];
  let status = ffi.builderNew(out);
  if (status !== EVM_OK) throw internalError('evm_builder_new', status);
  const builder = out[0];
  try {
    for (const [name, nameBytes, patternBuf] of prepared) {
      const errOut = [null];
      status = ffi.builderAddRule(
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
  } catch (e) {
    ffi.builderFree(builder);
    throw e;
  }
  return builder;
}

module.exports = { builderFrom };
