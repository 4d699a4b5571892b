//! The dataloader workload: one shuffled epoch over 100,000 rows of 256 f32 (102 MB) and
//! their labels, as the criterion bench's `epoch` group. Contenders: `reference_b64` and
//! `reference_b256` (a permutation, then one `collate` per batch), `candidate_b64` and
//! `candidate_b256` once implemented, `tch_iter2_b256` (tch's own shuffled iterator) and
//! `plain_copy` (one contiguous copy of the features, the memory-bandwidth yardstick).
//!
//! The worker of `make bench-dataloader-peers`: `scripts/bench_dataloader_peers.py` starts it (`cargo bench -p
//! dataloader-trusted --bench peers`) and drives it over stdin and stdout
//! ([`mldrill_pack::peers`] says how).

use dataloader::Candidate;
use dataloader_trusted::reference::Reference;
use mldrill_pack::peers::{Loaded, Workload, implemented, serve};
use mldrill_spec::dataloader::DataLoader;
use serde_json::json;
use tch::{Device, Kind, Tensor};

const ROWS: i64 = 100_000;
const FEATURES: i64 = 256;

struct Dataloader {
    features: Tensor,
    labels: Tensor,
    epoch: u64,
}

impl Dataloader {
    fn read_epoch(&mut self, loader: &dyn DataLoader, batch: usize) -> Result<(), String> {
        self.epoch += 1;
        let order = loader.epoch_permutation(ROWS as usize, 1, self.epoch);
        for indices in order.chunks(batch) {
            let collated = loader
                .collate(&self.features, &self.labels, indices)
                .map_err(|e| e.to_string())?;
            std::hint::black_box(collated);
        }
        Ok(())
    }
}

impl Workload for Dataloader {
    fn run(&mut self, contender: &str) -> Result<(), String> {
        match contender {
            "reference_b64" => self.read_epoch(&Reference, 64),
            "reference_b256" => self.read_epoch(&Reference, 256),
            "candidate_b64" => self.read_epoch(&Candidate, 64),
            "candidate_b256" => self.read_epoch(&Candidate, 256),
            "tch_iter2_b256" => {
                let mut iter = tch::data::Iter2::new(&self.features, &self.labels, 256);
                iter.shuffle().return_smaller_last_batch();
                for batch in iter {
                    let _ = std::hint::black_box(batch);
                }
                Ok(())
            }
            "plain_copy" => {
                let _ = std::hint::black_box(self.features.copy());
                Ok(())
            }
            _ => Err(format!("unknown dataloader contender {contender:?}")),
        }
    }
}

pub fn load() -> Loaded {
    tch::manual_seed(0);
    let features = Tensor::randn([ROWS, FEATURES], (Kind::Float, Device::Cpu));
    let labels = Tensor::randint(10, [ROWS], (Kind::Int64, Device::Cpu));
    let mut contenders = vec!["reference_b64", "reference_b256"];
    if implemented(|| {
        Candidate.collate(&features, &labels, &[0, 1]).is_ok()
            && Candidate.epoch_permutation(4, 0, 0).len() == 4
    }) {
        contenders.extend(["candidate_b64", "candidate_b256"]);
    }
    contenders.extend(["tch_iter2_b256", "plain_copy"]);
    let info = json!({
        "rows": ROWS,
        "features": FEATURES,
        "feature_bytes": ROWS * FEATURES * 4,
        "contenders": contenders,
    });
    Ok((
        Box::new(Dataloader {
            features,
            labels,
            epoch: 0,
        }),
        info,
    ))
}

fn main() {
    serve(
        |words: &[&str]| match words {
            ["dataloader"] => load(),
            _ => Err(format!("unknown workload {words:?}")),
        },
        tch::set_num_threads,
    );
}
