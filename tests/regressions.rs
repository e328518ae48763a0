//! Replays the fuzz regression inputs in `testdata/fuzz-regressions/`
//! (see its README) with the checks of the fuzz targets in `fuzz/`, taken
//! from `evmatch_testkit`:
//!
//! * `compile/*`: the bytes as a pattern (`compile::check`): `Ok` or a
//!   typed error that holds up, also under tight limits; a compiled
//!   pattern matches a few fixed events as the reference evaluator says.
//! * `scan/*`: the bytes as an event, against the `scan` target's rule set
//!   (`scan::RULES`): valid-object-or-not agrees with serde_json; the
//!   machine agrees with the reference; the trusted-input machine does not
//!   panic and agrees on events that keep the trusted-input promise.
//! * `differential/*` and `ffi/*`: a case in raw mode (`Case`: `0xFF`, then
//!   `r` NAME-BYTE PATTERN and `e` EVENT segments separated by `0x00`):
//!   the machine, the trusted-input machine (`differential::check`) and
//!   (for `ffi/`) the C ABI agree with the reference.
//!
//! Every case runs even when an earlier one fails; the test then lists the
//! failures. An empty directory (only the README) passes.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use evmatch::{EventErrorKind, Pattern};
use evmatch_testkit::compare::{sorted, Answer};
use evmatch_testkit::{compile, differential, scan, Case};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fuzz-regressions")
}

/// The case files of one target (not the READMEs), sorted.
fn cases(target: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir().join(target)) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            !name.starts_with("README") && !name.starts_with('.')
        })
        .collect();
    v.sort();
    v
}

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let mut failures = Vec::new();
    let files = cases(target);
    for path in &files {
        let data = std::fs::read(path).unwrap();
        if let Err(e) = catch_unwind(AssertUnwindSafe(|| check(&data))) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{}: {msg}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {target} regressions fail:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    eprintln!("{target}: {} regression inputs pass", files.len());
    files.len()
}

fn check_compile(data: &[u8]) {
    compile::check(data).unwrap_or_else(|e| panic!("{e}"));
}

fn check_scan(data: &[u8]) {
    static FIXTURE: OnceLock<scan::Fixture> = OnceLock::new();
    let ours = FIXTURE
        .get_or_init(scan::Fixture::new)
        .check(data)
        .unwrap_or_else(|e| panic!("{e}"));
    // serde_json as built for the tests has a nesting limit of 127 and
    // rejects numbers beyond f64 (the fuzz target builds it without both);
    // its verdict is skipped for such input.
    let serde = serde_json::from_slice::<serde_json::Value>(data);
    let serde_unsure = matches!(&serde, Err(e)
        if e.to_string().contains("recursion limit") || e.to_string().contains("number out of range"));
    if !serde_unsure {
        match (&ours, &serde) {
            (Ok(_), Ok(v)) => assert!(v.is_object()),
            (Err(e), Ok(v)) if e.kind() == EventErrorKind::NotAnObject => assert!(!v.is_object()),
            (Err(e), Err(_)) => assert_ne!(e.kind(), EventErrorKind::NotAnObject),
            _ => panic!("evmatch {ours:?}, serde_json {serde:?}"),
        }
    }
}

/// A case in the raw mode of `evmatch_testkit::Case`.
fn raw_case(data: &[u8]) -> Case {
    let Some((0xFF, rest)) = data.split_first() else {
        panic!("not a raw-mode case (must start with 0xFF)");
    };
    Case::from_raw(rest)
}

/// Machine, trusted machine and reference on a raw case; gives the
/// reference's answers, for the C ABI check.
fn check_differential(data: &[u8]) -> Vec<Answer> {
    let case = raw_case(data);
    differential::check(&case).unwrap_or_else(|e| panic!("{e}\n--- case ---\n{}", case.describe()))
}

mod c {
    #![allow(non_camel_case_types)]
    use std::ffi::c_void;
    pub type H = *mut c_void;
    extern "C" {
        pub fn evm_builder_new(out: *mut H) -> i32;
        pub fn evm_builder_add_rule(
            b: H,
            name: *const u8,
            name_len: usize,
            p: *const u8,
            p_len: usize,
            err_out: *mut H,
        ) -> i32;
        pub fn evm_builder_build(b: H, out: *mut H) -> i32;
        pub fn evm_machine_free(m: H);
        pub fn evm_machine_rule_count(m: H, out: *mut usize) -> i32;
        pub fn evm_machine_rule_name(
            m: H,
            i: usize,
            ptr_out: *mut *const u8,
            len_out: *mut usize,
        ) -> i32;
        pub fn evm_scratch_new(m: H, out: *mut H) -> i32;
        pub fn evm_scratch_free(s: H);
        pub fn evm_match(
            m: H,
            s: H,
            ev: *const u8,
            len: usize,
            ids: *mut u32,
            cap: usize,
            n_out: *mut usize,
            err_out: *mut H,
        ) -> i32;
        pub fn evm_match_batch(
            m: H,
            s: H,
            events: *const *const u8,
            lens: *const usize,
            n: usize,
            ids: *mut u32,
            cap: usize,
            offsets: *mut usize,
            status: *mut i32,
            needed: *mut usize,
        ) -> i32;
        pub fn evm_error_free(e: H);
    }
}

