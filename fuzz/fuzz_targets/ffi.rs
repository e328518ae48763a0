//! `ffi`: the generated cases of `differential` (see `gen.rs`) through the
//! C ABI. The `evm_*` functions are declared here in an `extern "C"` block
//! and resolved from the evmatch crate (a path dependency), exactly as a C
//! program calls them. Rules go through `evm_builder_add_rule` (pattern
//! errors are checked through every `evm_error_*` accessor), events through
//! `evm_match` (also with a buffer one too small), `evm_match_cb` (also
//! stopping early) and `evm_match_batch` (also with a buffer one too small
//! and without `status_out`); every answer is compared with the reference
//! evaluator.
//!
//! The zero-copy batches must answer each row as the calls above do:
//! `evm_match_batch_offsets32` / `64` over the events laid out as a sliced
//! Arrow array with drawn nulls (a null row empty, `EVM_NULL_EVENT`), and
//! over drawn offsets arrays (negative, decreasing, beyond the buffer:
//! refused with nothing written); `evm_match_lines` over the events joined
//! by drawn line endings (each line's answer, line number and byte range,
//! checked against a splitter written here). `evm_group_matches` groups
//! the batch's outputs as a linear search does, and refuses drawn offsets
//! that are out of order or beyond the ids. Rules files: the case's rules
//! as a file (patterns as strings, or as their own text), and the raw
//! input bytes, through `evm_builder_add_rules_json` give the verdict and
//! error details of `MachineBuilder::add_rules_json`, add nothing on error
//! and match alike on success. A machine with
//! `evm_builder_set_trusted_input` never fails and answers as the reference
//! on events that keep the trusted-input contract (valid JSON without
//! repeated member names).
//!
//! For one input in four, the case also goes through the live C ABI
//! (`evm_live_new` from a builder holding the first half of the rules,
//! `evm_live_add_rule` for the rest, `evm_live_remove_rule` of every other
//! name, `evm_live_replace_rules`, `evm_live_info`), with
//! `evm_live_match_batch` compared with the reference after each stage.
#![no_main]

use evmatch_testkit as gen;

use std::ffi::{c_char, c_int, c_void, CStr};
use std::ptr;

use evmatch::reference::Reference;
use libfuzzer_sys::fuzz_target;

/// `evm_line_span`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct LineSpan {
    line: usize,
    start: usize,
    end: usize,
}
#[repr(C)]
struct Builder {
    _p: [u8; 0],
}
#[repr(C)]
struct MachineH {
    _p: [u8; 0],
}
#[repr(C)]
struct ScratchH {
    _p: [u8; 0],
}
#[repr(C)]
struct ErrorH {
    _p: [u8; 0],
}
#[repr(C)]
struct LiveH {
    _p: [u8; 0],
}

type LiveCallback = Option<unsafe extern "C" fn(*mut c_void, usize, *const c_char, usize) -> c_int>;

const EVM_OK: i32 = 0;
const EVM_PATTERN_ERROR: i32 = 1;
const EVM_EVENT_ERROR: i32 = 2;
const EVM_BUFFER_TOO_SMALL: i32 = 5;
const EVM_INVALID_ARGUMENT: i32 = 6;
const EVM_RULES_FILE_ERROR: i32 = 8;
const EVM_NULL_EVENT: i32 = 9;
/// `evm_rules_file_error_kind`.
const EVM_RULES_FILE_ERROR_SYNTAX: u32 = 1;
const EVM_RULES_FILE_ERROR_NOT_RULES: u32 = 2;

type ExplainFn = unsafe extern "C" fn(
    *const MachineH,
    usize,
    *const u8,
    usize,
    *mut *mut c_char,
    *mut *mut ErrorH,
) -> i32;

type Callback = Option<unsafe extern "C" fn(*mut c_void, u32) -> c_int>;

extern "C" {
    fn evm_builder_new(out: *mut *mut Builder) -> i32;
    fn evm_builder_add_rule(
        b: *mut Builder,
        name: *const u8,
        name_len: usize,
        pattern: *const u8,
        pattern_len: usize,
        err_out: *mut *mut ErrorH,
    ) -> i32;
    fn evm_builder_add_rules_json(
        b: *mut Builder,
        text: *const u8,
        text_len: usize,
        err_out: *mut *mut ErrorH,
    ) -> i32;
    fn evm_builder_set_trusted_input(b: *mut Builder, trusted: c_int) -> i32;
    fn evm_builder_build(b: *mut Builder, out: *mut *mut MachineH) -> i32;
    fn evm_machine_free(m: *mut MachineH);
    fn evm_machine_rule_count(m: *const MachineH, out: *mut usize) -> i32;
    fn evm_machine_rule_name(
        m: *const MachineH,
        index: usize,
        ptr_out: *mut *const c_char,
        len_out: *mut usize,
    ) -> i32;
    fn evm_scratch_new(m: *const MachineH, out: *mut *mut ScratchH) -> i32;
    fn evm_scratch_free(s: *mut ScratchH);
    fn evm_match(
        m: *const MachineH,
        s: *mut ScratchH,
        ev: *const u8,
        ev_len: usize,
        ids_out: *mut u32,
        ids_cap: usize,
        n_out: *mut usize,
        err_out: *mut *mut ErrorH,
    ) -> i32;
    fn evm_match_cb(
        m: *const MachineH,
        s: *mut ScratchH,
        ev: *const u8,
        ev_len: usize,
        cb: Callback,
        ctx: *mut c_void,
        err_out: *mut *mut ErrorH,
    ) -> i32;
    fn evm_match_batch(
        m: *const MachineH,
        s: *mut ScratchH,
        events: *const *const u8,
        lens: *const usize,
        n_events: usize,
        ids_out: *mut u32,
        ids_cap: usize,
        offsets_out: *mut usize,
        status_out: *mut i32,
        needed_out: *mut usize,
    ) -> i32;
    fn evm_match_batch_offsets32(
        m: *const MachineH,
        s: *mut ScratchH,
        data: *const u8,
        data_len: usize,
        offsets: *const i32,
        n_events: usize,
        validity: *const u8,
        validity_offset: usize,
        ids_out: *mut u32,
        ids_cap: usize,
        offsets_out: *mut usize,
        status_out: *mut i32,
        needed_out: *mut usize,
    ) -> i32;
    fn evm_match_batch_offsets64(
        m: *const MachineH,
        s: *mut ScratchH,
        data: *const u8,
        data_len: usize,
        offsets: *const i64,
        n_events: usize,
        validity: *const u8,
        validity_offset: usize,
        ids_out: *mut u32,
        ids_cap: usize,
        offsets_out: *mut usize,
        status_out: *mut i32,
        needed_out: *mut usize,
    ) -> i32;
    fn evm_match_lines(
        m: *const MachineH,
        s: *mut ScratchH,
        data: *const u8,
        data_len: usize,
        ids_out: *mut u32,
        ids_cap: usize,
        offsets_out: *mut usize,
        status_out: *mut i32,
        spans_out: *mut LineSpan,
        events_cap: usize,
        n_events_out: *mut usize,
        needed_out: *mut usize,
    ) -> i32;
    fn evm_group_matches(
        ids: *const u32,
        ids_len: usize,
        offsets: *const usize,
        n_events: usize,
        group_out: *mut u32,
        first_out: *mut usize,
        n_groups_out: *mut usize,
    ) -> i32;
    fn evm_explain(
        m: *const MachineH,
        rule: usize,
        ev: *const u8,
        len: usize,
        text_out: *mut *mut c_char,
        err_out: *mut *mut ErrorH,
    ) -> i32;
    fn evm_explain_tree(
        m: *const MachineH,
        rule: usize,
        ev: *const u8,
        len: usize,
        text_out: *mut *mut c_char,
        err_out: *mut *mut ErrorH,
    ) -> i32;
    fn evm_text_free(t: *mut c_char);
    fn evm_error_status(e: *const ErrorH) -> i32;
    fn evm_error_kind(e: *const ErrorH) -> u32;
    fn evm_error_message(e: *const ErrorH) -> *const c_char;
    fn evm_error_path(e: *const ErrorH) -> *const c_char;
    fn evm_error_offset(e: *const ErrorH) -> usize;
    fn evm_error_rule(e: *const ErrorH) -> *const c_char;
    fn evm_error_line(e: *const ErrorH) -> usize;
    fn evm_error_column(e: *const ErrorH) -> usize;
    fn evm_error_free(e: *mut ErrorH);
    fn evm_live_new(b: *mut Builder, out: *mut *mut LiveH) -> i32;
    fn evm_live_free(l: *mut LiveH);
    fn evm_live_add_rule(
        l: *const LiveH,
        name: *const u8,
        name_len: usize,
        pattern: *const u8,
        pattern_len: usize,
        err_out: *mut *mut ErrorH,
        version_out: *mut u64,
    ) -> i32;
    fn evm_live_remove_rule(
        l: *const LiveH,
        name: *const u8,
        name_len: usize,
        removed_out: *mut c_int,
        version_out: *mut u64,
    ) -> i32;
    fn evm_live_replace_rules(
        l: *const LiveH,
        names: *const *const u8,
        name_lens: *const usize,
        patterns: *const *const u8,
        pattern_lens: *const usize,
        n: usize,
        err_out: *mut *mut ErrorH,
        version_out: *mut u64,
    ) -> i32;
    fn evm_live_info(l: *const LiveH, count_out: *mut usize, version_out: *mut u64) -> i32;
    fn evm_live_scratch_new(l: *const LiveH, out: *mut *mut ScratchH) -> i32;
    fn evm_live_match_batch(
        l: *const LiveH,
        s: *mut ScratchH,
        events: *const *const u8,
        lens: *const usize,
        n_events: usize,
        cb: LiveCallback,
        ctx: *mut c_void,
        status_out: *mut i32,
        version_out: *mut u64,
    ) -> i32;
}

