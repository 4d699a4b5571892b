//! Plausible wrong attacks and defences: each [`Flaw`] is one mistake people really make,
//! applied to the reference and nothing else.

use evasion_api::{AttackError, Budget, Classifier, Evasion, Training};
use tch::Tensor;

use crate::reference::{
    Reference, adversarially_train, check_budget, check_eps, check_inputs, input_gradient,
    pgd_signed, project, robust_accuracy_with, training_budget, uniform_noise,
};

/// One mistake, named after what it does wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    /// fgsm: steps down the loss (`x - eps * sign(grad)`), which helps the model.
    WrongSign,
    /// fgsm: never clips to the pixel range, so pixels leave `[0, 1]`.
    NoClip,
    /// fgsm: never checks the labels; libtorch throws on a class outside `0..10`.
    UncheckedLabels,
    /// pgd: projects the perturbation onto the L2 ball of radius eps instead of L-infinity.
    L2Projection,
    /// pgd: takes every step unprojected and projects once, at the end.
    ProjectOnlyAtEnd,
    /// pgd: ignores `random_start` and always starts at the image.
    NoRandomStart,
    /// pgd: keeps the input's gradient between steps (never zeroed, as with a reused leaf
    /// tensor's `.grad()`), so each step follows the sign of the sum of all gradients so far.
    GradientsAccumulate,
    /// targeted: ignores the targets and steps up the loss of the predicted class.
    UntargetedStep,
    /// robust_accuracy: evaluates with the model in training mode (dropout on).
    TrainMode,
    /// robust_accuracy: classifies the clean images again instead of the adversarial ones.
    ClassifiesCleanImages,
    /// adversarial_training: trains on the clean images (the attack's output is dropped).
    CleanTraining,
    /// adversarial_training: the training attack steps down the loss, so the model trains
    /// on easier images than the clean ones.
    TrainsOnEasierImages,
}

impl Flaw {
    /// Every flaw, with the task it belongs to.
    pub const ALL: [(&'static str, Flaw); 12] = [
        ("fgsm", Flaw::WrongSign),
        ("fgsm", Flaw::NoClip),
        ("fgsm", Flaw::UncheckedLabels),
        ("pgd", Flaw::L2Projection),
        ("pgd", Flaw::ProjectOnlyAtEnd),
        ("pgd", Flaw::NoRandomStart),
        ("pgd", Flaw::GradientsAccumulate),
        ("targeted", Flaw::UntargetedStep),
        ("robust_accuracy", Flaw::TrainMode),
        ("robust_accuracy", Flaw::ClassifiesCleanImages),
        ("adversarial_training", Flaw::CleanTraining),
        ("adversarial_training", Flaw::TrainsOnEasierImages),
    ];
}

/// The reference with one [`Flaw`].
#[derive(Debug, Clone, Copy)]
pub struct Mutant(pub Flaw);

/// PGD with the flaws of the `pgd` task; otherwise the reference's.
fn flawed_pgd(
    flaw: Flaw,
    model: &Classifier,
    images: &Tensor,
    labels: &Tensor,
    budget: &Budget,
    seed: u64,
) -> Result<Tensor, AttackError> {
    let start = |random: bool| {
        if random {
            images + uniform_noise(&images.size(), budget.eps, seed)
        } else {
            images.copy()
        }
    };
    match flaw {
        Flaw::NoRandomStart => pgd_signed(
            model,
            images,
            labels,
            &Budget {
                random_start: false,
                ..*budget
            },
            seed,
            1.0,
        ),
        Flaw::ProjectOnlyAtEnd => {
            check_budget(budget)?;
            check_inputs(images, labels)?;
            let mut x = start(budget.random_start);
            for _ in 0..budget.steps {
                x = &x + input_gradient(model, &x, labels).sign() * budget.alpha;
            }
            Ok(project(&x, images, budget.eps))
        }
        Flaw::GradientsAccumulate => {
            check_budget(budget)?;
            check_inputs(images, labels)?;
            let mut x = project(&start(budget.random_start), images, budget.eps);
            let mut gradient = images.zeros_like();
            for _ in 0..budget.steps {
                gradient += input_gradient(model, &x, labels);
                x = project(&(&x + gradient.sign() * budget.alpha), images, budget.eps);
            }
            Ok(x)
        }
        Flaw::L2Projection => {
            check_budget(budget)?;
            check_inputs(images, labels)?;
            let l2 = |x: &Tensor| {
                let delta = x - images;
                let norm = delta.norm_scalaropt_dim(2, [1], true).clamp_min(1e-12);
                let scale = (norm.reciprocal() * budget.eps).clamp_max(1.0);
                (images + delta * scale).clamp(0.0, 1.0)
            };
            let mut x = l2(&start(budget.random_start));
            for _ in 0..budget.steps {
                x = l2(&(&x + input_gradient(model, &x, labels).sign() * budget.alpha));
            }
            Ok(x)
        }
        _ => Reference.pgd(model, images, labels, budget, seed),
    }
}

impl Evasion for Mutant {
    fn fgsm(
        &self,
        model: &Classifier,
        images: &Tensor,
        labels: &Tensor,
        eps: f64,
    ) -> Result<Tensor, AttackError> {
        match self.0 {
            Flaw::WrongSign | Flaw::NoClip => {
                check_eps(eps)?;
                check_inputs(images, labels)?;
                let sign = input_gradient(model, images, labels).sign();
                Ok(if self.0 == Flaw::WrongSign {
                    (images - sign * eps).clamp(0.0, 1.0)
                } else {
                    images + sign * eps
                })
            }
            Flaw::UncheckedLabels => {
                check_eps(eps)?;
                let sign = input_gradient(model, images, labels).sign();
                Ok((images + sign * eps).clamp(0.0, 1.0))
            }
            _ => Reference.fgsm(model, images, labels, eps),
        }
    }

