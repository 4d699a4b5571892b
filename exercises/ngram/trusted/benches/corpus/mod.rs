//! The n-gram benchmarks' corpus, shared by the criterion bench (`benches/ngram.rs`) and
//! the interleaved peer worker (`benches/peers.rs`): deterministic Zipf-distributed
//! English-like text, the plain `HashMap<String, u64>` counter every ratio is also taken
//! against, and the files the scikit-learn peer reads.

use std::collections::HashMap;
use std::path::PathBuf;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const VOCABULARY: usize = 50_000;
/// English word frequencies follow Zipf's law with an exponent close to 1.
const ZIPF_EXPONENT: f64 = 1.1;
/// "ngram" in ASCII.
const SEED: u64 = 0x006e_6772_616d;

/// The generated corpus: one document per line.
pub struct Corpus {
    pub text: String,
    pub tokens: u64,
    pub documents: usize,
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
pub fn generate(bytes: usize) -> Corpus {
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
pub fn plain_counter(documents: &[&str], min_n: usize, max_n: usize) -> HashMap<String, u64> {
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

/// `<target>/ngram-bench` (see [`mldrill_pack::peers::target_dir`]).
pub fn output_dir() -> PathBuf {
    mldrill_pack::peers::target_dir().join("ngram-bench")
}

/// Writes the corpus and its summary for the peers script; the distinct count lets it
/// check that scikit-learn found the same vocabulary.
pub fn write_corpus(corpus: &Corpus, mb: usize, distinct: usize) {
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
