//! Plausible wrong n-gram counters: each [`Flaw`] is one mistake people really make,
//! applied to the reference and nothing else.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};

use mldrill_spec::ngram::{
    BOS, CharAnalyzer, Counts, DocumentTermMatrix, EOS, NgramCounter, NgramError, NgramSketch,
    Overlap, Padding, SketchSpec,
};
use ndarray::Array2;

use crate::reference::stream::{Window, for_each_piece};
use crate::reference::{
    CountMin, Joined, Reference, check_range, check_sketch, collapse_whitespace, mix64, seeded_hash,
};

/// One mistake, named after what it does wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    /// words: counts the corpus as one document, so n-grams run across documents.
    CrossesDocuments,
    /// words: windows `0..L - n` instead of `0..=L - n`: each document's last n-gram is lost.
    WindowOffByOne,
    /// words: `to_ascii_lowercase`, so "École" stays "École".
    AsciiLowercase,
    /// words: `\w+` instead of `\w\w+`: one-character words become tokens.
    SingleCharTokens,
    /// words: orders `min_n..max_n` (Python's `range`): `max_n` is never counted.
    MaxOrderExcluded,
    /// padding: one `<s>` and one `</s>` whatever `n` is.
    PadsOneSymbol,
    /// padding: pads the corpus once, as one sentence.
    PadsCorpusOnce,
    /// chars: n-grams of UTF-8 bytes, not of characters.
    ByteNgrams,
    /// chars: `\s+` instead of `\s\s+`: a single tab or newline becomes a space too.
    CollapsesEveryWhitespace,
    /// chars: `char_wb` drops a padded word shorter than `n` instead of counting it once.
    WbDropsShortWords,
    /// topk: ties in first-seen order (Python's `Counter.most_common`).
    TiesInFirstSeenOrder,
    /// topk: counts in a `HashMap` with std's `RandomState` and sorts by count alone, so
    /// ties come out in hash order, which changes from one map to the next.
    TiesInHashOrder,
    /// topk: keeps the first `k` distinct n-grams seen, then sorts those.
    TruncatesBeforeSorting,
    /// matrix: vocabulary (and columns) in first-seen order, not sorted.
    VocabularyInFirstSeenOrder,
    /// matrix: 1 where a term occurs, not its count.
    BinaryCounts,
    /// matrix: terms by documents.
    Transposed,
    /// stream: every row uses the same hash function: in effect a sketch of one row.
    SameHashEveryRow,
    /// stream: `ceil(log10(1 / delta))` rows instead of `ceil(ln(1 / delta))`: 2 rows
    /// where 5 are needed for delta = 0.01.
    TooFewRows,
    /// stream: a count sketch (signed counters, median) where a count-min is asked for:
    /// unbiased, but it can under-count.
    CountSketchMedian,
    /// stream: treats each `read()` as a piece of text: tokens, n-grams and UTF-8
    /// sequences split at read boundaries.
    SplitsAtReadBoundaries,
    /// stream: reports the invalid byte's offset within its line, not the stream.
    OffsetWithinLine,
    /// stream: never checks the memory budget.
    IgnoresBudget,
    /// stream: hash functions fixed in the code, whatever `spec.seed` says.
    IgnoresSeed,
    /// stream: a reader error of kind `Interrupted` ends the count instead of a retry.
    GivesUpOnInterrupted,
    /// stream: reads the whole corpus first and checks the spec afterwards.
    ReadsBeforeChecking,
    /// stream: exact counts in a `HashMap<String, u64>`, with `counter_bytes()` claiming
    /// the sketch's size: right answers, memory that grows with the distinct n-grams.
    ExactHashMap,
    /// stream: reads a whole line before tokenizing it (`read_until(b'\n')`), so one huge
    /// line takes memory in proportion to its length.
    BuffersWholeLine,
    /// contamination: the training corpus counted as one document.
    TrainCrossesDocuments,
    /// contamination: distinct n-grams of the test document, not occurrences.
    DistinctNgrams,
    /// contamination: the test document's last n-gram is never looked at.
    TestWindowOffByOne,
}

