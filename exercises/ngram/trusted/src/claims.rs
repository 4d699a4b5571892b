//! What the ngram statement (`exercises/ngram/README.md`) promises: every formula and
//! worked example, checked against the reference.

use std::collections::BTreeMap;

use mldrill_pack::claim::{Claim, same};
use mldrill_spec::ngram::{CharAnalyzer, NgramCounter, Overlap, Padding, SketchSpec};

use crate::reference::Reference;

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

pub const CLAIMS: &[Claim] = &[
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
            use crate::memory::{LINES, LONG_LINE_TOKENS};
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
