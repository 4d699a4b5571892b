//! The evasion exercise's reference-free properties of the `pgd` task: the eps-ball and the
//! pixel range after every number of steps, a seeded random start inside the ball, and
//! (without a random start) steps that are exactly projected signed-gradient steps.

use super::scenario::scenario;
use super::*;

/// Images the trained-model checks attack.
const ATTACKED: i64 = 60;

pub fn pgd_within_budget(imp: &Attack, ctx: &mut Ctx) -> Result<(), Failure> {
    heavy(ctx, "pgd/within_budget_every_step").for_all_named(
        &["model_seed", "n", "budget", "seed"],
        (any::<u64>(), 1usize..4, budgets(), any::<u64>()),
        |(model_seed, n, budget, seed)| {
            let model = Classifier::new(model_seed);
            let (images, labels) = (random_images(n, seed), random_labels(n, seed));
            // Every prefix of the attack: the bound must hold after each step.
            for steps in 0..=budget.steps {
                let budget = Budget { steps, ..budget };
                let out = imp
                    .pgd(&model, &images, &labels, &budget, seed)
                    .map_err(|e| case_error(format!("pgd({budget:?}) returned an error: {e}")))?;
                check_bounds(&out, &images, budget.eps)
                    .map_err(|why| case_error(format!("after {steps} steps: {why}")))?;
            }
            Ok(())
        },
    )
}

pub fn pgd_random_start(imp: &Attack, ctx: &mut Ctx) -> Result<(), Failure> {
    let scenario = scenario(ctx.seed());
    let model = scenario.model();
    let (images, labels) = scenario.test();
    let (images, labels) = (images.narrow(0, 0, ATTACKED), labels.narrow(0, 0, ATTACKED));
    let eps = 0.1;
    let start = |random_start: bool, seed: u64| {
        let budget = Budget {
            eps,
            alpha: 0.01,
            steps: 0,
            random_start,
        };
        imp.pgd(&model, &images, &labels, &budget, seed)
            .map_err(|e| Failure::new(format!("pgd({budget:?}) returned an error: {e}")))
    };
    let plain = start(false, 1)?;
    check_images(&plain, &images).map_err(Failure::new)?;
    if !plain.equal(&images) {
        return Err(Failure::new(
            "pgd with 0 steps and no random start changed the images",
        ));
    }
    let seed = ctx.property_seed();
    let (a, again, b) = (
        start(true, seed)?,
        start(true, seed)?,
        start(true, seed ^ 1)?,
    );
    for out in [&a, &b] {
        check_bounds(out, &images, eps)
            .map_err(|why| Failure::new(format!("the random start: {why}")))?;
    }
    if !a.equal(&again) {
        return Err(Failure::new(
            "the random start is not reproducible: the same seed gave two starts",
        ));
    }
    if a.equal(&b) {
        return Err(Failure::new(
            "the random start does not depend on the seed (or there is none)",
        ));
    }
    // A uniform start moves an interior pixel by eps / 2 on average, a pixel at the edge of
    // the range by eps / 4; a start that barely moves is no start.
    let mean = scalar(&(&a - &images).abs().mean(DType::Double));
    if mean < eps / 10.0 {
        return Err(Failure::new(format!(
            "the random start moves pixels by {mean:.5} on average, hardly any of eps = {eps}: \
             it must spread over the eps-ball"
        )));
    }
    Ok(())
}

/// Images whose every pixel must follow the definition: the rest may differ where a sign
/// was a rounding away from 0 at some step.
pub const AGREEING: f64 = 0.9;

/// Compares a deterministic attack (no random start) with the definition on the trained model.
pub fn check_sign_steps(
    attack: impl Fn(&Classifier, &Tensor, &Tensor, &Budget) -> Result<Tensor, AttackError>,
    seed: u64,
    direction: f64,
    what: &str,
    labels_for: impl Fn(&Tensor) -> Tensor,
) -> Result<(), Failure> {
    let scenario = scenario(seed);
    let model = scenario.model();
    let (images, labels) = scenario.test();
    let images = images.narrow(0, 0, ATTACKED);
    let labels = labels_for(&labels.narrow(0, 0, ATTACKED));
    for budget in [
        Budget {
            eps: 0.1,
            alpha: 0.025,
            steps: 10,
            random_start: false,
        },
        Budget {
            eps: 0.05,
            alpha: 0.05,
            steps: 6,
            random_start: false,
        },
    ] {
        let out = attack(&model, &images, &labels, &budget)
            .map_err(|e| Failure::new(format!("{what}({budget:?}) returned an error: {e}")))?;
        check_bounds(&out, &images, budget.eps).map_err(Failure::new)?;
        let expected = projected_sign_steps(&model, &images, &labels, &budget, direction);
        let agreeing = agreeing_rows(&out, &expected, ROUNDING);
        if agreeing < AGREEING {
            return Err(Failure::new(format!(
                "{what}({budget:?}) without a random start: only {:.0}% of the images are \
                 the result of {} steps x <- clamp(x {} alpha * sign(gradient)) into the \
                 eps-ball and [0, 1] (at least {:.0}% must be)",
                agreeing * 100.0,
                budget.steps,
                if direction > 0.0 { "+" } else { "-" },
                AGREEING * 100.0
            )));
        }
    }
    Ok(())
}

pub fn pgd_projected_steps(imp: &Attack, ctx: &mut Ctx) -> Result<(), Failure> {
    check_sign_steps(
        |model, images, labels, budget| imp.pgd(model, images, labels, budget, 7),
        ctx.seed(),
        1.0,
        "pgd",
        Tensor::shallow_clone,
    )
}

pub fn pgd_rejects_bad_input(imp: &Attack, ctx: &mut Ctx) -> Result<(), Failure> {
    let model = Classifier::new(ctx.seed());
    let (images, labels) = (random_images(3, ctx.seed()), random_labels(3, ctx.seed()));
    let budget = Budget {
        eps: 0.1,
        alpha: 0.01,
        steps: 2,
        random_start: true,
    };
    let call = |images: &Tensor, labels: &Tensor, budget: Budget| {
        imp.pgd(&model, images, labels, &budget, 1)
    };
    for eps in [-0.5, f64::NAN] {
        expect_error(
            call(&images, &labels, Budget { eps, ..budget }),
            &format!("pgd(eps = {eps})"),
            "InvalidEps",
            |e| matches!(e, AttackError::InvalidEps { .. }),
        )?;
    }
    for alpha in [-0.01, f64::NAN] {
        expect_error(
            call(&images, &labels, Budget { alpha, ..budget }),
            &format!("pgd(alpha = {alpha})"),
            "InvalidStep",
            |e| matches!(e, AttackError::InvalidStep { .. }),
        )?;
    }
    expect_error(
        call(&images.narrow(1, 0, 100), &labels, budget),
        "pgd(images [3, 100])",
        "BadImages",
        |e| matches!(e, AttackError::BadImages { .. }),
    )?;
    expect_error(
        call(&images, &Tensor::from_slice(&[0i64, 1, 12]), budget),
        "pgd(labels [0, 1, 12])",
        "BadLabel",
        |e| matches!(e, AttackError::BadLabel { .. }),
    )
}