impl Flaw {
    /// Every flaw, with the task it belongs to.
    pub const ALL: [(&'static str, Flaw); 30] = [
        ("words", Flaw::CrossesDocuments),
        ("words", Flaw::WindowOffByOne),
        ("words", Flaw::AsciiLowercase),
        ("words", Flaw::SingleCharTokens),
        ("words", Flaw::MaxOrderExcluded),
        ("padding", Flaw::PadsOneSymbol),
        ("padding", Flaw::PadsCorpusOnce),
        ("chars", Flaw::ByteNgrams),
        ("chars", Flaw::CollapsesEveryWhitespace),
        ("chars", Flaw::WbDropsShortWords),
        ("topk", Flaw::TiesInFirstSeenOrder),
        ("topk", Flaw::TiesInHashOrder),
        ("topk", Flaw::TruncatesBeforeSorting),
        ("matrix", Flaw::VocabularyInFirstSeenOrder),
        ("matrix", Flaw::BinaryCounts),
        ("matrix", Flaw::Transposed),
        ("stream", Flaw::SameHashEveryRow),
        ("stream", Flaw::TooFewRows),
        ("stream", Flaw::CountSketchMedian),
        ("stream", Flaw::SplitsAtReadBoundaries),
        ("stream", Flaw::OffsetWithinLine),
        ("stream", Flaw::IgnoresBudget),
        ("stream", Flaw::IgnoresSeed),
        ("stream", Flaw::GivesUpOnInterrupted),
        ("stream", Flaw::ReadsBeforeChecking),
        ("stream", Flaw::ExactHashMap),
        ("stream", Flaw::BuffersWholeLine),
        ("contamination", Flaw::TrainCrossesDocuments),
        ("contamination", Flaw::DistinctNgrams),
        ("contamination", Flaw::TestWindowOffByOne),
    ];

    /// The flaws only the heap-metered properties catch (`suite::ngram::memory`): they
    /// give right answers in too much memory. `tests/ngram_memory.rs` proves them caught.
    pub const METERED: [Flaw; 2] = [Flaw::ExactHashMap, Flaw::BuffersWholeLine];
}

/// The reference with one [`Flaw`].
#[derive(Debug, Clone, Copy)]
pub struct Mutant(pub Flaw);

/// Runs of word characters of at least `min_len`, after `lower`.
fn tokens_by(document: &str, lower: fn(&str) -> String, min_len: usize) -> Vec<String> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    lower(document)
        .split(|c: char| !is_word(c))
        .filter(|t| t.chars().count() >= min_len)
        .map(str::to_owned)
        .collect()
}

/// Every window of order `n` of `tokens`, joined; without the last one when `drop_last`.
fn grams(tokens: &[String], n: usize, drop_last: bool) -> Vec<String> {
    let mut all: Vec<String> = tokens.windows(n).map(|w| w.join(" ")).collect();
    if drop_last {
        all.pop();
    }
    all
}

fn count_all(grams: impl IntoIterator<Item = String>) -> Counts {
    let mut counts = Counts::new();
    for gram in grams {
        *counts.entry(gram).or_insert(0) += 1;
    }
    counts
}

/// Word n-grams in first-seen order, with their counts.
fn first_seen(documents: &[&str], min_n: usize, max_n: usize) -> Vec<(String, u64)> {
    let (mut order, mut index) = (Vec::new(), HashMap::new());
    for document in documents {
        let tokens = Reference.tokenize(document);
        for gram in (min_n..=max_n).flat_map(|n| grams(&tokens, n, false)) {
            let slot = *index.entry(gram.clone()).or_insert_with(|| {
                order.push((gram, 0));
                order.len() - 1
            });
            order[slot].1 += 1;
        }
    }
    order
}

impl Mutant {
    fn tokens(&self, document: &str) -> Vec<String> {
        match self.0 {
            Flaw::AsciiLowercase => tokens_by(document, str::to_ascii_lowercase, 2),
            Flaw::SingleCharTokens => tokens_by(document, str::to_lowercase, 1),
            _ => Reference.tokenize(document),
        }
    }

    fn padded(&self, sentences: &[&str], n: usize, padding: Padding) -> Counts {
        let pads = if self.0 == Flaw::PadsOneSymbol {
            1
        } else {
            n - 1
        };
        let mut all = Vec::new();
        for sentence in sentences {
            let mut joined = Joined::default();
            (0..if padding.left { pads } else { 0 }).for_each(|_| joined.push(BOS));
            Reference
                .tokenize(sentence)
                .iter()
                .for_each(|t| joined.push(t));
            (0..if padding.right { pads } else { 0 }).for_each(|_| joined.push(EOS));
            joined.for_each_window(n, |g| all.push(g.to_owned()));
        }
        count_all(all)
    }

