'use strict';
// LiveMachine: a rule set that changes while in use (the C ABI's evm_live_*
// functions). Matched names come back through one koffi callback per
// thread, shared by every live machine of the thread.

const { koffi, ffi, LiveMatchCallback, EVM_OK, EVM_PATTERN_ERROR } = require('./native');
const { PatternError, EventError, internalError, takeError } = require('./errors');
const {
  SizeArray,
  sizeValue,
  describe,
  patternBytes,
  ownBytes,
  prepareRules,
  nonNull,
  encodeEvents,
  fillBatch,
  BatchBuffers,
} = require('./marshal');
const { HandleKind, NativeHandle, openState, batchArguments } = require('./handle');
const { builderFrom } = require('./builder');
const { Machine } = require('./machine');
const stats = require('./stats');

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

const LIVE = new HandleKind({
  what: 'live machine',
  free: (live) => {
    ffi.liveFree(live);
    liveUnref();
  },
  newScratch: (live, out) => ffi.liveScratchNew(live, out),
  scratchFn: 'evm_live_scratch_new',
  counters: { created: 'liveCreated', closed: 'liveClosed', finalized: 'liveFinalized' },
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
class LiveMachine extends NativeHandle {
  /** Rule names by pointer, for the rule set of version #cacheVersion. */
  #cache = new Map();
  #cacheVersion = 0n;
  #u64 = new BigUint64Array(1);
  #size = new SizeArray(1);
  // matchesMany buffers, grown as needed.
  #buffers = new BatchBuffers(false);
  #trusted;

  /**
   * Makes a live machine, empty or holding `rules`.
   *
   * @param {Record<string, string | object | Uint8Array> | Map<string, string | object | Uint8Array>} [rules]
   *   rule name → pattern, as for `new Machine(rules)`
   * @param {{trustedInput?: boolean}} [options] as for `new Machine`;
   *   `trustedInput` holds for the rules added later too
   * @throws {PatternError} when a pattern is invalid (nothing is kept)
   * @throws {TypeError} when `rules`, a pattern or the options have the
   *   wrong type, or an option is unknown
   */
  constructor(rules, options) {
    const { builder, settings } = builderFrom(rules === undefined ? {} : rules, options);
    const out = [null];
    const status = ffi.liveNew(builder, out); // consumes the builder
    if (status !== EVM_OK) throw internalError('evm_live_new', status);
    liveRef(); // undone when the handle is freed (LIVE.free)
    super(LIVE, out[0]);
    this.#trusted = settings.trustedInput;
  }

  /** Whether the live machine was made with `trustedInput: true`. */
  get trustedInput() {
    return this.#trusted;
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
    openState(this);
    const nameBytes = liveRuleName(name, 'add');
    const patternBuf = patternBytes(name, pattern);
    const state = openState(this); // JSON.stringify may have run user code
    const errOut = [null];
    const status = ffi.liveAddRule(
      state.handle,
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
    const state = openState(this);
    const nameBytes = liveRuleName(name, 'remove');
    const removed = new Int32Array(1);
    const status = ffi.liveRemoveRule(state.handle, nonNull(nameBytes), nameBytes.length, removed, this.#u64);
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
    openState(this);
    const prepared = prepareRules(rules);
    const state = openState(this);
    const n = prepared.length;
    let total = 0;
    for (const [, nameBytes, patternBuf] of prepared) total += nameBytes.length + patternBuf.length;
    // All names and patterns in one buffer; arrays of their addresses.
    const arena = Buffer.alloc(total + 1);
    const base = Number(koffi.address(arena));
    const names = new SizeArray(n + 1);
    const nameLens = new SizeArray(n + 1);
    const patterns = new SizeArray(n + 1);
    const patternLens = new SizeArray(n + 1);
    let used = 0;
    prepared.forEach(([, nameBytes, patternBuf], i) => {
      names[i] = sizeValue(base + used);
      nameLens[i] = sizeValue(nameBytes.length);
      used += nameBytes.copy(arena, used);
      patterns[i] = sizeValue(base + used);
      patternLens[i] = sizeValue(patternBuf.length);
      used += patternBuf.copy(arena, used);
    });
    const errOut = [null];
    const status = ffi.liveReplaceRules(state.handle, names, nameLens, patterns, patternLens, n, errOut, this.#u64);
    if (status === EVM_PATTERN_ERROR) {
      const info = takeError(errOut[0]);
      throw new PatternError(info); // evm_error_rule names the rule
    }
    if (status !== EVM_OK) throw internalError('evm_live_replace_rules', status);
    return this.#changed(this.#u64[0]);
  }

  /** The version of the current rule set (0 for the constructor's rules). */
  get version() {
    const state = openState(this);
    const status = ffi.liveInfo(state.handle, null, this.#u64);
    if (status !== EVM_OK) throw internalError('evm_live_info', status);
    return versionValue(this.#u64[0]);
  }

  /** The number of rules (distinct names) in the current rule set. */
  get ruleCount() {
    const state = openState(this);
    const status = ffi.liveInfo(state.handle, this.#size, null);
    if (status !== EVM_OK) throw internalError('evm_live_info', status);
    return Number(this.#size[0]);
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
    openState(this);
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
    const { items, invalidNull } = batchArguments(this, events, options);
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
    const state = openState(this);
    if (n === 0) return [];
    const buffers = this.#buffers;
    buffers.reserve(n, textBytes);
    const { arena, ptrs, lens } = buffers;
    const statusOut = buffers.status;
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
      status = ffi.liveMatchBatch(state.handle, state.scratch, ptrs, lens, n, liveCallback, null, statusOut, this.#u64);
    } finally {
      collecting = null;
    }
    if (c.error !== null) throw c.error;
    if (status !== EVM_OK) throw internalError('evm_live_match_batch', status);
    return c.results;
  }
}

module.exports = { LiveMachine };
