//! The n-gram exercise bound for the runner: its suite, reference, mutants, and the
//! `words` benchmark workload on a Zipf corpus.

use std::any::Any;

use mldrill_spec::ngram::{Counts, NgramCounter, NgramError};

use crate::child::BoundSuite;
use crate::mutants::ngram as ngram_mutants;
use crate::reference::ngram as ngram_reference;
use crate::suite::{Failure, ngram};
use crate::timing::Workload;

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
                let flaw = crate::mutants::flaw_named(&ngram_mutants::Flaw::ALL, other)?;
                mutant = ngram_mutants::Mutant(flaw);
                &mutant
            }
        };
        let property = ngram::properties().into_iter().find(|p| p.id == property)?;
        Some(property.run(imp, seed, cases))
    }

    /// `words`: orders 1 to 3 of 2,000 documents of Zipf-drawn words (about 65,000 tokens),
    /// a small cut of the criterion bench's corpus shape; four corpora drawn from `seed`,
    /// taken in turn.
    fn workload<'a>(
        &'a self,
        bench: &str,
        implementation: &str,
        seed: u64,
    ) -> Option<Workload<'a>> {
        let imp: &'a dyn NgramCounter = match (bench, implementation) {
            ("words", "candidate") => &self.0,
            ("words", "reference") => &ngram_reference::Reference,
            _ => return None,
        };
        let corpora: Vec<Vec<String>> = (0..4u64)
            .map(|k| zipf_documents(2_000, 5_000, seed.wrapping_add(k)))
            .collect();
        Some(Workload {
            inputs: corpora.len(),
            call: Box::new(move |input| {
                let docs: Vec<&str> = corpora[input].iter().map(String::as_str).collect();
                Box::new(imp.word_ngrams(&docs, 1, 3))
            }),
            agrees: same_counts,
        })
    }
}

/// Counts are unique: the candidate's must equal the reference's.
fn same_counts(candidate: &dyn Any, reference: &dyn Any) -> Result<(), String> {
    type Out = Result<Counts, NgramError>;
    match (
        candidate.downcast_ref::<Out>(),
        reference.downcast_ref::<Out>(),
    ) {
        (Some(Ok(c)), Some(Ok(r))) if c == r => Ok(()),
        (Some(Ok(c)), Some(Ok(r))) => Err(format!(
            "{} distinct n-grams where the reference counts {}, or other counts",
            c.len(),
            r.len()
        )),
        (Some(Err(e)), _) => Err(format!("it returned an error: {e}")),
        _ => Err("no result".into()),
    }
}

/// Deterministic documents of 5 to 60 words drawn from a Zipf(1.1) law over `vocabulary`
/// made-up lowercase words, from `seed`.
fn zipf_documents(count: usize, vocabulary: usize, seed: u64) -> Vec<String> {
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
