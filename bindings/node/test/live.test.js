'use strict';
// LiveMachine: rules added, removed and replaced while in use (the C ABI's
// evm_live_* functions): versions and rule counts, matching before and
// after changes, errors, all-or-nothing replace, closed handles, the
// finalizer and the shared koffi callback, and the conformance corpus
// matched by live machines built rule by rule, compared with Machine.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const evmatch = require('..');
const { Machine, LiveMachine, PatternError, EventError } = evmatch;

const PKG = path.resolve(__dirname, '..');
const CORPUS = path.resolve(__dirname, '..', '..', '..', 'testdata', 'conformance');

/** Runs a script in a fresh node; returns {status, signal, stdout, stderr}. */
function node(args, code) {
  return spawnSync(process.execPath, [...args, '-e', code], { cwd: PKG, encoding: 'utf8' });
}

test('add, remove, replace: versions, rule counts and matches', () => {
  const m = new LiveMachine({ stopped: { source: ['aws.ec2'], detail: { state: ['stopped'] } } });
  const stopped = { source: 'aws.ec2', detail: { state: 'stopped' } };
  const running = { source: 'aws.ec2', detail: { state: 'running' } };
  assert.equal(m.version, 0);
  assert.equal(m.ruleCount, 1);
  assert.equal(m.closed, false);
  assert.deepEqual(m.matches(stopped), ['stopped']);
  assert.deepEqual(m.matches(running), []);

  assert.equal(m.add('ec2', '{"source": ["aws.ec2"]}'), 1);
  assert.equal(m.version, 1);
  assert.equal(m.ruleCount, 2);
  assert.deepEqual(m.matches(stopped), ['ec2', 'stopped']);
  assert.deepEqual(m.matches(running), ['ec2']);

  // A second pattern under a name ORs with the first: same rule count.
  assert.equal(m.add('stopped', { detail: { state: ['running'] } }), 2);
  assert.equal(m.ruleCount, 2);
  assert.deepEqual(m.matches(running), ['ec2', 'stopped']);

  // Bytes as a pattern.
  assert.equal(m.add('bytes', Buffer.from('{"source": [{"prefix": "aws."}]}')), 3);
  assert.deepEqual(m.matchesMany([stopped, '{"source": "aws.s3"}', Buffer.from('{"x": 1}')]), [
    ['bytes', 'ec2', 'stopped'],
    ['bytes'],
    [],
  ]);

  assert.equal(m.remove('stopped'), true); // both its patterns
  assert.equal(m.version, 4);
  assert.equal(m.ruleCount, 2);
  assert.deepEqual(m.matches(stopped), ['bytes', 'ec2']);
  assert.deepEqual(m.matches(running), ['bytes', 'ec2']);
  // Removing a rule that is not there publishes nothing.
  assert.equal(m.remove('stopped'), false);
  assert.equal(m.remove('never'), false);
  assert.equal(m.version, 4);

  assert.equal(m.replace({ s3: { source: ['aws.s3'] } }), 5);
  assert.equal(m.ruleCount, 1);
  assert.deepEqual(m.matchesMany([stopped, { source: 'aws.s3' }]), [[], ['s3']]);
  assert.equal(m.replace(new Map([['again', '{"source": ["aws.ec2"]}']])), 6);
  assert.deepEqual(m.matches(stopped), ['again']);
  assert.equal(m.replace({}), 7);
  assert.equal(m.ruleCount, 0);
  assert.deepEqual(m.matchesMany([stopped, running]), [[], []]);
  m.close();
});

test('an empty live machine, and the empty rule name', () => {
  const m = new LiveMachine();
  assert.equal(m.version, 0);
  assert.equal(m.ruleCount, 0);
  assert.deepEqual(m.matches('{}'), []);
  assert.deepEqual(m.matchesMany([]), []);
  assert.equal(m.add('', { a: [1] }), 1);
  assert.deepEqual(m.matches({ a: 1 }), ['']);
  assert.equal(m.remove(''), true);
  assert.deepEqual(m.matches({ a: 1 }), []);
  m.close();
  const e = new LiveMachine({});
  assert.equal(e.ruleCount, 0);
  e.close();
});

