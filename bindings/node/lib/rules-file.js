'use strict';
// Rules files, `{"rule name": pattern, ...}`, read as `evmatch match
// --rules` reads them (src/bin/evmatch/rules.rs): each pattern's raw text is
// kept, so number spellings and duplicate keys keep their meaning. This is
// the JavaScript reader; a reader in the library, through the C ABI, would
// take its place behind readRulesFile.

const fs = require('node:fs');
const { describe } = require('./marshal');

function skipWs(text, i) {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    i++;
  }
  return i;
}

/** End (exclusive) of the JSON string token starting at `i`. */
function skipString(text, i) {
  i++;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i += 2;
    else if (c === 0x22) return i + 1;
    else i++;
  }
  return i;
}

/** End (exclusive) of the JSON value starting at `i` (text known valid). */
function skipValue(text, i) {
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    while (i < text.length) {
      const d = text[i];
      if (d === '"') {
        i = skipString(text, i);
        continue;
      }
      if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return i;
  }
  while (i < text.length && !',}] \t\r\n'.includes(text[i])) i++;
  return i;
}

/**
 * Splits a rules file `{"name": pattern, ...}` into [name, pattern text]
 * pairs, keeping each pattern's raw text (number spellings and duplicate
 * keys survive). A pattern is an object or a string holding the pattern
 * text. When a name repeats, the last one wins.
 *
 * @param {string} text
 * @param {string} label
 * @returns {Map<string, string>}
 */
function splitRulesFile(text, label) {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`evmatch: ${label}: not JSON: ${e.message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TypeError(
      `evmatch: ${label}: not a rules file: expected a JSON object {"rule name": pattern, ...}`,
    );
  }
  const rules = new Map();
  let i = skipWs(text, 0) + 1; // past '{'
  for (;;) {
    i = skipWs(text, i);
    if (text[i] === '}') break;
    const keyEnd = skipString(text, i);
    const name = JSON.parse(text.slice(i, keyEnd));
    i = skipWs(text, keyEnd) + 1; // past ':'
    i = skipWs(text, i);
    const end = skipValue(text, i);
    const raw = text.slice(i, end);
    let pattern;
    if (raw[0] === '{') pattern = raw;
    else if (raw[0] === '"') pattern = JSON.parse(raw);
    else {
      throw new TypeError(
        `evmatch: ${label}: rule ${JSON.stringify(name)}: a pattern must be a JSON object or a string holding one`,
      );
    }
    rules.delete(name);
    rules.set(name, pattern);
    i = skipWs(text, end);
    if (text[i] === ',') i++;
  }
  return rules;
}

/**
 * The rules of the rules file at `file`, as rule name → pattern text.
 *
 * @param {string | URL | Buffer} file
 * @returns {Map<string, string>}
 * @throws {SyntaxError} when the file is not JSON
 * @throws {TypeError} when `file` is not a path, or the file is JSON but
 *   not a rules file
 * @throws {Error} when the file cannot be read (from fs)
 */
function readRulesFile(file) {
  if (typeof file !== 'string' && !(file instanceof URL) && !Buffer.isBuffer(file)) {
    throw new TypeError(`evmatch: fromFile needs a path, not ${describe(file)}`);
  }
  const text = fs.readFileSync(file, 'utf8');
  return splitRulesFile(text, String(file));
}

module.exports = { readRulesFile };
