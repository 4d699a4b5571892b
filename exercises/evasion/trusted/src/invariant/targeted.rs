//! The evasion exercise's reference-free properties of the `targeted` task: the budget
//! holds, and without a random start every step goes down the loss of the target class.

use super::*;

pub fn targeted_within_budget(imp: &Attack, ctx: &mut Ctx) -> Result<(), Failure> {
    heavy(ctx, "targeted/within_budget").for_all_named(
        &["model_seed", "n", "budget", "seed"],
        (any::<u64>(), 1usize..4, budgets(), any::<u64>()),
        |(model_seed, n, budget, seed)| {
            let model = Classifier::new(model_seed);
            let (images, targets) = (random_images(n, seed), random_labels(n, seed));
            let out = imp
                .targeted(&model, &images, &targets, &budget, seed)
                .map_err(|e| case_error(format!("targeted({budget:?}) returned an error: {e}")))?;
            check_bounds(&out, &images, budget.eps).map_err(case_error)
        },
    )
}

/// The target of each image: a class other than its label, `label + 1 + k mod 9` steps on.
pub fn other_class(labels: &Tensor, k: i64) -> Tensor {
    (labels + 1 + k.rem_euclid(CLASSES as i64 - 1)).remainder(CLASSES as i64)
}

pub fn targeted_projected_steps(imp: &Attack, ctx: &mut Ctx) -> Result<(), Failure> {
    check_sign_steps(
        |model, images, targets, budget| imp.targeted(model, images, targets, budget, 7),
        ctx.seed(),
        -1.0,
        "targeted",
        |labels| other_class(labels, 3),
    )
}
