'use strict';
// Install step: make the package find the native library it was installed
// with. When the package sits inside the evmatch repository (the usual
// `npm install ./bindings/node`, which links the directory), index.js finds
// target/release by walking up and nothing is copied, so a rebuilt library
// is picked up at once. When the package was copied elsewhere (packed, or
// `--install-links`) and holds no lib/ of its own from `npm pack`, the
// library found above the package or above the
// directory npm was started in (INIT_CWD) is copied into lib/.
// Never fails the install: without a copy, EVMATCH_LIB still works.
//
// `--pack` (prepack): copy the library found above the package into lib/ so
// that `npm pack` ships it; `--unpack` (postpack): remove that copy again, so
// that the working tree goes on using target/release.
const fs = require('node:fs');
const path = require('node:path');

const name =
  process.platform === 'win32'
    ? 'evmatch.dll'
    : process.platform === 'darwin'
      ? 'libevmatch.dylib'
      : 'libevmatch.so';

function walkUp(start) {
  let dir;
  try {
    dir = fs.realpathSync(start);
  } catch {
    return null;
  }
  for (;;) {
    const candidate = path.join(dir, 'target', 'release', name);
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

const pkg = path.join(__dirname, '..');
const mode = process.argv[2];
if (mode === '--unpack') {
  fs.rmSync(path.join(pkg, 'lib'), { recursive: true, force: true });
  process.exit(0);
}
if (mode === '--pack') {
  const found = process.env.EVMATCH_LIB || walkUp(pkg);
  if (!found) {
    console.error(`evmatch: ${name} not found above ${pkg}: run \`cargo build --release\` first`);
    process.exit(1);
  }
  fs.mkdirSync(path.join(pkg, 'lib'), { recursive: true });
  fs.copyFileSync(found, path.join(pkg, 'lib', name));
  process.exit(0);
}
try {
  if (walkUp(pkg)) process.exit(0); // inside the repository: found at run time
  if (fs.existsSync(path.join(pkg, 'lib', name))) process.exit(0); // packed with the package
  const found =
    (process.env.EVMATCH_LIB && fs.existsSync(process.env.EVMATCH_LIB) && process.env.EVMATCH_LIB) ||
    (process.env.INIT_CWD && walkUp(process.env.INIT_CWD));
  if (!found) {
    console.warn(
      `evmatch: ${name} not found; run \`cargo build --release\` in the evmatch repository ` +
        'and reinstall, or set EVMATCH_LIB at run time',
    );
    process.exit(0);
  }
  fs.mkdirSync(path.join(pkg, 'lib'), { recursive: true });
  fs.copyFileSync(found, path.join(pkg, 'lib', name));
  console.log(`evmatch: copied ${found} into ${path.join(pkg, 'lib')}`);
} catch (e) {
  console.warn(`evmatch: could not copy the native library: ${e.message}`);
}