fuzz_target!(|data: &[u8]| {
    let case = gen::Case::from_fuzz(data);
    let mut bits = Bits::new(data);
    // SAFETY: the calls below follow the contracts in include/evmatch.h.
    unsafe { check(&case, &mut bits) };
    // SAFETY: as above.
    unsafe { check_rules_file(&case, &case_rules_file(&case, &mut bits)) };
    // SAFETY: as above.
    unsafe { check_rules_file(&case, data) };
    // SAFETY: as above.
    unsafe { check_trusted(&case) };
    if data.iter().fold(0u8, |a, &b| a.wrapping_add(b)) % 4 == 1 {
        // SAFETY: as above.
        unsafe { check_live(&case) };
    }
});

/// Choices drawn from the input bytes (a simple generator seeded by them),
/// for the layouts of the zero-copy batches.
struct Bits(u64);

impl Bits {
    fn new(data: &[u8]) -> Bits {
        Bits(data.iter().fold(0x9E37_79B9_7F4A_7C15u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x1000_0000_01B3)
        }))
    }

    fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.0 | 1;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn fail(case: &gen::Case, what: String) -> ! {
    case.dump();
    panic!("{what}\n--- case ---\n{}", case.describe());
}

unsafe fn cstr<'a>(p: *const c_char) -> &'a str {
    assert!(!p.is_null());
    CStr::from_ptr(p).to_str().expect("C string not UTF-8")
}

/// Collects rule indexes; `limit` stops the calls after that many.
struct Collect {
    ids: Vec<u32>,
    limit: usize,
}

unsafe extern "C" fn collect(ctx: *mut c_void, id: u32) -> c_int {
    let c = &mut *(ctx as *mut Collect);
    c.ids.push(id);
    c_int::from(c.ids.len() >= c.limit)
}

