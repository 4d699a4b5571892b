//! The reference's stream task: a reader that turns any `Read` into tokens and line ends
//! in bounded memory (UTF-8 decoded across read boundaries, lines cut between tokens,
//! with or without white space, so that a huge single line never sits in memory whole),
//! and the count-min sketch it feeds.

use std::hash::{DefaultHasher, Hasher};
use std::io::{ErrorKind, Read};

use mldrill_spec::ngram::{NgramError, NgramSketch, SketchSpec};

use super::{check_range, for_each_token};

/// Bytes asked of the reader at a time. The reader's own memory is a few times this, plus
/// the longest run of text without a place to cut it (see [`last_cut`]): the longest
/// token, in practice.
pub const CHUNK: usize = 16 * 1024;

/// What a stream turns into, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// One token (lowercased, two or more word characters).
    Token(&'a str),
    /// The end of a line (`\n`): the next token starts a new document.
    LineEnd,
}

/// What the search for a cut needs to know of a character: whether it is a word
/// character (itself or its lowercase), and the two properties `str::to_lowercase` looks
/// at around a capital sigma (`Σ` becomes `ς` at the end of a word, where the context
/// skips case-ignorable characters and stops at the first other one).
#[derive(Debug, Clone, Copy)]
struct Class {
    word: bool,
    ignorable: bool,
    cased: bool,
}

impl Class {
    fn of(c: char) -> Self {
        if c.is_ascii() {
            return Self {
                word: c.is_ascii_alphanumeric() || c == '_',
                ignorable: "'.:^`".contains(c),
                cased: c.is_ascii_alphabetic(),
            };
        }
        if c.is_whitespace() {
            return Self {
                word: false,
                ignorable: false,
                cased: false,
            };
        }
        let word = c.is_alphanumeric() || c.to_lowercase().any(|l| l.is_alphanumeric());
        // std's own rule tells the two properties apart: `xΣ` ends in `ς` exactly when x
        // is cased and not case-ignorable, `AxΣ` when x is case-ignorable or cased.
        let final_sigma = |text: String| text.to_lowercase().ends_with('ς');
        let cased = final_sigma(format!("{c}Σ"));
        let ignorable_or_cased = final_sigma(format!("A{c}Σ"));
        Self {
            word,
            ignorable: ignorable_or_cased && !cased,
            cased,
        }
    }
}

/// The nearest character before a place that is not case-ignorable, as far as a capital
/// sigma's lowercasing is concerned. The default is the start of the stream.
#[derive(Debug, Clone, Copy, Default)]
pub struct Before {
    sigma: bool,
    cased: bool,
}

impl Before {
    /// Whether cutting between `self` and `next` (the nearest characters on each side
    /// that are not case-ignorable) leaves every sigma's lowercasing as in the whole
    /// line: a sigma before the cut looks forward to `next`, one after it back to `self`.
    fn may_cut_before(self, next: Before) -> bool {
        (!self.sigma || !next.cased) && (!next.sigma || !self.cased)
    }
}

/// Whether every context stops at `c` and no token spans it: white space, and ASCII
/// punctuation other than the five case-ignorable characters (`'`, `.`, `:`, `^`, `` ` ``).
fn stops_every_context(c: char) -> bool {
    c.is_whitespace() || (c.is_ascii() && !c.is_ascii_alphanumeric() && !"_'.:^`".contains(c))
}

