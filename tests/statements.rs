//! The statements say what they grade: every formula and worked example in an exercise's
//! README is checked here against the reference.
//!
//! Each claim pairs the README's own words (quoted exactly, white space aside, so that a
//! claim can wrap across lines) with a check of the reference. A claim whose words are no
//! longer in the README fails, so an edit to a statement's example cannot slip past its
//! check; a check that fails means the statement promises what the reference does not do.
//! A new example in a README gets a claim here.

use std::collections::BTreeMap;

use mldrill_spec::dataloader::{DataLoader, LoaderError, ShardSpec};
use mldrill_spec::ngram::{CharAnalyzer, NgramCounter, Overlap, Padding, SketchSpec};
use mldrill_spec::poison::{PoisonDetector, removal_budget};
use ndarray::Array2;
use tch::Tensor;

/// One statement of a README and the check that the reference does what it says.
struct Claim {
    /// Words of the README, exactly, except that any run of white space matches any other.
    says: &'static str,
    check: fn() -> Result<(), String>,
}

fn squeezed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn verify(exercise: &str, claims: &[Claim]) {
    let path = format!("exercises/{exercise}/README.md");
    let readme = squeezed(&std::fs::read_to_string(&path).expect("the statement"));
    let mut wrong = Vec::new();
    for claim in claims {
        if !readme.contains(&squeezed(claim.says)) {
            wrong.push(format!("{path} no longer says: {}", claim.says));
        } else if let Err(why) = (claim.check)() {
            wrong.push(format!("{path} says \"{}\", but {why}", claim.says));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `Ok` when `got == expected`, else what differed.
fn same<T: PartialEq + std::fmt::Debug>(got: T, expected: T, what: &str) -> Result<(), String> {
    if got == expected {
        Ok(())
    } else {
        Err(format!(
            "{what}: the reference gives {got:?}, not {expected:?}"
        ))
    }
}

mod dataloader {
    use super::*;
    use mldrill::reference::dataloader::Reference;

    fn plain(num_replicas: usize, rank: usize, drop_last: bool) -> ShardSpec {
        ShardSpec {
            num_replicas,
            rank,
            shuffle: false,
            seed: 0,
            epoch: 0,
            drop_last,
        }
    }

    fn shards(n: usize, replicas: usize, drop_last: bool) -> Vec<Vec<usize>> {
        (0..replicas)
            .map(|rank| {
                Reference
                    .shard(n, plain(replicas, rank, drop_last))
                    .unwrap()
            })
            .collect()
    }

    /// Python's `math.ceil((n - R) / R)`, in floating point as PyTorch computes it.
    fn pytorch_drop_last_count(n: usize, r: usize) -> usize {
        if n.is_multiple_of(r) {
            n / r
        } else {
            ((n as f64 - r as f64) / r as f64).ceil().max(0.0) as usize
        }
    }

    const CLAIMS: &[Claim] = &[
        Claim {
            says: "The number of batches is `ceil(n / batch_size)`, or `floor(n / batch_size)` with `drop_last`.",
            check: || {
                for n in 0..60 {
                    for bs in 1..12 {
                        for drop_last in [false, true] {
                            let got = Reference.batch_indices(n, bs, drop_last).unwrap().len();
                            let expected = if drop_last { n / bs } else { n.div_ceil(bs) };
                            same(
                                got,
                                expected,
                                &format!(
                                    "batches of n = {n}, batch_size = {bs}, drop_last = {drop_last}"
                                ),
                            )?;
                        }
                    }
                }
                Ok(())
            },
        },
        Claim {
            says: "`n = 10, batch_size = 3`: `[[0,1,2],[3,4,5],[6,7,8],[9]]`. With `drop_last`, the result is `[[0,1,2],[3,4,5],[6,7,8]]`.",
            check: || {
                same(
                    Reference.batch_indices(10, 3, false),
                    Ok(vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7, 8], vec![9]]),
                    "n = 10, batch_size = 3",
                )?;
                same(
                    Reference.batch_indices(10, 3, true),
                    Ok(vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7, 8]]),
                    "with drop_last",
                )
            },
        },
        Claim {
            says: "`batch_size > n`: one batch `[0..n)`, or no batches with `drop_last`. `n = 0`: no batches. When `batch_size` divides `n`, no batch is empty.",
            check: || {
                same(
                    Reference.batch_indices(4, 9, false),
                    Ok(vec![vec![0, 1, 2, 3]]),
                    "n = 4, batch_size = 9",
                )?;
                same(
                    Reference.batch_indices(4, 9, true),
                    Ok(vec![]),
                    "with drop_last",
                )?;
                same(Reference.batch_indices(0, 3, false), Ok(vec![]), "n = 0")?;
                let divides = Reference.batch_indices(12, 4, false).unwrap();
                same(
                    divides.iter().all(|b| !b.is_empty()),
                    true,
                    "n = 12, batch_size = 4",
                )
            },
        },
        Claim {
            says: "`batch_size == 0` is `LoaderError::InvalidBatchSize`, whatever `n` is.",
            check: || {
                for n in [0, 1, 10] {
                    same(
                        Reference.batch_indices(n, 0, false),
                        Err(LoaderError::InvalidBatchSize),
                        "batch_size 0",
                    )?;
                }
                Ok(())
            },
        },
        Claim {
            says: "Every rank gets the same count: `ceil(n / R)` indices, or `floor(n / R)` with `drop_last`. For `drop_last`, PyTorch writes the count as `n / R` when `R` divides `n`, and as `ceil((n - R) / R)` when it does not; both are `floor(n / R)`.",
            check: || {
                for n in 0..60 {
                    for r in 1..9 {
                        let keep = shards(n, r, false);
                        let drop = shards(n, r, true);
                        for rank in 0..r {
                            same(
                                keep[rank].len(),
                                n.div_ceil(r),
                                &format!("count, n = {n}, R = {r}"),
                            )?;
                            same(
                                drop[rank].len(),
                                n / r,
                                &format!("count with drop_last, n = {n}, R = {r}"),
                            )?;
                        }
                        same(
                            pytorch_drop_last_count(n, r),
                            n / r,
                            &format!("PyTorch's drop_last formula, n = {n}, R = {r}"),
                        )?;
                    }
                }
                Ok(())
            },
        },
        Claim {
            says: "`n = 10, R = 3`: the padded list is `[0..9, 0, 1]`. Ranks 0, 1 and 2 get `[0,3,6,9]`, `[1,4,7,0]` and `[2,5,8,1]`. With `drop_last` they get `[0,3,6]`, `[1,4,7]` and `[2,5,8]`.",
            check: || {
                same(
                    shards(10, 3, false),
                    vec![vec![0, 3, 6, 9], vec![1, 4, 7, 0], vec![2, 5, 8, 1]],
                    "n = 10, R = 3",
                )?;
                same(
                    shards(10, 3, true),
                    vec![vec![0, 3, 6], vec![1, 4, 7], vec![2, 5, 8]],
                    "with drop_last",
                )
            },
        },
        Claim {
            says: "`n = 2, R = 4`: ranks 0 to 3 get `[0]`, `[1]`, `[0]`, `[1]`. With `drop_last`, every rank gets `[]`.",
            check: || {
                same(
                    shards(2, 4, false),
                    vec![vec![0], vec![1], vec![0], vec![1]],
                    "n = 2, R = 4",
                )?;
                same(shards(2, 4, true), vec![vec![]; 4], "with drop_last")
            },
        },
        Claim {
            says: "`n = 3, R = 8`: the list cycles to `[0,1,2,0,1,2,0,1]`, and rank 7 gets `[1]`.",
            check: || {
                let cycled: Vec<usize> = shards(3, 8, false).concat();
                same(
                    cycled,
                    vec![0, 1, 2, 0, 1, 2, 0, 1],
                    "ranks 0 to 7 of n = 3, R = 8",
                )
            },
        },
        Claim {
            says: "`n = 0`: every rank gets `[]`.",
            check: || same(shards(0, 3, false), vec![vec![]; 3], "n = 0"),
        },
        Claim {
            says: "`num_replicas == 0` or `rank >= num_replicas` is `LoaderError::InvalidRank { rank, num_replicas }`.",
            check: || {
                same(
                    Reference.shard(5, plain(0, 0, false)),
                    Err(LoaderError::InvalidRank {
                        rank: 0,
                        num_replicas: 0,
                    }),
                    "R = 0",
                )?;
                same(
                    Reference.shard(5, plain(2, 2, false)),
                    Err(LoaderError::InvalidRank {
                        rank: 2,
                        num_replicas: 2,
                    }),
                    "rank = R",
                )
            },
        },
        Claim {
            says: "batch_first = true: data [[1,2,3],[4,0,0],[5,6,0]] mask [[T,T,T],[T,F,F],[T,T,F]] batch_first = false: data [[1,4,5],[2,0,6],[3,0,0]] (the transpose) lengths = [3, 1, 2]",
            check: || {
                let seqs = [
                    Tensor::from_slice(&[1i64, 2, 3]),
                    Tensor::from_slice(&[4i64]),
                    Tensor::from_slice(&[5i64, 6]),
                ];
                let rows = |t: &Tensor| -> Vec<Vec<i64>> { Vec::<Vec<i64>>::try_from(t).unwrap() };
                let first = Reference.pad_sequences(&seqs, true, 0.0).unwrap();
                same(
                    rows(&first.data),
                    vec![vec![1, 2, 3], vec![4, 0, 0], vec![5, 6, 0]],
                    "data, batch_first",
                )?;
                let mask: Vec<Vec<bool>> = Vec::<Vec<bool>>::try_from(&first.mask).unwrap();
                same(
                    mask,
                    vec![
                        vec![true, true, true],
                        vec![true, false, false],
                        vec![true, true, false],
                    ],
                    "mask",
                )?;
                let second = Reference.pad_sequences(&seqs, false, 0.0).unwrap();
                same(
                    rows(&second.data),
                    vec![vec![1, 4, 5], vec![2, 0, 6], vec![3, 0, 0]],
                    "data, not batch_first",
                )?;
                same(first.lengths, vec![3, 1, 2], "lengths")
            },
        },
        Claim {
            says: "the epoch is `[[p0,p1,p2],[p3,p4,p5],[p6,p7,p8],[p9]]`. `consumed = 2` gives `[[p6,p7,p8],[p9]]`, `consumed = 4` gives `[]`, and `consumed = 5` is `ResumePastEnd { consumed: 5, total: 4 }`. With `drop_last` the total is 3.",
            check: || {
                let p = Reference.epoch_permutation(10, 7, 3);
                same(
                    Reference.resume(10, 3, false, 7, 3, 0),
                    Ok(vec![
                        vec![p[0], p[1], p[2]],
                        vec![p[3], p[4], p[5]],
                        vec![p[6], p[7], p[8]],
                        vec![p[9]],
                    ]),
                    "the whole epoch",
                )?;
                same(
                    Reference.resume(10, 3, false, 7, 3, 2),
                    Ok(vec![vec![p[6], p[7], p[8]], vec![p[9]]]),
                    "consumed = 2",
                )?;
                same(
                    Reference.resume(10, 3, false, 7, 3, 4),
                    Ok(vec![]),
                    "consumed = 4",
                )?;
                same(
                    Reference.resume(10, 3, false, 7, 3, 5),
                    Err(LoaderError::ResumePastEnd {
                        consumed: 5,
                        total: 4,
                    }),
                    "consumed = 5",
                )?;
                same(
                    Reference.resume(10, 3, true, 7, 3, 4),
                    Err(LoaderError::ResumePastEnd {
                        consumed: 4,
                        total: 3,
                    }),
                    "drop_last, consumed = 4",
                )
            },
        },
        Claim {
            says: "`batch_size == 0` is `LoaderError::InvalidBatchSize`, checked first.",
            check: || {
                same(
                    Reference.resume(10, 0, false, 1, 2, 99),
                    Err(LoaderError::InvalidBatchSize),
                    "batch_size 0, consumed 99",
                )
            },
        },
    ];

    #[test]
    fn every_claim_of_the_dataloader_statement_holds() {
        verify("dataloader", CLAIMS);
    }
}

