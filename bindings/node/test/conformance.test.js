'use strict';
// The conformance corpus (testdata/conformance/*.jsonl at the repository
// root), compared as testdata/conformance/README.md and tests/conformance.rs
// say: each rule compiled on its own; invalid rules fail with the given
// first-line message (except JSON syntax errors, which need only fail);
// all valid rules share one machine; invalid events are refused; matches
// are sorted. Every event goes through matches() (as text and as bytes) and
// through matchesMany().
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

function same(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

const counts = { rules: 0, invalidRules: 0, events: 0, invalidEvents: 0, matched: 0 };

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
  try {
    const invalidEvents = new Set(c.expect.invalid_events || []);
    const many = machine.matchesMany(c.events, { invalid: 'null' });
    const manyBytes = machine.matchesMany(
      c.events.map((e) => Buffer.from(e, 'utf8')),
      { invalid: 'null' },
    );
    c.events.forEach((event, i) => {
      const want = c.expect.matches[i];
      counts.events++;
      if (invalidEvents.has(i)) {
        counts.invalidEvents++;
        for (const form of [event, Buffer.from(event, 'utf8')]) {
          try {
            machine.matches(form);
            fail(`event ${i} accepted, expected it to be refused`);
          } catch (e) {
            if (!(e instanceof EventError)) fail(`event ${i}: threw ${e.name}: ${e.message}`);
          }
        }
        if (many[i] !== null) fail(`event ${i}: matchesMany accepted it`);
        if (manyBytes[i] !== null) fail(`event ${i}: matchesMany (bytes) accepted it`);
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
        `${counts.invalidEvents} refused as expected, ${counts.matched} matching)`,
    );
    for (const k of Object.keys(counts)) counts[k] = 0;
    if (!filter) assert.ok(cases > 0, `no cases in ${file}`);
    assert.deepEqual(failures, []);
  });
}
