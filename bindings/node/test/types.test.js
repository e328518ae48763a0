'use strict';
// The TypeScript declarations (index.d.ts) compile under `tsc --strict`,
// and test/types/usage.ts, which uses every declaration and checks that
// misuse is refused, type-checks against them. typescript and @types/node
// are devDependencies (run_tests.sh installs them with `npm ci`).

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const PKG = path.resolve(__dirname, '..');

test('index.d.ts and test/types/usage.ts pass tsc --strict', () => {
  const tsc = require.resolve('typescript/bin/tsc', { paths: [PKG] });
  const run = spawnSync(process.execPath, [tsc, '-p', path.join(__dirname, 'types', 'tsconfig.json')], {
    cwd: PKG,
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, `tsc failed:\n${run.stdout}${run.stderr}`);
});
