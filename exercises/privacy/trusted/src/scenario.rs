//! One grading scenario per seed: a population, the target's training records (members),
//! records it never saw (non-members), a test set, the overfit target, the reference
//! models of the calibrated attack, and the DP-SGD settings with the reference's outcome.
//! Built once per seed and cached in-process, so properties never retrain.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use privacy_api::{DpConfig, Privacy};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::data::{CLASSES, FEATURES, Population, Records};
use crate::metrics;
use crate::reference::Reference;
use crate::train::{self, HIDDEN, OVERFIT_LR, OVERFIT_STEPS, Weights};

/// Training records of the target (the members).
pub const MEMBERS: usize = 500;
/// Records the target never saw that the attacks score with the members: enough that
/// 1% of them (the false positives a TPR at 1% FPR allows) is 20 records, not 5.
pub const NON_MEMBERS: usize = 2000;
/// Records of the test set that DP training's accuracy is measured on.
pub const TEST: usize = 2000;
/// Reference models of the calibrated attack, each trained on [`MEMBERS`] fresh records.
pub const REFERENCE_MODELS: usize = 16;
/// The false-positive rate the attacks' true-positive rates are read at.
pub const LOW_FPR: f64 = 0.01;

/// The DP-SGD settings of task `private_training`.
pub const DP_CONFIG: DpConfig = DpConfig {
    clip: 1.0,
    sigma: 2.0,
    batch_size: 50,
    epochs: 100,
    learning_rate: 2.0,
};

/// How an attack did against a model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttackOutcome {
    pub auc: f64,
    /// The true-positive rate at [`LOW_FPR`].
    pub tpr: f64,
}

/// One scenario, as plain numbers.
pub struct Scenario {
    pub seed: u64,
    pub members: Records,
    pub non_members: Records,
    pub test: Records,
    /// The initial weights every model of the scenario starts from.
    pub init: Weights,
    /// The overfit target, trained on `members`.
    pub target: Weights,
    /// Models trained on records disjoint from members and non-members.
    pub references: Vec<Weights>,
    /// The reference's loss attack and calibrated attack against the target.
    pub loss_attack: AttackOutcome,
    pub calibrated_attack: AttackOutcome,
    /// The target's test accuracy.
    pub target_accuracy: f64,
    /// The reference's DP-trained model: the loss attack against it, its test accuracy.
    pub private_attack: AttackOutcome,
    pub private_accuracy: f64,
    /// Seconds the overfit training of one model took, and the reference's DP training.
    pub overfit_seconds: f64,
    pub private_seconds: f64,
}

impl Scenario {
    /// Members then non-members, with their membership flags: what the attacks score.
    pub fn audit_records(&self) -> (Records, Vec<bool>) {
        let records = self.members.concat(&self.non_members);
        let flags = (0..records.len()).map(|i| i < self.members.len()).collect();
        (records, flags)
    }

    /// The loss attack's outcome against `model` (given as weights) on the audit records.
    pub fn loss_attack_on(&self, model: &Weights) -> AttackOutcome {
        let (records, flags) = self.audit_records();
        let (x, y) = records.tensors();
        let scores = Reference
            .loss_scores(&model.mlp(), &x, &y)
            .expect("the scenario's records fit its models");
        outcome(&scores, &flags).expect("finite scores of both classes")
    }
}

/// The AUC and the TPR at [`LOW_FPR`] of `scores`.
pub fn outcome(
    scores: &[f64],
    members: &[bool],
) -> Result<AttackOutcome, privacy_api::PrivacyError> {
    Ok(AttackOutcome {
        auc: metrics::roc_auc(scores, members)?,
        tpr: metrics::tpr_at_fpr(scores, members, LOW_FPR)?,
    })
}

fn rng(seed: u64, stream: u64) -> StdRng {
    StdRng::seed_from_u64(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ stream)
}

/// Builds scenario `seed` (no cache: see [`scenario`]).
pub fn build(seed: u64) -> Scenario {
    tch::set_num_threads(1);
    let population = Population::new(seed);
    let members = population.draw(MEMBERS, &mut rng(seed, 1));
    let non_members = population.draw(NON_MEMBERS, &mut rng(seed, 2));
    let test = population.draw(TEST, &mut rng(seed, 3));
    let init = train::init(FEATURES, HIDDEN, CLASSES, seed);
    let started = Instant::now();
    let target = train::overfit(&init, &members, OVERFIT_STEPS, OVERFIT_LR);
    let overfit_seconds = started.elapsed().as_secs_f64();
    let references: Vec<Weights> = (0..REFERENCE_MODELS as u64)
        .map(|k| {
            let records = population.draw(MEMBERS, &mut rng(seed, 100 + k));
            let init = train::init(FEATURES, HIDDEN, CLASSES, seed ^ (k + 1) << 32);
            Weights::of(&train::overfit(&init, &records, OVERFIT_STEPS, OVERFIT_LR))
        })
        .collect();
    let target_accuracy = train::accuracy(&target, &test);
    let target = Weights::of(&target);
    let (x, y) = members.tensors();
    let started = Instant::now();
    let private = Reference
        .train_private(&init, &x, &y, &DP_CONFIG, seed)
        .expect("the reference trains");
    let private_seconds = started.elapsed().as_secs_f64();
    let private_accuracy = train::accuracy(&private, &test);
    let mut scenario = Scenario {
        seed,
        members,
        non_members,
        test,
        init: Weights::of(&init),
        target,
        references,
        loss_attack: AttackOutcome { auc: 0.0, tpr: 0.0 },
        calibrated_attack: AttackOutcome { auc: 0.0, tpr: 0.0 },
        target_accuracy,
        private_attack: AttackOutcome { auc: 0.0, tpr: 0.0 },
        private_accuracy,
        overfit_seconds,
        private_seconds,
    };
    scenario.loss_attack = scenario.loss_attack_on(&scenario.target);
    scenario.private_attack = scenario.loss_attack_on(&Weights::of(&private));
    let (records, flags) = scenario.audit_records();
    let (x, y) = records.tensors();
    let references: Vec<_> = scenario.references.iter().map(Weights::mlp).collect();
    let scores = Reference
        .calibrated_scores(&scenario.target.mlp(), &references, &x, &y)
        .expect("the scenario's records fit its models");
    scenario.calibrated_attack = outcome(&scores, &flags).expect("finite scores");
    scenario
}

/// Scenario `seed`, built on first use and shared afterwards.
pub fn scenario(seed: u64) -> Arc<Scenario> {
    static BUILT: Mutex<BTreeMap<u64, Arc<Scenario>>> = Mutex::new(BTreeMap::new());
    if let Some(s) = BUILT.lock().unwrap_or_else(|e| e.into_inner()).get(&seed) {
        return Arc::clone(s);
    }
    // Built outside the lock: another thread may build the same seed meanwhile, and the
    // two results are equal (everything is derived from the seed).
    let built = Arc::new(build(seed));
    let mut cache = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    Arc::clone(cache.entry(seed).or_insert(built))
}
