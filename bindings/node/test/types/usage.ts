// Compiled (not run) by test/types.test.js with `tsc --strict`: uses every
// declaration of index.d.ts as the README shows it, and checks that misuse
// is refused (each @ts-expect-error must meet an error).

import {
  Machine,
  LiveMachine,
  PatternError,
  EventError,
  version,
  libraryPath,
  type Explanation,
  type ExplainedField,
  type LineMatch,
  type MachineOptions,
  type RulesFileErrorInfo,
} from '../../index.js';

const options: MachineOptions = { trustedInput: true };
const m = new Machine({ stopped: { detail: { state: ['stopped'] } }, text: '{"a": [1]}' }, options);
const trusted: boolean = m.trustedInput;
const names: string[] = m.matches({ detail: { state: 'stopped' } });
const many: string[][] = m.matchesMany(['{"a": 1}', Buffer.from('{}')]);
const manyOrNull: Array<string[] | null> = m.matchesMany([{}], { invalid: 'null' });

const lines: LineMatch[] = m.matchLines(Buffer.from('{"a": 1}\n{}\n'));
const first: { line: number; matches: string[] } = lines[0];
const linesOrNull: LineMatch<string[] | null>[] = m.matchLines(new Uint8Array(0), { invalid: 'null' });
// @ts-expect-error: with invalid 'null', matches may be null
const notNull: string[] = m.matchLines(Buffer.alloc(0), { invalid: 'null' })[0].matches;
// @ts-expect-error: a string is not a buffer of JSON Lines
m.matchLines('{"a": 1}');

const why: Explanation = m.explain('stopped', { detail: { state: 'running' } });
const verdict: boolean = why.matched;
const tree: string = why.toString();
const field: ExplainedField = why.branches[0].fields[0];
const status: 'matched' | 'no-match' | 'absent' | 'not-a-leaf' = field.status;
const where: number = field.values[0].offset;
const indices: number[] = field.values[0].array_indices;
const satisfied: string | null = field.values[0].satisfies;
const conflict = why.branches[0].array_conflict;
const tried: number[][] | undefined = conflict === null ? undefined : conflict.elements_tried['a'];
// @ts-expect-error: the rule is named, not numbered
m.explain(0, {});

const f = Machine.fromFile('rules.json', { trustedInput: false });
const g = Machine.fromFile(new URL('file:///rules.json'));
// @ts-expect-error: unknown option
new Machine({}, { trusted: true });
// @ts-expect-error: trustedInput is a boolean
new Machine({}, { trustedInput: 1 });

try {
  Machine.fromFile('rules.json');
} catch (e) {
  if (e instanceof PatternError) {
    const at: string | undefined = e.location;
    const line: number | undefined = e.line;
    const column: number | undefined = e.column;
    const file: string | undefined = e.file;
    void [at, line, column, file, e.rule, e.path, e.offset, e.kind, e.code];
  } else if (e instanceof SyntaxError || e instanceof TypeError) {
    const info = e as unknown as RulesFileErrorInfo;
    const kind: 'syntax' | 'not-rules' | 'unknown' = info.kind;
    void [kind, info.file, info.line, info.column, info.offset, info.code, info.rule];
  }
}

try {
  m.matchLines(Buffer.from('{\n'));
} catch (e) {
  if (e instanceof EventError) {
    const line: number | undefined = e.line;
    const index: number | undefined = e.index;
    void [line, index, e.offset, e.kind, e.code];
  }
}

const live = new LiveMachine(undefined, { trustedInput: true });
const liveTrusted: boolean = live.trustedInput;
const v: number = live.add('r', { a: [1] });
const empty = new LiveMachine();
const withRules = new LiveMachine({ r: '{"a": [1]}' });
live.close();
empty.close();
withRules.close();
{
  using scoped = new Machine({});
  void scoped;
}

void [trusted, names, many, manyOrNull, first, linesOrNull, notNull, verdict, tree, status, where];
void [indices, satisfied, tried, f, g, liveTrusted, v, version, libraryPath];
