//! `evmatch`: match JSON Lines events against Amazon EventBridge event
//! patterns from the command line. Run `evmatch --help`.

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

// A binary's root sits in src/bin/, so its modules are named by path.
#[path = "evmatch/bench.rs"]
mod bench;
#[path = "evmatch/check.rs"]
mod check;
#[path = "evmatch/conformance.rs"]
mod conformance;
#[path = "evmatch/explain.rs"]
mod explain;
#[path = "evmatch/input.rs"]
mod input;
#[path = "evmatch/matching.rs"]
mod matching;
#[path = "evmatch/pipeline.rs"]
mod pipeline;
#[path = "evmatch/progress.rs"]
mod progress;
#[path = "evmatch/rules.rs"]
mod rules;

/// The trusted-input contract, worded the same in every face of evmatch.
macro_rules! trusted_contract {
    () => {
        "\
Trusted input: the caller promises that each event is valid JSON (RFC 8259)
and that no object repeats a member name. If the promise is broken the
answers are unspecified, but there is still no panic, no undefined
behaviour, no read outside the event, and no unbounded time or memory."
    };
}

const TOP_HELP: &str = "\
Exit status: 0 success; 1 `test` found failing cases; 2 usage, file or rule
errors; 3 `match` or `explain` met invalid events.

Example:
  evmatch match --rules examples/rules.json examples/events.jsonl";

