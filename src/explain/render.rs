//! The two forms of an explanation: a readable tree, and JSON.

use std::fmt::Write;

use super::{BranchExplanation, Explanation, FieldExplanation, FieldStatus, ValueExplanation};

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// The tree: the verdict, then per branch each field with a mark (`✓`
/// satisfied, `✗` not), its leaf and what the event holds there.
pub(super) fn tree(e: &Explanation, color: bool) -> String {
    let paint = |code: &'static str, text: &str| {
        if color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    };
    let verdict = |yes: bool| {
        if yes {
            paint(GREEN, "matched")
        } else {
            paint(RED, "did not match")
        }
    };
    let mark = |yes: bool| {
        if yes {
            paint(GREEN, "✓")
        } else {
            paint(RED, "✗")
        }
    };
    let mut out = String::new();
    let _ = writeln!(out, "rule {}: {}", quote(&e.rule), verdict(e.matched));
    let n = e.branches.len();
    for (i, b) in e.branches.iter().enumerate() {
        let indent = if n > 1 {
            let _ = writeln!(out, "  branch {} of {n}: {}", i + 1, verdict(b.matched));
            "    "
        } else {
            "  "
        };
        for f in &b.fields {
            let _ = write!(out, "{indent}{} {} {}", mark(f.matched), f.path, f.pattern);
            match f.status {
                FieldStatus::Absent => {
                    let _ = write!(out, ": absent");
                }
                FieldStatus::NotALeaf => {
                    let _ = write!(out, ": an object, not a leaf value");
                }
                FieldStatus::Matched | FieldStatus::NoMatch => {}
            }
            out.push('\n');
            for v in &f.values {
                let _ = writeln!(out, "{indent}    {}", value_line(v, &paint));
            }
            if f.omitted > 0 {
                let _ = writeln!(out, "{indent}    (and {} more values)", f.omitted);
            }
        }
        if let Some(c) = &b.conflict {
            let paths: Vec<&str> = c.fields().collect();
            let _ = writeln!(
                out,
                "{indent}{} array consistency: {} cannot be satisfied from the same array elements",
                mark(false),
                paths.join(", ")
            );
            for (path, elements) in &c.tried {
                let tried: Vec<String> = elements.iter().map(|e| indices(e)).collect();
                let _ = writeln!(
                    out,
                    "{indent}    {path} is satisfied at elements {}",
                    tried.join(", ")
                );
            }
        }
    }
    out
}

fn value_line(v: &ValueExplanation, paint: &dyn Fn(&'static str, &str) -> String) -> String {
    let mut s = v.text.clone();
    if v.truncated {
        s.push('…');
    }
    let _ = write!(s, " {}", paint(DIM, &format!("at byte {}", v.offset)));
    if !v.array_indices.is_empty() {
        let _ = write!(
            s,
            " {}",
            paint(DIM, &format!("element {}", indices(&v.array_indices)))
        );
    }
    match (&v.satisfies, v.object) {
        (Some(m), _) => {
            let _ = write!(s, ": satisfies {m}");
        }
        (None, true) => s.push_str(": an object, not a leaf value"),
        (None, false) => s.push_str(": satisfies none"),
    }
    s
}

/// Array indices as `[0][2]`.
fn indices(ix: &[u32]) -> String {
    ix.iter().map(|i| format!("[{i}]")).collect()
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// The JSON form (see [`Explanation::to_json`]).
pub(super) fn json(e: &Explanation) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "{{\"rule\":{},\"matched\":{},\"branches\":[",
        quote(&e.rule),
        e.matched
    );
    for (i, b) in e.branches.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        branch_json(b, &mut out);
    }
    out.push_str("]}");
    out
}

fn branch_json(b: &BranchExplanation, out: &mut String) {
    let _ = write!(out, "{{\"matched\":{},\"fields\":[", b.matched);
    for (i, f) in b.fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field_json(f, out);
    }
    out.push_str("],\"array_conflict\":");
    match &b.conflict {
        None => out.push_str("null"),
        Some(c) => {
            let paths: Vec<String> = c.fields().map(quote).collect();
            let _ = write!(
                out,
                "{{\"fields\":[{}],\"elements_tried\":{{",
                paths.join(",")
            );
            for (i, (path, elements)) in c.tried.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let list: Vec<String> = elements.iter().map(|e| index_list(e)).collect();
                let _ = write!(out, "{}:[{}]", quote(path), list.join(","));
            }
            out.push_str("}}");
        }
    }
    out.push('}');
}

fn field_json(f: &FieldExplanation, out: &mut String) {
    let _ = write!(
        out,
        "{{\"path\":{},\"pattern\":{},\"matched\":{},\"status\":\"{}\",\"values\":[",
        quote(&f.path),
        quote(&f.pattern),
        f.matched,
        f.status.as_str()
    );
    for (i, v) in f.values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{{\"value\":{},\"offset\":{},\"array_indices\":{},\"satisfies\":{}",
            quote(&v.text),
            v.offset,
            index_list(&v.array_indices),
            v.satisfies.as_deref().map_or("null".to_string(), quote)
        );
        if v.truncated {
            out.push_str(",\"truncated\":true");
        }
        if v.object {
            out.push_str(",\"object\":true");
        }
        out.push('}');
    }
    let _ = write!(out, "],\"omitted_values\":{}}}", f.omitted);
}

fn index_list(ix: &[u32]) -> String {
    let items: Vec<String> = ix.iter().map(u32::to_string).collect();
    format!("[{}]", items.join(","))
}
