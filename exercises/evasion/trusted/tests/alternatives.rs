//! Correct solutions written another way keep every point: another random start (the
//! corners of the eps-ball, from another RNG), the loss summed instead of averaged and
//! computed as log-softmax + NLL, attacks run in chunks of the batch, and adversarial
//! training with another batch size, batch order and a clean-and-adversarial mix.

use evasion_api::{AttackError, Budget, Classifier, Evasion, Training};
use evasion_trusted::reference::{check_eps, check_inputs};
use evasion_trusted::{PACK, properties};
use mldrill_pack::Pack;
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use tch::nn::OptimizerConfig;
use tch::{Kind, Tensor};

/// An independent implementation of the statement.
struct Alternative;

fn gradient(model: &Classifier, x: &Tensor, labels: &Tensor) -> Tensor {
    let x = x.detach().set_requires_grad(true);
    // The negative log-likelihood, summed over the batch.
    let loss = -model
        .forward(&x)
        .log_softmax(1, Kind::Float)
        .gather(1, &labels.unsqueeze(1), false)
        .sum(Kind::Float);
    Tensor::run_backward(&[&loss], &[&x], false, false).remove(0)
}

fn attack(
    model: &Classifier,
    images: &Tensor,
    labels: &Tensor,
    budget: &Budget,
    seed: u64,
    direction: f64,
) -> Result<Tensor, AttackError> {
    check_eps(budget.eps)?;
    if !(budget.alpha >= 0.0 && budget.alpha.is_finite()) {
        return Err(AttackError::InvalidStep {
            alpha: budget.alpha,
        });
    }
    check_inputs(images, labels)?;
    let (low, high) = (
        (images - budget.eps).clamp_min(0.0),
        (images + budget.eps).clamp_max(1.0),
    );
    let mut x = images.copy();
    if budget.random_start {
        // Corners of the ball: each pixel +-eps, from another generator.
        let mut rng = SmallRng::seed_from_u64(seed.rotate_left(17));
        let signs: Vec<f32> = (0..images.numel())
            .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
            .collect();
        x = (x + Tensor::from_slice(&signs).reshape(images.size()) * budget.eps)
            .max_other(&low)
            .min_other(&high);
    }
    let n = images.size()[0];
    let mut chunks = Vec::new();
    for start in (0..n).step_by(7) {
        let len = 7.min(n - start);
        let (mut xc, yc) = (x.narrow(0, start, len), labels.narrow(0, start, len));
        let (lc, hc) = (low.narrow(0, start, len), high.narrow(0, start, len));
        for _ in 0..budget.steps {
            let step = gradient(model, &xc, &yc).sign() * (budget.alpha * direction);
            xc = (xc + step).clamp_tensor(Some(&lc), Some(&hc));
        }
        chunks.push(xc);
    }
    Ok(if chunks.is_empty() {
        x
    } else {
        Tensor::cat(&chunks, 0)
    })
}

impl Evasion for Alternative {
    fn fgsm(
        &self,
        model: &Classifier,
        images: &Tensor,
        labels: &Tensor,
        eps: f64,
    ) -> Result<Tensor, AttackError> {
        check_eps(eps)?;
        check_inputs(images, labels)?;
        Ok((gradient(model, images, labels).sign() * eps + images).clamp(0.0, 1.0))
    }

    fn pgd(
        &self,
        model: &Classifier,
        images: &Tensor,
        labels: &Tensor,
        budget: &Budget,
        seed: u64,
    ) -> Result<Tensor, AttackError> {
        attack(model, images, labels, budget, seed, 1.0)
    }

    fn targeted(
        &self,
        model: &Classifier,
        images: &Tensor,
        targets: &Tensor,
        budget: &Budget,
        seed: u64,
    ) -> Result<Tensor, AttackError> {
        attack(model, images, targets, budget, seed, -1.0)
    }

    fn robust_accuracy(
        &self,
        model: &Classifier,
        images: &Tensor,
        labels: &Tensor,
        eps: &[f64],
        steps: usize,
        seed: u64,
    ) -> Result<Vec<f64>, AttackError> {
        for &e in eps {
            check_eps(e)?;
        }
        check_inputs(images, labels)?;
        let n = images.size()[0].max(1) as f64;
        let predict = |x: &Tensor| tch::no_grad(|| model.forward(x).argmax(1, false));
        let clean = predict(images).eq_tensor(labels);
        eps.iter()
            .map(|&e| {
                let alpha = if steps == 0 {
                    0.0
                } else {
                    2.5 * e / steps as f64
                };
                let budget = Budget {
                    eps: e,
                    alpha,
                    steps,
                    random_start: true,
                };
                let adversarial = self.pgd(model, images, labels, &budget, seed)?;
                let both = predict(&adversarial).eq_tensor(labels).logical_and(&clean);
                Ok(f64::try_from(both.to_kind(Kind::Double).sum(Kind::Double)).unwrap() / n)
            })
            .collect()
    }

    fn adversarial_training(
        &self,
        images: &Tensor,
        labels: &Tensor,
        training: &Training,
    ) -> Result<Classifier, AttackError> {
        check_eps(training.eps)?;
        check_inputs(images, labels)?;
        let model = Classifier::new(training.seed.wrapping_mul(31));
        let mut optimizer = tch::nn::Adam::default()
            .build(model.var_store(), 2e-3)
            .expect("Adam builds");
        let mut rng = SmallRng::seed_from_u64(training.seed);
        let mut order: Vec<i64> = (0..images.size()[0]).collect();
        let budget = Budget {
            eps: training.eps,
            alpha: 2.0 * training.eps / training.steps.max(1) as f64,
            steps: training.steps,
            random_start: true,
        };
        for _ in 0..training.epochs {
            order.shuffle(&mut rng);
            for batch in order.chunks(100) {
                let index = Tensor::from_slice(batch);
                let (x, y) = (
                    images.index_select(0, &index),
                    labels.index_select(0, &index),
                );
                let adversarial = self.pgd(&model, &x, &y, &budget, rng.random())?;
                let logits = model.forward_t(&Tensor::cat(&[&adversarial, &x], 0), true);
                let loss = logits.cross_entropy_for_logits(&Tensor::cat(&[&y, &y], 0));
                optimizer.backward_step(&loss);
            }
        }
        Ok(model)
    }
}

#[test]
fn another_correct_solution_keeps_every_point() {
    for seed in [0, 1, 2, 3, 17] {
        for property in properties() {
            let result = property.run(&Alternative, seed, 12);
            assert!(result.is_ok(), "seed {seed}: {}: {result:?}", property.id);
        }
    }
    assert_eq!(PACK.id(), "evasion");
}