const MATCH_HELP: &str = concat!(
    "\
RULES.json is a JSON object {\"rule name\": pattern, ...}; each pattern is a
JSON object, or a string holding the pattern text. Events are JSON Lines, one
event per line; empty lines are skipped. Files are read in the order given.

For each event one line is printed: the JSON array of the names of the
matching rules, sorted (`[\"r1\",\"r3\"]`, or `[]`). An invalid event prints
{\"error\": \"<message>\", \"offset\": N, \"line\": L} on its line instead, in
that key order, so output lines stay aligned with input events: `offset` is
the byte offset in the event, `line` the line of the input file (from 1,
every line counted, empty ones included). The exit status is then 3. With
--filter, the report goes to standard error as `FILE:LINE: invalid event`.

Events are matched on --jobs threads (by default one per available core),
each taking about a megabyte of lines at a time; the output is in input
order and the same for any --jobs. When standard error is a terminal, a
large or slow input shows a progress bar there.

",
    trusted_contract!(),
    "

Examples:
  evmatch match --rules examples/rules.json examples/events.jsonl
  cat events.jsonl | evmatch match --rules rules.json --count
  evmatch match --rules rules.json --filter --rule big-order events.jsonl > big.jsonl
  evmatch match --rules rules.json --jobs 1 --trusted events.jsonl"
);

const CHECK_HELP: &str = "\
The file is read as a rules file when it is a JSON object and every value is
an object or a string: each member is a rule, name -> pattern. Otherwise (or
with --single) the whole file is one pattern. A pattern whose members are all
objects, such as {\"detail\": {\"state\": [\"stopped\"]}}, therefore reads as a
rules file; pass --single to check it as one pattern.

Every invalid rule is reported with its name, message, JSON path and a caret
under the offending spot. A rules file that compiles but is probably a
mistake gets warnings on standard error: a rule name given more than once
(the last one wins, as in a JSON object) and a file with no rules ({}).

Exit status: 0 (prints `ok: N rules`), warnings or not; 2 for an invalid file
or rule, and with --strict also for warnings.

Examples:
  evmatch check examples/rules.json
  evmatch check --strict rules.json
  evmatch check --single pattern.json";

const TEST_HELP: &str = "\
Each line of CASES.jsonl is one case in the format of
testdata/conformance/README.md. Failing cases are printed with their
differences; the last line is `N passed, N failed`. Exit status 0 only when
none failed.

With --emit, prints instead, one line per case, what evmatch does:
{\"id\": ..., \"invalid\": {rule: message}, \"matches\": [[names] per event],
\"invalid_events\": [indexes]}

Example:
  evmatch test testdata/conformance/aws-validated.jsonl \\
      testdata/conformance/edge-cases.jsonl testdata/conformance/generated.jsonl";

const EXPLAIN_HELP: &str = concat!(
    "\
For each event line, and each selected rule (every rule when no --rule is
given), prints why the rule matched or did not: the verdict, then for each
$or branch each field of the pattern with a mark (✓ satisfied, ✗ not), its
leaf as the pattern wrote it, and the event's values at its path: their
text, byte offset, array elements and which element of the leaf each
satisfies; `absent` for a field the event lacks, `an object, not a leaf
value` where it holds an object, and the array elements tried when array
consistency fails. Colours when standard output is a terminal.

--json prints one object per (event line, rule) instead:
{\"line\": N, \"rule\": NAME, \"matched\": true|false, \"branches\": [...]}
(the schema is in docs/explain.md); `line` counts from 1 as editors do. An
invalid event line prints {\"line\": N, \"error\": MESSAGE, \"offset\": K} (or,
without --json, `line N: invalid event: ...`), and the exit status is then 3.

--nearest K shows, for an event that matches no rule, only the K rules that
failed on the fewest fields (a misspelt field name stands out); for an event
that matches, only the rules that match.

",
    trusted_contract!(),
    "

Examples:
  evmatch explain --rules examples/rules.json examples/events.jsonl
  evmatch explain --rules rules.json --rule ec2-stopped --json events.jsonl
  evmatch explain --rules rules.json --nearest 3 events.jsonl"
);

const BENCH_HELP: &str = concat!(
    "\
Loads all events into memory, matches them N times and prints events/s, MB/s
(1 MB = 10^6 bytes of event text), matches per pass and the number of rules.
Each pass is shared by --jobs threads (by default one per available core);
the rates are of the whole pass.

",
    trusted_contract!(),
    "

Example:
  evmatch bench --rules examples/rules.json examples/events.jsonl --iterations 1000"
);

/// Match JSON events against Amazon EventBridge event patterns.
#[derive(Parser)]
#[command(name = "evmatch", version, after_help = TOP_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the rules that match each event of JSON Lines input.
    #[command(after_help = MATCH_HELP)]
    Match(MatchArgs),
    /// Validate a pattern file or a rules file.
    #[command(after_help = CHECK_HELP)]
    Check(CheckArgs),
    /// Explain why rules matched each event of JSON Lines input, or did not.
    #[command(after_help = EXPLAIN_HELP)]
    Explain(ExplainArgs),
    /// Run conformance-format test cases.
    #[command(after_help = TEST_HELP)]
    Test(TestArgs),
    /// Measure matching throughput.
    #[command(after_help = BENCH_HELP)]
    Bench(BenchArgs),
}

#[derive(Args)]
struct MatchArgs {
    /// Rules file: a JSON object {"rule name": pattern, ...}.
    #[arg(long, value_name = "RULES.json")]
    rules: PathBuf,
    /// JSON Lines event files (standard input when none are given, or for `-`).
    #[arg(value_name = "EVENTS.jsonl")]
    events: Vec<PathBuf>,
    /// Print only one JSON object of totals: events, matched_events, matches
    /// ((event, rule) pairs) and invalid_events.
    #[arg(long, conflicts_with = "filter")]
    count: bool,
    /// Print the input lines that match at least one rule (invalid events
    /// are reported on standard error).
    #[arg(long)]
    filter: bool,
    /// Only consider this rule (repeatable).
    #[arg(long = "rule", value_name = "NAME")]
    only: Vec<String>,
    #[command(flatten)]
    run: RunArgs,
    /// About how many bytes of input a thread takes at a time (for tests).
    #[arg(long, hide = true, default_value_t = 1 << 20,
          value_parser = clap::value_parser!(u64).range(1..))]
    chunk_size: u64,
}

/// Options shared by `match` and `bench`.
#[derive(Args)]
struct RunArgs {
    /// Threads that match events [default: one per available core].
    #[arg(long, short = 'j', value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    jobs: Option<u32>,
    /// Trusted input: skip validating the parts of events that no rule names
    /// (see the contract below).
    #[arg(long)]
    trusted: bool,
}

