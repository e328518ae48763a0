//! The block validator against the scalar validator of `engine::scan`
//! (the authority on every error), on generated values.

use super::Simd;
use crate::engine::scan::skip_value;

/// The block validator with and without VBMI, where the CPU has it.
fn variants() -> Vec<Simd> {
    Simd::detect()
        .map(|s| vec![s, s.without_vbmi()])
        .unwrap_or_default()
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Valid scalars first (`VALID` of them), then invalid ones and ones
/// left to the scalar validator.
const PIECES: &[&str] = &[
    "0",
    "-0",
    "1",
    "-12",
    "0.5",
    "12.25",
    "1e5",
    "1E+5",
    "-1.5e-07",
    "true",
    "false",
    "null",
    "\"\"",
    "\"a\"",
    "\"ab:c,d]\"",
    "1.0e00",
    "-0.0E-0",
    "\"a\\\"b\"",
    "\"a\\u00e9\\uFFFF\"",
    "\"\u{e9}\"",
    "\"\\\\\"",
    "\"\\n\\t\\/\\b\\f\\r\"",
    "\"日本語\"",
    "\"\u{1F600}x\u{10FFFF}\"",
    "\"\\\\\\\\\\\"\"",
    // Invalid, or left to the scalar validator:
    "\"\\ud83d\\ude00\"",
    "\"\\ud800\"",
    "\"\\u12\"",
    "\"\\x\"",
    "\"\\\"",
    "00",
    "01",
    "-",
    "1.",
    ".5",
    "1e",
    "1e+",
    "1.2.3",
    "1e2e3",
    "1e2.5",
    "--1",
    "1-2",
    "+1",
    "0x1",
    "1a",
    "tru",
    "truex",
    "nul",
    "nulll",
    "\"\t\"",
    "1 2",
    "NaN",
    "-Infinity",
];

const VALID: usize = 25;

/// Appends a random value, with white space between tokens if
/// `spaced`; clears `plain` if it holds a piece the block validator
/// leaves to the scalar one (or that is invalid).
fn gen(r: &mut Rng, depth: u32, spaced: bool, plain: &mut bool, out: &mut String) {
    let ws = |r: &mut Rng, out: &mut String| {
        if spaced && r.below(6) == 0 {
            out.push_str([" ", "\n", "\t ", "\r\n"][r.below(4) as usize]);
        }
    };
    ws(r, out);
    match if depth > 6 { 2 } else { r.below(5) } {
        0 => {
            out.push('{');
            let n = r.below(4);
            for i in 0..n {
                if i > 0 {
                    out.push(',');
                }
                ws(r, out);
                out.push_str(["\"x\"", "\"key\"", "\"\"", "\"a:b\""][r.below(4) as usize]);
                ws(r, out);
                out.push(':');
                gen(r, depth + 1, spaced, plain, out);
            }
            ws(r, out);
            out.push('}');
        }
        1 => {
            out.push('[');
            let n = r.below(5);
            for i in 0..n {
                if i > 0 {
                    out.push(',');
                }
                gen(r, depth + 1, spaced, plain, out);
            }
            ws(r, out);
            out.push(']');
        }
        _ => {
            let n = if r.below(40) == 0 {
                PIECES.len()
            } else {
                VALID
            };
            let i = r.below(n as u64) as usize;
            *plain &= i < VALID;
            out.push_str(PIECES[i]);
        }
    }
    ws(r, out);
}

#[test]
fn agrees_with_the_scalar_validator() {
    for simd in variants() {
        let mut r = Rng(0x9E37_79B9_7F4A_7C15);
        let mut accepted = 0;
        for case in 0..60_000 {
            let spaced = case % 4 == 0;
            let mut s = String::new();
            let mut plain = true;
            while s.len() < 100 + (case % 7) * 40 {
                s.clear();
                s.push('[');
                plain = true;
                gen(&mut r, 0, spaced, &mut plain, &mut s);
                s.push(']');
            }
            let mut ev = s.into_bytes();
            // Mutate some cases at random bytes.
            for _ in 0..r.below(4).saturating_sub(1) {
                plain = false;
                let at = r.below(ev.len() as u64) as usize;
                const BYTES: &[u8] =
                    b"{}[]:,\"\\ -+.eE0123tfnu\x01\x7f\xc3\x80\xbf\xe2\xed\xf0\xf4\xff\xc0";
                ev[at] = BYTES[r.below(BYTES.len() as u64) as usize];
            }
            // Trailing bytes after the value, sometimes.
            if r.below(2) == 0 {
                ev.extend_from_slice(b",\"\\u12\xff\"");
            }
            let levels = [1000usize, 3, 64][r.below(3) as usize];
            let fast = simd.skip_container(&ev, 0, levels);
            let mut stack = Vec::new();
            let slow = skip_value(&ev, 0, 1000 - levels, 1000, &mut stack).ok();
            if let (Some(end), b'[' | b'{') = (slow, ev[0]) {
                assert_eq!(simd.skip_trusted(&ev, 0), Some(end), "trusted skip");
            }
            if let Some(end) = fast {
                let shown = String::from_utf8_lossy(&ev);
                assert_eq!(Some(end), slow, "accepted invalid or wrong end: {shown:?}");
                accepted += 1;
            } else if plain && slow.is_some() {
                // Valid without white space, escapes or non-ASCII: the
                // block validator must take it.
                panic!("refused: {:?}", String::from_utf8_lossy(&ev));
            }
        }
        assert!(accepted > 10_000, "accepted {accepted}");
    }
}

#[test]
fn arrays_of_records_agree_with_the_scalar_validator() {
    // Arrays of records: brackets mostly in alternating order (open,
    // close, open...), blocks beginning at every place in a record.
    // Flipped brackets and records nested too deep must be caught as
    // the scalar validator catches them.
    for simd in variants() {
        let mut r = Rng(0x0DDB_A11C_AFE5_EED5);
        let mut accepted = 0;
        for case in 0..20_000 {
            // A string first, so that the first record, the first
            // bracket to go deeper, may fall in any block.
            let lead = "s".repeat(r.below(80) as usize);
            let mut s = format!("{{\"k\":[\"{lead}\"");
            for _ in 0..2 + r.below(30) {
                s.push(',');
                match r.below(6) {
                    0 => s.push_str("{\"x\":-122.42134725620248,\"y\":37.7188,\"z\":0}"),
                    1 => s.push_str("[1,[2],{\"a\":[]}]"),
                    2 => s.push_str("{\"x\":[1,2],\"y\":{}}"),
                    3 => s.push_str("[{\"x\":1},{\"y\":[true]}]"),
                    4 => {
                        // Records of any length, so that blocks begin
                        // at every place in them.
                        let pad = "x".repeat(r.below(12) as usize);
                        s.push_str(&format!("{{\"a\":\"{pad}\"}}"));
                    }
                    _ => s.push_str("[7]"),
                }
            }
            s.push_str("],\"t\":\"end\"}");
            let mut ev = s.into_bytes();
            if case % 2 == 1 {
                // A bracket of the other kind, or some other byte.
                let brackets: Vec<usize> = (0..ev.len())
                    .filter(|&i| b"{}[]".contains(&ev[i]))
                    .collect();
                let at = brackets[r.below(brackets.len() as u64) as usize];
                ev[at] = match (ev[at], r.below(3)) {
                    (_, 2) => b"{}[],:"[r.below(6) as usize],
                    (c, _) => c ^ 0x20,
                };
            }
            let levels = [1000usize, 2, 3, 4][case / 2 % 4];
            let fast = simd.skip_container(&ev, 0, levels);
            let mut stack = Vec::new();
            let slow = skip_value(&ev, 0, 1000 - levels, 1000, &mut stack).ok();
            if case % 2 == 0 && levels == 1000 {
                assert!(fast.is_some(), "{:?}", String::from_utf8_lossy(&ev));
            }
            if fast.is_some() {
                assert_eq!(fast, slow, "{:?}", String::from_utf8_lossy(&ev));
                accepted += 1;
            }
        }
        assert!(accepted > 2_000, "{accepted}");
        // A record going one level too deep, its brackets alone in a
        // block or with others, at every place in the blocks.
        for lead in 40..180 {
            for tail in ["", ",{\"b\":2}", ",[3]"] {
                let ev = format!(
                    "{{\"k\":[\"{}\",{{\"a\":1}}{tail},\"{}\"]}}",
                    "x".repeat(lead),
                    "y".repeat(70)
                );
                let ev = ev.as_bytes();
                assert_eq!(simd.skip_container(ev, 0, 2), None, "{lead}");
                assert_eq!(simd.skip_container(ev, 0, 3), Some(ev.len()), "{lead}");
            }
        }
    }
}

#[test]
fn validates_utf8_in_strings_like_the_scalar_validator() {
    for simd in variants() {
        let mut r = Rng(0x2545_F491_4F6C_DD1D);
        let (mut valid, mut invalid) = (0, 0);
        for case in 0..200_000 {
            // ["xxxx<text>"] with the text placed across block boundaries.
            let mut ev = b"[\"".to_vec();
            ev.resize(2 + (case % 70), b'x');
            let chars = [
                "é",
                "日",
                "\u{1F600}",
                "\u{10FFFF}",
                "\u{FFFF}",
                "\u{80}",
                "a",
            ];
            for _ in 0..r.below(6) {
                ev.extend_from_slice(chars[r.below(chars.len() as u64) as usize].as_bytes());
            }
            if r.below(2) == 0 {
                // Raw bytes: stray continuations, truncated or overlong
                // sequences, surrogates, too large.
                let n = 1 + r.below(4);
                for _ in 0..n {
                    let b = [
                        0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5,
                        0xff, 0xa0, 0x90, 0x8f,
                    ][r.below(16) as usize];
                    let at = r.below(ev.len() as u64 - 1) as usize + 2;
                    ev.insert(at.min(ev.len()), b);
                }
            }
            ev.extend_from_slice(b"\"]");
            let fast = simd.skip_container(&ev, 0, 10);
            let ok = std::str::from_utf8(&ev).is_ok();
            let mut stack = Vec::new();
            let slow = skip_value(&ev, 0, 0, 10, &mut stack).ok();
            assert_eq!(slow.is_some(), ok);
            assert_eq!(fast, slow, "{ev:x?}");
            if ok {
                valid += 1;
            } else {
                invalid += 1;
            }
        }
        assert!(valid > 50_000 && invalid > 50_000, "{valid} {invalid}");
    }
}

#[test]
fn validates_escapes_like_the_scalar_validator() {
    for simd in variants() {
        let mut r = Rng(0x1234_5678_9ABC_DEF1);
        let mut accepted = 0;
        for case in 0..200_000 {
            let mut ev = b"[\"".to_vec();
            ev.resize(2 + (case % 70), b'x');
            const BYTES: &[u8] = b"\\\\\\\"\"nu0d8Dc0Ffa/bx";
            for _ in 0..r.below(16) {
                ev.push(BYTES[r.below(BYTES.len() as u64) as usize]);
            }
            ev.extend_from_slice(b"\",1]");
            let fast = simd.skip_container(&ev, 0, 10);
            let mut stack = Vec::new();
            let slow = skip_value(&ev, 0, 0, 10, &mut stack).ok();
            if fast.is_some() {
                assert_eq!(fast, slow, "{:?}", String::from_utf8_lossy(&ev));
                accepted += 1;
            }
        }
        assert!(accepted > 20_000, "{accepted}");
    }
}

#[test]
fn deep_nesting_is_left_to_the_scalar_validator() {
    for simd in variants() {
        let deep = format!("{}{}", "[".repeat(70), "]".repeat(70));
        assert_eq!(simd.skip_container(deep.as_bytes(), 0, 1000), None);
        let ok = format!("{}{}", "[".repeat(62), "]".repeat(62));
        assert_eq!(simd.skip_container(ok.as_bytes(), 0, 1000), Some(124));
        assert_eq!(simd.skip_container(ok.as_bytes(), 0, 62), Some(124));
        assert_eq!(simd.skip_container(ok.as_bytes(), 0, 61), None);
        let deeper = format!("{}{}", "[".repeat(63), "]".repeat(63));
        assert_eq!(simd.skip_container(deeper.as_bytes(), 0, 1000), None);
        assert_eq!(simd.skip_container(b"{\"a\": 1}", 0, 10), Some(8));
        assert_eq!(
            simd.skip_container(b"{ \"a\" :\n\t1 ,\r\n\"b\":[ true , null ] }", 0, 10),
            Some(35)
        );
        assert_eq!(simd.skip_container(b"[1 2]", 0, 10), None);
        assert_eq!(simd.skip_container(b"[tru e]", 0, 10), None);
        assert_eq!(simd.skip_container(b"[1. 5]", 0, 10), None);
        assert_eq!(simd.skip_container(b"{\"a\" 1}", 0, 10), None);
        assert_eq!(simd.skip_container(b"{\"a\":1} ", 0, 10), Some(7));
        assert_eq!(simd.skip_container(b"[1,2", 0, 10), None);
        assert_eq!(simd.skip_container(b"[\"]\"", 0, 10), None);
    }
}

#[test]
fn member_strings_are_found_as_memchr_and_memmem_find_them() {
    let Some(simd) = Simd::detect() else { return };
    let needles: [&[u8]; 4] = [b"\"ab.", b"\"x.", b"\"properties.", b"\"\0."];
    let mut r = Rng(0x5eed);
    let alphabet = b"\"ab.x \\{}:properties\0";
    for len in 0..300 {
        for _ in 0..20 {
            let rest: Vec<u8> = (0..len)
                .map(|_| alphabet[r.below(alphabet.len() as u64) as usize])
                .collect();
            for k in 0..=needles.len() {
                let ns = &needles[..k];
                let want = memchr::memchr(b'\\', &rest).is_some()
                    || ns.iter().any(|n| memchr::memmem::find(&rest, n).is_some());
                assert_eq!(
                    simd.may_hold_any(&rest, ns),
                    want,
                    "{:?} {k}",
                    String::from_utf8_lossy(&rest)
                );
            }
        }
    }
}
