//! Statuses and errors: `evm_status`, the error kind enums, and
//! `evm_error` with its accessors.

use std::ffi::{c_char, CString};

use super::panic::guard_or;
use super::ptr::{take_box, try_ref};
use crate::{
    EventError, EventErrorKind, PatternError, PatternErrorKind, RulesFileError, RulesFileErrorKind,
};

/// The result of every `evm_` function that can fail, and the per-event
/// status of the batch functions.
///
/// The values are stable and part of the ABI. Out-parameters are written
/// only on `EVM_OK`, except where a function documents otherwise
/// (`EVM_BUFFER_TOO_SMALL` writes the needed size; `EVM_PATTERN_ERROR`,
/// `EVM_EVENT_ERROR` and `EVM_RULES_FILE_ERROR` write `*err_out`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum evm_status {
    /// Success.
    EVM_OK = 0,
    /// A pattern could not be compiled; details in the `evm_error`.
    EVM_PATTERN_ERROR = 1,
    /// An event could not be matched (not JSON, not an object, too deep);
    /// details in the `evm_error`.
    EVM_EVENT_ERROR = 2,
    /// A required pointer argument was NULL.
    EVM_NULL_ARGUMENT = 3,
    /// A rule name was not valid UTF-8.
    EVM_INVALID_UTF8 = 4,
    /// The caller's output buffer is too small; the needed size was written.
    EVM_BUFFER_TOO_SMALL = 5,
    /// An argument is out of range (index, length, batch offsets), or a
    /// scratch was used with a machine it was not created for, or by two
    /// calls at once.
    EVM_INVALID_ARGUMENT = 6,
    /// evmatch panicked (a bug); the call had no effect on its outputs.
    EVM_PANIC = 7,
    /// A rules file is not JSON, or not an object of named patterns; details
    /// in the `evm_error`.
    EVM_RULES_FILE_ERROR = 8,
    /// Only as a per-event status of a batch: the row is null (its bit in
    /// an Arrow validity bitmap is 0), so it was not matched.
    EVM_NULL_EVENT = 9,
}

use evm_status::{EVM_EVENT_ERROR, EVM_NULL_ARGUMENT, EVM_PATTERN_ERROR, EVM_RULES_FILE_ERROR};

/// What made a pattern invalid: the value of `evm_error_kind` for an error
/// whose status is `EVM_PATTERN_ERROR`. The values are stable (they are the
/// Rust API's `PatternErrorKind::code`); new kinds may be added.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum evm_pattern_error_kind {
    /// The pattern text is not JSON (or not UTF-8).
    EVM_PATTERN_ERROR_SYNTAX = 1,
    /// The pattern is JSON but not an object.
    EVM_PATTERN_ERROR_NOT_AN_OBJECT = 2,
    /// The structure is wrong (a member that is neither an object nor an
    /// array, an empty object or array, a nested array in a leaf, a misused
    /// `$or`).
    EVM_PATTERN_ERROR_STRUCTURE = 3,
    /// A matcher object names an operator that does not exist.
    EVM_PATTERN_ERROR_UNKNOWN_OPERATOR = 4,
    /// An operator's operand has the wrong type or shape.
    EVM_PATTERN_ERROR_OPERAND = 5,
    /// A `numeric` expression is malformed, or holds a number that cannot
    /// be compared exactly.
    EVM_PATTERN_ERROR_NUMERIC = 6,
    /// A `cidr` operand is malformed.
    EVM_PATTERN_ERROR_CIDR = 7,
    /// A `wildcard` operand is malformed.
    EVM_PATTERN_ERROR_WILDCARD = 8,
    /// A `wildcard` operand is too complex.
    EVM_PATTERN_ERROR_TOO_COMPLEX = 9,
    /// The `$or` expansion exceeds the combination limit.
    EVM_PATTERN_ERROR_TOO_MANY_COMBINATIONS = 10,
    /// The pattern text is longer than the size limit.
    EVM_PATTERN_ERROR_TOO_LARGE = 11,
    /// The pattern nests deeper than the depth limit.
    EVM_PATTERN_ERROR_TOO_DEEP = 12,
}

/// What made an event unmatchable: the value of `evm_error_kind` for an
/// error whose status is `EVM_EVENT_ERROR`. The values are stable (they are
/// the Rust API's `EventErrorKind::code`); new kinds may be added.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum evm_event_error_kind {
    /// The event is not valid JSON (RFC 8259), or not UTF-8.
    EVM_EVENT_ERROR_SYNTAX = 1,
    /// The event is valid JSON but not an object.
    EVM_EVENT_ERROR_NOT_AN_OBJECT = 2,
    /// The event nests deeper than the depth limit.
    EVM_EVENT_ERROR_TOO_DEEP = 3,
}

