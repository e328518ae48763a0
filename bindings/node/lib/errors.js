'use strict';
// The errors the binding throws: PatternError and EventError (the C ABI's
// evm_error, read and freed by takeError), the ones for text that has no
// UTF-8 form, and the Error for a status that should never come back.

const { ffi, STATUS_NAMES } = require('./native');

const PATTERN_KINDS = [
  'unknown',
  'syntax',
  'not-an-object',
  'structure',
  'unknown-operator',
  'operand',
  'numeric',
  'cidr',
  'wildcard',
  'too-complex',
  'too-many-combinations',
  'too-large',
  'too-deep',
];
const EVENT_KINDS = ['unknown', 'syntax', 'not-an-object', 'too-deep'];

/** An unexpected status from the native library: a bug, never a user error. */
function internalError(fn, status) {
  const name = STATUS_NAMES[status] || `status ${status}`;
  const err = new Error(`evmatch: ${fn} failed unexpectedly with ${name}`);
  err.status = status;
  return err;
}

/**
 * A pattern that could not be compiled.
 *
 * @property {string} rule    the name of the rule whose pattern failed
 * @property {string} message the one-line message, such as
 *   "prefix match pattern must be a string"
 * @property {string} path    the JSON path of the offending spot, such as
 *   "$.detail.state" ("" when there is none)
 * @property {number} offset  the byte offset of the problem in the pattern's
 *   UTF-8 text (for a pattern given as an object, in its JSON.stringify text)
 * @property {string} kind    "syntax", "not-an-object", "structure",
 *   "unknown-operator", "operand", "numeric", "cidr", "wildcard",
 *   "too-complex", "too-many-combinations", "too-large" or "too-deep"
 * @property {number} code    the C ABI's stable kind code (1 to 12)
 */
class PatternError extends Error {
  /**
   * @param {{rule: string, message: string, path?: string, offset?: number, code?: number}} info
   */
  constructor(info) {
    super(info.message);
    this.name = 'PatternError';
    this.rule = info.rule;
    this.path = info.path || '';
    this.offset = info.offset || 0;
    this.code = info.code || 0;
    this.kind = PATTERN_KINDS[this.code] || 'unknown';
  }
}

/**
 * An event that could not be matched: not JSON, not a JSON object, too deep.
 *
 * @property {string} message the one-line message
 * @property {number} offset  the byte offset of the problem in the event's
 *   UTF-8 text (for an event given as an object, in its JSON.stringify text)
 * @property {string} kind    "syntax", "not-an-object" or "too-deep"
 * @property {number} code    the C ABI's stable kind code (1 to 3)
 * @property {number} [index] for `matchesMany`, the index of the event in the
 *   batch
 */
class EventError extends Error {
  /** @param {{message: string, offset?: number, code?: number, index?: number}} info */
  constructor(info) {
    super(info.message);
    this.name = 'EventError';
    this.offset = info.offset || 0;
    this.code = info.code || 0;
    this.kind = EVENT_KINDS[this.code] || 'unknown';
    if (info.index !== undefined) this.index = info.index;
  }
}

/** Reads an evm_error into a plain object and frees it. */
function takeError(err) {
  try {
    return {
      status: ffi.errorStatus(err),
      code: ffi.errorKind(err),
      message: ffi.errorMessage(err),
      path: ffi.errorPath(err),
      offset: Number(ffi.errorOffset(err)),
      rule: ffi.errorRule(err),
    };
  } finally {
    ffi.errorFree(err);
  }
}

/**
 * The UTF-8 byte offset of the first lone surrogate of `s` (which has one).
 * @param {string} s
 */
function loneSurrogateOffset(s) {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
      return Buffer.byteLength(s.slice(0, i), 'utf8');
    }
    if (c >= 0xdc00 && c <= 0xdfff) return Buffer.byteLength(s.slice(0, i), 'utf8');
  }
  return 0;
}

/** The EventError for event text that is not well-formed Unicode. */
function illFormedEvent(text, index) {
  return new EventError({
    message: 'event text is not well-formed Unicode (lone surrogate)',
    offset: loneSurrogateOffset(text),
    code: 1,
    index,
  });
}

module.exports = {
  PatternError,
  EventError,
  internalError,
  takeError,
  loneSurrogateOffset,
  illFormedEvent,
};
