'use strict';
// Machine.explain: the parsed JSON of evm_explain, with a non-enumerable
// toString() giving evm_explain_tree's readable tree; errors as matches()
// gives them. The verdict against matches() over the whole corpus is in
// test/conformance.test.js.

const test = require('node:test');
const assert = require('node:assert/strict');
const { Machine, EventError } = require('..');

const RULES = {
  stopped: { source: ['aws.ec2'], detail: { state: ['stopped'] } },
  arrays: { items: { k: ['v'], n: [2] } },
  either: { $or: [{ a: [1] }, { b: [{ prefix: 'q' }] }] },
};

test('a rule that matches: the whole explanation, and its tree', () => {
  const m = new Machine(RULES);
  const event = '{"source": "aws.ec2", "detail": {"state": "stopped"}}';
  const e = m.explain('stopped', event);
  assert.deepEqual(e, {
    rule: 'stopped',
    matched: true,
    branches: [
      {
        matched: true,
        fields: [
          {
            path: 'detail.state',
            pattern: '["stopped"]',
            matched: true,
            status: 'matched',
            values: [{ value: '"stopped"', offset: 42, array_indices: [], satisfies: '"stopped"' }],
            omitted_values: 0,
          },
          {
            path: 'source',
            pattern: '["aws.ec2"]',
            matched: true,
            status: 'matched',
            values: [{ value: '"aws.ec2"', offset: 11, array_indices: [], satisfies: '"aws.ec2"' }],
            omitted_values: 0,
          },
        ],
        array_conflict: null,
      },
    ],
  });
  assert.equal(event.slice(42, 42 + '"stopped"'.length), '"stopped"');
  // toString is the tree, and is not enumerable: not in keys, not in JSON.
  assert.deepEqual(Object.keys(e), ['rule', 'matched', 'branches']);
  assert.equal(JSON.stringify(e).includes('toString'), false);
  const tree = String(e);
  assert.equal(tree, e.toString());
  assert.equal(`${e}`, tree);
  assert.match(tree, /^rule "stopped": matched\n/);
  assert.match(tree, /✓ detail\.state \["stopped"\]/);
  assert.match(tree, /"aws\.ec2" at byte 11: satisfies "aws\.ec2"/);
  m.close();
});

test('a misspelt field is absent; an object where a leaf should be', () => {
  const m = new Machine(RULES);
  const e = m.explain('stopped', { source: 'aws.ec2', detail: { State: 'stopped' } });
  assert.equal(e.matched, false);
  const field = e.branches[0].fields.find((f) => f.path === 'detail.state');
  assert.equal(field.status, 'absent');
  assert.equal(field.matched, false);
  assert.deepEqual(field.values, []);
  assert.match(String(e), /✗ detail\.state \["stopped"\]: absent/);

  const o = m.explain('stopped', { source: 'aws.ec2', detail: { state: { x: 1 } } });
  const leaf = o.branches[0].fields.find((f) => f.path === 'detail.state');
  assert.equal(leaf.status, 'not-a-leaf');
  assert.equal(leaf.values[0].object, true);
  assert.equal(leaf.values[0].satisfies, null);
  m.close();
});

test('array consistency: each field holds alone, not in the same element', () => {
  const m = new Machine(RULES);
  const e = m.explain('arrays', '{"items": [{"k": "v", "n": 1}, {"k": "w", "n": 2}]}');
  assert.equal(e.matched, false);
  const [branch] = e.branches;
  assert.ok(branch.fields.every((f) => f.matched));
  assert.deepEqual(branch.array_conflict, {
    fields: ['items.k', 'items.n'],
    elements_tried: { 'items.k': [[0]], 'items.n': [[1]] },
  });
  const n = branch.fields.find((f) => f.path === 'items.n');
  assert.deepEqual(
    n.values.map((v) => [v.value, v.array_indices, v.satisfies]),
    [
      ['1', [0], null],
      ['2', [1], '2'],
    ],
  );
  assert.match(String(e), /✗ array consistency: items\.k, items\.n/);
  assert.equal(m.explain('arrays', '{"items": [{"k": "v", "n": 2}]}').matched, true);
  m.close();
});

test('$or: one branch per alternative', () => {
  const m = new Machine(RULES);
  const e = m.explain('either', Buffer.from('{"b": "quick"}'));
  assert.equal(e.matched, true);
  assert.deepEqual(
    e.branches.map((b) => [b.matched, b.fields.map((f) => [f.path, f.status])]),
    [
      [false, [['a', 'absent']]],
      [true, [['b', 'matched']]],
    ],
  );
  assert.match(String(e), /branch 2 of 2: matched/);
  m.close();
});

test('the verdict is the matcher\'s, for every rule and event form', () => {
  const m = new Machine(RULES);
  const events = [
    '{"source": "aws.ec2", "detail": {"state": "stopped"}}',
    { a: 1, items: [{ k: 'v', n: 2 }] },
    Buffer.from('{"b": "x", "source": ["aws.ec2"], "detail": {"state": ["running", "stopped"]}}'),
    '{}',
  ];
  for (const ev of events) {
    const matched = m.matches(ev);
    for (const rule of m.ruleNames) assert.equal(m.explain(rule, ev).matched, matched.includes(rule), `${rule}`);
  }
  m.close();
});

test('errors: unknown rule, wrong types, invalid events as matches() throws them, closed', () => {
  const m = new Machine(RULES);
  assert.throws(() => m.explain('nope', {}), (e) => e instanceof RangeError && /no rule named "nope"/.test(e.message));
  assert.throws(() => m.explain('Stopped', {}), RangeError);
  for (const bad of [0, null, undefined, Buffer.from('stopped'), ['stopped']]) {
    assert.throws(() => m.explain(bad, {}), /explain needs a rule name/, String(bad));
  }
  for (const bad of [null, undefined, 5, true, new ArrayBuffer(2)]) {
    assert.throws(() => m.explain('stopped', bad), TypeError, String(bad));
  }
  for (const event of ['{"a": ', '[1, 2]', '', '{"a": 1} x', '{"a": "\uD800"}', Buffer.from([0x7b, 0xff, 0x7d])]) {
    let want;
    try {
      m.matches(event);
    } catch (e) {
      want = e;
    }
    assert.ok(want instanceof EventError, String(event));
    assert.throws(
      () => m.explain('stopped', event),
      (e) =>
        e instanceof EventError &&
        e.message === want.message &&
        e.offset === want.offset &&
        e.kind === want.kind &&
        e.code === want.code,
      String(event),
    );
  }
  // toJSON that closes the machine: no native call with a freed handle.
  assert.throws(
    () =>
      m.explain('stopped', {
        toJSON() {
          m.close();
          return {};
        },
      }),
    /machine is closed/,
  );
  assert.throws(() => m.explain('stopped', {}), /machine is closed/);
  assert.throws(() => m.explain(5, {}), /machine is closed/);
});
