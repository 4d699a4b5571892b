//! Mutants: known-wrong implementations of an exercise, each a plausible mistake, named
//! `mutant:<Flaw>` where the judge and the references' call server take an implementation.

/// The flaw that an implementation id `mutant:<Flaw>` names, by its `Debug` name, among an
/// exercise's `Flaw::ALL`; `None` when the id names no mutant.
pub fn flaw_named<F: std::fmt::Debug + Copy>(all: &[(&str, F)], implementation: &str) -> Option<F> {
    let name = implementation.strip_prefix("mutant:")?;
    all.iter()
        .map(|&(_, flaw)| flaw)
        .find(|flaw| format!("{flaw:?}") == name)
}

/// Every mutant id of `all`, `mutant:<Flaw>`, in order.
pub fn mutant_ids<F: std::fmt::Debug + Copy>(all: &[(&str, F)]) -> Vec<String> {
    all.iter()
        .map(|(_, flaw)| format!("mutant:{flaw:?}"))
        .collect()
}

/// The tasks whose properties must catch the mutant `implementation` names (a flaw may be
/// listed under several tasks in `all`); empty when it names no mutant.
pub fn tasks_of<F: std::fmt::Debug + Copy + PartialEq>(
    all: &[(&'static str, F)],
    implementation: &str,
) -> Vec<&'static str> {
    let Some(flaw) = flaw_named(all, implementation) else {
        return Vec::new();
    };
    all.iter()
        .filter(|(_, f)| *f == flaw)
        .map(|(task, _)| *task)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Flaw {
        OffByOne,
        Swapped,
    }

    #[test]
    fn a_mutant_id_names_its_flaw_and_nothing_else_does() {
        let all = [("off by one", Flaw::OffByOne), ("swapped", Flaw::Swapped)];
        assert_eq!(flaw_named(&all, "mutant:OffByOne"), Some(Flaw::OffByOne));
        assert_eq!(flaw_named(&all, "OffByOne"), None);
        assert_eq!(flaw_named(&all, "mutant:NoSuchFlaw"), None);
        assert_eq!(flaw_named(&all, "candidate"), None);
        assert_eq!(mutant_ids(&all), ["mutant:OffByOne", "mutant:Swapped"]);
        let shared = [
            ("a", Flaw::OffByOne),
            ("b", Flaw::Swapped),
            ("c", Flaw::OffByOne),
        ];
        assert_eq!(tasks_of(&shared, "mutant:OffByOne"), ["a", "c"]);
        assert!(tasks_of(&shared, "mutant:Nope").is_empty());
    }
}
