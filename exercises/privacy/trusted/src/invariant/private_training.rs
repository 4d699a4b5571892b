//! Task `private_training`, reference-free: settings DP-SGD cannot run with are refused,
//! and a run returns a network of the initial one's shape. (Whether the training is
//! private and useful is graded by outcome, against the harness's own data.)

use privacy_api::{DpConfig, Privacy, PrivacyError};

use super::{random_mlp, random_records};
use mldrill_pack::property;
use mldrill_pack::{Ctx, Failure, Property};

pub fn properties() -> Vec<Property<dyn Privacy>> {
    vec![
        property!(
            "private_training/rejects_bad_settings",
            Invariant,
            rejects_bad_settings
        ),
        property!(
            "private_training/returns_the_same_architecture",
            Invariant,
            same_architecture
        ),
    ]
}

const GOOD: DpConfig = DpConfig {
    clip: 1.0,
    sigma: 1.0,
    batch_size: 4,
    epochs: 2,
    learning_rate: 0.1,
};

fn rejects_bad_settings(imp: &dyn Privacy, _ctx: &mut Ctx) -> Result<(), Failure> {
    let model = random_mlp(3, 4, 2, 1.0, 11);
    let (x, y) = random_records(8, 3, 2, 11);
    let bad = [
        DpConfig { clip: 0.0, ..GOOD },
        DpConfig {
            sigma: -1.0,
            ..GOOD
        },
        DpConfig {
            sigma: f64::NAN,
            ..GOOD
        },
        DpConfig {
            batch_size: 0,
            ..GOOD
        },
        DpConfig {
            learning_rate: 0.0,
            ..GOOD
        },
        DpConfig {
            learning_rate: f64::INFINITY,
            ..GOOD
        },
    ];
    for config in bad {
        match imp.train_private(&model, &x, &y, &config, 0) {
            Err(PrivacyError::InvalidSetting { .. }) => {}
            other => {
                return Err(Failure::new(format!(
                    "{config:?} gave {}, expected Err(InvalidSetting)",
                    other.map_or_else(|e| format!("Err({e:?})"), |_| "a model".into())
                )));
            }
        }
    }
    Ok(())
}

fn same_architecture(imp: &dyn Privacy, _ctx: &mut Ctx) -> Result<(), Failure> {
    let model = random_mlp(3, 5, 4, 1.0, 12);
    let (x, y) = random_records(10, 3, 4, 12);
    let trained = imp
        .train_private(&model, &x, &y, &GOOD, 3)
        .map_err(|e| Failure::new(format!("a valid run was refused: {e}")))?;
    for ((name, a), b) in privacy_api::PARAMETER_NAMES
        .iter()
        .zip(trained.parameters())
        .zip(model.parameters())
    {
        if a.size() != b.size() {
            return Err(Failure::new(format!(
                "{name} came back with shape {:?}, not {:?}",
                a.size(),
                b.size()
            )));
        }
    }
    Ok(())
}