unsafe fn check(case: &gen::Case, bits: &mut Bits) {
    let mut reference = Reference::new();
    // The same rules through the Rust API: the C error details must be the
    // Rust API's.
    let mut rust = evmatch::Machine::builder();
    let mut b = ptr::null_mut();
    assert_eq!(evm_builder_new(&mut b), EVM_OK);
    for (name, p) in &case.rules {
        let want = reference.add_rule(name, p);
        let _ = rust.add_rule(name, p);
        let mut err = ptr::null_mut();
        let st = evm_builder_add_rule(b, name.as_ptr(), name.len(), p.as_ptr(), p.len(), &mut err);
        match (&want, st) {
            (Ok(()), EVM_OK) => assert!(err.is_null()),
            (Err(w), EVM_PATTERN_ERROR) => {
                assert!(!err.is_null());
                assert_eq!(evm_error_status(err), EVM_PATTERN_ERROR);
                assert_eq!(evm_error_kind(err), w.kind().code());
                assert_eq!(evm_error_offset(err), w.offset());
                // NUL bytes in the message are shown as U+FFFD.
                assert_eq!(
                    cstr(evm_error_message(err)),
                    w.message().replace('\0', "\u{FFFD}")
                );
                assert_eq!(
                    cstr(evm_error_path(err)),
                    w.path().replace('\0', "\u{FFFD}")
                );
                assert_eq!(cstr(evm_error_rule(err)), name.replace('\0', "\u{FFFD}"));
                evm_error_free(err);
            }
            _ => fail(case, format!("add_rule: C status {st}, reference {want:?}")),
        }
    }
    let mut m = ptr::null_mut();
    assert_eq!(evm_builder_build(b, &mut m), EVM_OK);
    let mut count = 0usize;
    assert_eq!(evm_machine_rule_count(m, &mut count), EVM_OK);
    let names: Vec<String> = (0..count)
        .map(|i| {
            let (mut p, mut len) = (ptr::null(), 0usize);
            assert_eq!(evm_machine_rule_name(m, i, &mut p, &mut len), EVM_OK);
            let bytes = std::slice::from_raw_parts(p.cast::<u8>(), len);
            assert_eq!(*p.cast::<u8>().add(len), 0, "name not NUL-terminated");
            String::from_utf8(bytes.to_vec()).unwrap()
        })
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), names.len(), "rule names repeat: {names:?}");
    let to_names = |ids: &[u32]| -> Vec<String> {
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "ids not ascending: {ids:?}"
        );
        let mut v: Vec<String> = ids.iter().map(|&i| names[i as usize].clone()).collect();
        v.sort();
        v
    };
    let mut s = ptr::null_mut();
    assert_eq!(evm_scratch_new(m, &mut s), EVM_OK);
    let rust = rust.build();

    let mut expected: Vec<Option<Vec<String>>> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    for (i, ev) in case.events.iter().enumerate() {
        let want = reference.matches(ev);
        // evm_match with room for every rule.
        let mut ids = vec![u32::MAX; count];
        let mut n = usize::MAX;
        let mut err = ptr::null_mut();
        let st = evm_match(
            m,
            s,
            ev.as_ptr(),
            ev.len(),
            ids.as_mut_ptr(),
            count,
            &mut n,
            &mut err,
        );
        let matched = if st == EVM_OK { n } else { 0 };
        match (&want, st) {
            (Ok(w), EVM_OK) => {
                assert!(err.is_null());
                let got = to_names(&ids[..n]);
                if &got != w {
                    fail(
                        case,
                        format!("event {i}: evm_match {got:?}, reference {w:?}"),
                    );
                }
                // One slot too few.
                if n > 0 {
                    let mut small = vec![u32::MAX; n - 1];
                    let mut n2 = 0usize;
                    let st = evm_match(
                        m,
                        s,
                        ev.as_ptr(),
                        ev.len(),
                        small.as_mut_ptr(),
                        n - 1,
                        &mut n2,
                        ptr::null_mut(),
                    );
                    assert_eq!((st, n2), (EVM_BUFFER_TOO_SMALL, n));
                    assert!(small.iter().all(|&x| x == u32::MAX), "written on too small");
                }
            }
            (Err(w), EVM_EVENT_ERROR) => {
                assert_eq!(n, usize::MAX, "n_out written on error");
                assert!(!err.is_null());
                let r = rust
                    .matches(ev)
                    .expect_err("Rust API accepts what the C ABI rejects");
                assert_eq!(evm_error_status(err), EVM_EVENT_ERROR);
                assert_eq!(evm_error_kind(err), w.kind().code());
                assert_eq!(evm_error_kind(err), r.kind().code());
                assert_eq!(evm_error_offset(err), r.offset());
                assert_eq!(
                    cstr(evm_error_message(err)),
                    r.message().replace('\0', "\u{FFFD}")
                );
                assert!(evm_error_offset(err) <= ev.len());
                assert_eq!(cstr(evm_error_path(err)), "");
                assert_eq!(cstr(evm_error_rule(err)), "");
                let _ = cstr(evm_error_message(err));
                evm_error_free(err);
            }
            _ => fail(
                case,
                format!("event {i}: evm_match status {st}, reference {want:?}"),
            ),
        }
        // evm_explain and evm_explain_tree for every rule: the verdict is
        // evm_match's, and an invalid event the same error.
        let matched_names: Option<Vec<String>> = (st == EVM_OK).then(|| to_names(&ids[..n]));
        for rule in 0..count {
            for (tree, f) in [(false, evm_explain as ExplainFn), (true, evm_explain_tree)] {
                let mut text = ptr::null_mut();
                let mut err = ptr::null_mut();
                let st = f(m, rule, ev.as_ptr(), ev.len(), &mut text, &mut err);
                match (&matched_names, st) {
                    (Some(got), EVM_OK) => {
                        assert!(err.is_null() && !text.is_null());
                        let t = cstr(text);
                        let verdict = if tree {
                            !t.lines().next().unwrap().ends_with("did not match")
                        } else {
                            let v: serde_json::Value = serde_json::from_str(&t).unwrap();
                            v["matched"].as_bool().unwrap()
                        };
                        if verdict != got.contains(&names[rule]) {
                            fail(case, format!("event {i}: explain {t} vs matches {got:?}"));
                        }
                        evm_text_free(text);
                    }
                    (None, EVM_EVENT_ERROR) => {
                        assert!(text.is_null() && !err.is_null());
                        evm_error_free(err);
                    }
                    _ => fail(case, format!("event {i}: evm_explain status {st}")),
                }
            }
        }
        // evm_match_cb, all matches and stopping after the first.
        for limit in [usize::MAX, 1] {
            let mut c = Collect {
                ids: Vec::new(),
                limit,
            };
            let st = evm_match_cb(
                m,
                s,
                ev.as_ptr(),
                ev.len(),
                Some(collect),
                (&mut c as *mut Collect).cast(),
                ptr::null_mut(),
            );
            match &want {
                Ok(w) => {
                    assert_eq!(st, EVM_OK);
                    let got = to_names(&c.ids);
                    if limit == usize::MAX && &got != w {
                        fail(
                            case,
                            format!("event {i}: evm_match_cb {got:?}, reference {w:?}"),
                        );
                    }
                    if limit == 1 {
                        assert_eq!(c.ids.len(), matched.min(1), "callback did not stop");
                    }
                }
                Err(_) => {
                    assert_eq!(st, EVM_EVENT_ERROR);
                    assert!(c.ids.is_empty(), "callbacks on an invalid event");
                }
            }
        }
        expected.push(want.ok());
        counts.push(matched);
    }

    // The whole case as one batch.
    let n_events = case.events.len();
    let ptrs: Vec<*const u8> = case.events.iter().map(|e| e.as_ptr()).collect();
    let lens: Vec<usize> = case.events.iter().map(|e| e.len()).collect();
    // The machine's own counts (equal to the reference's, checked above).
    let total: usize = counts.iter().sum();
    let cap = count * n_events;
    let mut ids = vec![u32::MAX; cap];
    let mut offsets = vec![usize::MAX; n_events + 1];
    let mut status = vec![-1i32; n_events];
    let mut needed = usize::MAX;
    let st = evm_match_batch(
        m,
        s,
        ptrs.as_ptr(),
        lens.as_ptr(),
        n_events,
        ids.as_mut_ptr(),
        cap,
        offsets.as_mut_ptr(),
        status.as_mut_ptr(),
        &mut needed,
    );
    if st != EVM_OK || needed != total || offsets[n_events] != total || offsets[0] != 0 {
        fail(
            case,
            format!(
                "batch: status {st}, needed {needed}, offsets {offsets:?}, expected total {total}"
            ),
        );
    }
    for (i, want) in expected.iter().enumerate() {
        let (lo, hi) = (offsets[i], offsets[i + 1]);
        assert!(lo <= hi && hi <= total, "batch offsets {offsets:?}");
        match want {
            Some(w) => {
                assert_eq!(status[i], EVM_OK, "batch status of event {i}");
                let got = to_names(&ids[lo..hi]);
                if &got != w {
                    fail(case, format!("batch event {i}: {got:?}, reference {w:?}"));
                }
            }
            None => {
                assert_eq!(status[i], EVM_EVENT_ERROR, "batch status of event {i}");
                assert_eq!(lo, hi, "matches for an invalid event");
            }
        }
    }
    // Without status_out, and with one slot too few.
    let mut offsets2 = vec![usize::MAX; n_events + 1];
    let mut needed2 = 0usize;
    let st = evm_match_batch(
        m,
        s,
        ptrs.as_ptr(),
        lens.as_ptr(),
        n_events,
        ids.as_mut_ptr(),
        cap,
        offsets2.as_mut_ptr(),
        ptr::null_mut(),
        &mut needed2,
    );
    assert_eq!((st, needed2, &offsets2), (EVM_OK, total, &offsets));
    if total > 0 {
        let mut small = vec![u32::MAX; total - 1];
        let mut offsets3 = vec![usize::MAX; n_events + 1];
        let mut needed3 = 0usize;
        let st = evm_match_batch(
            m,
            s,
            ptrs.as_ptr(),
            lens.as_ptr(),
            n_events,
            small.as_mut_ptr(),
            total - 1,
            offsets3.as_mut_ptr(),
            ptr::null_mut(),
            &mut needed3,
        );
        assert_eq!((st, needed3), (EVM_BUFFER_TOO_SMALL, total));
        assert!(
            small.iter().all(|&x| x == u32::MAX),
            "ids written on too small"
        );
        assert!(
            offsets3.iter().all(|&x| x == usize::MAX),
            "offsets written on too small"
        );
    }
    // The zero-copy batches: the same answers, row by row, as the batch.
    let rows: Vec<(i32, Vec<u32>)> = (0..n_events)
        .map(|i| (status[i], ids[offsets[i]..offsets[i + 1]].to_vec()))
        .collect();
    check_groups(case, &ids[..total], &offsets, bits);
    check_offsets_batches(case, m, s, count, &rows, bits);
    check_arbitrary_offsets(case, m, s, count, bits);
    check_lines(case, m, s, count, bits);
    evm_scratch_free(s);
    evm_machine_free(m);
}

