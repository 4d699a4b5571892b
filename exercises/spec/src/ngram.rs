//! The n-gram exercise's API: word n-grams, sentence padding, character n-grams, top-k,
//! the document-term matrix, counting a stream under a memory budget with a count-min
//! sketch, and train/test n-gram overlap (contamination).
//!
//! Tokenization and the character analyzers follow scikit-learn's `CountVectorizer`,
//! padding follows NLTK's `ngrams`, except where a method's documentation says otherwise.
//! The statement (`exercises/ngram/README.md`) gives every rule with examples.

use std::collections::BTreeMap;
use std::io::Read;

use ndarray::Array2;

/// N-gram counts keyed by the n-gram. A word n-gram is its tokens joined by one space
/// (`"new york"`); a character n-gram is its characters (`" fo"`). A `BTreeMap`, so that
/// two results compare with `==` and print in order.
pub type Counts = BTreeMap<String, u64>;

/// The symbol that pads the start of a sentence (NLTK's and KenLM's `<s>`).
pub const BOS: &str = "<s>";
/// The symbol that pads the end of a sentence (`</s>`).
pub const EOS: &str = "</s>";

/// What went wrong, for inputs a well-behaved counter must reject rather than panic on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NgramError {
    /// `min_n == 0` or `min_n > max_n`. Methods that take one order `n` report `n == 0`
    /// as `InvalidRange { min_n: 0, max_n: 0 }`.
    #[error("invalid n-gram range ({min_n}, {max_n}): need 1 <= min_n <= max_n")]
    InvalidRange { min_n: usize, max_n: usize },
    /// The stream is not valid UTF-8; `offset` is the byte offset, from the start of the
    /// stream, of the first byte that is not part of a valid UTF-8 sequence.
    #[error("the corpus is not valid UTF-8 at byte offset {offset}")]
    InvalidUtf8 { offset: u64 },
    /// The reader failed (anything but `ErrorKind::Interrupted`, which is retried).
    #[error("reading the corpus failed: {kind}")]
    Io { kind: std::io::ErrorKind },
    /// `epsilon` or `delta` is not strictly between 0 and 1 (NaN included).
    #[error("epsilon and delta must both lie strictly between 0 and 1")]
    InvalidSketch,
    /// The sketch that gives the asked-for guarantee does not fit the memory budget.
    #[error("the sketch needs {needed} bytes of counters but the budget is {budget}")]
    BudgetTooSmall { needed: usize, budget: usize },
}

/// Sentence padding, NLTK's `pad_left` / `pad_right`: `n - 1` copies of [`BOS`] before
/// and of [`EOS`] after each sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Padding {
    pub left: bool,
    pub right: bool,
}

/// scikit-learn's character analyzers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharAnalyzer {
    /// `analyzer="char"`: n-grams over the whole (whitespace-normalized) document.
    Char,
    /// `analyzer="char_wb"`: n-grams inside each word padded with one space per side.
    CharWb,
}

/// A document-term matrix, as `CountVectorizer.fit_transform` gives it (dense here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentTermMatrix {
    /// Every n-gram of the corpus once, sorted ascending (`str` order); column `j` of
    /// `counts` counts `vocabulary[j]`.
    pub vocabulary: Vec<String>,
    /// `[documents, vocabulary]`: row `i` counts document `i`.
    pub counts: Array2<u32>,
}

/// What a stream is counted with: a count-min sketch of word n-grams of order `n`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SketchSpec {
    /// The order of the word n-grams counted.
    pub n: usize,
    /// Additive error, as a fraction of [`NgramSketch::total`].
    pub epsilon: f64,
    /// The chance, per query, that the error exceeds `epsilon * total`.
    pub delta: f64,
    /// The sketch's hash functions are a pure function of `seed`; different seeds give
    /// independent hash functions.
    pub seed: u64,
    /// Bytes the sketch's counters may take.
    pub memory_budget: usize,
    /// Replace invalid UTF-8 with U+FFFD as `String::from_utf8_lossy` does, instead of
    /// failing with [`NgramError::InvalidUtf8`].
    pub lossy: bool,
}

impl SketchSpec {
    /// Counters per row: `ceil(e / epsilon)`.
    pub fn width(&self) -> usize {
        (std::f64::consts::E / self.epsilon).ceil() as usize
    }

