'use strict';
// The JavaScript examples of README.md, run against the package in place:
// what they print must be what the README says they print, either in the
// comments after their console.log calls (`console.log(x); // output`) or
// in the ```text block that follows the example ("prints"). Examples that
// say neither are not run. EVMATCH_README_PACKAGE names another copy of
// the package to run them against: scripts/check_install.sh sets it to
// the one installed from the tarball.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const PKG = path.resolve(process.env.EVMATCH_README_PACKAGE || path.join(__dirname, '..'));
const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

/** The README's js examples: code, the line it starts on, expected output. */
function examples() {
  const out = [];
  const fence = /```js\n([\s\S]*?)```/g;
  for (let m = fence.exec(README); m !== null; m = fence.exec(README)) {
    const code = m[1];
    const line = README.slice(0, m.index).split('\n').length;
    const rest = README.slice(fence.lastIndex);
    const printed = /^\s*(?:prints\s*)?```text\n([\s\S]*?)```/.exec(rest);
    let expected;
    if (printed) {
      expected = printed[1];
    } else {
      const comments = code
        .split('\n')
        .map((l) => /console\.log\(.*\/\/ (.*)$/.exec(l))
        .filter(Boolean)
        .map((c) => c[1]);
      if (comments.length === 0) continue;
      expected = comments.join('\n');
    }
    out.push({ code, line, expected });
  }
  return out;
}

const all = examples();

test('the README has examples that say what they print', () => {
  assert.ok(all.length >= 5, `${all.length} examples`);
});

for (const ex of all) {
  test(`README.md example at line ${ex.line}`, () => {
    const code = ex.code.replaceAll("require('evmatch')", `require(${JSON.stringify(PKG)})`);
    const run = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', cwd: PKG });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trimEnd(), ex.expected.trimEnd());
  });
}