/// `evm_group_matches` over a batch's outputs (`ids`, and `offsets` with
/// one entry per event and one more): each event's group and each group's
/// first event as a linear search numbers them; then over the same ids
/// with drawn offsets (decreasing, beyond the ids, from anywhere): refused
/// with nothing written exactly when they are out of order or range.
unsafe fn check_groups(case: &gen::Case, ids: &[u32], offsets: &[usize], bits: &mut Bits) {
    check_grouping(case, ids, offsets);
    let n = bits.below(8) as usize;
    let len = ids.len();
    let mut drawn: Vec<usize> = Vec::with_capacity(n + 1);
    let mut at = bits.below(len as u64 + 1) as usize;
    for _ in 0..=n {
        match bits.below(12) {
            0 => at = at.saturating_sub(bits.below(4) as usize + 1),
            1 => at = len + 1 + bits.below(4) as usize,
            2 => at = usize::MAX - bits.below(4) as usize,
            _ => at = at.min(len) + bits.below((len - at.min(len)) as u64 + 1) as usize,
        }
        drawn.push(at);
    }
    check_grouping(case, ids, &drawn);
}

/// One `evm_group_matches` call, checked (see [`check_groups`]).
unsafe fn check_grouping(case: &gen::Case, ids: &[u32], offsets: &[usize]) {
    let n = offsets.len() - 1;
    let valid = offsets.windows(2).all(|w| w[0] <= w[1]) && offsets[n] <= ids.len();
    let mut group = vec![u32::MAX; n];
    let mut first = vec![usize::MAX; n];
    let mut n_groups = usize::MAX;
    let st = evm_group_matches(
        ids.as_ptr(),
        ids.len(),
        offsets.as_ptr(),
        n,
        group.as_mut_ptr(),
        first.as_mut_ptr(),
        &mut n_groups,
    );
    if !valid && n > 0 {
        if st != EVM_INVALID_ARGUMENT {
            fail(
                case,
                format!("evm_group_matches: status {st} on offsets {offsets:?}"),
            );
        }
        let untouched = n_groups == usize::MAX
            && group.iter().all(|&g| g == u32::MAX)
            && first.iter().all(|&f| f == usize::MAX);
        assert!(untouched, "evm_group_matches wrote on a refusal");
        return;
    }
    let mut sets: Vec<&[u32]> = Vec::new();
    let mut want_first: Vec<usize> = Vec::new();
    let mut want_group: Vec<u32> = Vec::new();
    for i in 0..n {
        let set = &ids[offsets[i]..offsets[i + 1]];
        let k = sets.iter().position(|s| *s == set).unwrap_or_else(|| {
            sets.push(set);
            want_first.push(i);
            sets.len() - 1
        });
        want_group.push(k as u32);
    }
    let got = (st, n_groups, &group[..], &first[..n_groups.min(n)]);
    if got != (EVM_OK, sets.len(), &want_group[..], &want_first[..]) {
        fail(
            case,
            format!("evm_group_matches on offsets {offsets:?}: {got:?}, want groups {want_group:?}, firsts {want_first:?}"),
        );
    }
}

/// One row of a batch's results: its status and rule indexes.
type RowResult = (i32, Vec<u32>);

/// The rows of a batch's outputs; checks the layout on the way.
fn batch_rows(n: usize, ids: &[u32], offsets: &[usize], status: &[i32]) -> Vec<RowResult> {
    assert_eq!(offsets[0], 0, "offsets_out[0]");
    (0..n)
        .map(|i| {
            let (lo, hi) = (offsets[i], offsets[i + 1]);
            assert!(lo <= hi && hi <= ids.len(), "offsets_out {offsets:?}");
            (status[i], ids[lo..hi].to_vec())
        })
        .collect()
}

/// Which rows an Arrow array of these events may hold as null: none, or
/// some drawn from `bits`; the bitmap starts at a drawn bit offset.
fn validity(n: usize, bits: &mut Bits) -> (Option<Vec<u8>>, usize, Vec<bool>) {
    if bits.below(3) == 0 {
        return (None, 0, vec![false; n]);
    }
    let bit_offset = bits.below(16) as usize;
    let mut bitmap = vec![0u8; (bit_offset + n).div_ceil(8)];
    // Bits before the offset are noise the call must not read as rows.
    for b in bitmap.iter_mut() {
        *b = bits.next() as u8;
    }
    let mut null = Vec::with_capacity(n);
    for i in 0..n {
        let at = bit_offset + i;
        let is_null = bits.below(4) == 0;
        if is_null {
            bitmap[at / 8] &= !(1 << (at % 8));
        } else {
            bitmap[at / 8] |= 1 << (at % 8);
        }
        null.push(is_null);
    }
    (Some(bitmap), bit_offset, null)
}