mod ngram {
    use super::*;
    use mldrill::reference::ngram::Reference;

    fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|&(g, c)| (g.to_owned(), c)).collect()
    }

    fn grams(list: &[&str]) -> BTreeMap<String, u64> {
        let mut all = BTreeMap::new();
        for g in list {
            *all.entry((*g).to_owned()).or_insert(0) += 1;
        }
        all
    }

    fn tokens(text: &str, expected: &[&str]) -> Result<(), String> {
        same(
            Reference.tokenize(text),
            expected.iter().map(|t| (*t).to_owned()).collect(),
            &format!("tokens of {text:?}"),
        )
    }

    /// A sentence of `len` distinct two-letter tokens.
    fn sentence(len: usize) -> String {
        (0..len)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn total(counts: &BTreeMap<String, u64>) -> u64 {
        counts.values().sum()
    }

    fn spec(epsilon: f64, delta: f64) -> SketchSpec {
        SketchSpec {
            n: 2,
            epsilon,
            delta,
            seed: 1,
            memory_budget: usize::MAX,
            lossy: false,
        }
    }

    const CLAIMS: &[Claim] = &[
        Claim {
            says: "`\"The CAT's 2 naïve_ones, x\"` gives `[\"the\", \"cat\", \"naïve_ones\"]`.",
            check: || tokens("The CAT's 2 naïve_ones, x", &["the", "cat", "naïve_ones"]),
        },
        Claim {
            says: "`\"ÉCOLE Straße\"` gives `[\"école\", \"straße\"]`.",
            check: || tokens("ÉCOLE Straße", &["école", "straße"]),
        },
        Claim {
            says: "The tokens are `[\"οδος\", \"οδοσ\"]`.",
            check: || tokens("ΟΔΟΣ ΟΔΟΣ'Α", &["οδος", "οδοσ"]),
        },
        Claim {
            says: "which gives the single token `[\"stanbul\"]`.",
            check: || tokens("İstanbul", &["stanbul"]),
        },
        Claim {
            says: "`[\"New York is new\", \"york\"]` with `(1, 2)` gives `{\"is\": 1, \"is new\": 1, \"new\": 2, \"new york\": 1, \"york\": 2, \"york is\": 1}`.",
            check: || {
                let expected = counts(&[
                    ("is", 1),
                    ("is new", 1),
                    ("new", 2),
                    ("new york", 1),
                    ("york", 2),
                    ("york is", 1),
                ]);
                same(
                    Reference.word_ngrams(&["New York is new", "york"], 1, 2),
                    Ok(expected),
                    "the example",
                )
            },
        },
        Claim {
            says: "A document of `L` tokens has `max(0, L - n + 1)` n-grams of order `n`.",
            check: || {
                for len in 0..9 {
                    for n in 1..6 {
                        let got = total(
                            &Reference
                                .word_ngrams(&[sentence(len).as_str()], n, n)
                                .unwrap(),
                        );
                        same(
                            got,
                            len.saturating_sub(n - 1) as u64,
                            &format!("L = {len}, n = {n}"),
                        )?;
                    }
                }
                Ok(())
            },
        },
        Claim {
            says: "`\"the cat sat\"`, `n = 3`, both sides: `<s> <s> the`, `<s> the cat`, `the cat sat`, `cat sat </s>`, `sat </s> </s>`.",
            check: || {
                let both = Padding {
                    left: true,
                    right: true,
                };
                let expected = grams(&[
                    "<s> <s> the",
                    "<s> the cat",
                    "the cat sat",
                    "cat sat </s>",
                    "sat </s> </s>",
                ]);
                same(
                    Reference.padded_ngrams(&["the cat sat"], 3, both),
                    Ok(expected),
                    "the example",
                )
            },
        },
        Claim {
            says: "A sentence of `L` tokens has `L + n - 1` n-grams when padded on both sides, `L` when padded on one side, and `max(0, L - n + 1)` unpadded. For `n = 1` there is no padding. An empty sentence padded on both sides with `n = 2` gives one n-gram, `<s> </s>`.",
            check: || {
                for len in 0..7 {
                    for n in 1..5 {
                        let text = sentence(len);
                        let count = |left, right| {
                            total(
                                &Reference
                                    .padded_ngrams(&[text.as_str()], n, Padding { left, right })
                                    .unwrap(),
                            )
                        };
                        let what = format!("L = {len}, n = {n}");
                        same(
                            count(true, true),
                            if n == 1 {
                                len as u64
                            } else {
                                (len + n - 1) as u64
                            },
                            &format!("{what}, both sides"),
                        )?;
                        same(count(true, false), len as u64, &format!("{what}, left"))?;
                        same(count(false, true), len as u64, &format!("{what}, right"))?;
                        same(
                            count(false, false),
                            len.saturating_sub(n - 1) as u64,
                            &format!("{what}, unpadded"),
                        )?;
                    }
                }
                let both = Padding {
                    left: true,
                    right: true,
                };
                same(
                    Reference.padded_ngrams(&[""], 2, both),
                    Ok(grams(&["<s> </s>"])),
                    "an empty sentence",
                )
            },
        },
        Claim {
            says: "`\"jumpy fox\"`, `Char`, `(5, 5)`: `jumpy`, `umpy `, `mpy f`, `py fo`, `y fox`.",
            check: || {
                same(
                    Reference.char_ngrams(&["jumpy fox"], CharAnalyzer::Char, 5, 5),
                    Ok(grams(&["jumpy", "umpy ", "mpy f", "py fo", "y fox"])),
                    "the example",
                )
            },
        },
        Claim {
            says: "`\"jumpy fox\"`, `CharWb`, `(5, 5)`: ` jump`, `jumpy`, `umpy `, ` fox `.",
            check: || {
                same(
                    Reference.char_ngrams(&["jumpy fox"], CharAnalyzer::CharWb, 5, 5),
                    Ok(grams(&[" jump", "jumpy", "umpy ", " fox "])),
                    "the example",
                )
            },
        },
        Claim {
            says: "`\"a\"`, `CharWb`, `(2, 5)`: ` a`, `a `, ` a ` (once). `(4, 4)` gives ` a ` once",
            check: || {
                same(
                    Reference.char_ngrams(&["a"], CharAnalyzer::CharWb, 2, 5),
                    Ok(grams(&[" a", "a ", " a "])),
                    "(2, 5)",
                )?;
                same(
                    Reference.char_ngrams(&["a"], CharAnalyzer::CharWb, 4, 4),
                    Ok(grams(&[" a "])),
                    "(4, 4)",
                )
            },
        },
        Claim {
            says: "`\"É🙂\"`, `Char`, `(1, 2)`: `é`, `🙂`, `é🙂`.",
            check: || {
                same(
                    Reference.char_ngrams(&["É🙂"], CharAnalyzer::Char, 1, 2),
                    Ok(grams(&["é", "🙂", "é🙂"])),
                    "the example",
                )
            },
        },
        Claim {
            says: "`\"a\\tb\"` keeps its tab, while `\"a \\t b\"` becomes `\"a b\"`.",
            check: || {
                same(
                    Reference.char_ngrams(&["a\tb"], CharAnalyzer::Char, 3, 3),
                    Ok(grams(&["a\tb"])),
                    "a tab alone",
                )?;
                same(
                    Reference.char_ngrams(&["a \t b"], CharAnalyzer::Char, 3, 3),
                    Ok(grams(&["a b"])),
                    "a run of white space",
                )
            },
        },
        Claim {
            says: "`width = spec.width() = ceil(e / epsilon)` counters per row and `depth = spec.depth() = ceil(ln(1 / delta))` rows of `u64` counters, which take `spec.needed_bytes() = 8 * width * depth` bytes.",
            check: || {
                for (epsilon, delta) in [(0.05, 0.01), (0.01, 0.01), (0.3, 0.5), (0.1, 0.1)] {
                    let s = spec(epsilon, delta);
                    let (width, depth) = (
                        (std::f64::consts::E / epsilon).ceil() as usize,
                        (1.0 / delta).ln().ceil() as usize,
                    );
                    same(
                        (s.width(), s.depth(), s.needed_bytes()),
                        (width, depth, 8 * width * depth),
                        &format!("epsilon {epsilon}, delta {delta}"),
                    )?;
                    let sketch = Reference
                        .count_stream(&mut "new york".as_bytes(), &s)
                        .unwrap();
                    same(
                        sketch.counter_bytes(),
                        8 * width * depth,
                        "the reference's counters",
                    )?;
                }
                Ok(())
            },
        },
        Claim {
            says: "(`epsilon = 0.05`, `delta = 0.01`: 5 rows of 55 counters) over one corpus of 59 bigrams: 19 heavy hitters seen 3 times each, just above `epsilon * total() = 2.95`, and 2 seen once.",
            check: || {
                let s = spec(0.05, 0.01);
                same((s.depth(), s.width()), (5, 55), "rows and counters")?;
                same(19 * 3 + 2, 59, "bigrams")?;
                same(
                    format!("{:.2}", 0.05 * 59.0),
                    "2.95".to_owned(),
                    "epsilon * total",
                )
            },
        },
        Claim {
            says: "in one row that happens with chance about 0.29, so with 5 rows about 0.002 of the time.",
            check: || {
                let p: f64 = 1.0 - (54.0f64 / 55.0).powi(19);
                same(
                    format!("{p:.2} {:.3}", p.powi(5)),
                    "0.29 0.002".to_owned(),
                    "1 - (54/55)^19 and its fifth power",
                )
            },
        },
        Claim {
            says: "A sketch with 2 rows (`log10` instead of `ln`) errs about 0.087 of the time, 3 rows about 0.026, and rows that share one hash function about 0.29.",
            check: || {
                let p: f64 = 1.0 - (54.0f64 / 55.0).powi(19);
                same(
                    (1.0f64 / 0.01).log10().ceil() as usize,
                    2,
                    "rows with log10",
                )?;
                same(
                    format!("{:.3} {:.3} {p:.2}", p.powi(2), p.powi(3)),
                    "0.087 0.026 0.29".to_owned(),
                    "p^2, p^3, p",
                )
            },
        },
        Claim {
            says: "with 400,000 distinct bigrams, and a single line of 2,000,000 tokens (18.0 MB)",
            check: || {
                use mldrill::suite::ngram::memory::{LINES, LONG_LINE_TOKENS};
                same(
                    format!(
                        "{} {} {:.1}",
                        LINES,
                        LONG_LINE_TOKENS,
                        LONG_LINE_TOKENS as f64 * 9.0 / 1e6
                    ),
                    "400000 2000000 18.0".to_owned(),
                    "the memory properties' streams: 8-letter tokens and a separator each",
                )
            },
        },
        Claim {
            says: "Three of the four are in the training set: `Overlap { matched: 3, total: 4 }`.",
            check: || {
                let got = Reference.contamination(
                    &["the cat sat on the mat"],
                    &["a cat sat on the mat today"],
                    3,
                );
                same(
                    got,
                    Ok(vec![Overlap {
                        matched: 3,
                        total: 4,
                    }]),
                    "the example",
                )
            },
        },
    ];

    #[test]
    fn every_claim_of_the_ngram_statement_holds() {
        verify("ngram", CLAIMS);
    }
}

