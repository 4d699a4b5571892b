//! The dataloader's reference-free properties: invariants any correct loader satisfies
//! (each index once per epoch, sizes add up, ranks partition the data, statistics of the
//! shuffle). These are the properties an exported screen lets a candidate run, so this
//! folder must never use the reference: it imports only the pack SDK's property framework
//! and the spec. One file per task; this one lists every property in task order.

use mldrill_spec::dataloader::{DataLoader, LoaderError, ShardSpec};
use proptest::collection::vec;
use proptest::prelude::*;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use tch::{Kind as DType, Tensor};

use mldrill_pack::figure::{self, Figure, Grid, Plot};
use mldrill_pack::stats::{FALSE_ALARM, check_uniform};
use mldrill_pack::{Ctx, Failure, Property, ensure_eq, fail, property};

mod batching;
mod collate;
mod distributed;
mod resume;
mod sequences;
mod shuffle;

pub use batching::*;
pub use collate::*;
pub use distributed::*;
pub use resume::*;
pub use sequences::*;
pub use shuffle::*;

/// The implementation trait the properties check.
pub type Loader = dyn DataLoader;

/// The reference-free properties, in task order.
pub fn properties() -> Vec<Property<Loader>> {
    let mut all = vec![
        property!(
            "batching/covers_in_order",
            Invariant,
            batching_covers_in_order
        ),
        property!(
            "batching/rejects_zero_batch_size",
            Invariant,
            batching_rejects_zero
        ),
        property!("shuffle/is_permutation", Invariant, shuffle_is_permutation),
        property!("shuffle/reproducible", Invariant, shuffle_reproducible),
        property!(
            "shuffle/new_order_each_epoch_and_seed",
            Invariant,
            shuffle_changes
        ),
        property!("shuffle/uniform", Invariant, shuffle_uniform),
        property!(
            "shuffle/epochs_independent",
            Invariant,
            shuffle_epochs_independent
        ),
        property!(
            "distributed/pytorch_examples",
            Invariant,
            shard_pytorch_examples
        ),
        property!(
            "distributed/ranks_partition",
            Invariant,
            shard_ranks_partition
        ),
        property!(
            "distributed/rejects_bad_rank",
            Invariant,
            shard_rejects_bad_rank
        ),
        property!(
            "collate/shape_and_dtype",
            Invariant,
            collate_shape_and_dtype
        ),
        property!(
            "collate/rejects_bad_input",
            Invariant,
            collate_rejects_bad_input
        ),
        property!(
            "sequences/pad_mask_and_lengths",
            Invariant,
            pad_mask_and_lengths
        ),
        property!(
            "sequences/pad_rejects_bad_input",
            Invariant,
            pad_rejects_bad_input
        ),
        property!(
            "sequences/buckets_cover_epoch",
            Invariant,
            buckets_cover_epoch
        ),
        property!("sequences/buckets_pad_less", Invariant, buckets_pad_less),
        property!("sequences/buckets_reshuffle", Invariant, buckets_reshuffle),
        property!("sequences/buckets_regroup", Invariant, buckets_regroup),
        property!(
            "resume/continues_the_epoch",
            Invariant,
            resume_continues_the_epoch
        ),
        property!("resume/edges", Invariant, resume_edges),
    ];
    // The shuffle's larger checks (below) follow its others.
    let after = all
        .iter()
        .position(|p| p.id == "shuffle/epochs_independent")
        .map_or(all.len(), |at| at + 1);
    all.splice(after..after, larger_shuffle_properties());
    all
}