/// A place near the end of `text` where it may be cut without changing its tokens or its
/// lowercasing, with what comes before that place; `before` is what comes before `text`.
/// A cut goes before a character that is not a word character (so no token spans it),
/// where no capital sigma's context crosses it (see [`Before::may_cut_before`]). Only a
/// run of case-ignorable characters right after a capital sigma that follows a cased
/// letter has no such place; every other text has one at most a token away.
pub fn last_cut(text: &str, before: Before) -> Option<(usize, Before)> {
    // The common case, quickly: the last white space or plain punctuation. What came
    // before it does not matter, since the text left starts with a character that stops
    // every context.
    if let Some(at) = text.rfind(stops_every_context).filter(|&at| at > 0) {
        return Some((at, Before::default()));
    }
    let (mut prev, mut run_last, mut best) = (before, None, None);
    for (at, c) in text.char_indices() {
        let class = Class::of(c);
        if class.ignorable {
            if !class.word {
                run_last = Some(at);
            }
            continue;
        }
        let here = Before {
            sigma: c == 'Σ',
            cased: class.cased,
        };
        if prev.may_cut_before(here) {
            // Every place in the run of case-ignorable characters before `c` has the same
            // neighbours as the place before `c`: take the last that starts no token.
            match (class.word, run_last) {
                (false, _) => best = Some((at, prev)),
                (true, Some(last)) => best = Some((last, prev)),
                (true, None) => {}
            }
        }
        (prev, run_last) = (here, None);
    }
    // What follows the last run is not read yet: it may be a sigma or a cased letter.
    if let Some(last) = run_last
        && !prev.cased
    {
        best = Some((last, prev));
    }
    best
}

