//! A strict (RFC 8259) pull tokenizer over `&[u8]`, and a small tree parser
//! built on it.
//!
//! The tokenizer is what the pattern compiler consumes, token by token, the
//! way the reference compiler consumes Jackson's stream: so the first error
//! in document order is the one reported, and number tokens keep their exact
//! spelling. Strings are borrowed from the input when they hold no escape and
//! unescaped into an owned buffer otherwise.
//!
//! Nesting is tracked on an explicit stack with a depth limit, so no input can
//! overflow the call stack.

use std::borrow::Cow;
use std::fmt;

/// One token of a JSON document.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Token<'a> {
    StartObject,
    EndObject,
    StartArray,
    EndArray,
    /// A member name, unescaped.
    FieldName(Cow<'a, str>),
    /// A string value, unescaped.
    String(Cow<'a, str>),
    /// A number, exactly as spelled in the input.
    Number(&'a str),
    True,
    False,
    Null,
}

impl Token<'_> {
    /// The text Jackson's `getText()` gives for this token, used in some of
    /// the reference's error messages.
    pub(crate) fn text(&self) -> Cow<'_, str> {
        match self {
            Token::StartObject => "{".into(),
            Token::EndObject => "}".into(),
            Token::StartArray => "[".into(),
            Token::EndArray => "]".into(),
            Token::FieldName(s) | Token::String(s) => Cow::Borrowed(s.as_ref()),
            Token::Number(n) => Cow::Borrowed(n),
            Token::True => "true".into(),
            Token::False => "false".into(),
            Token::Null => "null".into(),
        }
    }
}

/// What went wrong while tokenizing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SyntaxErrorKind {
    /// Input ended inside a value.
    UnexpectedEnd,
    /// A byte that cannot start or continue the expected token.
    UnexpectedChar(u8),
    /// A number with a leading zero, a missing digit, and so on.
    BadNumber(&'static str),
    /// A string that holds a raw control character.
    ControlChar,
    /// A backslash escape that JSON does not define, or a bad `\u`.
    BadEscape,
    /// A `\u` escape that is an unpaired surrogate.
    LoneSurrogate,
    /// Bytes that are not UTF-8.
    InvalidUtf8,
    /// Nesting deeper than the configured limit.
    TooDeep(usize),
    /// Something other than white space after the document.
    TrailingCharacters,
}

/// A syntax error with the byte offset at which it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) kind: SyntaxErrorKind,
    pub(crate) offset: usize,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            SyntaxErrorKind::UnexpectedEnd => write!(f, "Unexpected end of input"),
            SyntaxErrorKind::UnexpectedChar(b) => {
                if b.is_ascii_graphic() || *b == b' ' {
                    write!(f, "Unexpected character ('{}' (code {}))", *b as char, b)
                } else {
                    write!(f, "Unexpected byte 0x{:02x}", b)
                }
            }
            SyntaxErrorKind::BadNumber(why) => write!(f, "Invalid numeric value: {}", why),
            SyntaxErrorKind::ControlChar => {
                write!(f, "Illegal unquoted control character inside string")
            }
            SyntaxErrorKind::BadEscape => write!(f, "Invalid escape sequence in string"),
            SyntaxErrorKind::LoneSurrogate => {
                write!(f, "Invalid \\u escape: unpaired UTF-16 surrogate")
            }
            SyntaxErrorKind::InvalidUtf8 => write!(f, "Invalid UTF-8"),
            SyntaxErrorKind::TooDeep(limit) => {
                write!(f, "Nesting depth exceeds the limit of {}", limit)
            }
            SyntaxErrorKind::TrailingCharacters => {
                write!(f, "Unexpected characters after the end of the document")
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// A value (top level, after `:` or after `,` in an array).
    Value,
    /// A value or `]` (just after `[`).
    ValueOrEnd,
    /// A member name or `}` (just after `{`).
    NameOrEnd,
    /// A member name (after `,` in an object).
    Name,
    /// `,` or the closing bracket of the current container.
    CommaOrEnd,
    /// The document is complete.
    Done,
}

