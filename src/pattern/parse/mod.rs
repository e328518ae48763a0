//! From pattern text to [`Pattern`], token by token, with the reference's
//! grammar and error messages: the pattern's objects, `$or` and leaf
//! arrays here; the operators of a leaf's match expressions in
//! [`operators`].

mod operators;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::ip::IpRange;
use super::number::comparable;
use super::{utf16_cmp, Branch, Field, LeafText, Limits, Literal, Matcher, Pattern};
use crate::error::{PatternError, PatternErrorKind as K};
use crate::json::{Lexer, SyntaxErrorKind, Token};

/// Field names that cannot be used inside `$or`.
const RESERVED_IN_OR: &[&str] = &[
    "exactly",
    "equals-ignore-case",
    "prefix",
    "suffix",
    "anything-but",
    "exists",
    "wildcard",
    "numeric",
    "cidr",
    "=",
    "<",
    "<=",
    ">",
    ">=",
    "regex",
    "not-wildcard",
    "not-equals-ignore-case",
    "date-after",
    "date-on-or-after",
    "date-before",
    "date-on-or-before",
    "in-date-range",
    "ip-address-in-range",
    "ip-address-not-in-range",
];

/// A sub-rule while compiling: path → leaf and its text (the last write
/// wins).
type RuleMap = BTreeMap<Arc<str>, (Arc<[Matcher]>, Arc<LeafText>)>;

enum Seg {
    Key(String),
    Index(usize),
}

struct Compiler<'a> {
    lx: Lexer<'a>,
    /// The pattern text.
    text: &'a [u8],
    limits: &'a Limits,
    /// JSON path of the current position, for error reports.
    jpath: Vec<Seg>,
    /// Offset of the token last read.
    at: usize,
}

/// What a `anything-but` object applies to.
#[derive(Clone, Copy, PartialEq)]
enum AbKind {
    Plain,
    IgnoreCase,
    Prefix,
    Suffix,
    Wildcard,
}

/// Messages quote pattern text (operator names, keys, operands), which may
/// hold control characters; a message stays one line, so those are written
/// as JSON escapes (`\n`, `\u0001`).
fn one_line(msg: String) -> String {
    if !msg.chars().any(char::is_control) {
        return msg;
    }
    let mut out = String::with_capacity(msg.len() + 8);
    for c in msg.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

pub(super) fn parse(text: &[u8], limits: &Limits) -> Result<Pattern, PatternError> {
    if text.len() > limits.max_pattern_len {
        return Err(PatternError::new(
            K::TooLarge,
            format!(
                "Pattern is too large: {} bytes, more than the limit of {}",
                text.len(),
                limits.max_pattern_len
            ),
            "$",
            limits.max_pattern_len,
        ));
    }
    let depth = limits
        .max_pattern_depth
        .min(crate::limits::PATTERN_DEPTH_CAP);
    let mut c = Compiler {
        lx: Lexer::new(text, depth),
        text,
        limits,
        jpath: Vec::new(),
        at: 0,
    };
    let mut rules: Vec<RuleMap> = Vec::new();
    // Empty (or all-white-space) text is "not an object", as for the
    // reference, whose parser yields no token at all.
    if text
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        return Err(c.barf(K::NotAnObject, "Filter is not an object"));
    }
    match c.next()? {
        Token::StartObject => {}
        _ => return Err(c.barf(K::NotAnObject, "Filter is not an object")),
    }
    c.parse_object(&mut rules, None, false)?;
    c.lx.finish().map_err(|e| c.syntax(e))?;
    let branches = rules
        .into_iter()
        .map(|m| {
            let mut fields: Vec<Field> = m
                .into_iter()
                .map(|(path, (matchers, source))| Field {
                    path,
                    matchers,
                    state: 0,
                    source,
                })
                .collect();
            fields.sort_by(|a, b| utf16_cmp(&a.path, &b.path));
            let mut h = std::collections::hash_map::DefaultHasher::new();
            for f in &mut fields {
                f.state = h.finish();
                f.path.hash(&mut h);
                format!("{:?}", f.matchers).hash(&mut h);
            }
            Branch { fields }
        })
        .collect();
    Ok(Pattern { branches })
}

impl<'a> Compiler<'a> {
    fn path_string(&self) -> String {
        let mut s = String::from("$");
        for seg in &self.jpath {
            match seg {
                Seg::Key(k) => {
                    let plain = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
                    if plain {
                        s.push('.');
                        s.push_str(k);
                    } else {
                        s.push('[');
                        s.push_str(&serde_json::to_string(k).unwrap_or_default());
                        s.push(']');
                    }
                }
                Seg::Index(i) => {
                    s.push('[');
                    s.push_str(&i.to_string());
                    s.push(']');
                }
            }
        }
        s
    }