test('names come back whole and sorted by code point, as Machine sorts them', () => {
  const names = ['b', 'a\u0000b', 'ä', '\uffff', '\u{1F600}', 'z', 'A', 'aa', 'a', 'a'.repeat(300)];
  const rules = Object.fromEntries(names.map((n) => [n, { x: [1] }]));
  const live = new LiveMachine();
  for (const n of names) live.add(n, { x: [1] });
  const fixed = new Machine(rules);
  const want = fixed.matches({ x: 1 });
  assert.equal(want.length, names.length);
  assert.deepEqual(live.matches({ x: 1 }), want);
  assert.deepEqual(live.matchesMany([{ x: 1 }, { x: 2 }, { x: 1 }]), [want, [], want]);
  // Code point order: U+FFFF before U+1F600 (UTF-16 order would differ).
  assert.ok(want.indexOf('\uffff') < want.indexOf('\u{1F600}'));
  fixed.close();
  live.close();
});

test('names are right after the rule set changes (no stale names)', () => {
  const m = new LiveMachine({ aa: { x: [1] } });
  assert.deepEqual(m.matches({ x: 1 }), ['aa']);
  // Same lengths, other names: whatever the addresses, the new names.
  for (let i = 0; i < 50; i++) {
    const name = String.fromCharCode(0x61 + (i % 26)).repeat(2) + (i % 10);
    m.replace({ [name]: { x: [1] }, other: { y: [1] } });
    assert.deepEqual(m.matchesMany([{ x: 1 }, { y: 1 }]), [[name], ['other']]);
    m.remove('other');
    m.add(`${name}!`, { x: [1] });
    assert.deepEqual(m.matches({ x: 1 }), [name, `${name}!`]);
  }
  m.close();
});

test('matchesMany makes one native call per call', () => {
  const m = new LiveMachine({ even: { n: [{ numeric: ['=', 0] }] }, any: { n: [{ exists: true }] } });
  const events = [];
  for (let i = 0; i < 2000; i++) events.push(i % 3 === 0 ? Buffer.from(`{"n": ${i % 2}}`) : { n: i % 2 });
  const before = evmatch._stats.liveBatchCalls;
  const got = m.matchesMany(events);
  assert.equal(evmatch._stats.liveBatchCalls, before + 1);
  got.forEach((names, i) => assert.deepEqual(names, i % 2 === 0 ? ['any', 'even'] : ['any']));
  m.matches({ n: 0 });
  assert.equal(evmatch._stats.liveBatchCalls, before + 2);
  m.close();
});

test('events as text, bytes, objects, views and SharedArrayBuffer bytes', () => {
  const m = new LiveMachine({ r: { a: ['é'] } });
  const text = '{"a": "é"}';
  const pooled = Buffer.from(`xx${text}yy`).subarray(2, 2 + Buffer.byteLength(text));
  const sab = new Uint8Array(new SharedArrayBuffer(Buffer.byteLength(text)));
  sab.set(Buffer.from(text));
  for (const ev of [text, Buffer.from(text), pooled, sab, { a: 'é' }, new Uint8Array(Buffer.from(text))]) {
    assert.deepEqual(m.matches(ev), ['r']);
  }
  assert.deepEqual(m.matchesMany([text, pooled, sab, { a: 'é' }, '{"a": "e"}']), [['r'], ['r'], ['r'], ['r'], []]);
  m.close();
});

