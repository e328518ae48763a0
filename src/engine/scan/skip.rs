//! Skipping a value no rule names: validated (`skip_value`, the scalar
//! validator and the authority on errors) or, for trusted input, by
//! bracket counting (`fast_skip`). Nesting is counted on an explicit stack
//! or a counter: no recursion.

use super::lexical::{
    key, literal, number_end, string_end, string_end_trusted, syntax, unexpected, ws,
};
use crate::error::EventError;
use crate::json::SyntaxErrorKind as S;

const OBJ: u8 = 0;
const ARR: u8 = 1;

/// Validates one value at `p` (after white space); returns the index after
/// it. `depth` is the nesting depth of the value's container.
pub(crate) fn skip_value(
    ev: &[u8],
    mut p: usize,
    depth: usize,
    max_depth: usize,
    stack: &mut Vec<u8>,
) -> Result<usize, EventError> {
    stack.clear();
    'value: loop {
        p = ws(ev, p);
        match ev.get(p) {
            Some(b'{') => {
                if depth + stack.len() >= max_depth {
                    return Err(syntax(S::TooDeep(max_depth), p));
                }
                p = ws(ev, p + 1);
                if ev.get(p) == Some(&b'}') {
                    p += 1;
                } else {
                    stack.push(OBJ);
                    p = key(ev, p)?.3;
                    continue 'value;
                }
            }
            Some(b'[') => {
                if depth + stack.len() >= max_depth {
                    return Err(syntax(S::TooDeep(max_depth), p));
                }
                p = ws(ev, p + 1);
                if ev.get(p) == Some(&b']') {
                    p += 1;
                } else {
                    stack.push(ARR);
                    continue 'value;
                }
            }
            Some(b'"') => p = string_end(ev, p + 1)?.0 + 1,
            Some(b'-' | b'0'..=b'9') => p = number_end(ev, p)?,
            Some(b't') => p = literal(ev, p, b"true")?,
            Some(b'f') => p = literal(ev, p, b"false")?,
            Some(b'n') => p = literal(ev, p, b"null")?,
            _ => return Err(unexpected(ev, p)),
        }
        // After a value: close containers or move to the next member.
        loop {
            let Some(&top) = stack.last() else {
                return Ok(p);
            };
            p = ws(ev, p);
            match (ev.get(p), top) {
                (Some(b','), OBJ) => {
                    p = key(ev, ws(ev, p + 1))?.3;
                    continue 'value;
                }
                (Some(b','), _) => {
                    p += 1;
                    continue 'value;
                }
                (Some(b'}'), OBJ) | (Some(b']'), ARR) => {
                    p += 1;
                    stack.pop();
                }
                _ => return Err(unexpected(ev, p)),
            }
        }
    }
}

/// Which bytes `fast_skip` stops at inside containers.
static STRUCTURAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'"' as usize] = true;
    t[b'[' as usize] = true;
    t[b']' as usize] = true;
    t[b'{' as usize] = true;
    t[b'}' as usize] = true;
    t
};

/// Skips a string whose opening quote is at `q - 1` without validating it
/// (trusted mode); returns the index after its closing quote.
#[inline]
pub(super) fn skip_string_trusted(ev: &[u8], q: usize) -> Result<usize, EventError> {
    string_end_trusted(ev, q)
        .map(|end| end + 1)
        .ok_or_else(|| syntax(S::UnexpectedEnd, ev.len()))
}

/// Skips one value at `p` without validating it (trusted mode): strings by
/// their closing quote, containers by bracket counting. Malformed input still
/// ends in an error or a wrong answer, never a panic or a hang.
pub(super) fn fast_skip(ev: &[u8], p: usize) -> Result<usize, EventError> {
    match ev.get(p) {
        Some(b'"') => skip_string_trusted(ev, p + 1),
        Some(b'{' | b'[') => {
            let mut depth = 1usize;
            let mut q = p + 1;
            while q < ev.len() {
                let c = ev[q];
                if !STRUCTURAL[c as usize] {
                    q += 1;
                    continue;
                }
                match c {
                    b'"' => q = skip_string_trusted(ev, q + 1)?,
                    b'{' | b'[' => {
                        depth += 1;
                        q += 1;
                    }
                    _ => {
                        depth -= 1;
                        q += 1;
                        if depth == 0 {
                            return Ok(q);
                        }
                    }
                }
            }
            Err(syntax(S::UnexpectedEnd, ev.len()))
        }
        Some(_) => {
            let mut q = p;
            while q < ev.len()
                && !matches!(ev[q], b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
            {
                q += 1;
            }
            if q == p {
                return Err(unexpected(ev, p));
            }
            Ok(q)
        }
        None => Err(syntax(S::UnexpectedEnd, p)),
    }
}
