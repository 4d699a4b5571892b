//! The n-gram exercise's timed workload: word n-grams of Zipf-drawn corpora stored in each
//! server once, every reply checked against the true counts.

use mldrill_pack::Bench;
use mldrill_spec::ngram::{Counts, NgramCounter};
use ngram_wire::{Call, Documents, Reply, decode_reply_bytes, encode_call};

use crate::reference::Reference;

/// `words`: orders 1 to 3 of 2,000 documents of Zipf-drawn words (about 65,000
/// tokens), a small cut of the criterion bench's corpus shape; four corpora drawn
/// from `seed`, stored in the server once and taken in turn. Counts are unique: the
/// result must equal the true counts.
pub fn bench(bench: &str, seed: u64) -> Option<Bench> {
    if bench != "words" {
        return None;
    }
    let corpora: Vec<Vec<String>> = (0..4u64)
        .map(|k| zipf_documents(2_000, 5_000, seed.wrapping_add(k)))
        .collect();
    let expected: Vec<Counts> = corpora
        .iter()
        .map(|docs| {
            let docs: Vec<&str> = docs.iter().map(String::as_str).collect();
            Reference
                .word_ngrams(&docs, 1, 3)
                .expect("orders 1 to 3 are valid")
        })
        .collect();
    let setup = corpora
        .iter()
        .enumerate()
        .map(|(handle, documents)| {
            encode_call(&Call::Store {
                handle: handle as u32,
                documents: documents.clone(),
            })
        })
        .collect();
    Some(Bench {
        setup,
        calls: (0..corpora.len() as u32)
            .map(|handle| {
                encode_call(&Call::WordNgrams {
                    documents: Documents::Stored(handle),
                    min_n: 1,
                    max_n: 3,
                })
            })
            .collect(),
        check: Box::new(move |input, reply| match decode_reply_bytes(reply)? {
            Reply::Counts(c) if c == expected[input] => Ok(()),
            Reply::Counts(c) => Err(format!(
                "{} distinct n-grams where there are {}, or other counts",
                c.len(),
                expected[input].len()
            )),
            Reply::Error(e) => Err(format!("it returned an error: {e}")),
            _ => Err("the reply is not n-gram counts".into()),
        }),
    })
}

/// Deterministic documents of 5 to 60 words drawn from a Zipf(1.1) law over `vocabulary`
/// made-up lowercase words, from `seed`.
pub fn zipf_documents(count: usize, vocabulary: usize, seed: u64) -> Vec<String> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x6e67 ^ seed);
    let words: Vec<String> = (0..vocabulary)
        .map(|i| {
            let len = 2 + i % 7;
            (0..len)
                .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
                .collect::<String>()
        })
        .collect();
    let cumulative: Vec<f64> = (1..=vocabulary)
        .scan(0.0, |sum, rank| {
            *sum += 1.0 / (rank as f64).powf(1.1);
            Some(*sum)
        })
        .collect();
    let total = cumulative[vocabulary - 1];
    (0..count)
        .map(|_| {
            let len = rng.random_range(5..=60);
            (0..len)
                .map(|_| {
                    let u = rng.random::<f64>() * total;
                    words[cumulative.partition_point(|&c| c < u).min(vocabulary - 1)].as_str()
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}
