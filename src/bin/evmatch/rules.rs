//! Reading rules files and pattern files, and reporting pattern errors with
//! the file, line, JSON path and a caret under the offending spot.

use std::path::Path;

use evmatch::{Machine, PatternError, RuleText, RulesFile, RulesFileError, RulesFileErrorKind};

use crate::{fail, io_text, Fail};

/// Reads a whole file as UTF-8 text (rules and pattern files are small).
pub fn read_text(path: &Path) -> Result<String, Fail> {
    let label = path.display();
    let bytes = std::fs::read(path).map_err(|e| fail(format!("{label}: {}", io_text(&e))))?;
    String::from_utf8(bytes).map_err(|e| {
        let off = e.utf8_error().valid_up_to();
        let line = line_of(e.as_bytes(), off);
        fail(format!("{label}:{line}: not UTF-8 text"))
    })
}

/// The first line of a rules-file error: `LABEL:LINE:COLUMN: MESSAGE`
/// for a syntax error, `LABEL:LINE: MESSAGE` for a member that is not a
/// pattern, `LABEL: MESSAGE` for a file that is not an object.
pub fn describe(label: &str, e: &RulesFileError) -> String {
    match e.kind() {
        RulesFileErrorKind::Syntax => {
            format!("{label}:{}:{}: {}", e.line(), e.column(), e.message())
        }
        _ if e.rule().is_none() => format!("{label}: {}", e.message()),
        _ => format!("{label}:{}: {}", e.line(), e.message()),
    }
}

/// The 1-based line of byte `offset` in `text`.
pub fn line_of(text: &[u8], offset: usize) -> usize {
    let offset = offset.min(text.len());
    1 + memchr::memchr_iter(b'\n', &text[..offset]).count()
}

/// The line of `text` holding `offset` and a caret under that spot, each
/// indented by four spaces.
fn caret(text: &str, offset: usize) -> String {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let start = text[..offset].rfind('\n').map_or(0, |p| p + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |p| offset + p);
    let line = text[start..end].trim_end_matches('\r');
    let col: String = text[start..offset]
        .chars()
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    format!("    {line}\n    {col}^")
}

/// The report for a pattern error: a first line in plain words
/// (`evmatch: FILE:LINE: rule "NAME": MESSAGE`), then the JSON path, the
/// pattern line and a caret.
pub fn report(label: &str, file: &str, rule: Option<&RuleText>, e: &PatternError) -> String {
    let (line, annotated) = match rule {
        // A pattern written as an object: point into the file itself.
        Some(r) if r.is_verbatim() => {
            let abs = r.offset() + e.offset();
            (line_of(file.as_bytes(), abs), caret(file, abs))
        }
        // A pattern held in a string: point into the pattern text.
        Some(r) => (
            line_of(file.as_bytes(), r.offset()),
            indent(&e.annotate(r.text())),
        ),
        // A single-pattern file.
        None => (
            line_of(file.as_bytes(), e.offset()),
            indent(&e.annotate(file)),
        ),
    };
    let who = match rule {
        Some(r) => format!("rule {:?}: ", r.name()),
        None => String::new(),
    };
    format!(
        "evmatch: {label}:{line}: {who}{}\n    at {}\n{annotated}",
        e.message(),
        e.path()
    )
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Loads a rules file into a machine (for trusted input when `trusted`).
/// Every invalid rule is reported; any invalid rule makes this fail.
pub fn load_machine(path: &Path, trusted: bool) -> Result<Machine, Fail> {
    let label = path.display().to_string();
    let file = read_text(path)?;
    let rules = RulesFile::parse(&file).map_err(|e| fail(describe(&label, &e)))?;
    let mut builder = Machine::builder();
    builder.trusted_input(trusted);
    let mut reports = Vec::new();
    for rule in rules.rules() {
        if let Err(e) = builder.add_rule(rule.name(), rule.text()) {
            reports.push(report(&label, &file, Some(rule), &e));
        }
    }
    if !reports.is_empty() {
        return Err(Fail {
            status: 2,
            text: reports.join("\n"),
        });
    }
    Ok(builder.build())
}