test('pattern errors: nothing changes, and the error names the rule', () => {
  const m = new LiveMachine({ keep: { a: [1] } });
  assert.throws(
    () => m.add('bad', { a: [{ prefix: 1 }] }),
    (e) => e instanceof PatternError && e.rule === 'bad' && e.message === 'prefix match pattern must be a string',
  );
  assert.throws(() => m.add('bad', '{"a": ['), (e) => e instanceof PatternError && e.kind === 'syntax' && e.rule === 'bad');
  assert.throws(() => m.add('bad', '[1]'), (e) => e instanceof PatternError && e.rule === 'bad');
  // Not well-formed Unicode (a lone surrogate) cannot reach the native side.
  assert.throws(() => m.add('bad', '{"a": ["\ud800"]}'), (e) => e instanceof PatternError && e.kind === 'syntax');
  assert.equal(m.version, 0);
  assert.equal(m.ruleCount, 1);
  assert.deepEqual(m.matches({ a: 1 }), ['keep']);

  // The same error as Machine gives.
  let want;
  try {
    new Machine({ bad: { a: [{ numeric: ['>', 'x'] }] } });
  } catch (e) {
    want = e;
  }
  assert.ok(want instanceof PatternError);
  assert.throws(
    () => m.add('bad', { a: [{ numeric: ['>', 'x'] }] }),
    (e) => e.message === want.message && e.kind === want.kind && e.path === want.path && e.offset === want.offset,
  );

  assert.throws(() => new LiveMachine({ ok: { a: [1] }, broken: { a: 'x' } }), (e) => e instanceof PatternError && e.rule === 'broken');
  m.close();
});

test('replace is all or nothing', () => {
  const m = new LiveMachine({ old1: { a: [1] }, old2: { b: [2] } });
  m.add('old3', { c: [3] });
  assert.throws(
    () => m.replace({ new1: { a: [1] }, new2: { b: [{ suffix: 2 }] }, new3: { c: [3] } }),
    (e) => e instanceof PatternError && e.rule === 'new2',
  );
  assert.throws(() => m.replace(new Map([['x', { a: [1] }], ['y', '{"b": ']])), (e) => e instanceof PatternError && e.rule === 'y');
  assert.throws(() => m.replace({ x: { a: [1] }, y: 'not json \ud800' }), (e) => e instanceof PatternError && e.rule === 'y');
  assert.throws(() => m.replace({ x: { a: [1] }, y: 5 }), TypeError);
  assert.throws(() => m.replace({ ['\udc00']: { a: [1] } }), TypeError);
  assert.throws(() => m.replace(null), TypeError);
  assert.throws(() => m.replace([['x', {}]]), TypeError);
  assert.equal(m.version, 1);
  assert.equal(m.ruleCount, 3);
  assert.deepEqual(m.matchesMany([{ a: 1 }, { b: 2 }, { c: 3 }]), [['old1'], ['old2'], ['old3']]);
  assert.equal(m.replace({ new1: { a: [1] } }), 2);
  assert.deepEqual(m.matchesMany([{ a: 1 }, { b: 2 }, { c: 3 }]), [['new1'], [], []]);
  m.close();
});

test('wrong argument types are TypeErrors', () => {
  const m = new LiveMachine();
  for (const bad of [undefined, null, 1, {}, Buffer.from('x'), Symbol('s')]) {
    assert.throws(() => m.add(bad, { a: [1] }), TypeError);
    assert.throws(() => m.remove(bad), TypeError);
  }
  assert.throws(() => m.add('\ud800', { a: [1] }), TypeError);
  assert.throws(() => m.remove('\ud800'), TypeError);
  for (const bad of [undefined, null, 1, true, new ArrayBuffer(2), new Float64Array(1)]) {
    assert.throws(() => m.add('r', bad), TypeError);
    assert.throws(() => m.matches(bad), TypeError);
    assert.throws(() => m.matchesMany([bad]), TypeError);
  }
  assert.throws(() => m.matchesMany('[]'), TypeError);
  assert.throws(() => m.matchesMany([], { invalid: 'skip' }), TypeError);
  assert.throws(() => new LiveMachine(null), TypeError);
  assert.throws(() => new LiveMachine([]), TypeError);
  assert.equal(m.version, 0);
  m.close();
});

