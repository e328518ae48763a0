//! String operators: `equals-ignore-case` (and the ignore-case forms of
//! `prefix` and `suffix`) and `wildcard`.

/// A small set of string offsets; inline unless an operand is unusually
/// ambiguous, so matching does not allocate.
type Offsets = smallvec::SmallVec<[usize; 8]>;

/// An ignore-case operand: for each of its characters, the strings an event
/// may hold in its place: the character itself, its full lower-case mapping
/// and its full upper-case mapping (locale-independent, per character).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseInsensitive {
    pub(crate) alternatives: Vec<Vec<String>>,
    /// The operand, if it is ASCII: then every alternative is ASCII, and
    /// matching is an ASCII case-insensitive comparison of bytes.
    ascii: Option<Box<[u8]>>,
}

impl CaseInsensitive {
    pub(crate) fn new(operand: &str) -> CaseInsensitive {
        let alternatives = operand
            .chars()
            .map(|c| {
                let mut alts = vec![c.to_string()];
                for s in [
                    c.to_lowercase().collect::<String>(),
                    c.to_uppercase().collect(),
                ] {
                    if !alts.contains(&s) {
                        alts.push(s);
                    }
                }
                alts
            })
            .collect();
        let ascii = operand.is_ascii().then(|| operand.as_bytes().into());
        CaseInsensitive {
            alternatives,
            ascii,
        }
    }

    /// The operand itself (each character's first alternative).
    pub(crate) fn operand(&self) -> String {
        self.alternatives.iter().map(|a| a[0].as_str()).collect()
    }

    /// The end offsets at which the operand can match `s` from its start.
    fn ends(&self, s: &str) -> Offsets {
        let mut at = Offsets::new();
        at.push(0);
        for alts in &self.alternatives {
            let mut next = Offsets::new();
            for &p in &at {
                for a in alts {
                    if s[p..].starts_with(a.as_str()) && !next.contains(&(p + a.len())) {
                        next.push(p + a.len());
                    }
                }
            }
            if next.is_empty() {
                return next;
            }
            at = next;
        }
        at
    }

    /// `equals-ignore-case`
    pub(crate) fn equals(&self, s: &[u8]) -> bool {
        if let Some(op) = &self.ascii {
            return s.eq_ignore_ascii_case(op);
        }
        let Ok(s) = std::str::from_utf8(s) else {
            return false;
        };
        self.ends(s).contains(&s.len())
    }

    /// `prefix` with `equals-ignore-case`
    pub(crate) fn is_prefix_of(&self, s: &[u8]) -> bool {
        if let Some(op) = &self.ascii {
            return s
                .get(..op.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(op));
        }
        let Ok(s) = std::str::from_utf8(s) else {
            return false;
        };
        !self.ends(s).is_empty()
    }

    /// `suffix` with `equals-ignore-case`
    pub(crate) fn is_suffix_of(&self, s: &[u8]) -> bool {
        if let Some(op) = &self.ascii {
            return s.len() >= op.len() && s[s.len() - op.len()..].eq_ignore_ascii_case(op);
        }
        let Ok(s) = std::str::from_utf8(s) else {
            return false;
        };
        let mut at = Offsets::new();
        at.push(s.len());
        for alts in self.alternatives.iter().rev() {
            let mut next = Offsets::new();
            for &p in &at {
                for a in alts {
                    if s[..p].ends_with(a.as_str()) && !next.contains(&(p - a.len())) {
                        next.push(p - a.len());
                    }
                }
            }
            if next.is_empty() {
                return false;
            }
            at = next;
        }
        true
    }
}

/// A parsed `wildcard` operand: literal runs separated by `*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wildcard {
    /// The literal parts; a `*` stands between each two consecutive parts.
    pub(crate) parts: Vec<String>,
}

