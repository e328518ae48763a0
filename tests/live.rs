//! Live rule updates: a stress test with concurrent readers and a writer
//! (`live_updates_stress`, runnable alone), and a property test holding
//! add/remove sequences against a freshly built machine.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use evmatch::reference::Reference;
use evmatch::{LiveMachine, Machine};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Valid patterns and valid events from the golden corpus.
fn corpus() -> (Vec<String>, Vec<String>) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/conformance");
    let mut patterns = Vec::new();
    let mut events = Vec::new();
    for file in ["edge-cases.jsonl", "generated.jsonl"] {
        let text = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
        for line in text.lines() {
            let case: serde_json::Value = serde_json::from_str(line).unwrap();
            let invalid = case["expect"]["invalid"].as_object().unwrap();
            for (name, p) in case["rules"].as_object().unwrap() {
                if !invalid.contains_key(name) {
                    patterns.push(p.as_str().unwrap().to_string());
                }
            }
            let bad: Vec<u64> = case["expect"]
                .get("invalid_events")
                .and_then(|v| v.as_array())
                .map(|a| a.iter().map(|v| v.as_u64().unwrap()).collect())
                .unwrap_or_default();
            for (i, e) in case["events"].as_array().unwrap().iter().enumerate() {
                if !bad.contains(&(i as u64)) {
                    events.push(e.as_str().unwrap().to_string());
                }
            }
        }
    }
    (patterns, events)
}

type RuleSet = BTreeMap<String, Vec<String>>;

fn reference_for(rules: &RuleSet) -> Reference {
    let mut r = Reference::new();
    for (name, ps) in rules {
        for p in ps {
            r.add_rule(name, p).unwrap();
        }
    }
    r
}

#[test]
fn live_updates_stress() {
    let (patterns, events) = corpus();
    let events: Arc<Vec<String>> = Arc::new(events.into_iter().take(600).collect());
    let live = Arc::new(LiveMachine::new());
    // version -> the rule set it holds
    let history: Arc<Mutex<HashMap<u64, RuleSet>>> = Arc::new(Mutex::new(HashMap::new()));
    history.lock().unwrap().insert(0, RuleSet::new());
    let stop = Arc::new(AtomicBool::new(false));

    let readers: Vec<_> = (0..3)
        .map(|t| {
            let (live, events, stop) = (live.clone(), events.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut scratch = evmatch::Scratch::new();
                let mut seen = Vec::new();
                let mut i = t * 7;
                let mut passes = 0;
                while !stop.load(Ordering::Relaxed) || passes < 2 {
                    let ev = &events[i % events.len()];
                    let mut names = Vec::new();
                    let v = live
                        .for_each_match(&mut scratch, ev.as_bytes(), |n| names.push(n.to_string()))
                        .unwrap();
                    names.sort();
                    seen.push((v, i % events.len(), names));
                    i += 1;
                    if i % events.len() == 0 {
                        passes += 1;
                    }
                }
                seen
            })
        })
        .collect();

    let mut rng = Rng(0x11fe);
    let mut model = RuleSet::new();
    for step in 0..400 {
        let name = format!("rule-{}", rng.below(40));
        let version = if model.contains_key(&name) && rng.below(3) == 0 {
            model.remove(&name);
            live.remove_rule(&name).unwrap()
        } else {
            let p = &patterns[rng.below(patterns.len())];
            model.entry(name.clone()).or_default().push(p.clone());
            live.add_rule(&name, p).unwrap()
        };
        history.lock().unwrap().insert(version, model.clone());
        if step % 50 == 0 {
            std::thread::yield_now();
        }
    }
    stop.store(true, Ordering::Relaxed);

    let history = history.lock().unwrap();
    let mut references: HashMap<u64, Reference> = HashMap::new();
    let mut checked = 0;
    let mut versions = std::collections::HashSet::new();
    for r in readers {
        for (v, i, names) in r.join().unwrap() {
            let reference = references
                .entry(v)
                .or_insert_with(|| reference_for(&history[&v]));
            let want = reference.matches(events[i].as_bytes()).unwrap();
            assert_eq!(names, want, "version {v}, event {}", events[i]);
            checked += 1;
            versions.insert(v);
        }
    }
    assert!(versions.len() > 1, "readers saw only one version");
    eprintln!(
        "{checked} reader results checked across {} versions",
        versions.len()
    );
}

