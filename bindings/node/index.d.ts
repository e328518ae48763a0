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

/**
 * What `Machine.fromFile` adds to the SyntaxError (a file that is not JSON,
 * or not UTF-8) or TypeError (JSON, but not an object of patterns) it
 * throws for a file that is not a rules file. Its message is
 * "evmatch: FILE:LINE:COLUMN: MESSAGE".
 */
export interface RulesFileErrorInfo {
  /** The rules file's path. */
  file: string;
  /** The line of `offset`, from 1. */
  line: number;
  /** The column of `offset` in its line, in bytes from 1. */
  column: number;
  /** Byte offset of the problem in the file. */
  offset: number;
  kind: 'syntax' | 'not-rules' | 'unknown';
  /** The C ABI's stable kind code (1 or 2). */
  code: number;
  /** The member whose value is not a pattern, if that is the problem. */
  rule?: string;
}

/** A pattern that could not be compiled. */
export declare class PatternError extends Error {
  constructor(info: {
    rule: string;
    message: string;
    path?: string;
    offset?: number;
    code?: number;
    file?: string;
    line?: number;
    column?: number;
  });
  readonly name: 'PatternError';
  /** The name of the rule whose pattern failed. */
  rule: string;
  /** The JSON path of the offending spot, such as "$.detail.state" ("" if none). */
  path: string;
  /**
   * Byte offset of the problem in the pattern's UTF-8 text; for a rules
   * file, in the file (for a pattern held in a JSON string, where that
   * string starts).
   */
  offset: number;
  /** The kind of problem. */
  kind: PatternErrorKind;
  /** The C ABI's stable kind code (1 to 12). */
  code: number;
  /** For a rules file (`Machine.fromFile`): its path. */
  file?: string;
  /** For a rules file: the line of `offset`, from 1. */
  line?: number;
  /** For a rules file: the column of `offset` in its line, in bytes from 1. */
  column?: number;
  /** For a rules file: "FILE:LINE:COLUMN". */
  location?: string;
}

/** An event that could not be matched: not JSON, not a JSON object, too deep. */
export declare class EventError extends Error {
  constructor(info: { message: string; offset?: number; code?: number; index?: number; line?: number });
  readonly name: 'EventError';
  /** Byte offset of the problem in the event's UTF-8 text (for matchLines, in its line). */
  offset: number;
  /** The kind of problem. */
  kind: EventErrorKind;
  /** The C ABI's stable kind code (1 to 3). */
  code: number;
  /** For matchesMany and matchLines, the index of the event in the batch. */
  index?: number;
  /** For matchLines, the event's line number, from 1 (blank lines counted). */
  line?: number;
}

export interface MatchesManyOptions {
  /**
   * What an invalid event gives: an EventError for the first one, with its
   * `index` ("throw", the default), or `null` in its place ("null").
   */
  invalid?: 'throw' | 'null';
}

/**
 * Options of `new Machine`, `Machine.fromFile` and `new LiveMachine`. Any
 * other key is refused with a TypeError.
 */
export interface MachineOptions {
  /**
   * Trusted input: the caller promises that each event is valid JSON
   * (RFC 8259) and that no object repeats a member name. If the promise is
   * broken the answers are unspecified, but there is still no panic, no
   * undefined behaviour, no read outside the event, and no unbounded time
   * or memory. Default false: every event is fully validated.
   */
  trustedInput?: boolean;
}

/** One event of a JSON Lines buffer, from `matchLines`. */
export interface LineMatch<M extends string[] | null = string[]> {
  /** The event's line number, from 1 (blank lines counted). */
  line: number;
  /** The sorted names of the matching rules (null for an invalid line with `invalid: 'null'`). */
  matches: M;
}

/** Where a field's value in the event satisfies the field's leaf, or not. */
export interface ExplainedValue {
  /** The value's JSON text in the event (possibly cut short: see `truncated`). */
  value: string;
  /** Where the value starts in the event, in bytes. */
  offset: number;
  /** The indices of the arrays around the value, outermost first. */
  array_indices: number[];
  /** The element of the leaf the value satisfies, as the pattern wrote it, or null. */
  satisfies: string | null;
  /** Present (true) when `value` was cut short. */
  truncated?: true;
  /** Present (true) when the event holds an object there, not a leaf value. */
  object?: true;
}

