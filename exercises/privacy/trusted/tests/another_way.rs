//! A correct implementation written another way than the reference keeps every point:
//! the label's probability instead of the negated loss, loss-difference calibration
//! (Watson et al., 2022) instead of a per-record Gaussian, rank-sum metrics, per-sample
//! gradients by an autograd loop in `f32` with Box-Muller noise, and Poisson sampling.

use mldrill_pack::Property;
use privacy_api::{DpConfig, Mlp, Privacy, PrivacyError};
use privacy_trusted::{differential, invariant};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tch::{Kind, Tensor};

/// The other way.
pub struct Another;

fn vec64(t: Tensor) -> Vec<f64> {
    Vec::<f64>::try_from(t.to_kind(Kind::Double).contiguous()).unwrap()
}

fn label_probability(model: &Mlp, x: &Tensor, y: &Tensor) -> Result<Tensor, PrivacyError> {
    model.check_records(x, y)?;
    Ok(tch::no_grad(|| {
        model
            .forward(x)
            .to_kind(Kind::Double)
            .log_softmax(1, Kind::Double)
            .gather(1, &y.unsqueeze(1), false)
            .squeeze_dim(1)
    }))
}

fn check_metric_input(scores: &[f64], members: &[bool]) -> Result<(), PrivacyError> {
    if scores.len() != members.len() {
        return Err(PrivacyError::LengthMismatch {
            scores: scores.len(),
            members: members.len(),
        });
    }
    if let Some(index) = scores.iter().position(|s| !s.is_finite()) {
        return Err(PrivacyError::NotFinite { index });
    }
    let p = members.iter().filter(|&&m| m).count();
    if p == 0 || p == members.len() {
        return Err(PrivacyError::OneClass);
    }
    Ok(())
}

/// Box-Muller standard normals.
fn normals(n: usize, rng: &mut StdRng) -> Vec<f32> {
    (0..n)
        .map(|_| {
            let (u1, u2): (f64, f64) = (rng.random::<f64>().max(1e-300), rng.random());
            ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
        })
        .collect()
}

impl Privacy for Another {
    fn loss_scores(&self, model: &Mlp, x: &Tensor, y: &Tensor) -> Result<Vec<f64>, PrivacyError> {
        // exp(-loss): the probability of the label, an increasing map of the score.
        Ok(vec64(label_probability(model, x, y)?.exp())
            .into_iter()
            .map(|p| p * 10.0)
            .collect())
    }

    fn calibrated_scores(
        &self,
        target: &Mlp,
        references: &[Mlp],
        x: &Tensor,
        y: &Tensor,
    ) -> Result<Vec<f64>, PrivacyError> {
        if references.is_empty() {
            return Err(PrivacyError::BadModel {
                reason: "none".into(),
            });
        }
        let own = label_probability(target, x, y)?;
        let mut mean = Tensor::zeros_like(&own);
        for r in references {
            mean += label_probability(r, x, y)?;
        }
        Ok(vec64(own - mean / references.len() as f64))
    }

