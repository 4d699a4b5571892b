//! Copied work: every pair of a batch's submissions is compared per exercise by the
//! winnowed fingerprints of their normalised token streams, as MOSS does ([`tokens`],
//! [`winnow`]). The exercise's own stub and the code in its statement are subtracted first
//! (the [`Template`]), so code every candidate starts from or was shown never counts.
//!
//! A pair is flagged when the fingerprints they share are at least [`THRESHOLD`] of the
//! smaller submission's, and at least [`MIN_SHARED`] of them. The numbers were chosen by
//! the measurements in `tests/similarity.rs` (the README quotes them): copies, renamed and
//! reformatted copies, and copies with a function rewritten score from 0.6 to 1.0;
//! independent solutions of the same exercise score at most 0.2.
//!
//! Fingerprints are stored in each submission's JSON result, so shards graded apart are
//! compared when their results are merged.

pub mod tokens;
pub mod winnow;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Tokens in a k-gram: a shared run shorter than this is never evidence.
pub const K: usize = 20;
/// Hashes per window: a shared run of `K + WINDOW - 1` tokens always shares a fingerprint.
pub const WINDOW: usize = 8;
/// The share of the smaller submission's fingerprints two submissions must have in
/// common to be flagged.
pub const THRESHOLD: f64 = 0.4;
/// Fingerprints two submissions must share to be flagged, whatever the share: a few lines
/// of the candidate's own code are not enough to call a copy.
pub const MIN_SHARED: usize = 8;

/// The fingerprints of one exercise of one submission, the template subtracted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprints {
    /// The files, relative to `exercises/<id>/src/`, that marks point into.
    pub files: Vec<String>,
    pub marks: Vec<Mark>,
}

/// One fingerprint: a k-gram hash and where its k-gram starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub hash: u64,
    /// Index into [`Fingerprints::files`].
    pub file: u32,
    pub line: u32,
}

/// What every candidate of an exercise starts from or was shown: its stub and the code
/// blocks of its statement. Fingerprints of the template never count.
#[derive(Debug, Clone, Default)]
pub struct Template {
    hashes: HashSet<u64>,
}

impl Template {
    /// The template of an exercise from its stub files and its statement (Markdown).
    pub fn new<'a>(stub_sources: impl IntoIterator<Item = &'a [u8]>, statement: &str) -> Self {
        let mut hashes = HashSet::new();
        let mut add = |text: &str| {
            let stream = tokens::normalise(text, 0);
            hashes.extend(winnow::winnow(&stream, K, 1).iter().map(|k| k.hash));
        };
        for source in stub_sources {
            add(&String::from_utf8_lossy(source));
        }
        for block in code_blocks(statement) {
            add(&block);
        }
        Self { hashes }
    }
}

/// The fenced code blocks of a Markdown text.
fn code_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            match current.take() {
                Some(block) => blocks.push(block),
                None => current = Some(String::new()),
            }
        } else if let Some(block) = current.as_mut() {
            block.push_str(line);
            block.push('\n');
        }
    }
    blocks
}

/// The fingerprints of an exercise's source files (relative paths and contents), the
/// template's taken out. Every k-gram of the template is subtracted (a window of one), so
/// a template k-gram never survives whichever position the submission's windows choose.
pub fn fingerprint(files: &BTreeMap<PathBuf, Vec<u8>>, template: &Template) -> Fingerprints {
    let mut stream = Vec::new();
    let mut names = Vec::new();
    for (index, (path, bytes)) in files.iter().enumerate() {
        names.push(path.display().to_string());
        stream.extend(tokens::normalise(
            &String::from_utf8_lossy(bytes),
            index as u32,
        ));
    }
    let marks = winnow::winnow(&stream, K, WINDOW)
        .into_iter()
        .filter(|kept| !template.hashes.contains(&kept.hash))
        .map(|kept| Mark {
            hash: kept.hash,
            file: stream[kept.token].file,
            line: stream[kept.token].line,
        })
        .collect();
    Fingerprints {
        files: names,
        marks,
    }
}

/// How much two submissions' code of one exercise has in common.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Shared distinct fingerprints over the smaller submission's distinct fingerprints.
    pub similarity: f64,
    pub shared: usize,
    /// The matching regions in the first and the second submission (`file:first-last`).
    pub regions: (Vec<String>, Vec<String>),
}

impl Comparison {
    pub fn is_flagged(&self) -> bool {
        self.similarity >= THRESHOLD && self.shared >= MIN_SHARED
    }
}

/// Compares two submissions' fingerprints of the same exercise.
pub fn compare(a: &Fingerprints, b: &Fingerprints) -> Comparison {
    let set = |f: &Fingerprints| f.marks.iter().map(|m| m.hash).collect::<BTreeSet<u64>>();
    let (in_a, in_b) = (set(a), set(b));
    let shared: BTreeSet<u64> = in_a.intersection(&in_b).copied().collect();
    let smaller = in_a.len().min(in_b.len());
    let similarity = if smaller == 0 {
        0.0
    } else {
        shared.len() as f64 / smaller as f64
    };
    Comparison {
        similarity,
        shared: shared.len(),
        regions: (regions(a, &shared), regions(b, &shared)),
    }
}

/// Lines closer than this to the previous matching line extend its region.
const REGION_GAP: u32 = 4;

