//! Rules files: one JSON object that names its rules,
//! `{"rule name": pattern, ...}`.
//!
//! A pattern is written either as a JSON object, whose exact text is kept
//! (number spellings and repeated keys mean something in patterns, so the
//! text is never re-serialised), or as a JSON string holding the pattern
//! text. When a name is given twice, the later rule replaces the earlier
//! one, as members of a JSON object do; [`RulesFile::repeated`] says which.
//!
//! This is the one reader of rules files: the command-line tool, the C ABI
//! (`evm_builder_add_rules_json`) and the bindings all go through it, so a
//! file means the same everywhere.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::error::PatternError;
use crate::machine::MachineBuilder;

/// One rule of a rules file.
#[derive(Clone, Debug)]
pub struct RuleText<'a> {
    name: String,
    text: Cow<'a, str>,
    offset: usize,
}

impl<'a> RuleText<'a> {
    /// The rule name (the member name, unescaped).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The pattern text: the file's own text of an object value, or the
    /// contents of a string value.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The byte offset in the file where the rule's value starts.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Whether [`text`](RuleText::text) is the file's own text at
    /// [`offset`](RuleText::offset) (a pattern written as an object), so that
    /// an offset into the pattern is also one into the file. A pattern held
    /// in a string is unescaped first, and its offsets are its own.
    pub fn is_verbatim(&self) -> bool {
        matches!(self.text, Cow::Borrowed(_))
    }
}

/// A rule name given more than once in a rules file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepeatedName {
    /// The name.
    pub name: String,
    /// Where each replaced value starts, in file order.
    pub replaced: Vec<usize>,
    /// Where the value that wins (the last one) starts.
    pub winner: usize,
}

/// A rules file split into its rules.
///
/// ```
/// let file = r#"{"stopped": {"detail": {"state": ["stopped"]}},
///                "big": "{\"total\": [{\"numeric\": [\">\", 10]}]}"}"#;
/// let rules = evmatch::RulesFile::parse(file)?;
/// let names: Vec<&str> = rules.rules().iter().map(|r| r.name()).collect();
/// assert_eq!(names, ["stopped", "big"]);
/// assert_eq!(rules.rules()[1].text(), r#"{"total": [{"numeric": [">", 10]}]}"#);
/// # Ok::<(), evmatch::RulesFileError>(())
/// ```
#[derive(Clone, Debug)]
pub struct RulesFile<'a> {
    rules: Vec<RuleText<'a>>,
    repeated: Vec<RepeatedName>,
}

impl<'a> RulesFile<'a> {
    /// Splits `file` into its rules, in file order (a repeated name keeps
    /// the place of its last occurrence).
    pub fn parse(file: &'a str) -> Result<RulesFile<'a>, RulesFileError> {
        let members = read_members(file)?;
        let mut rules: Vec<RuleText<'a>> = Vec::with_capacity(members.len());
        for (name, raw) in members {
            let value = raw.get();
            let offset = value.as_ptr() as usize - file.as_ptr() as usize;
            let text = match value.as_bytes().first() {
                Some(b'{') => Cow::Borrowed(value),
                Some(b'"') => match serde_json::from_str::<String>(value) {
                    Ok(s) => Cow::Owned(s),
                    Err(e) => {
                        return Err(RulesFileError::shape(
                            file,
                            format!("rule {name:?}: {e}"),
                            offset,
                            Some(name),
                        ))
                    }
                },
                _ => {
                    return Err(RulesFileError::shape(
                        file,
                        format!(
                            "rule {name:?}: a pattern must be a JSON object or a string holding one"
                        ),
                        offset,
                        Some(name),
                    ))
                }
            };
            rules.push(RuleText { name, text, offset });
        }
        // Later members replace earlier ones of the same name.
        let mut repeated: Vec<RepeatedName> = Vec::new();
        let mut last = std::collections::HashMap::with_capacity(rules.len());
        for (i, r) in rules.iter().enumerate() {
            last.insert(r.name.as_str(), i);
        }
        if last.len() < rules.len() {
            for (i, r) in rules.iter().enumerate() {
                let winner = last[r.name.as_str()];
                if winner == i {
                    continue;
                }
                let winner = rules[winner].offset;
                match repeated.iter_mut().find(|d| d.name == r.name) {
                    Some(d) => d.replaced.push(r.offset),
                    None => repeated.push(RepeatedName {
                        name: r.name.clone(),
                        replaced: vec![r.offset],
                        winner,
                    }),
                }
            }
            let keep: Vec<bool> = (0..rules.len())
                .map(|i| last[rules[i].name.as_str()] == i)
                .collect();
            let mut k = keep.iter();
            rules.retain(|_| *k.next().expect("one flag per rule"));
        }
        Ok(RulesFile { rules, repeated })
    }

    /// The rules, in file order, each name once.
    pub fn rules(&self) -> &[RuleText<'a>] {
        &self.rules
    }

    /// The names given more than once, in the order of their first
    /// occurrence.
    pub fn repeated(&self) -> &[RepeatedName] {
        &self.repeated
    }

    /// Whether `file` looks like a rules file rather than one pattern: a
    /// JSON object whose values are all objects or strings.
    pub fn looks_like_rules(file: &str) -> bool {
        match read_members(file) {
            Ok(members) => members
                .iter()
                .all(|(_, v)| matches!(v.get().as_bytes().first(), Some(b'{' | b'"'))),
            Err(_) => false,
        }
    }
}

/// The members of the top-level object, repeated names included.
fn read_members(file: &str) -> Result<Vec<(String, &RawValue)>, RulesFileError> {
    struct Members<'a>(Vec<(String, &'a RawValue)>);
    struct MembersVisitor;
    impl<'de> Visitor<'de> for MembersVisitor {
        type Value = Members<'de>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object {\"rule name\": pattern, ...}")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'de>, A::Error> {
            let mut out = Vec::new();
            while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                out.push(entry);
            }
            Ok(Members(out))
        }
    }
    let mut de = serde_json::Deserializer::from_str(file);
    let parsed = de
        .deserialize_map(MembersVisitor)
        .and_then(|m| de.end().map(|()| m));
    match parsed {
        Ok(m) => Ok(m.0),
        Err(e) if e.is_data() => Err(RulesFileError::shape(
            file,
            "not a rules file: expected a JSON object {\"rule name\": pattern, ...}".into(),
            0,
            None,
        )),
        Err(e) => {
            let text = e.to_string();
            let message = match text.rfind(" at line ") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            Err(RulesFileError::syntax(file, message, e.line(), e.column()))
        }
    }
}

