//! What the privacy statement (`exercises/privacy/README.md`) promises: its worked
//! examples and settings, checked against the reference and the pack's constants.

use mldrill_pack::claim::{Claim, same};
use privacy_api::Privacy;

use crate::data::{CLASSES, FEATURES};
use crate::differential::{
    CALIBRATED_MARGIN, LOSS_AUC_SHARE, LOSS_TPR_SHARE, PRIVATE_ACCURACY_FLOOR, PRIVATE_AUC_DISTANCE,
};
use crate::reference::Reference;
use crate::scenario::{DP_CONFIG, MEMBERS, NON_MEMBERS, REFERENCE_MODELS};
use crate::train::OVERFIT_STEPS;

pub const CLAIMS: &[Claim] = &[
    Claim {
        says: "`roc_auc([0.1, 0.4, 0.35, 0.8], [n, n, m, m]) = 0.75`, and `roc_auc([0.5, 0.5, 0.5, 0.9], [n, m, n, m]) = 0.75`.",
        check: || {
            same(
                Reference.roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]),
                Ok(0.75),
                "the first example",
            )?;
            same(
                Reference.roc_auc(&[0.5, 0.5, 0.5, 0.9], &[false, true, false, true]),
                Ok(0.75),
                "the tied example",
            )
        },
    },
    Claim {
        says: "the TPR at FPR 0 is 1/3, at 0.49 still 1/3, at 0.5 it is 1.",
        check: || {
            let s = [0.9, 0.8, 0.7, 0.6, 0.5];
            let m = [true, false, true, true, false];
            same(Reference.tpr_at_fpr(&s, &m, 0.0), Ok(1.0 / 3.0), "at 0")?;
            same(Reference.tpr_at_fpr(&s, &m, 0.49), Ok(1.0 / 3.0), "at 0.49")?;
            same(Reference.tpr_at_fpr(&s, &m, 0.5), Ok(1.0), "at 0.5")
        },
    },
    Claim {
        says: "10 classes of Gaussian clouds in 10 dimensions",
        check: || same((CLASSES, FEATURES), (10, 10), "classes and features"),
    },
    Claim {
        says: "The *target* is trained on 500 of them (the members) with full-batch Adam for 1,000 steps",
        check: || same((MEMBERS, OVERFIT_STEPS), (500, 1000), "members and steps"),
    },
    Claim {
        says: "The *non-members* are 2,000 more records",
        check: || same(NON_MEMBERS, 2000, "non-members"),
    },
    Claim {
        says: "16 reference models of the same architecture",
        check: || same(REFERENCE_MODELS, 16, "reference models"),
    },
    Claim {
        says: "the AUC's distance above 0.5 must be at least 90% of the reference's, and the TPR at 1% FPR at least 50% of the reference's.",
        check: || {
            same(
                (LOSS_AUC_SHARE, LOSS_TPR_SHARE),
                (0.9, 0.5),
                "the loss attack's shares",
            )
        },
    },
    Claim {
        says: "*uncalibrated* loss attack by at least 0.02.",
        check: || same(CALIBRATED_MARGIN, 0.02, "the calibrated attack's margin"),
    },
    Claim {
        says: "`clip = 1`, `sigma = 2`, `batch_size = 50`, 100 epochs and `learning_rate = 2`",
        check: || {
            let c = DP_CONFIG;
            same(
                (c.clip, c.sigma, c.batch_size, c.epochs, c.learning_rate),
                (1.0, 2.0, 50, 100, 2.0),
                "the DP settings",
            )
        },
    },
    Claim {
        says: "attack's AUC is within 0.1 of 0.5 and the test accuracy is at least 0.3",
        check: || {
            same(
                (PRIVATE_AUC_DISTANCE, PRIVATE_ACCURACY_FLOOR),
                (0.1, 0.3),
                "the DP bars",
            )
        },
    },
    Claim {
        says: "With seed 0 the overfit target has test accuracy 0.495; the loss attack reaches AUC 0.773 and TPR 0.008 at 1% FPR, the calibrated attack AUC 0.785 and TPR 0.104; the reference's DP-SGD model has test accuracy 0.416, and the loss attack against it AUC 0.579.",
        check: || {
            let s = crate::scenario::scenario(0);
            // As `mldrill privacy` prints them.
            let round = |x: f64| format!("{x:.3}");
            same(
                [
                    s.target_accuracy,
                    s.loss_attack.auc,
                    s.loss_attack.tpr,
                    s.calibrated_attack.auc,
                    s.calibrated_attack.tpr,
                    s.private_accuracy,
                    s.private_attack.auc,
                ]
                .map(round),
                [
                    "0.495", "0.773", "0.008", "0.785", "0.104", "0.416", "0.579",
                ]
                .map(String::from),
                "scenario 0",
            )
        },
    },
];
