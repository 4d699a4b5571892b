//! Every binary the build makes finds every shared library it loads, with the libtorch
//! that `make setup` installed (the CPU install: the torch wheel without its dependencies,
//! plus the CUDA runtime and CUPTI packages). `readelf` lists what each binary needs
//! directly; `ldd` resolves the whole tree, libtorch's own needs included, through the
//! rpaths. A binary that came to need libtorch's CUDA half, or a library the CPU install
//! lacks, fails here rather than on a learner's machine.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The checkout's own target folder, where `cargo test` and `make build` put their builds.
fn checkout_target() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
        PathBuf::from,
    )
}

/// The direct needs of `binary`, as `readelf -d` lists them.
fn needed(binary: &Path) -> Vec<String> {
    let output = Command::new("readelf")
        .arg("-d")
        .arg(binary)
        .output()
        .expect("readelf runs (binutils)");
    assert!(output.status.success(), "readelf -d {}", binary.display());
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| Some(l.split_once('[')?.1.trim_end_matches(']').to_owned()))
        .collect()
}

/// The libraries `ldd` cannot find for `binary`.
fn unresolved(binary: &Path) -> Vec<String> {
    let output = Command::new("ldd")
        .arg(binary)
        .output()
        .expect("ldd runs (glibc)");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.contains("not found"))
        .map(|l| l.trim().to_owned())
        .collect()
}

/// This test's own `mldrill`, and every mldrill executable either profile built.
fn binaries() -> Vec<PathBuf> {
    let mut found = vec![PathBuf::from(env!("CARGO_BIN_EXE_mldrill"))];
    for profile in ["debug", "release"] {
        let Ok(entries) = std::fs::read_dir(checkout_target().join(profile)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("mldrill") && path.extension().is_none() && path.is_file() {
                found.push(path);
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn every_binary_finds_every_library_it_loads_and_none_needs_cuda_kernels() {
    let binaries = binaries();
    for binary in &binaries {
        let needs = needed(binary);
        let cuda: Vec<&String> = needs
            .iter()
            .filter(|n| n.contains("cuda") || n.starts_with("libcudnn") || n.starts_with("libnccl"))
            .collect();
        assert!(
            cuda.is_empty(),
            "{} needs {cuda:?}: the CPU install of libtorch lacks what those load",
            binary.display()
        );
        let missing = unresolved(binary);
        assert!(
            missing.is_empty(),
            "{} loads libraries that do not resolve: {missing:?}",
            binary.display()
        );
    }
    let torch = binaries
        .iter()
        .filter(|b| needed(b).iter().any(|n| n == "libtorch_cpu.so"))
        .count();
    assert!(torch > 0, "some binary links libtorch: {binaries:?}");
}
