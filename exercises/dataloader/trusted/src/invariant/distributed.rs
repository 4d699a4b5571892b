//! The dataloader's reference-free properties of the `distributed` task: ranks that partition an epoch as `DistributedSampler` does.

use super::*;

pub fn shard_inputs() -> impl Strategy<Value = (usize, ShardSpec)> {
    (
        0usize..200,
        1usize..9,
        any::<bool>(),
        any::<u64>(),
        0u64..1000,
        any::<bool>(),
    )
        .prop_flat_map(|(n, replicas, shuffle, seed, epoch, drop_last)| {
            (
                Just(n),
                (0..replicas).prop_map(move |rank| ShardSpec {
                    num_replicas: replicas,
                    rank,
                    shuffle,
                    seed,
                    epoch,
                    drop_last,
                }),
            )
        })
}

pub fn shard_pytorch_examples(imp: &Loader, _ctx: &mut Ctx) -> Result<(), Failure> {
    let plain = |num_replicas, rank, drop_last| ShardSpec {
        num_replicas,
        rank,
        shuffle: false,
        seed: 0,
        epoch: 0,
        drop_last,
    };
    let examples: [(usize, ShardSpec, Vec<usize>); 7] = [
        (2, plain(4, 2, false), vec![0]),
        (2, plain(4, 3, false), vec![1]),
        (2, plain(4, 0, true), vec![]),
        (10, plain(3, 1, false), vec![1, 4, 7, 0]),
        (10, plain(3, 2, true), vec![2, 5, 8]),
        (3, plain(8, 7, false), vec![1]),
        (0, plain(2, 1, false), vec![]),
    ];
    for (n, spec, expected) in examples {
        let got = imp.shard(n, spec);
        if got != Ok(expected.clone()) {
            return Err(Failure {
                reason: format!("got {got:?}, DistributedSampler gives {expected:?}"),
                counterexample: Some(format!("shard(n={n}, {spec:?})")),
            });
        }
    }
    Ok(())
}

pub fn shard_ranks_partition(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(&["n", "spec"], shard_inputs(), |(n, spec)| {
        let r = spec.num_replicas;
        let mut shards = Vec::with_capacity(r);
        for rank in 0..r {
            match imp.shard(n, ShardSpec { rank, ..spec }) {
                Ok(shard) => shards.push(shard),
                Err(e) => fail!("shard(n={n}, rank={rank} of {r}) failed: {e}"),
            }
        }
        let per_rank = if spec.drop_last { n / r } else { n.div_ceil(r) };
        if let Some((rank, s)) = shards.iter().enumerate().find(|(_, s)| s.len() != per_rank) {
            fail!(
                "rank {rank} got {} indices, every rank must get {per_rank}: {s:?}",
                s.len()
            );
        }
        let mut all: Vec<usize> = shards.concat();
        all.sort_unstable();
        let distinct = {
            let mut d = all.clone();
            d.dedup();
            d
        };
        if all.iter().any(|&i| i >= n) {
            fail!("an index is out of range 0..{n}: {shards:?}");
        }
        if spec.drop_last && distinct.len() != all.len() {
            fail!("with drop_last no index may be read twice: {shards:?}");
        }
        if !spec.drop_last && n > 0 && distinct.len() != n {
            fail!("without drop_last every index must be read by some rank: {shards:?}");
        }
        Ok(())
    })
}

pub fn shard_rejects_bad_rank(imp: &Loader, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(
        &["n", "num_replicas", "rank_beyond"],
        (0usize..50, 0usize..6, 0usize..4),
        |(n, replicas, extra)| {
            let rank = replicas + extra;
            let spec = ShardSpec {
                num_replicas: replicas,
                rank,
                shuffle: false,
                seed: 0,
                epoch: 0,
                drop_last: false,
            };
            ensure_eq!(
                imp.shard(n, spec),
                Err(LoaderError::InvalidRank {
                    rank,
                    num_replicas: replicas
                }),
                "shard(n={n}, rank={rank}, num_replicas={replicas})"
            );
            Ok(())
        },
    )
}
