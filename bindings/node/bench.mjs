// Throughput of the Node binding on the CityLots events, next to the Rust
// API's (the `evmatch bench` CLI) on the same events, rules and machine:
// matches() one event at a time, matchesMany() on arrays of Buffers and
// matchLines() on JSON Lines Buffers of the same events, both in batches.
//
//   cargo build --release
//   cargo run --release --example gen_citylots -- ${CARGO_TARGET_DIR:-target}/bench-data/citylots2.jsonl
//   node bindings/node/bench.mjs
//
// Options (environment): EVMATCH_BENCH_RULES (rules directory, default
// benches/citylots/rules), EVMATCH_BENCH_EVENTS (JSON Lines, default
// ${CARGO_TARGET_DIR:-target}/bench-data/citylots2.jsonl),
// EVMATCH_BENCH_LINES (50000), EVMATCH_BENCH_ROUNDS (3),
// EVMATCH_BENCH_PASSES (5 per round), EVMATCH_BENCH_BATCH (10000),
// EVMATCH_BENCH_SETS (exact,numeric). When as many events are read as
// benches/citylots/expected-counts.json counts (EVMATCH_BENCH_LINES=213068
// on the generated file), the match counts are checked against it.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import evmatch from './index.js';
import locate from './lib/locate.js';

const { Machine } = evmatch;
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const env = process.env;
const target = locate.targetDir(root, env);
const rulesDir = env.EVMATCH_BENCH_RULES || path.join(root, 'benches', 'citylots', 'rules');
const eventsFile = env.EVMATCH_BENCH_EVENTS || path.join(target, 'bench-data', 'citylots2.jsonl');
const expectedFile = path.join(root, 'benches', 'citylots', 'expected-counts.json');
const maxLines = Number(env.EVMATCH_BENCH_LINES || 50000);
const passes = Number(env.EVMATCH_BENCH_PASSES || 5);
const rounds = Number(env.EVMATCH_BENCH_ROUNDS || 3);
const batch = Number(env.EVMATCH_BENCH_BATCH || 10000);
const sets = (env.EVMATCH_BENCH_SETS || 'exact,numeric').split(',');
const cli = path.join(target, 'release', process.platform === 'win32' ? 'evmatch.exe' : 'evmatch');

/** The first `max` non-empty lines of a file, each as its own Buffer. */
function readLines(file, max) {
  const fd = fs.openSync(file, 'r');
  const lines = [];
  const chunk = Buffer.alloc(1 << 22);
  let carry = Buffer.alloc(0);
  try {
    while (lines.length < max) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      let data = Buffer.concat([carry, chunk.subarray(0, n)]);
      let start = 0;
      for (let nl = data.indexOf(10, start); nl !== -1 && lines.length < max; nl = data.indexOf(10, start)) {
        let end = nl;
        if (end > start && data[end - 1] === 13) end--;
        if (end > start) lines.push(Buffer.from(data.subarray(start, end))); // own copy
        start = nl + 1;
      }
      carry = Buffer.from(data.subarray(start));
      data = null;
    }
    if (lines.length < max && carry.length > 0) lines.push(carry);
  } finally {
    fs.closeSync(fd);
  }
  return lines;
}

function time(fn) {
  const t0 = process.hrtime.bigint();
  const r = fn();
  return [Number(process.hrtime.bigint() - t0) / 1e9, r];
}

/** Runs `fn` for `passes` passes after one warm-up: mean and best seconds. */
function measure(fn) {
  const [, warm] = time(fn);
  let total = 0;
  let best = Infinity;
  for (let i = 0; i < passes; i++) {
    const [s, r] = time(fn);
    if (r !== warm) throw new Error(`pass ${i}: ${r} matches, warm-up had ${warm}`);
    total += s;
    best = Math.min(best, s);
  }
  return { mean: total / passes, best, matches: warm };
}

