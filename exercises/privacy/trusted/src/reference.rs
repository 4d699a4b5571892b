//! The reference implementation of every task: the loss attack, the offline
//! likelihood-ratio attack, scikit-learn's ROC metrics and DP-SGD.

use privacy_api::{DpConfig, Mlp, Privacy, PrivacyError};
use tch::{Kind, Tensor};

use crate::{dp, metrics};

/// The reference.
#[derive(Debug, Default, Clone, Copy)]
pub struct Reference;

/// The cross-entropy loss of `model` on each record, in `f64`.
pub fn losses(model: &Mlp, x: &Tensor, y: &Tensor) -> Result<Tensor, PrivacyError> {
    model.check_records(x, y)?;
    Ok(tch::no_grad(|| {
        let logits = model.forward(x).to_kind(Kind::Double);
        -logits
            .log_softmax(1, Kind::Double)
            .gather(1, &y.unsqueeze(1), false)
            .squeeze_dim(1)
    }))
}

/// The logit-scaled confidence of `model` in each record's label,
/// `log(p_y / (1 - p_y)) = z_y - logsumexp_{j != y} z_j`, in `f64` and computed without
/// forming `p_y` (which rounds to 1 for a memorised record).
pub fn logit_confidence(model: &Mlp, x: &Tensor, y: &Tensor) -> Result<Tensor, PrivacyError> {
    model.check_records(x, y)?;
    Ok(tch::no_grad(|| {
        let z = model.forward(x).to_kind(Kind::Double);
        let own = z.gather(1, &y.unsqueeze(1), false);
        let others = z.scatter_value(1, &y.unsqueeze(1), f64::NEG_INFINITY);
        (own - others.logsumexp([1], true)).squeeze_dim(1)
    }))
}

fn to_vec(t: Tensor) -> Vec<f64> {
    Vec::<f64>::try_from(t.contiguous()).unwrap_or_default()
}

/// The smallest standard deviation the confidences are divided by.
pub const MIN_SPREAD: f64 = 1e-3;

/// The offline likelihood-ratio score with one variance for all records (Carlini et al.'s
/// "fixed variance", their advice when reference models are few): how far the target's
/// confidence `phi` `[n]` lies above the mean of the references' `outs` `[K, n]`, in units
/// of the references' spread around their per-record means, pooled over all records.
pub fn calibrate(phi: &Tensor, outs: &Tensor) -> Tensor {
    let mean = outs.mean_dim(0, false, Kind::Double);
    let spread = f64::try_from((outs - &mean).square().mean(Kind::Double).sqrt())
        .unwrap_or(0.0)
        .max(MIN_SPREAD);
    (phi - mean) / spread
}

impl Privacy for Reference {
    fn loss_scores(
        &self,
        model: &Mlp,
        features: &Tensor,
        labels: &Tensor,
    ) -> Result<Vec<f64>, PrivacyError> {
        Ok(to_vec(-losses(model, features, labels)?))
    }

    fn calibrated_scores(
        &self,
        target: &Mlp,
        references: &[Mlp],
        features: &Tensor,
        labels: &Tensor,
    ) -> Result<Vec<f64>, PrivacyError> {
        if references.is_empty() {
            return Err(PrivacyError::BadModel {
                reason: "no reference models".into(),
            });
        }
        let phi = logit_confidence(target, features, labels)?;
        let outs = references
            .iter()
            .map(|r| logit_confidence(r, features, labels))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(to_vec(calibrate(&phi, &Tensor::stack(&outs, 0))))
    }

    fn roc_auc(&self, scores: &[f64], members: &[bool]) -> Result<f64, PrivacyError> {
        metrics::roc_auc(scores, members)
    }

    fn tpr_at_fpr(&self, scores: &[f64], members: &[bool], fpr: f64) -> Result<f64, PrivacyError> {
        metrics::tpr_at_fpr(scores, members, fpr)
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
        dp::step(model, features, labels, clip, sigma, seed)
    }

    fn train_private(
        &self,
        init: &Mlp,
        features: &Tensor,
        labels: &Tensor,
        config: &DpConfig,
        seed: u64,
    ) -> Result<Mlp, PrivacyError> {
        dp::train(init, features, labels, config, seed)
    }
}