/// A pull tokenizer. Call [`Lexer::next`] until it returns `Ok(None)`.
pub(crate) struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    /// `true` for an object, `false` for an array.
    stack: Vec<bool>,
    expect: Expect,
    max_depth: usize,
    /// Offset of the first byte of the last token returned.
    token_start: usize,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(src: &'a [u8], max_depth: usize) -> Lexer<'a> {
        Lexer {
            src,
            pos: 0,
            stack: Vec::new(),
            expect: Expect::Value,
            max_depth,
            token_start: 0,
        }
    }

    /// Offset of the first byte of the token most recently returned.
    pub(crate) fn token_start(&self) -> usize {
        self.token_start
    }

    /// Offset just after the token most recently returned.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    #[cold]
    fn err<T>(&self, kind: SyntaxErrorKind, offset: usize) -> Result<T, SyntaxError> {
        Err(SyntaxError { kind, offset })
    }

    fn skip_ws(&mut self) {
        while let Some(&b) = self.src.get(self.pos) {
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// Checks that only white space follows the document.
    pub(crate) fn finish(&mut self) -> Result<(), SyntaxError> {
        self.skip_ws();
        if self.pos < self.src.len() {
            return self.err(SyntaxErrorKind::TrailingCharacters, self.pos);
        }
        Ok(())
    }

    fn after_value(&mut self) {
        self.expect = if self.stack.is_empty() {
            Expect::Done
        } else {
            Expect::CommaOrEnd
        };
    }

    fn push(&mut self, object: bool) -> Result<(), SyntaxError> {
        if self.stack.len() >= self.max_depth {
            return self.err(SyntaxErrorKind::TooDeep(self.max_depth), self.pos);
        }
        self.stack.push(object);
        self.pos += 1;
        self.expect = if object {
            Expect::NameOrEnd
        } else {
            Expect::ValueOrEnd
        };
        Ok(())
    }

    fn pop(&mut self) {
        self.stack.pop();
        self.pos += 1;
        self.after_value();
    }

    /// The next token, `Ok(None)` once the top-level value is complete.
    #[allow(clippy::should_implement_trait)]
    pub(crate) fn next(&mut self) -> Result<Option<Token<'a>>, SyntaxError> {
        loop {
            self.skip_ws();
            self.token_start = self.pos;
            let Some(&b) = self.src.get(self.pos) else {
                if self.expect == Expect::Done {
                    return Ok(None);
                }
                return self.err(SyntaxErrorKind::UnexpectedEnd, self.pos);
            };
            match self.expect {
                Expect::Done => return Ok(None),
                Expect::CommaOrEnd => {
                    let object = *self.stack.last().expect("inside a container");
                    match b {
                        b',' => {
                            self.pos += 1;
                            self.expect = if object { Expect::Name } else { Expect::Value };
                            continue;
                        }
                        b'}' if object => {
                            self.pop();
                            return Ok(Some(Token::EndObject));
                        }
                        b']' if !object => {
                            self.pop();
                            return Ok(Some(Token::EndArray));
                        }
                        _ => return self.err(SyntaxErrorKind::UnexpectedChar(b), self.pos),
                    }
                }
                Expect::NameOrEnd | Expect::Name => {
                    if b == b'}' && self.expect == Expect::NameOrEnd {
                        self.pop();
                        return Ok(Some(Token::EndObject));
                    }
                    if b != b'"' {
                        return self.err(SyntaxErrorKind::UnexpectedChar(b), self.pos);
                    }
                    let name = self.string()?;
                    self.skip_ws();
                    match self.src.get(self.pos) {
                        Some(b':') => self.pos += 1,
                        Some(&c) => return self.err(SyntaxErrorKind::UnexpectedChar(c), self.pos),
                        None => return self.err(SyntaxErrorKind::UnexpectedEnd, self.pos),
                    }
                    self.expect = Expect::Value;
                    return Ok(Some(Token::FieldName(name)));
                }
                Expect::Value | Expect::ValueOrEnd => {
                    if b == b']' && self.expect == Expect::ValueOrEnd {
                        self.pop();
                        return Ok(Some(Token::EndArray));
                    }
                    return self.value(b).map(Some);
                }
            }
        }
    }

    fn value(&mut self, b: u8) -> Result<Token<'a>, SyntaxError> {
        match b {
            b'{' => {
                self.push(true)?;
                Ok(Token::StartObject)
            }
            b'[' => {
                self.push(false)?;
                Ok(Token::StartArray)
            }
            b'"' => {
                let s = self.string()?;
                self.after_value();
                Ok(Token::String(s))
            }
            b't' => self.literal(b"true", Token::True),
            b'f' => self.literal(b"false", Token::False),
            b'n' => self.literal(b"null", Token::Null),
            b'-' | b'0'..=b'9' => {
                let n = self.number()?;
                self.after_value();
                Ok(Token::Number(n))
            }
            _ => self.err(SyntaxErrorKind::UnexpectedChar(b), self.pos),
        }
    }

    fn literal(&mut self, word: &[u8], tok: Token<'a>) -> Result<Token<'a>, SyntaxError> {
        let end = self.pos + word.len();
        if self.src.len() >= end && &self.src[self.pos..end] == word {
            if let Some(&c) = self.src.get(end) {
                if c.is_ascii_alphanumeric() || c == b'_' {
                    return self.err(SyntaxErrorKind::UnexpectedChar(c), end);
                }
            }
            self.pos = end;
            self.after_value();
            return Ok(tok);
        }
        // Find the first byte that differs, for the error position.
        let mut i = 0;
        while self.pos + i < self.src.len() && i < word.len() && self.src[self.pos + i] == word[i] {
            i += 1;
        }
        match self.src.get(self.pos + i) {
            None => self.err(SyntaxErrorKind::UnexpectedEnd, self.pos + i),
            Some(&c) => self.err(SyntaxErrorKind::UnexpectedChar(c), self.pos + i),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.src.get(self.pos) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<&'a str, SyntaxError> {
        let start = self.pos;
        if self.src[self.pos] == b'-' {
            self.pos += 1;
        }
        match self.src.get(self.pos) {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.src.get(self.pos) {
                    return self.err(
                        SyntaxErrorKind::BadNumber("Leading zeroes not allowed"),
                        self.pos,
                    );
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            Some(&c) => return self.err(SyntaxErrorKind::UnexpectedChar(c), self.pos),
            None => return self.err(SyntaxErrorKind::UnexpectedEnd, self.pos),
        }
        if let Some(b'.') = self.src.get(self.pos) {
            self.pos += 1;
            if self.digits() == 0 {
                return self.err(
                    SyntaxErrorKind::BadNumber("Decimal point not followed by a digit"),
                    self.pos,
                );
            }
        }
        if let Some(b'e' | b'E') = self.src.get(self.pos) {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.src.get(self.pos) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return self.err(
                    SyntaxErrorKind::BadNumber("Exponent indicator not followed by a digit"),
                    self.pos,
                );
            }
        }
        if let Some(&c) = self.src.get(self.pos) {
            if c.is_ascii_alphanumeric() || c == b'.' || c == b'_' {
                return self.err(SyntaxErrorKind::UnexpectedChar(c), self.pos);
            }
        }
        // The bytes are ASCII by construction.
        Ok(std::str::from_utf8(&self.src[start..self.pos]).expect("ASCII number"))
    }

    /// Reads a string starting at the opening quote, leaving `pos` after the
    /// closing quote.
    fn string(&mut self) -> Result<Cow<'a, str>, SyntaxError> {
        self.pos += 1;
        let start = self.pos;
        // Fast path: no escape before the closing quote, plain content.
        let rest = &self.src[self.pos..];
        if let Some(i) = memchr::memchr2(b'"', b'\\', rest) {
            if rest[i] == b'"' {
                let raw = &rest[..i];
                if !raw.iter().any(|&c| c < 0x20) {
                    if let Ok(s) = std::str::from_utf8(raw) {
                        self.pos += i + 1;
                        return Ok(Cow::Borrowed(s));
                    }
                }
            }
        }
        // Byte by byte, reporting the first problem in document order (as
        // the engine's scanner does).
        let mut buf: Vec<u8> = Vec::new();
        let mut seg = self.pos;
        loop {
            let Some(&c) = self.src.get(self.pos) else {
                return self.err(SyntaxErrorKind::UnexpectedEnd, self.pos);
            };
            match c {
                b'"' => {
                    buf.extend_from_slice(&self.src[seg..self.pos]);
                    self.pos += 1;
                    break;
                }
                b'\\' => {
                    buf.extend_from_slice(&self.src[seg..self.pos]);
                    self.escape(&mut buf)?;
                    seg = self.pos;
                }
                0x00..=0x1f => return self.err(SyntaxErrorKind::ControlChar, self.pos),
                0x80..=0xff => {
                    let len = match c {
                        0xC2..=0xDF => 2,
                        0xE0..=0xEF => 3,
                        0xF0..=0xF4 => 4,
                        _ => 0,
                    };
                    let ok = len > 0
                        && self
                            .src
                            .get(self.pos..self.pos + len)
                            .is_some_and(|ch| std::str::from_utf8(ch).is_ok());
                    if !ok {
                        return self.err(SyntaxErrorKind::InvalidUtf8, self.pos);
                    }
                    self.pos += len;
                }
                _ => self.pos += 1,
            }
        }
        // Every byte was checked above, so this cannot fail.
        String::from_utf8(buf)
            .map(Cow::Owned)
            .map_err(|_| SyntaxError {
                kind: SyntaxErrorKind::InvalidUtf8,
                offset: start,
            })
    }

    fn hex4(&mut self) -> Result<u16, SyntaxError> {
        let mut v: u16 = 0;
        for _ in 0..4 {
            let Some(&c) = self.src.get(self.pos) else {
                return self.err(SyntaxErrorKind::UnexpectedEnd, self.pos);
            };
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return self.err(SyntaxErrorKind::BadEscape, self.pos),
            };
            v = (v << 4) | d as u16;
            self.pos += 1;
        }
        Ok(v)
    }

    fn escape(&mut self, buf: &mut Vec<u8>) -> Result<(), SyntaxError> {
        let at = self.pos;
        self.pos += 1; // the backslash
        let Some(&c) = self.src.get(self.pos) else {
            return self.err(SyntaxErrorKind::UnexpectedEnd, self.pos);
        };
        self.pos += 1;
        let ch = match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4()?;
                if (0xD800..0xDC00).contains(&hi) {
                    if self.src.get(self.pos) == Some(&b'\\')
                        && self.src.get(self.pos + 1) == Some(&b'u')
                    {
                        self.pos += 2;
                        let lo = self.hex4()?;
                        if !(0xDC00..0xE000).contains(&lo) {
                            return self.err(SyntaxErrorKind::LoneSurrogate, at);
                        }
                        let cp = 0x10000 + (((hi as u32) - 0xD800) << 10) + ((lo as u32) - 0xDC00);
                        char::from_u32(cp).expect("valid surrogate pair")
                    } else {
                        return self.err(SyntaxErrorKind::LoneSurrogate, at);
                    }
                } else if (0xDC00..0xE000).contains(&hi) {
                    return self.err(SyntaxErrorKind::LoneSurrogate, at);
                } else {
                    char::from_u32(hi as u32).expect("BMP scalar")
                }
            }
            _ => return self.err(SyntaxErrorKind::BadEscape, at),
        };
        let mut tmp = [0u8; 4];
        buf.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
        Ok(())
    }
}