function rustBench(rules, file) {
  if (!fs.existsSync(cli)) return null;
  const out = execFileSync(cli, ['bench', '--rules', rules, file, '--iterations', String(passes)], {
    encoding: 'utf8',
  });
  const rate = /events\/s:\s+(\d+) \(best (\d+)\)/.exec(out);
  const matches = /matches per pass:\s+(\d+)/.exec(out);
  return { mean: Number(rate[1]), best: Number(rate[2]), matches: Number(matches[1]) };
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');

if (!fs.existsSync(eventsFile)) {
  console.error(
    `bench.mjs: no events file ${eventsFile}; make it with\n` +
      `  cargo run --release --example gen_citylots -- ${eventsFile}`,
  );
  process.exit(1);
}
const events = readLines(eventsFile, maxLines);
// The expected counts are for the whole generated file (its `events`
// lines): checked only when exactly that many events were read.
const expectedAll = fs.existsSync(expectedFile) ? JSON.parse(fs.readFileSync(expectedFile, 'utf8')) : null;
const expected = expectedAll && expectedAll.events === events.length ? expectedAll : null;
const bytes = events.reduce((s, e) => s + e.length, 0);
// The same batches as JSON Lines Buffers, for matchLines().
const NL = Buffer.from('\n');
const chunks = [];
for (let i = 0; i < events.length; i += batch) {
  chunks.push(Buffer.concat(events.slice(i, i + batch).flatMap((e) => [e, NL])));
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evmatch-bench-'));
const eventsCopy = path.join(tmp, 'events.jsonl');
fs.writeFileSync(eventsCopy, Buffer.concat(events.flatMap((e) => [e, Buffer.from('\n')])));

console.log(`evmatch ${evmatch.version} (${evmatch.libraryPath}), node ${process.version}, ${os.cpus()[0].model}`);
console.log(
  `${events.length} events (${(bytes / 1e6).toFixed(1)} MB) from ${eventsFile}; ${rounds} rounds of ` +
    `Rust, matchesMany, matchLines and matches, each ${passes} passes after a warm-up; batches of ${batch}`,
);
console.log(
  expected
    ? `match counts checked against ${expectedFile}`
    : `match counts not checked against ${expectedFile} (${expectedAll ? `it counts ${expectedAll.events} events` : 'absent'})`,
);
console.log('');
console.log(
  '| rule set | rules | matches/pass | Rust API (CLI) events/s | Node matches() events/s | Node matchesMany() events/s | ' +
    'Node matchLines() events/s | matchesMany / Rust | matchLines / Rust | matchLines / matchesMany |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');

/** Mean rate over rounds (from each round's mean seconds) and best rate. */
function combine(list) {
  const secs = list.reduce((t, r) => t + r.mean, 0) / list.length;
  return { rate: events.length / secs, best: events.length / Math.min(...list.map((r) => r.best)) };
}

try {
  for (const set of sets) {
    const rulesFile = path.join(rulesDir, `${set}.json`);
    const m = Machine.fromFile(rulesFile);
    const oneRuns = [];
    const manyRuns = [];
    const linesRuns = [];
    const rustRuns = [];
    // Rounds of Rust, matchesMany, matchLines and matches, one after the
    // other, so that a change in the machine's load hits all four alike.
    for (let round = 0; round < rounds; round++) {
      const rust = rustBench(rulesFile, eventsCopy);
      if (rust) rustRuns.push(rust);
      manyRuns.push(
        measure(() => {
          let n = 0;
          for (let i = 0; i < events.length; i += batch) {
            const res = m.matchesMany(events.slice(i, i + batch));
            for (let j = 0; j < res.length; j++) n += res[j].length;
          }
          return n;
        }),
      );
      linesRuns.push(
        measure(() => {
          let n = 0;
          for (const chunk of chunks) {
            const res = m.matchLines(chunk);
            for (let j = 0; j < res.length; j++) n += res[j].matches.length;
          }
          return n;
        }),
      );
      oneRuns.push(
        measure(() => {
          let n = 0;
          for (let i = 0; i < events.length; i++) n += m.matches(events[i]).length;
          return n;
        }),
      );
    }
    const matches = manyRuns[0].matches;
    for (const r of [...oneRuns, ...manyRuns, ...linesRuns]) {
      if (r.matches !== matches) throw new Error(`${set}: ${r.matches} matches, expected ${matches}`);
    }
    for (const r of rustRuns) {
      if (r.matches !== matches) throw new Error(`${set}: Rust counted ${r.matches} matches, Node ${matches}`);
    }
    const want = expected && expected.total_matches[set];
    if (want !== undefined && want !== null && want !== matches) {
      throw new Error(`${set}: ${matches} matches, ${expectedFile} expects ${want}`);
    }
    const one = combine(oneRuns);
    const many = combine(manyRuns);
    const lines = combine(linesRuns);
    // Ratios of rates, round by round: median (min to max).
    const ratioCell = (num, den) => {
      const ratios = num.map((r, i) => den[i] / r).sort((a, b) => a - b);
      const mid = ratios[Math.floor(ratios.length / 2)].toFixed(2);
      return `${mid} (${ratios[0].toFixed(2)} to ${ratios[ratios.length - 1].toFixed(2)})`;
    };
    const nodeSecs = (runs) => runs.map((r) => r.mean / events.length); // seconds per event
    let rustCell = 'CLI not built';
    let manyRust = 'n/a';
    let linesRust = 'n/a';
    if (rustRuns.length === rounds) {
      const rustRate = rustRuns.length / rustRuns.reduce((t, r) => t + 1 / r.mean, 0);
      const rustBest = Math.max(...rustRuns.map((r) => r.best));
      rustCell = `${fmt(rustRate)} (best ${fmt(rustBest)})`;
      const rustSecs = rustRuns.map((r) => 1 / r.mean);
      manyRust = ratioCell(nodeSecs(manyRuns), rustSecs);
      linesRust = ratioCell(nodeSecs(linesRuns), rustSecs);
    }
    const linesMany = ratioCell(nodeSecs(linesRuns), nodeSecs(manyRuns));
    const rate = (r) => `${fmt(r.rate)} (best ${fmt(r.best)})`;
    console.log(
      `| ${set} | ${m.ruleCount} | ${matches} | ${rustCell} | ${rate(one)} | ${rate(many)} | ${rate(lines)} | ` +
        `${manyRust} | ${linesRust} | ${linesMany} |`,
    );
    m.close();
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
