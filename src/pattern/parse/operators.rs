//! The match expressions of a leaf array (`{"prefix": …}`, `{"numeric":
//! […]}`, `{"anything-but": …}`, …): each operator's operand, checked with
//! the reference's messages, into a [`Matcher`].

use super::{AbKind, Compiler, Seg};
use crate::error::{PatternError, PatternErrorKind as K};
use crate::json::Token;
use crate::pattern::ip::IpRange;
use crate::pattern::number::comparable;
use crate::pattern::text::{CaseInsensitive, Wildcard};
use crate::pattern::{Interval, Matcher};

impl<'a> Compiler<'a> {
    pub(super) fn match_expression(&mut self) -> Result<Matcher, PatternError> {
        let name = match self.next()? {
            Token::FieldName(n) => n,
            _ => return Err(self.barf(K::Structure, "Match expression name not found")),
        };
        self.jpath.push(Seg::Key(name.to_string()));
        const ONE_KEY: &str = "Only one key allowed in match expression";
        let m = match name.as_ref() {
            "exactly" => {
                let s = self.string_operand("exact match pattern must be a string")?;
                self.expect_end(K::Structure, ONE_KEY)?;
                Matcher::Exact(s.into())
            }
            "prefix" | "suffix" => {
                let prefix = name == "prefix";
                let m = match self.next()? {
                    Token::StartObject => {
                        let ci = self.ignore_case_operand(prefix)?;
                        if prefix {
                            Matcher::PrefixIgnoreCase(ci)
                        } else {
                            Matcher::SuffixIgnoreCase(ci)
                        }
                    }
                    Token::String(s) => {
                        self.expect_end(K::Structure, ONE_KEY)?;
                        if prefix {
                            Matcher::Prefix(s.into())
                        } else {
                            Matcher::Suffix(s.into())
                        }
                    }
                    _ => {
                        return Err(self.barf(
                            K::Operand,
                            format!("{} match pattern must be a string", name),
                        ))
                    }
                };
                m
            }
            "numeric" => {
                if self.next()? != Token::StartArray {
                    return Err(self.barf(K::Numeric, "Value of numeric must be an array."));
                }
                let iv = self.numeric()?;
                self.too_many_elements()?;
                Matcher::Numeric(iv)
            }
            "anything-but" => self.anything_but()?,
            "exists" => {
                let m = match self.next()? {
                    Token::True => Matcher::Exists(true),
                    Token::False => Matcher::Exists(false),
                    _ => {
                        return Err(self.barf(
                            K::Operand,
                            "exists match pattern must be either true or false.",
                        ))
                    }
                };
                self.expect_end(K::Structure, ONE_KEY)?;
                m
            }
            "cidr" => {
                let s = self.string_operand("prefix match pattern must be a string")?;
                let r = IpRange::cidr(&s).map_err(|msg| self.barf(K::Cidr, msg))?;
                self.expect_end(K::Structure, ONE_KEY)?;
                Matcher::Ip(r)
            }
            "equals-ignore-case" => {
                let s = self.string_operand("equals-ignore-case match pattern must be a string")?;
                self.expect_end(K::Structure, ONE_KEY)?;
                Matcher::EqualsIgnoreCase(CaseInsensitive::new(&s))
            }
            "wildcard" => {
                let s = self.string_operand("wildcard match pattern must be a string")?;
                let w = Wildcard::parse(&s).map_err(|msg| self.barf(K::Wildcard, msg))?;
                self.check_complexity(&w)?;
                self.expect_end(K::Structure, ONE_KEY)?;
                Matcher::Wildcard(w)
            }
            _ => {
                return Err(self.barf(
                    K::UnknownOperator,
                    format!("Unrecognized match type {}", name),
                ))
            }
        };
        self.jpath.pop();
        Ok(m)
    }

    fn check_complexity(&self, w: &Wildcard) -> Result<(), PatternError> {
        let limit = self.limits.max_wildcard_complexity;
        let budget = 100_000;
        match w.complexity_up_to(budget, limit) {
            Some(c) if c <= limit => Ok(()),
            _ => Err(self.barf(
                K::TooComplex,
                "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character",
            )),
        }
    }