/** One field of a branch: its path, its leaf and what the event holds there. */
export interface ExplainedField {
  /** The dotted path, such as "detail.state". */
  path: string;
  /** The leaf as the pattern wrote it (a JSON array's text). */
  pattern: string;
  /** Whether the field is satisfied on its own. */
  matched: boolean;
  /** "absent": the event has no value there; "not-a-leaf": an object. */
  status: 'matched' | 'no-match' | 'absent' | 'not-a-leaf';
  /** The event's values at the path. */
  values: ExplainedValue[];
  /** How many more values there were than `values` lists. */
  omitted_values: number;
}

/** Fields each satisfied alone but not by the same array elements. */
export interface ArrayConflict {
  /** Their paths. */
  fields: string[];
  /** Per path, the array indices of the elements that satisfied it. */
  elements_tried: Record<string, number[][]>;
}

/** One `$or` branch of the rule (a rule without `$or` has one). */
export interface ExplainedBranch {
  matched: boolean;
  fields: ExplainedField[];
  /** Why a branch whose fields all hold on their own fails, or null. */
  array_conflict: ArrayConflict | null;
}

/**
 * Why a rule matches an event or does not (`Machine.explain`): the JSON
 * schema of the C ABI's `evm_explain`, which only ever gains keys.
 */
export interface Explanation {
  /** The rule's name. */
  rule: string;
  /** The matcher's verdict: whether `matches(event)` names the rule. */
  matched: boolean;
  /** The branches, in the order of the rule's patterns and `$or` combinations. */
  branches: ExplainedBranch[];
  /** The readable tree (one line per branch, field and value; ✗ marks failures). Not enumerable. */
  toString(): string;
}

/** A compiled, immutable set of named EventBridge rules. */
export declare class Machine {
  /**
   * Compiles rules into a machine.
   * @throws {PatternError} when a pattern is invalid
   * @throws {TypeError} when `rules`, a pattern or the options have the
   *   wrong type, or an option is unknown
   */
  constructor(rules: Rules, options?: MachineOptions);

  /**
   * Compiles a rules file: a JSON object of rule name to pattern, each an
   * object (compiled from its raw text) or a string holding the pattern,
   * read by the library's reader (the one `evmatch match --rules` uses). A
   * name given twice keeps its last pattern.
   * @throws {PatternError} for the first invalid rule, with `file`, `line`,
   *   `column` and `location`
   * @throws {SyntaxError} when the file is not JSON (see RulesFileErrorInfo)
   * @throws {TypeError} when it is JSON but not a rules file (see
   *   RulesFileErrorInfo), or for the arguments
   */
  static fromFile(file: string | URL | Buffer, options?: MachineOptions): Machine;

  /** Whether the machine was made with `trustedInput: true`. */
  readonly trustedInput: boolean;

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

  /**
   * Matches the events of a JSON Lines buffer with one native call, read in
   * place: one entry per line that is not blank, with its line number. An
   * invalid line throws an EventError with `index`, `line` and the offset in
   * the line ("throw", the default), or gets `matches: null` ("null").
   * @throws {TypeError} when `buffer` is not a Uint8Array
   */
  matchLines(buffer: Uint8Array, options?: { invalid?: 'throw' }): LineMatch[];
  matchLines(buffer: Uint8Array, options: { invalid: 'null' }): LineMatch<string[] | null>[];
  matchLines(buffer: Uint8Array, options?: MatchesManyOptions): LineMatch<string[] | null>[];

  /**
   * Why rule `rule` matches `event` or does not. For debugging: slow next
   * to matching.
   * @throws {RangeError} when there is no rule of that name
   * @throws {EventError} when the event is invalid, as `matches` throws
   * @throws {TypeError} when `rule` is not a string or the event has the wrong type
   */
  explain(rule: string, event: Event): Explanation;

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
   * An empty live machine, or one holding `rules` (as for `new Machine`);
   * `trustedInput` holds for the rules added later too.
   * @throws {PatternError} when a pattern is invalid
   * @throws {TypeError} when `rules`, a pattern or the options have the
   *   wrong type, or an option is unknown
   */
  constructor(rules?: Rules, options?: MachineOptions);

  /** Whether the live machine was made with `trustedInput: true`. */
  readonly trustedInput: boolean;

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
