//! The reference n-gram counter: tokens interned to integer ids, n-grams of orders 1 to 3
//! (and any order whose ids fit) packed into one `u64`, counted by radix sort and run
//! length rather than by hashing strings; NLTK padding; scikit-learn's character
//! analyzers; a count-min sketch over a stream read in bounded memory ([`stream`]); and
//! train/test overlap.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Read;

use mldrill_spec::ngram::{
    BOS, CharAnalyzer, Counts, DocumentTermMatrix, EOS, NgramCounter, NgramError, NgramSketch,
    Overlap, Padding, SketchSpec,
};
use ndarray::Array2;

/// The reference implementation of [`NgramCounter`].
#[derive(Debug, Default, Clone, Copy)]
pub struct Reference;

// ---------------------------------------------------------------- hashing

/// FxHash (rustc's hasher): a multiply and a rotate per word, several times faster than
/// SipHash on short tokens. It is unkeyed: a service counting untrusted text would want a
/// keyed hash against hash flooding (the interviewer guide asks about it).
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
            self.write_u64(word);
        }
        let mut tail = [0u8; 8];
        let rest = chunks.remainder();
        tail[..rest.len()].copy_from_slice(rest);
        self.write_u64(u64::from_le_bytes(tail) ^ rest.len() as u64);
    }

    fn write_u8(&mut self, byte: u8) {
        self.write_u64(u64::from(byte));
    }

    fn write_u32(&mut self, word: u32) {
        self.write_u64(u64::from(word));
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Builds [`FxHasher`]s for std's `HashMap` and `HashSet`.
pub type FxBuild = BuildHasherDefault<FxHasher>;

// ---------------------------------------------------------------- tokens

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Calls `f` with each token of `document`, in order: the whole document lowercased with
/// `str::to_lowercase`, then maximal runs of two or more alphanumeric-or-`_` characters.
/// ASCII documents (the common case) are scanned as bytes without a lowercased copy.
pub fn for_each_token(document: &str, mut f: impl FnMut(&str)) {
    if !document.is_ascii() {
        let lower = document.to_lowercase();
        let mut run: Option<(usize, usize)> = None;
        for (i, c) in lower.char_indices().chain([(lower.len(), ' ')]) {
            match (is_word_char(c), run) {
                (true, Some((start, len))) => run = Some((start, len + 1)),
                (true, None) => run = Some((i, 1)),
                (false, Some((start, len))) => {
                    if len >= 2 {
                        f(&lower[start..i]);
                    }
                    run = None;
                }
                (false, None) => {}
            }
        }
        return;
    }
    let bytes = document.as_bytes();
    let mut lowered = String::new();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && !(bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        let start = i;
        let mut upper = false;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            upper |= bytes[i].is_ascii_uppercase();
            i += 1;
        }
        if i - start >= 2 {
            if upper {
                lowered.clear();
                lowered.push_str(&document[start..i]);
                lowered.make_ascii_lowercase();
                f(&lowered);
            } else {
                f(&document[start..i]);
            }
        }
    }
}

/// Tokens (or pad symbols) joined by one space, with each one's span: every n-gram is
/// then one slice of the text, and no n-gram needs an allocation of its own.
#[derive(Debug, Default)]
pub struct Joined {
    text: String,
    spans: Vec<(usize, usize)>,
}

impl Joined {
    pub fn of_document(document: &str) -> Self {
        let mut joined = Self::default();
        for_each_token(document, |token| joined.push(token));
        joined
    }

    pub fn push(&mut self, token: &str) {
        if !self.spans.is_empty() {
            self.text.push(' ');
        }
        let start = self.text.len();
        self.text.push_str(token);
        self.spans.push((start, self.text.len()));
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Calls `f` with each n-gram of order `n >= 1`, in order.
    pub fn for_each_window(&self, n: usize, mut f: impl FnMut(&str)) {
        for w in self.spans.windows(n) {
            f(&self.text[w[0].0..w[n - 1].1]);
        }
    }
}

// ---------------------------------------------------------------- interning

/// Token ids of a corpus: every document's ids back to back, and where each one ends.
/// After [`IdCorpus::build`] ids follow the tokens' sorted order, so that comparing id
/// tuples compares the n-grams' strings.
pub struct IdCorpus {
    pub ids: Vec<u32>,
    pub ends: Vec<usize>,
    /// Token by id, sorted ascending.
    pub words: Vec<Box<str>>,
    /// Id by token.
    pub index: HashMap<Box<str>, u32, FxBuild>,
}

impl IdCorpus {
    pub fn build(documents: &[&str]) -> Self {
        let mut index: HashMap<Box<str>, u32, FxBuild> = HashMap::default();
        let mut ids = Vec::new();
        let mut ends = Vec::with_capacity(documents.len());
        for document in documents {
            for_each_token(document, |token| {
                let id = match index.get(token) {
                    Some(&id) => id,
                    None => {
                        let id = u32::try_from(index.len()).expect("fewer than 2^32 tokens");
                        index.insert(token.into(), id);
                        id
                    }
                };
                ids.push(id);
            });
            ends.push(ids.len());
        }
        // Renumber by sorted token: "a b" < "ab" because ' ' sorts before every token
        // character, so id tuples then compare exactly like the joined strings.
        let mut by_word: Vec<(&str, u32)> = index.iter().map(|(w, &id)| (&**w, id)).collect();
        by_word.sort_unstable();
        let mut rank = vec![0u32; by_word.len()];
        for (new, &(_, old)) in by_word.iter().enumerate() {
            rank[old as usize] = new as u32;
        }
        ids.iter_mut().for_each(|id| *id = rank[*id as usize]);
        index.values_mut().for_each(|id| *id = rank[*id as usize]);
        let mut words = vec![Box::<str>::default(); index.len()];
        for (word, &id) in &index {
            words[id as usize] = word.clone();
        }
        Self {
            ids,
            ends,
            words,
            index,
        }
    }

