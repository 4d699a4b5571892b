//! The reference attacks and adversarial training, written from the definitions (Goodfellow
//! et al. 2015; Madry et al. 2018): gradients from libtorch's autograd with respect to the
//! input alone, the model in eval mode while it is attacked.

use evasion_api::{AttackError, Budget, CLASSES, Classifier, Evasion, PIXELS, Training};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use tch::nn::OptimizerConfig;
use tch::{Kind, Tensor};

/// The reference implementation.
#[derive(Debug, Default, Clone, Copy)]
pub struct Reference;

/// Adversarial training's mini-batch size and learning rate (Adam).
pub const TRAIN_BATCH: usize = 64;
pub const TRAIN_LEARNING_RATE: f64 = 1e-3;

/// Checks `eps`: finite and `>= 0`.
pub fn check_eps(eps: f64) -> Result<(), AttackError> {
    if eps.is_finite() && eps >= 0.0 {
        Ok(())
    } else {
        Err(AttackError::InvalidEps { eps })
    }
}

/// Checks images (float32 `[n, 256]`, pixels in `[0, 1]`) and labels (int64 `[n]`,
/// classes in `0..10`), in that order.
pub fn check_inputs(images: &Tensor, labels: &Tensor) -> Result<(), AttackError> {
    let bad = |reason: String| Err(AttackError::BadImages { reason });
    let size = images.size();
    if images.kind() != Kind::Float || size.len() != 2 || size[1] != PIXELS as i64 {
        return bad(format!("got {:?} {size:?}", images.kind()));
    }
    if images.numel() > 0 {
        let (low, high) = (
            f64::try_from(&images.min()).unwrap_or(f64::NAN),
            f64::try_from(&images.max()).unwrap_or(f64::NAN),
        );
        if !(low >= 0.0 && high <= 1.0) {
            return bad(format!("pixels range over [{low}, {high}]"));
        }
    }
    let count = labels.size();
    if labels.kind() != Kind::Int64 || count.len() != 1 {
        return Err(AttackError::BadLabel {
            position: 0,
            label: -1,
        });
    }
    if count[0] != size[0] {
        return Err(AttackError::LabelCount {
            images: size[0],
            labels: count[0],
        });
    }
    let values = Vec::<i64>::try_from(labels).unwrap_or_default();
    if let Some((position, &label)) = values
        .iter()
        .enumerate()
        .find(|(_, l)| !(0..CLASSES as i64).contains(*l))
    {
        return Err(AttackError::BadLabel { position, label });
    }
    Ok(())
}

/// The gradient of the mean cross-entropy of `model(x)` against `labels`, with respect to
/// `x` only (the model's parameters gather no gradient), in eval mode.
pub fn input_gradient(model: &Classifier, x: &Tensor, labels: &Tensor) -> Tensor {
    let x = x.detach().set_requires_grad(true);
    let loss = model.forward(&x).cross_entropy_for_logits(labels);
    Tensor::run_backward(&[&loss], &[&x], false, false)
        .pop()
        .expect("one gradient per input")
}

/// Uniform noise in `[-eps, eps]` of `shape`, from `seed`.
pub fn uniform_noise(shape: &[i64], eps: f64, seed: u64) -> Tensor {
    let mut rng = StdRng::seed_from_u64(seed);
    let n: i64 = shape.iter().product();
    let noise: Vec<f32> = (0..n)
        .map(|_| rng.random_range(-eps..=eps) as f32)
        .collect();
    Tensor::from_slice(&noise).reshape(shape)
}

/// Clamps `x` into the eps-ball around `images` and the pixel range.
pub fn project(x: &Tensor, images: &Tensor, eps: f64) -> Tensor {
    let low = (images - eps).clamp_min(0.0);
    let high = (images + eps).clamp_max(1.0);
    x.max_other(&low).min_other(&high)
}

/// Checks a budget's eps and alpha: finite and `>= 0`.
pub fn check_budget(budget: &Budget) -> Result<(), AttackError> {
    check_eps(budget.eps)?;
    if budget.alpha.is_finite() && budget.alpha >= 0.0 {
        Ok(())
    } else {
        Err(AttackError::InvalidStep {
            alpha: budget.alpha,
        })
    }
}

/// PGD towards higher loss of `labels` (`direction` 1) or lower loss of targets (`-1`).
pub fn pgd_signed(
    model: &Classifier,
    images: &Tensor,
    labels: &Tensor,
    budget: &Budget,
    seed: u64,
    direction: f64,
) -> Result<Tensor, AttackError> {
    check_budget(budget)?;
    check_inputs(images, labels)?;
    let mut x = if budget.random_start {
        project(
            &(images + uniform_noise(&images.size(), budget.eps, seed)),
            images,
            budget.eps,
        )
    } else {
        images.copy()
    };
    for _ in 0..budget.steps {
        let step = input_gradient(model, &x, labels).sign() * (direction * budget.alpha);
        x = project(&(x + step), images, budget.eps);
    }
    Ok(x)
}