    /// Rows, one hash function each: `ceil(ln(1 / delta))`.
    pub fn depth(&self) -> usize {
        (1.0 / self.delta).ln().ceil() as usize
    }

    /// Bytes of `u64` counters a sketch of this size holds: `8 * width * depth`,
    /// saturating instead of overflowing.
    pub fn needed_bytes(&self) -> usize {
        self.width().saturating_mul(self.depth()).saturating_mul(8)
    }
}

/// A count-min sketch built from a stream: approximate counts in fixed memory.
pub trait NgramSketch {
    /// The estimated count of `ngram` (tokens joined by one space). Never below the
    /// true count; above it by more than `epsilon * total()` with probability at most
    /// `delta` over the choice of hash functions.
    fn estimate(&self, ngram: &str) -> u64;
    /// The exact number of n-grams counted.
    fn total(&self) -> u64;
    /// Bytes the counters take; at most the spec's `memory_budget`.
    fn counter_bytes(&self) -> usize;
}

/// How much of one test document's n-grams occur in a training corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Overlap {
    /// The test document's order-`n` n-gram occurrences whose n-gram occurs in some
    /// training document.
    pub matched: u64,
    /// The test document's order-`n` n-gram occurrences: `max(0, L - n + 1)`.
    pub total: u64,
}

impl Overlap {
    /// `matched / total`, or `None` when the document has no n-gram of the order.
    pub fn fraction(&self) -> Option<f64> {
        (self.total > 0).then(|| self.matched as f64 / self.total as f64)
    }
}

/// The candidate's n-gram counter. Each method belongs to one task of the exercise; see
/// the exercise's README for the full statement of each.
pub trait NgramCounter {
    /// Task `words` (1 of 2): the tokens of `document`: lowercase the whole document
    /// with `str::to_lowercase`, then take every maximal run of two or more characters
    /// that are alphanumeric (`char::is_alphanumeric`) or `_`, in order.
    fn tokenize(&self, document: &str) -> Vec<String>;

    /// Task `words` (2 of 2): word n-grams of every order in `[min_n, max_n]`, within
    /// each document, never across documents.
    fn word_ngrams(
        &self,
        documents: &[&str],
        min_n: usize,
        max_n: usize,
    ) -> Result<Counts, NgramError>;

    /// Task `padding`: word n-grams of order `n` of each sentence padded as `padding`
    /// says (NLTK semantics; a sentence is never padded into the next one).
    fn padded_ngrams(
        &self,
        sentences: &[&str],
        n: usize,
        padding: Padding,
    ) -> Result<Counts, NgramError>;

    /// Task `chars`: character n-grams of every order in `[min_n, max_n]`, with
    /// scikit-learn's `char` or `char_wb` semantics on Unicode scalar values.
    fn char_ngrams(
        &self,
        documents: &[&str],
        analyzer: CharAnalyzer,
        min_n: usize,
        max_n: usize,
    ) -> Result<Counts, NgramError>;

    /// Task `topk`: the `k` most frequent word n-grams of order `n`, count descending,
    /// ties broken by the n-gram ascending; fewer when the corpus has fewer.
    fn top_k(
        &self,
        documents: &[&str],
        n: usize,
        k: usize,
    ) -> Result<Vec<(String, u64)>, NgramError>;

    /// Task `matrix`: the document-term matrix of word n-grams of orders
    /// `[min_n, max_n]` over the corpus's sorted vocabulary.
    fn document_term_matrix(
        &self,
        documents: &[&str],
        min_n: usize,
        max_n: usize,
    ) -> Result<DocumentTermMatrix, NgramError>;

    /// Task `stream`: read `corpus` to its end, one document per line (`\n`), and count
    /// its word n-grams of order `spec.n` in a count-min sketch that fits
    /// `spec.memory_budget`.
    fn count_stream(
        &self,
        corpus: &mut dyn Read,
        spec: &SketchSpec,
    ) -> Result<Box<dyn NgramSketch>, NgramError>;

    /// Task `contamination`: for each test document, how many of its word n-gram
    /// occurrences of order `n` occur in some training document.
    fn contamination(
        &self,
        train: &[&str],
        tests: &[&str],
        n: usize,
    ) -> Result<Vec<Overlap>, NgramError>;
}
