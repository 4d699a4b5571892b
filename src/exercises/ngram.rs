//! The n-gram exercise bound for the runner: its suite, reference, mutants, and the
//! `words` benchmark workload on a Zipf corpus.

use mldrill_spec::ngram::NgramCounter;

use crate::child::BoundSuite;
use crate::mutants::ngram as ngram_mutants;
use crate::reference::ngram as ngram_reference;
use crate::suite::{Failure, ngram};

/// The n-gram suite, with the candidate the runner was linked against.
pub struct Ngram<C: NgramCounter + 'static>(pub C);

impl<C: NgramCounter + 'static> BoundSuite for Ngram<C> {
    fn exercise(&self) -> &'static str {
        "ngram"
    }

    fn property_ids(&self) -> Vec<&'static str> {
        ngram::properties().iter().map(|p| p.id).collect()
    }

    fn run(
        &self,
        implementation: &str,
        property: &str,
        seed: u64,
        cases: u32,
    ) -> Option<Result<(), Failure>> {
        let mutant;
        let imp: &dyn NgramCounter = match implementation {
            "candidate" => &self.0,
            "reference" => &ngram_reference::Reference,
            other => {
                let name = other.strip_prefix("mutant:")?;
                let (_, flaw) = ngram_mutants::Flaw::ALL
                    .into_iter()
                    .find(|(_, f)| format!("{f:?}") == name)?;
                mutant = ngram_mutants::Mutant(flaw);
                &mutant
            }
        };
        let property = ngram::properties().into_iter().find(|p| p.id == property)?;
        Some(property.run(imp, seed, cases))
    }

    /// `words`: orders 1 to 3 of 2,000 documents of Zipf-drawn words (about 65,000 tokens),
    /// a small cut of the criterion bench's corpus shape.
    fn workload<'a>(&'a self, bench: &str, implementation: &str) -> Option<Box<dyn FnMut() + 'a>> {
        let imp: &'a dyn NgramCounter = match (bench, implementation) {
            ("words", "candidate") => &self.0,
            ("words", "reference") => &ngram_reference::Reference,
            _ => return None,
        };
        let documents = zipf_documents(2_000, 5_000);
        Some(Box::new(move || {
            let docs: Vec<&str> = documents.iter().map(String::as_str).collect();
            let _ = std::hint::black_box(imp.word_ngrams(&docs, 1, 3));
        }))
    }
}

/// Deterministic documents of 5 to 60 words drawn from a Zipf(1.1) law over `vocabulary`
/// made-up lowercase words.
fn zipf_documents(count: usize, vocabulary: usize) -> Vec<String> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x6e67);
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
