//! Batch matching through the exported C functions (`evm_match_batch`)
//! against the Rust API (`Machine::find`) on the CityLots `exact` rule set
//! (`EVMATCH_BENCH_SET` names another), in one run. Target: the C ABI at
//! most 10% slower.
//!
//! `EVMATCH_BENCH_QUICK=1` prints only the comparison.

mod common;

use std::os::raw::c_void;
use std::time::Duration;

use common::{best_of, expected, rule_set, Events};
use criterion::{black_box, Criterion, Throughput};

#[allow(non_camel_case_types)]
type evm_status = i32;

// The library's own exports, linked from the evmatch rlib.
extern "C" {
    fn evm_builder_new(out: *mut *mut c_void) -> evm_status;
    fn evm_builder_add_rule(
        b: *mut c_void,
        name: *const u8,
        name_len: usize,
        pattern: *const u8,
        pattern_len: usize,
        err_out: *mut *mut c_void,
    ) -> evm_status;
    fn evm_builder_build(b: *mut c_void, out: *mut *mut c_void) -> evm_status;
    fn evm_scratch_new(m: *const c_void, out: *mut *mut c_void) -> evm_status;
    fn evm_match_batch(
        m: *const c_void,
        s: *mut c_void,
        events: *const *const u8,
        lens: *const usize,
        n: usize,
        ids_out: *mut u32,
        ids_cap: usize,
        offsets_out: *mut usize,
        status_out: *mut i32,
        needed_out: *mut usize,
    ) -> evm_status;
    fn evm_scratch_free(s: *mut c_void);
    fn evm_machine_free(m: *mut c_void);
}

struct CMachine {
    m: *mut c_void,
    s: *mut c_void,
}

impl CMachine {
    fn new(set: &str) -> CMachine {
        let mut b = std::ptr::null_mut();
        let mut m = std::ptr::null_mut();
        let mut s = std::ptr::null_mut();
        // SAFETY: the documented C API, called as the header says: each
        // pointer is valid for the call, out-parameters are writable.
        unsafe {
            assert_eq!(evm_builder_new(&mut b), 0);
            for (name, p) in rule_set(set) {
                let st = evm_builder_add_rule(
                    b,
                    name.as_ptr(),
                    name.len(),
                    p.as_ptr(),
                    p.len(),
                    std::ptr::null_mut(),
                );
                assert_eq!(st, 0);
            }
            assert_eq!(evm_builder_build(b, &mut m), 0);
            assert_eq!(evm_scratch_new(m, &mut s), 0);
        }
        CMachine { m, s }
    }

    /// Matches all events in batches; returns the number of matches.
    fn run(&self, ptrs: &[*const u8], lens: &[usize], buf: &mut Batch) -> u64 {
        let mut total = 0u64;
        for (p, l) in ptrs.chunks(BATCH).zip(lens.chunks(BATCH)) {
            let mut needed = 0usize;
            // SAFETY: as in `new`; the arrays hold `p.len()` entries and
            // the output buffers are sized for them.
            let st = unsafe {
                evm_match_batch(
                    self.m,
                    self.s,
                    p.as_ptr(),
                    l.as_ptr(),
                    p.len(),
                    buf.ids.as_mut_ptr(),
                    buf.ids.len(),
                    buf.offsets.as_mut_ptr(),
                    buf.status.as_mut_ptr(),
                    &mut needed,
                )
            };
            assert_eq!(st, 0);
            total += needed as u64;
        }
        total
    }
}

impl Drop for CMachine {
    fn drop(&mut self) {
        // SAFETY: handles from `new`, freed once.
        unsafe {
            evm_scratch_free(self.s);
            evm_machine_free(self.m);
        }
    }
}

const BATCH: usize = 1000;

struct Batch {
    ids: Vec<u32>,
    offsets: Vec<usize>,
    status: Vec<i32>,
}

fn main() {
    let events = Events::load();
    let ptrs: Vec<*const u8> = events.iter().map(|e| e.as_ptr()).collect();
    let lens: Vec<usize> = events.iter().map(|e| e.len()).collect();
    let set = std::env::var("EVMATCH_BENCH_SET").unwrap_or_else(|_| "exact".into());
    let set = set.as_str();
    let c = CMachine::new(set);
    let mut buf = Batch {
        ids: vec![0; BATCH * 8],
        offsets: vec![0; BATCH + 1],
        status: vec![0; BATCH],
    };
    let mut b = evmatch::Machine::builder();
    for (name, p) in rule_set(set) {
        b.add_rule(&name, &p).unwrap();
    }
    let m = b.build();
    let rust = |m: &evmatch::Machine| {
        let mut scratch = m.create_scratch();
        let mut ids = Vec::new();
        let mut n = 0u64;
        for e in events.iter() {
            ids.clear();
            m.find(&mut scratch, e, &mut ids).unwrap();
            n += ids.len() as u64;
        }
        n
    };
    assert_eq!(rust(&m), expected(set));
    assert_eq!(c.run(&ptrs, &lens, &mut buf), expected(set));

    if std::env::var_os("EVMATCH_BENCH_QUICK").is_none() {
        let mut cr = Criterion::default()
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(4))
            .configure_from_args();
        let mut g = cr.benchmark_group("ffi");
        g.throughput(Throughput::Bytes(events.bytes()));
        g.bench_function("rust-find/exact", |bch| bch.iter(|| black_box(rust(&m))));
        g.bench_function("c-match-batch/exact", |bch| {
            bch.iter(|| black_box(c.run(&ptrs, &lens, &mut buf)))
        });
        g.finish();
        cr.final_summary();
    }
    // Interleaved best-of-5, so both see the same machine load.
    let mut tr = Duration::MAX;
    let mut tc = Duration::MAX;
    for _ in 0..5 {
        tr = tr.min(best_of(1, || {
            black_box(rust(&m));
        }));
        tc = tc.min(best_of(1, || {
            black_box(c.run(&ptrs, &lens, &mut buf));
        }));
    }
    let n = events.lines.len() as f64;
    println!(
        "\n{set}: Rust API {:.0} events/s, C ABI batch {:.0} events/s: the C ABI costs {:+.1}%",
        n / tr.as_secs_f64(),
        n / tc.as_secs_f64(),
        100.0 * (tc.as_secs_f64() / tr.as_secs_f64() - 1.0)
    );
}
