'use strict';
// Trusted input ({trustedInput: true}) on Machine, Machine.fromFile and
// LiveMachine: the option reaches the engine (an event cut short after its
// answer is settled is answered, where a validating machine refuses it),
// answers on events that keep the promise are those of a validating
// machine, a broken promise never crashes, and bad options are TypeErrors.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Machine, LiveMachine, EventError } = require('..');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evmatch-trusted-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const RULES = {
  ec2: { source: ['aws.ec2'] },
  stopped: { detail: { state: ['stopped'] } },
  big: { detail: { n: [{ numeric: ['>', 100] }] } },
  'no-x': { x: [{ exists: false }] },
  either: { $or: [{ a: [1] }, { b: [{ prefix: 'q' }] }] },
  arrays: { items: { k: ['v'], n: [2] } },
};

// Events that keep the promise: valid JSON, no member name repeated.
const EVENTS = [
  '{"source": "aws.ec2", "detail": {"state": "stopped", "n": 500}}',
  '{"source": "aws.s3", "detail": {"state": "running", "n": 5}, "x": null}',
  '{"a": 1}',
  '{"b": "quick", "x": [1, 2]}',
  '{"items": [{"k": "v", "n": 1}, {"k": "w", "n": 2}]}',
  '{"items": [{"k": "v", "n": 2}]}',
  '{}',
  '{"detail": {"state": ["stopped", "running"]}, "source": ["aws.ec2"]}',
];

// Malformed after the answers of ONE_RULE are settled (its one path seen).
const ONE_RULE = { ec2: { source: ['aws.ec2'] } };
const CUT = '{"source": "aws.ec2", "x": 1, !!!';

test('Machine: the option reaches the engine; trustedInput tells it', () => {
  const validated = new Machine(ONE_RULE);
  const trusted = new Machine(ONE_RULE, { trustedInput: true });
  const off = new Machine(ONE_RULE, { trustedInput: false });
  assert.equal(validated.trustedInput, false);
  assert.equal(trusted.trustedInput, true);
  assert.equal(off.trustedInput, false);
  assert.equal(new Machine(ONE_RULE, {}).trustedInput, false);
  assert.throws(() => validated.matches(CUT), EventError);
  assert.throws(() => off.matches(CUT), EventError);
  assert.deepEqual(trusted.matches(CUT), ['ec2']);
  for (const m of [validated, trusted, off]) m.close();
});

test('Machine: events that keep the promise get the validated answers, in every call', () => {
  const validated = new Machine(RULES);
  const trusted = new Machine(RULES, { trustedInput: true });
  const want = EVENTS.map((e) => validated.matches(e));
  assert.ok(want.some((w) => w.length > 1), 'the events match several rules');
  assert.deepEqual(EVENTS.map((e) => trusted.matches(e)), want);
  assert.deepEqual(EVENTS.map((e) => trusted.matches(Buffer.from(e))), want);
  assert.deepEqual(trusted.matchesMany(EVENTS), want);
  assert.deepEqual(
    trusted.matchLines(Buffer.from(EVENTS.join('\n'))).map((r) => r.matches),
    want,
  );
  for (const name of trusted.ruleNames) {
    EVENTS.forEach((e, i) => assert.equal(trusted.explain(name, e).matched, want[i].includes(name), `${name} on ${e}`));
  }
  validated.close();
  trusted.close();
});

test('a broken promise never crashes: arbitrary bytes in every call', () => {
  const trusted = new Machine(RULES, { trustedInput: true });
  // A small deterministic generator (xorshift32).
  let seed = 0x9e3779b9;
  const next = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  const pieces = ['{', '}', '[', ']', '"', '\\', ':', ',', 'source', '"aws.ec2"', '1e999', '-', 'n', 'true', ' ', '\n', '\u00e9', '\uffff'];
  const events = [];
  for (let i = 0; i < 2000; i++) {
    let text = '';
    const n = next() % 24;
    for (let j = 0; j < n; j++) text += pieces[next() % pieces.length];
    const bytes = Buffer.from(text);
    if (next() % 4 === 0 && bytes.length > 0) bytes[next() % bytes.length] = next() & 0xff;
    events.push(bytes);
  }
  for (const e of events) {
    try {
      const got = trusted.matches(e);
      assert.ok(Array.isArray(got));
    } catch (err) {
      assert.ok(err instanceof EventError, String(err));
    }
  }
  const many = trusted.matchesMany(events, { invalid: 'null' });
  assert.equal(many.length, events.length);
  const lines = trusted.matchLines(Buffer.concat(events.flatMap((e) => [e, Buffer.from('\n')])), { invalid: 'null' });
  assert.ok(lines.every((r) => r.matches === null || Array.isArray(r.matches)));
  for (const e of events.slice(0, 300)) {
    try {
      assert.equal(typeof trusted.explain('ec2', e).matched, 'boolean');
    } catch (err) {
      assert.ok(err instanceof EventError, String(err));
    }
  }
  trusted.close();
});

