//! Known-wrong implementations, one file per exercise: each is a plausible mistake, and
//! the project's tests prove that the suite catches every one of them.

pub mod dataloader;
pub mod ngram;
pub mod poison;

/// The flaw that a runner's implementation id `mutant:<Flaw>` names, by its `Debug` name,
/// among an exercise's `Flaw::ALL`; `None` when the id names no mutant.
pub fn flaw_named<F: std::fmt::Debug + Copy>(all: &[(&str, F)], implementation: &str) -> Option<F> {
    let name = implementation.strip_prefix("mutant:")?;
    all.iter()
        .map(|&(_, flaw)| flaw)
        .find(|flaw| format!("{flaw:?}") == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mutant_id_names_its_flaw_and_nothing_else_does() {
        let all = dataloader::Flaw::ALL;
        let (_, first) = all[0];
        let id = format!("mutant:{first:?}");
        assert_eq!(flaw_named(&all, &id), Some(first));
        assert_eq!(flaw_named(&all, &format!("{first:?}")), None);
        assert_eq!(flaw_named(&all, "mutant:NoSuchFlaw"), None);
        assert_eq!(flaw_named(&all, "candidate"), None);
    }
}
