//! Plausible wrong implementations, one realistic bug each; the pack's tests prove that
//! each fails the properties of its own task. Every other method is the reference's.

use privacy_api::{DpConfig, Mlp, Privacy, PrivacyError};
use rand::SeedableRng;
use rand::rngs::StdRng;
use tch::{Kind, Tensor};

use crate::dp::{self, as_gradient, clipped_sum, gaussian_like, weighted_sum};
use crate::metrics::{self, roc};
use crate::reference::{Reference, calibrate, logit_confidence, losses};

/// One bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    /// Scores each record by its loss, not its negated loss: members score lowest.
    LossSignReversed,
    /// Scores by the model's top softmax probability, whatever the record's label.
    ConfidenceIgnoresLabel,
    /// Ignores the reference models: the plain loss attack.
    Uncalibrated,
    /// Subtracts the target's confidence from the references' mean instead of the reverse.
    CalibrationReversed,
    /// Counts a tie between a member and a non-member as the member's win.
    TiesCountAsWins,
    /// Reads the TPR at the first ROC point whose FPR exceeds the target FPR.
    TprFirstAboveFpr,
    /// Keeps only ROC points whose FPR is strictly below the target FPR.
    TprStrictlyBelowFpr,
    /// Clips the batch's mean gradient instead of each sample's.
    ClipsBatchGradient,
    /// Adds noise to every per-sample gradient instead of once to their sum.
    NoisePerSample,
    /// Noise of standard deviation `sigma`, not `sigma * C`.
    NoiseNotScaledByClip,
    /// Divides the clipped sum by the batch size, then adds the sum's noise undivided.
    NoiseAfterDivision,
    /// Scales every per-sample gradient to norm `C`, small ones up as well as large down.
    ScalesUpSmallGradients,
    /// Trains with clipping but without noise.
    TrainsWithoutNoise,
    /// Returns the initial model untrained.
    ReturnsInit,
}

impl Flaw {
    /// Every flaw with the task it belongs to.
    pub const ALL: [(&'static str, Flaw); 14] = [
        ("loss_attack", Flaw::LossSignReversed),
        ("loss_attack", Flaw::ConfidenceIgnoresLabel),
        ("calibrated_attack", Flaw::Uncalibrated),
        ("calibrated_attack", Flaw::CalibrationReversed),
        ("metrics", Flaw::TiesCountAsWins),
        ("metrics", Flaw::TprFirstAboveFpr),
        ("metrics", Flaw::TprStrictlyBelowFpr),
        ("dp_sgd_step", Flaw::ClipsBatchGradient),
        ("dp_sgd_step", Flaw::NoisePerSample),
        ("dp_sgd_step", Flaw::NoiseNotScaledByClip),
        ("dp_sgd_step", Flaw::NoiseAfterDivision),
        ("dp_sgd_step", Flaw::ScalesUpSmallGradients),
        ("private_training", Flaw::TrainsWithoutNoise),
        ("private_training", Flaw::ReturnsInit),
    ];
}

/// The reference with one [`Flaw`].
#[derive(Debug, Clone, Copy)]
pub struct Mutant(pub Flaw);

fn to_vec(t: Tensor) -> Vec<f64> {
    Vec::<f64>::try_from(t.contiguous()).unwrap_or_default()
}

impl Mutant {
    fn flawed_step(
        &self,
        model: &Mlp,
        x: &Tensor,
        y: &Tensor,
        clip: f64,
        sigma: f64,
        seed: u64,
    ) -> Result<Mlp, PrivacyError> {
        dp::check_setting(clip, sigma)?;
        let n = model.check_records(x, y)?;
        if n == 0 {
            return Err(PrivacyError::BadRecords {
                reason: "empty batch".into(),
            });
        }
        let b = n as f64;
        let mut rng = StdRng::seed_from_u64(seed);
        let mut noise = |t: &Tensor| gaussian_like(t, &mut rng);
        let sums = match self.0 {
            Flaw::ClipsBatchGradient => {
                let sums = weighted_sum(model, x, y, Tensor::ones_like);
                let norm = sums
                    .iter()
                    .map(|t| f64::try_from(t.square().sum(Kind::Double)).unwrap_or(0.0))
                    .sum::<f64>()
                    .sqrt()
                    / b;
                let factor = (clip / norm).min(1.0);
                return Ok(as_gradient(
                    sums.map(|s| &s / b * factor + noise(&s) * (sigma * clip / b)),
                ));
            }
            Flaw::ScalesUpSmallGradients => {
                weighted_sum(model, x, y, |norm| norm.reciprocal() * clip)
            }
            _ => clipped_sum(model, x, y, clip),
        };
        Ok(as_gradient(sums.map(|s| match self.0 {
            Flaw::NoisePerSample => {
                let per_sample: Tensor = (0..n).map(|_| noise(&s)).sum::<Tensor>();
                (&s + per_sample * (sigma * clip)) / b
            }
            Flaw::NoiseNotScaledByClip => (&s + noise(&s) * sigma) / b,
            Flaw::NoiseAfterDivision => &s / b + noise(&s) * (sigma * clip),
            _ => (&s + noise(&s) * (sigma * clip)) / b,
        })))
    }
}

impl Privacy for Mutant {
    fn loss_scores(
        &self,
        model: &Mlp,
        features: &Tensor,
        labels: &Tensor,
    ) -> Result<Vec<f64>, PrivacyError> {
        match self.0 {
            Flaw::LossSignReversed => Ok(to_vec(losses(model, features, labels)?)),
            Flaw::ConfidenceIgnoresLabel => {
                model.check_records(features, labels)?;
                let p = tch::no_grad(|| model.forward(features).softmax(1, Kind::Double));
                Ok(to_vec(p.amax([1], false)))
            }
            _ => Reference.loss_scores(model, features, labels),
        }
    }