/// What is wrong with a rules file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RulesFileErrorKind {
    /// The file is not JSON (or not UTF-8).
    Syntax,
    /// The file is JSON, but not an object of named patterns.
    NotRules,
    /// A rule's pattern is invalid ([`RulesFileError::pattern_error`]).
    InvalidRule,
}

/// Why a rules file could not be read or compiled, with the byte offset,
/// line and column in the file.
#[derive(Clone, Debug)]
pub struct RulesFileError {
    kind: RulesFileErrorKind,
    message: String,
    offset: usize,
    line: usize,
    column: usize,
    rule: Option<String>,
    pattern: Option<PatternError>,
}

impl RulesFileError {
    #[cold]
    fn syntax(file: &str, message: String, line: usize, column: usize) -> RulesFileError {
        // serde_json counts columns in bytes, from 1.
        let line_start = if line <= 1 {
            0
        } else {
            memchr::memchr_iter(b'\n', file.as_bytes())
                .nth(line - 2)
                .map_or(file.len(), |i| i + 1)
        };
        let offset = (line_start + column.saturating_sub(1)).min(file.len());
        RulesFileError {
            kind: RulesFileErrorKind::Syntax,
            message,
            offset,
            line: line.max(1),
            column: column.max(1),
            rule: None,
            pattern: None,
        }
    }

    #[cold]
    fn shape(file: &str, message: String, offset: usize, rule: Option<String>) -> RulesFileError {
        let (line, column) = line_column(file.as_bytes(), offset);
        RulesFileError {
            kind: RulesFileErrorKind::NotRules,
            message,
            offset,
            line,
            column,
            rule,
            pattern: None,
        }
    }

