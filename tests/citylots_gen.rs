//! The CityLots generator (`benches/common/citylots.rs`) writes the bytes of
//! the Python program it reproduces. The digests below were computed with
//! that program:
//!
//! ```sh
//! python3 gen_citylots2.py first.jsonl 20000 && sha256sum first.jsonl
//! python3 gen_citylots2.py full.jsonl && sha256sum full.jsonl
//! ```
//!
//! The full file's digest is `common::FULL_SHA256`, checked by the benches
//! whenever they generate the file, and by the ignored test below
//! (`cargo test --release --test citylots_gen -- --ignored`).

#[path = "../benches/common/mod.rs"]
mod common;

use common::citylots::{write_events, write_float, EVENTS};
use common::{hex, FULL_SHA256};
use sha2::{Digest, Sha256};

/// SHA-256 of the first 20,000 events (16.9 MB), which a debug build writes
/// in a few seconds.
const FIRST_20000_SHA256: &str = "64aeea86141a733ab0731548c7008ef9b301f50dcc22a9fb1f1665f002b819aa";

fn digest(count: usize) -> String {
    let mut out = Vec::new();
    write_events(&mut out, count).unwrap();
    hex(&Sha256::digest(&out))
}

#[test]
fn first_events_are_those_of_the_original() {
    assert_eq!(digest(20_000), FIRST_20000_SHA256);
}

#[test]
#[ignore = "writes 180 MB; run with --release --ignored"]
fn full_file_is_that_of_the_original() {
    assert_eq!(digest(EVENTS), FULL_SHA256);
}

/// Floats as Python's `repr` writes them (the right column was printed by
/// `python3 -c 'print(repr(v))'`), exponent forms included.
#[test]
fn floats_are_written_as_python_writes_them() {
    let cases: &[(f64, &str)] = &[
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1.0, "1.0"),
        (-122.5, "-122.5"),
        (37.0, "37.0"),
        (1e16, "1e+16"),
        (1e15, "1000000000000000.0"),
        (123456789012345678.0, "1.2345678901234568e+17"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (1.5e-05, "1.5e-05"),
        (-3e-4, "-0.0003"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (2.5e-300, "2.5e-300"),
        (0.1, "0.1"),
        (1.0 / 3.0, "0.3333333333333333"),
        (9007199254740992.0, "9007199254740992.0"),
        (1e22, "1e+22"),
        (123456780000000.0, "123456780000000.0"),
        (0.000123, "0.000123"),
        (-122.42134725620248, "-122.42134725620248"),
    ];
    for &(v, want) in cases {
        let mut out = Vec::new();
        write_float(&mut out, v);
        assert_eq!(String::from_utf8(out).unwrap(), want, "{v:e}");
    }
}