/// What is wrong with a rules file: the value of `evm_error_kind` for an
/// error whose status is `EVM_RULES_FILE_ERROR`. The values are stable; new
/// kinds may be added. (An invalid rule in a rules file is an
/// `EVM_PATTERN_ERROR`.)
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum evm_rules_file_error_kind {
    /// The file is not JSON (or not UTF-8).
    EVM_RULES_FILE_ERROR_SYNTAX = 1,
    /// The file is JSON, but not an object whose members are patterns
    /// (JSON objects, or strings holding one).
    EVM_RULES_FILE_ERROR_NOT_RULES = 2,
}

impl From<PatternErrorKind> for evm_pattern_error_kind {
    fn from(k: PatternErrorKind) -> evm_pattern_error_kind {
        use evm_pattern_error_kind::*;
        match k {
            PatternErrorKind::Syntax => EVM_PATTERN_ERROR_SYNTAX,
            PatternErrorKind::NotAnObject => EVM_PATTERN_ERROR_NOT_AN_OBJECT,
            PatternErrorKind::Structure => EVM_PATTERN_ERROR_STRUCTURE,
            PatternErrorKind::UnknownOperator => EVM_PATTERN_ERROR_UNKNOWN_OPERATOR,
            PatternErrorKind::Operand => EVM_PATTERN_ERROR_OPERAND,
            PatternErrorKind::Numeric => EVM_PATTERN_ERROR_NUMERIC,
            PatternErrorKind::Cidr => EVM_PATTERN_ERROR_CIDR,
            PatternErrorKind::Wildcard => EVM_PATTERN_ERROR_WILDCARD,
            PatternErrorKind::TooComplex => EVM_PATTERN_ERROR_TOO_COMPLEX,
            PatternErrorKind::TooManyCombinations => EVM_PATTERN_ERROR_TOO_MANY_COMBINATIONS,
            PatternErrorKind::TooLarge => EVM_PATTERN_ERROR_TOO_LARGE,
            PatternErrorKind::TooDeep => EVM_PATTERN_ERROR_TOO_DEEP,
        }
    }
}

impl From<EventErrorKind> for evm_event_error_kind {
    fn from(k: EventErrorKind) -> evm_event_error_kind {
        use evm_event_error_kind::*;
        match k {
            EventErrorKind::Syntax => EVM_EVENT_ERROR_SYNTAX,
            EventErrorKind::NotAnObject => EVM_EVENT_ERROR_NOT_AN_OBJECT,
            EventErrorKind::TooDeep => EVM_EVENT_ERROR_TOO_DEEP,
        }
    }
}

/// Details of a failed call: a pattern that did not compile, an event that
/// could not be matched, or a rules file that could not be read. Opaque;
/// owned by the caller, who frees it with `evm_error_free`. Immutable, so
/// it may be read from any thread.
#[derive(Debug)]
pub struct evm_error {
    status: evm_status,
    kind: u32,
    offset: usize,
    line: usize,
    column: usize,
    message: CString,
    path: CString,
    rule: CString,
}

/// `s` as a C string; NUL bytes inside it (possible in JSON text and rule
/// names) become U+FFFD so the C string is not cut short.
fn c_string(s: &str) -> CString {
    let owned;
    let s = if s.contains('\0') {
        owned = s.replace('\0', "\u{FFFD}");
        &owned
    } else {
        s
    };
    CString::new(s).unwrap_or_default()
}

impl evm_error {
    /// The error of a pattern added under the name `rule`.
    pub(super) fn pattern(rule: &str, e: &PatternError) -> evm_error {
        evm_error {
            status: EVM_PATTERN_ERROR,
            kind: evm_pattern_error_kind::from(e.kind()) as u32,
            offset: e.offset(),
            line: 0,
            column: 0,
            message: c_string(e.message()),
            path: c_string(e.path()),
            rule: c_string(rule),
        }
    }

    pub(super) fn event(e: &EventError) -> evm_error {
        evm_error {
            status: EVM_EVENT_ERROR,
            kind: evm_event_error_kind::from(e.kind()) as u32,
            offset: e.offset(),
            line: 0,
            column: 0,
            message: c_string(e.message()),
            path: CString::default(),
            rule: CString::default(),
        }
    }

