'use strict';
// Handles: close(), using/Symbol.dispose, the FinalizationRegistry fallback;
// that nothing crashes the process; finding the library (EVMATCH_LIB, the
// repository's build output; test/locate.test.js has the rest); the ESM
// entry point and the TypeScript declarations.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const evmatch = require('..');
const { Machine, EventError } = evmatch;
const { targetDir } = require('../lib/locate');

const PKG = path.resolve(__dirname, '..');

/** Runs a script in a fresh node; returns {status, signal, stdout, stderr}. */
function node(args, code, env) {
  return spawnSync(process.execPath, [...args, '-e', code], {
    cwd: PKG,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
}

test('close() frees now, is idempotent, and later calls throw', () => {
  const closedBefore = evmatch._stats.closed;
  const m = new Machine({ r: { a: [1] } });
  assert.equal(m.closed, false);
  m.close();
  assert.equal(m.closed, true);
  assert.equal(evmatch._stats.closed, closedBefore + 1);
  m.close();
  assert.equal(evmatch._stats.closed, closedBefore + 1);
  assert.throws(() => m.matches('{"a": 1}'), /machine is closed/);
  assert.throws(() => m.matchesMany(['{"a": 1}']), /machine is closed/);
  assert.throws(() => m.matchesMany([]), /machine is closed/);
  // Closed is checked before the arguments.
  assert.throws(() => m.matches(null), /machine is closed/);
  // The names stay readable.
  assert.deepEqual([...m.ruleNames], ['r']);
});

test('Symbol.dispose closes', () => {
  assert.equal(typeof Symbol.dispose, 'symbol');
  const m = new Machine({ r: { a: [1] } });
  m[Symbol.dispose]();
  assert.equal(m.closed, true);
});

test('the finalizer frees machines that were never closed', () => {
  const r = node(
    ['--expose-gc'],
    `
    const evmatch = require('.');
    (function () {
      for (let i = 0; i < 200; i++) {
        const m = new evmatch.Machine({ r: { a: [i] } });
        m.matches({ a: i });
        if (i % 2) m.close();
      }
    })();
    (async () => {
      for (let i = 0; i < 50 && evmatch._stats.finalized < 100; i++) {
        globalThis.gc();
        await new Promise((res) => setTimeout(res, 10));
      }
      console.log(JSON.stringify(evmatch._stats));
    })();`,
  );
  assert.equal(r.status, 0, r.stderr);
  const stats = JSON.parse(r.stdout);
  assert.equal(stats.created, 200);
  assert.equal(stats.closed, 100);
  assert.equal(stats.finalized, 100);
});

test('misuse never crashes the process', () => {
  const r = node(
    [],
    `
    const { Machine, LiveMachine } = require('.');
    const m = new Machine({ r: { a: [1] } });
    const bad = [undefined, null, 0, -1, 2 ** 53, NaN, '', 'x', [], {}, [null], new ArrayBuffer(8),
      new Float64Array(2), Buffer.alloc(0), Symbol('s'), () => {}, 10n, new Proxy({}, {})];
    let errors = 0;
    const tryIt = (f) => { try { f(); } catch (e) { if (!(e instanceof Error)) throw e; errors++; } };
    for (const b of bad) {
      tryIt(() => m.matches(b));
      tryIt(() => m.matchesMany(b));
      tryIt(() => m.matchesMany([b, b]));
      tryIt(() => m.matchesMany(['{}'], b));
      tryIt(() => new Machine(b));
      tryIt(() => new Machine({ r: b }));
      tryIt(() => Machine.fromFile(b));
      tryIt(() => Machine.fromFile('/nonexistent/rules.json', b));
      tryIt(() => new Machine({}, b));
      tryIt(() => new Machine({}, { trustedInput: b }));
      tryIt(() => new LiveMachine(undefined, b));
      tryIt(() => m.matchLines(b));
      tryIt(() => m.matchLines(Buffer.from('{}'), b));
      tryIt(() => m.explain(b, '{}'));
      tryIt(() => m.explain('r', b));
    }
    // Methods called on the wrong receiver.
    tryIt(() => Machine.prototype.matches.call({}, '{}'));
    tryIt(() => Machine.prototype.matchesMany.call(null, []));
    tryIt(() => Machine.prototype.matchLines.call({}, Buffer.from('{}')));
    tryIt(() => Machine.prototype.explain.call({}, 'r', '{}'));
    tryIt(() => Machine.prototype.close.call({}));
    tryIt(() => Object.getOwnPropertyDescriptor(Machine.prototype, 'ruleNames').get.call({}));
    m.close();
    for (const b of bad) {
      tryIt(() => m.matches(b));
      tryIt(() => m.matchesMany([b]));
      tryIt(() => m.matchLines(b));
      tryIt(() => m.explain('r', b));
    }
    console.log('survived', errors);`,
  );
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^survived \d+/);
});

test('EVMATCH_LIB overrides the library path; a wrong one is a clear error', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evmatch-lib-'));
  try {
    const copy = path.join(tmp, path.basename(evmatch.libraryPath));
    fs.copyFileSync(evmatch.libraryPath, copy);
    const ok = node([], "const e = require('.'); console.log(e.libraryPath, e.version)", { EVMATCH_LIB: copy });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), `${copy} ${evmatch.version}`);
    const bad = node([], "require('.')", { EVMATCH_LIB: path.join(tmp, 'nope.so') });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /EVMATCH_LIB=.*nope\.so does not exist/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('without EVMATCH_LIB, in place: the release build of this repository', () => {
  const r = node([], "console.log(require('.').libraryPath)", { EVMATCH_LIB: '' });
  assert.equal(r.status, 0, r.stderr);
  const target = targetDir(path.resolve(PKG, '..', '..'), process.env);
  assert.equal(r.stdout.trim(), path.join(target, 'release', path.basename(evmatch.libraryPath)));
});

test('the ESM entry point', () => {
  const r = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import evmatch, { Machine, PatternError, EventError, version } from ${JSON.stringify(path.join(PKG, 'index.mjs'))};
       const m = new Machine({ r: { a: [1] } });
       console.log(JSON.stringify([version === evmatch.version, m.matches({ a: 1 }), typeof PatternError, typeof EventError]));
       m.close();`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [true, ['r'], 'function', 'function']);
});

test('index.d.ts declares what index.js exports', () => {
  const dts = fs.readFileSync(path.join(PKG, 'index.d.ts'), 'utf8');
  for (const name of ['Machine', 'PatternError', 'EventError']) {
    assert.match(dts, new RegExp(`export (declare )?class ${name}\\b`));
  }
  assert.match(dts, /export (declare )?const version: string/);
  assert.match(dts, /export (declare )?const libraryPath: string/);
  for (const member of [
    'matches(',
    'matchesMany(',
    'matchLines(',
    'explain(rule: string, event: Event): Explanation',
    'close()',
    'static fromFile(',
    'readonly ruleNames',
    'readonly ruleCount',
    'readonly closed',
    'readonly trustedInput',
  ]) {
    assert.ok(dts.includes(member), member);
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(PKG, 'package.json'), 'utf8'));
  assert.equal(pkg.name, 'evmatch');
  assert.equal(pkg.types, 'index.d.ts');
});

test('hostile inputs: lying Uint8Array subclasses, toJSON that closes or mutates', () => {
  class Liar extends Uint8Array {
    get byteLength() {
      return 1 << 30;
    }
    get length() {
      return 1 << 30;
    }
    get byteOffset() {
      return 1 << 30;
    }
    get buffer() {
      return new ArrayBuffer(8);
    }
  }
  const m = new Machine({ r: { a: [1] } });
  const liar = new Liar(Buffer.from('{"a": 1}'));
  // The built-in getters are used: the real 8 bytes are matched.
  assert.deepEqual(m.matches(liar), ['r']);
  assert.deepEqual(m.matchesMany([liar, Buffer.from('{"a": 2}'), liar]), [['r'], [], ['r']]);
  const badLiar = new Liar(Buffer.from('{"a": '));
  assert.throws(() => m.matchesMany([liar, badLiar]), (e) => e instanceof EventError && e.index === 1);
  const n = new Machine({ liar: new Liar(Buffer.from('{"b": [2]}')) });
  assert.deepEqual(n.matches({ b: 2 }), ['liar']);
  n.close();

  // toJSON that changes the caller's array: the snapshot is matched.
  const events = [Buffer.from('{"a": 1}'), { toJSON: () => { events[0] = 5; events.length = 1; return { a: 1 }; } }];
  assert.deepEqual(m.matchesMany(events), [['r'], ['r']]);

  // toJSON that closes the machine: a JS error, no native call on a freed handle.
  const closer = { toJSON: () => { m.close(); return { a: 1 }; } };
  assert.throws(() => m.matches(closer), /machine is closed/);
  const m2 = new Machine({ r: { a: [1] } });
  const closer2 = { toJSON: () => { m2.close(); return { a: 1 }; } };
  assert.throws(() => m2.matchesMany([Buffer.from('{"a": 1}'), closer2]), /machine is closed/);
  const m3 = new Machine({ r: { a: [1] } });
  assert.throws(() => m3.matchesMany([{ a: 1 }], { get invalid() { m3.close(); return 'null'; } }), /machine is closed/);
});
