//! The n-gram workload: `word_ngrams(documents, 1, 3)` on the generated corpus of
//! `corpus/mod.rs`, written with its summary for scikit-learn's peer.
//! Contenders: `reference`, `plain_hashmap` and `candidate` once implemented.
//!
//! The worker of `make bench-ngram`: `scripts/bench_ngram_peers.py` starts it (`cargo bench -p
//! ngram-trusted --bench peers`) and drives it over stdin and stdout
//! ([`mldrill_pack::peers`] says how).

use mldrill_pack::peers::{Loaded, Workload, implemented, serve};
use mldrill_spec::ngram::NgramCounter;
use ngram::Candidate;
use ngram_trusted::reference::Reference;
use serde_json::{Value, json};

mod corpus;

use corpus::{Corpus, generate, output_dir, plain_counter, write_corpus};

struct Ngram {
    corpus: Corpus,
}

impl Ngram {
    fn documents(&self) -> Vec<&str> {
        self.corpus.text.split('\n').collect()
    }
}

impl Workload for Ngram {
    fn run(&mut self, contender: &str) -> Result<(), String> {
        let documents = self.documents();
        match contender {
            "reference" => drop(std::hint::black_box(
                Reference.word_ngrams(&documents, 1, 3),
            )),
            "plain_hashmap" => drop(std::hint::black_box(plain_counter(&documents, 1, 3))),
            "candidate" => drop(std::hint::black_box(
                Candidate.word_ngrams(&documents, 1, 3),
            )),
            _ => return Err(format!("unknown ngram contender {contender:?}")),
        }
        Ok(())
    }
}

pub fn load(mb: usize) -> Loaded {
    if mb == 0 {
        return Err("the corpus needs at least 1 MB".into());
    }
    let workload = Ngram {
        corpus: generate(mb * 1_000_000),
    };
    let documents = workload.documents();
    let reference = Reference
        .word_ngrams(&documents, 1, 3)
        .map_err(|e| e.to_string())?;
    let plain = plain_counter(&documents, 1, 3);
    let plain_agrees =
        plain.len() == reference.len() && reference.iter().all(|(g, c)| plain.get(g) == Some(c));
    let mut contenders = vec!["reference", "plain_hashmap"];
    let mut candidate_agrees = Value::Null;
    if implemented(|| {
        Candidate
            .word_ngrams(&["a bc de"], 1, 2)
            .is_ok_and(|c| c.len() == 3)
    }) {
        contenders.push("candidate");
        candidate_agrees =
            json!(Candidate.word_ngrams(&documents, 1, 3).ok().as_ref() == Some(&reference));
    }
    let distinct = reference.len();
    drop((reference, plain, documents));
    write_corpus(&workload.corpus, mb, distinct);
    let info = json!({
        "corpus": output_dir().join(format!("corpus-{mb}mb.txt")),
        "bytes": workload.corpus.text.len(),
        "documents": workload.corpus.documents,
        "tokens": workload.corpus.tokens,
        "distinct_1_3": distinct,
        "plain_hashmap_same_counts": plain_agrees,
        "candidate_same_counts": candidate_agrees,
        "contenders": contenders,
    });
    Ok((Box::new(workload), info))
}

fn main() {
    serve(
        |words: &[&str]| match words {
            ["ngram", mb] => load(mb.parse().map_err(|_| format!("bad size {mb:?}"))?),
            _ => Err(format!("unknown workload {words:?}")),
        },
        |_| {},
    );
}
