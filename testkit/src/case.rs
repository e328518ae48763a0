//! A test case of named rules and events, and its two byte forms:
//!
//! * **raw mode**: the byte `0xFF`, then segments separated by `0x00`. A
//!   segment `r` NAME-BYTE PATTERN is a rule (its name is the one character
//!   NAME-BYTE, read as Latin-1; repeated names OR their patterns), a
//!   segment `e` EVENT is an event, anything else is ignored. The files of
//!   `testdata/fuzz-regressions/{differential,ffi}/` and the seed corpora
//!   `fuzz/seed.sh` writes are in this form.
//! * **structured mode**: any other bytes drive the grammar of
//!   [`crate::Edges`] through an [`Unstructured`].

use arbitrary::Unstructured;

use crate::Edges;

/// Named rules and events, as raw bytes (either may be invalid).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Case {
    /// Rule names and pattern texts, in the order they are added.
    pub rules: Vec<(String, Vec<u8>)>,
    /// Event texts.
    pub events: Vec<Vec<u8>>,
}

impl Case {
    /// The case fuzz bytes stand for: raw mode after a leading `0xFF`,
    /// structured mode otherwise.
    ///
    /// ```
    /// use evmatch_testkit::Case;
    /// let case = Case::from_fuzz(b"\xffra{\"a\":[1]}\x00e{\"a\":1}\x00");
    /// assert_eq!(case.rules, [("a".to_string(), b"{\"a\":[1]}".to_vec())]);
    /// assert_eq!(case.events, [b"{\"a\":1}".to_vec()]);
    /// assert!(!Case::from_fuzz(b"any other bytes").rules.is_empty());
    /// ```
    pub fn from_fuzz(data: &[u8]) -> Case {
        match data.split_first() {
            Some((0xFF, rest)) => Case::from_raw(rest),
            _ => Edges::new(Unstructured::new(data)).case(),
        }
    }

    /// Parses raw mode (without the leading `0xFF`).
    pub fn from_raw(data: &[u8]) -> Case {
        let mut case = Case::default();
        for seg in data.split(|&b| b == 0) {
            match seg {
                [b'r', name, pattern @ ..] => case
                    .rules
                    .push((char::from(*name).to_string(), pattern.to_vec())),
                [b'e', event @ ..] => case.events.push(event.to_vec()),
                _ => {}
            }
        }
        case
    }

    /// The case in raw mode (with the leading `0xFF`), for a regression
    /// file. Names are cut to their first character (`r` when that is not
    /// Latin-1); NUL bytes inside a pattern or event cannot be written (they
    /// are invalid JSON anyway) and become U+0001.
    ///
    /// ```
    /// use evmatch_testkit::Case;
    /// let raw = b"\xffra{\"a\":[1]}\x00e{\"a\":1}\x00";
    /// assert_eq!(Case::from_fuzz(raw).to_raw(), raw);
    /// ```
    pub fn to_raw(&self) -> Vec<u8> {
        let mut out = vec![0xFF];
        let clean = |b: &u8| if *b == 0 { 1 } else { *b };
        for (name, p) in &self.rules {
            out.push(b'r');
            let c = name.chars().next().unwrap_or('r');
            out.push(if (c as u32) < 256 && c != '\0' {
                c as u8
            } else {
                b'r'
            });
            out.extend(p.iter().map(clean));
            out.push(0);
        }
        for e in &self.events {
            out.push(b'e');
            out.extend(e.iter().map(clean));
            out.push(0);
        }
        out
    }

    /// A readable description for failure messages, ending with the raw
    /// mode in hex (to paste into a regression file).
    pub fn describe(&self) -> String {
        let mut s = String::new();
        for (n, p) in &self.rules {
            s += &format!("rule {n:?}: {}\n", String::from_utf8_lossy(p));
        }
        for (i, e) in self.events.iter().enumerate() {
            s += &format!("event {i}: {}\n", String::from_utf8_lossy(e));
        }
        s += &format!("raw-mode bytes (hex): {}\n", hex(&self.to_raw()));
        s
    }

    /// If `EVMATCH_FUZZ_REPRO` names a file, writes the raw-mode case there
    /// (called just before a target panics).
    pub fn dump(&self) {
        if let Ok(path) = std::env::var("EVMATCH_FUZZ_REPRO") {
            let _ = std::fs::write(path, self.to_raw());
        }
    }
}

/// `bytes` in lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|x| format!("{x:02x}")).collect()
}
