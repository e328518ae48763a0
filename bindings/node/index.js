'use strict';
/**
 * evmatch for Node.js: Amazon EventBridge event-pattern matching.
 *
 * A thin layer over the evmatch C ABI (include/evmatch.h), loaded with koffi.
 * Everything that could make the native side misbehave (wrong types, closed
 * handles, strings that are not well-formed Unicode) is checked here, in
 * JavaScript, before any native call.
 *
 * @module evmatch
 */

const fs = require('node:fs');
const os = require('node:os');
const { types: utilTypes } = require('node:util');
const { PACKAGE_DIR, findLibrary } = require('./lib/locate');

/** koffi, or an Error saying why it is missing. */
function requireKoffi() {
  try {
    return require('koffi');
  } catch (e) {
    if (e && e.code === 'MODULE_NOT_FOUND' && /'koffi'/.test(e.message)) {
      throw new Error(
        `evmatch: its dependency koffi is not installed where the package lives (${PACKAGE_DIR}). ` +
          '`npm install <folder>` links a folder without installing its dependencies: install the ' +
          'tarball that `npm pack ./bindings/node` makes in the evmatch repository instead ' +
          '(bindings/node/README.md).',
      );
    }
    throw e;
  }
}

const koffi = requireKoffi();

// ---------------------------------------------------------------------------
// Loading the native library (found by lib/locate.js)
// ---------------------------------------------------------------------------

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
  errorStatus: lib.func('int evm_error_status(void *err)'),
  errorKind: lib.func('uint32_t evm_error_kind(void *err)'),
  errorMessage: lib.func('const char *evm_error_message(void *err)'),
  errorPath: lib.func('const char *evm_error_path(void *err)'),
  errorOffset: lib.func('size_t evm_error_offset(void *err)'),
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
const STATUS_NAMES = [
  'EVM_OK',
  'EVM_PATTERN_ERROR',
  'EVM_EVENT_ERROR',
  'EVM_NULL_ARGUMENT',
  'EVM_INVALID_UTF8',
  'EVM_BUFFER_TOO_SMALL',
  'EVM_INVALID_ARGUMENT',
  'EVM_PANIC',
];

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

/** The evmatch library version, from `evm_version()`, such as "0.1.0". */
const version = ffi.version();

// size_t out-values are read from Uint32Array pairs (counts stay far below
// 2^32): the low word is first on little-endian machines.
const LO = os.endianness() === 'LE' ? 0 : 1;
const HI = 1 - LO;
const PTR_SIZE = koffi.sizeof('void *');

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------

