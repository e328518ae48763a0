#!/usr/bin/env bash
# The Node install exactly as README.md ("Install") says, tried as a new
# user would: `npm pack` in this folder, then `npm install` of the tarball
# in a new project in a temporary folder, then the README's example run
# there. Fails unless the example prints what its comments say and the
# library loaded is the copy inside the installed package. Then every
# README example that says what it prints runs against that installed
# copy (test/readme.test.js with EVMATCH_README_PACKAGE).
#
# Needs the library built first (`cargo build --release`, CARGO_TARGET_DIR
# honoured). Meant for a fresh clone: nothing outside the clone is used,
# and the working tree is left as it was (the tarball goes to the temporary
# folder).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "-- npm pack (node $(node --version), npm $(npm --version))"
(cd "$here" && npm pack --pack-destination "$tmp" --loglevel=warn >/dev/null)
tarball=("$tmp"/evmatch-*.tgz)
echo "   $(basename "${tarball[0]}"): $(du -h "${tarball[0]}" | cut -f1)"

echo "-- npm install of the tarball in a new project"
mkdir "$tmp/app"
cd "$tmp/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "${tarball[0]}"

# The README's first JavaScript example, with the output its comments promise.
node - "$here/README.md" >example.js <<'JS'
const text = require('node:fs').readFileSync(process.argv[2], 'utf8');
const section = text.slice(text.indexOf('\n## Example'));
const block = /```js\n([\s\S]*?)```/.exec(section);
if (!block) throw new Error('README.md: no js block under "## Example"');
process.stdout.write(block[1]);
JS
sed -n 's|^console\.log(.*); // \(.*\)$|\1|p' example.js >expected.txt
[ -s expected.txt ] || { echo "check_install.sh: the example promises no output" >&2; exit 1; }

echo "-- node example.js (the README example)"
node example.js | tee got.txt
diff -u expected.txt got.txt
loaded="$(node -p "require('evmatch').libraryPath")"
case "$loaded" in
  "$tmp/app/node_modules/evmatch/native/"*) ;;
  *) echo "check_install.sh: loaded $loaded, not the package's own copy" >&2; exit 1 ;;
esac
echo "-- every README example that says what it prints, against the installed package"
EVMATCH_README_PACKAGE="$tmp/app/node_modules/evmatch" node --test --test-reporter=dot "$here/test/readme.test.js"
echo "-- the installed package works: it loaded its own copy, node_modules/evmatch/native/$(basename "$loaded")"