    fn chars(
        &self,
        documents: &[&str],
        analyzer: CharAnalyzer,
        min_n: usize,
        max_n: usize,
    ) -> Counts {
        let mut counts = Counts::new();
        for document in documents {
            let lower = document.to_lowercase();
            let text = match self.0 {
                Flaw::CollapsesEveryWhitespace => {
                    let mut out = String::new();
                    for c in lower.chars() {
                        if !c.is_whitespace() {
                            out.push(c);
                        } else if !out.ends_with(' ') {
                            out.push(' ');
                        }
                    }
                    out
                }
                _ => collapse_whitespace(&lower),
            };
            match (self.0, analyzer) {
                (Flaw::ByteNgrams, CharAnalyzer::Char) => {
                    for n in min_n..=max_n {
                        let windows = text.as_bytes().windows(n);
                        windows.for_each(|w| {
                            *counts
                                .entry(String::from_utf8_lossy(w).into_owned())
                                .or_insert(0) += 1
                        });
                    }
                }
                (Flaw::WbDropsShortWords, CharAnalyzer::CharWb) => {
                    for word in text.split_whitespace() {
                        let padded: Vec<char> = format!(" {word} ").chars().collect();
                        for n in min_n..=max_n {
                            padded
                                .windows(n)
                                .for_each(|w| *counts.entry(w.iter().collect()).or_insert(0) += 1);
                        }
                    }
                }
                _ => {
                    let one = Reference.char_ngrams(&[&text], analyzer, min_n, max_n);
                    for (gram, count) in one.expect("a checked range") {
                        *counts.entry(gram).or_insert(0) += count;
                    }
                }
            }
        }
        counts
    }
}

impl NgramCounter for Mutant {
    fn tokenize(&self, document: &str) -> Vec<String> {
        self.tokens(document)
    }

    fn word_ngrams(
        &self,
        documents: &[&str],
        min_n: usize,
        max_n: usize,
    ) -> Result<Counts, NgramError> {
        check_range(min_n, max_n)?;
        let drop_last = self.0 == Flaw::WindowOffByOne;
        let top = if self.0 == Flaw::MaxOrderExcluded {
            max_n - 1
        } else {
            max_n
        };
        let joined = documents.join(" ");
        let documents = if self.0 == Flaw::CrossesDocuments {
            vec![joined.as_str()]
        } else {
            documents.to_vec()
        };
        let tokens: Vec<Vec<String>> = documents.iter().map(|d| self.tokens(d)).collect();
        Ok(count_all((min_n..=top).flat_map(|n| {
            tokens.iter().flat_map(move |t| grams(t, n, drop_last))
        })))
    }

    fn padded_ngrams(
        &self,
        sentences: &[&str],
        n: usize,
        padding: Padding,
    ) -> Result<Counts, NgramError> {
        check_range(n, n)?;
        match self.0 {
            Flaw::PadsCorpusOnce => Ok(self.padded(&[&sentences.join(" ")], n, padding)),
            _ => Ok(self.padded(sentences, n, padding)),
        }
    }

    fn char_ngrams(
        &self,
        documents: &[&str],
        analyzer: CharAnalyzer,
        min_n: usize,
        max_n: usize,
    ) -> Result<Counts, NgramError> {
        check_range(min_n, max_n)?;
        Ok(self.chars(documents, analyzer, min_n, max_n))
    }

    fn top_k(
        &self,
        documents: &[&str],
        n: usize,
        k: usize,
    ) -> Result<Vec<(String, u64)>, NgramError> {
        check_range(n, n)?;
        let mut seen = first_seen(documents, n, n);
        match self.0 {
            Flaw::TiesInFirstSeenOrder => seen.sort_by_key(|e| std::cmp::Reverse(e.1)),
            Flaw::TiesInHashOrder => {
                let counts: HashMap<String, u64> = seen.into_iter().collect();
                seen = counts.into_iter().collect();
                seen.sort_by_key(|e| std::cmp::Reverse(e.1));
            }
            Flaw::TruncatesBeforeSorting => {
                seen.truncate(k);
                seen.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            }
            _ => return Reference.top_k(documents, n, k),
        }
        seen.truncate(k);
        Ok(seen)
    }

