//! `compile`: arbitrary bytes as a pattern, checked by
//! `evmatch_testkit::compile::check`. Compiling must give `Ok` or a typed
//! [`evmatch::PatternError`] (never a panic) whose offset is at most the
//! input length and whose message is one non-empty line; the error formats
//! (`Display`, `annotate`) must not panic either. A pattern that compiles
//! is also built into a machine (plain and trusted-input) and run, with the
//! reference evaluator, over a few fixed events, which must agree. Tight
//! limits (length, depth, `$or` combinations, wildcard complexity) are
//! exercised on a second compile, chosen by the input's length.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = evmatch_testkit::compile::check(data) {
        panic!("{e}\npattern: {}", String::from_utf8_lossy(data));
    }
});
