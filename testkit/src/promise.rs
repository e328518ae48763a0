//! The trusted-input promise: the event is valid JSON (as
//! [`evmatch::reference::parse`] reads it) and no object in it repeats a
//! member name. A machine built with `trusted_input(true)` must answer as
//! the reference does on every event that keeps it, and must not panic on
//! the others.

use evmatch::reference::EventValue;

/// Whether `event` keeps the promise.
///
/// ```
/// use evmatch_testkit::promise::kept;
/// assert!(kept(br#"{"a": {"b": 1}, "b": [{"b": 2}, {"b": 3}]}"#));
/// assert!(!kept(br#"{"a": {"b": 1, "b": 2}}"#));
/// assert!(!kept(br#"{"a": "#));
/// ```
pub fn kept(event: &[u8]) -> bool {
    evmatch::reference::parse(event).is_ok_and(|v| !repeats_a_name(&v))
}

/// Whether some object of `v` gives a member name twice.
pub fn repeats_a_name(v: &EventValue) -> bool {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            EventValue::Object(members) => {
                let mut names: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
                names.sort_unstable();
                if names.windows(2).any(|w| w[0] == w[1]) {
                    return true;
                }
                stack.extend(members.iter().map(|(_, v)| v));
            }
            EventValue::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    false
}
