//! Case folding for the ignore-case indexes.

/// The case-folded form used to index ignore-case operands: each character
/// upper-cased, then lower-cased (full mappings). Two strings that one
/// ignore-case operand accepts fold alike (checked per operand at compile
/// time; see `fold_is_sound`).
pub(crate) fn fold_into(s: &str, out: &mut Vec<u8>) {
    // ASCII (most values): upper then lower is lower.
    if s.is_ascii() {
        out.extend(s.bytes().map(|b| b.to_ascii_lowercase()));
        return;
    }
    let mut buf = [0u8; 4];
    for c in s.chars() {
        for u in c.to_uppercase() {
            for l in u.to_lowercase() {
                out.extend_from_slice(l.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

/// Whether every string an ignore-case operand accepts folds to the
/// operand's own fold: true when, for each character, its lower- and
/// upper-case mappings fold like the character itself.
pub(crate) fn fold_is_sound(operand: &str) -> bool {
    let mut a = Vec::new();
    let mut b = Vec::new();
    for c in operand.chars() {
        a.clear();
        fold_into(c.encode_utf8(&mut [0u8; 4]), &mut a);
        for alt in [
            c.to_lowercase().collect::<String>(),
            c.to_uppercase().collect(),
        ] {
            b.clear();
            fold_into(&alt, &mut b);
            if a != b {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_fold_is_the_full_fold() {
        for b in 0u8..128 {
            let s = (b as char).to_string();
            let mut fast = Vec::new();
            fold_into(&s, &mut fast);
            let mut full = String::new();
            for u in (b as char).to_uppercase() {
                full.extend(u.to_lowercase());
            }
            assert_eq!(fast, full.as_bytes(), "{b}");
        }
    }

    #[test]
    fn folding() {
        let f = |s: &str| {
            let mut v = Vec::new();
            fold_into(s, &mut v);
            String::from_utf8(v).unwrap()
        };
        assert_eq!(f("ß"), f("SS"));
        assert_eq!(f("K"), f("\u{212a}"));
        assert!(fold_is_sound("Straße İstanbul"));
    }
}
