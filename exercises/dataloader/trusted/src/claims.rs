//! What the dataloader's statement (`exercises/dataloader/README.md`) promises: every
//! formula and worked example, checked against the reference.

use mldrill_pack::claim::{Claim, same};
use mldrill_spec::dataloader::{DataLoader, LoaderError, ShardSpec};
use tch::Tensor;

use crate::reference::Reference;

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

pub const CLAIMS: &[Claim] = &[
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