test('invalid events: EventError as Machine gives it, with the index in a batch', () => {
  const m = new LiveMachine({ r: { a: [1] } });
  const fixed = new Machine({ r: { a: [1] } });
  const deep = `{"a": ${'['.repeat(200)}${']'.repeat(200)}}`;
  for (const bad of ['{"a": ', '[1]', '"x"', '', 'nul', deep, Buffer.from('{"a"'), Buffer.from([0xff, 0xfe])]) {
    let want;
    try {
      fixed.matches(bad);
    } catch (e) {
      want = e;
    }
    assert.ok(want instanceof EventError, String(bad));
    assert.throws(
      () => m.matches(bad),
      (e) =>
        e instanceof EventError &&
        e.message === want.message &&
        e.kind === want.kind &&
        e.code === want.code &&
        e.offset === want.offset &&
        e.index === undefined,
    );
    assert.throws(
      () => m.matchesMany([{ a: 1 }, '{}', bad, '[]']),
      (e) => e instanceof EventError && e.index === 2 && e.message === want.message && e.offset === want.offset,
    );
  }
  // A lone surrogate: refused before the native call.
  assert.throws(() => m.matches('{"a": "\ud800"}'), (e) => e instanceof EventError && e.kind === 'syntax');
  assert.throws(() => m.matchesMany(['{}', '{"a": "\ud800"}']), (e) => e instanceof EventError && e.index === 1);
  assert.deepEqual(
    m.matchesMany([{ a: 1 }, '[]', '{"a": "\ud800"}', Buffer.from('{"a": 1}'), '{'], { invalid: 'null' }),
    [['r'], null, null, ['r'], null],
  );
  assert.deepEqual(m.matchesMany([{ a: 1 }], { invalid: 'throw' }), [['r']]);
  fixed.close();
  m.close();
});

test('closed live machines: every call throws, close is idempotent', () => {
  const closedBefore = evmatch._stats.liveClosed;
  const m = new LiveMachine({ r: { a: [1] } });
  m.close();
  assert.equal(m.closed, true);
  m.close();
  assert.equal(evmatch._stats.liveClosed, closedBefore + 1);
  const closed = /live machine is closed/;
  assert.throws(() => m.matches('{"a": 1}'), closed);
  assert.throws(() => m.matches(null), closed); // before the arguments
  assert.throws(() => m.matchesMany(['{"a": 1}']), closed);
  assert.throws(() => m.matchesMany([]), closed);
  assert.throws(() => m.add('x', { a: [1] }), closed);
  assert.throws(() => m.remove('r'), closed);
  assert.throws(() => m.replace({}), closed);
  assert.throws(() => m.version, closed);
  assert.throws(() => m.ruleCount, closed);

  const d = new LiveMachine();
  d[Symbol.dispose]();
  assert.equal(d.closed, true);

  // User code (toJSON) that closes the machine mid-call: a JS error, no
  // native call on a freed handle.
  const a = new LiveMachine({ r: { a: [1] } });
  assert.throws(() => a.matches({ toJSON: () => (a.close(), { a: 1 }) }), closed);
  const b = new LiveMachine({ r: { a: [1] } });
  assert.throws(() => b.matchesMany([Buffer.from('{"a": 1}'), { toJSON: () => (b.close(), { a: 1 }) }]), closed);
  const c = new LiveMachine();
  assert.throws(() => c.add('r', { toJSON: () => (c.close(), { a: [1] }) }), closed);
  const e = new LiveMachine();
  assert.throws(() => e.replace({ r: { toJSON: () => (e.close(), { a: [1] }) } }), closed);
  assert.throws(() => LiveMachine.prototype.matches.call({}, '{}'), TypeError);
  assert.throws(() => LiveMachine.prototype.add.call(null, 'x', {}), TypeError);
});