/// A parsed JSON value that keeps what the matching semantics need and
/// `serde_json::Value` drops: number spellings and repeated member names.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, exactly as spelled.
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object; members in document order, repeated names kept.
    Object(Vec<(String, Value)>),
}

/// Parses one complete JSON document (trailing white space only) into a
/// [`Value`], without recursion.
pub(crate) fn parse_value(src: &[u8], max_depth: usize) -> Result<Value, SyntaxError> {
    enum Frame {
        Array(Vec<Value>),
        Object(Vec<(String, Value)>, Option<String>),
    }
    let mut lx = Lexer::new(src, max_depth);
    let mut stack: Vec<Frame> = Vec::new();
    let mut done: Option<Value> = None;
    while let Some(tok) = lx.next()? {
        let v = match tok {
            Token::StartObject => {
                stack.push(Frame::Object(Vec::new(), None));
                continue;
            }
            Token::StartArray => {
                stack.push(Frame::Array(Vec::new()));
                continue;
            }
            Token::FieldName(n) => {
                if let Some(Frame::Object(_, name)) = stack.last_mut() {
                    *name = Some(n.into_owned());
                }
                continue;
            }
            Token::EndObject | Token::EndArray => match stack.pop() {
                Some(Frame::Array(items)) => Value::Array(items),
                Some(Frame::Object(members, _)) => Value::Object(members),
                None => unreachable!("the lexer balances brackets"),
            },
            Token::String(s) => Value::String(s.into_owned()),
            Token::Number(n) => Value::Number(n.to_owned()),
            Token::True => Value::Bool(true),
            Token::False => Value::Bool(false),
            Token::Null => Value::Null,
        };
        match stack.last_mut() {
            Some(Frame::Array(items)) => items.push(v),
            Some(Frame::Object(members, name)) => {
                members.push((name.take().unwrap_or_default(), v));
            }
            None => done = Some(v),
        }
    }
    lx.finish()?;
    Ok(done.expect("a complete document"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Result<Vec<Token<'_>>, SyntaxError> {
        let mut lx = Lexer::new(s.as_bytes(), 128);
        let mut out = Vec::new();
        while let Some(t) = lx.next()? {
            out.push(t);
        }
        lx.finish()?;
        Ok(out)
    }

    #[test]
    fn tokens_and_errors() {
        assert_eq!(
            toks(r#"{"a":[1,-0.5e3,"x\u0041",true,null]}"#)
                .unwrap()
                .len(),
            10
        );
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "012",
            "1.",
            "1e",
            "-",
            "[1 2]",
            "{\"a\" 1}",
            "tru",
            "nul",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"a\nb\"",
            "{} x",
            "[",
            "{\"a\":}",
            "'a'",
            "NaN",
            "01",
            "1.e5",
            "+1",
        ] {
            assert!(toks(bad).is_err(), "{bad:?} should fail");
        }
        for good in [
            "1",
            "-0",
            "0.0e-0",
            "[]",
            "{}",
            " [ [ ] ] ",
            "\"\\ud83d\\ude00\"",
        ] {
            assert!(toks(good).is_ok(), "{good:?} should pass");
        }
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        let mut lx = Lexer::new(b"\"a\xffb\"", 8);
        let e = lx.next().unwrap_err();
        assert_eq!(e.kind, SyntaxErrorKind::InvalidUtf8);
        assert_eq!(e.offset, 2);
    }

    #[test]
    fn depth_limit_without_recursion() {
        let deep = "[".repeat(1_000_000);
        let e = parse_value(deep.as_bytes(), 128).unwrap_err();
        assert_eq!(e.kind, SyntaxErrorKind::TooDeep(128));
    }

    #[test]
    fn tree_keeps_duplicates_and_spellings() {
        let v = parse_value(br#"{"a":1.0,"a":[3e2]}"#, 8).unwrap();
        assert_eq!(
            v,
            Value::Object(vec![
                ("a".into(), Value::Number("1.0".into())),
                ("a".into(), Value::Array(vec![Value::Number("3e2".into())])),
            ])
        );
    }
}