    fn calibrated_scores(
        &self,
        target: &Mlp,
        references: &[Mlp],
        features: &Tensor,
        labels: &Tensor,
    ) -> Result<Vec<f64>, PrivacyError> {
        match self.0 {
            Flaw::Uncalibrated => Reference.loss_scores(target, features, labels),
            Flaw::CalibrationReversed => {
                let phi = logit_confidence(target, features, labels)?;
                let outs = references
                    .iter()
                    .map(|r| logit_confidence(r, features, labels))
                    .collect::<Result<Vec<_>, _>>()?;
                if outs.is_empty() {
                    return Err(PrivacyError::BadModel {
                        reason: "no reference models".into(),
                    });
                }
                Ok(to_vec(-calibrate(&phi, &Tensor::stack(&outs, 0))))
            }
            _ => Reference.calibrated_scores(target, references, features, labels),
        }
    }

    fn roc_auc(&self, scores: &[f64], members: &[bool]) -> Result<f64, PrivacyError> {
        if self.0 != Flaw::TiesCountAsWins {
            return Reference.roc_auc(scores, members);
        }
        let curve = roc(scores, members)?;
        // Each group's members beat the group's non-members: the area below the step
        // taken at the group's top.
        let area: u128 = curve
            .counts
            .windows(2)
            .map(|w| u128::from(w[1].0 - w[0].0) * u128::from(w[1].1))
            .sum();
        Ok(area as f64 / (curve.positives as f64 * curve.negatives as f64))
    }

    fn tpr_at_fpr(&self, scores: &[f64], members: &[bool], fpr: f64) -> Result<f64, PrivacyError> {
        let read = match self.0 {
            Flaw::TprFirstAboveFpr => |points: Vec<(f64, f64)>, fpr: f64| {
                points.iter().find(|p| p.0 > fpr).map_or(1.0, |p| p.1)
            },
            Flaw::TprStrictlyBelowFpr => |points: Vec<(f64, f64)>, fpr: f64| {
                points
                    .iter()
                    .filter(|p| p.0 < fpr)
                    .map(|p| p.1)
                    .fold(0.0, f64::max)
            },
            _ => return metrics::tpr_at_fpr(scores, members, fpr),
        };
        if !(0.0..=1.0).contains(&fpr) {
            return Err(PrivacyError::InvalidFpr);
        }
        Ok(read(roc(scores, members)?.points(), fpr))
    }

    fn dp_sgd_step(
        &self,
        model: &Mlp,
        features: &Tensor,
        labels: &Tensor,
        clip: f64,
        sigma: f64,
        seed: u64,
    ) -> Result<Mlp, PrivacyError> {
        self.flawed_step(model, features, labels, clip, sigma, seed)
    }

    fn train_private(
        &self,
        init: &Mlp,
        features: &Tensor,
        labels: &Tensor,
        config: &DpConfig,
        seed: u64,
    ) -> Result<Mlp, PrivacyError> {
        match self.0 {
            Flaw::TrainsWithoutNoise => {
                dp::check_config(config)?;
                let quiet = DpConfig {
                    sigma: 0.0,
                    ..*config
                };
                dp::train(init, features, labels, &quiet, seed)
            }
            Flaw::ReturnsInit => {
                dp::check_config(config)?;
                init.check_records(features, labels)?;
                Ok(init.detached_copy())
            }
            _ => Reference.train_private(init, features, labels, config, seed),
        }
    }
}
