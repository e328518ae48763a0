'use strict';
// Every error path: PatternError and EventError with their fields, and the
// TypeErrors raised in JavaScript before anything reaches the native side.

const test = require('node:test');
const assert = require('node:assert/strict');
const { Machine, PatternError, EventError, _stats } = require('..');

function patternError(rules, check) {
  assert.throws(
    () => new Machine(rules),
    (e) => {
      assert.ok(e instanceof PatternError, `${e && e.name}: ${e && e.message}`);
      assert.ok(e instanceof Error);
      assert.equal(e.name, 'PatternError');
      check(e);
      return true;
    },
  );
}

test('PatternError: message, rule, path, offset, kind, code', () => {
  patternError({ 'bad-prefix': '{"a": [{"prefix": 5}]}' }, (e) => {
    assert.equal(e.message, 'prefix match pattern must be a string');
    assert.equal(e.rule, 'bad-prefix');
    assert.ok(e.path.startsWith('$.a'), e.path);
    assert.equal(e.offset, 18);
    assert.equal(e.kind, 'operand');
    assert.equal(e.code, 5);
  });
});

test('PatternError kinds: syntax, not an object, unknown operator, numeric', () => {
  patternError({ broken: '{"a": ' }, (e) => {
    assert.equal(e.kind, 'syntax');
    assert.equal(e.code, 1);
    assert.equal(e.rule, 'broken');
    assert.ok(e.message.length > 0);
  });
  patternError({ arr: '[1]' }, (e) => assert.equal(e.kind, 'not-an-object'));
  patternError({ arr: [1] }, (e) => assert.equal(e.kind, 'not-an-object'));
  // Empty text is refused as the engine does ("Filter is not an object").
  patternError({ empty: '' }, (e) => assert.equal(e.kind, 'not-an-object'));
  patternError({ empty: Buffer.alloc(0) }, (e) => assert.equal(e.kind, 'not-an-object'));
  patternError({ op: { a: [{ nope: 1 }] } }, (e) => assert.equal(e.kind, 'unknown-operator'));
  patternError({ num: { a: [{ numeric: ['>', 'x'] }] } }, (e) => assert.equal(e.kind, 'numeric'));
  // Bytes that are not UTF-8 are a syntax error.
  patternError({ bytes: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x5b, 0x22, 0xff, 0x22, 0x5d, 0x7d]) }, (e) =>
    assert.equal(e.kind, 'syntax'),
  );
});

test('PatternError names the failing rule; nothing is kept or leaked', () => {
  const before = _stats.created;
  patternError({ good: { a: [1] }, 'the-bad-one': { b: [{ prefix: 1 }] }, never: { c: [1] } }, (e) =>
    assert.equal(e.rule, 'the-bad-one'),
  );
  assert.equal(_stats.created, before);
});

test('a pattern string that is not well-formed Unicode is a PatternError', () => {
  patternError({ r: '{"a": ["x\uD800"]}' }, (e) => {
    assert.equal(e.kind, 'syntax');
    assert.equal(e.rule, 'r');
    assert.equal(e.offset, 9);
  });
});

test('TypeError for rules of the wrong type', () => {
  for (const bad of [undefined, null, 5, 'str', [], [['a', '{}']], new Uint8Array(2)]) {
    assert.throws(() => new Machine(bad), TypeError, String(bad));
  }
  for (const pattern of [null, undefined, 5, true, 5n, new ArrayBuffer(2), new Int16Array(2)]) {
    assert.throws(() => new Machine({ r: pattern }), TypeError, String(pattern));
  }
  assert.throws(() => new Machine(new Map([[1, '{}']])), TypeError);
  assert.throws(() => new Machine({ 'x\uDC00': '{}' }), TypeError);
  const circular = {};
  circular.self = circular;
  assert.throws(() => new Machine({ r: circular }), TypeError);
  assert.throws(() => new Machine({ r: { n: [5n] } }), TypeError);
  assert.throws(() => new Machine({ r: { toJSON: () => undefined } }), TypeError);
  assert.throws(() => Machine(), TypeError); // not called with new
});

