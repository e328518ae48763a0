'use strict';
// The API: construction from every rule form, matches() for every event
// form, matchesMany(), rule names, sorting, version, growth of the native
// output buffers.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const evmatch = require('..');
const { Machine, PatternError, EventError } = evmatch;

const ROOT = path.resolve(__dirname, '..', '..', '..');
const EC2 = '{"source": "aws.ec2", "detail": {"state": "stopped", "n": 500}}';

function machine() {
  return new Machine({
    ec2: '{"source": ["aws.ec2"]}',
    stopped: { detail: { state: ['stopped'] } },
    'has-source': Buffer.from('{"source": [{"exists": true}]}'),
    big: { detail: { n: [{ numeric: ['>', 100] }] } },
  });
}

test('version comes from evm_version and matches Cargo.toml', () => {
  const cargo = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8');
  const want = /^version\s*=\s*"([^"]+)"/m.exec(cargo)[1];
  assert.equal(evmatch.version, want);
  assert.equal(typeof evmatch.libraryPath, 'string');
  assert.ok(fs.existsSync(evmatch.libraryPath));
});

test('the exports', () => {
  assert.deepEqual(Object.keys(evmatch).sort(), [
    'EventError',
    'LiveMachine',
    'Machine',
    'PatternError',
    'libraryPath',
    'version',
  ]);
  assert.ok(new PatternError({ rule: 'r', message: 'm' }) instanceof Error);
  assert.ok(new EventError({ message: 'm' }) instanceof Error);
});

test('rules as JSON text, objects, bytes and a Map', () => {
  const m = machine();
  assert.deepEqual([...m.ruleNames], ['ec2', 'stopped', 'has-source', 'big']);
  assert.equal(m.ruleCount, 4);
  assert.ok(Object.isFrozen(m.ruleNames));
  assert.deepEqual(m.matches(EC2), ['big', 'ec2', 'has-source', 'stopped']);
  m.close();

  const fromMap = new Machine(
    new Map([
      ['b', '{"x": [1]}'],
      ['a', { x: [1, 2] }],
    ]),
  );
  assert.deepEqual(fromMap.matches('{"x": 1}'), ['a', 'b']);
  assert.deepEqual(fromMap.matches('{"x": 2}'), ['a']);
  fromMap.close();
});

test('an empty rule set matches nothing', () => {
  const m = new Machine({});
  assert.equal(m.ruleCount, 0);
  assert.deepEqual(m.matches('{"a": 1}'), []);
  assert.deepEqual(m.matchesMany(['{"a": 1}', {}]), [[], []]);
  assert.deepEqual(new Machine(new Map()).ruleNames, []);
  m.close();
});

test('pattern text is compiled exactly as written', () => {
  // 9007199254740993 is not a double: only the identical spelling equals
  // it, so re-serialising the text would break this.
  const m = new Machine({ big: '{"n": [9007199254740993]}', dup: '{"a": [1], "a": [2]}' });
  assert.deepEqual(m.matches('{"n": 9007199254740993}'), ['big']);
  assert.deepEqual(m.matches('{"n": 9007199254740992}'), []);
  // Duplicate keys: the last value wins.
  assert.deepEqual(m.matches('{"a": 2}'), ['dup']);
  assert.deepEqual(m.matches('{"a": 1}'), []);
  m.close();
});

test('matches() takes a string, a Buffer, a Uint8Array view and an object', () => {
  const m = machine();
  const want = ['big', 'ec2', 'has-source', 'stopped'];
  assert.deepEqual(m.matches(EC2), want);
  assert.deepEqual(m.matches(Buffer.from(EC2)), want);
  const padded = new TextEncoder().encode(`xxxx${EC2}yyyy`);
  assert.deepEqual(m.matches(padded.subarray(4, padded.length - 4)), want);
  assert.deepEqual(m.matches(JSON.parse(EC2)), want);
  assert.deepEqual(m.matches('{"source": "aws.s3"}'), ['has-source']);
  assert.deepEqual(m.matches({ other: true }), []);
  // A fresh array each time.
  const a = m.matches('{}');
  a.push('x');
  assert.deepEqual(m.matches('{}'), []);
  m.close();
});

test('non-ASCII text and long events', () => {
  const m = new Machine({ r: { name: ['Zoë 😀'] }, p: { name: [{ prefix: 'Zo' }] } });
  assert.deepEqual(m.matches({ name: 'Zoë 😀' }), ['p', 'r']);
  assert.deepEqual(m.matches(Buffer.from('{"name": "Zoë 😀"}')), ['p', 'r']);
  // Longer than the initial text buffer: it grows.
  const long = { pad: 'é'.repeat(100000), name: 'Zoë 😀' };
  assert.deepEqual(m.matches(long), ['p', 'r']);
  assert.deepEqual(m.matches(JSON.stringify(long)), ['p', 'r']);
  assert.deepEqual(m.matchesMany([long, long]), [['p', 'r'], ['p', 'r']]);
  m.close();
});

test('results are sorted by code point, as in Rust, not in UTF-16 order', () => {
  // U+FFFD sorts before U+1F600 by code point, after it by UTF-16 units.
  const names = ['z', '\u{1F600}', 'a', '\uFFFD', 'B', 'é'];
  const rules = {};
  for (const n of names) rules[n] = { x: [1] };
  const m = new Machine(rules);
  const want = ['B', 'a', 'z', 'é', '\uFFFD', '\u{1F600}'];
  assert.deepEqual(m.matches('{"x": 1}'), want);
  assert.deepEqual(m.matchesMany(['{"x": 1}', '{"x": 2}']), [want, []]);
  m.close();
});

