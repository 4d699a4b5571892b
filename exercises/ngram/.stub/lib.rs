//! Your n-gram counter. Replace each `todo!()` with your implementation, then run
//! `mldrill check ngram`. The statement is in `exercises/ngram/README.md`; the types and
//! the contract of each method are in the `mldrill-spec` crate (`mldrill_spec::ngram`).
//! `ndarray` is there too, as `mldrill_spec::ndarray`.

use std::io::Read;

use mldrill_spec::ngram::{
    CharAnalyzer, Counts, DocumentTermMatrix, NgramCounter, NgramError, NgramSketch, Overlap,
    Padding, SketchSpec,
};

/// The implementation the grader checks.
#[derive(Debug, Default, Clone, Copy)]
pub struct Candidate;

impl NgramCounter for Candidate {
    fn tokenize(&self, document: &str) -> Vec<String> {
        let _ = document;
        todo!("task words: tokenize")
    }

    fn word_ngrams(
        &self,
        documents: &[&str],
        min_n: usize,
        max_n: usize,
    ) -> Result<Counts, NgramError> {
        let _ = (documents, min_n, max_n);
        todo!("task words")
    }

    fn padded_ngrams(
        &self,
        sentences: &[&str],
        n: usize,
        padding: Padding,
    ) -> Result<Counts, NgramError> {
        let _ = (sentences, n, padding);
        todo!("task padding")
    }

    fn char_ngrams(
        &self,
        documents: &[&str],
        analyzer: CharAnalyzer,
        min_n: usize,
        max_n: usize,
    ) -> Result<Counts, NgramError> {
        let _ = (documents, analyzer, min_n, max_n);
        todo!("task chars")
    }

    fn top_k(
        &self,
        documents: &[&str],
        n: usize,
        k: usize,
    ) -> Result<Vec<(String, u64)>, NgramError> {
        let _ = (documents, n, k);
        todo!("task topk")
    }

    fn document_term_matrix(
        &self,
        documents: &[&str],
        min_n: usize,
        max_n: usize,
    ) -> Result<DocumentTermMatrix, NgramError> {
        let _ = (documents, min_n, max_n);
        todo!("task matrix")
    }

    fn count_stream(
        &self,
        corpus: &mut dyn Read,
        spec: &SketchSpec,
    ) -> Result<Box<dyn NgramSketch>, NgramError> {
        let _ = (corpus, spec);
        todo!("task stream")
    }

    fn contamination(
        &self,
        train: &[&str],
        tests: &[&str],
        n: usize,
    ) -> Result<Vec<Overlap>, NgramError> {
        let _ = (train, tests, n);
        todo!("task contamination")
    }
}
