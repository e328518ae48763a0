'use strict';
// The errors the binding throws: PatternError and EventError (the C ABI's
// evm_error, read and freed by takeError), the SyntaxError or TypeError of
// a rules file that is not one, the ones for text that has no UTF-8 form,
// and the Error for a status that should never come back.

const { ffi, STATUS_NAMES } = require('./native');

// Kind codes, indexed by the C ABI's enums (include/evmatch.h):
// evm_pattern_error_kind, evm_event_error_kind, evm_rules_file_error_kind.
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
const RULES_FILE_KINDS = ['unknown', 'syntax', 'not-rules'];

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
 *   UTF-8 text (for a pattern given as an object, in its JSON.stringify
 *   text); for a rules file, in the file (for a pattern held in a JSON
 *   string, the offset of that string)
 * @property {string} kind    "syntax", "not-an-object", "structure",
 *   "unknown-operator", "operand", "numeric", "cidr", "wildcard",
 *   "too-complex", "too-many-combinations", "too-large" or "too-deep"
 * @property {number} code    the C ABI's stable kind code (1 to 12)
 * @property {string} [file]  for a rules file: its path
 * @property {number} [line]  for a rules file: the line of `offset`, from 1
 * @property {number} [column] for a rules file: the column of `offset` in
 *   its line, in bytes from 1
 * @property {string} [location] for a rules file: "FILE:LINE:COLUMN"
 */
class PatternError extends Error {
  /**
   * @param {{rule: string, message: string, path?: string, offset?: number, code?: number,
   *   file?: string, line?: number, column?: number}} info
   */
  constructor(info) {
    super(info.message);
    this.name = 'PatternError';
    this.rule = info.rule;
    this.path = info.path || '';
    this.offset = info.offset || 0;
    this.code = info.code || 0;
    this.kind = PATTERN_KINDS[this.code] || 'unknown';
    if (info.file !== undefined) {
      this.file = info.file;
      this.line = info.line;
      this.column = info.column;
      this.location = `${info.file}:${info.line}:${info.column}`;
    }
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
 * @property {number} [index] for `matchesMany` and `matchLines`, the index of
 *   the event in the batch
 * @property {number} [line] for `matchLines`, the event's line number, from 1
 *   (blank lines counted); `offset` is then in the line
 */
class EventError extends Error {
  /** @param {{message: string, offset?: number, code?: number, index?: number, line?: number}} info */
  constructor(info) {
    super(info.message);
    this.name = 'EventError';
    this.offset = info.offset || 0;
    this.code = info.code || 0;
    this.kind = EVENT_KINDS[this.code] || 'unknown';
    if (info.index !== undefined) this.index = info.index;
    // 0, as the C ABI gives for an event's error, means "no line".
    if (info.line) this.line = info.line;
  }
}

/**
 * The error for a file that is not a rules file (an evm_error of status
 * EVM_RULES_FILE_ERROR, read by takeError): a SyntaxError when it is not
 * JSON (or not UTF-8), a TypeError when it is JSON but not an object of
 * patterns. Its message is "evmatch: FILE:LINE:COLUMN: MESSAGE"; it carries
 * `file`, `line`, `column`, `offset` (bytes into the file), `kind`
 * ("syntax" or "not-rules"), `code` (1 or 2) and, for a member that is not
 * a pattern, `rule`.
 *
 * @param {{code: number, message: string, offset: number, line: number, column: number, rule: string}} info
 * @param {string} file
 */
function rulesFileError(info, file) {
  const kind = RULES_FILE_KINDS[info.code] || 'unknown';
  const Class = kind === 'syntax' ? SyntaxError : TypeError;
  const err = new Class(`evmatch: ${file}:${info.line}:${info.column}: ${info.message}`);
  err.file = file;
  err.line = info.line;
  err.column = info.column;
  err.offset = info.offset;
  err.kind = kind;
  err.code = info.code;
  if (info.rule !== '') err.rule = info.rule;
  return err;
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
      line: Number(ffi.errorLine(err)),
      column: Number(ffi.errorColumn(err)),
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
  rulesFileError,
  internalError,
  takeError,
  loneSurrogateOffset,
  illFormedEvent,
};
