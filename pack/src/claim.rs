//! Claims: what a statement promises, checked against the reference. Each claim pairs the
//! statement's own words (quoted exactly, white space aside, so that a claim can wrap across
//! lines) with a check of the reference. A claim whose words are no longer in the statement
//! fails, so an edit to a worked example cannot slip past its check; a check that fails
//! means the statement promises what the reference does not do.

/// One sentence (or formula, or worked example) of a statement and its check.
#[derive(Clone, Copy)]
pub struct Claim {
    /// Words of the statement, exactly, except that any run of white space matches any other.
    pub says: &'static str,
    pub check: fn() -> Result<(), String>,
}

/// `text` with every run of white space made one space.
pub fn squeezed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every claim that does not hold of `statement`: its words are missing, or its check fails.
pub fn broken(statement: &str, claims: &[Claim]) -> Vec<String> {
    let text = squeezed(statement);
    claims
        .iter()
        .filter_map(|claim| {
            if !text.contains(&squeezed(claim.says)) {
                Some(format!("the statement no longer says: {}", claim.says))
            } else {
                (claim.check)()
                    .err()
                    .map(|why| format!("the statement says \"{}\", but {why}", claim.says))
            }
        })
        .collect()
}

/// `Ok` when `got == expected`, else what differed.
pub fn same<T: PartialEq + std::fmt::Debug>(got: T, expected: T, what: &str) -> Result<(), String> {
    if got == expected {
        Ok(())
    } else {
        Err(format!(
            "{what}: the reference gives {got:?}, not {expected:?}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_breaks_when_its_words_go_or_its_check_fails() {
        let claims = [
            Claim {
                says: "two  plus\ntwo is four",
                check: || same(2 + 2, 4, "2 + 2"),
            },
            Claim {
                says: "one is two",
                check: || same(1, 2, "one"),
            },
            Claim {
                says: "not in the text",
                check: || Ok(()),
            },
        ];
        let broken = broken("Here two plus two is four, and one is two.", &claims);
        assert_eq!(broken.len(), 2, "{broken:?}");
        assert!(broken[0].contains("the reference gives 1, not 2"));
        assert!(broken[1].contains("no longer says: not in the text"));
    }
}