    fn document_term_matrix(
        &self,
        documents: &[&str],
        min_n: usize,
        max_n: usize,
    ) -> Result<DocumentTermMatrix, NgramError> {
        let mut matrix = Reference.document_term_matrix(documents, min_n, max_n)?;
        match self.0 {
            Flaw::VocabularyInFirstSeenOrder => {
                let vocabulary: Vec<String> = first_seen(documents, min_n, max_n)
                    .into_iter()
                    .map(|(g, _)| g)
                    .collect();
                let column: HashMap<&str, usize> = matrix
                    .vocabulary
                    .iter()
                    .enumerate()
                    .map(|(j, g)| (g.as_str(), j))
                    .collect();
                let counts =
                    Array2::from_shape_fn((documents.len(), vocabulary.len()), |(i, j)| {
                        matrix.counts[[i, column[vocabulary[j].as_str()]]]
                    });
                matrix = DocumentTermMatrix { vocabulary, counts };
            }
            Flaw::BinaryCounts => matrix.counts.mapv_inplace(|c| c.min(1)),
            Flaw::Transposed => matrix.counts = matrix.counts.reversed_axes(),
            _ => {}
        }
        Ok(matrix)
    }

    fn count_stream(
        &self,
        corpus: &mut dyn Read,
        spec: &SketchSpec,
    ) -> Result<Box<dyn NgramSketch>, NgramError> {
        if self.0 == Flaw::ReadsBeforeChecking {
            let mut bytes = Vec::new();
            corpus
                .read_to_end(&mut bytes)
                .map_err(|e| NgramError::Io { kind: e.kind() })?;
            check_sketch(spec)?;
            let sketch = Reference.count_stream(&mut bytes.as_slice(), spec);
            return sketch;
        }
        match self.0 {
            Flaw::IgnoresBudget => check_sketch(&SketchSpec {
                memory_budget: usize::MAX,
                ..*spec
            })?,
            _ => check_sketch(spec)?,
        }
        let depth = match self.0 {
            Flaw::TooFewRows => (1.0 / spec.delta).log10().ceil() as usize,
            _ => spec.depth(),
        };
        let seed = match self.0 {
            Flaw::IgnoresSeed => 0x5eed,
            _ => spec.seed,
        };
        let inner = CountMin::with_shape(spec.width(), depth, seed);
        let mut sketch = FlawedSketch {
            signed: vec![0; inner.counters.len()],
            inner,
            exact: HashMap::new(),
            claimed_bytes: spec.needed_bytes(),
            flaw: self.0,
        };
        let mut add =
            |line: &str| Joined::of_document(line).for_each_window(spec.n, |g| sketch.add(g));
        match self.0 {
            Flaw::SplitsAtReadBoundaries => {
                let mut buffer = [0u8; 64];
                loop {
                    let read = corpus
                        .read(&mut buffer)
                        .map_err(|e| NgramError::Io { kind: e.kind() })?;
                    if read == 0 {
                        break;
                    }
                    String::from_utf8_lossy(&buffer[..read])
                        .split('\n')
                        .for_each(&mut add);
                }
            }
            Flaw::OffsetWithinLine => {
                let mut bytes = Vec::new();
                corpus
                    .read_to_end(&mut bytes)
                    .map_err(|e| NgramError::Io { kind: e.kind() })?;
                for line in bytes.split(|&b| b == b'\n') {
                    match std::str::from_utf8(line) {
                        Ok(text) => add(text),
                        Err(_) if spec.lossy => add(&String::from_utf8_lossy(line)),
                        Err(e) => {
                            return Err(NgramError::InvalidUtf8 {
                                offset: e.valid_up_to() as u64,
                            });
                        }
                    }
                }
            }
            Flaw::BuffersWholeLine => read_whole_lines(corpus, spec.lossy, add)?,
            Flaw::GivesUpOnInterrupted => {
                let interrupted = Cell::new(false);
                let mut reader = NoRetry {
                    inner: corpus,
                    interrupted: &interrupted,
                };
                let mut window = Window::new(spec.n);
                let read = for_each_piece(&mut reader, spec.lossy, |piece| {
                    window.push(piece, |g| sketch.add(g))
                });
                if interrupted.get() {
                    let kind = std::io::ErrorKind::Interrupted;
                    return Err(NgramError::Io { kind });
                }
                read?
            }
            _ => {
                let mut window = Window::new(spec.n);
                for_each_piece(corpus, spec.lossy, |piece| {
                    window.push(piece, |g| sketch.add(g))
                })?
            }
        }
        Ok(Box::new(sketch))
    }

