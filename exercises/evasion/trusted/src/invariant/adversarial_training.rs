//! The evasion exercise's reference-free properties of the `adversarial_training` task:
//! bad input is refused before any training. (Whether training made the model robust is
//! measured against the normally trained model, in the differential properties.)

use super::*;
use evasion_api::Training;

pub fn training_rejects_bad_input(imp: &Attack, ctx: &mut Ctx) -> Result<(), Failure> {
    let (images, labels) = (random_images(4, ctx.seed()), random_labels(4, ctx.seed()));
    let training = Training {
        epochs: 1,
        eps: 0.1,
        steps: 1,
        seed: ctx.seed(),
    };
    for eps in [-0.1, f64::NAN] {
        expect_error(
            imp.adversarial_training(&images, &labels, &Training { eps, ..training })
                .map(|_| ()),
            &format!("adversarial_training(eps = {eps})"),
            "InvalidEps",
            |e| matches!(e, AttackError::InvalidEps { .. }),
        )?;
    }
    expect_error(
        imp.adversarial_training(&images.narrow(1, 0, 10), &labels, &training)
            .map(|_| ()),
        "adversarial_training(images [4, 10])",
        "BadImages",
        |e| matches!(e, AttackError::BadImages { .. }),
    )?;
    expect_error(
        imp.adversarial_training(&images, &Tensor::from_slice(&[0i64, 1, 2, 99]), &training)
            .map(|_| ()),
        "adversarial_training(labels [0, 1, 2, 99])",
        "BadLabel",
        |e| matches!(e, AttackError::BadLabel { .. }),
    )
}
