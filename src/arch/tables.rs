//! The constant tables of the block validator: byte classes and the pairs
//! of classes that may follow each other, the UTF-8 lookup tables, and the
//! index vectors of byte moves. Computed at compile time.

/// Byte classes of the pair check (see `PAIRS`).
pub(crate) const WS: u8 = 0;
pub(crate) const STR: u8 = 1;
pub(crate) const OPEN_QUOTE: u8 = 2;
pub(crate) const CLOSE_QUOTE: u8 = 3;
pub(crate) const OPEN_OBJ: u8 = 4;
pub(crate) const OPEN_ARR: u8 = 5;
pub(crate) const CLOSE: u8 = 6;
pub(crate) const COLON: u8 = 7;
pub(crate) const COMMA: u8 = 8;
pub(crate) const DIGIT: u8 = 9;
pub(crate) const MINUS: u8 = 10;
pub(crate) const PLUS: u8 = 11;
pub(crate) const DOT: u8 = 12;
pub(crate) const EXP: u8 = 13;
pub(crate) const LETTER: u8 = 14;
pub(crate) const BAD: u8 = 15;

/// The class of each ASCII byte outside strings (the inside of strings and
/// opening quotes are classed from the quote masks).
pub(crate) const CLASS: [u8; 128] = {
    let mut t = [BAD; 128];
    t[b' ' as usize] = WS;
    t[b'\t' as usize] = WS;
    t[b'\n' as usize] = WS;
    t[b'\r' as usize] = WS;
    t[b'"' as usize] = CLOSE_QUOTE;
    t[b'{' as usize] = OPEN_OBJ;
    t[b'[' as usize] = OPEN_ARR;
    t[b'}' as usize] = CLOSE;
    t[b']' as usize] = CLOSE;
    t[b':' as usize] = COLON;
    t[b',' as usize] = COMMA;
    t[b'-' as usize] = MINUS;
    t[b'+' as usize] = PLUS;
    t[b'.' as usize] = DOT;
    let mut c = b'0';
    while c <= b'9' {
        t[c as usize] = DIGIT;
        c += 1;
    }
    let mut c = b'a';
    while c <= b'z' {
        t[c as usize] = LETTER;
        c += 1;
    }
    t[b'e' as usize] = EXP;
    t[b'E' as usize] = EXP;
    t
};

/// For each class, the set of classes that may come right after it. Brackets
/// are matched, member names told from string values, and numbers checked
/// for a leading zero and for the order of `.` and exponent separately.
pub(crate) const PAIRS: [u16; 16] = {
    const fn set(classes: &[u8]) -> u16 {
        let mut m = 0u16;
        let mut i = 0;
        while i < classes.len() {
            m |= 1 << classes[i];
            i += 1;
        }
        m
    }
    let value = set(&[OPEN_QUOTE, OPEN_OBJ, OPEN_ARR, DIGIT, MINUS, LETTER]);
    let mut t = [0u16; 16];
    t[WS as usize] = 0;
    t[STR as usize] = set(&[STR, CLOSE_QUOTE]);
    t[OPEN_QUOTE as usize] = set(&[STR, CLOSE_QUOTE]);
    t[CLOSE_QUOTE as usize] = set(&[COLON, COMMA, CLOSE]);
    t[OPEN_OBJ as usize] = set(&[OPEN_QUOTE, CLOSE]);
    t[OPEN_ARR as usize] = value | set(&[CLOSE]);
    t[CLOSE as usize] = set(&[COMMA, CLOSE]);
    t[COLON as usize] = value;
    t[COMMA as usize] = value;
    t[DIGIT as usize] = set(&[DIGIT, DOT, EXP, COMMA, CLOSE]);
    t[MINUS as usize] = set(&[DIGIT]);
    t[PLUS as usize] = set(&[DIGIT]);
    t[DOT as usize] = set(&[DIGIT]);
    t[EXP as usize] = set(&[DIGIT, MINUS, PLUS]);
    t[LETTER as usize] = set(&[LETTER, COMMA, CLOSE]);
    t[BAD as usize] = 0;
    t
};

/// The vectors of the pair check, as bytes: the class table in two halves
/// (for `vpermi2b`); the allowed sets, indexed by twice the class before
/// plus the high bit of the class (for `vpermb`: byte `2b + h` holds the
/// bits of classes `8h..8h+8` allowed after class `b`); each class's bit
/// within its byte (a 16-entry table repeated in the four 128-bit lanes,
/// for `vpshufb`); and the index vector that moves every byte's class one
/// byte later (byte 0 takes the previous block's byte 63).
pub(crate) const CLASS_LO: [u8; 64] = half(0);
pub(crate) const CLASS_HI: [u8; 64] = half(64);
pub(crate) const ALLOW: [u8; 64] = allowed(&PAIRS);
pub(crate) const BIT: [u8; 64] = {
    let mut t = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        t[i] = 1 << (i % 8);
        i += 1;
    }
    t
};
pub(crate) const SHIFT: [u8; 64] = shift(1);
pub(crate) const SHIFT2: [u8; 64] = shift(2);
pub(crate) const SHIFT3: [u8; 64] = shift(3);
pub(crate) const SHIFT4: [u8; 64] = shift(4);
pub(crate) const SHIFT8: [u8; 64] = shift(8);
pub(crate) const SHIFT16: [u8; 64] = shift(16);
pub(crate) const SHIFT32: [u8; 64] = shift(32);