    /// `{"equals-ignore-case": "…"}` inside `prefix` or `suffix`; the
    /// opening brace has been read.
    fn ignore_case_operand(&mut self, prefix: bool) -> Result<CaseInsensitive, PatternError> {
        let (what, cap) = if prefix {
            ("prefix", "Prefix")
        } else {
            ("suffix", "Suffix")
        };
        let name = match self.next()? {
            Token::FieldName(n) => n,
            _ => return Err(self.barf(K::Structure, format!("{} expression name not found", cap))),
        };
        if name != "equals-ignore-case" {
            return Err(self.barf(
                K::UnknownOperator,
                format!("Unsupported {} pattern: {}", what, name),
            ));
        }
        let s = self.string_operand("equals-ignore-case match pattern must be a string")?;
        const ONE_KEY: &str = "Only one key allowed in match expression";
        self.expect_end(K::Structure, ONE_KEY)?;
        self.expect_end(K::Structure, ONE_KEY)?;
        Ok(CaseInsensitive::new(&s))
    }

    fn comparable(&self, text: &str) -> Result<f64, PatternError> {
        comparable(text)
            .ok_or_else(|| self.barf(K::Numeric, format!("Cannot compare number : {}", text)))
    }

    /// The inside of a `numeric` array; the `[` has been read, and the `]`
    /// is consumed.
    fn numeric(&mut self) -> Result<Interval, PatternError> {
        self.jpath.push(Seg::Index(0));
        let op = match self.next()? {
            Token::String(s) => s,
            t => {
                return Err(self.barf(
                    K::Numeric,
                    format!("Invalid member in numeric match: {}", t.text()),
                ))
            }
        };
        self.jpath.pop();
        self.jpath.push(Seg::Index(1));
        let tok = self.next()?;
        let number = match tok {
            Token::Number(n) => Some(n),
            _ => None,
        };
        let must_be_numeric =
            |c: &Self, what: &str| c.barf(K::Numeric, format!("Value of {} must be numeric", what));
        let iv = match op.as_ref() {
            "=" => {
                let n = number.ok_or_else(|| must_be_numeric(self, "equals"))?;
                if self.next()? != Token::EndArray {
                    return Err(self.barf(K::Numeric, "Too many elements in numeric expression"));
                }
                let v = self.comparable(n)?;
                Interval {
                    low: Some((v, false)),
                    high: Some((v, false)),
                }
            }
            ">" | ">=" => {
                let n = number.ok_or_else(|| must_be_numeric(self, &op))?;
                let open = op == ">";
                self.jpath.pop();
                self.jpath.push(Seg::Index(2));
                match self.next()? {
                    Token::EndArray => Interval {
                        low: Some((self.comparable(n)?, open)),
                        high: None,
                    },
                    t => self.complete_range(t, n, open)?,
                }
            }
            "<" | "<=" => {
                let n = number.ok_or_else(|| must_be_numeric(self, &op))?;
                if self.next()? != Token::EndArray {
                    return Err(self.barf(K::Numeric, "Too many elements in numeric expression"));
                }
                Interval {
                    low: None,
                    high: Some((self.comparable(n)?, op == "<")),
                }
            }
            _ => {
                return Err(self.barf(
                    K::Numeric,
                    format!("Unrecognized numeric range operator: {}", op),
                ))
            }
        };
        self.jpath.pop();
        Ok(iv)
    }

    fn complete_range(
        &mut self,
        tok: Token<'a>,
        bottom: &str,
        open_bottom: bool,
    ) -> Result<Interval, PatternError> {
        let op = match tok {
            Token::String(s) => s,
            t => {
                return Err(self.barf(
                    K::Numeric,
                    format!("Bad value in numeric range: {}", t.text()),
                ))
            }
        };
        let open_top = match op.as_ref() {
            "<" => true,
            "<=" => false,
            _ => return Err(self.barf(K::Numeric, format!("Bad numeric range operator: {}", op))),
        };
        self.jpath.pop();
        self.jpath.push(Seg::Index(3));
        let top = match self.next()? {
            Token::Number(n) => n,
            _ => return Err(self.barf(K::Numeric, format!("Value of {} must be numeric", op))),
        };
        if self.next()? != Token::EndArray {
            return Err(self.barf(K::Numeric, "Too many terms in numeric range expression"));
        }
        let lo = self.comparable(bottom)?;
        let hi = self.comparable(top)?;
        if lo >= hi {
            return Err(self.barf(K::Numeric, "Bottom must be less than top"));
        }
        Ok(Interval {
            low: Some((lo, open_bottom)),
            high: Some((hi, open_top)),
        })
    }