    fn roc_auc(&self, scores: &[f64], members: &[bool]) -> Result<f64, PrivacyError> {
        check_metric_input(scores, members)?;
        // Mann-Whitney with average ranks.
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
        let mut ranks = vec![0.0; scores.len()];
        let mut i = 0;
        while i < order.len() {
            let mut j = i;
            while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
                j += 1;
            }
            for k in i..=j {
                ranks[order[k]] = (i + j) as f64 / 2.0 + 1.0;
            }
            i = j + 1;
        }
        let p = members.iter().filter(|&&m| m).count() as f64;
        let n = scores.len() as f64 - p;
        let sum: f64 = (0..scores.len())
            .filter(|&i| members[i])
            .map(|i| ranks[i])
            .sum();
        Ok((sum - p * (p + 1.0) / 2.0) / (p * n))
    }

    fn tpr_at_fpr(&self, scores: &[f64], members: &[bool], fpr: f64) -> Result<f64, PrivacyError> {
        if scores.len() != members.len() {
            return Err(PrivacyError::LengthMismatch {
                scores: scores.len(),
                members: members.len(),
            });
        }
        if !(0.0..=1.0).contains(&fpr) {
            return Err(PrivacyError::InvalidFpr);
        }
        check_metric_input(scores, members)?;
        // Every threshold by brute force.
        let p = members.iter().filter(|&&m| m).count();
        let n = scores.len() - p;
        let mut best = 0.0f64;
        for &t in scores {
            let fp = (0..scores.len())
                .filter(|&i| !members[i] && scores[i] >= t)
                .count();
            let tp = (0..scores.len())
                .filter(|&i| members[i] && scores[i] >= t)
                .count();
            if fp as f64 / n as f64 <= fpr {
                best = best.max(tp as f64 / p as f64);
            }
        }
        Ok(best)
    }

    fn dp_sgd_step(
        &self,
        model: &Mlp,
        x: &Tensor,
        y: &Tensor,
        clip: f64,
        sigma: f64,
        seed: u64,
    ) -> Result<Mlp, PrivacyError> {
        if !(clip > 0.0 && clip.is_finite() && sigma >= 0.0 && sigma.is_finite()) {
            return Err(PrivacyError::InvalidSetting {
                reason: "bad".into(),
            });
        }
        let b = model.check_records(x, y)?;
        if b == 0 {
            return Err(PrivacyError::BadRecords {
                reason: "empty".into(),
            });
        }
        let params: Vec<Tensor> = model
            .parameters()
            .iter()
            .map(|t| t.detach().set_requires_grad(true))
            .collect();
        let mut sums: Vec<Tensor> = params.iter().map(|p| p.zeros_like().detach()).collect();
        for i in 0..b {
            let logits = x
                .narrow(0, i, 1)
                .linear(&params[0], Some(&params[1]))
                .relu()
                .linear(&params[2], Some(&params[3]));
            let loss = logits.cross_entropy_for_logits(&y.narrow(0, i, 1));
            let grads = Tensor::run_backward(&[loss], &params, false, false);
            let norm: f64 = grads
                .iter()
                .map(|g| f64::try_from(g.square().sum(Kind::Float)).unwrap())
                .sum::<f64>()
                .sqrt();
            let factor = if norm > clip { clip / norm } else { 1.0 };
            for (s, g) in sums.iter_mut().zip(&grads) {
                *s = &*s + g * factor;
            }
        }
        let mut rng = StdRng::seed_from_u64(seed.wrapping_mul(31).wrapping_add(7));
        let out: Vec<Tensor> = sums
            .into_iter()
            .map(|s| {
                let noise = Tensor::from_slice(&normals(s.numel(), &mut rng)).reshape(s.size());
                ((s + noise * (sigma * clip)) / b as f64).detach()
            })
            .collect();
        let mut out = out.into_iter();
        let mut next = || out.next().unwrap();
        Ok(Mlp {
            fc1_weight: next(),
            fc1_bias: next(),
            fc2_weight: next(),
            fc2_bias: next(),
        })
    }

    fn train_private(
        &self,
        init: &Mlp,
        x: &Tensor,
        y: &Tensor,
        config: &DpConfig,
        seed: u64,
    ) -> Result<Mlp, PrivacyError> {
        if config.batch_size == 0
            || !(config.learning_rate > 0.0 && config.learning_rate.is_finite())
            || !(config.clip > 0.0 && config.clip.is_finite())
            || !(config.sigma >= 0.0 && config.sigma.is_finite())
        {
            return Err(PrivacyError::InvalidSetting {
                reason: "bad".into(),
            });
        }
        let n = init.check_records(x, y)?;
        let mut model = init.detached_copy();
        let mut rng = StdRng::seed_from_u64(seed);
        let rate = config.batch_size as f64 / n as f64;
        let steps = config.epochs * (n as usize).div_ceil(config.batch_size);
        for _ in 0..steps {
            // Poisson sampling: each record independently with probability rate.
            let chosen: Vec<i64> = (0..n).filter(|_| rng.random_bool(rate.min(1.0))).collect();
            if chosen.is_empty() {
                continue;
            }
            let index = Tensor::from_slice(&chosen);
            let g = self.dp_sgd_step(
                &model,
                &x.index_select(0, &index),
                &y.index_select(0, &index),
                config.clip,
                config.sigma,
                rng.random(),
            )?;
            let lr = config.learning_rate;
            model = Mlp {
                fc1_weight: &model.fc1_weight - g.fc1_weight * lr,
                fc1_bias: &model.fc1_bias - g.fc1_bias * lr,
                fc2_weight: &model.fc2_weight - g.fc2_weight * lr,
                fc2_bias: &model.fc2_bias - g.fc2_bias * lr,
            };
        }
        Ok(model)
    }
}

fn all_properties() -> Vec<Property<dyn Privacy>> {
    let mut all = invariant::properties();
    all.extend(differential::properties());
    all
}

#[test]
fn another_correct_implementation_passes_every_property() {
    tch::set_num_threads(1);
    for seed in [1u64, 2] {
        for p in all_properties() {
            if let Err(f) = p.run(&Another, seed, 16) {
                panic!(
                    "{} failed with seed {seed}: {} ({:?})",
                    p.id, f.reason, f.counterexample
                );
            }
        }
    }
}
