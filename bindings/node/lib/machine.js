'use strict';
// Machine: a compiled, immutable rule set (evm_builder_build) and its
// matching, one event (evm_match), a batch (evm_match_batch) or a JSON
// Lines buffer (evm_match_lines) in one native call, with results sorted by
// code point; and explanations of one rule on one event (evm_explain,
// evm_explain_tree).

const { types: utilTypes } = require('node:util');
const { koffi, ffi, EVM_OK, EVM_EVENT_ERROR, EVM_BUFFER_TOO_SMALL } = require('./native');
const { EventError, internalError, takeError, illFormedEvent } = require('./errors');
const {
  LO,
  PTR_SIZE,
  describe,
  checkEvent,
  stringifyEvent,
  viewLength,
  lineCapacity,
  byteRange,
  sizeAt,
  ownBytes,
  encodeEvents,
  fillBatch,
  BatchBuffers,
} = require('./marshal');
const { HandleKind, NativeHandle, openState, invalidOption, batchArguments } = require('./handle');
const { RulesFile } = require('./rules-file');
const { builderFrom } = require('./builder');
const stats = require('./stats');

const MACHINE = new HandleKind({
  what: 'machine',
  free: (machine) => ffi.machineFree(machine),
  newScratch: (machine, out) => ffi.scratchNew(machine, out),
  scratchFn: 'evm_scratch_new',
  counters: { created: 'created', closed: 'closed', finalized: 'finalized' },
});

/**
 * A compiled, immutable set of named EventBridge rules.
 *
 * Free its native memory with `close()` when done (or a `using`
 * declaration); a finalizer frees it after garbage collection otherwise.
 */
class Machine extends NativeHandle {
  /** @type {readonly string[]} */
  #names;
  /** Rule name → index, made on the first explain. @type {Map<string, number> | null} */
  #indexes = null;
  #trusted;
  /** Rule indexes in name order, or null when index order is name order. */
  #rank;
  #ids;
  #count = new Uint32Array(2);
  #text = Buffer.alloc(4096);
  // matchesMany buffers, grown as needed.
  #batchIds = new Uint32Array(0);
  #buffers = new BatchBuffers(true);
  // matchLines buffers (size_t arrays as pairs of 32-bit halves on 64-bit
  // platforms), grown as needed: room for #linesCap events.
  #linesCap = 0;
  #lineOffsets = new Uint32Array(0);
  #lineStatus = new Int32Array(0);
  #lineSpans = new Uint32Array(0);
  #needed = new Uint32Array(2);

