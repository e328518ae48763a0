//! `evmatch explain`: why each rule matched each event, or did not.

use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;

use evmatch::{Explanation, JsonLines, Machine, RuleId};

use crate::{fail, io_text, rules, Fail};

pub struct Options {
    pub rules: PathBuf,
    /// The rules to explain (all when empty).
    pub only: Vec<String>,
    pub json: bool,
    /// For events that match no rule, only the K nearest rules.
    pub nearest: Option<usize>,
    pub trusted: bool,
    pub events: Vec<PathBuf>,
}

/// Returns the exit status: 0, or 3 when some event line was invalid.
pub fn run(opts: Options) -> Result<u8, Fail> {
    let machine = rules::load_machine(&opts.rules, opts.trusted)?;
    let mut selected = Vec::new();
    for name in &opts.only {
        let id = machine
            .rule_id(name)
            .ok_or_else(|| fail(format!("--rule {name:?}: no such rule in the rules file")))?;
        selected.push(id);
    }
    if selected.is_empty() {
        selected = (0..machine.rule_count())
            .filter_map(RuleId::new)
            .filter(|&id| machine.get_rule_name(id).is_some())
            .collect();
    }
    let stdout = io::stdout();
    let color = !opts.json && stdout.is_terminal();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut status = 0;
    let inputs = if opts.events.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        opts.events.clone()
    };
    for input in &inputs {
        let data = read_input(input)?;
        for line in JsonLines::new(&data) {
            let r = explain_event(&machine, &selected, &opts, line.event, line.number, color);
            let text = match r {
                Ok(text) => text,
                Err(text) => {
                    status = 3;
                    text
                }
            };
            if let Err(e) = out.write_all(text.as_bytes()) {
                return written(e, status);
            }
        }
    }
    match out.flush() {
        Ok(()) => Ok(status),
        Err(e) => written(e, status),
    }
}

/// The status after a failed write: a reader that went away (`| head`)
/// is not an error.
fn written(e: io::Error, status: u8) -> Result<u8, Fail> {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return Ok(status);
    }
    Err(fail(format!("standard output: {}", io_text(&e))))
}

/// What to print for one event: its explanations, or (as the error) the
/// report of an invalid event.
fn explain_event(
    machine: &Machine,
    selected: &[RuleId],
    opts: &Options,
    event: &[u8],
    line: usize,
    color: bool,
) -> Result<String, String> {
    let mut explanations = Vec::with_capacity(selected.len());
    for &id in selected {
        match machine.explain_id(id, event) {
            Ok(e) => explanations.push(e),
            Err(evmatch::ExplainError::Event(e)) => {
                return Err(if opts.json {
                    format!(
                        "{{\"line\":{line},\"error\":{},\"offset\":{}}}\n",
                        serde_json::to_string(e.message()).unwrap_or_default(),
                        e.offset()
                    )
                } else {
                    format!("line {line}: invalid event: {e}\n\n")
                });
            }
            Err(e) => return Err(format!("line {line}: {e}\n")),
        }
    }
    let matched_any = explanations.iter().any(Explanation::matched);
    if let Some(k) = opts.nearest {
        if matched_any {
            explanations.retain(Explanation::matched);
        } else {
            // The rules that failed on the fewest fields, in rule order
            // among equals.
            explanations.sort_by_key(Explanation::failed_fields);
            explanations.truncate(k);
        }
    }
    let mut text = String::new();
    if opts.json {
        for e in &explanations {
            let json = e.to_json();
            // `{"line": N,` then the explanation's own keys.
            text.push_str(&format!("{{\"line\":{line},{}\n", &json[1..]));
        }
    } else {
        let shown = String::from_utf8_lossy(event);
        let shown: String = shown.chars().take(120).collect();
        text.push_str(&format!("line {line}: {shown}\n"));
        if opts.nearest.is_some() && !matched_any {
            text.push_str(&format!(
                "  no rule matches; the {} nearest:\n",
                explanations.len()
            ));
        }
        for e in &explanations {
            for l in e.render(color).lines() {
                text.push_str("  ");
                text.push_str(l);
                text.push('\n');
            }
        }
        text.push('\n');
    }
    Ok(text)
}

/// The bytes of a file, or of standard input for `-`.
fn read_input(path: &PathBuf) -> Result<Vec<u8>, Fail> {
    if path.as_os_str() == "-" {
        let mut data = Vec::new();
        io::stdin()
            .read_to_end(&mut data)
            .map_err(|e| fail(format!("standard input: {}", io_text(&e))))?;
        return Ok(data);
    }
    std::fs::read(path).map_err(|e| fail(format!("{}: {}", path.display(), io_text(&e))))
}
