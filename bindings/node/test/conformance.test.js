'use strict';
// The conformance corpus (testdata/conformance/*.jsonl at the repository
// root), compared as testdata/conformance/README.md and tests/conformance.rs
// say: each rule compiled on its own; invalid rules fail with the given
// first-line message (except JSON syntax errors, which need only fail);
// all valid rules share one machine; invalid events are refused; matches
// are sorted. Every event goes through matches() (as text and as bytes),
// matchesMany() and matchLines() (the events of a case as one JSON Lines
// buffer, those that fit on one line); every valid event through a
// machine made with trustedInput too, when it keeps the promise (valid
// JSON, no member name repeated in an object); and explain() gives the
// matcher's verdict for every (rule, event), and the EventError of
// matches() for an invalid event.
//
// EVMATCH_CASE=<substring> runs only the cases whose id contains it.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Machine, PatternError, EventError } = require('..');

// EVMATCH_CORPUS_DIR points elsewhere (to check that a wrong expectation fails).
const CORPUS =
  process.env.EVMATCH_CORPUS_DIR || path.resolve(__dirname, '..', '..', '..', 'testdata', 'conformance');
const FILES = ['aws-validated.jsonl', 'edge-cases.jsonl', 'generated.jsonl'];

function isJson(text) {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether an object of a valid JSON text repeats a member name (which
 * JSON.parse hides). Strings are read whole, so their contents are never
 * taken for structure.
 */
function repeatsAName(text) {
  const open = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') open.push(new Set());
    else if (c === '[') open.push(null);
    else if (c === '}' || c === ']') open.pop();
    else if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      let k = j + 1;
      while (/\s/.test(text[k] || '')) k++;
      const names = open[open.length - 1];
      if (text[k] === ':' && names) {
        const name = JSON.parse(text.slice(i, j + 1));
        if (names.has(name)) return true;
        names.add(name);
      }
      i = j;
    }
  }
  return false;
}

