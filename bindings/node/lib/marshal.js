'use strict';
// JavaScript values into the memory the C ABI reads: type checks of rules,
// patterns and events (TypeError before any native call), their UTF-8
// bytes, byte views read through the built-in getters, and the batch
// arrays of addresses and lengths. No native call is made here.

const os = require('node:os');
const { types: utilTypes } = require('node:util');
const { koffi } = require('./native');
const { PatternError, illFormedEvent, loneSurrogateOffset } = require('./errors');

// size_t out-values are read from Uint32Array pairs (counts stay far below
// 2^32): the low word is first on little-endian machines.
const LO = os.endianness() === 'LE' ? 0 : 1;
const HI = 1 - LO;
const PTR_SIZE = koffi.sizeof('void *');

/** size_t arrays for the C ABI. */
const SizeArray = PTR_SIZE === 8 ? BigUint64Array : Uint32Array;
const sizeValue = PTR_SIZE === 8 ? (x) => BigInt(x) : (x) => x;

/** How a value is named in a TypeError: "null", "an array", "a number"... */
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

/**
 * The number of newline bytes in a view plus one: the most events a JSON
 * Lines buffer can hold (evm_match_lines's `events_cap`).
 */
function lineCapacity(view) {
  const bytes = Buffer.from(viewBuffer(view), viewOffset(view), viewLength(view));
  let n = 1;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

/** A view of bytes `start .. end` of a view (built-in getters only). */
function byteRange(view, start, end) {
  return new Uint8Array(viewBuffer(view), viewOffset(view) + start, end - start);
}

/**
 * Entry `i` of a size_t array read as a Uint32Array (pairs of 32-bit
 * halves on 64-bit platforms).
 */
function sizeAt(words, i) {
  return PTR_SIZE === 8 ? words[2 * i + LO] + words[2 * i + HI] * 0x100000000 : words[i];
}

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

/**
 * The rules as [name, name bytes, pattern bytes], checked rule by rule in
 * order: a rule name that is not well-formed Unicode is a TypeError, a bad
 * pattern a TypeError or PatternError (see patternBytes).
 *
 * @returns {Array<[string, Buffer, Uint8Array]>}
 */
function prepareRules(rules) {
  return ruleEntries(rules).map(([name, pattern]) => {
    if (!name.isWellFormed()) {
      throw new TypeError(`evmatch: rule name ${JSON.stringify(name)} is not well-formed Unicode`);
    }
    return [name, Buffer.from(name, 'utf8'), patternBytes(name, pattern)];
  });
}

// Zero-length buffers may reach C as NULL pointers: give C a real, readable
// pointer with length 0 instead.
const NON_EMPTY = Buffer.alloc(1);
const nonNull = (buf) => (buf.length ? buf : NON_EMPTY);

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


/**
 * The reusable buffers of batch calls, grown as needed: `arena` for event
 * text, `ptrs` and `lens` (a size_t per event, written as pairs of 32-bit
 * halves), `status` (an int per event) and, when asked for, `offsets` (a
 * size_t per event and one more).
 */
class BatchBuffers {
  /** @param {boolean} withOffsets */
  constructor(withOffsets) {
    this.withOffsets = withOffsets;
    this.arena = Buffer.alloc(1);
    this.ptrs = new Uint32Array(0);
    this.lens = new Uint32Array(0);
    this.offsets = new Uint32Array(0);
    this.status = new Int32Array(0);
  }

  /** Makes room for `n` events whose text takes at most `textBytes` bytes. */
  reserve(n, textBytes) {
    if (this.arena.length < textBytes + 1) {
      this.arena = Buffer.alloc(Math.max(textBytes + 1, this.arena.length * 2));
    }
    if (this.ptrs.length < 2 * n) {
      const cap = Math.max(2 * n, 2 * this.ptrs.length);
      this.ptrs = new Uint32Array(cap);
      this.lens = new Uint32Array(cap);
      if (this.withOffsets) this.offsets = new Uint32Array(cap + 2);
      this.status = new Int32Array(cap / 2);
    }
  }
}

module.exports = {
  LO,
  HI,
  PTR_SIZE,
  SizeArray,
  sizeValue,
  describe,
  patternBytes,
  checkEvent,
  stringifyEvent,
  viewLength,
  lineCapacity,
  byteRange,
  sizeAt,
  copyBytes,
  ownBytes,
  ruleEntries,
  prepareRules,
  nonNull,
  snapshot,
  encodeEvents,
  fillBatch,
  BatchBuffers,
};