/// Reads `corpus` to its end and calls `f` with its tokens and line ends, exactly as
/// tokenizing each line of the whole stream would (each line lowercased whole), in memory
/// bounded by [`CHUNK`] and the longest run of text without a cut ([`last_cut`]).
///
/// Invalid UTF-8 is [`NgramError::InvalidUtf8`] at its offset from the start of the
/// stream, or, when `lossy`, replaced as `String::from_utf8_lossy` does over the whole
/// stream: an incomplete sequence at the end of one read is completed by the next.
pub fn for_each_piece(
    corpus: &mut dyn Read,
    lossy: bool,
    mut f: impl FnMut(Piece<'_>),
) -> Result<(), NgramError> {
    let mut bytes = vec![0u8; CHUNK];
    let (mut filled, mut consumed) = (0usize, 0u64);
    let mut text = String::with_capacity(2 * CHUNK);
    let mut before = Before::default();
    loop {
        let read = read_some(corpus, &mut bytes[filled..])?;
        filled += read;
        let eof = read == 0;
        // Only an incomplete UTF-8 sequence (3 bytes at most) is left undecoded.
        let used = decode(&bytes[..filled], eof, lossy, consumed, &mut text)?;
        consumed += used as u64;
        bytes.copy_within(used..filled, 0);
        filled -= used;
        let cut = if eof {
            text.len()
        } else if let Some((cut, at_cut)) = last_cut(&text, before) {
            before = at_cut;
            cut
        } else {
            0
        };
        tokenize_lines(&text[..cut], &mut f);
        text.drain(..cut);
        if eof {
            return Ok(());
        }
    }
}

/// One `read`, retried while it is interrupted.
fn read_some(corpus: &mut dyn Read, buffer: &mut [u8]) -> Result<usize, NgramError> {
    loop {
        match corpus.read(buffer) {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            result => return result.map_err(|e| NgramError::Io { kind: e.kind() }),
        }
    }
}

/// Appends the text of `bytes` to `text` and returns how many bytes it used: all of them,
/// except an incomplete sequence at the end that the next read may complete (at `eof`
/// there is no next read, and it is invalid). `consumed` is the stream offset of `bytes`.
fn decode(
    bytes: &[u8],
    eof: bool,
    lossy: bool,
    consumed: u64,
    text: &mut String,
) -> Result<usize, NgramError> {
    let mut start = 0;
    while start < bytes.len() {
        let rest = &bytes[start..];
        let error = match std::str::from_utf8(rest) {
            Ok(valid) => {
                text.push_str(valid);
                return Ok(bytes.len());
            }
            Err(error) => error,
        };
        let good = error.valid_up_to();
        text.push_str(std::str::from_utf8(&rest[..good]).expect("checked valid"));
        let invalid = match error.error_len() {
            None if !eof => return Ok(start + good),
            None => rest.len() - good,
            Some(len) => len,
        };
        if !lossy {
            let offset = consumed + (start + good) as u64;
            return Err(NgramError::InvalidUtf8 { offset });
        }
        text.push(char::REPLACEMENT_CHARACTER);
        start += good + invalid;
    }
    Ok(bytes.len())
}

/// Tokenizes `text`, which starts and ends at cuts, line by line.
fn tokenize_lines(text: &str, f: &mut impl FnMut(Piece<'_>)) {
    let mut lines = text.split('\n');
    if let Some(first) = lines.next() {
        for_each_token(first, |t| f(Piece::Token(t)));
    }
    for line in lines {
        f(Piece::LineEnd);
        for_each_token(line, |t| f(Piece::Token(t)));
    }
}

/// The last `n` tokens of the current line, joined into the n-gram they end.
#[derive(Debug)]
pub struct Window {
    tokens: Vec<String>,
    next: usize,
    len: usize,
    gram: String,
}

impl Window {
    pub fn new(n: usize) -> Self {
        Self {
            tokens: vec![String::new(); n],
            next: 0,
            len: 0,
            gram: String::new(),
        }
    }

    /// Calls `f` with the n-gram that `piece` completes, if it completes one.
    pub fn push(&mut self, piece: Piece<'_>, f: impl FnOnce(&str)) {
        let token = match piece {
            Piece::Token(token) => token,
            Piece::LineEnd => {
                self.len = 0;
                return;
            }
        };
        let n = self.tokens.len();
        let slot = &mut self.tokens[self.next];
        slot.clear();
        slot.push_str(token);
        self.next = (self.next + 1) % n;
        self.len = (self.len + 1).min(n);
        if self.len < n {
            return;
        }
        self.gram.clear();
        for i in 0..n {
            if i > 0 {
                self.gram.push(' ');
            }
            self.gram.push_str(&self.tokens[(self.next + i) % n]);
        }
        f(&self.gram);
    }
}

/// The checks every sketch makes before it reads anything, in the statement's order.
pub fn check_sketch(spec: &SketchSpec) -> Result<(), NgramError> {
    check_range(spec.n, spec.n)?;
    let valid = |p: f64| p > 0.0 && p < 1.0;
    if !valid(spec.epsilon) || !valid(spec.delta) {
        return Err(NgramError::InvalidSketch);
    }
    let needed = spec.needed_bytes();
    if needed > spec.memory_budget {
        return Err(NgramError::BudgetTooSmall {
            needed,
            budget: spec.memory_budget,
        });
    }
    Ok(())
}

/// SplitMix64's finalizer: a bijective mix, so distinct inputs stay distinct.
pub fn mix64(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// One 64-bit hash of an n-gram, keyed by the seed (SipHash); rows derive their own.
pub fn seeded_hash(seed: u64, ngram: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    hasher.write_u64(seed);
    hasher.write(ngram.as_bytes());
    hasher.finish()
}

/// A count-min sketch: `depth` rows of `width` counters, one hash function per row;
/// an estimate is the smallest of the n-gram's counters, which only collisions inflate.
#[derive(Debug, Clone)]
pub struct CountMin {
    pub width: usize,
    pub depth: usize,
    pub seed: u64,
    pub counters: Vec<u64>,
    pub total: u64,
}

impl CountMin {
    pub fn new(spec: &SketchSpec) -> Self {
        Self::with_shape(spec.width(), spec.depth(), spec.seed)
    }

    pub fn with_shape(width: usize, depth: usize, seed: u64) -> Self {
        Self {
            width,
            depth,
            seed,
            counters: vec![0; width * depth],
            total: 0,
        }
    }

    /// The counter of `row` for an n-gram with hash `hash`: rows mix the hash with
    /// their own constant, so each row is a different function of the n-gram.
    pub fn cell(&self, hash: u64, row: usize) -> usize {
        let h = mix64(hash ^ (row as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        row * self.width + (h % self.width as u64) as usize
    }

    pub fn add(&mut self, ngram: &str) {
        let hash = seeded_hash(self.seed, ngram);
        for row in 0..self.depth {
            let cell = self.cell(hash, row);
            self.counters[cell] += 1;
        }
        self.total += 1;
    }
}

impl NgramSketch for CountMin {
    fn estimate(&self, ngram: &str) -> u64 {
        let hash = seeded_hash(self.seed, ngram);
        let cells = (0..self.depth).map(|row| self.counters[self.cell(hash, row)]);
        cells.min().unwrap_or(0)
    }

    fn total(&self) -> u64 {
        self.total
    }

    fn counter_bytes(&self) -> usize {
        self.counters.len() * std::mem::size_of::<u64>()
    }
}

/// The stream task: check the spec, then count every n-gram of order `spec.n` of every
/// line of `corpus` in a count-min sketch.
pub fn count_stream(corpus: &mut dyn Read, spec: &SketchSpec) -> Result<CountMin, NgramError> {
    check_sketch(spec)?;
    let mut sketch = CountMin::new(spec);
    let mut window = Window::new(spec.n);
    for_each_piece(corpus, spec.lossy, |piece| {
        window.push(piece, |gram| sketch.add(gram))
    })?;
    Ok(sketch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::count_words;

    /// A reader that hands out `bytes` in reads of `size` bytes at most.
    struct Trickle<'a> {
        bytes: &'a [u8],
        size: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let size = self.size.min(buf.len()).min(self.bytes.len());
            buf[..size].copy_from_slice(&self.bytes[..size]);
            self.bytes = &self.bytes[size..];
            Ok(size)
        }
    }

    /// The n-grams the stream reader yields, counted, for reads of `size` bytes.
    fn streamed(bytes: &[u8], n: usize, size: usize) -> Vec<(String, u64)> {
        let mut counts = std::collections::BTreeMap::new();
        let mut window = Window::new(n);
        let mut reader = Trickle { bytes, size };
        for_each_piece(&mut reader, true, |piece| {
            window.push(piece, |g| *counts.entry(g.to_owned()).or_insert(0) += 1)
        })
        .unwrap();
        counts.into_iter().collect()
    }

    /// The same counts from whole lines, lowercased whole (the statement's definition).
    fn whole_lines(bytes: &[u8], n: usize) -> Vec<(String, u64)> {
        let text = String::from_utf8_lossy(bytes);
        let lines: Vec<&str> = text.split('\n').collect();
        count_words(&lines, n, n)
    }

    #[test]
    fn a_long_single_line_is_cut_at_white_space_and_counted_exactly() {
        let words = [
            "ΟΔΟΣ",
            "Σ",
            "ΟΔΟΣ'Α",
            "ab",
            "Éc",
            "x",
            "naïve",
            "İstanbul",
            "a.b",
        ];
        let mut line = String::new();
        for i in 0..5 * CHUNK / 4 {
            line.push_str(words[i * 7 % words.len()]);
            line.push_str([" ", "\t", ", ", "  "][i % 4]);
        }
        assert!(line.len() > 4 * CHUNK && !line.contains('\n'));
        for n in 1..=3 {
            let expected = whole_lines(line.as_bytes(), n);
            for size in [1, 7, CHUNK + 3, usize::MAX] {
                assert_eq!(
                    streamed(line.as_bytes(), n, size),
                    expected,
                    "n={n}, reads of {size}"
                );
            }
        }
    }

    #[test]
    fn a_long_line_without_white_space_is_cut_between_tokens_and_counted_exactly() {
        let words = [
            "ab",
            "ΟΔΟΣ",
            "Σ",
            "x",
            "ΑΣ",
            "Éc",
            "naïve",
            "İstanbul",
            "a_b",
        ];
        let separators = [".", ":", "'", ".'", "-", "\u{307}", "·"];
        let mut line = String::new();
        for i in 0..5 * CHUNK / 4 {
            line.push_str(words[i * 7 % words.len()]);
            line.push_str(separators[i % separators.len()]);
        }
        assert!(line.len() > 4 * CHUNK && !line.chars().any(char::is_whitespace));
        for n in 1..=2 {
            let expected = whole_lines(line.as_bytes(), n);
            for size in [1, 7, CHUNK + 3, usize::MAX] {
                assert_eq!(
                    streamed(line.as_bytes(), n, size),
                    expected,
                    "n={n}, reads of {size}"
                );
            }
        }
    }

    #[test]
    fn text_without_white_space_has_a_cut_near_its_end() {
        let text = "ab.".repeat(1000);
        let (cut, _) = last_cut(&text, Before::default()).unwrap();
        assert_eq!(cut, text.len() - 4, "the cut before the last \".ab.\"");
        // A run of dots after a final sigma cannot be cut: what follows decides its case.
        assert!(last_cut("ΑΣ....", Before::default()).is_none());
        // After a character that is not cased, or before a letter, the run can be cut.
        assert!(last_cut("12....", Before::default()).is_some());
        assert_eq!(
            last_cut("ab....cd", Before::default()).map(|c| c.0),
            Some(5)
        );
    }

    #[test]
    fn character_classes_follow_std_lowercasing() {
        let class = |c| {
            let k = Class::of(c);
            (k.word, k.ignorable, k.cased)
        };
        assert_eq!(class('Σ'), (true, false, true));
        assert_eq!(class('é'), (true, false, true));
        assert_eq!(class('\u{307}'), (false, true, false));
        assert_eq!(class('.'), (false, true, false));
        assert_eq!(class('·'), (false, true, false));
        assert_eq!(class('1'), (true, false, false));
        assert_eq!(class('-'), (false, false, false));
        assert_eq!(class('\u{3000}'), (false, false, false));
    }

    #[test]
    fn final_sigma_before_a_cut_lowercases_as_in_the_whole_line() {
        // Σ followed by case-ignorable characters: a cut there would change ς to σ.
        let text = "ΑΣ'Β ΑΣ' Β ΑΣ:x ΑΣ.Β\nΣΣ ΑΣ";
        for size in 1..8 {
            assert_eq!(
                streamed(text.as_bytes(), 1, size),
                whole_lines(text.as_bytes(), 1)
            );
        }
        assert!(
            streamed(text.as_bytes(), 1, 1)
                .iter()
                .any(|(g, _)| g == "ας")
        );
    }

    #[test]
    fn invalid_utf8_is_found_at_its_stream_offset_across_reads() {
        let mut bytes = "héllo wörld\n".repeat(CHUNK / 4).into_bytes();
        bytes.insert(bytes.len() - 5, 0xff);
        let at = std::str::from_utf8(&bytes).unwrap_err().valid_up_to();
        for size in [1, 3, CHUNK - 1, usize::MAX] {
            let mut reader = Trickle {
                bytes: &bytes,
                size,
            };
            let got = for_each_piece(&mut reader, false, |_| {});
            assert_eq!(got, Err(NgramError::InvalidUtf8 { offset: at as u64 }));
        }
        // A sequence cut off by the end of the stream is invalid where it starts.
        let mut reader = Trickle {
            bytes: b"ab \xe4\xb8",
            size: 1,
        };
        let got = for_each_piece(&mut reader, false, |_| {});
        assert_eq!(got, Err(NgramError::InvalidUtf8 { offset: 3 }));
    }

    #[test]
    fn lossy_decoding_matches_from_utf8_lossy_of_the_whole_stream() {
        let bytes = b"ab\xf0\x9f\x99cd \xed\xa0\x80ef\xc3\nok \xe4\xb8".repeat(3);
        for size in 1..6 {
            let mut text = String::new();
            let mut reader = Trickle {
                bytes: &bytes,
                size,
            };
            for_each_piece(&mut reader, true, |piece| match piece {
                Piece::Token(t) => text.push_str(&format!("[{t}]")),
                Piece::LineEnd => text.push('/'),
            })
            .unwrap();
            let lossy = String::from_utf8_lossy(&bytes);
            let mut expected = String::new();
            for (i, line) in lossy.split('\n').enumerate() {
                if i > 0 {
                    expected.push('/');
                }
                for_each_token(line, |t| expected.push_str(&format!("[{t}]")));
            }
            assert_eq!(text, expected, "reads of {size}");
        }
    }

    #[test]
    fn interrupted_reads_are_retried() {
        struct Flaky(u8, &'static [u8]);
        impl Read for Flaky {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.0 += 1;
                if self.0 % 2 == 1 {
                    return Err(ErrorKind::Interrupted.into());
                }
                self.1.read(buf)
            }
        }
        let mut tokens = Vec::new();
        let got = for_each_piece(&mut Flaky(0, b"new york"), false, |p| {
            if let Piece::Token(t) = p {
                tokens.push(t.to_owned())
            }
        });
        assert_eq!((got, tokens), (Ok(()), vec!["new".into(), "york".into()]));
    }
}
