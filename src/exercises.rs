//! The exercises this build knows: each binds its property suite to the reference, the
//! mutants and a candidate, behind the one [`BoundSuite`] interface the runner uses.

use mldrill_spec::dataloader::DataLoader;
use mldrill_spec::ngram::NgramCounter;

use crate::child::BoundSuite;
use crate::mutants::dataloader::{Flaw, Mutant};
use crate::mutants::ngram as ngram_mutants;
use crate::reference::dataloader::Reference;
use crate::reference::ngram as ngram_reference;
use crate::suite::{Failure, dataloader, ngram};

/// The dataloader suite, with the candidate the runner was linked against.
pub struct Dataloader<C: DataLoader + 'static>(pub C);

impl<C: DataLoader + 'static> BoundSuite for Dataloader<C> {
    fn exercise(&self) -> &'static str {
        "dataloader"
    }

    fn property_ids(&self) -> Vec<&'static str> {
        dataloader::properties().iter().map(|p| p.id).collect()
    }

    fn run(
        &self,
        implementation: &str,
        property: &str,
        seed: u64,
        cases: u32,
    ) -> Option<Result<(), Failure>> {
        let mutant;
        let imp: &dyn DataLoader = match implementation {
            "candidate" => &self.0,
            "reference" => &Reference,
            other => {
                let name = other.strip_prefix("mutant:")?;
                let (_, flaw) = Flaw::ALL
                    .into_iter()
                    .find(|(_, f)| format!("{f:?}") == name)?;
                mutant = Mutant(flaw);
                &mutant
            }
        };
        let property = dataloader::properties()
            .into_iter()
            .find(|p| p.id == property)?;
        Some(property.run(imp, seed, cases))
    }

    /// `collate`: gather 256 random rows of a 100,000 x 256 f32 dataset, as the criterion
    /// bench does.
    fn workload<'a>(&'a self, bench: &str, implementation: &str) -> Option<Box<dyn FnMut() + 'a>> {
        const ROWS: i64 = 100_000;
        const FEATURES: i64 = 256;
        let imp: &'a dyn DataLoader = match (bench, implementation) {
            ("collate", "candidate") => &self.0,
            ("collate", "reference") => &Reference,
            _ => return None,
        };
        let features = tch::Tensor::arange(ROWS * FEATURES, (tch::Kind::Float, tch::Device::Cpu))
            .reshape([ROWS, FEATURES]);
        let labels = tch::Tensor::arange(ROWS, (tch::Kind::Int64, tch::Device::Cpu));
        let indices = Reference.epoch_permutation(ROWS as usize, 7, 0)[..256].to_vec();
        Some(Box::new(move || {
            let _ = std::hint::black_box(imp.collate(&features, &labels, &indices));
        }))
    }
}

/// The ids of an exercise's reference-free properties, the ones a screen exports; `None`
/// for an exercise whose suite is not split into invariant and differential parts.
pub fn invariant_ids(exercise: &str) -> Option<Vec<&'static str>> {
    let ids = match exercise {
        "dataloader" => crate::suite::dataloader::invariant::properties()
            .iter()
            .map(|p| p.id)
            .collect(),
        "ngram" => crate::suite::ngram::invariant::properties()
            .iter()
            .map(|p| p.id)
            .collect(),
        _ => return None,
    };
    Some(ids)
}

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
