//! Build script shared by every package that links libtorch (and part of mldrill's own):
//! it records an rpath to libtorch's `lib/` folder in each binary, so that built programs,
//! tests and benches find `libtorch_cpu.so` with no `LD_LIBRARY_PATH` exported by the user.

use std::path::PathBuf;

pub fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    let Some(libtorch) = std::env::var_os("LIBTORCH").map(PathBuf::from) else {
        return; // torch-sys reports the missing libtorch itself, with its own advice
    };
    // Resolve the `.libtorch` link so the rpath survives moving or deleting the checkout.
    let lib = libtorch.canonicalize().unwrap_or(libtorch).join("lib");
    println!("cargo:rerun-if-changed={}", lib.display());
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    // libtorch's CUDA half (libtorch_cuda.so, which torch-sys names to the linker whenever
    // it exists) needs CUDA libraries that the CPU install leaves out. The binaries never
    // load it (the linker drops it: no symbol of it is used), so its unresolved needs are
    // no error; every library a binary does load is checked by tests/dynamic_libs.rs.
    if std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux") {
        println!("cargo:rustc-link-arg=-Wl,--allow-shlib-undefined");
    }
    // The runner's sandbox keeps this folder readable for libraries libtorch loads late.
    println!("cargo:rustc-env=MLDRILL_LIBTORCH_LIB={}", lib.display());
}
