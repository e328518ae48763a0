//! `ffi`: the generated cases of `differential` (see `gen.rs`) through the
//! C ABI. The `evm_*` functions are declared here in an `extern "C"` block
//! and resolved from the evmatch crate (a path dependency), exactly as a C
//! program calls them. Rules go through `evm_builder_add_rule` (pattern
//! errors are checked through every `evm_error_*` accessor), events through
//! `evm_match` (also with a buffer one too small), `evm_match_cb` (also
//! stopping early), `evm_match_batch` (also with a buffer one too small
//! and without `status_out`) and `evm_match_batch_records` (every third
//! record with another tag, refused); every answer is compared with the reference
//! evaluator. For one input in four, the case also goes through the live
//! C ABI (`evm_live_new` from a builder holding the first half of the
//! rules, `evm_live_add_rule` for the rest, `evm_live_remove_rule` of every
//! other name, `evm_live_replace_rules`, `evm_live_info`), with
//! `evm_live_match_batch` compared with the reference after each stage.
#![no_main]

mod gen;

use std::ffi::{c_char, c_int, c_void, CStr};
use std::ptr;

use evmatch::reference::Reference;
use libfuzzer_sys::fuzz_target;

/// `evm_record_layout`.
#[repr(C)]
struct RecordLayout {
    tag_offset: usize,
    tag: usize,
    len_offset: usize,
    data_offset: usize,
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
    fn evm_match_batch_records(
        m: *const MachineH,
        s: *mut ScratchH,
        records: *const *const c_void,
        n_records: usize,
        layout: *const RecordLayout,
        ids_out: *mut u32,
        ids_cap: usize,
        offsets_out: *mut usize,
        status_out: *mut i32,
        needed_out: *mut usize,
    ) -> i32;
    fn evm_error_status(e: *const ErrorH) -> i32;
    fn evm_error_kind(e: *const ErrorH) -> u32;
    fn evm_error_message(e: *const ErrorH) -> *const c_char;
    fn evm_error_path(e: *const ErrorH) -> *const c_char;
    fn evm_error_offset(e: *const ErrorH) -> usize;
    fn evm_error_rule(e: *const ErrorH) -> *const c_char;
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
    // SAFETY: the calls below follow the contracts in include/evmatch.h.
    unsafe { check(&case) };
    if data.iter().fold(0u8, |a, &b| a.wrapping_add(b)) % 4 == 1 {
        // SAFETY: as above.
        unsafe { check_live(&case) };
    }
});

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

unsafe fn check(case: &gen::Case) {
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
    // The events as records (a length, a tag, then the bytes; every third
    // record with another tag, refused): the others as in the batch.
    let records: Vec<Vec<u8>> = case
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let tag: usize = if i % 3 == 2 { 2 } else { 1 };
            let mut r = e.len().to_ne_bytes().to_vec();
            r.extend_from_slice(&tag.to_ne_bytes());
            r.extend_from_slice(e);
            r
        })
        .collect();
    let record_ptrs: Vec<*const c_void> = records.iter().map(|r| r.as_ptr().cast()).collect();
    let word = std::mem::size_of::<usize>();
    let layout = RecordLayout {
        tag_offset: word,
        tag: 1,
        len_offset: 0,
        data_offset: 2 * word,
    };
    let mut r_ids = vec![u32::MAX; cap];
    let mut r_offsets = vec![usize::MAX; n_events + 1];
    let mut r_status = vec![-1i32; n_events];
    let mut r_needed = usize::MAX;
    let st = evm_match_batch_records(
        m,
        s,
        record_ptrs.as_ptr(),
        n_events,
        &layout,
        r_ids.as_mut_ptr(),
        cap,
        r_offsets.as_mut_ptr(),
        r_status.as_mut_ptr(),
        &mut r_needed,
    );
    assert_eq!(st, EVM_OK, "records batch");
    assert_eq!(r_needed, r_offsets[n_events]);
    for i in 0..n_events {
        let got = &r_ids[r_offsets[i]..r_offsets[i + 1]];
        if i % 3 == 2 {
            assert_eq!(
                r_status[i], EVM_INVALID_ARGUMENT,
                "record {i} with another tag"
            );
            assert!(got.is_empty(), "matches for a refused record");
        } else {
            assert_eq!(r_status[i], status[i], "records batch status of event {i}");
            assert_eq!(
                got,
                &ids[offsets[i]..offsets[i + 1]],
                "records batch event {i}"
            );
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