    fn contamination(
        &self,
        train: &[&str],
        tests: &[&str],
        n: usize,
    ) -> Result<Vec<Overlap>, NgramError> {
        check_range(n, n)?;
        let joined = train.join(" ");
        let train = if self.0 == Flaw::TrainCrossesDocuments {
            vec![joined.as_str()]
        } else {
            train.to_vec()
        };
        let seen: HashSet<String> = train
            .iter()
            .flat_map(|d| grams(&Reference.tokenize(d), n, false))
            .collect();
        let overlap = |test: &&str| {
            let mut windows = grams(
                &Reference.tokenize(test),
                n,
                self.0 == Flaw::TestWindowOffByOne,
            );
            if self.0 == Flaw::DistinctNgrams {
                windows.sort_unstable();
                windows.dedup();
            }
            let matched = windows.iter().filter(|g| seen.contains(*g)).count() as u64;
            Overlap {
                matched,
                total: windows.len() as u64,
            }
        };
        Ok(tests.iter().map(overlap).collect())
    }
}

/// Each line of `corpus` read whole (the `BufRead::read_until` a first version writes),
/// then decoded and passed to `f`: right answers, but a line of a gigabyte is a gigabyte
/// of memory.
fn read_whole_lines(
    corpus: &mut dyn Read,
    lossy: bool,
    mut f: impl FnMut(&str),
) -> Result<(), NgramError> {
    let mut reader = BufReader::new(corpus);
    let (mut line, mut offset) = (Vec::new(), 0u64);
    loop {
        line.clear();
        let read = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| NgramError::Io { kind: e.kind() })?;
        if read == 0 {
            return Ok(());
        }
        match std::str::from_utf8(&line) {
            Ok(text) => f(text),
            Err(_) if lossy => f(&String::from_utf8_lossy(&line)),
            Err(e) => {
                let offset = offset + e.valid_up_to() as u64;
                return Err(NgramError::InvalidUtf8 { offset });
            }
        }
        offset += read as u64;
    }
}

/// The reference's count-min sketch, or one of the stream task's wrong sketches.
struct FlawedSketch {
    inner: CountMin,
    signed: Vec<i64>,
    /// [`Flaw::ExactHashMap`]'s counts.
    exact: HashMap<String, u64>,
    /// What [`Flaw::ExactHashMap`] says its counters take: the sketch's size.
    claimed_bytes: usize,
    flaw: Flaw,
}

impl FlawedSketch {
    /// The counter of `row`, and the sign a count sketch gives the n-gram there.
    fn cell(&self, hash: u64, row: usize) -> (usize, i64) {
        let cell = match self.flaw {
            Flaw::SameHashEveryRow => row * self.inner.width + self.inner.cell(hash, 0),
            _ => self.inner.cell(hash, row),
        };
        let sign = if mix64(hash ^ (row as u64 + 77)) & 1 == 0 {
            1
        } else {
            -1
        };
        (cell, sign)
    }

    fn add(&mut self, ngram: &str) {
        if self.flaw == Flaw::ExactHashMap {
            *self.exact.entry(ngram.to_owned()).or_insert(0) += 1;
            self.inner.total += 1;
            return;
        }
        let hash = seeded_hash(self.inner.seed, ngram);
        for row in 0..self.inner.depth {
            let (cell, sign) = self.cell(hash, row);
            self.inner.counters[cell] += 1;
            self.signed[cell] += sign;
        }
        self.inner.total += 1;
    }
}

impl NgramSketch for FlawedSketch {
    fn estimate(&self, ngram: &str) -> u64 {
        if self.flaw == Flaw::ExactHashMap {
            return self.exact.get(ngram).copied().unwrap_or(0);
        }
        let hash = seeded_hash(self.inner.seed, ngram);
        let rows = 0..self.inner.depth;
        if self.flaw != Flaw::CountSketchMedian {
            return rows
                .map(|row| self.inner.counters[self.cell(hash, row).0])
                .min()
                .unwrap_or(0);
        }
        let mut votes: Vec<i64> = rows
            .map(|row| self.cell(hash, row))
            .map(|(c, s)| s * self.signed[c])
            .collect();
        votes.sort_unstable();
        votes.get(votes.len() / 2).map_or(0, |&v| v.max(0) as u64)
    }

    fn total(&self) -> u64 {
        self.inner.total
    }

    fn counter_bytes(&self) -> usize {
        match self.flaw {
            Flaw::ExactHashMap => self.claimed_bytes,
            _ => self.inner.counter_bytes(),
        }
    }
}

/// A reader that turns `Interrupted` into an error no loop retries, and remembers that it
/// did: what a read loop that gives up on `Interrupted` sees.
struct NoRetry<'a> {
    inner: &'a mut dyn Read,
    interrupted: &'a Cell<bool>,
}

impl Read for NoRetry<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.interrupted.get() {
            return Ok(0);
        }
        match self.inner.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
                self.interrupted.set(true);
                Err(std::io::ErrorKind::Other.into())
            }
            result => result,
        }
    }
}