#[test]
fn add_remove_sequences_match_a_fresh_machine() {
    let (patterns, events) = corpus();
    let events: Vec<&String> = events.iter().step_by(7).take(300).collect();
    for seed in 1..40u64 {
        let mut rng = Rng(seed * 7919);
        let live = LiveMachine::new();
        let mut model: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for step in 0..60 {
            let name = format!("r{}", rng.below(12));
            match rng.below(10) {
                0..=2 => {
                    let had = model.remove(&name).is_some();
                    assert_eq!(live.remove_rule(&name).is_some(), had);
                }
                3 if step % 20 == 19 => {
                    // Replace everything with a few rules.
                    model.clear();
                    let mut new = Vec::new();
                    for k in 0..3 {
                        let p = patterns[rng.below(patterns.len())].clone();
                        model.entry(format!("z{k}")).or_default().push(p.clone());
                        new.push((format!("z{k}"), p));
                    }
                    live.replace_rules(new).unwrap();
                }
                _ => {
                    let p = patterns[rng.below(patterns.len())].clone();
                    live.add_rule(&name, &p).unwrap();
                    model.entry(name).or_default().push(p);
                }
            }
            if step % 10 == 9 {
                let mut b = Machine::builder();
                for (n, ps) in &model {
                    for p in ps {
                        b.add_rule(n, p).unwrap();
                    }
                }
                let fresh = b.build();
                assert_eq!(live.rule_count(), fresh.rule_count());
                for ev in &events {
                    let mut want: Vec<String> = fresh
                        .matches(ev.as_bytes())
                        .unwrap()
                        .into_iter()
                        .map(String::from)
                        .collect();
                    want.sort();
                    assert_eq!(
                        live.matches(ev.as_bytes()).unwrap(),
                        want,
                        "seed {seed} step {step} event {ev}"
                    );
                }
            }
        }
    }
}

#[test]
fn memory_returns_after_add_remove_cycles() {
    let (patterns, _) = corpus();
    let live = LiveMachine::new();
    for (i, p) in patterns.iter().take(500).enumerate() {
        live.add_rule(&format!("base-{i}"), p).unwrap();
    }
    let before = live.snapshot().heap_size();
    for cycle in 0..2000 {
        let name = format!("tmp-{}", cycle % 50);
        live.add_rule(&name, &patterns[(cycle * 31) % patterns.len()])
            .unwrap();
        if cycle % 50 == 49 {
            for k in 0..50 {
                live.remove_rule(&format!("tmp-{k}"));
            }
        }
    }
    let after = live.snapshot().heap_size();
    // Bounded: removals leave some structure behind until the automatic
    // rebuild, which runs once they add up to the machine's size.
    assert!(
        after <= 2 * before,
        "heap grew from {before} to {after} bytes"
    );
    for cycle in 0..4000 {
        let name = format!("tmp-{}", cycle % 50);
        live.add_rule(&name, &patterns[(cycle * 17) % patterns.len()])
            .unwrap();
        if cycle % 50 == 49 {
            for k in 0..50 {
                live.remove_rule(&format!("tmp-{k}"));
            }
        }
    }
    let later = live.snapshot().heap_size();
    assert!(
        later <= 2 * before,
        "heap grew from {before} to {later} bytes"
    );
    // After a compaction, about what a fresh machine holds.
    live.compact();
    let fresh = {
        let l = LiveMachine::new();
        for (i, p) in patterns.iter().take(500).enumerate() {
            l.add_rule(&format!("base-{i}"), p).unwrap();
        }
        l.snapshot().heap_size()
    };
    let compacted = live.snapshot().heap_size();
    // (The rule-name table keeps the slots of removed names for reuse.)
    assert!(
        compacted <= fresh + fresh / 4,
        "compacted {compacted} bytes, fresh {fresh} bytes"
    );
    eprintln!("heap: fresh {fresh}, after cycles {after} / {later}, compacted {compacted}");
}