    #[cold]
    fn invalid_rule(file: &str, rule: &RuleText<'_>, e: PatternError) -> RulesFileError {
        let offset = if rule.is_verbatim() {
            rule.offset + e.offset()
        } else {
            rule.offset
        };
        let (line, column) = line_column(file.as_bytes(), offset);
        RulesFileError {
            kind: RulesFileErrorKind::InvalidRule,
            message: format!("rule {:?}: {}", rule.name, e.message()),
            offset,
            line,
            column,
            rule: Some(rule.name.clone()),
            pattern: Some(e),
        }
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> RulesFileErrorKind {
        self.kind
    }

    /// The message, without the position.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The byte offset in the file. For a rule whose pattern is held in a
    /// string, the offset of that string (the pattern error's own offset is
    /// into the unescaped text).
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The line of [`offset`](RulesFileError::offset), from 1.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The column of [`offset`](RulesFileError::offset) in bytes, from 1.
    pub fn column(&self) -> usize {
        self.column
    }

    /// The rule the problem is in, if any.
    pub fn rule(&self) -> Option<&str> {
        self.rule.as_deref()
    }

    /// The pattern error of an invalid rule.
    pub fn pattern_error(&self) -> Option<&PatternError> {
        self.pattern.as_ref()
    }
}

impl fmt::Display for RulesFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for RulesFileError {}

/// The line and byte column (both from 1) of `offset` in `text`.
fn line_column(text: &[u8], offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = 1 + memchr::memchr_iter(b'\n', before).count();
    let start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    (line, offset - start + 1)
}

impl MachineBuilder {
    /// Adds every rule of a rules file (see [`RulesFile`]). Either every
    /// rule is added, or, on the first invalid rule (in file order) or a
    /// file that is not a rules file, none is and the builder is as it was.
    ///
    /// ```
    /// let mut b = evmatch::Machine::builder();
    /// b.add_rules_json(r#"{"stopped": {"state": ["stopped"]}}"#)?;
    /// let err = b.add_rules_json(r#"{"bad": {"a": [{"prefix": 5}]}}"#).unwrap_err();
    /// assert_eq!(err.rule(), Some("bad"));
    /// assert_eq!((err.line(), err.column()), (1, 27)); // at the 5
    /// assert_eq!(b.build().matches(br#"{"state": "stopped"}"#)?, ["stopped"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_rules_json(&mut self, file: impl AsRef<[u8]>) -> Result<&mut Self, RulesFileError> {
        let bytes = file.as_ref();
        let file = std::str::from_utf8(bytes).map_err(|e| {
            let at = e.valid_up_to();
            let (line, column) = line_column(bytes, at);
            RulesFileError {
                kind: RulesFileErrorKind::Syntax,
                message: "not UTF-8 text".into(),
                offset: at,
                line,
                column,
                rule: None,
                pattern: None,
            }
        })?;
        let rules = RulesFile::parse(file)?;
        let mut compiled = Vec::with_capacity(rules.rules().len());
        for r in rules.rules() {
            let p = crate::Pattern::parse_with(r.text(), self.limits())
                .map_err(|e| RulesFileError::invalid_rule(file, r, e))?;
            compiled.push(p);
        }
        for (r, p) in rules.rules().iter().zip(compiled) {
            self.add_pattern(r.name(), p);
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_keep_the_last() {
        let f = r#"{"a": {"x": [1]}, "b": "{}", "a": {"y": [2]}}"#;
        let r = RulesFile::parse(f).unwrap();
        let got: Vec<(&str, &str)> = r.rules().iter().map(|r| (r.name(), r.text())).collect();
        assert_eq!(got, [("b", "{}"), ("a", r#"{"y": [2]}"#)]);
        assert_eq!(
            r.repeated(),
            [RepeatedName {
                name: "a".into(),
                replaced: vec![6],
                winner: 34
            }]
        );
    }

    #[test]
    fn errors_say_where() {
        let e = RulesFile::parse("{\n  \"a\": {\"x\": [1]},\n  \"b\": 5\n}").unwrap_err();
        assert_eq!(e.kind(), RulesFileErrorKind::NotRules);
        assert_eq!((e.line(), e.column(), e.rule()), (3, 8, Some("b")));
        let e = RulesFile::parse("{\n  \"a\": {\"x\": [1],\n}").unwrap_err();
        assert_eq!(e.kind(), RulesFileErrorKind::Syntax);
        assert_eq!(e.line(), 3);
        assert_eq!(&"{\n  \"a\": {\"x\": [1],\n}"[e.offset()..], "}");
        let e = RulesFile::parse("[1]").unwrap_err();
        assert_eq!(e.kind(), RulesFileErrorKind::NotRules);
        let e = RulesFile::parse("{} x").unwrap_err();
        assert_eq!(e.kind(), RulesFileErrorKind::Syntax);
        assert!(RulesFile::parse("{}").unwrap().rules().is_empty());
    }

    #[test]
    fn add_rules_json_is_all_or_nothing() {
        let mut b = MachineBuilder::new();
        let e = b
            .add_rules_json(r#"{"ok": {"a": ["1"]}, "bad": "{\"a\": [{\"prefix\": 5}]}"}"#)
            .unwrap_err();
        assert_eq!(e.kind(), RulesFileErrorKind::InvalidRule);
        assert_eq!(e.rule(), Some("bad"));
        assert_eq!(e.offset(), 28);
        assert_eq!(
            e.pattern_error().unwrap().message(),
            "prefix match pattern must be a string"
        );
        assert_eq!(b.build().rule_count(), 0);
        let e = b.add_rules_json(b"{\"a\": \"\xff\"}").unwrap_err();
        assert_eq!((e.kind(), e.offset()), (RulesFileErrorKind::Syntax, 7));
    }
}