impl Wildcard {
    /// Parses a wildcard operand with the reference's escapes (`\*` and
    /// `\\`) and errors. Positions in messages are byte offsets in the
    /// operand wrapped in quotes, as the reference reports them.
    pub(crate) fn parse(text: &str) -> Result<Wildcard, String> {
        let b = text.as_bytes();
        let mut parts = vec![Vec::new()];
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'\\' => match b.get(i + 1) {
                    Some(&c @ (b'*' | b'\\')) => {
                        parts.last_mut().unwrap().push(c);
                        i += 2;
                    }
                    _ => return Err(format!("Invalid escape character at pos {}", i + 1)),
                },
                b'*' => {
                    if b.get(i + 1) == Some(&b'*') {
                        return Err(format!("Consecutive wildcard characters at pos {}", i + 1));
                    }
                    parts.push(Vec::new());
                    i += 1;
                }
                c => {
                    parts.last_mut().unwrap().push(c);
                    i += 1;
                }
            }
        }
        Ok(Wildcard {
            parts: parts
                .into_iter()
                .map(|p| String::from_utf8(p).expect("split at ASCII bytes"))
                .collect(),
        })
    }

    /// Whether the whole of `s` matches.
    pub(crate) fn matches(&self, s: &[u8]) -> bool {
        let n = self.parts.len();
        let first = self.parts[0].as_bytes();
        if n == 1 {
            return s == first;
        }
        let last = self.parts[n - 1].as_bytes();
        if s.len() < first.len() + last.len() || !s.starts_with(first) || !s.ends_with(last) {
            return false;
        }
        // Middle parts: leftmost placement is optimal for `*`-only globs.
        let mut pos = first.len();
        let end = s.len() - last.len();
        for part in &self.parts[1..n - 1] {
            let p = part.as_bytes();
            match memchr::memmem::find(&s[pos..end], p) {
                Some(at) => pos += at + p.len(),
                None => return false,
            }
        }
        true
    }

    /// The most `*` states of this operand's automaton that one input can
    /// hold active at once, or `None` when exploring them would take more
    /// than `budget` steps. Each active `*` state is a way the input so far
    /// can be split among the wildcards; the reference's complexity
    /// evaluator bounds the same blow-up.
    #[cfg(test)]
    pub(crate) fn complexity(&self, budget: usize) -> Option<usize> {
        self.complexity_up_to(budget, usize::MAX)
    }

    /// The complexity (most active `*` states), stopping early (with the
    /// count so far, above `limit`) once it exceeds `limit`.
    pub(crate) fn complexity_up_to(&self, budget: usize, limit: usize) -> Option<usize> {
        // Units: literal bytes and stars; state i = units[..i] consumed.
        #[derive(Clone, Copy, PartialEq)]
        enum Unit {
            Byte(u8),
            Star,
        }
        let mut units = Vec::new();
        for (k, part) in self.parts.iter().enumerate() {
            if k > 0 {
                units.push(Unit::Star);
            }
            units.extend(part.bytes().map(Unit::Byte));
        }
        let n = units.len();
        let closure = |set: &mut Vec<usize>| {
            let mut k = 0;
            while k < set.len() {
                let s = set[k];
                if s < n && units[s] == Unit::Star && !set.contains(&(s + 1)) {
                    set.push(s + 1);
                }
                k += 1;
            }
            set.sort_unstable();
        };
        let mut alphabet: Vec<u8> = units
            .iter()
            .filter_map(|u| match u {
                Unit::Byte(b) => Some(*b),
                Unit::Star => None,
            })
            .collect();
        alphabet.sort_unstable();
        alphabet.dedup();
        // A byte that appears in no literal.
        if let Some(other) = (0u8..=255).find(|b| !alphabet.contains(b)) {
            alphabet.push(other);
        }
        // Enough steps for long operands whose state sets stay small (a
        // run without `*` is deterministic: length × alphabet steps), within
        // a cap; operands whose sets grow run out of budget and count as too
        // complex.
        let budget = budget.max((16 * n * alphabet.len()).min(10_000_000));
        let mut start = vec![0];
        closure(&mut start);
        let mut seen = std::collections::HashSet::new();
        let mut queue = std::collections::VecDeque::new();
        let stars = |set: &[usize]| {
            set.iter()
                .filter(|&&s| s < n && units[s] == Unit::Star)
                .count()
        };
        let mut max = stars(&start);
        seen.insert(start.clone());
        queue.push_back(start);
        let mut steps = 0usize;
        while let Some(set) = queue.pop_front() {
            for &b in &alphabet {
                steps += set.len();
                if steps > budget {
                    return None;
                }
                let mut next = Vec::new();
                for &s in &set {
                    if s >= n {
                        continue;
                    }
                    match units[s] {
                        Unit::Star => next.push(s),
                        Unit::Byte(c) if c == b => next.push(s + 1),
                        Unit::Byte(_) => {}
                    }
                }
                next.dedup();
                closure(&mut next);
                next.dedup();
                if next.is_empty() {
                    continue;
                }
                max = max.max(stars(&next));
                if max > limit {
                    return Some(max);
                }
                if seen.insert(next.clone()) {
                    queue.push_back(next);
                }
            }
        }
        Some(max)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn ascii_shortcut_agrees_with_the_alternatives() {
        let operands = ["", "a", "Ab", "k", "STREET", "fulton st", "s", "i", "1-2"];
        let values = [
            "",
            "a",
            "A",
            "ab",
            "AB",
            "aB",
            "k",
            "K",
            "\u{212A}",
            "street",
            "STREET",
            "StReEt",
            "fulton st",
            "FULTON ST",
            "fulton st.",
            "x fulton st",
            "s",
            "\u{17F}",
            "I",
            "\u{130}",
            "\u{131}",
            "1-2",
            "1-2-3",
            "\u{DF}",
            "ss",
            "é",
        ];
        for op in operands {
            let fast = CaseInsensitive::new(op);
            assert!(fast.ascii.is_some());
            let mut slow = fast.clone();
            slow.ascii = None;
            for v in values {
                assert_eq!(
                    fast.equals(v.as_bytes()),
                    slow.equals(v.as_bytes()),
                    "{op:?} = {v:?}"
                );
                assert_eq!(
                    fast.is_prefix_of(v.as_bytes()),
                    slow.is_prefix_of(v.as_bytes()),
                    "{op:?} prefix {v:?}"
                );
                assert_eq!(
                    fast.is_suffix_of(v.as_bytes()),
                    slow.is_suffix_of(v.as_bytes()),
                    "{op:?} suffix {v:?}"
                );
            }
        }
    }

    use super::*;

    #[test]
    fn ignore_case() {
        let c = CaseInsensitive::new("ß");
        assert!(
            c.equals("ß".as_bytes()) && c.equals("SS".as_bytes()) && !c.equals("ss".as_bytes())
        );
        let c = CaseInsensitive::new("İ");
        assert!(
            c.equals("İ".as_bytes())
                && c.equals("i\u{307}".as_bytes())
                && !c.equals("i".as_bytes())
        );
        let c = CaseInsensitive::new("STRAß");
        assert!(
            c.is_prefix_of("straße".as_bytes())
                && c.is_prefix_of("STRASSE".as_bytes())
                && !c.is_prefix_of("strasse".as_bytes())
        );
        let c = CaseInsensitive::new("ÉS");
        assert!(
            c.is_suffix_of("cafés".as_bytes())
                && c.is_suffix_of("És".as_bytes())
                && !c.is_suffix_of("cafes".as_bytes())
        );
        assert!(CaseInsensitive::new("").is_suffix_of("x".as_bytes()));
    }

    #[test]
    fn wildcard() {
        let w = Wildcard::parse("a*b*c").unwrap();
        assert!(
            w.matches("abc".as_bytes())
                && w.matches("aXbYc".as_bytes())
                && !w.matches("acb".as_bytes())
        );
        assert!(Wildcard::parse("*").unwrap().matches("".as_bytes()));
        assert!(Wildcard::parse("").unwrap().matches("".as_bytes()));
        assert!(!Wildcard::parse("").unwrap().matches("a".as_bytes()));
        assert!(Wildcard::parse("*ab*ab*")
            .unwrap()
            .matches("abab".as_bytes()));
        assert!(!Wildcard::parse("*ab*ab*").unwrap().matches("ab".as_bytes()));
        assert!(Wildcard::parse("a\\*b").unwrap().matches("a*b".as_bytes()));
        assert_eq!(
            Wildcard::parse("ab**c").unwrap_err(),
            "Consecutive wildcard characters at pos 3"
        );
        assert_eq!(
            Wildcard::parse("ab\\c").unwrap_err(),
            "Invalid escape character at pos 3"
        );
        assert_eq!(
            Wildcard::parse("abc\\").unwrap_err(),
            "Invalid escape character at pos 4"
        );
        assert!(Wildcard::parse("\\**").unwrap().matches("*abc".as_bytes()));
        let c = |p: &str| Wildcard::parse(p).unwrap().complexity(100_000).unwrap();
        assert_eq!(c("*:*:*:*:*:event-bus/*"), 6);
        assert_eq!(c("/Users/*/dir/dir/dir/dir/dir/doc.txt"), 1);
        assert_eq!(c("arn:aws:events:us-east-1:*:event-bus/*"), 2);
        assert_eq!(c("*ab*ab*"), 3);
    }
}

#[cfg(test)]
mod long_operands {
    use super::Wildcard;

    #[test]
    fn long_star_free_operands_are_not_too_complex() {
        // Fuzz finding F4: 1,500 bytes of varied text must not exhaust an
        // exploration budget.
        let text: String = (0..1500)
            .map(|i| char::from(b'!' + (i * 7 % 90) as u8))
            .filter(|&c| c != '*' && c != '\\')
            .collect();
        let w = Wildcard::parse(&format!("{text}*")).unwrap();
        assert_eq!(w.complexity_up_to(100_000, 5), Some(1));
        let w = Wildcard::parse(&text).unwrap();
        assert_eq!(w.complexity_up_to(100_000, 5), Some(0));
    }
}