mod poison {
    use super::*;
    use mldrill::reference::poison::{Reference, confident_thresholds};

    fn cleanlab() -> ([usize; 6], Array2<f64>) {
        let rows = [
            [0.9, 0.025, 0.075],
            [0.75, 0.15, 0.1],
            [0.1, 0.05, 0.85],
            [0.3, 0.5, 0.2],
            [0.05, 0.9, 0.05],
            [0.1, 0.1, 0.8],
        ];
        (
            [0, 0, 1, 1, 2, 2],
            Array2::from_shape_fn((6, 3), |(i, j)| rows[i][j]),
        )
    }

    const CLAIMS: &[Claim] = &[
        Claim {
            says: "budget = ceil(1.5 * eps * n) samples (a product a rounding error above a whole number counts as that number)",
            check: || {
                // Exactly, for eps in hundredths: ceil(1.5 * k / 100 * n) = ceil(3 k n / 200).
                for k in 0..100usize {
                    for n in 0..400usize {
                        let exact = (3 * k * n).div_ceil(200).min(n);
                        same(
                            removal_budget(k as f64 / 100.0, n),
                            exact,
                            &format!("eps = {k}/100, n = {n}"),
                        )?;
                    }
                }
                Ok(())
            },
        },
        Claim {
            says: "`eps = 0` flags nothing. A class of one sample with `eps > 0` has a budget of 1, and its sample is flagged",
            check: || {
                let x =
                    Array2::from_shape_vec((3, 2), vec![0.0f32, 1.0, 2.0, 0.5, 9.0, 9.0]).unwrap();
                same(
                    Reference.detect(x.view(), &[0, 0, 1], 0.0),
                    Ok(vec![]),
                    "eps = 0",
                )?;
                same(removal_budget(0.01, 1), 1, "the budget of one sample")?;
                let flagged = Reference.detect(x.view(), &[0, 0, 1], 0.01).unwrap();
                same(
                    flagged.contains(&2),
                    true,
                    "the singleton class's sample flagged",
                )
            },
        },
        Claim {
            says: "For cleanlab's own test case, with labels `[0, 0, 1, 1, 2, 2]` and rows `[.9, .025, .075]`, `[.75, .15, .1]`, `[.1, .05, .85]`, `[.3, .5, .2]`, `[.05, .9, .05]`, `[.1, .1, .8]`, the issues are `[2, 4]`.",
            check: || {
                let (labels, probs) = cleanlab();
                same(
                    Reference.label_issues(&labels, probs.view()),
                    Ok(vec![2, 4]),
                    "cleanlab's example",
                )
            },
        },
        Claim {
            says: "Note that row 1 is not an issue: its probability for class 0 (0.75) is below class 0's threshold (0.825).",
            check: || {
                let (labels, probs) = cleanlab();
                let thresholds = confident_thresholds(&labels, probs.view()).unwrap();
                same(
                    format!("{:.3}", thresholds[0]),
                    "0.825".to_owned(),
                    "class 0's threshold",
                )
            },
        },
        Claim {
            says: "That makes 10% of class 0 poisoned, so `eps = 0.1`.",
            check: || {
                same(
                    format!("{:.2}", 33.0 / (300.0 + 33.0)),
                    "0.10".to_owned(),
                    "33 of 333",
                )
            },
        },
        Claim {
            says: "Tasks: `spectral` (20), `detect` (20), `end_to_end` (20), `label_errors` (20), `hard_mode` (20), plus 10 for performance.",
            check: || {
                let catalog = mldrill::catalog::Catalog::load(std::path::Path::new("exercises"))
                    .map_err(|e| e.to_string())?;
                let exercise = catalog.get("poison").map_err(|e| e.to_string())?;
                let points: Vec<(String, u32)> = exercise
                    .tasks
                    .iter()
                    .map(|t| (t.id.clone(), t.points))
                    .collect();
                let expected = [
                    "spectral",
                    "detect",
                    "end_to_end",
                    "label_errors",
                    "hard_mode",
                ]
                .map(|t| (t.to_owned(), 20));
                same(points, expected.to_vec(), "the manifest's points")
            },
        },
    ];

    #[test]
    fn every_claim_of_the_poison_statement_holds() {
        verify("poison", CLAIMS);
    }
}

/// Every statement's task list matches its manifest's points, and the tasks total 100.
#[test]
fn every_statement_lists_its_tasks_with_the_manifests_points_totalling_100() {
    let catalog = mldrill::catalog::Catalog::load(std::path::Path::new("exercises")).unwrap();
    for id in ["dataloader", "ngram", "poison"] {
        let exercise = catalog.get(id).unwrap();
        let listed: Vec<String> = exercise
            .tasks
            .iter()
            .map(|t| format!("`{}` ({})", t.id, t.points))
            .collect();
        let line = format!("Tasks: {}, plus 10 for performance.", listed.join(", "));
        let readme =
            squeezed(&std::fs::read_to_string(format!("exercises/{id}/README.md")).unwrap());
        assert!(
            readme.contains(&line),
            "{id}: the statement does not say {line}"
        );
        let total: u32 = exercise.tasks.iter().map(|t| t.points).sum();
        assert_eq!(total, 100, "{id}: the tasks total {total}");
        assert!(
            readme.contains("Speed points require the timed task"),
            "{id}: the statement must say that speed points require the timed task to pass"
        );
    }
}
