//! The numbers behind the outcome thresholds: the reference's attacks and DP training
//! over many scenarios. Ignored by default (it trains hundreds of networks); run with
//! `cargo test -p privacy-trusted --release --test calibration -- --ignored --nocapture`.

use privacy_api::{DpConfig, Privacy};
use privacy_trusted::mutants::{Flaw, Mutant};
use privacy_trusted::scenario::{DP_CONFIG, build};
use privacy_trusted::train::{Weights, accuracy};

#[test]
#[ignore]
fn reference_outcomes_over_seeds() {
    let seeds: u64 = std::env::var("SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    println!(
        "seed train  acc   loss_auc loss_tpr  cal_auc cal_tpr  dp_auc dp_tpr dp_acc  t_fit t_dp  nonoise_auc nonoise_acc"
    );
    for seed in 0..seeds {
        let s = build(seed);
        let (x, y) = s.members.tensors();
        let env = |name: &str, default: f64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        let config = DpConfig {
            sigma: env("SIGMA", DP_CONFIG.sigma),
            epochs: env("EPOCHS", DP_CONFIG.epochs as f64) as usize,
            learning_rate: env("LR", DP_CONFIG.learning_rate),
            clip: env("CLIP", DP_CONFIG.clip),
            ..DP_CONFIG
        };
        let quiet = Mutant(Flaw::TrainsWithoutNoise)
            .train_private(&s.init.mlp(), &x, &y, &config, 9)
            .unwrap();
        let quiet_attack = s.loss_attack_on(&Weights::of(&quiet));
        let noisy = privacy_trusted::reference::Reference
            .train_private(&s.init.mlp(), &x, &y, &config, 9)
            .unwrap();
        let noisy_attack = s.loss_attack_on(&Weights::of(&noisy));
        let (records, flags) = s.audit_records();
        let (ax, ay) = records.tensors();
        let target_loss = privacy_trusted::reference::losses(&s.target.mlp(), &ax, &ay).unwrap();
        let mut mean = target_loss.zeros_like();
        for r in &s.references {
            mean += privacy_trusted::reference::losses(&r.mlp(), &ax, &ay).unwrap();
        }
        let diff = Vec::<f64>::try_from(mean / s.references.len() as f64 - target_loss).unwrap();
        let alt = privacy_trusted::scenario::outcome(&diff, &flags).unwrap();
        println!(
            "     loss-difference calibration: auc {:.3} tpr {:.3}",
            alt.auc, alt.tpr
        );
        // Carlini et al.'s per-record Gaussian: each record's own spread over the references.
        let target_phi =
            privacy_trusted::reference::logit_confidence(&s.target.mlp(), &ax, &ay).unwrap();
        let outs: Vec<_> = s
            .references
            .iter()
            .map(|r| privacy_trusted::reference::logit_confidence(&r.mlp(), &ax, &ay).unwrap())
            .collect();
        let outs = tch::Tensor::stack(&outs, 0);
        let z = (target_phi - outs.mean_dim(0, false, tch::Kind::Double))
            / outs.std_dim(0, false, false).clamp_min(1e-3);
        let per_record =
            privacy_trusted::scenario::outcome(&Vec::<f64>::try_from(z).unwrap(), &flags).unwrap();
        println!(
            "     per-record variance: auc {:.3} tpr {:.3}",
            per_record.auc, per_record.tpr
        );
        println!(
            "     config dp: auc {:.3} acc {:.3}   no noise: auc {:.3} acc {:.3}",
            noisy_attack.auc,
            accuracy(&noisy, &s.test),
            quiet_attack.auc,
            accuracy(&quiet, &s.test)
        );
        println!(
            "{seed:>4} {:.3} {:.3}  {:.3}   {:.3}    {:.3}  {:.3}   {:.3}  {:.3}  {:.3}  {:.2} {:.2}  {:.3} {:.3}",
            privacy_trusted::train::accuracy(&s.target.mlp(), &s.members),
            s.target_accuracy,
            s.loss_attack.auc,
            s.loss_attack.tpr,
            s.calibrated_attack.auc,
            s.calibrated_attack.tpr,
            s.private_attack.auc,
            s.private_attack.tpr,
            s.private_accuracy,
            s.overfit_seconds,
            s.private_seconds,
            quiet_attack.auc,
            accuracy(&quiet, &s.test),
        );
    }
}