function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (utilTypes.isAnyArrayBuffer(value)) return 'an ArrayBuffer';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor && value.constructor.name}`;
  return `a ${typeof value}`;
}

/**
 * Pattern text (string or bytes) for a rule; throws TypeError or
 * PatternError.
 */
function patternBytes(name, pattern) {
  let text;
  if (typeof pattern === 'string') {
    text = pattern;
  } else if (utilTypes.isUint8Array(pattern)) {
    return copyBytes(pattern);
  } else if (
    pattern !== null &&
    typeof pattern === 'object' &&
    !ArrayBuffer.isView(pattern) &&
    !utilTypes.isAnyArrayBuffer(pattern)
  ) {
    text = JSON.stringify(pattern);
    if (typeof text !== 'string') {
      throw new TypeError(`evmatch: rule ${JSON.stringify(name)}: pattern cannot be serialised to JSON`);
    }
  } else {
    throw new TypeError(
      `evmatch: rule ${JSON.stringify(name)}: a pattern must be a JSON string, an object ` +
        `or a Uint8Array, not ${describe(pattern)}`,
    );
  }
  if (!text.isWellFormed()) {
    throw new PatternError({
      rule: name,
      message: 'pattern text is not well-formed Unicode (lone surrogate)',
      offset: loneSurrogateOffset(text),
      code: 1,
    });
  }
  return Buffer.from(text, 'utf8');
}

/** Checks that `event` is a string, a Uint8Array or an object; throws TypeError. */
function checkEvent(event, where) {
  if (typeof event === 'string' || utilTypes.isUint8Array(event)) return;
  if (
    event !== null &&
    typeof event === 'object' &&
    !ArrayBuffer.isView(event) &&
    !utilTypes.isAnyArrayBuffer(event)
  ) {
    return;
  }
  throw new TypeError(
    `evmatch: ${where} must be a JSON string, a Buffer/Uint8Array or an object, not ${describe(event)}`,
  );
}

/** JSON text of an object event (already checked by checkEvent). */
function stringifyEvent(event, where) {
  const text = JSON.stringify(event);
  if (typeof text !== 'string') {
    throw new TypeError(`evmatch: ${where} cannot be serialised to JSON`);
  }
  return text;
}

function illFormedEvent(text, index) {
  return new EventError({
    message: 'event text is not well-formed Unicode (lone surrogate)',
    offset: loneSurrogateOffset(text),
    code: 1,
    index,
  });
}

// A view's buffer, offset and length are read with the built-in getters, so
// that a Uint8Array subclass that overrides them cannot make the native side
// read past the end of its memory.
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
const intrinsic = (name) => Object.getOwnPropertyDescriptor(TypedArrayPrototype, name).get;
const TA_BUFFER = intrinsic('buffer');
const TA_BYTE_OFFSET = intrinsic('byteOffset');
const TA_BYTE_LENGTH = intrinsic('byteLength');
const TA_SET = TypedArrayPrototype.set;
const apply = Reflect.apply;
const viewBuffer = (view) => apply(TA_BUFFER, view, []);
const viewOffset = (view) => apply(TA_BYTE_OFFSET, view, []);
const viewLength = (view) => apply(TA_BYTE_LENGTH, view, []);

/** A copy of a view's bytes in a Buffer of our own. */
function copyBytes(view) {
  const copy = Buffer.allocUnsafe(viewLength(view));
  apply(TA_SET, copy, [view]);
  return copy;
}

/** The bytes of a view, copied when they live in a SharedArrayBuffer. */
function ownBytes(view) {
  return utilTypes.isArrayBuffer(viewBuffer(view)) ? view : copyBytes(view);
}

/**
 * The rules as [name, pattern] pairs from a plain object or a Map.
 * @returns {Array<[string, unknown]>}
 */
function ruleEntries(rules) {
  if (rules instanceof Map) {
    for (const name of rules.keys()) {
      if (typeof name !== 'string') {
        throw new TypeError(`evmatch: rule names must be strings, not ${describe(name)}`);
      }
    }
    return [...rules.entries()];
  }
  if (rules === null || typeof rules !== 'object' || Array.isArray(rules) || ArrayBuffer.isView(rules)) {
    throw new TypeError(
      `evmatch: rules must be an object or a Map of rule names to patterns, not ${describe(rules)}`,
    );
  }
  return Object.entries(rules);
}

// ---------------------------------------------------------------------------
// Rules files
// ---------------------------------------------------------------------------

function skipWs(text, i) {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    i++;
  }
  return i;
}

/** End (exclusive) of the JSON string token starting at `i`. */
function skipString(text, i) {
  i++;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i += 2;
    else if (c === 0x22) return i + 1;
    else i++;
  }
  return i;
}

/** End (exclusive) of the JSON value starting at `i` (text known valid). */
function skipValue(text, i) {
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    while (i < text.length) {
      const d = text[i];
      if (d === '"') {
        i = skipString(text, i);
        continue;
      }
      if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return i;
  }
  while (i < text.length && !',}] \t\r\n'.includes(text[i])) i++;
  return i;
}

/**
 * Splits a rules file `{"name": pattern, ...}` into [name, pattern text]
 * pairs, keeping each pattern's raw text (number spellings and duplicate
 * keys survive). A pattern is an object or a string holding the pattern
 * text. When a name repeats, the last one wins.
 *
 * @param {string} text
 * @param {string} label
 * @returns {Map<string, string>}
 */
function splitRulesFile(text, label) {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`evmatch: ${label}: not JSON: ${e.message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TypeError(
      `evmatch: ${label}: not a rules file: expected a JSON object {"rule name": pattern, ...}`,
    );
  }
  const rules = new Map();
  let i = skipWs(text, 0) + 1; // past '{'
  for (;;) {
    i = skipWs(text, i);
    if (text[i] === '}') break;
    const keyEnd = skipString(text, i);
    const name = JSON.parse(text.slice(i, keyEnd));
    i = skipWs(text, keyEnd) + 1; // past ':'
    i = skipWs(text, i);
    const end = skipValue(text, i);
    const raw = text.slice(i, end);
    let pattern;
    if (raw[0] === '{') pattern = raw;
    else if (raw[0] === '"') pattern = JSON.parse(raw);
    else {
      throw new TypeError(
        `evmatch: ${label}: rule ${JSON.stringify(name)}: a pattern must be a JSON object or a string holding one`,
      );
    }
    rules.delete(name);
    rules.set(name, pattern);
    i = skipWs(text, end);
    if (text[i] === ',') i++;
  }
  return rules;
}

// ---------------------------------------------------------------------------
// Machine
// ---------------------------------------------------------------------------

/** Frees the native handles of a machine's state; safe to call twice. */
function release(state) {
  const { scratch, machine } = state;
  state.scratch = null;
  state.machine = null;
  if (scratch !== null) ffi.scratchFree(scratch);
  if (machine !== null) ffi.machineFree(machine);
}

/**
 * Counts for tests (not part of the API): native machines created, freed
 * by close(), freed by the finalizer; evm_match_batch calls; the same for
 * live machines; `liveCallbacks` (defined below LiveMachine's callback):
 * koffi callbacks registered now (0 or 1).
 */
const stats = {
  created: 0,
  closed: 0,
  finalized: 0,
  batchCalls: 0,
  liveCreated: 0,
  liveClosed: 0,
  liveFinalized: 0,
  liveBatchCalls: 0,
};

const registry = new FinalizationRegistry((state) => {
  if (state.machine !== null) stats.finalized++;
  release(state);
});

/**
 * A native builder holding `rules` (see the Machine constructor); the
 * caller consumes or frees it. Throws TypeError or PatternError (and then
 * frees the builder itself).
 */
