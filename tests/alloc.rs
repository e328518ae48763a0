//! No allocation per event once scratch space is warm: a counting global
//! allocator watches `Machine::find` over every case of the golden corpus.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counters are thread-local cells that never allocate.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = COUNTING.try_with(|c| {
            if c.get() {
                COUNT.with(|n| n.set(n.get() + 1));
            }
        });
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = COUNTING.try_with(|c| {
            if c.get() {
                COUNT.with(|n| n.set(n.get() + 1));
            }
        });
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn count_allocations(f: impl FnOnce()) -> u64 {
    COUNT.with(|n| n.set(0));
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    COUNT.with(|n| n.get())
}

#[test]
fn no_allocation_per_event_once_warm() {
    // The counter does count.
    assert_eq!(
        count_allocations(|| drop(std::hint::black_box(vec![1u8; 10]))),
        1
    );
    let mut events_total = 0;
    for file in ["aws-validated.jsonl", "edge-cases.jsonl", "generated.jsonl"] {
        let cases = evmatch_testkit::conformance::read(file);
        for (case, trusted) in cases.iter().flat_map(|c| [(c, false), (c, true)]) {
            let mut b = evmatch::Machine::builder();
            b.trusted_input(trusted);
            for (name, p) in &case.rules {
                let _ = b.add_rule(name, p);
            }
            let m = b.build();
            let events: Vec<&[u8]> = case.events.iter().map(|e| e.as_bytes()).collect();
            let mut scratch = m.create_scratch();
            let mut ids = Vec::with_capacity(m.rule_count());
            // Warm up: the scratch grows to what these events need.
            for e in &events {
                ids.clear();
                let _ = m.find(&mut scratch, e, &mut ids);
            }
            let valid: Vec<&[u8]> = events
                .iter()
                .copied()
                .filter(|e| {
                    m.find(&mut scratch, e, &mut Vec::with_capacity(m.rule_count()))
                        .is_ok()
                })
                .collect();
            let n = count_allocations(|| {
                for e in &valid {
                    ids.clear();
                    m.find(&mut scratch, e, &mut ids).unwrap();
                }
            });
            assert_eq!(
                n,
                0,
                "{} (trusted: {trusted}): {} allocations over {} events",
                case.id,
                n,
                valid.len()
            );
            events_total += valid.len();
        }
    }
    eprintln!("{events_total} events matched with no allocation");
}
