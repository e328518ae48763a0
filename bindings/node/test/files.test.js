'use strict';
// Machine.fromFile: rules files read by the library's reader
// (evm_builder_add_rules_json), the one `evmatch match --rules` uses: the
// same rules, the same errors at the same places.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { Machine, PatternError, _stats } = require('..');
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

test('a repeated rule name: the last one wins, in the place of the last', () => {
  const m = Machine.fromFile(write('dup.json', '{"r": {"a": [1]}, "q": {"b": [1]}, "r": {"a": [2]}}'));
  assert.deepEqual([...m.ruleNames], ['q', 'r']);
  assert.deepEqual(m.matches({ a: 2 }), ['r']);
  assert.deepEqual(m.matches({ a: 1 }), []);
  m.close();
  // The replaced pattern is not even compiled: an invalid one is no error.
  const n = Machine.fromFile(write('dup-bad.json', '{"r": {"a": [{"prefix": 1}]}, "r": {"a": ["x"]}}'));
  assert.deepEqual(n.matches({ a: 'x' }), ['r']);
  n.close();
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

test('errors: not JSON, not a rules file, bad values, bad patterns, no file, a Buffer path', () => {
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
  assert.throws(() => Machine.fromFile(new URL('https://example.com/rules.json')), (e) => e.code === 'ERR_INVALID_URL_SCHEME');
  const buf = Machine.fromFile(Buffer.from(write('buf.json', '{"r": {"a": [1]}}')));
  assert.deepEqual(buf.matches({ a: 1 }), ['r']);
  buf.close();
  const e = fileError(Buffer.from(write('buf-bad.json', '{"r": ')), SyntaxError);
  assert.equal(e.file, path.join(tmp, 'buf-bad.json'));
});

// The CLI as `cargo build --release` built it (run_tests.sh does), in
// CARGO_TARGET_DIR when that is set.
const CLI = path.join(targetDir(ROOT, process.env), 'release', process.platform === 'win32' ? 'evmatch.exe' : 'evmatch');

/** The first line `evmatch match --rules FILE` prints on stderr (it must fail). */
function cliError(file) {
  assert.ok(fs.existsSync(CLI), `the evmatch CLI is not built: ${CLI} (run \`cargo build --release\`)`);
  const run = spawnSync(CLI, ['match', '--rules', file, '/dev/null'], { encoding: 'utf8' });
  assert.notEqual(run.status, 0, `the CLI accepted ${file}`);
  return run.stderr.split('\n')[0];
}

/** The error Machine.fromFile throws for `file`, checked to be of `Class`. */
function fileError(file, Class) {
  const made = _stats.created;
  let error;
  assert.throws(
    () => Machine.fromFile(file),
    (e) => {
      error = e;
      return e instanceof Class;
    },
  );
  assert.equal(_stats.created, made, 'no machine is made');
  return error;
}

test('not JSON: SyntaxError with file, line and column, as the CLI says it', () => {
  const file = write('syntax.json', '{\n  "a": {"x": [1]},\n  "b": {"y": [2]\n}');
  const e = fileError(file, SyntaxError);
  assert.equal(e.message, cliError(file));
  assert.match(e.message, new RegExp(`^evmatch: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:1: EOF while parsing an object$`));
  assert.deepEqual([e.file, e.line, e.column, e.kind, e.code], [file, 4, 1, 'syntax', 1]);
  assert.equal(e.offset, 38);
  assert.equal(e.rule, undefined);

  const bad = fileError(write('truncated.json', '{"r": '), SyntaxError);
  assert.deepEqual([bad.line, bad.column, bad.offset], [1, 6, 5]);
});

test('a file that is not UTF-8, and a byte order mark, are refused as the CLI refuses them', () => {
  const latin1 = write('latin1.json', Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x7b, 0x7d, 0x7d]));
  const e = fileError(latin1, SyntaxError);
  assert.match(e.message, /:1:3: not UTF-8 text$/);
  assert.equal(e.offset, 2);
  cliError(latin1);
  // A BOM is not JSON, here as in `evmatch match` (and as JSON.parse says).
  const bom = write('bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"r": {"a": [1]}}')]));
  const b = fileError(bom, SyntaxError);
  assert.equal(b.message, cliError(bom));
  assert.deepEqual([b.line, b.column, b.offset], [1, 1, 0]);
});

test('JSON but not a rules file: TypeError naming the member, with its place', () => {
  const file = write('member.json', '{\n  "ok": {"a": [1]},\n  "r": 5\n}');
  const e = fileError(file, TypeError);
  assert.equal(e.message, `evmatch: ${file}:3:8: rule "r": a pattern must be a JSON object or a string holding one`);
  assert.ok(cliError(file).endsWith(`${file}:3: rule "r": a pattern must be a JSON object or a string holding one`));
  assert.deepEqual([e.rule, e.line, e.column, e.offset, e.kind, e.code], ['r', 3, 8, 29, 'not-rules', 2]);
  const arr = fileError(write('array.json', '[{"a": [1]}]'), TypeError);
  assert.equal(arr.kind, 'not-rules');
  assert.equal(arr.rule, undefined);
  assert.match(arr.message, /not a rules file/);
});

test('an invalid rule: PatternError with the rule, the pattern\'s message and path, and FILE:LINE:COLUMN', () => {
  const file = write('pattern.json', '{\n  "ok": {"a": [1]},\n  "bad": {"a": [{"prefix": 1}]},\n  "never": {"b": [{"nope": 1}]}\n}');
  const e = fileError(file, PatternError);
  assert.equal(e.rule, 'bad');
  assert.equal(e.message, 'prefix match pattern must be a string');
  assert.equal(e.path, '$.a[0].prefix');
  assert.deepEqual([e.kind, e.code], ['operand', 5]);
  // Offset, line and column of the `1`, in the file.
  assert.equal(e.offset, 49);
  assert.equal(fs.readFileSync(file, 'utf8')[e.offset], '1');
  assert.deepEqual([e.file, e.line, e.column, e.location], [file, 3, 28, `${file}:3:28`]);
  assert.equal(cliError(file), `evmatch: ${file}:3: rule "bad": prefix match pattern must be a string`);

  // A pattern held in a string: the place of that string.
  const str = write('string.json', '{"ok": {"a": [1]},\n "bad": "{\\"a\\": "}');
  const s = fileError(str, PatternError);
  assert.deepEqual([s.rule, s.kind, s.line, s.column, s.offset], ['bad', 'syntax', 2, 9, 27]);
  assert.equal(fs.readFileSync(str, 'utf8')[s.offset], '"');
  assert.ok(cliError(str).startsWith(`evmatch: ${str}:2: rule "bad": `));
});

test('examples/rules.json gives what the evmatch CLI prints', () => {
  const rules = path.join(ROOT, 'examples', 'rules.json');
  const events = path.join(ROOT, 'examples', 'events.jsonl');
  const cli = CLI;
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