impl Evasion for Reference {
    fn fgsm(
        &self,
        model: &Classifier,
        images: &Tensor,
        labels: &Tensor,
        eps: f64,
    ) -> Result<Tensor, AttackError> {
        check_eps(eps)?;
        check_inputs(images, labels)?;
        let gradient = input_gradient(model, images, labels);
        Ok((images + gradient.sign() * eps).clamp(0.0, 1.0))
    }

    fn pgd(
        &self,
        model: &Classifier,
        images: &Tensor,
        labels: &Tensor,
        budget: &Budget,
        seed: u64,
    ) -> Result<Tensor, AttackError> {
        pgd_signed(model, images, labels, budget, seed, 1.0)
    }

    fn targeted(
        &self,
        model: &Classifier,
        images: &Tensor,
        targets: &Tensor,
        budget: &Budget,
        seed: u64,
    ) -> Result<Tensor, AttackError> {
        pgd_signed(model, images, targets, budget, seed, -1.0)
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
        robust_accuracy_with(model, images, labels, eps, steps, seed, |x| {
            tch::no_grad(|| model.forward(x))
        })
    }

    fn adversarial_training(
        &self,
        images: &Tensor,
        labels: &Tensor,
        training: &Training,
    ) -> Result<Classifier, AttackError> {
        check_eps(training.eps)?;
        check_inputs(images, labels)?;
        Ok(adversarially_train(
            images,
            labels,
            training,
            |model, x, y, seed| {
                Reference
                    .pgd(model, x, y, &training_budget(training), seed)
                    .expect("inputs were checked")
            },
        ))
    }
}

/// The budget robust accuracy attacks with at `eps`: `steps` steps of `2.5 eps / steps`.
pub fn evaluation_budget(eps: f64, steps: usize) -> Budget {
    Budget {
        eps,
        alpha: if steps == 0 {
            0.0
        } else {
            2.5 * eps / steps as f64
        },
        steps,
        random_start: true,
    }
}

/// The budget adversarial training attacks every batch with.
pub fn training_budget(training: &Training) -> Budget {
    evaluation_budget(training.eps, training.steps)
}

/// Robust accuracy with `logits` as the evaluation forward pass (the reference's is eval
/// mode without gradients; a mutant's may not be).
pub fn robust_accuracy_with(
    model: &Classifier,
    images: &Tensor,
    labels: &Tensor,
    eps: &[f64],
    steps: usize,
    seed: u64,
    logits: impl Fn(&Tensor) -> Tensor,
) -> Result<Vec<f64>, AttackError> {
    let n = images.size()[0].max(1) as f64;
    let clean_right = logits(images).argmax(1, false).eq_tensor(labels);
    eps.iter()
        .map(|&e| {
            let adversarial = pgd_signed(
                model,
                images,
                labels,
                &evaluation_budget(e, steps),
                seed,
                1.0,
            )?;
            let right = logits(&adversarial).argmax(1, false).eq_tensor(labels);
            let both = clean_right.logical_and(&right);
            Ok(i64::try_from(&both.sum(Kind::Int64)).unwrap_or(0) as f64 / n)
        })
        .collect()
}

/// Adversarial training: a fresh [`Classifier`] from `training.seed`, `epochs` passes in a
/// seeded order, each batch replaced by `attack(model, batch, labels, seed)`, one Adam
/// step on the adversarial batch in training mode.
pub fn adversarially_train(
    images: &Tensor,
    labels: &Tensor,
    training: &Training,
    attack: impl Fn(&Classifier, &Tensor, &Tensor, u64) -> Tensor,
) -> Classifier {
    let model = Classifier::new(training.seed);
    let mut optimizer = tch::nn::Adam::default()
        .build(model.var_store(), TRAIN_LEARNING_RATE)
        .expect("Adam builds for a CPU var store");
    let n = images.size()[0];
    let mut order: Vec<i64> = (0..n).collect();
    let mut rng = StdRng::seed_from_u64(training.seed ^ 0x6164_7674);
    for _ in 0..training.epochs {
        order.shuffle(&mut rng);
        for batch in order.chunks(TRAIN_BATCH) {
            let index = Tensor::from_slice(batch);
            let (x, y) = (
                images.index_select(0, &index),
                labels.index_select(0, &index),
            );
            let adversarial = attack(&model, &x, &y, rng.random());
            let loss = model
                .forward_t(&adversarial, true)
                .cross_entropy_for_logits(&y);
            optimizer.backward_step(&loss);
        }
    }
    model
}