/// The line ranges of `fingerprints` whose hashes are in `shared`, per file, in order.
fn regions(fingerprints: &Fingerprints, shared: &BTreeSet<u64>) -> Vec<String> {
    let mut lines: BTreeSet<(u32, u32)> = BTreeSet::new();
    for mark in &fingerprints.marks {
        if shared.contains(&mark.hash) {
            lines.insert((mark.file, mark.line));
        }
    }
    let mut ranges: Vec<(u32, u32, u32)> = Vec::new();
    for (file, line) in lines {
        match ranges.last_mut() {
            Some((f, _, last)) if *f == file && line <= *last + REGION_GAP => *last = line,
            _ => ranges.push((file, line, line)),
        }
    }
    ranges
        .into_iter()
        .map(|(file, first, last)| {
            let name = fingerprints
                .files
                .get(file as usize)
                .map_or("?", String::as_str);
            if first == last {
                format!("{name}:{first}")
            } else {
                format!("{name}:{first}-{last}")
            }
        })
        .collect()
}

/// A flag on one submission: another submission of the batch shares enough of its code
/// of one exercise to look copied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimilarityFlag {
    pub exercise: String,
    /// The other submission's name.
    pub other: String,
    /// Shared fingerprints over the smaller submission's, 0 to 1.
    pub similarity: f64,
    pub shared: usize,
    /// The matching regions in this submission (`file:first-last`).
    pub regions: Vec<String>,
    /// The matching regions in the other submission.
    pub other_regions: Vec<String>,
}

/// Every flagged pair among `submissions` (name, then fingerprints by exercise), as flags
/// by submission index: each pair flags both, in the order of the input.
pub fn flag_pairs(
    submissions: &[(&str, &BTreeMap<String, Fingerprints>)],
) -> Vec<Vec<SimilarityFlag>> {
    let mut flags = vec![Vec::new(); submissions.len()];
    for (i, (name_a, a)) in submissions.iter().enumerate() {
        for (j, (name_b, b)) in submissions.iter().enumerate().skip(i + 1) {
            for (exercise, prints_a) in a.iter() {
                let Some(prints_b) = b.get(exercise) else {
                    continue;
                };
                let comparison = compare(prints_a, prints_b);
                if !comparison.is_flagged() {
                    continue;
                }
                let (regions_a, regions_b) = comparison.regions;
                flags[i].push(SimilarityFlag {
                    exercise: exercise.clone(),
                    other: (*name_b).to_owned(),
                    similarity: comparison.similarity,
                    shared: comparison.shared,
                    regions: regions_a.clone(),
                    other_regions: regions_b.clone(),
                });
                flags[j].push(SimilarityFlag {
                    exercise: exercise.clone(),
                    other: (*name_a).to_owned(),
                    similarity: comparison.similarity,
                    shared: comparison.shared,
                    regions: regions_b,
                    other_regions: regions_a,
                });
            }
        }
    }
    flags
}

impl std::fmt::Display for SimilarityFlag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {:.0}% like {} ({} shared fingerprints; here {}; there {})",
            self.exercise,
            self.similarity * 100.0,
            self.other,
            self.shared,
            self.regions.join(", "),
            self.other_regions.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(text: &str) -> BTreeMap<PathBuf, Vec<u8>> {
        BTreeMap::from([(PathBuf::from("lib.rs"), text.as_bytes().to_vec())])
    }

    const WORK: &str = "
        pub fn chunk(order: &[usize], size: usize, drop: bool) -> Vec<Vec<usize>> {
            let mut out = Vec::new();
            let mut i = 0;
            while i < order.len() {
                let end = (i + size).min(order.len());
                if !drop || end - i == size { out.push(order[i..end].to_vec()); }
                i += size;
            }
            out
        }
        pub fn count(n: usize, size: usize, drop: bool) -> usize {
            if drop { n / size } else { (n + size - 1) / size }
        }";

    #[test]
    fn a_copy_is_flagged_and_its_regions_named() {
        let template = Template::default();
        let a = fingerprint(&files(WORK), &template);
        let renamed = WORK.replace("order", "xs").replace("out", "batches");
        let b = fingerprint(&files(&renamed), &template);
        let comparison = compare(&a, &b);
        assert_eq!(comparison.similarity, 1.0);
        assert!(comparison.is_flagged(), "{comparison:?}");
        assert!(comparison.regions.0[0].starts_with("lib.rs:"));
    }

    #[test]
    fn the_template_never_counts() {
        let template = Template::new([WORK.as_bytes()], "");
        let a = fingerprint(&files(WORK), &template);
        assert!(a.marks.is_empty(), "{:?}", a.marks);
        let shown = Template::new([], &format!("Example:\n\n```rust\n{WORK}\n```\n"));
        assert!(fingerprint(&files(WORK), &shown).marks.is_empty());
    }

    #[test]
    fn flags_name_the_other_submission_on_both_sides() {
        let template = Template::default();
        let prints = BTreeMap::from([("ex".to_owned(), fingerprint(&files(WORK), &template))]);
        let other = BTreeMap::from([(
            "ex".to_owned(),
            fingerprint(&files("fn f() -> u8 { 1 }"), &template),
        )]);
        let flags = flag_pairs(&[("alice", &prints), ("bob", &prints), ("carol", &other)]);
        assert_eq!(flags[0].len(), 1);
        assert_eq!(flags[0][0].other, "bob");
        assert_eq!(flags[1][0].other, "alice");
        assert!(flags[2].is_empty());
    }
}
