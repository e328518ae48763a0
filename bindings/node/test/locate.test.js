'use strict';
// Finding the native library (lib/locate.js): EVMATCH_LIB, then a packed
// copy's own native/ folder, or, for the package in place in a repository,
// that repository's build output (CARGO_TARGET_DIR honoured); never a
// library from a folder above a copy of the package.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { findLibrary, repositoryOf, libraryFileName, PACKAGE_DIR } = require('../lib/locate');

const NAME = libraryFileName();
const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'evmatch-locate-')));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function touch(...parts) {
  const file = path.join(tmp, ...parts);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, 'not really a library');
  return file;
}

/** A fake evmatch repository at tmp/<name> with its bindings/node folder. */
function repository(name, crate = 'evmatch') {
  const repo = path.join(tmp, name);
  fs.mkdirSync(path.join(repo, 'bindings', 'node'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'Cargo.toml'), `[package]\nname = "${crate}"\nversion = "0.1.0"\n`);
  return repo;
}

test('this package, run from the repository, is in place', () => {
  assert.equal(repositoryOf(PACKAGE_DIR), path.resolve(PACKAGE_DIR, '..', '..'));
});

test('a packed copy loads its own native/ copy and never a library above it', () => {
  // Another checkout's build output above the installed copy.
  touch('app', 'target', 'release', NAME);
  const pkg = path.join(tmp, 'app', 'node_modules', 'evmatch');
  fs.mkdirSync(pkg, { recursive: true });
  assert.equal(repositoryOf(pkg), null);
  assert.throws(
    () => findLibrary({}, pkg),
    (e) =>
      e.message.includes(path.join(pkg, 'native', NAME)) &&
      e.message.includes('carries no library') &&
      !e.message.includes(path.join(tmp, 'app', 'target')),
  );
  const own = touch('app', 'node_modules', 'evmatch', 'native', NAME);
  assert.equal(findLibrary({}, pkg), own);
  // CARGO_TARGET_DIR means nothing to a copy.
  assert.equal(findLibrary({ CARGO_TARGET_DIR: path.join(tmp, 'app', 'target') }, pkg), own);
});

test('EVMATCH_LIB comes first and must name a file', () => {
  const pkg = path.join(tmp, 'app', 'node_modules', 'evmatch');
  const explicit = touch('elsewhere', NAME);
  assert.equal(findLibrary({ EVMATCH_LIB: explicit }, pkg), explicit);
  assert.throws(() => findLibrary({ EVMATCH_LIB: path.join(tmp, 'nope.so') }, pkg), /EVMATCH_LIB=.*nope\.so does not exist/);
  assert.throws(() => findLibrary({ EVMATCH_LIB: tmp }, pkg), /EVMATCH_LIB=.* is not a file/);
  // Empty counts as not set.
  assert.throws(() => findLibrary({ EVMATCH_LIB: '' }, path.join(tmp, 'empty-pkg')), /not found/);
});

test('in place: the repository build output, with or without CARGO_TARGET_DIR', () => {
  const repo = repository('repo');
  const pkg = path.join(repo, 'bindings', 'node');
  assert.equal(repositoryOf(pkg), repo);
  // native/ is only the staging folder of npm pack here: never read.
  touch('repo', 'bindings', 'node', 'native', NAME);
  assert.throws(
    () => findLibrary({}, pkg),
    (e) =>
      e.message.includes(path.join(repo, 'target', 'release', NAME)) &&
      e.message.includes('CARGO_TARGET_DIR not set') &&
      e.message.includes('cargo build --release'),
  );
  const built = touch('repo', 'target', 'release', NAME);
  assert.equal(findLibrary({}, pkg), built);

  const elsewhere = touch('common-target', 'release', NAME);
  assert.equal(findLibrary({ CARGO_TARGET_DIR: path.join(tmp, 'common-target') }, pkg), elsewhere);
  // A relative CARGO_TARGET_DIR is taken from the repository's root.
  assert.equal(findLibrary({ CARGO_TARGET_DIR: '../common-target' }, pkg), elsewhere);
  // Set but empty there: an error naming it, not a fall back to target/.
  assert.throws(
    () => findLibrary({ CARGO_TARGET_DIR: path.join(tmp, 'no-target') }, pkg),
    (e) => e.message.includes(path.join(tmp, 'no-target', 'release', NAME)) && e.message.includes('CARGO_TARGET_DIR='),
  );
});

test('in place through a symlink (npm link), and not for another crate', () => {
  const repo = repository('linked');
  const built = touch('linked', 'target', 'release', NAME);
  const link = path.join(tmp, 'app2', 'node_modules', 'evmatch');
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(path.join(repo, 'bindings', 'node'), link, 'dir');
  assert.equal(findLibrary({}, link), built);

  const other = repository('other', 'not-evmatch');
  touch('other', 'target', 'release', NAME);
  const pkg = path.join(other, 'bindings', 'node');
  assert.equal(repositoryOf(pkg), null);
  assert.throws(() => findLibrary({}, pkg), /carries no library/);
});