    /// Each document's ids.
    pub fn documents(&self) -> impl Iterator<Item = &[u32]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(s, &e)| &self.ids[s..e])
    }

    fn ngram(&self, ids: impl Iterator<Item = u32> + Clone) -> String {
        let len = ids
            .clone()
            .map(|id| self.words[id as usize].len() + 1)
            .sum();
        let mut text = String::with_capacity(len);
        for id in ids {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&self.words[id as usize]);
        }
        text
    }

    /// Bits of one id: enough for the largest.
    fn id_bits(&self) -> u32 {
        (u32::BITS - (self.words.len().max(2) as u32 - 1).leading_zeros()).max(1)
    }

    /// The n-gram packed in `key` (ids big-endian, `bits` each).
    fn unpack(&self, key: u64, n: usize, bits: u32) -> String {
        let mask = (1u64 << bits) - 1;
        let ids = (0..n).map(move |j| ((key >> (bits * (n - 1 - j) as u32)) & mask) as u32);
        self.ngram(ids)
    }

    /// Windows of `n` ids packed big-endian into one `u64` (`n * bits <= 64`), so that
    /// numeric order is string order; radix-sorted, then counted by run length. Sorting
    /// streams through memory where a hash table would miss the cache on every n-gram.
    fn count_packed(&self, n: usize, bits: u32, buffers: &mut [Vec<u64>; 2]) -> Vec<(u64, u64)> {
        if n == 1 {
            let mut counts = vec![0u64; self.words.len()];
            self.ids.iter().for_each(|&id| counts[id as usize] += 1);
            let present = counts.into_iter().enumerate().filter(|&(_, c)| c > 0);
            return present.map(|(id, c)| (id as u64, c)).collect();
        }
        let width = n as u32 * bits;
        let mask = if width == 64 {
            u64::MAX
        } else {
            (1 << width) - 1
        };
        let [keys, scratch] = buffers;
        keys.clear();
        for doc in self.documents() {
            let mut key = 0u64;
            for (i, &id) in doc.iter().enumerate() {
                key = ((key << bits) | u64::from(id)) & mask;
                if i + 1 >= n {
                    keys.push(key);
                }
            }
        }
        radix_sort(keys, scratch, width);
        let runs = keys.chunk_by(|a, b| a == b);
        runs.map(|run| (run[0], run.len() as u64)).collect()
    }

    /// Any order, by sorting the start of every window by its ids: the fallback for
    /// windows too wide to pack.
    fn count_slices(&self, n: usize) -> Vec<(String, u64)> {
        let mut starts: Vec<usize> = Vec::new();
        for (doc, &end) in self.documents().zip(&self.ends) {
            let first = end - doc.len();
            starts.extend((first..end).take((doc.len() + 1).saturating_sub(n)));
        }
        let ids = |s: usize| &self.ids[s..s + n];
        starts.sort_unstable_by(|&a, &b| ids(a).cmp(ids(b)));
        let runs = starts.chunk_by(|&a, &b| ids(a) == ids(b));
        runs.map(|run| (self.ngram(ids(run[0]).iter().copied()), run.len() as u64))
            .collect()
    }
}