    /// A rules file's error: an invalid rule is a pattern error placed in
    /// the file; anything else is a rules-file error.
    pub(super) fn rules_file(e: &RulesFileError) -> evm_error {
        let rule = c_string(e.rule().unwrap_or(""));
        let (status, kind, message, path) = match (e.kind(), e.pattern_error()) {
            (RulesFileErrorKind::InvalidRule, Some(p)) => (
                EVM_PATTERN_ERROR,
                evm_pattern_error_kind::from(p.kind()) as u32,
                p.message(),
                p.path(),
            ),
            (RulesFileErrorKind::Syntax, _) => (
                EVM_RULES_FILE_ERROR,
                evm_rules_file_error_kind::EVM_RULES_FILE_ERROR_SYNTAX as u32,
                e.message(),
                "",
            ),
            _ => (
                EVM_RULES_FILE_ERROR,
                evm_rules_file_error_kind::EVM_RULES_FILE_ERROR_NOT_RULES as u32,
                e.message(),
                "",
            ),
        };
        evm_error {
            status,
            kind,
            offset: e.offset(),
            line: e.line(),
            column: e.column(),
            message: c_string(message),
            path: c_string(path),
            rule,
        }
    }
}

/// Hands `err` to the caller through `err_out` when it is not NULL, and
/// returns `status` as the call's error.
///
/// # Safety
///
/// A non-NULL `err_out` must be valid for a pointer-sized write.
pub(super) unsafe fn report(
    err_out: *mut *mut evm_error,
    err: impl FnOnce() -> evm_error,
) -> evm_status {
    let err = err();
    let status = err.status;
    if !err_out.is_null() {
        // SAFETY: non-NULL and, by the caller's contract, writable.
        unsafe { err_out.write(Box::into_raw(Box::new(err))) };
    }
    status
}

/// The empty C string handed out for missing strings.
fn empty_c_str() -> *const c_char {
    static EMPTY: [u8; 1] = [0];
    EMPTY.as_ptr().cast()
}

/// Applies `f` to the error at `err`, or gives `fallback` for NULL (or a
/// panic).
///
/// # Safety
///
/// `err` must be NULL or a live error.
unsafe fn with_error<T>(err: *const evm_error, fallback: T, f: impl FnOnce(&evm_error) -> T) -> T
where
    T: Copy,
{
    guard_or(fallback, || {
        // SAFETY: NULL or live by the caller's contract; errors are
        // immutable.
        match unsafe { try_ref(err) } {
            Ok(e) => f(e),
            Err(_) => fallback,
        }
    })
}

/// Which call failed: `EVM_PATTERN_ERROR`, `EVM_EVENT_ERROR` or
/// `EVM_RULES_FILE_ERROR` (`EVM_NULL_ARGUMENT` for NULL). Thread-safe
/// (errors are immutable).
///
/// # Safety
///
/// `err` must be NULL or a live error.
#[no_mangle]
pub unsafe extern "C" fn evm_error_status(err: *const evm_error) -> evm_status {
    guard_or(evm_status::EVM_PANIC, || {
        // SAFETY: NULL or live by this function's contract.
        unsafe { try_ref(err) }.map_or(EVM_NULL_ARGUMENT, |e| e.status)
    })
}

/// The stable kind code, a value of the enum that goes with the status
/// (tell them apart with `evm_error_status`): `evm_pattern_error_kind` for
/// `EVM_PATTERN_ERROR`, `evm_event_error_kind` for `EVM_EVENT_ERROR`,
/// `evm_rules_file_error_kind` for `EVM_RULES_FILE_ERROR`. 0 for NULL.
/// Thread-safe.
///
/// # Safety
///
/// `err` must be NULL or a live error.
#[no_mangle]
pub unsafe extern "C" fn evm_error_kind(err: *const evm_error) -> u32 {
    // SAFETY: NULL or live by this function's contract.
    unsafe { with_error(err, 0, |e| e.kind) }
}

/// The one-line message, NUL-terminated (NUL bytes inside it are shown as
/// U+FFFD). Owned by the error: valid until `evm_error_free`. "" for NULL.
/// For an invalid rule of a rules file, the pattern's message (the rule's
/// name is in `evm_error_rule`). Thread-safe.
///
/// # Safety
///
/// `err` must be NULL or a live error.
#[no_mangle]
pub unsafe extern "C" fn evm_error_message(err: *const evm_error) -> *const c_char {
    // SAFETY: NULL or live by this function's contract.
    unsafe { with_error(err, empty_c_str(), |e| e.message.as_ptr()) }
}

