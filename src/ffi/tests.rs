//! Rust-side round trips through the C ABI (the C tests in tests/c/ cover
//! every function and error path from C; these run under `cargo test`
//! without a C compiler): single events and the pointer-array batches here,
//! builder settings and rules files in `settings.rs`, the zero-copy batches
//! in `batches.rs`.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::ptr::{null, null_mut};

use super::batch::*;
use super::builder::*;
use super::error::evm_status::*;
use super::error::*;
use super::explain::*;
use super::live::*;
use super::machine::*;
use super::matching::*;
use super::scratch::*;
use crate::RuleId;

mod batches;
mod explain;
mod group;
mod settings;

#[test]
fn rule_ids_fit_in_u32() {
    assert_eq!(RuleId::LIMIT, u32::MAX as usize);
}

/// A machine with rules "a" (index 0) and "b" (index 1).
fn machine() -> *mut evm_machine {
    let mut b = null_mut();
    let mut m = null_mut();
    // SAFETY: all pointers are valid locals or live handles; the byte
    // buffers are valid for the lengths passed.
    unsafe {
        assert_eq!(evm_builder_new(&mut b), EVM_OK);
        for (name, pattern) in [("a", r#"{"x": [1]}"#), ("b", r#"{"y": ["z"]}"#)] {
            let st = evm_builder_add_rule(
                b,
                name.as_ptr(),
                name.len(),
                pattern.as_ptr(),
                pattern.len(),
                null_mut(),
            );
            assert_eq!(st, EVM_OK);
        }
        assert_eq!(evm_builder_build(b, &mut m), EVM_OK);
    }
    m
}

#[test]
fn match_and_errors() {
    let m = machine();
    let mut s = null_mut();
    let mut ids = [0u32; 4];
    let mut n = 0usize;
    let mut err: *mut evm_error = null_mut();
    let ev = br#"{"x": 1, "y": "z"}"#;
    let bad = br#"{"x": }"#;
    // SAFETY: live handles and valid local buffers with their true lengths.
    unsafe {
        assert_eq!(evm_scratch_new(m, &mut s), EVM_OK);
        let st = evm_match(
            m,
            s,
            ev.as_ptr(),
            ev.len(),
            ids.as_mut_ptr(),
            4,
            &mut n,
            &mut err,
        );
        assert_eq!((st, n, &ids[..2]), (EVM_OK, 2, &[0, 1][..]));
        let st = evm_match(
            m,
            s,
            ev.as_ptr(),
            ev.len(),
            ids.as_mut_ptr(),
            1,
            &mut n,
            &mut err,
        );
        assert_eq!((st, n), (EVM_BUFFER_TOO_SMALL, 2));
        assert!(err.is_null());

        let st = evm_match(
            m,
            s,
            bad.as_ptr(),
            bad.len(),
            null_mut(),
            0,
            &mut n,
            &mut err,
        );
        assert_eq!(st, EVM_EVENT_ERROR);
        assert_eq!(evm_error_status(err), EVM_EVENT_ERROR);
        assert_eq!(evm_error_kind(err), 1);
        assert_eq!(evm_error_offset(err), 6);
        assert!(!CStr::from_ptr(evm_error_message(err)).to_bytes().is_empty());
        evm_error_free(err);

        let mut name = null();
        let mut len = 0;
        assert_eq!(evm_machine_rule_name(m, 1, &mut name, &mut len), EVM_OK);
        assert_eq!(CStr::from_ptr(name).to_str(), Ok("b"));
        assert_eq!(len, 1);
        assert_eq!(
            evm_machine_rule_name(m, 2, &mut name, &mut len),
            EVM_INVALID_ARGUMENT
        );
        assert_eq!(
            evm_match(
                null(),
                s,
                ev.as_ptr(),
                ev.len(),
                null_mut(),
                0,
                &mut n,
                null_mut()
            ),
            EVM_NULL_ARGUMENT
        );
        evm_scratch_free(s);
        evm_machine_free(m);
    }
}

#[test]
fn pattern_error_details() {
    let mut b = null_mut();
    let mut err: *mut evm_error = null_mut();
    let pattern = r#"{"a": [{"prefix": 5}]}"#;
    // SAFETY: valid locals and buffers; the builder and error are live.
    unsafe {
        assert_eq!(evm_builder_new(&mut b), EVM_OK);
        let name = b"r\0x";
        let st = evm_builder_add_rule(
            b,
            name.as_ptr(),
            name.len(),
            pattern.as_ptr(),
            pattern.len(),
            &mut err,
        );
        assert_eq!(st, EVM_PATTERN_ERROR);
        assert_eq!(evm_error_status(err), EVM_PATTERN_ERROR);
        assert_eq!(
            CStr::from_ptr(evm_error_message(err)).to_str(),
            Ok("prefix match pattern must be a string")
        );
        assert_eq!(
            CStr::from_ptr(evm_error_rule(err)).to_str(),
            Ok("r\u{FFFD}x")
        );
        assert_eq!(evm_error_offset(err), 18);
        evm_error_free(err);

        let bad_name = [0xffu8];
        let st = evm_builder_add_rule(b, bad_name.as_ptr(), 1, pattern.as_ptr(), 1, null_mut());
        assert_eq!(st, EVM_INVALID_UTF8);
        evm_builder_free(b);
    }
}

#[test]
fn batch_and_callback() {
    let m = machine();
    let mut s = null_mut();
    let texts: [&[u8]; 3] = [br#"{"x": 1}"#, b"nope", br#"{"x": 1, "y": "z"}"#];
    let ptrs: Vec<*const u8> = texts.iter().map(|t| t.as_ptr()).collect();
    let lens: Vec<usize> = texts.iter().map(|t| t.len()).collect();
    let mut ids = [0u32; 8];
    let mut offsets = [0usize; 4];
    let mut status = [0i32; 3];
    let mut needed = 0;

    extern "C" fn count(ctx: *mut c_void, _rule: u32) -> c_int {
        // SAFETY: `ctx` is the `&mut usize` passed below.
        unsafe { *ctx.cast::<usize>() += 1 };
        0
    }
    let mut calls = 0usize;

    // SAFETY: live handles; every buffer is valid for the count passed.
    unsafe {
        assert_eq!(evm_scratch_new(m, &mut s), EVM_OK);
        for _ in 0..2 {
            let st = evm_match_batch(
                m,
                s,
                ptrs.as_ptr(),
                lens.as_ptr(),
                3,
                ids.as_mut_ptr(),
                8,
                offsets.as_mut_ptr(),
                status.as_mut_ptr(),
                &mut needed,
            );
            assert_eq!(st, EVM_OK);
            assert_eq!(offsets, [0, 1, 1, 3]);
            assert_eq!(&ids[..3], &[0, 0, 1]);
            assert_eq!(status, [0, EVM_EVENT_ERROR as i32, 0]);
            assert_eq!(needed, 3);
        }
        let st = evm_match_cb(
            m,
            s,
            texts[2].as_ptr(),
            texts[2].len(),
            Some(count),
            (&mut calls as *mut usize).cast(),
            null_mut(),
        );
        assert_eq!((st, calls), (EVM_OK, 2));
        evm_scratch_free(s);
        evm_machine_free(m);
    }
}

#[test]
fn version_and_nulls() {
    // SAFETY: the version is a static C string; the rest are NULL handles,
    // which every function accepts.
    unsafe {
        assert_eq!(CStr::from_ptr(evm_version()).to_str(), Ok(crate::VERSION));
        assert_eq!(evm_builder_new(null_mut()), EVM_NULL_ARGUMENT);
        assert_eq!(evm_error_kind(null()), 0);
        assert_eq!(CStr::from_ptr(evm_error_path(null())).to_bytes(), b"");
        evm_builder_free(null_mut());
        evm_machine_free(null_mut());
        evm_scratch_free(null_mut());
        evm_error_free(null_mut());
    }
}