/// `evm_match_batch_offsets32` and `64` over the case's events laid out
/// as a (possibly sliced) Arrow array, with or without nulls: each row as
/// the pointer-array batch answered it, a null row empty with
/// `EVM_NULL_EVENT`; with a buffer one too small, the total and nothing
/// else.
unsafe fn check_offsets_batches(
    case: &gen::Case,
    m: *const MachineH,
    s: *mut ScratchH,
    count: usize,
    rows: &[RowResult],
    bits: &mut Bits,
) {
    let n = case.events.len();
    let junk = bits.below(4) as usize;
    let mut data = vec![b'#'; junk];
    let mut offs = vec![junk as i64];
    for e in &case.events {
        data.extend_from_slice(e);
        offs.push(data.len() as i64);
    }
    data.extend(std::iter::repeat_n(b'#', bits.below(3) as usize));
    let (bitmap, bit_offset, null) = validity(n, bits);
    let bitmap_ptr = bitmap.as_ref().map_or(ptr::null(), |b| b.as_ptr());
    let want: Vec<RowResult> = (0..n)
        .map(|i| {
            if null[i] {
                (EVM_NULL_EVENT, Vec::new())
            } else {
                rows[i].clone()
            }
        })
        .collect();
    let total: usize = want.iter().map(|r| r.1.len()).sum();
    let offs32: Option<Vec<i32>> = offs.iter().map(|&o| i32::try_from(o).ok()).collect();
    for wide in [false, true] {
        if !wide && offs32.is_none() {
            continue;
        }
        let cap = count * n;
        let mut ids = vec![u32::MAX; cap];
        let mut offsets = vec![usize::MAX; n + 1];
        let mut status = vec![-1i32; n];
        let mut needed = usize::MAX;
        let call = |cap: usize,
                    ids: &mut [u32],
                    offsets: &mut [usize],
                    status: &mut [i32],
                    needed: &mut usize| {
            if wide {
                evm_match_batch_offsets64(
                    m,
                    s,
                    data.as_ptr(),
                    data.len(),
                    offs.as_ptr(),
                    n,
                    bitmap_ptr,
                    bit_offset,
                    ids.as_mut_ptr(),
                    cap,
                    offsets.as_mut_ptr(),
                    status.as_mut_ptr(),
                    needed,
                )
            } else {
                let o = offs32.as_ref().unwrap();
                evm_match_batch_offsets32(
                    m,
                    s,
                    data.as_ptr(),
                    data.len(),
                    o.as_ptr(),
                    n,
                    bitmap_ptr,
                    bit_offset,
                    ids.as_mut_ptr(),
                    cap,
                    offsets.as_mut_ptr(),
                    status.as_mut_ptr(),
                    needed,
                )
            }
        };
        let st = call(cap, &mut ids, &mut offsets, &mut status, &mut needed);
        if st != EVM_OK || needed != total {
            fail(
                case,
                format!(
                    "offsets batch (64-bit: {wide}): status {st}, needed {needed}, want {total}"
                ),
            );
        }
        let got = batch_rows(n, &ids, &offsets, &status);
        if got != want {
            fail(
                case,
                format!("offsets batch (64-bit: {wide}): {got:?}, want {want:?}"),
            );
        }
        if total > 0 {
            let mut small = vec![u32::MAX; total - 1];
            let mut offsets = vec![usize::MAX; n + 1];
            let mut status = vec![-1i32; n];
            let mut needed = 0;
            let st = call(
                total - 1,
                &mut small,
                &mut offsets,
                &mut status,
                &mut needed,
            );
            assert_eq!((st, needed), (EVM_BUFFER_TOO_SMALL, total));
            assert!(
                small.iter().all(|&x| x == u32::MAX),
                "ids written on too small"
            );
            assert!(
                offsets.iter().all(|&x| x == usize::MAX),
                "offsets written on too small"
            );
            assert!(
                status.iter().all(|&x| x == -1),
                "status written on too small"
            );
        }
    }
}