test('the finalizer frees live machines; the shared callback is unregistered with the last one', () => {
  const r = node(
    ['--expose-gc'],
    `
    const evmatch = require('.');
    const seen = [];
    (function () {
      for (let i = 0; i < 200; i++) {
        const m = new evmatch.LiveMachine({ r: { a: [i] } });
        m.add('s', { b: [i] });
        m.matchesMany([{ a: i }, { b: i }]);
        if (i % 2) m.close();
      }
      seen.push(evmatch._stats.liveCallbacks);
    })();
    (async () => {
      for (let i = 0; i < 50 && evmatch._stats.liveFinalized < 100; i++) {
        globalThis.gc();
        await new Promise((res) => setTimeout(res, 10));
      }
      seen.push(evmatch._stats.liveCallbacks);
      // Registered again for a new machine.
      const m = new evmatch.LiveMachine({ r: { a: [1] } });
      seen.push(evmatch._stats.liveCallbacks, m.matches({ a: 1 }));
      m.close();
      seen.push(evmatch._stats.liveCallbacks);
      console.log(JSON.stringify({ ...evmatch._stats, seen }));
    })();`,
  );
  assert.equal(r.status, 0, r.stderr);
  const stats = JSON.parse(r.stdout);
  assert.equal(stats.liveCreated, 201);
  assert.equal(stats.liveClosed, 101);
  assert.equal(stats.liveFinalized, 100);
  assert.deepEqual(stats.seen, [1, 0, 1, ['r'], 0]);
});

test('more live machines open at once than koffi has callback slots', () => {
  const r = node(
    [],
    `
    const { LiveMachine, _stats } = require('.');
    const all = [];
    for (let i = 0; i < 9000; i++) all.push(new LiveMachine());
    all[0].add('r', { a: [1] });
    all[8999].add('r', { a: [2] });
    const got = [all[0].matches({ a: 1 }), all[8999].matches({ a: 2 }), all[4000].matches({ a: 1 }), _stats.liveCallbacks];
    for (const m of all) m.close();
    got.push(_stats.liveCallbacks);
    console.log(JSON.stringify(got));`,
  );
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [['r'], ['r'], [], 1, 0]);
});

test('misuse never crashes the process', () => {
  const r = node(
    [],
    `
    const { LiveMachine } = require('.');
    const m = new LiveMachine({ r: { a: [1] } });
    const bad = [undefined, null, 0, -1, 2 ** 53, NaN, '', 'x', [], {}, [null], new ArrayBuffer(8),
      new Float64Array(2), Buffer.alloc(0), Symbol('s'), () => {}, 10n, new Proxy({}, {}), '\\ud800'];
    let errors = 0;
    const tryIt = (f) => { try { f(); } catch (e) { if (!(e instanceof Error)) throw e; errors++; } };
    for (const round of [0, 1]) {
      for (const b of bad) {
        tryIt(() => m.matches(b));
        tryIt(() => m.matchesMany(b));
        tryIt(() => m.matchesMany([b, b]));
        tryIt(() => m.matchesMany(['{}'], b));
        tryIt(() => m.add(b, { a: [1] }));
        tryIt(() => m.add('x', b));
        tryIt(() => m.remove(b));
        tryIt(() => m.replace(b));
        tryIt(() => m.replace({ r: b }));
        tryIt(() => new LiveMachine(b));
      }
      m.close();
    }
    console.log('survived', errors);`,
  );
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^survived \d+/);
});