/// LSD radix sort of keys that use their low `bits` bits, in passes of at most 12 bits
/// (a histogram that stays in L1 cache); small inputs go to the standard sort.
pub fn radix_sort(keys: &mut Vec<u64>, scratch: &mut Vec<u64>, bits: u32) {
    if keys.len() < 1 << 12 {
        keys.sort_unstable();
        return;
    }
    let passes = bits.div_ceil(12);
    let digit_bits = bits.div_ceil(passes);
    scratch.clear();
    scratch.resize(keys.len(), 0);
    let mut offsets = vec![0usize; 1 << digit_bits];
    for pass in 0..passes {
        let shift = pass * digit_bits;
        let digit = |k: u64| ((k >> shift) & ((1 << digit_bits) - 1)) as usize;
        offsets.iter_mut().for_each(|o| *o = 0);
        keys.iter().for_each(|&k| offsets[digit(k)] += 1);
        let mut sum = 0;
        for slot in offsets.iter_mut() {
            (*slot, sum) = (sum, sum + *slot);
        }
        for &k in keys.iter() {
            let d = digit(k);
            scratch[offsets[d]] = k;
            offsets[d] += 1;
        }
        std::mem::swap(keys, scratch);
    }
}

/// Whether packed n-gram `a` of order `na` sorts before `b` of order `nb`: compare the
/// common prefix of ids, then the shorter first (as the strings compare).
fn packed_before((na, a): (usize, u64), (nb, b): (usize, u64), bits: u32) -> bool {
    let prefix = |key: u64, n: usize, m: usize| key >> (bits * (n - m) as u32);
    if na <= nb {
        a <= prefix(b, nb, na)
    } else {
        prefix(a, na, nb) < b
    }
}

pub fn check_range(min_n: usize, max_n: usize) -> Result<(), NgramError> {
    if min_n == 0 || min_n > max_n {
        return Err(NgramError::InvalidRange { min_n, max_n });
    }
    Ok(())
}

/// Word n-grams of orders `[min_n, max_n]`, sorted ascending by string.
pub fn count_words(documents: &[&str], min_n: usize, max_n: usize) -> Vec<(String, u64)> {
    let corpus = IdCorpus::build(documents);
    let longest = corpus.documents().map(<[u32]>::len).max().unwrap_or(0);
    let (bits, top) = (corpus.id_bits(), max_n.min(longest));
    if top as u32 * bits > 64 {
        let mut all: Vec<(String, u64)> =
            (min_n..=top).flat_map(|n| corpus.count_slices(n)).collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        return all;
    }
    let mut buffers = [Vec::with_capacity(corpus.ids.len()), Vec::new()];
    let orders: Vec<Vec<(u64, u64)>> = (min_n..=top)
        .map(|n| corpus.count_packed(n, bits, &mut buffers))
        .collect();
    drop(buffers);
    // Merge the sorted orders by their ids: no string is compared or moved twice.
    let mut heads = vec![0usize; orders.len()];
    let mut merged = Vec::with_capacity(orders.iter().map(Vec::len).sum());
    loop {
        let head = |o: usize| orders[o].get(heads[o]).map(|&(key, _)| (min_n + o, key));
        let mut best: Option<usize> = None;
        for (o, candidate) in (0..orders.len()).filter_map(|o| Some((o, head(o)?))) {
            if best.is_none_or(|b| packed_before(candidate, head(b).expect("a head"), bits)) {
                best = Some(o);
            }
        }
        let Some(o) = best else { return merged };
        let (key, count) = orders[o][heads[o]];
        heads[o] += 1;
        merged.push((corpus.unpack(key, min_n + o, bits), count));
    }
}

// ---------------------------------------------------------------- characters

/// scikit-learn's `_white_spaces.sub(" ", doc)`: every run of two or more white-space
/// characters becomes one space; a single one (a tab, a newline) is kept as it is.
pub fn collapse_whitespace(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|c| c.is_whitespace()).count();
        out.push(if run >= 2 { ' ' } else { chars[i] });
        i += run.max(1);
    }
    out
}

fn count_windows(chars: &[char], n: usize, counts: &mut Counts) {
    for window in chars.windows(n) {
        *counts.entry(window.iter().collect()).or_insert(0) += 1;
    }
}

/// scikit-learn's `_char_wb_ngrams` for one word: the word padded with one space per
/// side; a padded word no longer than `n` is counted once whole, and larger orders stop.
pub fn char_wb_word(word: &str, min_n: usize, max_n: usize, counts: &mut Counts) {
    let padded: Vec<char> = std::iter::once(' ')
        .chain(word.chars())
        .chain([' '])
        .collect();
    for n in min_n..=max_n {
        if padded.len() <= n {
            *counts.entry(padded.iter().collect()).or_insert(0) += 1;
            break;
        }
        count_windows(&padded, n, counts);
    }
}

// ---------------------------------------------------------------- the stream

pub mod stream;

pub use stream::{CountMin, check_sketch, mix64, seeded_hash};

// ---------------------------------------------------------------- the trait

impl NgramCounter for Reference {
    fn tokenize(&self, document: &str) -> Vec<String> {
        let mut tokens = Vec::new();
        for_each_token(document, |t| tokens.push(t.to_owned()));
        tokens
    }