    fn pgd(
        &self,
        model: &Classifier,
        images: &Tensor,
        labels: &Tensor,
        budget: &Budget,
        seed: u64,
    ) -> Result<Tensor, AttackError> {
        flawed_pgd(self.0, model, images, labels, budget, seed)
    }

    fn targeted(
        &self,
        model: &Classifier,
        images: &Tensor,
        targets: &Tensor,
        budget: &Budget,
        seed: u64,
    ) -> Result<Tensor, AttackError> {
        if self.0 == Flaw::UntargetedStep {
            check_inputs(images, targets)?;
            let predicted = tch::no_grad(|| model.forward(images).argmax(1, false));
            return Reference.pgd(model, images, &predicted, budget, seed);
        }
        Reference.targeted(model, images, targets, budget, seed)
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
        match self.0 {
            Flaw::TrainMode => {
                for &e in eps {
                    check_eps(e)?;
                }
                check_inputs(images, labels)?;
                robust_accuracy_with(model, images, labels, eps, steps, seed, |x| {
                    model.forward_t(x, true)
                })
            }
            Flaw::ClassifiesCleanImages => {
                let clean = Reference.robust_accuracy(model, images, labels, &[0.0], 0, seed)?;
                Ok(vec![clean[0]; eps.len()])
            }
            _ => Reference.robust_accuracy(model, images, labels, eps, steps, seed),
        }
    }

    fn adversarial_training(
        &self,
        images: &Tensor,
        labels: &Tensor,
        training: &Training,
    ) -> Result<Classifier, AttackError> {
        match self.0 {
            Flaw::CleanTraining => {
                check_eps(training.eps)?;
                check_inputs(images, labels)?;
                Ok(adversarially_train(
                    images,
                    labels,
                    training,
                    |_, x, _, _| x.copy(),
                ))
            }
            Flaw::TrainsOnEasierImages => {
                check_eps(training.eps)?;
                check_inputs(images, labels)?;
                Ok(adversarially_train(
                    images,
                    labels,
                    training,
                    |m, x, y, seed| {
                        pgd_signed(m, x, y, &training_budget(training), seed, -1.0)
                            .expect("inputs were checked")
                    },
                ))
            }
            _ => Reference.adversarial_training(images, labels, training),
        }
    }
}
