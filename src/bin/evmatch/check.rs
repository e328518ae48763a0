//! `evmatch check`: validates a pattern file or a rules file, reporting
//! every invalid rule, and warning about rules files that compile but are
//! probably not what was meant.

use std::path::PathBuf;

use evmatch::{Pattern, RulesFile};

use crate::{fail, rules, Fail};

pub struct Options {
    pub file: PathBuf,
    /// Read the file as one pattern.
    pub single: bool,
    /// Warnings fail the check (exit status 2).
    pub strict: bool,
}

pub fn run(opts: &Options) -> Result<u8, Fail> {
    let label = opts.file.display().to_string();
    let file = rules::read_text(&opts.file)?;
    if opts.single || !RulesFile::looks_like_rules(&file) {
        if let Err(e) = Pattern::parse(file.as_bytes()) {
            return Err(Fail {
                status: 2,
                text: rules::report(&label, &file, None, &e),
            });
        }
        println!("ok: 1 rule");
        return Ok(0);
    }

    let parsed = RulesFile::parse(&file).map_err(|e| fail(rules::describe(&label, &e)))?;
    let warnings = warnings(&label, &file, &parsed);
    for w in &warnings {
        eprintln!("{w}");
    }
    let list = parsed.rules();
    let mut bad = 0;
    for rule in list {
        if let Err(e) = Pattern::parse(rule.text()) {
            eprintln!("{}", rules::report(&label, &file, Some(rule), &e));
            bad += 1;
        }
    }
    if bad > 0 {
        let mut msg = format!(
            "{label}: {bad} of {} {} invalid",
            list.len(),
            plural(list.len())
        );
        // Members that are all objects could also be one pattern.
        if list.iter().all(|r| r.is_verbatim()) {
            msg.push_str(" (read as a rules file; pass --single to check it as one pattern)");
        }
        return Err(fail(msg));
    }
    if opts.strict && !warnings.is_empty() {
        let n = warnings.len();
        return Err(fail(format!(
            "{label}: {n} {} (--strict)",
            if n == 1 { "warning" } else { "warnings" }
        )));
    }
    println!("ok: {} {}", list.len(), plural(list.len()));
    Ok(0)
}

/// What is probably a mistake in a rules file that compiles, one line each
/// (`evmatch: FILE:LINE: warning: ...`).
fn warnings(label: &str, file: &str, parsed: &RulesFile<'_>) -> Vec<String> {
    let line = |offset| rules::line_of(file.as_bytes(), offset);
    let mut out = Vec::new();
    if parsed.rules().is_empty() {
        out.push(format!(
            "evmatch: {label}: warning: no rules (the file is an empty object)"
        ));
    }
    for r in parsed.repeated() {
        let lines: Vec<String> = r
            .replaced
            .iter()
            .chain([&r.winner])
            .map(|&o| line(o).to_string())
            .collect();
        out.push(format!(
            "evmatch: {label}:{}: warning: rule {:?} is given {} times (lines {}); the last one, on line {}, wins",
            lines[0],
            r.name,
            lines.len(),
            lines.join(", "),
            line(r.winner),
        ));
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        "rule"
    } else {
        "rules"
    }
}
