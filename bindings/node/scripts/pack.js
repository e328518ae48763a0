'use strict';
// `npm pack` hooks. prepack (no argument): copy the native library into the
// package's native/ folder, so that the tarball carries it and installs
// anywhere on the same platform with no script of its own; postpack
// (`--clean`): remove that copy again, so that the package used in place
// goes on loading the repository's build output.
//
// The library packed is the one the package in place would load (see
// lib/locate.js): EVMATCH_LIB if set, else the repository's release build
// (CARGO_TARGET_DIR honoured). Packing fails when there is none, so that no
// tarball without a library is made. Nothing here needs koffi: a fresh
// clone has no node_modules.

const fs = require('node:fs');
const path = require('node:path');
const { PACKAGE_DIR, NATIVE_DIR, libraryFileName, findLibrary } = require('../lib/locate');

const nativeDir = path.join(PACKAGE_DIR, NATIVE_DIR);

if (process.argv[2] === '--clean') {
  fs.rmSync(nativeDir, { recursive: true, force: true });
  process.exit(0);
}

let found;
try {
  found = findLibrary();
} catch (e) {
  console.error(`${e.message}\nevmatch: npm pack needs the library to put in the package.`);
  process.exit(1);
}
const target = path.join(nativeDir, libraryFileName());
if (path.resolve(found) !== path.resolve(target)) {
  fs.rmSync(nativeDir, { recursive: true, force: true });
  fs.mkdirSync(nativeDir, { recursive: true });
  fs.copyFileSync(found, target);
}
const size = fs.statSync(target).size;
console.error(`evmatch: packing ${found} (${(size / 1e6).toFixed(1)} MB) as ${NATIVE_DIR}/${libraryFileName()}`);