function same(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

const counts = {
  rules: 0,
  invalidRules: 0,
  events: 0,
  invalidEvents: 0,
  matched: 0,
  trusted: 0,
  lines: 0,
  explained: 0,
};

function runCase(c, fail) {
  const invalid = c.expect.invalid;
  const valid = {};
  for (const [name, text] of Object.entries(c.rules)) {
    counts.rules++;
    let machine = null;
    let error = null;
    try {
      machine = new Machine({ [name]: text });
    } catch (e) {
      error = e;
    }
    if (machine) machine.close();
    const want = Object.hasOwn(invalid, name) ? invalid[name] : undefined;
    if (error && !(error instanceof PatternError)) {
      fail(`rule ${name}: threw ${error.name}: ${error.message}`);
    } else if (!error && want !== undefined) {
      fail(`rule ${name} compiled, expected error ${JSON.stringify(want)}`);
    } else if (error && want === undefined) {
      fail(`rule ${name} rejected: ${error.message}`);
    } else if (error) {
      counts.invalidRules++;
      if (error.rule !== name) fail(`rule ${name}: error names rule ${error.rule}`);
      const syntaxOk = error.kind === 'syntax' && !isJson(text);
      if (error.message !== want && !syntaxOk) {
        fail(`rule ${name}: message ${JSON.stringify(error.message)}, expected ${JSON.stringify(want)}`);
      }
    } else {
      valid[name] = text;
    }
  }

  const machine = new Machine(valid);
  const trusted = new Machine(valid, { trustedInput: true });
  try {
    const invalidEvents = new Set(c.expect.invalid_events || []);
    const many = machine.matchesMany(c.events, { invalid: 'null' });
    const manyBytes = machine.matchesMany(
      c.events.map((e) => Buffer.from(e, 'utf8')),
      { invalid: 'null' },
    );
    // The events that are one line each, as a JSON Lines buffer: result
    // `k` of matchLines is event `oneLine[k]`, on line k + 1.
    const oneLine = [];
    c.events.forEach((e, i) => {
      if (!/[\n\r]/.test(e) && e.trim() !== '') oneLine.push(i);
    });
    const lines = machine.matchLines(Buffer.from(oneLine.map((i) => c.events[i]).join('\n')), { invalid: 'null' });
    if (lines.length !== oneLine.length) fail(`matchLines gave ${lines.length} results for ${oneLine.length} lines`);
    const lineOf = new Map(oneLine.map((i, k) => [i, lines[k]]));
    c.events.forEach((event, i) => {
      const want = c.expect.matches[i];
      counts.events++;
      const line = lineOf.get(i);
      if (line !== undefined) {
        counts.lines++;
        if (line.line !== oneLine.indexOf(i) + 1) fail(`event ${i}: matchLines says line ${line.line}`);
      }
      if (invalidEvents.has(i)) {
        counts.invalidEvents++;
        let refusal = null;
        for (const form of [event, Buffer.from(event, 'utf8')]) {
          try {
            machine.matches(form);
            fail(`event ${i} accepted, expected it to be refused`);
          } catch (e) {
            if (!(e instanceof EventError)) fail(`event ${i}: threw ${e.name}: ${e.message}`);
            refusal = e;
          }
        }
        if (many[i] !== null) fail(`event ${i}: matchesMany accepted it`);
        if (manyBytes[i] !== null) fail(`event ${i}: matchesMany (bytes) accepted it`);
        if (line !== undefined && line.matches !== null) fail(`event ${i}: matchLines accepted it`);
        for (const rule of machine.ruleNames.slice(0, 1)) {
          try {
            machine.explain(rule, event);
            fail(`event ${i}: explain accepted it`);
          } catch (e) {
            if (!(e instanceof EventError) || !refusal || e.message !== refusal.message || e.offset !== refusal.offset) {
              fail(`event ${i}: explain threw ${e.name}: ${e.message}, matches ${refusal && refusal.message}`);
            }
          }
        }
        return;
      }
      let got;
      try {
        got = machine.matches(event);
      } catch (e) {
        fail(`event ${i} refused: ${e.message}`);
        return;
      }
      if (want.length > 0) counts.matched++;
      if (!same(got, want)) fail(`event ${i}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
      const gotBytes = machine.matches(Buffer.from(event, 'utf8'));
      if (!same(gotBytes, want)) fail(`event ${i} (bytes): got ${JSON.stringify(gotBytes)}`);
      if (!many[i] || !same(many[i], want)) fail(`event ${i}: matchesMany got ${JSON.stringify(many[i])}`);
      if (!manyBytes[i] || !same(manyBytes[i], want)) {
        fail(`event ${i}: matchesMany (bytes) got ${JSON.stringify(manyBytes[i])}`);
      }
      if (line !== undefined && (!line.matches || !same(line.matches, want))) {
        fail(`event ${i}: matchLines got ${JSON.stringify(line.matches)}`);
      }
      if (!repeatsAName(event)) {
        counts.trusted++;
        const gotTrusted = trusted.matches(event);
        if (!same(gotTrusted, want)) fail(`event ${i} (trusted): got ${JSON.stringify(gotTrusted)}`);
      }
      for (const rule of machine.ruleNames) {
        counts.explained++;
        const e = machine.explain(rule, event);
        if (e.matched !== want.includes(rule)) fail(`event ${i}: explain(${rule}) says matched: ${e.matched}`);
        if (e.rule !== rule) fail(`event ${i}: explain(${rule}) names ${e.rule}`);
      }
    });
    // The default mode throws for the first invalid event, with its index.
    if (invalidEvents.size > 0) {
      const first = Math.min(...invalidEvents);
      assert.throws(
        () => machine.matchesMany(c.events),
        (e) => e instanceof EventError && e.index === first,
      );
    }
  } finally {
    machine.close();
    trusted.close();
  }
}

for (const file of FILES) {
  test(`conformance: ${file}`, () => {
    const text = fs.readFileSync(path.join(CORPUS, file), 'utf8');
    const filter = process.env.EVMATCH_CASE;
    let cases = 0;
    const failures = [];
    const failedCases = new Set();
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const c = JSON.parse(line);
      if (filter && !c.id.includes(filter)) continue;
      cases++;
      try {
        runCase(c, (msg) => {
          failures.push(`${c.id}: ${msg}`);
          failedCases.add(c.id);
        });
      } catch (e) {
        failures.push(`${c.id}: threw ${e && e.stack}`);
        failedCases.add(c.id);
      }
    }
    console.log(
      `${file}: ${cases} cases, ${cases - failedCases.size} passed, ${failedCases.size} failed ` +
        `(${counts.rules} rules, ${counts.invalidRules} rejected as expected; ${counts.events} events, ` +
        `${counts.invalidEvents} refused as expected, ${counts.matched} matching; ${counts.lines} through ` +
        `matchLines, ${counts.trusted} in trusted mode; ${counts.explained} explanations)`,
    );
    for (const k of Object.keys(counts)) counts[k] = 0;
    if (!filter) assert.ok(cases > 0, `no cases in ${file}`);
    assert.deepEqual(failures, []);
  });
}
