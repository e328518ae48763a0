'use strict';
// Where the native library is. Nothing here loads it, and nothing here needs
// the package's dependencies: scripts/pack.js uses the same lookup while npm
// packs a fresh clone, before koffi is installed anywhere.
//
// Two kinds of package directory, told apart by where the package lives:
//
// - in place: the package's real directory is `bindings/node` of an evmatch
//   repository (Cargo.toml names the `evmatch` crate). The library is that
//   repository's build output, so a rebuilt library is used at once.
//   `native/` is only the staging folder of `npm pack` there, and is never
//   read.
// - a copy made by `npm pack` (installed from its tarball): the library is
//   the one packed into its own `native/`. Such a copy never looks outside
//   itself, so it cannot pick up another checkout's library.
//
// `EVMATCH_LIB`, when set, names the file to load in both cases.

const fs = require('node:fs');
const path = require('node:path');

/** The package's own directory (the one holding package.json). */
const PACKAGE_DIR = path.resolve(__dirname, '..');

/** The folder, inside the package, that a packed copy carries the library in. */
const NATIVE_DIR = 'native';

/** The file name of the shared library on this platform. */
function libraryFileName() {
  if (process.platform === 'win32') return 'evmatch.dll';
  if (process.platform === 'darwin') return 'libevmatch.dylib';
  return 'libevmatch.so';
}

/**
 * The evmatch repository that `pkgDir` is the `bindings/node` folder of
 * (through its real path, so a symlink to the folder counts), or null when
 * the package is a copy living elsewhere.
 *
 * @param {string} pkgDir
 * @returns {string | null}
 */
function repositoryOf(pkgDir) {
  let real;
  try {
    real = fs.realpathSync(pkgDir);
  } catch {
    return null;
  }
  const bindings = path.dirname(real);
  if (path.basename(real) !== 'node' || path.basename(bindings) !== 'bindings') return null;
  const repo = path.dirname(bindings);
  let manifest;
  try {
    manifest = fs.readFileSync(path.join(repo, 'Cargo.toml'), 'utf8');
  } catch {
    return null;
  }
  return /^\s*name\s*=\s*"evmatch"\s*$/m.test(manifest) ? repo : null;
}

/**
 * The folder cargo builds `repo` into: `CARGO_TARGET_DIR` (a relative one is
 * taken from the repository's root, where cargo is usually run) or
 * `<repo>/target`.
 *
 * @param {string} repo
 * @param {NodeJS.ProcessEnv} env
 */
function targetDir(repo, env) {
  const dir = env.CARGO_TARGET_DIR;
  return dir ? path.resolve(repo, dir) : path.join(repo, 'target');
}

/**
 * The library to load: `EVMATCH_LIB` when set (it must name a file), else
 * the repository's `release` build output for a package in place, else the
 * package's own `native/` copy. Throws an Error saying what was tried.
 *
 * @param {NodeJS.ProcessEnv} [env]
 * @param {string} [pkgDir]
 * @returns {string} an absolute path
 */
function findLibrary(env = process.env, pkgDir = PACKAGE_DIR) {
  const explicit = env.EVMATCH_LIB;
  if (explicit) {
    let stat;
    try {
      stat = fs.statSync(explicit);
    } catch {
      throw new Error(`evmatch: EVMATCH_LIB=${explicit} does not exist`);
    }
    if (!stat.isFile()) throw new Error(`evmatch: EVMATCH_LIB=${explicit} is not a file`);
    return path.resolve(explicit);
  }
  const name = libraryFileName();
  const repo = repositoryOf(pkgDir);
  if (repo !== null) {
    const built = path.join(targetDir(repo, env), 'release', name);
    if (fs.existsSync(built)) return built;
    const how = env.CARGO_TARGET_DIR ? `CARGO_TARGET_DIR=${env.CARGO_TARGET_DIR}` : 'CARGO_TARGET_DIR not set';
    throw new Error(
      `evmatch: native library ${name} not found. Looked at:\n` +
        '  EVMATCH_LIB (not set)\n' +
        `  ${built} (the release build of ${repo}; ${how})\n` +
        `Run \`cargo build --release\` in ${repo} (with the same CARGO_TARGET_DIR), ` +
        "or set EVMATCH_LIB to the library's path.",
    );
  }
  const own = path.join(pkgDir, NATIVE_DIR, name);
  if (fs.existsSync(own)) return own;
  throw new Error(
    `evmatch: native library ${name} not found. Looked at:\n` +
      '  EVMATCH_LIB (not set)\n' +
      `  ${own} (the copy a package made by \`npm pack\` carries)\n` +
      'This copy of the package carries no library: install the tarball that `npm pack` makes in ' +
      'bindings/node of the evmatch repository after `cargo build --release`, ' +
      "or set EVMATCH_LIB to the library's path.",
  );
}

module.exports = { PACKAGE_DIR, NATIVE_DIR, libraryFileName, repositoryOf, targetDir, findLibrary };