test('rule names with NUL bytes and the empty name round-trip', () => {
  const m = new Machine({ 'nu\0l': { a: [1] }, '': { a: [1] } });
  assert.deepEqual([...m.ruleNames].sort(), ['', 'nu\0l']);
  assert.deepEqual(m.matches('{"a": 1}'), ['', 'nu\0l']);
  m.close();
});

test('more matches than the first output buffer holds', () => {
  const rules = {};
  for (let i = 0; i < 300; i++) rules[`r${String(i).padStart(3, '0')}`] = { a: [1] };
  const m = new Machine(rules);
  const all = Object.keys(rules);
  assert.deepEqual(m.matches('{"a": 1}'), all);
  assert.deepEqual(m.matches('{"a": 1}'), all);
  assert.deepEqual(m.matchesMany(['{"a": 1}', '{"a": 0}', '{"a": 1}']), [all, [], all]);
  m.close();
});

test('matchesMany grows its id buffer past the first guess (a second call)', () => {
  const rules = {};
  for (let i = 0; i < 1100; i++) rules[`r${String(i).padStart(4, '0')}`] = { a: [1] };
  const m = new Machine(rules);
  const all = Object.keys(rules);
  const events = new Array(1000).fill('{"a": 1}'); // 1.1M ids > 2^20
  const calls = evmatch._stats.batchCalls;
  const out = m.matchesMany(events);
  assert.equal(evmatch._stats.batchCalls, calls + 2);
  // The grown buffer is kept: one call from now on.
  m.matchesMany(events);
  assert.equal(evmatch._stats.batchCalls, calls + 3);
  assert.equal(out.length, 1000);
  assert.ok(out.every((r) => r.length === 1100 && r[0] === all[0] && r[1099] === all[1099]));
  m.close();
});

test('matchesMany: mixed event forms, order kept, empty batch', () => {
  const m = machine();
  const events = [
    EC2,
    Buffer.from('{"source": "aws.s3"}'),
    { detail: { n: 101 } },
    new TextEncoder().encode('{"none": 1}'),
    '{"source": "aws.ec2"}',
  ];
  assert.deepEqual(m.matchesMany(events), [
    ['big', 'ec2', 'has-source', 'stopped'],
    ['has-source'],
    ['big'],
    [],
    ['ec2', 'has-source'],
  ]);
  assert.deepEqual(m.matchesMany([]), []);
  // Same results as matches(), over a larger batch that reuses buffers.
  const many = [];
  for (let i = 0; i < 5000; i++) many.push({ source: i % 3 ? 'aws.ec2' : 'x', detail: { n: i } });
  const calls = evmatch._stats.batchCalls;
  const got = m.matchesMany(many);
  assert.equal(evmatch._stats.batchCalls, calls + 1, 'one evm_match_batch call per matchesMany');
  many.forEach((e, i) => assert.deepEqual(got[i], m.matches(e)));
  assert.deepEqual(m.matchesMany(many.slice(0, 10)), got.slice(0, 10));
  m.close();
});

test('matchesMany invalid events: null in place with {invalid: "null"}', () => {
  const m = machine();
  const events = [EC2, '{"broken": ', '[]', '', Buffer.alloc(0), '{"source": "aws.s3"}', 'x\uD800'];
  assert.deepEqual(m.matchesMany(events, { invalid: 'null' }), [
    ['big', 'ec2', 'has-source', 'stopped'],
    null,
    null,
    null,
    null,
    ['has-source'],
    null,
  ]);
  assert.deepEqual(m.matchesMany([EC2], { invalid: 'throw' }), [['big', 'ec2', 'has-source', 'stopped']]);
  assert.deepEqual(m.matchesMany([EC2], {}), [['big', 'ec2', 'has-source', 'stopped']]);
  m.close();
});

test('a Machine works after another one is closed, and many live at once', () => {
  const ms = [];
  for (let i = 0; i < 50; i++) ms.push(new Machine({ [`r${i}`]: { i: [i] } }));
  ms[10].close();
  assert.deepEqual(ms[11].matches({ i: 11 }), ['r11']);
  assert.deepEqual(ms[49].matchesMany([{ i: 49 }, { i: 1 }]), [['r49'], []]);
  for (const m of ms) m.close();
});

test('bytes: views sharing one ArrayBuffer, SharedArrayBuffer views, detached buffers', () => {
  const m = new Machine({ r: { a: [1] }, s: { a: [2] } });
  const whole = Buffer.from('{"a": 1}{"a": 2}[]{"a": 3}');
  const views = [whole.subarray(0, 8), whole.subarray(8, 16), whole.subarray(18, 26), whole.subarray(0, 8)];
  assert.deepEqual(m.matchesMany(views), [['r'], ['s'], [], ['r']]);
  assert.deepEqual(m.matchesMany([whole.subarray(16, 18)], { invalid: 'null' }), [null]);

  const shared = new Uint8Array(new SharedArrayBuffer(32));
  shared.set(Buffer.from('{"a": 2}'), 5);
  const sv = shared.subarray(5, 13);
  assert.deepEqual(m.matches(sv), ['s']);
  assert.deepEqual(m.matchesMany([sv, views[0], sv]), [['s'], ['r'], ['s']]);
  assert.throws(
    () => m.matchesMany([sv, shared.subarray(5, 9)]),
    (e) => e instanceof EventError && e.index === 1 && e.kind === 'syntax',
  );

  // A view over a detached ArrayBuffer has no bytes: an invalid event.
  const ab = new ArrayBuffer(8);
  const dv = new Uint8Array(ab);
  structuredClone(ab, { transfer: [ab] });
  assert.equal(dv.byteLength, 0);
  assert.throws(() => m.matches(dv), EventError);
  assert.deepEqual(m.matchesMany([dv, views[1]], { invalid: 'null' }), [null, ['s']]);
  m.close();
});
