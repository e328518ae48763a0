//! Writes the CityLots events, one JSON object a line, for benches outside
//! Rust (the Python and Node bench scripts) and anyone who wants the file:
//!
//! `cargo run --release --example gen_citylots -- OUT.jsonl [COUNT]`
//!
//! COUNT defaults to the full 213,068 events (180 MB); any COUNT gives the
//! first COUNT events of the full file. The full file is checked against its
//! recorded SHA-256 (as the Rust benches check it when they generate it).
#[path = "../benches/common/mod.rs"]
mod common;

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: gen_citylots OUT.jsonl [COUNT]";
    let (out, count) = match args.as_slice() {
        [out] => (out, common::citylots::EVENTS),
        [out, count] => match count.parse() {
            Ok(n) => (out, n),
            Err(_) => {
                eprintln!("{usage}\nCOUNT must be a number, not {count:?}");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    let out = std::path::Path::new(out);
    if count == common::citylots::EVENTS {
        common::generate(out);
        return ExitCode::SUCCESS;
    }
    let result = std::fs::File::create(out).and_then(|f| {
        let mut w = std::io::BufWriter::new(f);
        common::citylots::write_events(&mut w, count)?;
        w.flush()
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: {e}", out.display());
            ExitCode::FAILURE
        }
    }
}
