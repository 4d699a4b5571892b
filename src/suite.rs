//! Property suites: named properties, each generic over an exercise's implementation
//! trait, run with proptest from a seed so that every failure can be replayed.
//!
//! A property is *differential* (it compares with the reference where the answer is
//! unique) or *invariant* (it needs no reference; these are the ones a candidate may see).

pub mod dataloader;
pub mod ngram;
pub mod poison;
pub mod stats;

use std::any::Any;
use std::fmt::Debug;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::panic::{self, AssertUnwindSafe};

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use serde::{Deserialize, Serialize};

/// Whether a property needs the reference implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Differential,
    Invariant,
}

/// One named property of an exercise, checked against any implementation `I`.
pub struct Property<I: ?Sized> {
    /// `<task>/<name>`, unique within the exercise; the manifest lists these ids.
    pub id: &'static str,
    pub kind: Kind,
    pub check: fn(&I, &mut Ctx) -> Result<(), Failure>,
}

impl<I: ?Sized> Property<I> {
    /// The task this property grades: the part of the id before the `/`.
    pub fn task(&self) -> &'static str {
        self.id.split_once('/').map_or(self.id, |(task, _)| task)
    }

    /// Checks `imp` with inputs derived from `seed`; a panic anywhere in the property
    /// (a `todo!()` included) becomes a failure that carries the panic's message.
    pub fn run(&self, imp: &I, seed: u64, cases: u32) -> Result<(), Failure> {
        let mut ctx = Ctx::new(seed, cases, self.id);
        panic::catch_unwind(AssertUnwindSafe(|| (self.check)(imp, &mut ctx)))
            .unwrap_or_else(|payload| Err(Failure::new(panic_message(payload.as_ref()))))
    }
}

/// The message a panic was raised with, as proptest reports it for panics it catches.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic with a non-text payload");
    format!("panicked: {text}")
}

/// Why a property did not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// One line a person can act on.
    pub reason: String,
    /// The minimal input proptest shrank the failure to, if the property generates inputs.
    pub counterexample: Option<String>,
}

impl Failure {
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            counterexample: None,
        }
    }

    /// True when the implementation stopped at a `todo!()` (or `unimplemented!()`).
    pub fn is_not_implemented(&self) -> bool {
        self.reason.contains("not yet implemented") || self.reason.contains("not implemented")
    }
}

/// What a property may use while it runs: the number of generated cases and a
/// deterministic source of randomness derived from the run's seed and the property's id.
pub struct Ctx {
    seed: u64,
    cases: u32,
    property: &'static str,
}

impl Ctx {
    pub fn new(seed: u64, cases: u32, property: &'static str) -> Self {
        Self {
            seed,
            cases,
            property,
        }
    }

    /// The run's seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// How many generated cases a property runs.
    pub fn cases(&self) -> u32 {
        self.cases
    }

    /// A seed for this property alone: running one task or all of them gives each
    /// property the same inputs.
    pub fn property_seed(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        (self.seed, self.property).hash(&mut hasher);
        hasher.finish()
    }

    /// Runs `test` on `cases` inputs drawn from `strategy`; on failure, the input is
    /// shrunk to a minimal one, which the failure carries.
    pub fn for_all<S>(
        &mut self,
        strategy: S,
        test: impl Fn(S::Value) -> Result<(), TestCaseError>,
    ) -> Result<(), Failure>
    where
        S: Strategy,
        S::Value: Debug,
    {
        let config = Config {
            cases: self.cases,
            failure_persistence: None,
            max_shrink_iters: 2048,
            rng_algorithm: RngAlgorithm::ChaCha,
            ..Config::default()
        };
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&self.property_seed().to_le_bytes());
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &key);
        let mut runner = TestRunner::new_with_rng(config, rng);
        match runner.run(&strategy, test) {
            Ok(()) => Ok(()),
            Err(TestError::Fail(reason, value)) => Err(Failure {
                reason: reason.message().to_owned(),
                counterexample: Some(format!("{value:?}")),
            }),
            Err(TestError::Abort(reason)) => Err(Failure::new(format!(
                "generated inputs were rejected too often: {}",
                reason.message()
            ))),
        }
    }
}

/// A value's `Debug` text, cut to a length that fits on a line or two of a report.
pub fn brief(value: &dyn Debug) -> String {
    const MAX: usize = 240;
    let text = format!("{value:?}");
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}... ({} chars)", &text[..cut], text.len()),
        None => text,
    }
}

/// Declares a [`Property`]: `property!("task/name", Invariant, check_fn)`.
#[macro_export]
macro_rules! property {
    ($id:literal, $kind:ident, $check:path) => {
        $crate::suite::Property {
            id: $id,
            kind: $crate::suite::Kind::$kind,
            check: $check,
        }
    };
}

/// Fails a property with a formatted reason; use inside [`Ctx::for_all`] closures.
#[macro_export]
macro_rules! fail {
    ($($arg:tt)*) => {
        return Err(proptest::test_runner::TestCaseError::fail(format!($($arg)*)))
    };
}

/// Fails unless `left == right`, naming what was compared.
#[macro_export]
macro_rules! ensure_eq {
    ($left:expr, $right:expr, $($what:tt)*) => {{
        let (left, right) = (&$left, &$right);
        if left != right {
            $crate::fail!(
                "{}: got {}, expected {}",
                format!($($what)*),
                $crate::suite::brief(left),
                $crate::suite::brief(right)
            );
        }
    }};
}
