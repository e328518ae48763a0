//! The words the generator builds patterns and events from: paths, and
//! operands chosen to sit on the engine's edges (case mappings that change
//! length, IP spellings, numbers that are not exact doubles, escapes,
//! wildcard escapes, invalid operands). Patterns and events draw on the
//! same words, so that generated events often match generated rules.

/// Pattern paths, dotted: written nested, dotted or half and half by the
/// generator. Empty and non-ASCII segments included.
pub(crate) const PATHS: &[&str] = &[
    "a",
    "b",
    "n",
    "s",
    "ip",
    "o.x",
    "o.y",
    "arr.x",
    "arr.y",
    "arr.z.w",
    "deep.arr.k",
    "m.arr.k",
    "m.k",
    "",
    "a.b.c",
    "É",
    "\u{1F600}",
    "\u{FB01}",
];

/// String operands and event values, as JSON text.
pub(crate) const STRINGS: &[&str] = &[
    r#""alpha""#,
    r#""Alpha""#,
    r#""ALPHA""#,
    r#""alp""#,
    r#""beta""#,
    r#""""#,
    r#""x.y""#,
    r#""10.0.0.1""#,
    r#""10.0.0.255""#,
    r#""10.1.2.3""#,
    r#""192.168.0.1""#,
    r#""2001:db8::1""#,
    r#""2001:0db8:0000:0000:0000:0000:0000:0001""#,
    r#""::ffff:10.0.0.1""#,
    r#""straße""#,
    r#""STRASSE""#,
    r#""strasse""#,
    r#""café""#,
    r#""CAFÉ""#,
    r#""a*b""#,
    r#""abab""#,
    r#""ababab""#,
    r#""prod-eu""#,
    r#""eu-prod""#,
    r#""\u0061lpha""#,
    r#""line\nbreak""#,
    r#""\"q\"""#,
    r#""\\""#,
    r#""ǅ""#,
    r#""ǆ""#,
    r#""Ǆ""#,
    r#""İ""#,
    r#""i̇""#,
    r#""ﬁ""#,
    r#""FI""#,
    r#""ΣΑΣ""#,
    r#""σας""#,
    r#""😀""#,
    r#""\ud83d\ude00""#,
    r#""true""#,
    r#""1""#,
    r#""1.0""#,
    r#""null""#,
    r#""*""#,
];

/// Number spellings, as JSON text: equal values spelled apart, and
/// literals that are not exact doubles (which only equal themselves).
pub(crate) const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "0.0",
    "1",
    "1.0",
    "1e0",
    "1E+0",
    "2.5",
    "-2.5",
    "10",
    "100",
    "1e2",
    "100.000",
    "0.1",
    "0.30000000000000004",
    "1e300",
    "1e400",
    "-1e400",
    "1e-400",
    "9007199254740992",
    "9007199254740993",
    "5000000000",
    "-5000000000",
    "5e9",
    "3.14159",
    "123456.789",
    "1e-6",
    "0.000001",
    "10.0",
    "192",
    "4294967296",
    "-1e9",
    "1e9",
];

/// The JSON literals.
pub(crate) const LITERALS: &[&str] = &["true", "false", "null"];

/// `prefix`/`suffix` operands, as JSON text (a lone surrogate included).
pub(crate) const PREFIXES: &[&str] = &[
    r#""al""#,
    r#""AL""#,
    r#""a""#,
    r#""""#,
    r#""pha""#,
    r#""eu""#,
    r#""prod""#,
    r#""ß""#,
    r#""ss""#,
    r#""SS""#,
    r#""10.""#,
    r#""x""#,
    r#""straß""#,
    r#""é""#,
    r#""É""#,
    r#""Σ""#,
    r#""ς""#,
    r#""ﬁ""#,
    r#""İ""#,
    r#""\ud83d""#,
    r#""😀""#,
    r#""1""#,
];

/// `wildcard` operands, as JSON text (escapes, and one that is too
/// complex).
pub(crate) const WILDCARDS: &[&str] = &[
    r#""a*""#,
    r#""*a""#,
    r#""*""#,
    r#""**""#,
    r#""al*ha""#,
    r#""*prod*""#,
    r#""a*b*""#,
    r#""*ab*ab*""#,
    r#""10.*""#,
    r#""10.*.*.1""#,
    r#""""#,
    r#""*\\*""#,
    r#""a\\*b""#,
    r#""\\\\*""#,
    r#""\\a""#,
    r#""*:*:*:*:*:event-bus/*""#,
    r#""str*e""#,
    r#""*é""#,
];

/// `cidr` operands, valid and not.
pub(crate) const CIDRS: &[&str] = &[
    "10.0.0.0/24",
    "10.0.0.0/8",
    "10.0.0.1/31",
    "0.0.0.0/0",
    "192.168.0.0/16",
    "::/0",
    "2001:db8::/32",
    "2001:db8::1/127",
    "::ffff:0:0/96",
    "10.0.0.0/32",
    "10.0.0.0",
    "1.2.3/8",
];

/// Numeric comparison operators.
pub(crate) const OPS: &[&str] = &[">", ">=", "<", "<="];

/// Member names inside generated event values.
pub(crate) const EVENT_KEYS: &[&str] = &["x", "y", "z", "w", "k", "a", "z.w", "arr", "b.c"];

/// Top-level member names of generated events: the pattern paths' first
/// segments, some dotted, and one no rule names.
pub(crate) const EVENT_TOPS: &[&str] = &[
    "a",
    "b",
    "n",
    "s",
    "ip",
    "o",
    "arr",
    "deep",
    "o.x",
    "arr.x",
    "m",
    "m.arr",
    "unused",
    "",
    "É",
    "a.b",
    "\u{1F600}",
    "\u{FB01}",
];

/// Bytes a mutation inserts or writes: JSON punctuation, the starts of
/// numbers and literals, a backslash, DEL, bytes that are not UTF-8 on
/// their own, and a control character.
pub(crate) const MUTATION_BYTES: &[u8] = b"{}[]\",:01e-+.\\ \x7f\xff\xc3\xa9tfnu\x01";