/// The index vector (for `vpermi2b`) that moves every byte `n` bytes later,
/// taking the first `n` from the end of the second operand.
pub(crate) const fn shift(n: usize) -> [u8; 64] {
    let mut t = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        t[i] = if i >= n { i - n } else { 128 - n + i } as u8;
        i += 1;
    }
    t
}

/// UTF-8 validation tables (the lookup algorithm of Keiser and Lemire,
/// "Validating UTF-8 in less than one instruction per byte", 2021): error
/// bits by the high and low nibbles of the previous byte and the high
/// nibble of the current byte; a byte pair is invalid where all three
/// share a bit.
pub(crate) const TOO_SHORT: u8 = 1 << 0;
pub(crate) const TOO_LONG: u8 = 1 << 1;
pub(crate) const OVERLONG_3: u8 = 1 << 2;
pub(crate) const TOO_LARGE: u8 = 1 << 3;
pub(crate) const SURROGATE: u8 = 1 << 4;
pub(crate) const OVERLONG_2: u8 = 1 << 5;
pub(crate) const TOO_LARGE_1000: u8 = 1 << 6;
pub(crate) const OVERLONG_4: u8 = 1 << 6;
pub(crate) const TWO_CONTS: u8 = 1 << 7;
pub(crate) const CARRY: u8 = TOO_SHORT | TOO_LONG | TWO_CONTS;
pub(crate) const UTF8_PREV_HIGH: [u8; 64] = repeat16([
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    TWO_CONTS,
    TWO_CONTS,
    TWO_CONTS,
    TWO_CONTS,
    TOO_SHORT | OVERLONG_2,
    TOO_SHORT,
    TOO_SHORT | OVERLONG_3 | SURROGATE,
    TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4,
]);
pub(crate) const UTF8_PREV_LOW: [u8; 64] = repeat16([
    CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4,
    CARRY | OVERLONG_2,
    CARRY,
    CARRY,
    CARRY | TOO_LARGE,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
]);
pub(crate) const UTF8_CUR_HIGH: [u8; 64] = repeat16([
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4,
    TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE,
    TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
    TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
]);

pub(crate) const fn repeat16(t: [u8; 16]) -> [u8; 64] {
    let mut r = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        r[i] = t[i % 16];
        i += 1;
    }
    r
}

pub(crate) const fn half(from: usize) -> [u8; 64] {
    let mut t = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        t[i] = CLASS[from + i];
        i += 1;
    }
    t
}

/// The `vpermb` table of allowed pairs (see `ALLOW`); bytes 32-63 unused.
pub(crate) const fn allowed(pairs: &[u16; 16]) -> [u8; 64] {
    let mut t = [0u8; 64];
    let mut i = 0;
    while i < 32 {
        t[i] = (pairs[i / 2] >> (8 * (i % 2))) as u8;
        i += 1;
    }
    t
}

/// As `PAIRS`, for classes with white space between them: numbers and
/// literals end there.
pub(crate) const PAIRS_WS: [u16; 16] = {
    let mut t = PAIRS;
    let ends = PAIRS[CLOSE as usize];
    t[DIGIT as usize] = ends;
    t[LETTER as usize] = ends;
    t[MINUS as usize] = 0;
    t[PLUS as usize] = 0;
    t[DOT as usize] = 0;
    t[EXP as usize] = 0;
    t[STR as usize] = 0;
    t[OPEN_QUOTE as usize] = 0;
    t
};
pub(crate) const ALLOW_WS: [u8; 64] = allowed(&PAIRS_WS);

/// The allowed sets for the validator without VBMI, whose byte lookups
/// reach 16 entries (`vpshufb`, per 128-bit lane): entries 0-15 and 16-31
/// of `ALLOW` (and `ALLOW_WS`), each repeated in the four lanes. (Its class
/// lookup reads `CLASS_LO` and `CLASS_HI` as 64 words of two classes.)
pub(crate) const ALLOW_LO: [u8; 64] = lane16(&ALLOW, 0);
pub(crate) const ALLOW_HI: [u8; 64] = lane16(&ALLOW, 16);
pub(crate) const ALLOW_WS_LO: [u8; 64] = lane16(&ALLOW_WS, 0);
pub(crate) const ALLOW_WS_HI: [u8; 64] = lane16(&ALLOW_WS, 16);

/// Entries `from..from + 16` of `t`, repeated in the four 128-bit lanes.
pub(crate) const fn lane16(t: &[u8; 64], from: usize) -> [u8; 64] {
    let mut r = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        r[i] = t[from + i % 16];
        i += 1;
    }
    r
}
