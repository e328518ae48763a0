//! The committed C header must be exactly what cbindgen generates from the
//! sources (`src/ffi/`) with `cbindgen.toml`.
//!
//! Regenerate it with `EVMATCH_BLESS=1 cargo test --test header`.

use std::path::Path;

#[test]
fn header_is_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml"))
        .expect("cbindgen.toml should parse");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("src/lib.rs"))
        .generate()
        .expect("cbindgen should generate the header");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let generated = String::from_utf8(generated).expect("header is UTF-8");

    let path = root.join("include/evmatch.h");
    if std::env::var_os("EVMATCH_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write include/evmatch.h");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/evmatch.h is out of date with src/ffi/; regenerate it with \
         `EVMATCH_BLESS=1 cargo test --test header` and commit the result"
    );
}
