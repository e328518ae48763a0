//! `scan`: arbitrary bytes as an event, against a fixed rule set that uses
//! every operator. Matching must give `Ok` or a typed
//! [`evmatch::EventError`] (never a panic) with an offset at most the input
//! length, and the verdict "valid JSON object or not" must agree with
//! serde_json:
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
//! valid events without a repeated member name).
#![no_main]

use std::sync::OnceLock;

use evmatch::reference::Reference;
use evmatch::{EventErrorKind, Machine};
use libfuzzer_sys::fuzz_target;

mod promise;

include!("scan_rules.rs");

struct Fixture {
    machine: Machine,
    trusted: Machine,
    reference: Reference,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let mut b = Machine::builder();
        let mut t = Machine::builder();
        t.trusted_input(true);
        let mut r = Reference::new();
        for (name, p) in RULES {
            b.add_rule(name, p)
                .unwrap_or_else(|e| panic!("rule {name}: {e}"));
            t.add_rule(name, p).unwrap();
            r.add_rule(name, p).unwrap();
        }
        Fixture {
            machine: b.build(),
            trusted: t.build(),
            reference: r,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let ours = f.machine.matches(data);
    let show = || String::from_utf8_lossy(data).into_owned();
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
            assert!(e.offset() <= data.len(), "offset past the end: {e:?}");
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
    // The reference agrees on the verdict and the matches.
    let want = f.reference.matches(data);
    match (&ours, &want) {
        (Ok(g), Ok(w)) => {
            let mut g: Vec<&str> = g.clone();
            g.sort_unstable();
            assert_eq!(g, *w, "machine vs reference: {}", show());
        }
        (Err(g), Err(w)) => assert!(
            (g.kind(), g.offset()) == (w.kind(), w.offset()),
            "error kind/offset: machine {g:?}, reference {w:?}: {}",
            show()
        ),
        _ => panic!("machine {ours:?}, reference {want:?}: {}", show()),
    }
    // Trusted mode: never a panic; same matches when the event keeps the
    // trusted-input promise.
    let t = f.trusted.matches(data);
    if let (Ok(g), true) = (&ours, promise::kept(data)) {
        assert_eq!(t.as_ref().ok(), Some(g), "trusted vs plain: {}", show());
    }
});
