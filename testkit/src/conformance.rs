//! The conformance corpus (`testdata/conformance/*.jsonl`): one case per
//! line, in the format its README describes, read into [`CorpusCase`]s.

use std::path::PathBuf;

use evmatch::{PatternError, PatternErrorKind};
use serde_json::{Map, Value};

/// One case of the corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusCase {
    /// Unique across the corpus; its prefix names the file.
    pub id: String,
    /// Rule names and pattern texts, raw (to compile as they are). In name
    /// order (`serde_json`'s map), which the comparison does not depend on.
    pub rules: Vec<(String, String)>,
    /// Event texts, raw.
    pub events: Vec<String>,
    /// The rules that must be refused, with the first line of the expected
    /// message (see [`message_agrees`]).
    pub invalid: Vec<(String, String)>,
    /// For each event, the sorted names of the valid rules that match it;
    /// meaningless for an event in `invalid_events`.
    pub matches: Vec<Vec<String>>,
    /// The indexes of the events that must be refused.
    pub invalid_events: Vec<usize>,
}

impl CorpusCase {
    /// Reads one line of the corpus.
    ///
    /// ```
    /// use evmatch_testkit::conformance::CorpusCase;
    /// let line = r#"{"id": "x", "rules": {"r": "{\"n\":[300]}"},
    ///     "events": ["{\"n\":3e2}", "[]"],
    ///     "expect": {"invalid": {}, "matches": [["r"], []], "invalid_events": [1]}}"#;
    /// let case = CorpusCase::parse(line)?;
    /// assert_eq!(case.rules, [("r".to_string(), r#"{"n":[300]}"#.to_string())]);
    /// assert_eq!(case.matches[0], ["r"]);
    /// assert!(case.event_is_invalid(1));
    /// # Ok::<(), String>(())
    /// ```
    pub fn parse(line: &str) -> Result<CorpusCase, String> {
        let case: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let id = case["id"].as_str().ok_or("\"id\" must be a string")?;
        let fail = |what: &str| format!("case {id}: {what}");
        let expect = &case["expect"];
        let rules =
            strings(&case["rules"]).ok_or_else(|| fail("\"rules\" must map names to texts"))?;
        let invalid = strings(&expect["invalid"])
            .ok_or_else(|| fail("\"expect.invalid\" must map names to messages"))?;
        let events: Vec<String> = case["events"]
            .as_array()
            .and_then(|a| a.iter().map(|v| v.as_str().map(String::from)).collect())
            .ok_or_else(|| fail("\"events\" must be an array of texts"))?;
        let matches: Vec<Vec<String>> = expect["matches"]
            .as_array()
            .and_then(|a| {
                a.iter()
                    .map(|names| {
                        names
                            .as_array()?
                            .iter()
                            .map(|n| n.as_str().map(String::from))
                            .collect()
                    })
                    .collect()
            })
            .ok_or_else(|| fail("\"expect.matches\" must be an array of name arrays"))?;
        let invalid_events = match expect.get("invalid_events") {
            None => Vec::new(),
            Some(v) => v
                .as_array()
                .and_then(|a| {
                    a.iter()
                        .map(|i| i.as_u64().and_then(|i| usize::try_from(i).ok()))
                        .collect()
                })
                .ok_or_else(|| fail("\"expect.invalid_events\" must be an array of indexes"))?,
        };
        if matches.len() != events.len() {
            return Err(fail("one \"expect.matches\" entry per event"));
        }
        Ok(CorpusCase {
            id: id.to_string(),
            rules,
            events,
            invalid,
            matches,
            invalid_events,
        })
    }

    /// The expected message of rule `name`, when it must be refused.
    pub fn expected_error(&self, name: &str) -> Option<&str> {
        self.invalid
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, m)| m.as_str())
    }

    /// Whether event `i` must be refused.
    pub fn event_is_invalid(&self, i: usize) -> bool {
        self.invalid_events.contains(&i)
    }
}

/// The object `v` as (name, string) pairs, if it is one.
fn strings(v: &Value) -> Option<Vec<(String, String)>> {
    let map: &Map<String, Value> = v.as_object()?;
    map.iter()
        .map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect()
}

/// The path of the corpus file `name` (for example `edge-cases.jsonl`).
pub fn corpus_file(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/conformance"
    ))
    .join(name)
}

/// Every case of the corpus file `name`; panics with the file and line on
/// a line that is not a case.
pub fn read(name: &str) -> Vec<CorpusCase> {
    let path = corpus_file(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| {
            CorpusCase::parse(line).unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), n + 1))
        })
        .collect()
}

/// Whether the error `e` for `pattern` agrees with the corpus's expected
/// message: the same text, or, when the pattern is not JSON at all, any
/// syntax error (the corpus then holds the reference parser's message,
/// for information only).
pub fn message_agrees(expected: &str, e: &PatternError, pattern: &str) -> bool {
    e.message() == expected
        || (e.kind() == PatternErrorKind::Syntax && serde_json::from_str::<Value>(pattern).is_err())
}