impl RunArgs {
    fn jobs(&self) -> usize {
        match self.jobs {
            Some(n) => n as usize,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

#[derive(Args)]
struct ExplainArgs {
    /// Rules file: a JSON object {"rule name": pattern, ...}.
    #[arg(long, value_name = "RULES.json")]
    rules: PathBuf,
    /// JSON Lines event files (standard input when none are given, or for `-`).
    #[arg(value_name = "EVENTS.jsonl")]
    events: Vec<PathBuf>,
    /// Explain this rule (repeatable; every rule when none is given).
    #[arg(long = "rule", value_name = "NAME")]
    only: Vec<String>,
    /// One JSON object per (event line, rule) instead of the tree.
    #[arg(long)]
    json: bool,
    /// For events that match no rule, only the K rules nearest to matching.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..))]
    nearest: Option<u32>,
    /// Trusted input: match as `match --trusted` does (see the contract below).
    #[arg(long)]
    trusted: bool,
}

#[derive(Args)]
struct CheckArgs {
    /// A pattern file or a rules file.
    #[arg(value_name = "PATTERN_OR_RULES_FILE")]
    file: PathBuf,
    /// Read the file as one pattern, even if it looks like a rules file.
    #[arg(long)]
    single: bool,
    /// Fail (exit status 2) on warnings too.
    #[arg(long)]
    strict: bool,
}

#[derive(Args)]
struct TestArgs {
    /// Conformance case files (JSON Lines).
    #[arg(value_name = "CASES.jsonl", required = true)]
    files: Vec<PathBuf>,
    /// Print what evmatch does for each case, in the case format, instead of
    /// comparing.
    #[arg(long)]
    emit: bool,
}

#[derive(Args)]
struct BenchArgs {
    /// Rules file: a JSON object {"rule name": pattern, ...}.
    #[arg(long, value_name = "RULES.json")]
    rules: PathBuf,
    /// JSON Lines event file.
    #[arg(value_name = "EVENTS.jsonl")]
    events: PathBuf,
    /// How many times to match all the events.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    iterations: u32,
    #[command(flatten)]
    run: RunArgs,
}

/// A failure to report on standard error, with the exit status.
pub struct Fail {
    pub status: u8,
    /// Complete text, each report starting with `evmatch: `.
    pub text: String,
}

/// A usage or file error (exit status 2): `evmatch: MESSAGE`.
pub fn fail(msg: impl std::fmt::Display) -> Fail {
    Fail {
        status: 2,
        text: format!("evmatch: {msg}"),
    }
}

/// An I/O error in plain words, without the `(os error N)` suffix.
pub fn io_text(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(i) if text.ends_with(')') => text[..i].to_string(),
        _ => text,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Match(a) => matching::run(matching::Options {
            rules: a.rules,
            events: a.events,
            mode: if a.count {
                matching::Mode::Count
            } else if a.filter {
                matching::Mode::Filter
            } else {
                matching::Mode::List
            },
            only: a.only,
            jobs: a.run.jobs(),
            chunk_size: usize::try_from(a.chunk_size).unwrap_or(usize::MAX),
            trusted: a.run.trusted,
        }),
        Command::Check(a) => check::run(&check::Options {
            file: a.file,
            single: a.single,
            strict: a.strict,
        }),
        Command::Explain(a) => explain::run(explain::Options {
            rules: a.rules,
            only: a.only,
            json: a.json,
            nearest: a.nearest.map(|k| k as usize),
            trusted: a.trusted,
            events: a.events,
        }),
        Command::Test(a) => conformance::run(&a.files, a.emit),
        Command::Bench(a) => bench::run(bench::Options {
            jobs: a.run.jobs(),
            trusted: a.run.trusted,
            rules: a.rules,
            events: a.events,
            iterations: a.iterations,
        }),
    };
    match result {
        Ok(status) => ExitCode::from(status),
        Err(f) => {
            eprintln!("{}", f.text);
            ExitCode::from(f.status)
        }
    }
}