/// For a pattern error, the JSON path of the offending spot inside the
/// pattern, such as "$.detail.state" (NUL-terminated, owned by the error);
/// "" for other errors and NULL. Thread-safe.
///
/// # Safety
///
/// `err` must be NULL or a live error.
#[no_mangle]
pub unsafe extern "C" fn evm_error_path(err: *const evm_error) -> *const c_char {
    // SAFETY: NULL or live by this function's contract.
    unsafe { with_error(err, empty_c_str(), |e| e.path.as_ptr()) }
}

/// The byte offset of the problem in the text the failing call was given:
/// the pattern, the event, or the rules file (for a rule whose pattern a
/// rules file holds in a JSON string, the offset of that string). 0 for
/// NULL. Thread-safe.
///
/// # Safety
///
/// `err` must be NULL or a live error.
#[no_mangle]
pub unsafe extern "C" fn evm_error_offset(err: *const evm_error) -> usize {
    // SAFETY: NULL or live by this function's contract.
    unsafe { with_error(err, 0, |e| e.offset) }
}

/// For an error of `evm_builder_add_rules_json`, the line of
/// `evm_error_offset` in the rules file, from 1 (the line the command-line
/// tool reports); 0 for other errors and NULL. Thread-safe.
///
/// # Safety
///
/// `err` must be NULL or a live error.
#[no_mangle]
pub unsafe extern "C" fn evm_error_line(err: *const evm_error) -> usize {
    // SAFETY: NULL or live by this function's contract.
    unsafe { with_error(err, 0, |e| e.line) }
}

/// For an error of `evm_builder_add_rules_json`, the column of
/// `evm_error_offset` in its line, in bytes from 1; 0 for other errors and
/// NULL. Thread-safe.
///
/// # Safety
///
/// `err` must be NULL or a live error.
#[no_mangle]
pub unsafe extern "C" fn evm_error_column(err: *const evm_error) -> usize {
    // SAFETY: NULL or live by this function's contract.
    unsafe { with_error(err, 0, |e| e.column) }
}

/// The name of the rule the error is about (NUL-terminated, owned by the
/// error; NUL bytes shown as U+FFFD): for a pattern error, the rule being
/// added; for a rules-file error, the member that is not a pattern, if
/// any; "" otherwise and for NULL. Thread-safe.
///
/// # Safety
///
/// `err` must be NULL or a live error.
#[no_mangle]
pub unsafe extern "C" fn evm_error_rule(err: *const evm_error) -> *const c_char {
    // SAFETY: NULL or live by this function's contract.
    unsafe { with_error(err, empty_c_str(), |e| e.rule.as_ptr()) }
}

/// Frees an error and the strings it handed out. NULL is a no-op. The error
/// must not be in use by another thread.
///
/// # Safety
///
/// `err` must be NULL or a live error; it is invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn evm_error_free(err: *mut evm_error) {
    guard_or((), || {
        // SAFETY: NULL or a live error handed back for good.
        drop(unsafe { take_box(err) });
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The C enums are the Rust API's stable codes.
    #[test]
    fn kind_enums_are_the_rust_codes() {
        use PatternErrorKind as P;
        let pattern = [
            P::Syntax,
            P::NotAnObject,
            P::Structure,
            P::UnknownOperator,
            P::Operand,
            P::Numeric,
            P::Cidr,
            P::Wildcard,
            P::TooComplex,
            P::TooManyCombinations,
            P::TooLarge,
            P::TooDeep,
        ];
        for k in pattern {
            assert_eq!(evm_pattern_error_kind::from(k) as u32, k.code(), "{k:?}");
        }
        // Every C value is reached once: 1..=12.
        let mut codes: Vec<u32> = pattern
            .iter()
            .map(|&k| evm_pattern_error_kind::from(k) as u32)
            .collect();
        codes.sort_unstable();
        assert_eq!(codes, (1..=12).collect::<Vec<u32>>());
        assert_eq!(
            evm_pattern_error_kind::EVM_PATTERN_ERROR_TOO_DEEP as u32,
            12
        );

        use EventErrorKind as E;
        for k in [E::Syntax, E::NotAnObject, E::TooDeep] {
            assert_eq!(evm_event_error_kind::from(k) as u32, k.code(), "{k:?}");
        }
        assert_eq!(evm_event_error_kind::EVM_EVENT_ERROR_TOO_DEEP as u32, 3);
    }
}