    fn anything_but(&mut self) -> Result<Matcher, PatternError> {
        let mut kind = AbKind::Plain;
        let mut tok = self.next()?;
        if tok == Token::StartObject {
            let op = match self.next()? {
                Token::FieldName(n) => n,
                _ => return Err(self.barf(K::Structure, "Anything-But expression name not found")),
            };
            kind = match op.as_ref() {
                "equals-ignore-case" => AbKind::IgnoreCase,
                "prefix" => AbKind::Prefix,
                "suffix" => AbKind::Suffix,
                "wildcard" => AbKind::Wildcard,
                _ => {
                    return Err(self.barf(
                        K::UnknownOperator,
                        format!("Unsupported anything-but pattern: {}", op),
                    ))
                }
            };
            self.jpath.push(Seg::Key(op.to_string()));
            tok = self.next()?;
        }
        if !matches!(tok, Token::StartArray | Token::String(_) | Token::Number(_)) {
            return Err(self.barf(
                K::Operand,
                "Value of anything-but must be an array or single string/number value.",
            ));
        }
        let m = if kind == AbKind::Plain {
            self.anything_but_plain(tok)?
        } else {
            self.anything_but_set(tok, kind)?
        };
        self.too_many_elements()?;
        if kind != AbKind::Plain {
            self.jpath.pop();
            self.too_many_elements()?;
        }
        Ok(m)
    }

    fn anything_but_plain(&mut self, tok: Token<'a>) -> Result<Matcher, PatternError> {
        let mut strings: Vec<Box<str>> = Vec::new();
        let mut numbers: Vec<f64> = Vec::new();
        let list = tok == Token::StartArray;
        let mut tok = if list { self.next()? } else { tok };
        let mut i = 0;
        loop {
            if list {
                self.jpath.push(Seg::Index(i));
            }
            match tok {
                Token::EndArray if list => {
                    self.jpath.pop();
                    break;
                }
                Token::String(s) => strings.push(s.into()),
                Token::Number(n) => numbers.push(self.comparable(n)?),
                _ => {
                    return Err(self.barf(
                        K::Operand,
                        "Inside anything but list, start|null|boolean is not supported.",
                    ))
                }
            }
            if !list {
                break;
            }
            self.jpath.pop();
            i += 1;
            tok = self.next()?;
        }
        match (strings.is_empty(), numbers.is_empty()) {
            (false, true) => Ok(Matcher::AnythingButStrings(strings)),
            (true, false) => Ok(Matcher::AnythingButNumbers(numbers)),
            _ => Err(self.barf(
                K::Operand,
                "Inside anything but list, either all values are number or string, mixed type is not supported",
            )),
        }
    }

    fn anything_but_set(&mut self, tok: Token<'a>, kind: AbKind) -> Result<Matcher, PatternError> {
        let list = tok == Token::StartArray;
        let mut values: Vec<(String, usize, usize)> = Vec::new();
        let mut tok = if list { self.next()? } else { tok };
        let mut i = 0;
        loop {
            if list {
                self.jpath.push(Seg::Index(i));
            }
            match tok {
                Token::EndArray if list => {
                    self.jpath.pop();
                    break;
                }
                Token::String(s) => {
                    if matches!(kind, AbKind::Prefix | AbKind::Suffix) && s.is_empty() {
                        return Err(self.barf(K::Operand, "Null prefix/suffix not allowed"));
                    }
                    values.push((s.into_owned(), self.at, i));
                }
                _ => {
                    let msg = match kind {
                        AbKind::IgnoreCase => "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
                        AbKind::Wildcard => "wildcard match pattern must be a string",
                        _ => "prefix/suffix match pattern must be a string",
                    };
                    return Err(self.barf(K::Operand, msg));
                }
            }
            if !list {
                break;
            }
            self.jpath.pop();
            i += 1;
            tok = self.next()?;
        }
        Ok(match kind {
            AbKind::IgnoreCase => Matcher::AnythingButIgnoreCase(
                values
                    .iter()
                    .map(|(s, _, _)| CaseInsensitive::new(s))
                    .collect(),
            ),
            AbKind::Prefix => {
                Matcher::AnythingButPrefix(values.into_iter().map(|(s, _, _)| s.into()).collect())
            }
            AbKind::Suffix => {
                Matcher::AnythingButSuffix(values.into_iter().map(|(s, _, _)| s.into()).collect())
            }
            AbKind::Wildcard => {
                let mut ws = Vec::with_capacity(values.len());
                for (s, at, idx) in &values {
                    match Wildcard::parse(s) {
                        Ok(w) => ws.push(w),
                        Err(msg) => {
                            if list {
                                self.jpath.push(Seg::Index(*idx));
                            }
                            self.at = *at;
                            return Err(self.barf(K::Wildcard, msg));
                        }
                    }
                }
                Matcher::AnythingButWildcard(ws)
            }
            AbKind::Plain => unreachable!("handled by anything_but_plain"),
        })
    }
}
