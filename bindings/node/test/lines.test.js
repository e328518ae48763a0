'use strict';
// Machine.matchLines: a JSON Lines buffer in one native call
// (evm_match_lines), one result per line that is not blank, with its line
// number; invalid lines reported as matchesMany reports invalid events,
// without shifting the others.

const test = require('node:test');
const assert = require('node:assert/strict');
const { Machine, EventError, _stats } = require('..');

const RULES = {
  ec2: { source: ['aws.ec2'] },
  stopped: { detail: { state: ['stopped'] } },
  any: { source: [{ exists: true }] },
};

function machine() {
  return new Machine(RULES);
}

/** What matchesMany says of the same lines (blank ones left out). */
function viaMatchesMany(m, text) {
  const lines = text.split('\n').map((l, i) => [i + 1, l.endsWith('\r') ? l.slice(0, -1) : l]);
  const kept = lines.filter(([, l]) => l.trim() !== '');
  const got = m.matchesMany(kept.map(([, l]) => l), { invalid: 'null' });
  return kept.map(([line], i) => ({ line, matches: got[i] }));
}

test('one result per line that is not blank, with line numbers; one native call', () => {
  const m = machine();
  const text = [
    '{"source": "aws.ec2", "detail": {"state": "stopped"}}',
    '',
    '   \t',
    '{"source": "aws.s3"}\r',
    '{}',
    '{"detail": {"state": "stopped"}}',
  ].join('\n');
  const calls = _stats.linesCalls;
  const got = m.matchLines(Buffer.from(text));
  assert.equal(_stats.linesCalls, calls + 1);
  assert.deepEqual(got, [
    { line: 1, matches: ['any', 'ec2', 'stopped'] },
    { line: 4, matches: ['any'] },
    { line: 5, matches: [] },
    { line: 6, matches: ['stopped'] },
  ]);
  assert.deepEqual(got, viaMatchesMany(m, text));
  m.close();
});

test('the last line with or without a newline; empty and blank buffers', () => {
  const m = machine();
  const one = [{ line: 1, matches: ['any', 'ec2'] }];
  assert.deepEqual(m.matchLines(Buffer.from('{"source": "aws.ec2"}')), one);
  assert.deepEqual(m.matchLines(Buffer.from('{"source": "aws.ec2"}\n')), one);
  assert.deepEqual(m.matchLines(Buffer.from('{"source": "aws.ec2"}\r\n')), one);
  assert.deepEqual(m.matchLines(Buffer.alloc(0)), []);
  assert.deepEqual(m.matchLines(Buffer.from('\n\n \r\n\t\n')), []);
  assert.deepEqual(m.matchLines(Buffer.from('\n\n{"source": "x"}')), [{ line: 3, matches: ['any'] }]);
  m.close();
});

test('an invalid line: EventError with index, line and offset in the line; or null in its place', () => {
  const m = machine();
  const text = '{"source": "aws.ec2"}\n\n{"source": \n[1]\n{"source": "aws.s3"}\n';
  assert.throws(
    () => m.matchLines(Buffer.from(text)),
    (e) => {
      assert.ok(e instanceof EventError);
      assert.equal(e.index, 1);
      assert.equal(e.line, 3);
      assert.equal(e.kind, 'syntax');
      // The same error as matches() gives for that line alone.
      assert.throws(() => m.matches('{"source": '), (f) => f.message === e.message && f.offset === e.offset);
      return true;
    },
  );
  const got = m.matchLines(Buffer.from(text), { invalid: 'null' });
  assert.deepEqual(got, [
    { line: 1, matches: ['any', 'ec2'] },
    { line: 3, matches: null },
    { line: 4, matches: null },
    { line: 5, matches: ['any'] },
  ]);
  assert.deepEqual(got, viaMatchesMany(m, text));
  assert.throws(() => m.matchLines(Buffer.from(text), { invalid: 'throw' }), (e) => e.line === 3);
  m.close();
});

test('byte views: a Uint8Array, a subarray, a SharedArrayBuffer, a lying subclass', () => {
  const m = machine();
  const text = '{"source": "aws.ec2"}\n{"source": "b"}\n';
  const want = [
    { line: 1, matches: ['any', 'ec2'] },
    { line: 2, matches: ['any'] },
  ];
  assert.deepEqual(m.matchLines(new Uint8Array(Buffer.from(text))), want);
  const padded = Buffer.from(`XXXX${text}YYYY`);
  assert.deepEqual(m.matchLines(padded.subarray(4, 4 + text.length)), want);
  const shared = new Uint8Array(new SharedArrayBuffer(text.length));
  shared.set(Buffer.from(text));
  assert.deepEqual(m.matchLines(shared), want);
  class Liar extends Uint8Array {
    get byteLength() {
      return 1 << 30;
    }
    get byteOffset() {
      return 1 << 20;
    }
    get length() {
      return 1 << 30;
    }
    subarray() {
      throw new Error('not called');
    }
  }
  assert.deepEqual(m.matchLines(new Liar(Buffer.from(text))), want);
  assert.throws(
    () => m.matchLines(new Liar(Buffer.from('{"source": "a"}\n{"x": '))),
    (e) => e instanceof EventError && e.line === 2,
  );
  m.close();
});

test('many lines and many matches: the output buffers grow', () => {
  const names = {};
  for (let i = 0; i < 50; i++) names[`r${String(i).padStart(2, '0')}`] = { k: [{ prefix: '' }] };
  const m = new Machine(names);
  const n = 30000;
  const text = Array.from({ length: n }, (_, i) => (i % 7 === 3 ? '{"k": 5}' : `{"k": "v${i}"}`)).join('\n');
  const calls = _stats.linesCalls;
  const got = m.matchLines(Buffer.from(text));
  // 50 rules x 25,714 matching events is past the first ids buffer (2^20
  // ids): the call is made again with room for every match.
  assert.equal(_stats.linesCalls, calls + 2);
  assert.equal(got.length, n);
  const all = Object.keys(names);
  got.forEach((r, i) => {
    assert.equal(r.line, i + 1);
    assert.deepEqual(r.matches, i % 7 === 3 ? [] : all);
  });
  assert.deepEqual(m.matchLines(Buffer.from('{"k": "x"}\n{"k": 1}')), [
    { line: 1, matches: all },
    { line: 2, matches: [] },
  ]);
  m.close();
});

test('wrong arguments are TypeErrors; a closed machine throws', () => {
  const m = machine();
  for (const bad of ['{"a": 1}', ['{"a": 1}'], null, undefined, 5, new ArrayBuffer(4), new Uint16Array(2), new DataView(new ArrayBuffer(2))]) {
    assert.throws(() => m.matchLines(bad), /matchLines needs a Buffer or Uint8Array/, String(bad));
  }
  assert.throws(() => m.matchLines(Buffer.from('{}'), 'null'), /matchLines options must be an object/);
  assert.throws(() => m.matchLines(Buffer.from('{}'), { invalid: 'skip' }), /matchLines option invalid must be/);
  // An option getter that closes the machine: no native call with a freed handle.
  assert.throws(
    () =>
      m.matchLines(Buffer.from('{}'), {
        get invalid() {
          m.close();
          return 'null';
        },
      }),
    /machine is closed/,
  );
  assert.throws(() => m.matchLines(Buffer.from('{}')), /machine is closed/);
  assert.throws(() => m.matchLines(null), /machine is closed/);
});