    #[cold]
    fn barf(&self, kind: K, msg: impl Into<String>) -> PatternError {
        PatternError::new(kind, one_line(msg.into()), self.path_string(), self.at)
    }

    #[cold]
    fn syntax(&self, e: crate::json::SyntaxError) -> PatternError {
        let kind = match e.kind {
            SyntaxErrorKind::TooDeep(_) => K::TooDeep,
            _ => K::Syntax,
        };
        PatternError::new(kind, e.to_string(), self.path_string(), e.offset)
    }

    fn next(&mut self) -> Result<Token<'a>, PatternError> {
        match self.lx.next() {
            Ok(Some(t)) => {
                self.at = self.lx.token_start();
                Ok(t)
            }
            Ok(None) => unreachable!("the compiler stops at the end of the top-level object"),
            Err(e) => Err(self.syntax(e)),
        }
    }

    /// Reads the next token and requires the end of the current object.
    fn expect_end(&mut self, kind: K, msg: &str) -> Result<(), PatternError> {
        match self.next()? {
            Token::EndObject => Ok(()),
            _ => Err(self.barf(kind, msg)),
        }
    }

    fn too_many_elements(&mut self) -> Result<(), PatternError> {
        self.expect_end(K::Operand, "Too many elements in numeric expression")
    }

    fn check_or_limit(&self, n: usize) -> Result<(), PatternError> {
        if n > self.limits.max_or_combinations {
            return Err(self.barf(
                K::TooManyCombinations,
                format!(
                    "Rule is too complex - the use of $or results in more than {} rule combinations",
                    self.limits.max_or_combinations
                ),
            ));
        }
        Ok(())
    }

    fn parse_object(
        &mut self,
        rules: &mut Vec<RuleMap>,
        prefix: Option<&str>,
        in_or: bool,
    ) -> Result<(), PatternError> {
        let mut present = false;
        loop {
            let name = match self.next()? {
                Token::EndObject => break,
                Token::FieldName(n) => n,
                _ => unreachable!("the lexer yields names inside objects"),
            };
            present = true;
            self.jpath.push(Seg::Key(name.to_string()));
            if name == "$or" {
                self.parse_or(rules, prefix)?;
                self.jpath.pop();
                continue;
            }
            if in_or && RESERVED_IN_OR.contains(&name.as_ref()) {
                return Err(self.barf(
                    K::Structure,
                    format!(
                        "{} is Ruler reserved fieldName which cannot be used inside $or.",
                        name
                    ),
                ));
            }
            // The reference joins the path's segments with dots; a segment
            // may itself be empty.
            let path = match prefix {
                None => name.to_string(),
                Some(p) => format!("{}.{}", p, name),
            };
            match self.next()? {
                Token::StartObject => self.parse_object(rules, Some(&path), in_or)?,
                Token::StartArray => self.write_rules(rules, path)?,
                _ => {
                    return Err(self.barf(
                        K::Structure,
                        format!("\"{}\" must be an object or an array", name),
                    ))
                }
            }
            self.jpath.pop();
        }
        if !present {
            return Err(self.barf(K::Structure, "Empty objects are not allowed"));
        }
        Ok(())
    }

    fn parse_or(
        &mut self,
        rules: &mut Vec<RuleMap>,
        prefix: Option<&str>,
    ) -> Result<(), PatternError> {
        let current = std::mem::take(rules);
        if self.next()? != Token::StartArray {
            return Err(self.barf(K::Structure, "It must be an Array followed with $or."));
        }
        let mut count = 0;
        loop {
            match self.next()? {
                Token::EndArray => break,
                Token::StartObject => {
                    self.jpath.push(Seg::Index(count));
                    count += 1;
                    let mut branch = current.clone();
                    if branch.is_empty() {
                        branch.push(RuleMap::new());
                    }
                    self.parse_object(&mut branch, prefix, true)?;
                    rules.extend(branch);
                    self.check_or_limit(rules.len())?;
                    self.jpath.pop();
                }
                _ => {
                    self.jpath.push(Seg::Index(count));
                    return Err(self.barf(
                        K::Structure,
                        "Only JSON object is allowed in array of $or relationship.",
                    ));
                }
            }
        }
        if count < 2 {
            return Err(self.barf(
                K::Structure,
                "There must have at least 2 Objects in $or relationship.",
            ));
        }
        Ok(())
    }

    fn write_rules(&mut self, rules: &mut Vec<RuleMap>, path: String) -> Result<(), PatternError> {
        // The `[` was the token last read.
        let open = self.at;
        let mut values = Vec::new();
        let mut spans = Vec::new();
        let close = loop {
            let tok = self.next()?;
            let start = self.at;
            self.jpath.push(Seg::Index(values.len()));
            let m = match tok {
                Token::EndArray => {
                    self.jpath.pop();
                    break self.lx.position();
                }
                Token::StartObject => self.match_expression()?,
                Token::String(s) => match IpRange::single(&s) {
                    Some(r) => Matcher::Ip(r),
                    None => Matcher::Exact(s.into()),
                },
                Token::Number(n) => Matcher::Number {
                    text: n.into(),
                    value: comparable(n),
                },
                Token::True => Matcher::Literal(Literal::True),
                Token::False => Matcher::Literal(Literal::False),
                Token::Null => Matcher::Literal(Literal::Null),
                _ => {
                    return Err(self.barf(
                        K::Structure,
                        "Match value must be String, number, true, false, or null",
                    ))
                }
            };
            self.jpath.pop();
            values.push(m);
            spans.push(((start - open) as u32, (self.lx.position() - open) as u32));
        };
        if values.is_empty() {
            return Err(self.barf(K::Structure, "Empty arrays are not allowed"));
        }
        if rules.is_empty() {
            rules.push(RuleMap::new());
        }
        let leaf: Arc<[Matcher]> = values.into();
        // The text is valid UTF-8: the lexer checked it token by token.
        let text = String::from_utf8_lossy(&self.text[open..close]);
        let source = Arc::new(LeafText::new(&text, spans));
        let path: Arc<str> = path.into();
        for r in rules.iter_mut() {
            r.insert(path.clone(), (leaf.clone(), source.clone()));
        }
        Ok(())
    }

    fn string_operand(&mut self, msg: &str) -> Result<Cow<'a, str>, PatternError> {
        match self.next()? {
            Token::String(s) => Ok(s),
            _ => Err(self.barf(K::Operand, msg)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(p: &str) -> String {
        parse(p.as_bytes(), &Limits::default())
            .unwrap_err()
            .message()
            .to_string()
    }

    #[test]
    fn messages() {
        assert_eq!(
            err(r#"{"a":[{"numeric":[]}]}"#),
            "Invalid member in numeric match: ]"
        );
        assert_eq!(
            err(r#"{"a":[{"numeric":[">",0,">",0]}]}"#),
            "Bad numeric range operator: >"
        );
        assert_eq!(
            err(r#"{"a":[{"anything-but":{"prefix":""}}]}"#),
            "Null prefix/suffix not allowed"
        );
        assert_eq!(
            err(r#"{"a":[{"wildcard":"*:*:*:*:*:event-bus/*"}]}"#)
                .split(' ')
                .take(3)
                .collect::<Vec<_>>(),
            ["Rule", "is", "too"]
        );
        assert_eq!(
            err("{\"a\":[\"b\"]} x"),
            "Unexpected characters after the end of the document"
        );
        assert_eq!(err(""), "Filter is not an object");
    }

    #[test]
    fn messages_stay_one_line() {
        assert_eq!(
            err("{\"n\":[{\"numeric\":[\"=\\n\",1]}]}"),
            "Unrecognized numeric range operator: =\\n"
        );
    }

    #[test]
    fn positions() {
        let e = parse(br#"{"a": {"b": [1, {"prefix": 2}]}}"#, &Limits::default()).unwrap_err();
        assert_eq!(e.path(), "$.a.b[1].prefix");
        assert_eq!(e.offset(), 27);
    }

    #[test]
    fn or_limit() {
        let branch = r#"{"$or":[{"a":["1"]},{"b":["2"]},{"c":["3"]},{"d":["4"]},{"e":["5"]},{"f":["6"]},{"g":["7"]},{"h":["8"]},{"i":["9"]},{"j":["0"]}]}"#;
        let three = format!("{{\"x\":{b},\"y\":{b},\"z\":{b}}}", b = branch);
        assert_eq!(
            parse(three.as_bytes(), &Limits::default())
                .unwrap()
                .branches
                .len(),
            1000
        );
        let four = format!("{{\"w\":{b},\"x\":{b},\"y\":{b},\"z\":{b}}}", b = branch);
        assert_eq!(
            parse(four.as_bytes(), &Limits::default())
                .unwrap_err()
                .kind(),
            K::TooManyCombinations
        );
    }
}
