//! `scan`: arbitrary bytes as an event, against a fixed rule set that uses
//! every operator (`evmatch_testkit::scan::RULES`). Matching must give `Ok`
//! or a typed [`evmatch::EventError`] (never a panic) with an offset at
//! most the input length, and the verdict "valid JSON object or not" must
//! agree with serde_json:
//!
//! * `Ok`: serde_json parses the bytes to an object;
//! * `NotAnObject`: serde_json parses them to something else;
//! * `Syntax` or `TooDeep`: serde_json rejects them.
//!
//! serde_json's own nesting limit rejects 128 levels where evmatch (default
//! event depth 128) accepts them, so the bytes are re-parsed without that
//! limit when evmatch accepted them (they are then at most 128 deep). The
//! same bytes also go through the reference evaluator (same verdict and
//! matches) and a `trusted_input(true)` machine (no panic; same matches on
//! valid events without a repeated member name): `scan::Fixture::check`.
#![no_main]

use std::sync::OnceLock;

use evmatch::EventErrorKind;
use evmatch_testkit::scan::Fixture;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    let show = || String::from_utf8_lossy(data).into_owned();
    // The reference agrees on the verdict and the matches, and so does the
    // trusted-input machine on events that keep the promise.
    let ours = FIXTURE
        .get_or_init(Fixture::new)
        .check(data)
        .unwrap_or_else(|e| panic!("{e}: {}", show()));
    match &ours {
        Ok(_) => {
            // Accepted, so at most 128 deep: parse without serde's limit.
            let mut de = serde_json::Deserializer::from_slice(data);
            de.disable_recursion_limit();
            let v = serde::Deserialize::deserialize(&mut de)
                .and_then(|v: serde_json::Value| de.end().map(|()| v));
            match v {
                Ok(v) if v.is_object() => {}
                other => panic!("evmatch accepts, serde_json says {other:?}: {}", show()),
            }
        }
        Err(e) => {
            let serde = serde_json::from_slice::<serde_json::Value>(data);
            match e.kind() {
                EventErrorKind::NotAnObject => match &serde {
                    Ok(v) if !v.is_object() => {}
                    _ => panic!(
                        "evmatch says not an object, serde_json {serde:?}: {}",
                        show()
                    ),
                },
                _ => {
                    if let Ok(v) = &serde {
                        panic!("evmatch rejects ({e:?}), serde_json parses {v}: {}", show());
                    }
                }
            }
        }
    }
});
