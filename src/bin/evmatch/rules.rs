//! Reading rules files and pattern files, and reporting pattern errors with
//! the file, line, JSON path and a caret under the offending spot.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use evmatch::{Machine, PatternError};
use serde_json::value::RawValue;

use crate::{fail, io_text, Fail};

/// One rule of a rules file.
pub struct RuleText<'a> {
    /// The rule name (the object key).
    pub name: String,
    /// The pattern text: the raw text of an object value (exactly as written,
    /// so number spellings and duplicate keys survive), or the contents of a
    /// string value.
    pub text: Cow<'a, str>,
    /// Where the value starts in the file, in bytes.
    pub start: usize,
}

/// Why a file is not a rules file.
pub enum NotRules {
    /// Not JSON at all: the message and the 1-based line and column.
    Syntax(String, usize, usize),
    /// JSON, but not a `{name: pattern}` object: the message, and the line
    /// of the offending member if there is one.
    Shape(String, Option<usize>),
}

impl NotRules {
    pub fn describe(&self, label: &str) -> String {
        match self {
            NotRules::Syntax(msg, line, col) => format!("{label}:{line}:{col}: {msg}"),
            NotRules::Shape(msg, None) => format!("{label}: {msg}"),
            NotRules::Shape(msg, Some(line)) => format!("{label}:{line}: {msg}"),
        }
    }
}

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

/// Splits a rules file, `{"rule name": pattern, ...}`, into its rules in
/// file order. A pattern is a JSON object, or a string holding the pattern
/// text. When a name repeats, the last one wins (as JSON objects go).
pub fn split_rules(file: &str) -> Result<Vec<RuleText<'_>>, NotRules> {
    let map: BTreeMap<String, &RawValue> = match serde_json::from_str(file) {
        Ok(map) => map,
        Err(e) if e.is_data() => {
            return Err(NotRules::Shape(
                "not a rules file: expected a JSON object {\"rule name\": pattern, ...}".into(),
                None,
            ))
        }
        Err(e) => {
            let text = e.to_string();
            let msg = match text.rfind(" at line ") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            return Err(NotRules::Syntax(msg, e.line(), e.column()));
        }
    };
    let mut rules = Vec::with_capacity(map.len());
    for (name, raw) in map {
        let value = raw.get();
        let start = value.as_ptr() as usize - file.as_ptr() as usize;
        let text = match value.as_bytes().first() {
            Some(b'{') => Cow::Borrowed(value),
            Some(b'"') => match serde_json::from_str::<String>(value) {
                Ok(s) => Cow::Owned(s),
                Err(e) => {
                    let line = line_of(file.as_bytes(), start);
                    return Err(NotRules::Shape(format!("rule {name:?}: {e}"), Some(line)));
                }
            },
            _ => {
                return Err(NotRules::Shape(
                    format!(
                        "rule {name:?}: a pattern must be a JSON object or a string holding one"
                    ),
                    Some(line_of(file.as_bytes(), start)),
                ))
            }
        };
        rules.push(RuleText { name, text, start });
    }
    rules.sort_by_key(|r| r.start);
    Ok(rules)
}

/// True when the file looks like a rules file: a JSON object whose values
/// are all objects or strings.
pub fn looks_like_rules(file: &str) -> bool {
    match serde_json::from_str::<BTreeMap<String, &RawValue>>(file) {
        Ok(map) => map
            .values()
            .all(|v| matches!(v.get().as_bytes().first(), Some(b'{' | b'"'))),
        Err(_) => false,
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
        Some(r) if matches!(r.text, Cow::Borrowed(_)) => {
            let abs = r.start + e.offset();
            (line_of(file.as_bytes(), abs), caret(file, abs))
        }
        // A pattern held in a string: point into the pattern text.
        Some(r) => (
            line_of(file.as_bytes(), r.start),
            indent(&e.annotate(&r.text)),
        ),
        // A single-pattern file.
        None => (
            line_of(file.as_bytes(), e.offset()),
            indent(&e.annotate(file)),
        ),
    };
    let who = match rule {
        Some(r) => format!("rule {:?}: ", r.name),
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

/// Loads a rules file into a machine. Every invalid rule is reported; any
/// invalid rule makes this fail.
pub fn load_machine(path: &Path) -> Result<Machine, Fail> {
    let label = path.display().to_string();
    let file = read_text(path)?;
    let rules = split_rules(&file).map_err(|e| fail(e.describe(&label)))?;
    let mut builder = Machine::builder();
    let mut reports = Vec::new();
    for rule in &rules {
        if let Err(e) = builder.add_rule(&rule.name, rule.text.as_bytes()) {
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