test('exports: CommonJS, ESM and the TypeScript declarations', () => {
  assert.equal(typeof LiveMachine, 'function');
  const r = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import evmatch, { LiveMachine } from ${JSON.stringify(path.join(PKG, 'index.mjs'))};
       const m = new LiveMachine();
       console.log(JSON.stringify([LiveMachine === evmatch.LiveMachine, m.add('r', { a: [1] }), m.matches({ a: 1 })]));
       m.close();`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [true, 1, ['r']]);
  const dts = fs.readFileSync(path.join(PKG, 'index.d.ts'), 'utf8');
  assert.match(dts, /export declare class LiveMachine\b/);
  const body = dts.slice(dts.indexOf('export declare class LiveMachine'));
  for (const member of [
    'constructor(rules?: Rules, options?: MachineOptions)',
    'readonly trustedInput: boolean',
    'add(name: string, pattern: Pattern): number',
    'remove(name: string): boolean',
    'replace(rules: Rules): number',
    'readonly version: number',
    'readonly ruleCount: number',
    'readonly closed: boolean',
    'matches(event: Event): string[]',
    'matchesMany(',
    'close(): void',
  ]) {
    assert.ok(body.includes(member), member);
  }
});

// ---------------------------------------------------------------------------
// The conformance corpus through live machines
// ---------------------------------------------------------------------------

/** Every `step`-th case of the corpus (in file order), from all three files. */
function corpusCases(step) {
  const cases = [];
  let k = 0;
  for (const file of ['aws-validated.jsonl', 'edge-cases.jsonl', 'generated.jsonl']) {
    for (const line of fs.readFileSync(path.join(CORPUS, file), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      if (k++ % step === 0) cases.push(JSON.parse(line));
    }
  }
  return cases;
}

/** matches() of each event: its names, or the EventError's details. */
function each(machine, events) {
  return events.map((ev) => {
    try {
      return machine.matches(ev);
    } catch (e) {
      if (!(e instanceof EventError)) throw e;
      return `${e.kind} ${e.offset} ${e.message}`;
    }
  });
}

test('conformance corpus: live machines built rule by rule match as Machine does', () => {
  // All 1,843 cases (about 2 s); EVMATCH_LIVE_STEP=9 takes every 9th.
  const cases = corpusCases(Number(process.env.EVMATCH_LIVE_STEP) || 1);
  assert.ok(cases.length >= 200, `${cases.length} cases`);
  const failures = [];
  let rules = 0;
  let events = 0;
  let matched = 0;
  for (const c of cases) {
    try {
      // The rules that compile on their own.
      const valid = [];
      for (const [name, text] of Object.entries(c.rules)) {
        try {
          new Machine({ [name]: text }).close();
          valid.push([name, text]);
        } catch (e) {
          if (!(e instanceof PatternError)) throw e;
          // The live machine refuses it too, and nothing changes.
          const probe = new LiveMachine();
          assert.throws(() => probe.add(name, text), (err) => err instanceof PatternError && err.rule === name);
          assert.equal(probe.version, 0);
          probe.close();
        }
      }
      rules += valid.length;
      const live = new LiveMachine();
      valid.forEach(([name, text], i) => {
        assert.equal(live.add(name, text), i + 1);
      });
      assert.equal(live.ruleCount, valid.length);
      const fixed = new Machine(new Map(valid));
      const want = fixed.matchesMany(c.events, { invalid: 'null' });
      const got = live.matchesMany(c.events, { invalid: 'null' });
      assert.deepEqual(got, want, 'matchesMany');
      assert.deepEqual(live.matchesMany(c.events.map((e) => Buffer.from(e, 'utf8')), { invalid: 'null' }), want);
      assert.deepEqual(each(live, c.events), each(fixed, c.events), 'matches');
      // The corpus' own expectations, for valid events.
      const invalid = new Set(c.expect.invalid_events || []);
      c.events.forEach((_, i) => {
        events++;
        if (invalid.has(i)) assert.equal(got[i], null, `event ${i} accepted`);
        else {
          assert.deepEqual(got[i], c.expect.matches[i], `event ${i}`);
          if (got[i].length > 0) matched++;
        }
      });
      // Remove the first half of the rules: as a Machine of the rest.
      const half = Math.floor(valid.length / 2);
      for (const [name] of valid.slice(0, half)) assert.equal(live.remove(name), true);
      const rest = new Machine(new Map(valid.slice(half)));
      assert.deepEqual(live.matchesMany(c.events, { invalid: 'null' }), rest.matchesMany(c.events, { invalid: 'null' }));
      // Replace with all of them again: as the full Machine.
      live.replace(new Map(valid));
      assert.equal(live.version, valid.length + half + 1);
      assert.deepEqual(live.matchesMany(c.events, { invalid: 'null' }), want);
      rest.close();
      fixed.close();
      live.close();
    } catch (e) {
      failures.push(`${c.id}: ${e && e.message}`);
    }
  }
  console.log(
    `live conformance: ${cases.length} cases, ${cases.length - failures.length} passed ` +
      `(${rules} rules added one by one, ${events} events, ${matched} matching)`,
  );
  assert.deepEqual(failures, []);
});
