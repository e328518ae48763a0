'use strict';
// Rules files, `{"rule name": pattern, ...}`: read from disk here, split
// and compiled by the library's one reader (evm_builder_add_rules_json),
// the same one `evmatch match --rules` uses, so a file means the same in
// every face: each pattern's raw text is kept, and a repeated name keeps
// its last pattern.

const fs = require('node:fs');
const { fileURLToPath } = require('node:url');
const { ffi, EVM_OK, EVM_PATTERN_ERROR, EVM_RULES_FILE_ERROR } = require('./native');
const { PatternError, rulesFileError, internalError, takeError } = require('./errors');
const { describe, nonNull } = require('./marshal');

/** A rules file to compile: its path, checked, and read when it is added. */
class RulesFile {
  /**
   * @param {string | URL | Buffer} file
   * @throws {TypeError} when `file` is not a path
   */
  constructor(file) {
    if (typeof file !== 'string' && !(file instanceof URL) && !Buffer.isBuffer(file)) {
      throw new TypeError(`evmatch: fromFile needs a path, not ${describe(file)}`);
    }
    this.file = file;
  }

  /**
   * Reads the file and adds every rule of it to a native builder, all or
   * nothing. The bytes are passed as they are: a byte order mark is not
   * JSON there, as in `evmatch match`.
   *
   * @throws {Error} when the file cannot be read (from fs)
   * @throws {PatternError} for the first invalid rule in file order, with
   *   `file`, `line`, `column` and `location`
   * @throws {SyntaxError} when the file is not JSON or not UTF-8
   * @throws {TypeError} when it is JSON but not an object of patterns
   */
  addTo(builder) {
    const bytes = fs.readFileSync(this.file);
    // The path, as errors name it (a URL that fs read is a file: URL).
    const label = this.file instanceof URL ? fileURLToPath(this.file) : String(this.file);
    const errOut = [null];
    const status = ffi.builderAddRulesJson(builder, nonNull(bytes), bytes.length, errOut);
    if (status === EVM_OK) return;
    if (status === EVM_PATTERN_ERROR) {
      throw new PatternError({ ...takeError(errOut[0]), file: label });
    }
    if (status === EVM_RULES_FILE_ERROR) throw rulesFileError(takeError(errOut[0]), label);
    throw internalError('evm_builder_add_rules_json', status);
  }
}

module.exports = { RulesFile };
