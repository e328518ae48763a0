//! The trusted-input promise: valid JSON with no member name repeated in
//! an object. Trusted mode answers as validated mode only on such events.

use evmatch::reference::EventValue as V;

/// Whether `event` keeps the promise.
pub fn kept(event: &[u8]) -> bool {
    let Ok(v) = evmatch::reference::parse(event) else {
        return false;
    };
    let mut stack = vec![&v];
    while let Some(v) = stack.pop() {
        match v {
            V::Object(members) => {
                let mut names: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
                names.sort_unstable();
                if names.windows(2).any(|w| w[0] == w[1]) {
                    return false;
                }
                stack.extend(members.iter().map(|(_, v)| v));
            }
            V::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    true
}
