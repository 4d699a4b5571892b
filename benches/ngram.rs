//! N-gram benchmarks: the candidate, the reference and a plain `HashMap<String, u64>`
//! counter count word n-grams of orders 1 to 3 in the same generated corpus, in tokens
//! per second.
//!
//! The corpus is Zipf-distributed English-like text (deterministic: same size, same
//! bytes), written to `target/ngram-bench/` with a summary beside it, so that
//! `scripts/bench_ngram_peers.py` times scikit-learn's CountVectorizer on the very same
//! documents. `MLDRILL_NGRAM_MB` sets its size in MB. The issue asks for at least 100 MB
//! (`MLDRILL_NGRAM_MB=100 make bench-ngram`, about 25 minutes on 2 cores: criterion takes
//! at least 10 samples, and the plain counter needs about 50 s a sample there); the
//! default, 20 MB (4.1 million tokens), runs the same comparison in about 3 minutes.

use std::collections::HashMap;
use std::hint::black_box;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use mldrill::reference::ngram::Reference;
use mldrill_spec::ngram::NgramCounter;
use ngram::Candidate;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const DEFAULT_MB: usize = 20;
const VOCABULARY: usize = 50_000;
/// English word frequencies follow Zipf's law with an exponent close to 1.
const ZIPF_EXPONENT: f64 = 1.1;
/// "ngram" in ASCII.
const SEED: u64 = 0x006e_6772_616d;

/// The generated corpus: one document per line.
struct Corpus {
    text: String,
    tokens: u64,
    documents: usize,
}

fn corpus_mb() -> usize {
    std::env::var("MLDRILL_NGRAM_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&mb| mb > 0)
        .unwrap_or(DEFAULT_MB)
}

/// `VOCABULARY` distinct lowercase words of 2 to 10 letters, most frequent first.
fn vocabulary(rng: &mut StdRng) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut words = Vec::with_capacity(VOCABULARY);
    while words.len() < VOCABULARY {
        // Frequent words are short, as in natural text.
        let longest = 3 + (words.len() as f64).log2().max(0.0) as usize / 2;
        let len = rng.random_range(2..=longest.min(10));
        let word: String = (0..len)
            .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
            .collect();
        if seen.insert(word.clone()) {
            words.push(word);
        }
    }
    words
}

/// Documents of 5 to 60 Zipf-drawn words: the first capitalized, a comma now and then,
/// a full stop at the end. ASCII only, so scikit-learn tokenizes it exactly as we do.
fn generate(bytes: usize) -> Corpus {
    let mut rng = StdRng::seed_from_u64(SEED);
    let words = vocabulary(&mut rng);
    let mut cumulative = Vec::with_capacity(words.len());
    let mut sum = 0.0;
    for rank in 0..words.len() {
        sum += 1.0 / ((rank + 1) as f64).powf(ZIPF_EXPONENT);
        cumulative.push(sum);
    }
    let (mut text, mut tokens, mut documents) = (String::with_capacity(bytes + 512), 0, 0);
    while text.len() < bytes {
        let len = rng.random_range(5..=60);
        for i in 0..len {
            let u = rng.random::<f64>() * sum;
            let word = &words[cumulative.partition_point(|&c| c < u).min(words.len() - 1)];
            if i == 0 {
                text.push(word.as_bytes()[0].to_ascii_uppercase() as char);
                text.push_str(&word[1..]);
            } else {
                text.push(' ');
                text.push_str(word);
            }
            if i + 1 < len && rng.random_bool(0.08) {
                text.push(',');
            }
        }
        text.push_str(".\n");
        tokens += len as u64;
        documents += 1;
    }
    Corpus {
        text,
        tokens,
        documents,
    }
}

/// What most people write first: one `String` per n-gram in a `HashMap<String, u64>`
/// with std's default (SipHash) hasher; same tokenization as the statement's.
fn plain_counter(documents: &[&str], min_n: usize, max_n: usize) -> HashMap<String, u64> {
    let mut counts = HashMap::new();
    for document in documents {
        let lower = document.to_lowercase();
        let tokens: Vec<&str> = lower
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|t| t.chars().count() >= 2)
            .collect();
        for n in min_n..=max_n {
            for window in tokens.windows(n) {
                *counts.entry(window.join(" ")).or_insert(0) += 1;
            }
        }
    }
    counts
}

fn output_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from("target"), PathBuf::from)
        .join("ngram-bench")
}

/// Writes the corpus and its summary for the peers script; the distinct count lets it
/// check that scikit-learn found the same vocabulary.
fn write_corpus(corpus: &Corpus, mb: usize, distinct: usize) {
    let dir = output_dir();
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join(format!("corpus-{mb}mb.txt")), &corpus.text))
        .and_then(|()| {
            let summary = serde_json::json!({
                "mb": mb,
                "bytes": corpus.text.len(),
                "documents": corpus.documents,
                "tokens": corpus.tokens,
                "distinct_1_3": distinct,
            });
            std::fs::write(dir.join(format!("corpus-{mb}mb.json")), summary.to_string())
        });
    if let Err(e) = written {
        eprintln!("ngram bench: could not write the corpus under {dir:?}: {e}");
    }
}

/// The candidate runs only once it is implemented: a `todo!()` skips its bench.
fn candidate_ready() -> bool {
    std::panic::set_hook(Box::new(|_| {}));
    let ready = catch_unwind(AssertUnwindSafe(|| {
        Candidate
            .word_ngrams(&["a bc de"], 1, 2)
            .is_ok_and(|c| c.len() == 3)
    }))
    .unwrap_or(false);
    let _ = std::panic::take_hook();
    if !ready {
        eprintln!("candidate: word_ngrams is not implemented yet; its bench is skipped");
    }
    ready
}

fn words(c: &mut Criterion) {
    let mb = corpus_mb();
    let corpus = generate(mb * 1_000_000);
    let documents: Vec<&str> = corpus.text.split('\n').collect();
    let reference = Reference
        .word_ngrams(&documents, 1, 3)
        .expect("a valid range");
    let distinct = reference.len();
    // The plain counter must find the same counts, or the ratio means nothing.
    let plain = plain_counter(&documents, 1, 3);
    let same = plain.len() == distinct && reference.iter().all(|(g, c)| plain.get(g) == Some(c));
    assert!(same, "the reference and the plain counter disagree");
    drop((reference, plain));
    write_corpus(&corpus, mb, distinct);
    let (documents_n, tokens) = (corpus.documents, corpus.tokens);
    eprintln!("ngram bench: {mb} MB, {documents_n} documents, {tokens} tokens, {distinct} n-grams");
    let candidate = candidate_ready();
    let mut group = c.benchmark_group("words");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(corpus.tokens));
    group.bench_function("reference", |b| {
        b.iter(|| Reference.word_ngrams(black_box(&documents), 1, 3).unwrap())
    });
    if candidate {
        group.bench_function("candidate", |b| {
            b.iter(|| Candidate.word_ngrams(black_box(&documents), 1, 3).unwrap())
        });
    }
    group.bench_function("plain_hashmap", |b| {
        b.iter(|| plain_counter(black_box(&documents), 1, 3))
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5))
}

criterion_group! { name = benches; config = config(); targets = words }
criterion_main!(benches);
