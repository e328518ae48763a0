// Type declarations for evmatch: Amazon EventBridge event-pattern matching
// for Node.js, through the evmatch C ABI.

/** A pattern: JSON text (compiled exactly as written), an object (compiled
 * from its JSON.stringify text) or UTF-8 bytes. */
export type Pattern = string | Uint8Array | { [key: string]: unknown };

/** Rule name to pattern. */
export type Rules = Record<string, Pattern> | Map<string, Pattern>;

/** An event: JSON text, UTF-8 bytes, or an object (matched as its
 * JSON.stringify text). */
export type Event = string | Uint8Array | { [key: string]: unknown } | unknown[];

export type PatternErrorKind =
  | 'syntax'
  | 'not-an-object'
  | 'structure'
  | 'unknown-operator'
  | 'operand'
  | 'numeric'
  | 'cidr'
  | 'wildcard'
  | 'too-complex'
  | 'too-many-combinations'
  | 'too-large'
  | 'too-deep'
  | 'unknown';

export type EventErrorKind = 'syntax' | 'not-an-object' | 'too-deep' | 'unknown';

/** A pattern that could not be compiled. */
export declare class PatternError extends Error {
  constructor(info: { rule: string; message: string; path?: string; offset?: number; code?: number });
  readonly name: 'PatternError';
  /** The name of the rule whose pattern failed. */
  rule: string;
  /** The JSON path of the offending spot, such as "$.detail.state" ("" if none). */
  path: string;
  /** Byte offset of the problem in the pattern's UTF-8 text. */
  offset: number;
  /** The kind of problem. */
  kind: PatternErrorKind;
  /** The C ABI's stable kind code (1 to 12). */
  code: number;
}

/** An event that could not be matched: not JSON, not a JSON object, too deep. */
export declare class EventError extends Error {
  constructor(info: { message: string; offset?: number; code?: number; index?: number });
  readonly name: 'EventError';
  /** Byte offset of the problem in the event's UTF-8 text. */
  offset: number;
  /** The kind of problem. */
  kind: EventErrorKind;
  /** The C ABI's stable kind code (1 to 3). */
  code: number;
  /** For matchesMany, the index of the event in the batch. */
  index?: number;
}

export interface MatchesManyOptions {
  /**
   * What an invalid event gives: an EventError for the first one, with its
   * `index` ("throw", the default), or `null` in its place ("null").
   */
  invalid?: 'throw' | 'null';
}

/** A compiled, immutable set of named EventBridge rules. */
export declare class Machine {
  /**
   * Compiles rules into a machine.
   * @throws {PatternError} when a pattern is invalid
   * @throws {TypeError} when `rules` or a pattern has the wrong type
   */
  constructor(rules: Rules);

  /**
   * Compiles a rules file: a JSON object of rule name to pattern, each an
   * object (compiled from its raw text) or a string holding the pattern.
   * @throws {PatternError} when a pattern is invalid
   * @throws {SyntaxError} when the file is not JSON
   * @throws {TypeError} when it is JSON but not a rules file
   */
  static fromFile(file: string | URL | Buffer): Machine;

  /** The rule names, in the machine's rule-index order. */
  readonly ruleNames: readonly string[];
  /** The number of rules (distinct names). */
  readonly ruleCount: number;
  /** True once close() has been called. */
  readonly closed: boolean;

  /**
   * The names of the rules that match one event, sorted by code point.
   * @throws {EventError} when the event is not a JSON object (or too deep)
   * @throws {TypeError} when the event has the wrong type
   * @throws {Error} when the machine is closed
   */
  matches(event: Event): string[];

  /**
   * Matches a batch of events with one native call; entry i holds the
   * sorted rule names for events[i].
   */
  matchesMany(events: Event[], options?: { invalid?: 'throw' }): string[][];
  matchesMany(events: Event[], options: { invalid: 'null' }): Array<string[] | null>;
  matchesMany(events: Event[], options?: MatchesManyOptions): Array<string[] | null>;

  /** Frees the native machine now. Idempotent; matching afterwards throws. */
  close(): void;

  /** Same as close(), for `using` declarations. */
  [Symbol.dispose](): void;
}

/**
 * A named set of rules that can change while in use (the C ABI's
 * `evm_live_*` functions): each add, remove or replace publishes a new
 * version, and a match sees one version for a whole call.
 *
 * Versions count from 0 (the constructor's rules) and go up by 1 per
 * change. The native counter is a uint64: a version past 2^53 - 1 (out of
 * reach in practice) would come back as a BigInt, which this `number`
 * type does not show.
 *
 * A LiveMachine belongs to the JavaScript thread that made it (a Worker
 * makes its own); native code matching against the same rule set from
 * other threads is never disturbed by its updates.
 */
export declare class LiveMachine {
  /**
   * An empty live machine, or one holding `rules` (as for `new Machine`).
   * @throws {PatternError} when a pattern is invalid
   * @throws {TypeError} when `rules` or a pattern has the wrong type
   */
  constructor(rules?: Rules);

  /**
   * Adds a pattern under `name` (ORed with the rule's other patterns if the
   * name is there). Returns the new version.
   * @throws {PatternError} when the pattern is invalid (nothing changes)
   */
  add(name: string, pattern: Pattern): number;

  /** Removes a rule; false (and no new version) if it was not there. */
  remove(name: string): boolean;

  /**
   * Replaces all the rules, all or nothing. Returns the new version.
   * @throws {PatternError} naming the first invalid rule (nothing changes)
   */
  replace(rules: Rules): number;

  /** The version of the current rule set. */
  readonly version: number;
  /** The number of rules (distinct names) in the current rule set. */
  readonly ruleCount: number;
  /** True once close() has been called. */
  readonly closed: boolean;

  /**
   * The names of the rules that match one event, sorted by code point.
   * @throws {EventError} when the event is not a JSON object (or too deep)
   * @throws {TypeError} when the event has the wrong type
   * @throws {Error} when the machine is closed
   */
  matches(event: Event): string[];

  /**
   * Matches a batch of events with one native call, all against the same
   * version; entry i holds the sorted rule names for events[i].
   */
  matchesMany(events: Event[], options?: { invalid?: 'throw' }): string[][];
  matchesMany(events: Event[], options: { invalid: 'null' }): Array<string[] | null>;
  matchesMany(events: Event[], options?: MatchesManyOptions): Array<string[] | null>;

  /** Frees the native live machine now. Idempotent; later calls throw. */
  close(): void;

  /** Same as close(), for `using` declarations. */
  [Symbol.dispose](): void;
}

/** The evmatch library version, from evm_version(), such as "0.1.0". */
export declare const version: string;

/** The path of the native library that was loaded. */
export declare const libraryPath: string;
