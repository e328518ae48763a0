'use strict';
// What Machine and LiveMachine share: a native handle and its scratch,
// owned by one JavaScript object; freed by close() (or a `using`
// declaration) or, for an object never closed, by a finalizer after garbage
// collection; the check that it is open, made before every native call; and
// the `invalid` option of the batch calls.
//
// The handles live in a plain `state` object ({handle, scratch}) that the
// finalizer holds, not in the JavaScript object, so that freeing never
// needs the object and a closed handle is null, never a dangling pointer.

const { ffi, EVM_OK } = require('./native');
const { internalError } = require('./errors');
const { describe, snapshot } = require('./marshal');
const stats = require('./stats');

/**
 * One kind of handle: how it is named in errors (`what`), how its native
 * handle is freed (`free`) and its scratch made (`newScratch`, the C ABI
 * function `scratchFn`), and the names of its counters in `stats`.
 */
class HandleKind {
  /**
   * @param {{what: string, free: (handle: unknown) => void,
   *   newScratch: (handle: unknown, out: unknown[]) => number, scratchFn: string,
   *   counters: {created: string, closed: string, finalized: string}}} spec
   */
  constructor(spec) {
    this.what = spec.what;
    this.free = spec.free;
    this.newScratch = spec.newScratch;
    this.scratchFn = spec.scratchFn;
    this.counters = spec.counters;
    this.registry = new FinalizationRegistry((state) => {
      if (state.handle !== null) stats[this.counters.finalized]++;
      this.release(state);
    });
  }

  /** Frees the native handles of `state`; safe to call twice. */
  release(state) {
    const { scratch, handle } = state;
    state.scratch = null;
    state.handle = null;
    if (scratch !== null) ffi.scratchFree(scratch);
    if (handle !== null) this.free(handle);
  }
}

/** @type {(h: NativeHandle) => {handle: unknown, scratch: unknown}} */
let openState;

/**
 * The base of Machine and LiveMachine: owns a native handle and the scratch
 * made for it.
 */
class NativeHandle {
  /** @type {HandleKind} */
  #kind;
  /** @type {{handle: unknown, scratch: unknown}} */
  #state;

  /**
   * Takes `handle` over (and frees it, throwing, when its scratch cannot be
   * made).
   *
   * @param {HandleKind} kind
   * @param {unknown} handle
   */
  constructor(kind, handle) {
    const state = { handle, scratch: null };
    const out = [null];
    const status = kind.newScratch(handle, out);
    if (status !== EVM_OK) {
      kind.release(state);
      throw internalError(kind.scratchFn, status);
    }
    state.scratch = out[0];
    this.#kind = kind;
    this.#state = state;
    stats[kind.counters.created]++;
    kind.registry.register(this, state, state);
  }

  /** True once `close()` has been called. */
  get closed() {
    return this.#state.handle === null;
  }

  /**
   * Frees the native handle and its scratch now. Idempotent. Any call that
   * needs them afterwards throws an Error.
   */
  close() {
    const state = this.#state;
    if (state.handle === null) return;
    const kind = this.#kind;
    kind.registry.unregister(state);
    kind.release(state);
    stats[kind.counters.closed]++;
  }

  /** `using m = new Machine(...)` closes it at the end of the block. */
  [Symbol.dispose || Symbol.for('Symbol.dispose')]() {
    this.close();
  }

  static {
    // The subclasses' way to their state (a TypeError for an object that
    // is not a NativeHandle, as for any private field).
    openState = (h) => {
      const state = h.#state;
      if (state.handle === null) throw new Error(`evmatch: the ${h.#kind.what} is closed`);
      return state;
    };
  }
}

/**
 * The `invalid` option of a batch call (`what`: matchesMany, matchLines):
 * true for "null", false for "throw" (the default).
 */
function invalidOption(options, what) {
  if (options === undefined) return false;
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`evmatch: ${what} options must be an object`);
  }
  const inv = options.invalid;
  if (inv === 'null') return true;
  if (inv !== undefined && inv !== 'throw') {
    throw new TypeError(`evmatch: ${what} option invalid must be "throw" or "null", not ${String(inv)}`);
  }
  return false;
}

/**
 * The arguments of `matchesMany`, checked in this order: the handle is
 * open, `events` is an array, the options. Returns a snapshot of the events
 * and whether an invalid event gives null.
 *
 * @param {NativeHandle} h
 * @param {unknown} events
 * @param {unknown} options
 * @returns {{items: unknown[], invalidNull: boolean}}
 */
function batchArguments(h, events, options) {
  openState(h);
  if (!Array.isArray(events)) {
    throw new TypeError(`evmatch: matchesMany needs an array of events, not ${describe(events)}`);
  }
  const invalidNull = invalidOption(options, 'matchesMany');
  return { items: snapshot(events), invalidNull };
}

module.exports = { HandleKind, NativeHandle, openState, invalidOption, batchArguments };
