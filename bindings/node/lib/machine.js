'use strict';
// Machine: a compiled, immutable rule set (evm_builder_build) and its
// matching, one event (evm_match) or a batch in one native call
// (evm_match_batch), with results sorted by code point.

const { types: utilTypes } = require('node:util');
const { koffi, ffi, EVM_OK, EVM_EVENT_ERROR, EVM_BUFFER_TOO_SMALL } = require('./native');
const { EventError, internalError, takeError, illFormedEvent } = require('./errors');
const {
  LO,
  PTR_SIZE,
  checkEvent,
  stringifyEvent,
  viewLength,
  ownBytes,
  encodeEvents,
  fillBatch,
  BatchBuffers,
} = require('./marshal');
const { HandleKind, NativeHandle, openState, batchArguments } = require('./handle');
const { builderFrom } = require('./builder');
const { readRulesFile } = require('./rules-file');
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
  /** Rule indexes in name order, or null when index order is name order. */
  #rank;
  #ids;
  #count = new Uint32Array(2);
  #text = Buffer.alloc(4096);
  // matchesMany buffers, grown as needed.
  #batchIds = new Uint32Array(0);
  #buffers = new BatchBuffers(true);

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
    return new Machine(readRulesFile(file));
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

  /** Details of an event the engine refused. */
  #eventError(state, buf, len, index) {
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
    openState(this);
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
    const state = openState(this);
    if (len === 0) buf = this.#text; // a real pointer, not NULL
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
    stats.batchCalls++;
    let status = ffi.matchBatch(
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
    if (status === EVM_BUFFER_TOO_SMALL) {
      this.#batchIds = new Uint32Array(Math.max(needed[LO], 2 * this.#batchIds.length));
      stats.batchCalls++;
      status = ffi.matchBatch(
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

module.exports = { Machine };
