//! The exercise packs this build knows, each through the one [`Pack`] interface the judge
//! uses (its properties, its reference and mutants served as call servers or run in this
//! process, its benchmark). A pack is registered by one dependency line in `Cargo.toml`
//! (see `build/harness.rs`).

pub use mldrill_pack::Pack;

mod registered {
    include!(concat!(env!("OUT_DIR"), "/packs.rs"));
}

/// Every exercise.
pub fn all() -> Vec<&'static dyn Pack> {
    registered::all()
}

/// The exercise `id`.
pub fn find(id: &str) -> Option<&'static dyn Pack> {
    all().into_iter().find(|e| e.id() == id)
}

/// The ids of an exercise's reference-free properties, the ones a screen exports; `None`
/// for an exercise this build does not know.
pub fn invariant_ids(exercise: &str) -> Option<Vec<&'static str>> {
    find(exercise).map(|e| e.invariant_ids())
}
