//! mldrill's build script: libtorch's rpath ([`rpath`], shared with every runner), and the
//! list of registered exercise packs: every dependency of this package named
//! `<id>-trusted` in `Cargo.toml`, in the order of its lines, becomes one entry of
//! `packs::all()` (written to `$OUT_DIR/packs.rs`). Registering a pack is that one line.

#[path = "rpath.rs"]
mod rpath;

use std::path::PathBuf;

fn main() {
    rpath::main();
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"))
        .join("Cargo.toml");
    println!("cargo:rerun-if-changed={}", manifest.display());
    let text = std::fs::read_to_string(&manifest).expect("the package's Cargo.toml is readable");
    let crates: Vec<String> = text
        .lines()
        .filter_map(|line| line.split_once('=').map(|(name, _)| name.trim()))
        .filter(|name| name.ends_with("-trusted") && !name.starts_with('#'))
        .map(|name| name.replace('-', "_"))
        .collect();
    let entries: String = crates
        .iter()
        .map(|krate| format!("        &::{krate}::PACK,\n"))
        .collect();
    let code = format!(
        "/// Every registered pack, in the order of its line in `Cargo.toml`.\n\
         pub fn all() -> Vec<&'static dyn ::mldrill_pack::Pack> {{\n    vec![\n{entries}    ]\n}}\n"
    );
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it")).join("packs.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
