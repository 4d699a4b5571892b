//! Paths the tests that build runners share: the checkout, its target folder, and the
//! warm grading slots.

use std::path::{Path, PathBuf};

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The checkout's own target folder, where `cargo test` and `make build` put their builds.
pub fn checkout_target() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| repo().join("target"), PathBuf::from)
}

/// The grading slots the tests share, kept warm between runs so only the first build is
/// cold; never the user's cache, and never the checkout's own target folder, whose builds
/// a copy of the same layout would overwrite.
#[allow(dead_code, reason = "not every test binary grades through slots")]
pub fn grading_cache() -> PathBuf {
    checkout_target().join("fixtures").join("grading")
}
