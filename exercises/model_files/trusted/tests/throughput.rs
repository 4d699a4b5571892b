//! The `load` benchmark's workload timed in one run, interleaved: the reference loader,
//! the `safetensors` crate's parse plus tch's tensor building (what `read_safetensors`
//! does after reading the file), and a plain copy of the same bytes, into a fresh buffer
//! (as a loader must: its tensors are new memory) and into one already touched.
//! Timings belong in release builds only:
//! `cargo test --release -p model_files-trusted --test throughput -- --ignored --nocapture`.

use std::time::Instant;

use model_files_api::ModelFiles;
use model_files_trusted::bench::bench_file;
use model_files_trusted::reference::Reference;
use safetensors::SafeTensors;
use tch::{Kind, Tensor};

const ROUNDS: usize = 9;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn tch_from_crate(file: &[u8]) -> Vec<(String, Tensor)> {
    let st = SafeTensors::deserialize(file).expect("a valid file");
    st.tensors()
        .into_iter()
        .map(|(name, view)| {
            let kind = match view.dtype() {
                safetensors::Dtype::F32 => Kind::Float,
                safetensors::Dtype::F16 => Kind::Half,
                safetensors::Dtype::BF16 => Kind::BFloat16,
                _ => Kind::Int64,
            };
            let shape: Vec<i64> = view.shape().iter().map(|&d| d as i64).collect();
            (name, Tensor::from_data_size(view.data(), &shape, kind))
        })
        .collect()
}

#[test]
#[ignore = "a timing, for release builds"]
fn load_against_the_crate_and_a_copy() {
    tch::set_num_threads(1);
    let (file, _) = bench_file(1);
    let mb = file.len() as f64 / 1e6;
    let (mut reference, mut crate_tch, mut copy) = (Vec::new(), Vec::new(), Vec::new());
    let mut warm = Vec::new();
    let mut buffer = vec![0u8; file.len()];
    for _ in 0..ROUNDS {
        let t = Instant::now();
        let loaded = Reference.load(&file).expect("loads");
        reference.push(t.elapsed().as_secs_f64());
        drop(loaded);
        let t = Instant::now();
        let loaded = tch_from_crate(&file);
        crate_tch.push(t.elapsed().as_secs_f64());
        drop(loaded);
        let t = Instant::now();
        let copied = std::hint::black_box(file.to_vec());
        copy.push(t.elapsed().as_secs_f64());
        drop(copied);
        let t = Instant::now();
        buffer.copy_from_slice(std::hint::black_box(&file));
        warm.push(t.elapsed().as_secs_f64());
    }
    let (r, c, p, w) = (
        median(reference),
        median(crate_tch),
        median(copy),
        median(warm),
    );
    println!(
        "file: {mb:.0} MB, {} tensors; median of {ROUNDS} interleaved rounds, 1 thread",
        model_files_trusted::bench::TENSORS
    );
    println!(
        "reference load        {:8.1} ms {:6.2} GB/s {:5.2}x copy",
        r * 1e3,
        mb / r / 1e3,
        r / p
    );
    println!(
        "safetensors crate+tch {:8.1} ms {:6.2} GB/s {:5.2}x copy",
        c * 1e3,
        mb / c / 1e3,
        c / p
    );
    println!(
        "copy to a new buffer  {:8.1} ms {:6.2} GB/s",
        p * 1e3,
        mb / p / 1e3
    );
    println!(
        "copy to a warm buffer {:8.1} ms {:6.2} GB/s {:5.2}x copy",
        w * 1e3,
        mb / w / 1e3,
        w / p
    );
    std::hint::black_box(&buffer);
}
