//! `evm_explain` and `evm_explain_tree`: the verdict and text, the errors,
//! and the NULL checks.

use super::*;

/// Explains rule `index` of `m` on `event` with `f`: the status, the text
/// (freed), and the error (freed) as (status, offset).
fn explain_with(
    f: unsafe extern "C" fn(
        *const evm_machine,
        usize,
        *const u8,
        usize,
        *mut *mut c_char,
        *mut *mut evm_error,
    ) -> evm_status,
    m: *const evm_machine,
    index: usize,
    event: &[u8],
) -> (evm_status, Option<String>, Option<(evm_status, usize)>) {
    let mut text = null_mut();
    let mut err = null_mut();
    // SAFETY: a live machine, a buffer valid for its length and valid
    // local out-pointers; what comes out is freed once.
    unsafe {
        let st = f(m, index, event.as_ptr(), event.len(), &mut text, &mut err);
        let t = (!text.is_null()).then(|| CStr::from_ptr(text).to_str().unwrap().to_string());
        evm_text_free(text);
        let e = (!err.is_null()).then(|| (evm_error_status(err), evm_error_offset(err)));
        evm_error_free(err);
        (st, t, e)
    }
}

#[test]
fn json_and_tree() {
    let m = machine();
    let (st, json, err) = explain_with(evm_explain, m, 0, br#"{"x": 2, "y": "z"}"#);
    assert_eq!((st, err), (EVM_OK, None));
    let v: serde_json::Value = serde_json::from_str(&json.unwrap()).unwrap();
    assert_eq!(v["rule"], "a");
    assert_eq!(v["matched"], false);
    assert_eq!(v["branches"][0]["fields"][0]["values"][0]["value"], "2");
    let (st, tree, _) = explain_with(evm_explain_tree, m, 1, br#"{"x": 2, "y": "z"}"#);
    assert_eq!(st, EVM_OK);
    assert!(tree.unwrap().starts_with("rule \"b\": matched"));
    // SAFETY: a live machine, freed once.
    unsafe { evm_machine_free(m) };
}

#[test]
fn errors_and_nulls() {
    let m = machine();
    let (st, text, err) = explain_with(evm_explain, m, 0, br#"{"x": [1,]}"#);
    assert_eq!(
        (st, text, err),
        (EVM_EVENT_ERROR, None, Some((EVM_EVENT_ERROR, 9)))
    );
    let (st, text, _) = explain_with(evm_explain, m, 2, b"{}");
    assert_eq!((st, text), (EVM_INVALID_ARGUMENT, None));
    let mut text = null_mut();
    // SAFETY: NULL pointers where the contract allows them to be checked.
    unsafe {
        assert_eq!(
            evm_explain(null(), 0, b"{}".as_ptr(), 2, &mut text, null_mut()),
            EVM_NULL_ARGUMENT
        );
        assert_eq!(
            evm_explain(m, 0, null(), 0, &mut text, null_mut()),
            EVM_NULL_ARGUMENT
        );
        assert_eq!(
            evm_explain(m, 0, b"{}".as_ptr(), 2, null_mut(), null_mut()),
            EVM_NULL_ARGUMENT
        );
        assert!(text.is_null());
        evm_text_free(null_mut());
        evm_machine_free(m);
    }
}