    fn word_ngrams(
        &self,
        documents: &[&str],
        min_n: usize,
        max_n: usize,
    ) -> Result<Counts, NgramError> {
        check_range(min_n, max_n)?;
        Ok(count_words(documents, min_n, max_n).into_iter().collect())
    }

    fn padded_ngrams(
        &self,
        sentences: &[&str],
        n: usize,
        padding: Padding,
    ) -> Result<Counts, NgramError> {
        check_range(n, n)?;
        let mut counts = Counts::new();
        for sentence in sentences {
            let mut joined = Joined::default();
            let pads = |symbol, on: bool| std::iter::repeat_n(symbol, if on { n - 1 } else { 0 });
            pads(BOS, padding.left).for_each(|s| joined.push(s));
            for_each_token(sentence, |t| joined.push(t));
            pads(EOS, padding.right).for_each(|s| joined.push(s));
            joined.for_each_window(n, |g| *counts.entry(g.to_owned()).or_insert(0) += 1);
        }
        Ok(counts)
    }

    fn char_ngrams(
        &self,
        documents: &[&str],
        analyzer: CharAnalyzer,
        min_n: usize,
        max_n: usize,
    ) -> Result<Counts, NgramError> {
        check_range(min_n, max_n)?;
        let mut counts = Counts::new();
        for document in documents {
            let text = collapse_whitespace(&document.to_lowercase());
            match analyzer {
                CharAnalyzer::Char => {
                    let chars: Vec<char> = text.chars().collect();
                    (min_n..=max_n).for_each(|n| count_windows(&chars, n, &mut counts));
                }
                CharAnalyzer::CharWb => text
                    .split_whitespace()
                    .for_each(|word| char_wb_word(word, min_n, max_n, &mut counts)),
            }
        }
        Ok(counts)
    }

    fn top_k(
        &self,
        documents: &[&str],
        n: usize,
        k: usize,
    ) -> Result<Vec<(String, u64)>, NgramError> {
        check_range(n, n)?;
        let mut counts = count_words(documents, n, n);
        let order = |a: &(String, u64), b: &(String, u64)| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
        if k < counts.len() {
            // Only the k best need sorting: O(V + k log k) rather than O(V log V).
            counts.select_nth_unstable_by(k, order);
            counts.truncate(k);
        }
        counts.sort_unstable_by(order);
        Ok(counts)
    }

    fn document_term_matrix(
        &self,
        documents: &[&str],
        min_n: usize,
        max_n: usize,
    ) -> Result<DocumentTermMatrix, NgramError> {
        check_range(min_n, max_n)?;
        let vocabulary: Vec<String> = count_words(documents, min_n, max_n)
            .into_iter()
            .map(|(g, _)| g)
            .collect();
        let column: HashMap<&str, usize, FxBuild> = vocabulary
            .iter()
            .enumerate()
            .map(|(j, g)| (g.as_str(), j))
            .collect();
        let mut counts = Array2::<u32>::zeros((documents.len(), vocabulary.len()));
        for (i, document) in documents.iter().enumerate() {
            let joined = Joined::of_document(document);
            for n in min_n..=max_n.min(joined.len()) {
                joined.for_each_window(n, |g| {
                    let cell = &mut counts[[i, column[g]]];
                    *cell = cell.saturating_add(1);
                });
            }
        }
        Ok(DocumentTermMatrix { vocabulary, counts })
    }

    fn count_stream(
        &self,
        corpus: &mut dyn Read,
        spec: &SketchSpec,
    ) -> Result<Box<dyn NgramSketch>, NgramError> {
        Ok(Box::new(stream::count_stream(corpus, spec)?))
    }

    fn contamination(
        &self,
        train: &[&str],
        tests: &[&str],
        n: usize,
    ) -> Result<Vec<Overlap>, NgramError> {
        check_range(n, n)?;
        let corpus = IdCorpus::build(train);
        let seen: HashSet<&[u32], FxBuild> =
            corpus.documents().flat_map(|d| d.windows(n)).collect();
        let mut ids = Vec::new();
        let overlaps = tests.iter().map(|test| {
            ids.clear();
            // A token the training corpus never had gets an id no window there holds.
            for_each_token(test, |t| {
                ids.push(corpus.index.get(t).copied().unwrap_or(u32::MAX))
            });
            let windows = ids.windows(n);
            Overlap {
                matched: windows.clone().filter(|w| seen.contains(w)).count() as u64,
                total: windows.len() as u64,
            }
        });
        Ok(overlaps.collect())
    }
}

/// Exact counts of the stream `bytes` as the sketch must see them: each line a document,
/// invalid UTF-8 replaced. The suite's yardstick for "never under-counts".
pub fn stream_counts(bytes: &[u8], n: usize) -> BTreeMap<String, u64> {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    count_words(&lines, n, n).into_iter().collect()
}