test('Machine.fromFile takes the option', () => {
  const one = path.join(tmp, 'one-rule.json');
  fs.writeFileSync(one, JSON.stringify(ONE_RULE));
  const validatedOne = Machine.fromFile(one);
  const trustedOne = Machine.fromFile(one, { trustedInput: true });
  assert.equal(validatedOne.trustedInput, false);
  assert.equal(trustedOne.trustedInput, true);
  assert.throws(() => validatedOne.matches(CUT), EventError);
  assert.deepEqual(trustedOne.matches(CUT), ['ec2']);
  validatedOne.close();
  trustedOne.close();

  const file = path.join(tmp, 'rules.json');
  fs.writeFileSync(file, JSON.stringify(RULES));
  const validated = Machine.fromFile(file);
  const trusted = Machine.fromFile(file, { trustedInput: true });
  assert.deepEqual(trusted.matchesMany(EVENTS), validated.matchesMany(EVENTS));
  validated.close();
  trusted.close();
});

test('LiveMachine: the option holds for the rules given and for those added later', () => {
  const empty = new LiveMachine(undefined, { trustedInput: true });
  assert.equal(empty.trustedInput, true);
  assert.equal(new LiveMachine().trustedInput, false);
  assert.equal(new LiveMachine({}).trustedInput, false);
  empty.add('ec2', RULES.ec2);
  assert.deepEqual(empty.matches(CUT), ['ec2']);
  empty.replace({ later: { source: ['aws.ec2'] } });
  assert.deepEqual(empty.matches(CUT), ['later']);
  empty.close();

  const liveOne = new LiveMachine(ONE_RULE, { trustedInput: true });
  assert.deepEqual(liveOne.matches(CUT), ['ec2']);
  assert.throws(() => new LiveMachine(ONE_RULE).matches(CUT), EventError);
  liveOne.close();

  const live = new LiveMachine(RULES, { trustedInput: true });
  const validatedLive = new LiveMachine(RULES);
  assert.deepEqual(live.matchesMany(EVENTS), validatedLive.matchesMany(EVENTS));
  live.close();
  validatedLive.close();
});

test('options: unknown keys and wrong types are TypeErrors, before anything is made', () => {
  const file = path.join(tmp, 'one.json');
  fs.writeFileSync(file, '{"r": {"a": [1]}}');
  const makers = [
    (o) => new Machine({ r: { a: [1] } }, o),
    (o) => new LiveMachine({ r: { a: [1] } }, o),
    (o) => new LiveMachine(undefined, o),
    (o) => Machine.fromFile(file, o),
  ];
  for (const make of makers) {
    for (const bad of [null, 5, 'trusted', true, [], [true]]) {
      assert.throws(() => make(bad), /options must be an object/, String(bad));
    }
    assert.throws(() => make({ trusted: true }), /unknown option "trusted"/);
    assert.throws(() => make({ trustedInput: true, invalid: 'null' }), /unknown option "invalid"/);
    for (const bad of [1, 'yes', null, {}]) {
      assert.throws(() => make({ trustedInput: bad }), /trustedInput must be a boolean/, String(bad));
    }
    assert.throws(() => make({ trustedInput: 1 }), TypeError);
    const ok = make({ trustedInput: undefined });
    assert.equal(ok.trustedInput, false);
    ok.close();
  }
  // The rules are checked first; an option error makes no native object.
  assert.throws(() => new Machine(null, { trusted: true }), /rules must be an object/);
  const stats = require('..')._stats;
  const before = stats.created;
  assert.throws(() => new Machine({}, { nope: 1 }), TypeError);
  assert.equal(stats.created, before);
});