test('EventError: message, offset, kind, code', () => {
  const m = new Machine({ r: { a: [1] } });
  const cases = [
    ['{"a": [1, 2,]}', 'syntax', 12],
    ['[1]', 'not-an-object', null],
    ['', 'syntax', 0],
    ['plain string', 'syntax', null],
    ['{"a": 01}', 'syntax', null],
    ['null', 'not-an-object', null],
    [Buffer.alloc(0), 'syntax', 0],
    [Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), 'syntax', null],
    [[1, 2], 'not-an-object', null],
    [new Date(0), 'not-an-object', null],
    ['['.repeat(100000) + ']'.repeat(100000), 'too-deep', null],
  ];
  for (const [event, kind, offset] of cases) {
    assert.throws(
      () => m.matches(event),
      (e) => {
        assert.ok(e instanceof EventError, `${e && e.name}: ${e && e.message}`);
        assert.equal(e.name, 'EventError');
        assert.equal(e.kind, kind, String(event).slice(0, 40));
        assert.ok(e.message.length > 0);
        assert.equal(typeof e.offset, 'number');
        if (offset !== null) assert.equal(e.offset, offset);
        assert.equal(e.index, undefined);
        return true;
      },
    );
  }
  // Too deep.
  const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
  assert.throws(() => m.matches(deep), (e) => e instanceof EventError && e.kind === 'too-deep');
  // Not well-formed Unicode: refused in JS with a byte offset.
  assert.throws(
    () => m.matches('{"a": "é\uD800"}'),
    (e) => e instanceof EventError && e.kind === 'syntax' && e.offset === 9,
  );
  assert.throws(() => m.matches({ a: '\uDFFF' }), EventError);
  // The machine still works.
  assert.deepEqual(m.matches('{"a": 1}'), ['r']);
  m.close();
});

test('matchesMany: the first invalid event throws EventError with its index', () => {
  const m = new Machine({ r: { a: [1] } });
  assert.throws(
    () => m.matchesMany(['{"a": 1}', '{"a": 1}', '{"broken": ', '[]']),
    (e) => e instanceof EventError && e.index === 2 && e.kind === 'syntax' && e.offset === 11,
  );
  assert.throws(
    () => m.matchesMany([{ a: 1 }, Buffer.from('[]')]),
    (e) => e instanceof EventError && e.index === 1 && e.kind === 'not-an-object',
  );
  assert.throws(
    () => m.matchesMany([{ a: 1 }, Buffer.alloc(0)]),
    (e) => e instanceof EventError && e.index === 1 && e.kind === 'syntax',
  );
  assert.throws(
    () => m.matchesMany(['{}', '"\uD800"']),
    (e) => e instanceof EventError && e.index === 1 && e.offset === 1,
  );
  assert.deepEqual(m.matchesMany(['{"a": 1}']), [['r']]);
  m.close();
});

test('TypeError for events of the wrong type, before any native call', () => {
  const m = new Machine({ r: { a: [1] } });
  for (const bad of [undefined, null, 1, true, 1n, Symbol('s'), () => 1, new ArrayBuffer(4), new Int32Array(1), new DataView(new ArrayBuffer(1))]) {
    assert.throws(() => m.matches(bad), TypeError, String(typeof bad));
    assert.throws(() => m.matchesMany(['{}', bad]), (e) => e instanceof TypeError && /event 1/.test(e.message));
  }
  const circular = { a: 1 };
  circular.c = circular;
  assert.throws(() => m.matches(circular), TypeError);
  assert.throws(() => m.matches({ n: 1n }), TypeError);
  assert.throws(() => m.matches({ toJSON: () => undefined }), TypeError);
  for (const bad of [undefined, null, '{}', { length: 1, 0: '{}' }, new Set(['{}'])]) {
    assert.throws(() => m.matchesMany(bad), TypeError);
  }
  for (const opts of [null, 'null', 5, { invalid: 'skip' }, { invalid: true }]) {
    assert.throws(() => m.matchesMany(['{}'], opts), TypeError);
  }
  assert.deepEqual(m.matches({ a: 1 }), ['r']);
  m.close();
});
