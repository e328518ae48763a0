//! A deterministic generator of EventBridge-shaped events (an envelope and a
//! `detail` object, about 1 KB) and of selective rules over a few dozen
//! paths: exact, prefix, suffix, numeric ranges, cidr, and anything-but
//! combined with an exact field.

pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub const STRING_FIELDS: usize = 16;
pub const NUMBER_FIELDS: usize = 8;
pub const IP_FIELDS: usize = 4;
pub const SOURCES: u64 = 5000;
pub const VOCAB: u64 = 50_000;

pub fn word(i: u64) -> String {
    // Deterministic pseudo-words with varied prefixes and suffixes.
    let syl = [
        "ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "ve", "zu", "an", "el",
    ];
    let mut s = String::new();
    let mut x = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 20;
    for _ in 0..5 {
        s.push_str(syl[(x % 12) as usize]);
        x /= 12;
    }
    s.push_str(&format!("{}", i % 97));
    s
}

pub fn event(r: &mut Rng) -> String {
    let mut detail = Vec::new();
    for k in 0..STRING_FIELDS {
        detail.push(format!("\"s{k}\":\"{}\"", word(r.below(VOCAB))));
    }
    for k in 0..NUMBER_FIELDS {
        detail.push(format!(
            "\"n{k}\":{}.{:02}",
            r.below(1_000_000),
            r.below(100)
        ));
    }
    for k in 0..IP_FIELDS {
        detail.push(format!(
            "\"ip{k}\":\"10.{}.{}.{}\"",
            r.below(256),
            r.below(256),
            r.below(256)
        ));
    }
    detail.push(format!(
        "\"tags\":[{{\"key\":\"team\",\"value\":\"{}\"}},{{\"key\":\"env\",\"value\":\"prod\"}}]",
        word(r.below(100))
    ));
    format!(
        "{{\"version\":\"0\",\"id\":\"{:016x}-{:08x}\",\"detail-type\":\"Order {}\",\"source\":\"com.example.src{}\",\
         \"account\":\"{:012}\",\"time\":\"2026-11-29T18:{:02}:{:02}Z\",\"region\":\"eu-west-{}\",\
         \"resources\":[\"arn:aws:ec2:eu-west-1:123456789012:instance/i-{:012x}\"],\"detail\":{{{}}}}}",
        r.next(),
        r.next() as u32,
        word(r.below(20)),
        r.below(SOURCES),
        r.below(1_000_000_000_000),
        r.below(60),
        r.below(60),
        r.below(3),
        r.next() & 0xffff_ffff_ffff,
        detail.join(",")
    )
}

pub fn rule(r: &mut Rng, i: usize) -> String {
    match i % 6 {
        0 => format!(
            "{{\"detail\":{{\"s{}\":[\"{}\"]}}}}",
            r.below(STRING_FIELDS as u64),
            word(r.below(VOCAB))
        ),
        1 => {
            let w = word(r.below(VOCAB));
            format!("{{\"detail\":{{\"s{}\":[{{\"prefix\":\"{}\"}}]}}}}", r.below(STRING_FIELDS as u64), &w[..8])
        }
        2 => {
            let w = word(r.below(VOCAB));
            format!(
                "{{\"detail\":{{\"s{}\":[{{\"suffix\":\"{}\"}}]}}}}",
                r.below(STRING_FIELDS as u64),
                &w[w.len() - 7..]
            )
        }
        3 => {
            let lo = r.below(1_000_000);
            format!(
                "{{\"detail\":{{\"n{}\":[{{\"numeric\":[\">\",{lo},\"<=\",{}]}}]}}}}",
                r.below(NUMBER_FIELDS as u64),
                lo + 5
            )
        }
        4 => format!(
            "{{\"detail\":{{\"ip{}\":[{{\"cidr\":\"10.{}.{}.0/24\"}}]}}}}",
            r.below(IP_FIELDS as u64),
            r.below(256),
            r.below(256)
        ),
        _ => format!(
            "{{\"source\":[\"com.example.src{}\"],\"detail\":{{\"s{}\":[{{\"anything-but\":[\"{}\"]}}]}}}}",
            r.below(SOURCES),
            r.below(STRING_FIELDS as u64),
            word(r.below(VOCAB))
        ),
    }
}
