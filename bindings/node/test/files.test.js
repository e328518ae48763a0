'use strict';
// Machine.fromFile: rules files as `evmatch match --rules` reads them.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { Machine, PatternError } = require('..');
const { targetDir } = require('../lib/locate');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evmatch-node-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name, text) {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

test('objects kept raw, strings holding patterns, file order', () => {
  const file = write(
    'rules.json',
    `{
      "big": {"n": [9007199254740993]},
      "as-string": "{\\"s\\": [{\\"prefix\\": \\"a}\\\\\\"b\\"}]}",
      "dup-keys": {"a": [1], "a": [2]},
      "tricky": {"t": ["}]{[\\"", "x"]}, "after": {"z": [true]}
    }`,
  );
  const m = Machine.fromFile(file);
  assert.deepEqual([...m.ruleNames], ['big', 'as-string', 'dup-keys', 'tricky', 'after']);
  assert.deepEqual(m.matches('{"n": 9007199254740993}'), ['big']);
  assert.deepEqual(m.matches('{"n": 9007199254740992}'), []);
  assert.deepEqual(m.matches({ s: 'a}"bc' }), ['as-string']);
  assert.deepEqual(m.matches({ a: 2 }), ['dup-keys']);
  assert.deepEqual(m.matches({ a: 1 }), []);
  assert.deepEqual(m.matches({ t: '}]{["' }), ['tricky']);
  assert.deepEqual(m.matches({ z: true }), ['after']);
  m.close();
});

test('a repeated rule name: the last one wins', () => {
  const m = Machine.fromFile(write('dup.json', '{"r": {"a": [1]}, "q": {"b": [1]}, "r": {"a": [2]}}'));
  assert.deepEqual([...m.ruleNames], ['q', 'r']);
  assert.deepEqual(m.matches({ a: 2 }), ['r']);
  assert.deepEqual(m.matches({ a: 1 }), []);
  m.close();
});

test('empty rules file and a URL path', () => {
  const file = write('empty.json', ' { } ');
  const m = Machine.fromFile(file);
  assert.equal(m.ruleCount, 0);
  m.close();
  const n = Machine.fromFile(new URL(`file://${write('one.json', '{"r":{"a":[1]}}')}`));
  assert.deepEqual(n.matches({ a: 1 }), ['r']);
  n.close();
});

test('errors: not JSON, not a rules file, bad values, bad patterns, no file', () => {
  assert.throws(() => Machine.fromFile(write('bad.json', '{"r": ')), SyntaxError);
  assert.throws(() => Machine.fromFile(write('arr.json', '[{"a": [1]}]')), TypeError);
  assert.throws(() => Machine.fromFile(write('num.json', '{"r": 5}')), /must be a JSON object or a string/);
  assert.throws(() => Machine.fromFile(write('arrval.json', '{"r": [1]}')), TypeError);
  assert.throws(
    () => Machine.fromFile(write('badpat.json', '{"ok": {"a": [1]}, "bad": {"a": [{"prefix": 1}]}}')),
    (e) => e instanceof PatternError && e.rule === 'bad' && e.message === 'prefix match pattern must be a string',
  );
  assert.throws(
    () => Machine.fromFile(write('badstr.json', '{"bad": "{\\"a\\": "}')),
    (e) => e instanceof PatternError && e.rule === 'bad' && e.kind === 'syntax',
  );
  assert.throws(() => Machine.fromFile(path.join(tmp, 'missing.json')), (e) => e.code === 'ENOENT');
  assert.throws(() => Machine.fromFile(5), TypeError);
  assert.throws(() => Machine.fromFile(null), TypeError);
});

test('examples/rules.json gives what the evmatch CLI prints', () => {
  const rules = path.join(ROOT, 'examples', 'rules.json');
  const events = path.join(ROOT, 'examples', 'events.jsonl');
  // The CLI as `cargo build --release` built it (run_tests.sh does), in
  // CARGO_TARGET_DIR when that is set.
  const cli = path.join(targetDir(ROOT, process.env), 'release', process.platform === 'win32' ? 'evmatch.exe' : 'evmatch');
  assert.ok(fs.existsSync(cli), `the evmatch CLI is not built: ${cli} (run \`cargo build --release\`)`);
  const m = Machine.fromFile(rules);
  const lines = fs.readFileSync(events, 'utf8').split('\n').filter((l) => l.trim() !== '');
  assert.ok(lines.length > 0);
  const got = m.matchesMany(lines, { invalid: 'null' });
  m.close();
  // Exit status 3: some event was invalid (printed as {"error", "offset"}).
  const run = spawnSync(cli, ['match', '--rules', rules, events], { encoding: 'utf8' });
  assert.ok(run.status === 0 || run.status === 3, run.stderr);
  const out = run.stdout.split('\n').filter((l) => l !== '');
  assert.equal(out.length, lines.length);
  const again = Machine.fromFile(rules);
  out.forEach((line, i) => {
    const printed = JSON.parse(line);
    if (got[i] === null) {
      assert.throws(
        () => again.matches(lines[i]),
        (e) => e.message === printed.error && e.offset === printed.offset,
        `event ${i}`,
      );
    } else {
      assert.deepEqual(got[i], printed, `event ${i}`);
    }
  });
  again.close();
});