/// Offsets arrays drawn at random (negative, decreasing, beyond the buffer,
/// or valid) over a buffer of the case's events: a valid array (or any
/// array for no rows, which is not read) gives each row the answer of
/// `evm_match` on its bytes; any other is refused with
/// `EVM_INVALID_ARGUMENT` and nothing written.
unsafe fn check_arbitrary_offsets(
    case: &gen::Case,
    m: *const MachineH,
    s: *mut ScratchH,
    count: usize,
    bits: &mut Bits,
) {
    let data: Vec<u8> = case.events.concat();
    let len = data.len() as i64;
    let n = bits.below(6) as usize;
    let mut offs: Vec<i64> = Vec::with_capacity(n + 1);
    let mut at = bits.below(len as u64 + 1) as i64;
    for _ in 0..=n {
        match bits.below(16) {
            0 => at = -(bits.below(1 << 40) as i64) - 1,
            1 => at = at.saturating_sub(bits.below(8) as i64 + 1),
            2 => at = len + 1 + bits.below(8) as i64,
            3 => at = i64::MAX - bits.below(4) as i64,
            4 => at = i64::from(i32::MIN),
            _ => {
                at = (at.max(0) + bits.below(((len - at.max(0)).max(0) + 1) as u64) as i64).min(len)
            }
        }
        offs.push(at);
    }
    // With no rows the offsets are not read.
    let valid =
        n == 0 || offs.iter().all(|&o| o >= 0 && o <= len) && offs.windows(2).all(|w| w[0] <= w[1]);
    let want: Vec<RowResult> = if valid {
        (0..n)
            .map(|i| {
                let ev = &data[offs[i] as usize..offs[i + 1] as usize];
                let mut ids = vec![0u32; count];
                let mut k = 0usize;
                let st = evm_match(
                    m,
                    s,
                    ev.as_ptr(),
                    ev.len(),
                    ids.as_mut_ptr(),
                    count,
                    &mut k,
                    ptr::null_mut(),
                );
                match st {
                    EVM_OK => (EVM_OK, ids[..k].to_vec()),
                    EVM_EVENT_ERROR => (EVM_EVENT_ERROR, Vec::new()),
                    _ => fail(case, format!("evm_match status {st} on a slice")),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let offs32: Option<Vec<i32>> = offs.iter().map(|&o| i32::try_from(o).ok()).collect();
    for wide in [false, true] {
        if !wide && offs32.is_none() {
            continue;
        }
        let cap = count * n;
        let mut ids = vec![u32::MAX; cap];
        let mut offsets = vec![usize::MAX; n + 1];
        let mut status = vec![-1i32; n];
        let mut needed = usize::MAX;
        let st = if wide {
            evm_match_batch_offsets64(
                m,
                s,
                data.as_ptr(),
                data.len(),
                offs.as_ptr(),
                n,
                ptr::null(),
                0,
                ids.as_mut_ptr(),
                cap,
                offsets.as_mut_ptr(),
                status.as_mut_ptr(),
                &mut needed,
            )
        } else {
            let o = offs32.as_ref().unwrap();
            evm_match_batch_offsets32(
                m,
                s,
                data.as_ptr(),
                data.len(),
                o.as_ptr(),
                n,
                ptr::null(),
                0,
                ids.as_mut_ptr(),
                cap,
                offsets.as_mut_ptr(),
                status.as_mut_ptr(),
                &mut needed,
            )
        };
        if !valid {
            if st != EVM_INVALID_ARGUMENT {
                fail(
                    case,
                    format!("offsets {offs:?} over {len} bytes: status {st}, want refused"),
                );
            }
            assert!(
                needed == usize::MAX && offsets.iter().all(|&x| x == usize::MAX),
                "written when refused"
            );
            assert!(
                ids.iter().all(|&x| x == u32::MAX) && status.iter().all(|&x| x == -1),
                "written when refused"
            );
            continue;
        }
        assert_eq!(st, EVM_OK, "offsets {offs:?} over {len} bytes");
        let got = batch_rows(n, &ids, &offsets, &status);
        if got != want {
            fail(case, format!("offsets {offs:?}: {got:?}, want {want:?}"));
        }
    }
}

/// The events of a JSON Lines buffer as the command-line tool reads them,
/// written here independently of the library: (line from 1, start, end).
fn expected_lines(data: &[u8]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut pieces: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if data.last() == Some(&b'\n') || data.is_empty() {
        pieces.pop();
    }
    for (i, piece) in pieces.iter().enumerate() {
        let trimmed = if piece.last() == Some(&b'\r') {
            &piece[..piece.len() - 1]
        } else {
            piece
        };
        if !trimmed.iter().all(|b| b.is_ascii_whitespace()) {
            out.push((i + 1, start, start + trimmed.len()));
        }
        start += piece.len() + 1;
    }
    out
}

/// `evm_match_lines` over the case's events joined by drawn line endings
/// (`\n`, `\r\n`, blank lines, no final newline): each event of the
/// buffer is answered as `evm_match` answers its bytes, with its line and
/// byte range; too few event or id slots give both counts and nothing else.
unsafe fn check_lines(
    case: &gen::Case,
    m: *const MachineH,
    s: *mut ScratchH,
    count: usize,
    bits: &mut Bits,
) {
    let mut data = Vec::new();
    for e in &case.events {
        data.extend_from_slice(e);
        let sep: &[u8] = match bits.below(6) {
            0 => b"\r\n",
            1 => b"\n\n",
            2 => b"\n \t\r\n",
            3 => b"\r",
            _ => b"\n",
        };
        data.extend_from_slice(sep);
    }
    if bits.below(2) == 0 {
        while data.last() == Some(&b'\n') {
            data.pop();
        }
    }
    let lines = expected_lines(&data);
    let want: Vec<RowResult> = lines
        .iter()
        .map(|&(_, lo, hi)| {
            let ev = &data[lo..hi];
            let mut ids = vec![0u32; count];
            let mut k = 0usize;
            let st = evm_match(
                m,
                s,
                ev.as_ptr(),
                ev.len(),
                ids.as_mut_ptr(),
                count,
                &mut k,
                ptr::null_mut(),
            );
            match st {
                EVM_OK => (EVM_OK, ids[..k].to_vec()),
                EVM_EVENT_ERROR => (EVM_EVENT_ERROR, Vec::new()),
                _ => fail(case, format!("evm_match status {st} on a line")),
            }
        })
        .collect();
    let total: usize = want.iter().map(|r| r.1.len()).sum();
    // The documented bound: one more than the newlines.
    let events_cap = data.iter().filter(|&&b| b == b'\n').count() + 1;
    let cap = count * lines.len();
    let mut ids = vec![u32::MAX; cap];
    let mut offsets = vec![usize::MAX; events_cap + 1];
    let mut status = vec![-1i32; events_cap];
    let mut spans = vec![LineSpan::default(); events_cap];
    let (mut n, mut needed) = (usize::MAX, usize::MAX);
    let st = evm_match_lines(
        m,
        s,
        data.as_ptr(),
        data.len(),
        ids.as_mut_ptr(),
        cap,
        offsets.as_mut_ptr(),
        status.as_mut_ptr(),
        spans.as_mut_ptr(),
        events_cap,
        &mut n,
        &mut needed,
    );
    if st != EVM_OK || n != lines.len() || needed != total {
        fail(
            case,
            format!(
                "lines: status {st}, {n} events ({} expected), needed {needed} ({total})",
                lines.len()
            ),
        );
    }
    let got = batch_rows(n, &ids, &offsets, &status);
    let got_spans: Vec<(usize, usize, usize)> = spans[..n]
        .iter()
        .map(|s| (s.line, s.start, s.end))
        .collect();
    if got != want || got_spans != lines {
        fail(
            case,
            format!("lines: {got:?} at {got_spans:?}, want {want:?} at {lines:?}"),
        );
    }
    // Too few slots: both counts, nothing else.
    let (ids_cap, ev_cap) = match bits.below(2) {
        0 if total > 0 => (total - 1, n),
        _ if n > 0 => (total, n - 1),
        _ => return,
    };
    let mut ids = vec![u32::MAX; ids_cap];
    let mut offsets = vec![usize::MAX; ev_cap + 1];
    let mut status = vec![-1i32; ev_cap];
    let (mut n2, mut needed2) = (0usize, 0usize);
    let st = evm_match_lines(
        m,
        s,
        data.as_ptr(),
        data.len(),
        ids.as_mut_ptr(),
        ids_cap,
        offsets.as_mut_ptr(),
        status.as_mut_ptr(),
        ptr::null_mut(),
        ev_cap,
        &mut n2,
        &mut needed2,
    );
    assert_eq!(
        (st, n2, needed2),
        (EVM_BUFFER_TOO_SMALL, n, total),
        "lines, too small"
    );
    assert!(
        ids.iter().all(|&x| x == u32::MAX) && offsets.iter().all(|&x| x == usize::MAX),
        "written on too small"
    );
    assert!(
        status.iter().all(|&x| x == -1),
        "status written on too small"
    );
}

/// The case's rules as a rules file: names as JSON strings; patterns as
/// JSON strings holding their text, or (drawn) as their own text, which
/// may make the file invalid.
fn case_rules_file(case: &gen::Case, bits: &mut Bits) -> Vec<u8> {
    let mut f = b"{".to_vec();
    for (i, (name, p)) in case.rules.iter().enumerate() {
        if i > 0 {
            f.extend_from_slice(b",\n ");
        }
        f.extend_from_slice(serde_json::to_string(name).unwrap().as_bytes());
        f.extend_from_slice(b": ");
        match (bits.below(3), std::str::from_utf8(p)) {
            (0, _) | (_, Err(_)) => f.extend_from_slice(p),
            (_, Ok(text)) => f.extend_from_slice(serde_json::to_string(text).unwrap().as_bytes()),
        }
    }
    f.push(b'}');
    f
}

/// `evm_builder_add_rules_json` on `text` = `MachineBuilder::add_rules_json`:
/// the same verdict and error details (an invalid rule as a pattern error,
/// anything else as a rules-file error), nothing added on error, and on
/// success the same rules matching the case's events alike.
unsafe fn check_rules_file(case: &gen::Case, text: &[u8]) {
    // A rule already there must survive a failed file.
    let keep = b"{\"keep\": {\"k\": [1]}}";
    let mut rust = evmatch::Machine::builder();
    rust.add_rules_json(keep).unwrap();
    let want = rust.add_rules_json(text).map(|_| ()).map_err(|e| e.clone());
    let mut b = ptr::null_mut();
    assert_eq!(evm_builder_new(&mut b), EVM_OK);
    assert_eq!(
        evm_builder_add_rules_json(b, keep.as_ptr(), keep.len(), ptr::null_mut()),
        EVM_OK
    );
    let mut err = ptr::null_mut();
    let st = evm_builder_add_rules_json(b, text.as_ptr(), text.len(), &mut err);
    let what = || format!("rules file {:?}", String::from_utf8_lossy(text));
    match &want {
        Ok(()) => {
            if st != EVM_OK || !err.is_null() {
                fail(case, format!("{}: status {st}, Rust accepts it", what()));
            }
        }
        Err(w) => {
            let pattern = w.pattern_error();
            let (want_st, want_kind, want_msg, want_path) = match pattern {
                Some(p) => (
                    EVM_PATTERN_ERROR,
                    p.kind().code(),
                    p.message().to_string(),
                    p.path().to_string(),
                ),
                None => (
                    EVM_RULES_FILE_ERROR,
                    if w.kind() == evmatch::RulesFileErrorKind::Syntax {
                        EVM_RULES_FILE_ERROR_SYNTAX
                    } else {
                        EVM_RULES_FILE_ERROR_NOT_RULES
                    },
                    w.message().to_string(),
                    String::new(),
                ),
            };
            if st != want_st || err.is_null() {
                fail(case, format!("{}: status {st}, Rust {w:?}", what()));
            }
            let nul = |s: &str| s.replace('\0', "\u{FFFD}");
            assert_eq!(evm_error_status(err), want_st);
            assert_eq!(evm_error_kind(err), want_kind);
            assert_eq!(cstr(evm_error_message(err)), nul(&want_msg));
            assert_eq!(cstr(evm_error_path(err)), nul(&want_path));
            assert_eq!(cstr(evm_error_rule(err)), nul(w.rule().unwrap_or("")));
            assert_eq!(
                (
                    evm_error_offset(err),
                    evm_error_line(err),
                    evm_error_column(err)
                ),
                (w.offset(), w.line(), w.column())
            );
            assert!(w.offset() <= text.len());
            evm_error_free(err);
        }
    }
    let mut m = ptr::null_mut();
    assert_eq!(evm_builder_build(b, &mut m), EVM_OK);
    let rust = rust.build();
    let mut count = 0usize;
    assert_eq!(evm_machine_rule_count(m, &mut count), EVM_OK);
    assert_eq!(count, rust.rule_count(), "{}", what());
    let mut s = ptr::null_mut();
    assert_eq!(evm_scratch_new(m, &mut s), EVM_OK);
    for ev in &case.events {
        let Ok(want) = rust.matches(ev) else { continue };
        let mut ids = vec![0u32; count];
        let mut n = 0usize;
        let st = evm_match(
            m,
            s,
            ev.as_ptr(),
            ev.len(),
            ids.as_mut_ptr(),
            count,
            &mut n,
            ptr::null_mut(),
        );
        assert_eq!(st, EVM_OK);
        let mut got: Vec<String> = ids[..n]
            .iter()
            .map(|&i| {
                let (mut p, mut len) = (ptr::null(), 0usize);
                assert_eq!(
                    evm_machine_rule_name(m, i as usize, &mut p, &mut len),
                    EVM_OK
                );
                String::from_utf8(std::slice::from_raw_parts(p.cast::<u8>(), len).to_vec()).unwrap()
            })
            .collect();
        got.sort();
        let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
        want.sort();
        if got != want {
            fail(
                case,
                format!(
                    "{}: event {:?}: {got:?}, Rust {want:?}",
                    what(),
                    String::from_utf8_lossy(ev)
                ),
            );
        }
    }
    evm_scratch_free(s);
    evm_machine_free(m);
}

/// Whether some object in `event` (valid JSON) repeats a member name,
/// which the trusted-input contract rules out.
fn has_repeated_names(event: &[u8]) -> bool {
    use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
    struct Check;
    impl<'de> Deserialize<'de> for Check {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Check, D::Error> {
            d.deserialize_any(Check)
        }
    }
    impl<'de> Visitor<'de> for Check {
        type Value = Check;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Check, A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(k) = map.next_key::<String>()? {
                if !seen.insert(k) {
                    return Err(serde::de::Error::custom("repeated name"));
                }
                map.next_value::<Check>()?;
            }
            Ok(Check)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Check, A::Error> {
            while seq.next_element::<Check>()?.is_some() {}
            Ok(Check)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Check, E> {
            Ok(Check)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Check, E> {
            Ok(Check)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Check, E> {
            Ok(Check)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Check, E> {
            Ok(Check)
        }
        fn visit_str<E>(self, _: &str) -> Result<Check, E> {
            Ok(Check)
        }
        fn visit_unit<E>(self) -> Result<Check, E> {
            Ok(Check)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(event);
    de.disable_recursion_limit();
    Check::deserialize(&mut de).and_then(|_| de.end()).is_err()
}

/// A machine built with `evm_builder_set_trusted_input` never fails on any
/// event (no crash, statuses in range, indexes valid) and answers as the
/// reference on events that keep the contract (valid JSON, no repeated
/// member names), through `evm_match` and `evm_match_lines`.
unsafe fn check_trusted(case: &gen::Case) {
    let mut reference = Reference::new();
    let mut b = ptr::null_mut();
    assert_eq!(evm_builder_new(&mut b), EVM_OK);
    assert_eq!(evm_builder_set_trusted_input(b, 1), EVM_OK);
    for (name, p) in &case.rules {
        let want = reference.add_rule(name, p);
        let st = evm_builder_add_rule(
            b,
            name.as_ptr(),
            name.len(),
            p.as_ptr(),
            p.len(),
            ptr::null_mut(),
        );
        assert_eq!(st == EVM_OK, want.is_ok(), "trusted add_rule");
    }
    let mut m = ptr::null_mut();
    assert_eq!(evm_builder_build(b, &mut m), EVM_OK);
    let mut count = 0usize;
    assert_eq!(evm_machine_rule_count(m, &mut count), EVM_OK);
    let mut s = ptr::null_mut();
    assert_eq!(evm_scratch_new(m, &mut s), EVM_OK);
    for ev in &case.events {
        let mut ids = vec![u32::MAX; count];
        let mut n = usize::MAX;
        let st = evm_match(
            m,
            s,
            ev.as_ptr(),
            ev.len(),
            ids.as_mut_ptr(),
            count,
            &mut n,
            ptr::null_mut(),
        );
        assert!(
            st == EVM_OK || st == EVM_EVENT_ERROR,
            "trusted evm_match status {st}"
        );
        if st == EVM_OK {
            assert!(n <= count && ids[..n].windows(2).all(|w| w[0] < w[1]));
            assert!(ids[..n].iter().all(|&i| (i as usize) < count));
        }
        let Ok(want) = reference.matches(ev) else {
            continue;
        };
        if has_repeated_names(ev) {
            continue;
        }
        if st != EVM_OK {
            fail(
                case,
                format!("trusted: status {st} on a valid event, reference {want:?}"),
            );
        }
        let mut got: Vec<String> = ids[..n]
            .iter()
            .map(|&i| {
                let (mut p, mut len) = (ptr::null(), 0usize);
                assert_eq!(
                    evm_machine_rule_name(m, i as usize, &mut p, &mut len),
                    EVM_OK
                );
                String::from_utf8(std::slice::from_raw_parts(p.cast::<u8>(), len).to_vec()).unwrap()
            })
            .collect();
        got.sort();
        if got != want {
            fail(case, format!("trusted: {got:?}, reference {want:?}"));
        }
    }
    // Every event at once as JSON Lines: the same for each line.
    let data: Vec<u8> = case.events.join(&b'\n');
    let cap = count * (case.events.len() + 1);
    let lines = expected_lines(&data).len();
    let mut ids = vec![0u32; cap];
    let mut offsets = vec![0usize; lines + 1];
    let mut status = vec![0i32; lines];
    let (mut n, mut needed) = (0usize, 0usize);
    let st = evm_match_lines(
        m,
        s,
        data.as_ptr(),
        data.len(),
        ids.as_mut_ptr(),
        cap,
        offsets.as_mut_ptr(),
        status.as_mut_ptr(),
        ptr::null_mut(),
        lines,
        &mut n,
        &mut needed,
    );
    assert!(
        st == EVM_OK || st == EVM_BUFFER_TOO_SMALL,
        "trusted lines status {st}"
    );
    if st == EVM_OK {
        assert_eq!(n, lines);
        for r in batch_rows(n, &ids[..needed], &offsets, &status) {
            assert!(r.0 == EVM_OK || r.0 == EVM_EVENT_ERROR);
            assert!(r.1.iter().all(|&i| (i as usize) < count));
        }
    }
    evm_scratch_free(s);
    evm_machine_free(m);
}

/// Collects (event index, rule name) pairs from `evm_live_match_batch`.
unsafe extern "C" fn collect_live(
    ctx: *mut c_void,
    event: usize,
    name: *const c_char,
    len: usize,
) -> c_int {
    let v = &mut *(ctx as *mut Vec<(usize, String)>);
    let bytes = std::slice::from_raw_parts(name.cast::<u8>(), len);
    v.push((
        event,
        String::from_utf8(bytes.to_vec()).expect("name not UTF-8"),
    ));
    0
}

unsafe fn check_live(case: &gen::Case) {
    let n_events = case.events.len();
    let ptrs: Vec<*const u8> = case.events.iter().map(|e| e.as_ptr()).collect();
    let lens: Vec<usize> = case.events.iter().map(|e| e.len()).collect();
    let half = case.rules.len() / 2;
    // The rule set the live machine should hold.
    let mut model: Vec<(String, Vec<u8>)> = Vec::new();
    let mut b = ptr::null_mut();
    assert_eq!(evm_builder_new(&mut b), EVM_OK);
    for (name, p) in &case.rules[..half] {
        let st = evm_builder_add_rule(
            b,
            name.as_ptr(),
            name.len(),
            p.as_ptr(),
            p.len(),
            ptr::null_mut(),
        );
        if st == EVM_OK {
            model.push((name.clone(), p.clone()));
        }
    }
    let mut live = ptr::null_mut();
    assert_eq!(evm_live_new(b, &mut live), EVM_OK);
    let mut s = ptr::null_mut();
    assert_eq!(evm_live_scratch_new(live, &mut s), EVM_OK);
    let mut version = 0u64;
    let compare = |what: &str, model: &[(String, Vec<u8>)], version: u64| {
        let mut reference = Reference::new();
        for (n, p) in model {
            reference.add_rule(n, p).unwrap();
        }
        let mut names: Vec<&str> = model.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let (mut count, mut v) = (usize::MAX, u64::MAX);
        assert_eq!(evm_live_info(live, &mut count, &mut v), EVM_OK);
        if count != names.len() || v != version {
            fail(
                case,
                format!(
                    "live C ABI {what}: info {count} rules v{v}, expected {names:?} v{version}"
                ),
            );
        }
        let mut got: Vec<(usize, String)> = Vec::new();
        let mut status = vec![-1i32; n_events];
        let mut bv = u64::MAX;
        let st = evm_live_match_batch(
            live,
            s,
            ptrs.as_ptr(),
            lens.as_ptr(),
            n_events,
            Some(collect_live),
            (&mut got as *mut Vec<(usize, String)>).cast(),
            status.as_mut_ptr(),
            &mut bv,
        );
        assert_eq!((st, bv), (EVM_OK, version), "live batch {what}");
        for (i, ev) in case.events.iter().enumerate() {
            let want = reference.matches(ev);
            let mut mine: Vec<String> = got
                .iter()
                .filter(|(e, _)| *e == i)
                .map(|(_, n)| n.clone())
                .collect();
            mine.sort();
            match &want {
                Ok(w) if status[i] == EVM_OK && &mine == w => {}
                Err(_) if status[i] == EVM_EVENT_ERROR && mine.is_empty() => {}
                _ => fail(
                    case,
                    format!(
                        "live C ABI {what}: event {i}: status {} {mine:?}, reference {want:?}",
                        status[i]
                    ),
                ),
            }
        }
    };
    compare("new", &model, version);
    for (name, p) in &case.rules[half..] {
        let mut v = 0u64;
        let mut err = ptr::null_mut();
        let st = evm_live_add_rule(
            live,
            name.as_ptr(),
            name.len(),
            p.as_ptr(),
            p.len(),
            &mut err,
            &mut v,
        );
        match st {
            EVM_OK => {
                assert!(v > version, "live add: version {v} after {version}");
                version = v;
                model.push((name.clone(), p.clone()));
            }
            EVM_PATTERN_ERROR => {
                assert!(evmatch::Pattern::parse(p).is_err());
                assert_eq!(evm_error_status(err), EVM_PATTERN_ERROR);
                evm_error_free(err);
            }
            _ => fail(case, format!("live add: status {st}")),
        }
    }
    compare("after adds", &model, version);
    let mut names: Vec<String> = model.iter().map(|(n, _)| n.clone()).collect();
    names.sort();
    names.dedup();
    for n in names.iter().step_by(2) {
        let (mut removed, mut v) = (-1, 0u64);
        assert_eq!(
            evm_live_remove_rule(live, n.as_ptr(), n.len(), &mut removed, &mut v),
            EVM_OK
        );
        assert_eq!(removed, 1, "live remove {n}");
        assert!(v > version);
        version = v;
        model.retain(|(m, _)| m != n);
    }
    let (mut removed, mut v) = (-1, u64::MAX);
    assert_eq!(
        evm_live_remove_rule(live, b"?".as_ptr(), 1, &mut removed, &mut v),
        EVM_OK
    );
    assert_eq!(removed, 0, "live remove of an unknown rule");
    compare("after removals", &model, version);
    let valid: Vec<&(String, Vec<u8>)> = case
        .rules
        .iter()
        .filter(|(_, p)| evmatch::Pattern::parse(p).is_ok())
        .collect();
    let np: Vec<*const u8> = valid.iter().map(|(n, _)| n.as_ptr()).collect();
    let nl: Vec<usize> = valid.iter().map(|(n, _)| n.len()).collect();
    let pp: Vec<*const u8> = valid.iter().map(|(_, p)| p.as_ptr()).collect();
    let pl: Vec<usize> = valid.iter().map(|(_, p)| p.len()).collect();
    let mut v = 0u64;
    let st = evm_live_replace_rules(
        live,
        np.as_ptr(),
        nl.as_ptr(),
        pp.as_ptr(),
        pl.as_ptr(),
        valid.len(),
        ptr::null_mut(),
        &mut v,
    );
    assert_eq!(st, EVM_OK, "live replace");
    assert!(v > version);
    version = v;
    let model: Vec<(String, Vec<u8>)> = valid.into_iter().cloned().collect();
    compare("after replace", &model, version);
    // A scratch of another machine is refused.
    let mut b = ptr::null_mut();
    assert_eq!(evm_builder_new(&mut b), EVM_OK);
    let mut m = ptr::null_mut();
    assert_eq!(evm_builder_build(b, &mut m), EVM_OK);
    let mut other = ptr::null_mut();
    assert_eq!(evm_scratch_new(m, &mut other), EVM_OK);
    let mut sink: Vec<(usize, String)> = Vec::new();
    let st = evm_live_match_batch(
        live,
        other,
        ptrs.as_ptr(),
        lens.as_ptr(),
        n_events,
        Some(collect_live),
        (&mut sink as *mut Vec<(usize, String)>).cast(),
        ptr::null_mut(),
        ptr::null_mut(),
    );
    assert_eq!(st, 6, "a machine's scratch used with a live machine");
    evm_scratch_free(other);
    evm_machine_free(m);
    evm_scratch_free(s);
    evm_live_free(live);
}
