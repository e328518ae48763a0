'use strict';
/**
 * evmatch for Node.js: Amazon EventBridge event-pattern matching.
 *
 * A thin layer over the evmatch C ABI (include/evmatch.h), loaded with koffi.
 * Everything that could make the native side misbehave (wrong types, closed
 * handles, strings that are not well-formed Unicode) is checked in
 * JavaScript, before any native call.
 *
 * This file only gathers the public names. The modules under lib/, each
 * depending only on those listed before it:
 *
 * - locate.js: where the native library is (EVMATCH_LIB, the package's own
 *   copy, the repository's build output);
 * - native.js: loading it with koffi, the C functions, status values;
 * - errors.js: PatternError, EventError, reading the C ABI's evm_error;
 * - marshal.js: type checks and JavaScript values into C ABI memory;
 * - stats.js: counters for the tests;
 * - handle.js: the base of Machine and LiveMachine (handle lifetime, close,
 *   finalization, the open check, the batch calls' arguments);
 * - rules-file.js: a rules file, added to a builder by the library's reader;
 * - builder.js: the constructors' options, rules into a native builder;
 * - machine.js: Machine (matching, JSON Lines, explanations);
 * - live.js: LiveMachine.
 *
 * @module evmatch
 */

const { version, libraryPath } = require('./lib/native');
const { PatternError, EventError } = require('./lib/errors');
const { Machine } = require('./lib/machine');
const { LiveMachine } = require('./lib/live');
const stats = require('./lib/stats');

module.exports = {
  Machine,
  LiveMachine,
  PatternError,
  EventError,
  version,
  libraryPath,
};
Object.defineProperty(module.exports, '_stats', { value: stats, enumerable: false });