fn check_ffi(data: &[u8]) {
    let answers = check_differential(data);
    let Case { rules, events } = raw_case(data);
    // SAFETY: every call follows include/evmatch.h; buffers are sized as
    // passed.
    unsafe {
        let mut b = std::ptr::null_mut();
        assert_eq!(c::evm_builder_new(&mut b), 0);
        for (name, p) in &rules {
            let mut err = std::ptr::null_mut();
            let st = c::evm_builder_add_rule(
                b,
                name.as_ptr(),
                name.len(),
                p.as_ptr(),
                p.len(),
                &mut err,
            );
            assert_eq!(st == 0, Pattern::parse(p).is_ok(), "status {st}");
            c::evm_error_free(err);
        }
        let mut m = std::ptr::null_mut();
        assert_eq!(c::evm_builder_build(b, &mut m), 0);
        let mut count = 0;
        assert_eq!(c::evm_machine_rule_count(m, &mut count), 0);
        let names: Vec<String> = (0..count)
            .map(|i| {
                let (mut p, mut len) = (std::ptr::null(), 0);
                assert_eq!(c::evm_machine_rule_name(m, i, &mut p, &mut len), 0);
                String::from_utf8(std::slice::from_raw_parts(p, len).to_vec()).unwrap()
            })
            .collect();
        let to_names = |ids: &[u32]| sorted(ids.iter().map(|&i| names[i as usize].as_str()));
        let mut s = std::ptr::null_mut();
        assert_eq!(c::evm_scratch_new(m, &mut s), 0);
        for (ev, want) in events.iter().zip(&answers) {
            let mut ids = vec![0u32; count];
            let mut n = 0;
            let mut err = std::ptr::null_mut();
            let st = c::evm_match(
                m,
                s,
                ev.as_ptr(),
                ev.len(),
                ids.as_mut_ptr(),
                count,
                &mut n,
                &mut err,
            );
            match want {
                Ok(w) => {
                    let got = to_names(&ids[..n]);
                    assert!(
                        st == 0 && &got == w,
                        "evm_match {st} {got:?}, reference {w:?}"
                    );
                }
                Err(_) => assert_eq!(st, 2),
            }
            c::evm_error_free(err);
        }
        let ptrs: Vec<*const u8> = events.iter().map(|e| e.as_ptr()).collect();
        let lens: Vec<usize> = events.iter().map(|e| e.len()).collect();
        let cap = count * events.len();
        let mut ids = vec![0u32; cap];
        let mut offsets = vec![0usize; events.len() + 1];
        let mut status = vec![0i32; events.len()];
        let mut needed = 0;
        let st = c::evm_match_batch(
            m,
            s,
            ptrs.as_ptr(),
            lens.as_ptr(),
            events.len(),
            ids.as_mut_ptr(),
            cap,
            offsets.as_mut_ptr(),
            status.as_mut_ptr(),
            &mut needed,
        );
        assert_eq!(st, 0);
        for (i, want) in answers.iter().enumerate() {
            let got = to_names(&ids[offsets[i]..offsets[i + 1]]);
            match want {
                Ok(w) => assert!(
                    status[i] == 0 && &got == w,
                    "batch event {i}: {} {got:?}, reference {w:?}",
                    status[i]
                ),
                Err(_) => assert_eq!((status[i], got.len()), (2, 0), "batch event {i}"),
            }
        }
        assert_eq!(needed, offsets[events.len()]);
        c::evm_scratch_free(s);
        c::evm_machine_free(m);
    }
}

#[test]
fn compile_regressions() {
    replay("compile", check_compile);
}

#[test]
fn scan_regressions() {
    replay("scan", check_scan);
}

#[test]
fn differential_regressions() {
    replay("differential", |data| {
        check_differential(data);
    });
}

#[test]
fn ffi_regressions() {
    replay("ffi", check_ffi);
}

#[test]
fn only_known_targets() {
    // A case put in a misspelled directory would never run.
    let Ok(entries) = std::fs::read_dir(dir()) else {
        return;
    };
    for e in entries {
        let e = e.unwrap();
        if e.path().is_dir() {
            let name = e.file_name().to_string_lossy().into_owned();
            assert!(
                ["compile", "scan", "differential", "ffi"].contains(&name.as_str()),
                "unknown directory testdata/fuzz-regressions/{name}"
            );
        }
    }
}
