//! What the evasion statement (`exercises/evasion/README.md`) promises: its budgets, its
//! bars and its measured numbers, each checked against the reference and the code's
//! constants.

use evasion_api::{Budget, Classifier, Evasion, parameter_shapes};
use mldrill_pack::claim::{Claim, same};
use tch::Tensor;

use crate::differential::{
    CLEAN_LOSS, PGD_FRACTION, ROBUST_GAIN, ROBUST_SLACK, TARGETED_FRACTION, clean_and_robust,
    success_rate, training,
};
use crate::invariant::scenario::{EPS, SCENARIOS, scenario, standard_budget};
use crate::invariant::{RISE_TOLERANCE, clean_accuracy};
use crate::reference::Reference;

/// `Ok` when `value` lies in `[low, high]` on every scenario.
fn within(what: &str, low: f64, high: f64, value: impl Fn(u64) -> f64) -> Result<(), String> {
    for s in 0..SCENARIOS {
        let v = value(s);
        if !(low..=high).contains(&v) {
            return Err(format!(
                "{what} is {v:.4} on scenario {s}, outside [{low}, {high}]"
            ));
        }
    }
    Ok(())
}

fn fgsm_success(s: u64) -> f64 {
    let sc = scenario(s);
    let (model, (images, labels)) = (sc.model(), sc.test());
    let out = Reference
        .fgsm(&model, &images, &labels, EPS)
        .expect("valid");
    success_rate(&model, &images, &out, &labels)
}

fn pgd_success(s: u64) -> f64 {
    let sc = scenario(s);
    let (model, (images, labels)) = (sc.model(), sc.test());
    let out = Reference
        .pgd(&model, &images, &labels, &standard_budget(), 0)
        .expect("valid");
    success_rate(&model, &images, &out, &labels)
}

fn zero_model() -> Classifier {
    let zeros: Vec<(String, Tensor)> = parameter_shapes()
        .into_iter()
        .map(|(name, shape)| (name.to_owned(), Tensor::zeros(shape, tch::kind::FLOAT_CPU)))
        .collect();
    Classifier::from_parameters(&zeros).expect("zeros make a model")
}

pub const CLAIMS: &[Claim] = &[
    Claim {
        says: "(eps = 0.1, 10 steps, alpha = 0.025, a random start)",
        check: || {
            same(
                standard_budget(),
                Budget {
                    eps: 0.1,
                    alpha: 0.025,
                    steps: 10,
                    random_start: true,
                },
                "the standard budget",
            )
        },
    },
    Claim {
        says: "your attack must fool the model on at least 0.9 times the fraction",
        check: || same(PGD_FRACTION, 0.9, "the pgd bar"),
    },
    Claim {
        says: "and on at least as many as FGSM at the same eps",
        check: || {
            for s in 0..SCENARIOS {
                let (pgd, fgsm) = (pgd_success(s), fgsm_success(s));
                if pgd < fgsm {
                    return Err(format!("scenario {s}: PGD fools {pgd:.3}, FGSM {fgsm:.3}"));
                }
            }
            Ok(())
        },
    },
    Claim {
        says: "reaches at least 0.9 times the reference's.",
        check: || same(TARGETED_FRACTION, 0.9, "the targeted bar"),
    },
    Claim {
        says: "`sign(0) = 0`: a pixel whose gradient is exactly zero does not move.",
        check: || {
            let images = Tensor::full([2, 256], 0.5, tch::kind::FLOAT_CPU);
            let labels = Tensor::from_slice(&[3i64, 7]);
            let out = Reference
                .fgsm(&zero_model(), &images, &labels, 0.1)
                .expect("valid");
            same(out.equal(&images), true, "FGSM on a model with no gradient")
        },
    },
    Claim {
        says: "The same seed must give the same start; another seed another start.",
        check: || {
            let sc = scenario(0);
            let (model, (images, labels)) = (sc.model(), sc.test());
            let budget = Budget {
                steps: 0,
                ..standard_budget()
            };
            let start = |seed| {
                Reference
                    .pgd(&model, &images, &labels, &budget, seed)
                    .unwrap()
            };
            same(
                (start(1).equal(&start(1)), start(1).equal(&start(2))),
                (true, false),
                "(same seed equal, other seed equal)",
            )
        },
    },
    Claim {
        says: "at eps = 0 the result is the clean accuracy (eval mode) exactly",
        check: || {
            let sc = scenario(1);
            let (model, (images, labels)) = (sc.model(), sc.test());
            let robust = Reference
                .robust_accuracy(&model, &images, &labels, &[0.0], 10, 4)
                .expect("valid");
            same(
                robust[0],
                clean_accuracy(&model, &images, &labels),
                "at eps = 0",
            )
        },
    },
    Claim {
        says: "does not rise from one eps to a larger one by more than 0.05",
        check: || same(RISE_TOLERANCE, 0.05, "the tolerance"),
    },
    Claim {
        says: "your number is at most 0.05 above the reference's",
        check: || same(ROBUST_SLACK, 0.05, "the slack"),
    },
    Claim {
        says: "must be at least 0.4 above the normally trained model's, and its clean accuracy at most 0.05 below.",
        check: || {
            same((ROBUST_GAIN, CLEAN_LOSS), (0.4, 0.05), "the bars")?;
            let sc = scenario(2);
            let (images, labels) = sc.train();
            let trained = Reference
                .adversarial_training(&images, &labels, &training(9))
                .expect("valid");
            let (clean, robust) = clean_and_robust(&trained, 2);
            let (normal_clean, normal_robust) = clean_and_robust(&sc.model(), 2);
            if robust < normal_robust + ROBUST_GAIN || clean < normal_clean - CLEAN_LOSS {
                return Err(format!(
                    "the reference reaches clean {clean:.3}, robust {robust:.3} from {normal_clean:.3}, {normal_robust:.3}"
                ));
            }
            Ok(())
        },
    },
    Claim {
        says: "| clean accuracy of the normally trained model | 99.7% to 100% |",
        check: || {
            within("clean accuracy", 0.9965, 1.0, |s| {
                let sc = scenario(s);
                let (images, labels) = sc.test();
                clean_accuracy(&sc.model(), &images, &labels)
            })
        },
    },
    Claim {
        says: "| FGSM success at eps = 0.1 | 73% to 81% |",
        check: || within("FGSM success", 0.725, 0.815, fgsm_success),
    },
    Claim {
        says: "| PGD success at the standard budget, 24 seeds per scenario | 90.3% to 94.7% |",
        check: || within("PGD success", 0.9025, 0.9475, pgd_success),
    },
    Claim {
        says: "| robust accuracy at eps = 0.1, normally trained | 5.7% to 7.0% |",
        check: || {
            within("robust accuracy", 0.0565, 0.0705, |s| {
                clean_and_robust(&scenario(s).model(), s).1
            })
        },
    },
];