  /**
   * Compiles rules into a machine.
   *
   * @param {Record<string, string | object | Uint8Array> | Map<string, string | object | Uint8Array>} rules
   *   rule name → pattern: JSON text (compiled exactly as written), an
   *   object (compiled from its JSON.stringify text) or UTF-8 bytes
   * @param {{trustedInput?: boolean}} [options] `trustedInput`: the caller
   *   promises that each event is valid JSON (RFC 8259) and that no object
   *   repeats a member name. If the promise is broken the answers are
   *   unspecified, but there is still no panic, no undefined behaviour, no
   *   read outside the event, and no unbounded time or memory.
   * @throws {PatternError} when a pattern is invalid (nothing is kept)
   * @throws {TypeError} when `rules`, a pattern or the options have the
   *   wrong type, or an option is unknown
   */
  constructor(rules, options) {
    const { builder, settings } = builderFrom(rules, options);
    const out = [null];
    let status = ffi.builderBuild(builder, out); // consumes the builder
    if (status !== EVM_OK) throw internalError('evm_builder_build', status);
    super(MACHINE, out[0]);

    try {
      const state = openState(this);
      const countOut = [0];
      status = ffi.machineRuleCount(state.handle, countOut);
      if (status !== EVM_OK) throw internalError('evm_machine_rule_count', status);
      const count = Number(countOut[0]);
      const names = new Array(count);
      const ptrOut = [null];
      const lenOut = [0];
      for (let i = 0; i < count; i++) {
        status = ffi.machineRuleName(state.handle, i, ptrOut, lenOut);
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
      this.#trusted = settings.trustedInput;
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /**
   * Compiles a rules file: a JSON object of rule name → pattern, each
   * pattern an object (compiled from its raw text, exactly as written) or a
   * string holding the pattern text, read by the library's own reader, the
   * one `evmatch match --rules` uses. A name given twice keeps its last
   * pattern, as in a JSON object.
   *
   * @param {string | URL | Buffer} file path of the rules file
   * @param {{trustedInput?: boolean}} [options] as for the constructor
   * @returns {Machine}
   * @throws {PatternError} for the first invalid rule in the file, with
   *   `file`, `line`, `column` and `location` ("FILE:LINE:COLUMN")
   * @throws {SyntaxError} when the file is not JSON (or not UTF-8)
   * @throws {TypeError} when it is JSON but not a rules file, when `file`
   *   is not a path, or for the options (as for the constructor)
   * @throws {Error} when the file cannot be read (from fs)
   */
  static fromFile(file, options) {
    return new Machine(new RulesFile(file), options);
  }

  /** Whether the machine was made with `trustedInput: true`. */
  get trustedInput() {
    return this.#trusted;
  }

  /** The rule names, in the machine's rule-index order (frozen). */
  get ruleNames() {
    return this.#names;
  }

  /** The number of rules (distinct names). */
  get ruleCount() {
    return this.#names.length;
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

  /**
   * One event's bytes for a call: a Uint8Array's own bytes in place, or a
   * string's (or an object's JSON text) encoded into the reusable text
   * buffer. An empty event points at the text buffer, never at NULL.
   * JSON.stringify may run user code (toJSON), so callers check again
   * that the machine is open afterwards.
   */
  #eventBytes(event) {
    if (utilTypes.isUint8Array(event)) {
      const buf = ownBytes(event);
      const len = viewLength(buf);
      return [len === 0 ? this.#text : buf, len];
    }
    checkEvent(event, 'an event');
    const text = typeof event === 'string' ? event : stringifyEvent(event, 'the event');
    if (!text.isWellFormed()) throw illFormedEvent(text);
    const len = this.#encode(text);
    return [this.#text, len];
  }

  /** Details of an event the engine refused. */
  #eventError(state, buf, len, index, line) {
    const errOut = [null];
    const status = ffi.matchErr(
      state.handle,
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
    return new EventError({ ...info, index, line });
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
    openState(this);
    const [buf, len] = this.#eventBytes(event);
    // Again: JSON.stringify may have run user code (toJSON) that closed it.
    const state = openState(this);
    const count = this.#count;
    let status = ffi.match(
      state.handle,
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
      status = ffi.match(state.handle, state.scratch, buf, len, this.#ids, this.#ids.length, count, null);
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
    const { items, invalidNull } = batchArguments(this, events, options);
    const n = items.length;
    const { texts, textBytes } = encodeEvents(items, invalidNull, false);
    // No user code runs from here on; check again that it is open.
    const state = openState(this);
    if (n === 0) return [];
    const buffers = this.#buffers;
    buffers.reserve(n, textBytes);
    const { arena, ptrs, lens, offsets } = buffers;
    const statusOut = buffers.status;
    fillBatch(items, texts, arena, ptrs, lens);

    // One native call; a second only when the ids buffer must grow.
    const rules = this.#names.length;
    if (this.#batchIds.length === 0 || this.#batchIds.length < Math.min(n * rules, 1 << 20)) {
      this.#batchIds = new Uint32Array(Math.max(1, this.#batchIds.length, Math.min(n * rules, 1 << 20)));
    }
    const needed = this.#count;
    const call = () => {
      stats.batchCalls++;
      return ffi.matchBatch(
        state.handle,
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
    };
    let status = call();
    if (status === EVM_BUFFER_TOO_SMALL) {
      this.#batchIds = new Uint32Array(Math.max(needed[LO], 2 * this.#batchIds.length));
      status = call();
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

  /**
   * Matches the events of a JSON Lines buffer with ONE native call
   * (`evm_match_lines`), reading them in place. Lines end at "\n" (a last
   * line without one counts), a "\r" before the "\n" is not part of the
   * event, and lines holding only white space are skipped. Entry `i` of
   * the result is the `i`-th event: its line number (from 1, blank lines
   * counted) and the sorted rule names that match it.
   *
   * @param {Uint8Array} buffer JSON Lines (a Buffer or any Uint8Array)
   * @param {{invalid?: 'throw' | 'null'}} [options] what an invalid line
   *   gives: an EventError for the first one, with its `index` and `line`
   *   and the offset in that line ("throw", the default), or `matches:
   *   null` in its place, the other lines answered as usual ("null")
   * @returns {Array<{line: number, matches: string[] | null}>}
   * @throws {EventError} for an invalid line (unless `invalid: 'null'`)
   * @throws {TypeError} when `buffer` is not a Uint8Array, or for the options
   * @throws {Error} when the machine is closed
   */
  matchLines(buffer, options) {
    openState(this);
    if (!utilTypes.isUint8Array(buffer)) {
      throw new TypeError(`evmatch: matchLines needs a Buffer or Uint8Array of JSON Lines, not ${describe(buffer)}`);
    }
    const invalidNull = invalidOption(options, 'matchLines');
    // The option's getter may have closed it.
    const state = openState(this);
    const data = ownBytes(buffer);
    const len = viewLength(data);
    if (len === 0) return [];

    // Enough room for every event: one per newline, and a last line.
    this.#reserveLines(lineCapacity(data));
    const rules = this.#names.length;
    const want = Math.min(this.#linesCap * rules, 1 << 20);
    if (this.#batchIds.length === 0 || this.#batchIds.length < want) {
      this.#batchIds = new Uint32Array(Math.max(1, this.#batchIds.length, want));
    }
    const nEvents = this.#count;
    const needed = this.#needed;
    stats.linesCalls++;
    let status = this.#callLines(state, data, len);
    if (status === EVM_BUFFER_TOO_SMALL) {
      // More matches than the ids buffer holds (the events always fit).
      this.#reserveLines(sizeAt(nEvents, 0));
      this.#batchIds = new Uint32Array(Math.max(sizeAt(needed, 0), 2 * this.#batchIds.length));
      stats.linesCalls++;
      status = this.#callLines(state, data, len);
    }
    if (status !== EVM_OK) throw internalError('evm_match_lines', status);

    const n = sizeAt(nEvents, 0);
    const ids = this.#batchIds;
    const offsets = this.#lineOffsets;
    const statusOut = this.#lineStatus;
    const spans = this.#lineSpans;
    const step = PTR_SIZE === 8 ? 2 : 1;
    const lo = PTR_SIZE === 8 ? LO : 0;
    const result = new Array(n);
    for (let i = 0; i < n; i++) {
      // evm_line_span: line, start, end.
      const line = sizeAt(spans, 3 * i);
      const st = statusOut[i];
      if (st !== EVM_OK) {
        if (st !== EVM_EVENT_ERROR) throw internalError('evm_match_lines', st);
        if (invalidNull) {
          result[i] = { line, matches: null };
          continue;
        }
        const start = sizeAt(spans, 3 * i + 1);
        const end = sizeAt(spans, 3 * i + 2);
        const event = end > start ? byteRange(data, start, end) : this.#text;
        throw this.#eventError(state, event, end - start, i, line);
      }
      const start = offsets[step * i + lo];
      const end = offsets[step * (i + 1) + lo];
      result[i] = { line, matches: start === end ? [] : this.#namesOf(ids, start, end) };
    }
    return result;
  }

  /** Grows the matchLines buffers to hold at least `cap` events. */
  #reserveLines(cap) {
    if (cap <= this.#linesCap) return;
    const size = Math.max(cap, 2 * this.#linesCap);
    const words = PTR_SIZE === 8 ? 2 : 1;
    this.#lineOffsets = new Uint32Array(words * (size + 1));
    this.#lineStatus = new Int32Array(size);
    this.#lineSpans = new Uint32Array(3 * words * size);
    this.#linesCap = size;
  }

  /** One evm_match_lines call with the current buffers. */
  #callLines(state, data, len) {
    return ffi.matchLines(
      state.handle,
      state.scratch,
      data,
      len,
      this.#batchIds,
      this.#batchIds.length,
      this.#lineOffsets,
      this.#lineStatus,
      this.#lineSpans,
      this.#linesCap,
      this.#count,
      this.#needed,
    );
  }

  /**
   * Explains why rule `rule` matches `event` or does not: the parsed JSON
   * of `evm_explain` (`rule`, `matched`, and per `$or` branch its fields,
   * the event's values at each and what they satisfy, and any array
   * conflict), with a `toString()` (not enumerable) giving the readable
   * tree of `evm_explain_tree`. The verdict is the matcher's own. For
   * debugging: slow next to matching.
   *
   * @param {string} rule the rule's name
   * @param {string | Uint8Array | object} event as for `matches`
   * @returns {object} see `Explanation` in index.d.ts
   * @throws {RangeError} when the machine has no rule of that name
   * @throws {EventError} when the event is not a JSON object (or too deep),
   *   as `matches` throws
   * @throws {TypeError} when `rule` is not a string or the event has the
   *   wrong type
   * @throws {Error} when the machine is closed
   */
  explain(rule, event) {
    openState(this);
    if (typeof rule !== 'string') {
      throw new TypeError(`evmatch: explain needs a rule name (a string), not ${describe(rule)}`);
    }
    if (this.#indexes === null) this.#indexes = new Map(this.#names.map((name, i) => [name, i]));
    const index = this.#indexes.get(rule);
    if (index === undefined) {
      throw new RangeError(`evmatch: explain: the machine has no rule named ${JSON.stringify(rule)}`);
    }
    const [buf, len] = this.#eventBytes(event);
    // JSON.stringify may have run user code (toJSON) that closed it.
    const state = openState(this);
    const json = explainText(ffi.explain, 'evm_explain', state.handle, index, buf, len);
    const tree = explainText(ffi.explainTree, 'evm_explain_tree', state.handle, index, buf, len);
    const explanation = JSON.parse(json);
    Object.defineProperty(explanation, 'toString', {
      value: () => tree,
      enumerable: false,
      writable: true,
      configurable: true,
    });
    return explanation;
  }
}

/**
 * The text one of the explain functions gives (read, then freed with
 * evm_text_free); an EventError for an event the engine refuses.
 */
function explainText(fn, name, handle, index, buf, len) {
  const textOut = [null];
  const errOut = [null];
  const status = fn(handle, index, buf, len, textOut, errOut);
  if (status === EVM_EVENT_ERROR) throw new EventError(takeError(errOut[0]));
  if (status !== EVM_OK) throw internalError(name, status);
  try {
    return koffi.decode.string(textOut[0]);
  } finally {
    ffi.textFree(textOut[0]);
  }
}

module.exports = { Machine };