function builderFrom(rules) {
  const entries = ruleEntries(rules);
  const prepared = entries.map(([name, pattern]) => {
    if (!name.isWellFormed()) {
      throw new TypeError(`evmatch: rule name ${JSON.stringify(name)} is not well-formed Unicode`);
    }
    return [name, Buffer.from(name, 'utf8'), patternBytes(name, pattern)];
  });

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

// Zero-length buffers may reach C as NULL pointers: give C a real, readable
// pointer with length 0 instead.
const NON_EMPTY = Buffer.alloc(1);
const nonNull = (buf) => (buf.length ? buf : NON_EMPTY);

/**
 * A compiled, immutable set of named EventBridge rules.
 *
 * Free its native memory with `close()` when done (or a `using`
 * declaration); a finalizer frees it after garbage collection otherwise.
 */
/**
 * The `invalid` option of matchesMany: true for "null", false for "throw"
 * (the default).
 */
function invalidOption(options) {
  if (options === undefined) return false;
  if (options === null || typeof options !== 'object') {
    throw new TypeError('evmatch: matchesMany options must be an object');
  }
  const inv = options.invalid;
  if (inv === 'null') return true;
  if (inv !== undefined && inv !== 'throw') {
    throw new TypeError(`evmatch: matchesMany option invalid must be "throw" or "null", not ${String(inv)}`);
  }
  return false;
}

/**
 * A copy of the events array: JSON.stringify may run user code (toJSON)
 * that changes the caller's array.
 */
function snapshot(events) {
  const n = events.length;
  const items = new Array(n);
  for (let i = 0; i < n; i++) items[i] = events[i];
  return items;
}

/**
 * Validates and encodes a batch before the native call. Entry `i` of
 * `texts` is undefined for bytes passed in place, a view to copy (bytes
 * over a SharedArrayBuffer, of which koffi takes no address), a string to
 * encode, or null for text that is not well-formed Unicode (with
 * `invalidNull`). `textBytes` bounds the arena they need. `single`: the
 * wording of errors for a one-event call.
 */
function encodeEvents(items, invalidNull, single) {
  const n = items.length;
  let textBytes = 0;
  const texts = new Array(n);
  for (let i = 0; i < n; i++) {
    const ev = items[i];
    if (utilTypes.isUint8Array(ev)) {
      if (!utilTypes.isArrayBuffer(viewBuffer(ev))) {
        texts[i] = ev;
        textBytes += viewLength(ev);
      }
      continue;
    }
    const where = single ? 'an event' : `event ${i}`;
    checkEvent(ev, where);
    const text = typeof ev === 'string' ? ev : stringifyEvent(ev, single ? 'the event' : where);
    if (!text.isWellFormed()) {
      if (invalidNull) {
        texts[i] = null;
        continue;
      }
      throw illFormedEvent(text, single ? undefined : i);
    }
    texts[i] = text;
    textBytes += text.length * 3;
  }
  return { texts, textBytes };
}

/**
 * Writes the address and length of each event of a batch into `ptrs` and
 * `lens` (pairs of 32-bit halves on 64-bit platforms): bytes in place,
 * everything else copied or encoded into `arena`. No user code runs here.
 */
function fillBatch(items, texts, arena, ptrs, lens) {
  const arenaBase = Number(koffi.address(arena));
  let arenaUsed = 0;
  // The address of a view is its ArrayBuffer's plus its byteOffset; one
  // native address look-up per ArrayBuffer (Buffers often share a pool).
  const bases = new Map();
  let lastBuffer = null;
  let lastBase = 0;
  for (let i = 0; i < items.length; i++) {
    const ev = items[i];
    let addr;
    let len;
    const text = texts[i];
    if (text === undefined) {
      len = viewLength(ev);
      if (len === 0) {
        addr = arenaBase;
      } else {
        const ab = viewBuffer(ev);
        if (ab !== lastBuffer) {
          lastBase = bases.get(ab);
          if (lastBase === undefined) {
            lastBase = Number(koffi.address(ab));
            bases.set(ab, lastBase);
          }
          lastBuffer = ab;
        }
        addr = lastBase + viewOffset(ev);
      }
    } else if (text === null) {
      // Not well-formed Unicode: matched as empty text, which the engine
      // refuses as an event; reported as null by the caller.
      addr = arenaBase;
      len = 0;
    } else if (typeof text !== 'string') {
      // Bytes to copy.
      apply(TA_SET, arena, [text, arenaUsed]);
      len = viewLength(text);
      addr = arenaBase + arenaUsed;
      arenaUsed += len;
    } else {
      len = arena.write(text, arenaUsed, 'utf8');
      addr = arenaBase + arenaUsed;
      arenaUsed += len;
    }
    if (PTR_SIZE === 8) {
      ptrs[2 * i + LO] = addr % 0x100000000;
      ptrs[2 * i + HI] = Math.floor(addr / 0x100000000);
      lens[2 * i + LO] = len % 0x100000000;
      lens[2 * i + HI] = Math.floor(len / 0x100000000);
    } else {
      ptrs[i] = addr;
      lens[i] = len;
    }
  }
}

class Machine {
  /** @type {{machine: bigint|null, scratch: bigint|null}} */
  #state;
  /** @type {readonly string[]} */
  #names;
  /** Rule indexes in name order, or null when index order is name order. */
  #rank;
  #ids;
  #count = new Uint32Array(2);
  #text = Buffer.alloc(4096);
  // matchesMany buffers, grown as needed.
  #batchIds = new Uint32Array(0);
  #batchArena = Buffer.alloc(1);
  #batchPtrs = new Uint32Array(0);
  #batchLens = new Uint32Array(0);
  #batchOffsets = new Uint32Array(0);
  #batchStatus = new Int32Array(0);

  /**
   * Compiles rules into a machine.
   *
   * @param {Record<string, string | object | Uint8Array> | Map<string, string | object | Uint8Array>} rules
   *   rule name → pattern: JSON text (compiled exactly as written), an
   *   object (compiled from its JSON.stringify text) or UTF-8 bytes
   * @throws {PatternError} when a pattern is invalid (nothing is kept)
   * @throws {TypeError} when `rules` or a pattern has the wrong type
   */
  constructor(rules) {
    const builder = builderFrom(rules);
    const out = [null];
    let status = ffi.builderBuild(builder, out); // consumes the builder
    if (status !== EVM_OK) throw internalError('evm_builder_build', status);
    const state = { machine: out[0], scratch: null };
    status = ffi.scratchNew(state.machine, out);
    if (status !== EVM_OK) {
      release(state);
      throw internalError('evm_scratch_new', status);
    }
    state.scratch = out[0];
    this.#state = state;
    stats.created++;
    registry.register(this, state, state);

    try {
      const countOut = [0];
      status = ffi.machineRuleCount(state.machine, countOut);
      if (status !== EVM_OK) throw internalError('evm_machine_rule_count', status);
      const count = Number(countOut[0]);
      const names = new Array(count);
      const ptrOut = [null];
      const lenOut = [0];
      for (let i = 0; i < count; i++) {
        status = ffi.machineRuleName(state.machine, i, ptrOut, lenOut);
        if (status !== EVM_OK) throw internalError('evm_machine_rule_name', status);
        const len = Number(lenOut[0]);
        // koffi.view, not koffi.decode with an array type: each new array
        // type stays allocated in koffi for good.
        names[i] = len === 0 ? '' : Buffer.from(koffi.view(ptrOut[0], len)).toString('utf8');
      }
      this.#names = Object.freeze(names);
      // Results are sorted by UTF-8 bytes, that is by code point, as Rust
      // sorts strings (JavaScript's default sort uses UTF-16 units).
      const utf8 = names.map((name) => Buffer.from(name, 'utf8'));
      const order = names.map((_, i) => i).sort((a, b) => Buffer.compare(utf8[a], utf8[b]));
      const inOrder = order.every((v, i) => v === i);
      if (inOrder) {
        this.#rank = null;
      } else {
        const rank = new Uint32Array(count);
        order.forEach((idx, pos) => {
          rank[idx] = pos;
        });
        this.#rank = rank;
      }
      this.#ids = new Uint32Array(Math.max(1, Math.min(count, 64)));
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /**
   * Compiles a rules file: a JSON object of rule name → pattern, each
   * pattern an object (compiled from its raw text, exactly as written) or a
   * string holding the pattern text, as `evmatch match --rules` reads.
   *
   * @param {string} file path of the rules file
   * @returns {Machine}
   * @throws {PatternError} when a pattern is invalid
   * @throws {SyntaxError} when the file is not JSON
   * @throws {TypeError} when it is JSON but not a rules file
   * @throws {Error} when the file cannot be read (from fs)
   */
  static fromFile(file) {
    if (typeof file !== 'string' && !(file instanceof URL) && !Buffer.isBuffer(file)) {
      throw new TypeError(`evmatch: fromFile needs a path, not ${describe(file)}`);
    }
    const text = fs.readFileSync(file, 'utf8');
    return new Machine(splitRulesFile(text, String(file)));
  }

  /** The rule names, in the machine's rule-index order (frozen). */
  get ruleNames() {
    return this.#names;
  }

  /** The number of rules (distinct names). */
  get ruleCount() {
    return this.#names.length;
  }

  /** True once `close()` has been called. */
  get closed() {
    return this.#state.machine === null;
  }

  /**
   * Frees the native machine and scratch now. Idempotent. Matching
   * afterwards throws an Error.
   */
  close() {
    const state = this.#state;
    if (state.machine === null) return;
    registry.unregister(state);
    release(state);
    stats.closed++;
  }

  /** `using m = new Machine(...)` closes it at the end of the block. */
  [Symbol.dispose || Symbol.for('Symbol.dispose')]() {
    this.close();
  }

  #live() {
    const state = this.#state;
    if (state.machine === null) throw new Error('evmatch: the machine is closed');
    return state;
  }

  /** Sorted names of the rule indexes ids[start..end]. */
  #namesOf(ids, start, end) {
    const names = this.#names;
    const n = end - start;
    const out = new Array(n);
    if (n > 1 && this.#rank !== null) {
      const rank = this.#rank;
      const sorted = Array.from(ids.subarray(start, end)).sort((a, b) => rank[a] - rank[b]);
      for (let i = 0; i < n; i++) out[i] = names[sorted[i]];
    } else {
      for (let i = 0; i < n; i++) out[i] = names[ids[start + i]];
    }
    return out;
  }

  /** Encodes a string into the reusable text buffer; returns its length in bytes. */
  #encode(text) {
    if (text.length * 3 > this.#text.length) {
      this.#text = Buffer.alloc(Math.max(text.length * 3, this.#text.length * 2));
    }
    return this.#text.write(text, 0, 'utf8');
  }

  /** Details of an event the engine refused. */
  #eventError(state, buf, len, index) {
    const errOut = [null];
    const status = ffi.matchErr(
      state.machine,
      state.scratch,
      buf,
      len,
      this.#ids,
      this.#ids.length,
      this.#count,
      errOut,
    );
    if (status !== EVM_EVENT_ERROR) throw internalError('evm_match', status);
    const info = takeError(errOut[0]);
    return new EventError({ ...info, index });
  }

  /**
   * The names of the rules that match one event, sorted.
   *
   * @param {string | Uint8Array | object} event JSON text, UTF-8 bytes, or
   *   an object (matched as its JSON.stringify text)
   * @returns {string[]}
   * @throws {EventError} when the event is not a JSON object (or too deep)
   * @throws {TypeError} when the event has the wrong type
   * @throws {Error} when the machine is closed
   */
  matches(event) {
    this.#live();
    let buf;
    let len;
    if (utilTypes.isUint8Array(event)) {
      buf = ownBytes(event);
      len = viewLength(buf);
    } else {
      checkEvent(event, 'an event');
      const text = typeof event === 'string' ? event : stringifyEvent(event, 'the event');
      if (!text.isWellFormed()) throw illFormedEvent(text);
      len = this.#encode(text);
      buf = this.#text;
    }
    // Again: JSON.stringify may have run user code (toJSON) that closed it.
    const state = this.#live();
    if (len === 0) buf = this.#text; // a real pointer, not NULL
    const count = this.#count;
    let status = ffi.match(
      state.machine,
      state.scratch,
      buf,
      len,
      this.#ids,
      this.#ids.length,
      count,
      null,
    );
    if (status === EVM_BUFFER_TOO_SMALL) {
      this.#ids = new Uint32Array(Math.min(this.#names.length, Math.max(count[LO], this.#ids.length * 2)));
      status = ffi.match(state.machine, state.scratch, buf, len, this.#ids, this.#ids.length, count, null);
    }
    if (status === EVM_EVENT_ERROR) throw this.#eventError(state, buf, len);
    if (status !== EVM_OK) throw internalError('evm_match', status);
    const n = count[LO];
    if (n === 0) return [];
    return this.#namesOf(this.#ids, 0, n);
  }

  /**
   * Matches a batch of events with ONE native call (`evm_match_batch`):
   * the result's entry `i` is the sorted rule names for `events[i]`.
   *
   * @param {Array<string | Uint8Array | object>} events
   * @param {{invalid?: 'throw' | 'null'}} [options] what an event that is
   *   not a JSON object gives: an EventError for the first such event, with
   *   its `index` ("throw", the default), or `null` in its place ("null")
   * @returns {Array<string[] | null>}
   * @throws {EventError} for an invalid event (unless `invalid: 'null'`)
   * @throws {TypeError} when `events` or one of them has the wrong type
   * @throws {Error} when the machine is closed
   */
  matchesMany(events, options) {
    this.#live();
    if (!Array.isArray(events)) {
      throw new TypeError(`evmatch: matchesMany needs an array of events, not ${describe(events)}`);
    }
    const invalidNull = invalidOption(options);
    const items = snapshot(events);
    const n = items.length;
    const { texts, textBytes } = encodeEvents(items, invalidNull, false);
    // No user code runs from here on; check again that it is open.
    const state = this.#live();
    if (n === 0) return [];
    if (this.#batchArena.length < textBytes + 1) {
      this.#batchArena = Buffer.alloc(Math.max(textBytes + 1, this.#batchArena.length * 2));
    }
    if (this.#batchPtrs.length < 2 * n) {
      const cap = Math.max(2 * n, 2 * this.#batchPtrs.length);
      this.#batchPtrs = new Uint32Array(new ArrayBuffer(cap * 4));
      this.#batchLens = new Uint32Array(cap);
      this.#batchOffsets = new Uint32Array(cap + 2);
      this.#batchStatus = new Int32Array(cap / 2);
    }
    const arena = this.#batchArena;
    const ptrs = this.#batchPtrs;
    const lens = this.#batchLens;
    const offsets = this.#batchOffsets;
    const statusOut = this.#batchStatus;
    fillBatch(items, texts, arena, ptrs, lens);

    // One native call; a second only when the ids buffer must grow.
    const rules = this.#names.length;
    if (this.#batchIds.length === 0 || this.#batchIds.length < Math.min(n * rules, 1 << 20)) {
      this.#batchIds = new Uint32Array(Math.max(1, this.#batchIds.length, Math.min(n * rules, 1 << 20)));
    }
    const needed = this.#count;
    stats.batchCalls++;
    let status = ffi.matchBatch(
      state.machine,
      state.scratch,
      ptrs,
      lens,
      n,
      this.#batchIds,
      this.#batchIds.length,
      offsets,
      statusOut,
      needed,
    );
    if (status === EVM_BUFFER_TOO_SMALL) {
      this.#batchIds = new Uint32Array(Math.max(needed[LO], 2 * this.#batchIds.length));
      stats.batchCalls++;
      status = ffi.matchBatch(
        state.machine,
        state.scratch,
        ptrs,
        lens,
        n,
        this.#batchIds,
        this.#batchIds.length,
        offsets,
        statusOut,
        needed,
      );
    }
    if (status !== EVM_OK) throw internalError('evm_match_batch', status);

    const ids = this.#batchIds;
    const result = new Array(n);
    const step = PTR_SIZE === 8 ? 2 : 1;
    const lo = PTR_SIZE === 8 ? LO : 0;
    for (let i = 0; i < n; i++) {
      if (statusOut[i] !== EVM_OK) {
        if (invalidNull) {
          result[i] = null;
          continue;
        }
        const ev = items[i];
        if (typeof texts[i] !== 'string') {
          const bytes = ownBytes(ev);
          const len = viewLength(bytes);
          throw this.#eventError(state, len ? bytes : arena, len, i);
        }
        const len = this.#encode(texts[i]);
        throw this.#eventError(state, this.#text, len, i);
      }
      const start = offsets[step * i + lo];
      const end = offsets[step * (i + 1) + lo];
      result[i] = start === end ? [] : this.#namesOf(ids, start, end);
    }
    return result;
  }
}

// ---------------------------------------------------------------------------
// LiveMachine
// ---------------------------------------------------------------------------

/** Compares two strings by code point (the order of their UTF-8 bytes, as Rust sorts). */
function compareCodePoints(a, b) {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      // UTF-16 order differs from code-point order only between surrogates
      // (code points >= U+10000) and U+E000..U+FFFF.
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** A uint64 version as a number, or a BigInt past 2^53 - 1. */
const versionValue = (v) => (v <= MAX_SAFE ? Number(v) : v);
/** size_t arrays for the C ABI. */
const SizeArray = PTR_SIZE === 8 ? BigUint64Array : Uint32Array;
const sizeValue = PTR_SIZE === 8 ? (x) => BigInt(x) : (x) => x;

// One koffi callback serves every LiveMachine of this thread: registered
// when the first one opens, unregistered when the last one is closed or
// finalized (so no registered slot outlives the machines, and creating
// many machines does not use up koffi's 8192 slots). The batch in progress
// is in `collecting`; JavaScript runs one batch at a time per thread, and
// the callback runs only inside evm_live_match_batch, on this thread.
let liveCallback = null;
let liveOpen = 0;
/** @type {null | {results: Array<string[] | undefined>, cache: Map<bigint, {len: number, name: string}>, error: unknown}} */
let collecting = null;

function onLiveMatch(_ctx, eventIndex, namePtr, nameLen) {
  const c = collecting;
  if (c === null) return 1; // not inside one of our batches: stop it
  try {
    const len = Number(nameLen);
    let name;
    if (len === 0) {
      name = '';
    } else {
      // The names live in the machine's current rule set, so a pointer
      // names the same rule until the rule set changes; the cache is
      // cleared on every change (see LiveMachine).
      const hit = c.cache.get(namePtr);
      if (hit !== undefined && hit.len === len) {
        name = hit.name;
      } else {
        name = Buffer.from(koffi.view(namePtr, len)).toString('utf8');
        c.cache.set(namePtr, { len, name });
      }
    }
    const i = Number(eventIndex);
    const list = c.results[i];
    if (list === undefined) c.results[i] = [name];
    else list.push(name);
    return 0;
  } catch (e) {
    // An exception must not unwind through the native side: stop the
    // batch and rethrow after it.
    c.error = e;
    return 1;
  }
}

function liveRef() {
  if (liveOpen === 0) liveCallback = koffi.register(onLiveMatch, koffi.pointer(LiveMatchCallback));
  liveOpen++;
}

Object.defineProperty(stats, 'liveCallbacks', {
  get: () => (liveCallback === null ? 0 : 1),
  enumerable: true,
});

function liveUnref() {
  liveOpen--;
  if (liveOpen === 0) {
    koffi.unregister(liveCallback);
    liveCallback = null;
  }
}

/** Frees the native handles of a live machine's state; safe to call twice. */
function releaseLive(state) {
  const { scratch, live } = state;
  state.scratch = null;
  state.live = null;
  if (scratch !== null) ffi.scratchFree(scratch);
  if (live !== null) {
    ffi.liveFree(live);
    liveUnref();
  }
}

const liveRegistry = new FinalizationRegistry((state) => {
  if (state.live !== null) stats.liveFinalized++;
  releaseLive(state);
});

// An empty immutable machine, made on first need, gives the details
// (message, offset, kind) of an event the live machine refused:
// evm_live_match_batch reports only a status per event, and whether an
// event is valid does not depend on the rules.
let detailsMachine = null;

/**
 * The EventError for an event that evm_live_match_batch refused.
 * @param {string | Uint8Array} event its text or bytes
 * @param {number | undefined} index
 */
function liveEventError(event, index) {
  if (detailsMachine === null) detailsMachine = new Machine({});
  try {
    detailsMachine.matches(event);
  } catch (e) {
    if (e instanceof EventError) {
      return new EventError({ message: e.message, offset: e.offset, code: e.code, index });
    }
    throw e;
  }
  // Not expected: the live machine refused what the immutable one accepts.
  return new EventError({ message: 'the event could not be matched', index });
}

/** Checks a rule name for add/remove; returns its UTF-8 bytes. */
function liveRuleName(name, what) {
  if (typeof name !== 'string') {
    throw new TypeError(`evmatch: ${what} needs a rule name (a string), not ${describe(name)}`);
  }
  if (!name.isWellFormed()) {
    throw new TypeError(`evmatch: rule name ${JSON.stringify(name)} is not well-formed Unicode`);
  }
  return Buffer.from(name, 'utf8');
}

/**
 * A named set of EventBridge rules that can change: rules are added,
 * removed or replaced while the machine is in use, each change publishing
 * a new version of the rule set (the C ABI's `evm_live_*` functions). A
 * match sees one version for a whole call (`matchesMany`: the whole batch).
 *
 * Versions are numbers, counted from 0 (the rules given to the
 * constructor) and raised by 1 by every change; the C ABI's counter is a
 * uint64, so a version past 2^53 - 1 (out of reach in practice: a million
 * changes a second for 285 years) would be returned as a BigInt.
 *
 * Threads: a LiveMachine belongs to the JavaScript thread that made it
 * (koffi handles and the match callback are per thread); a `Worker` makes
 * its own. Updates here never disturb native code matching against the
 * same rule set from other threads: each change is published atomically.
 *
 * Free its native memory with `close()` when done (or a `using`
 * declaration); a finalizer frees it after garbage collection otherwise.
 */
class LiveMachine {
  /** @type {{live: bigint|null, scratch: bigint|null}} */
  #state;
  /** Rule names by pointer, for the rule set of version #cacheVersion. */
  #cache = new Map();
  #cacheVersion = 0n;
  #u64 = new BigUint64Array(1);
  #size = new SizeArray(1);
  #text = Buffer.alloc(4096);
  // matchesMany buffers, grown as needed.
  #batchArena = Buffer.alloc(1);
  #batchPtrs = new Uint32Array(0);
  #batchLens = new Uint32Array(0);
  #batchStatus = new Int32Array(0);

  /**
   * Makes a live machine, empty or holding `rules`.
   *
   * @param {Record<string, string | object | Uint8Array> | Map<string, string | object | Uint8Array>} [rules]
   *   rule name → pattern, as for `new Machine(rules)`
   * @throws {PatternError} when a pattern is invalid (nothing is kept)
   * @throws {TypeError} when `rules` or a pattern has the wrong type
   */
  constructor(rules) {
    const builder = rules === undefined ? null : builderFrom(rules);
    const out = [null];
    let status = ffi.liveNew(builder, out); // consumes the builder
    if (status !== EVM_OK) throw internalError('evm_live_new', status);
    const state = { live: out[0], scratch: null };
    liveRef();
    status = ffi.liveScratchNew(state.live, out);
    if (status !== EVM_OK) {
      releaseLive(state);
      throw internalError('evm_live_scratch_new', status);
    }
    state.scratch = out[0];
    this.#state = state;
    stats.liveCreated++;
    liveRegistry.register(this, state, state);
  }

  #open() {
    const state = this.#state;
    if (state.live === null) throw new Error('evmatch: the live machine is closed');
    return state;
  }

  /** A change published `version`: names cached for older rule sets go. */
  #changed(version) {
    this.#cache.clear();
    this.#cacheVersion = version;
    return versionValue(version);
  }

  /**
   * Adds a pattern under a rule name (ORed with the rule's other patterns
   * when the name is already there), publishing a new version.
   *
   * @param {string} name
   * @param {string | object | Uint8Array} pattern JSON text (compiled
   *   exactly as written), an object (compiled from its JSON.stringify
   *   text) or UTF-8 bytes
   * @returns {number} the new version
   * @throws {PatternError} when the pattern is invalid (nothing changes)
   * @throws {TypeError} when the name or pattern has the wrong type
   * @throws {Error} when the machine is closed
   */
  add(name, pattern) {
    this.#open();
    const nameBytes = liveRuleName(name, 'add');
    const patternBuf = patternBytes(name, pattern);
    const state = this.#open(); // JSON.stringify may have run user code
    const errOut = [null];
    const status = ffi.liveAddRule(
      state.live,
      nonNull(nameBytes),
      nameBytes.length,
      nonNull(patternBuf),
      patternBuf.length,
      errOut,
      this.#u64,
    );
    if (status === EVM_PATTERN_ERROR) {
      const info = takeError(errOut[0]);
      throw new PatternError({ ...info, rule: name });
    }
    if (status !== EVM_OK) throw internalError('evm_live_add_rule', status);
    return this.#changed(this.#u64[0]);
  }

  /**
   * Removes a rule (all its patterns). A new version is published only
   * when the rule was there.
   *
   * @param {string} name
   * @returns {boolean} whether the rule was there
   * @throws {TypeError} when the name is not a string
   * @throws {Error} when the machine is closed
   */
  remove(name) {
    const state = this.#open();
    const nameBytes = liveRuleName(name, 'remove');
    const removed = new Int32Array(1);
    const status = ffi.liveRemoveRule(state.live, nonNull(nameBytes), nameBytes.length, removed, this.#u64);
    if (status !== EVM_OK) throw internalError('evm_live_remove_rule', status);
    if (removed[0] === 0) return false;
    this.#changed(this.#u64[0]);
    return true;
  }

  /**
   * Replaces the whole rule set, all or nothing: every pattern is compiled
   * first, and if one fails nothing changes.
   *
   * @param {Record<string, string | object | Uint8Array> | Map<string, string | object | Uint8Array>} rules
   *   rule name → pattern, as for `new Machine(rules)` (`{}` empties it)
   * @returns {number} the new version
   * @throws {PatternError} naming the first rule whose pattern is invalid
   * @throws {TypeError} when `rules` or a pattern has the wrong type
   * @throws {Error} when the machine is closed
   */
  replace(rules) {
    this.#open();
    const entries = ruleEntries(rules);
    const prepared = entries.map(([name, pattern]) => {
      if (!name.isWellFormed()) {
        throw new TypeError(`evmatch: rule name ${JSON.stringify(name)} is not well-formed Unicode`);
      }
      return [Buffer.from(name, 'utf8'), patternBytes(name, pattern)];
    });
    const state = this.#open();
    const n = prepared.length;
    let total = 0;
    for (const [nameBytes, patternBuf] of prepared) total += nameBytes.length + patternBuf.length;
    // All names and patterns in one buffer; arrays of their addresses.
    const arena = Buffer.alloc(total + 1);
    const base = Number(koffi.address(arena));
    const names = new SizeArray(n + 1);
    const nameLens = new SizeArray(n + 1);
    const patterns = new SizeArray(n + 1);
    const patternLens = new SizeArray(n + 1);
    let used = 0;
    prepared.forEach(([nameBytes, patternBuf], i) => {
      names[i] = sizeValue(base + used);
      nameLens[i] = sizeValue(nameBytes.length);
      used += nameBytes.copy(arena, used);
      patterns[i] = sizeValue(base + used);
      patternLens[i] = sizeValue(patternBuf.length);
      used += patternBuf.copy(arena, used);
    });
    const errOut = [null];
    const status = ffi.liveReplaceRules(state.live, names, nameLens, patterns, patternLens, n, errOut, this.#u64);
    if (status === EVM_PATTERN_ERROR) {
      const info = takeError(errOut[0]);
      throw new PatternError(info); // evm_error_rule names the rule
    }
    if (status !== EVM_OK) throw internalError('evm_live_replace_rules', status);
    return this.#changed(this.#u64[0]);
  }

  /** The version of the current rule set (0 for the constructor's rules). */
  get version() {
    const state = this.#open();
    const status = ffi.liveInfo(state.live, null, this.#u64);
    if (status !== EVM_OK) throw internalError('evm_live_info', status);
    return versionValue(this.#u64[0]);
  }

  /** The number of rules (distinct names) in the current rule set. */
  get ruleCount() {
    const state = this.#open();
    const status = ffi.liveInfo(state.live, this.#size, null);
    if (status !== EVM_OK) throw internalError('evm_live_info', status);
    return Number(this.#size[0]);
  }

  /** True once `close()` has been called. */
  get closed() {
    return this.#state.live === null;
  }

  /**
   * Frees the native live machine and scratch now. Idempotent. Any other
   * call afterwards throws an Error.
   */
  close() {
    const state = this.#state;
    if (state.live === null) return;
    liveRegistry.unregister(state);
    releaseLive(state);
    stats.liveClosed++;
  }

  /** `using m = new LiveMachine(...)` closes it at the end of the block. */
  [Symbol.dispose || Symbol.for('Symbol.dispose')]() {
    this.close();
  }

  /**
   * The names of the rules that match one event, sorted by code point,
   * against the current rule set (one `evm_live_match_batch` call).
   *
   * @param {string | Uint8Array | object} event JSON text, UTF-8 bytes, or
   *   an object (matched as its JSON.stringify text)
   * @returns {string[]}
   * @throws {EventError} when the event is not a JSON object (or too deep)
   * @throws {TypeError} when the event has the wrong type
   * @throws {Error} when the machine is closed
   */
  matches(event) {
    this.#open();
    return this.#run([event], false, true)[0];
  }

  /**
   * Matches a batch of events with ONE native call
   * (`evm_live_match_batch`), all against the same version of the rules:
   * entry `i` of the result is the sorted rule names for `events[i]`.
   *
   * @param {Array<string | Uint8Array | object>} events
   * @param {{invalid?: 'throw' | 'null'}} [options] what an event that is
   *   not a JSON object gives: an EventError for the first such event, with
   *   its `index` ("throw", the default), or `null` in its place ("null")
   * @returns {Array<string[] | null>}
   * @throws {EventError} for an invalid event (unless `invalid: 'null'`)
   * @throws {TypeError} when `events` or one of them has the wrong type
   * @throws {Error} when the machine is closed
   */
  matchesMany(events, options) {
    this.#open();
    if (!Array.isArray(events)) {
      throw new TypeError(`evmatch: matchesMany needs an array of events, not ${describe(events)}`);
    }
    const invalidNull = invalidOption(options);
    const items = snapshot(events);
    return this.#run(items, invalidNull, false);
  }

  /**
   * Matches `items` with one evm_live_match_batch call. `single`: for
   * matches() (no index in errors).
   */
  #run(items, invalidNull, single) {
    const n = items.length;
    const { texts, textBytes } = encodeEvents(items, invalidNull, single);
    // No user code runs from here on; check again that it is open.
    const state = this.#open();
    if (n === 0) return [];
    if (this.#batchArena.length < textBytes + 1) {
      this.#batchArena = Buffer.alloc(Math.max(textBytes + 1, this.#batchArena.length * 2));
    }
    if (this.#batchPtrs.length < 2 * n) {
      const cap = Math.max(2 * n, 2 * this.#batchPtrs.length);
      this.#batchPtrs = new Uint32Array(cap);
      this.#batchLens = new Uint32Array(cap);
      this.#batchStatus = new Int32Array(cap / 2);
    }
    const arena = this.#batchArena;
    const ptrs = this.#batchPtrs;
    const lens = this.#batchLens;
    const statusOut = this.#batchStatus;
    fillBatch(items, texts, arena, ptrs, lens);

    let results = this.#batch(state, ptrs, lens, n, statusOut);
    if (this.#u64[0] !== this.#cacheVersion) {
      // The rule set changed without this object knowing (not expected:
      // only this object changes it): names from the cache may be stale,
      // so match again with an empty cache.
      this.#changed(this.#u64[0]);
      results = this.#batch(state, ptrs, lens, n, statusOut);
    }

    const result = new Array(n);
    for (let i = 0; i < n; i++) {
      if (statusOut[i] !== EVM_OK) {
        if (invalidNull) {
          result[i] = null;
          continue;
        }
        const text = texts[i];
        throw liveEventError(typeof text === 'string' ? text : ownBytes(items[i]), single ? undefined : i);
      }
      const names = results[i];
      if (names === undefined) result[i] = [];
      else {
        if (names.length > 1) names.sort(compareCodePoints);
        result[i] = names;
      }
    }
    return result;
  }

  /** One evm_live_match_batch call; the names per event (unsorted). */
  #batch(state, ptrs, lens, n, statusOut) {
    const c = { results: new Array(n), cache: this.#cache, error: null };
    collecting = c;
    stats.liveBatchCalls++;
    let status;
    try {
      status = ffi.liveMatchBatch(state.live, state.scratch, ptrs, lens, n, liveCallback, null, statusOut, this.#u64);
    } finally {
      collecting = null;
    }
    if (c.error !== null) throw c.error;
    if (status !== EVM_OK) throw internalError('evm_live_match_batch', status);
    return c.results;
  }
}

module.exports = {
  Machine,
  LiveMachine,
  PatternError,
  EventError,
  version,
  libraryPath,
};
Object.defineProperty(module.exports, '_stats', { value: stats, enumerable: false });
