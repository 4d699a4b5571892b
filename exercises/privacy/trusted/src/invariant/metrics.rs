//! Task `metrics`, reference-free: worked examples, the AUC as the share of
//! (member, non-member) pairs the member wins (a tie counting one half), its symmetry
//! under reversed scores and invariance under increasing maps, the TPR at an FPR as a
//! count of members above a non-member, and errors for input the metrics cannot use.

use privacy_api::{Privacy, PrivacyError};
use proptest::prelude::*;

use mldrill_pack::property;
use mldrill_pack::{Ctx, Failure, Property};

pub fn properties() -> Vec<Property<dyn Privacy>> {
    vec![
        property!("metrics/worked_examples", Invariant, worked_examples),
        property!("metrics/auc_counts_pairs", Invariant, auc_counts_pairs),
        property!(
            "metrics/auc_of_reversed_scores",
            Invariant,
            auc_of_reversed_scores
        ),
        property!(
            "metrics/increasing_map_changes_nothing",
            Invariant,
            increasing_map_changes_nothing
        ),
        property!(
            "metrics/tpr_counts_members_above_a_non_member",
            Invariant,
            tpr_counts_members_above
        ),
        property!("metrics/rejects_bad_input", Invariant, rejects_bad_input),
    ]
}

/// Scores with many ties (small whole numbers) and membership flags with at least one
/// member and one non-member.
pub fn labelled_scores() -> impl Strategy<Value = (Vec<f64>, Vec<bool>)> {
    (2usize..30, 1u32..6).prop_flat_map(|(n, levels)| {
        (
            proptest::collection::vec((0..levels).prop_map(f64::from), n),
            proptest::collection::vec(any::<bool>(), n),
        )
            .prop_map(|(s, mut m)| {
                m[0] = true;
                m[1] = false;
                (s, m)
            })
    })
}

fn call<T>(r: Result<T, PrivacyError>, what: &str) -> Result<T, TestCaseError> {
    r.map_err(|e| TestCaseError::fail(format!("{what} was refused: {e}")))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12
}

fn worked_examples(imp: &dyn Privacy, _ctx: &mut Ctx) -> Result<(), Failure> {
    let (f, t) = (false, true);
    // (scores, members, AUC): scikit-learn's documented example, a member/non-member tie,
    // everything tied, a perfect and a perfectly wrong ranking.
    let aucs: [(&[f64], &[bool], f64); 5] = [
        (&[0.1, 0.4, 0.35, 0.8], &[f, f, t, t], 0.75),
        (&[0.5, 0.5, 0.5, 0.9], &[f, t, f, t], 0.75),
        (&[1.0, 1.0, 1.0, 1.0], &[t, f, f, t], 0.5),
        (&[3.0, 2.0, 1.0], &[t, t, f], 1.0),
        (&[3.0, 2.0, 1.0], &[f, f, t], 0.0),
    ];
    for (scores, members, expected) in aucs {
        let got = imp.roc_auc(scores, members).map_err(|e| {
            Failure::new(format!("roc_auc({scores:?}, {members:?}) was refused: {e}"))
        })?;
        if !close(got, expected) {
            return Err(Failure::new(format!(
                "roc_auc({scores:?}, {members:?}) = {got}, expected {expected}"
            )));
        }
    }
    // ROC points of [0.9 m, 0.8 n, 0.7 m, 0.6 m, 0.5 n]: (0,0) (0,1/3) (1/2,1/3) (1/2,2/3)
    // (1/2,1) (1,1). And a member tied with a non-member: one point, both or neither.
    let scores = [0.9, 0.8, 0.7, 0.6, 0.5];
    let members = [t, f, t, t, f];
    let tprs: [(&[f64], &[bool], f64, f64); 6] = [
        (&scores, &members, 0.0, 1.0 / 3.0),
        (&scores, &members, 0.49, 1.0 / 3.0),
        (&scores, &members, 0.5, 1.0),
        (&scores, &members, 1.0, 1.0),
        (&[0.9, 0.9, 0.1], &[t, f, f], 0.0, 0.0),
        (&[0.9, 0.9, 0.1], &[t, f, f], 0.5, 1.0),
    ];
    for (scores, members, fpr, expected) in tprs {
        let got = imp.tpr_at_fpr(scores, members, fpr).map_err(|e| {
            Failure::new(format!(
                "tpr_at_fpr({scores:?}, {members:?}, {fpr}) was refused: {e}"
            ))
        })?;
        if !close(got, expected) {
            return Err(Failure::new(format!(
                "tpr_at_fpr({scores:?}, {members:?}, {fpr}) = {got}, expected {expected}"
            )));
        }
    }
    Ok(())
}

fn auc_counts_pairs(imp: &dyn Privacy, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(&["scores", "members"], labelled_scores(), |(s, m)| {
        let (mut twice, mut pairs) = (0u64, 0u64);
        for i in (0..s.len()).filter(|&i| m[i]) {
            for j in (0..s.len()).filter(|&j| !m[j]) {
                pairs += 1;
                twice += if s[i] > s[j] {
                    2
                } else if s[i] == s[j] {
                    1
                } else {
                    0
                };
            }
        }
        let expected = twice as f64 / (2 * pairs) as f64;
        let got = call(imp.roc_auc(&s, &m), "valid input")?;
        if !close(got, expected) {
            mldrill_pack::fail!(
                "AUC {got}, but members win {}/{pairs} pairs (a tie counts 1/2): {expected}",
                twice as f64 / 2.0
            );
        }
        Ok(())
    })
}

fn auc_of_reversed_scores(imp: &dyn Privacy, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all_named(&["scores", "members"], labelled_scores(), |(s, m)| {
        let auc = call(imp.roc_auc(&s, &m), "valid input")?;
        let negated: Vec<f64> = s.iter().map(|x| -x).collect();
        let reversed = call(imp.roc_auc(&negated, &m), "valid input")?;
        if !close(auc + reversed, 1.0) {
            mldrill_pack::fail!(
                "AUC {auc} and AUC of the negated scores {reversed} do not sum to 1"
            );
        }
        Ok(())
    })
}

fn increasing_map_changes_nothing(imp: &dyn Privacy, ctx: &mut Ctx) -> Result<(), Failure> {
    let fpr = prop_oneof![Just(0.0), Just(0.25), Just(0.5), 0.0..=1.0f64];
    ctx.for_all_named(
        &["scores", "members", "fpr"],
        (labelled_scores(), fpr),
        |((s, m), fpr)| {
            let mapped: Vec<f64> = s.iter().map(|x| 4.0 * x - 3.0).collect();
            let (a, b) = (
                call(imp.roc_auc(&s, &m), "valid input")?,
                call(imp.roc_auc(&mapped, &m), "valid input")?,
            );
            if !close(a, b) {
                mldrill_pack::fail!("AUC {a} became {b} when every score x became 4x - 3");
            }
            let (a, b) = (
                call(imp.tpr_at_fpr(&s, &m, fpr), "valid input")?,
                call(imp.tpr_at_fpr(&mapped, &m, fpr), "valid input")?,
            );
            if !close(a, b) {
                mldrill_pack::fail!("TPR {a} became {b} when every score x became 4x - 3");
            }
            Ok(())
        },
    )
}

/// At FPR `k / N` the best allowed threshold lies just above the `(k+1)`-th highest
/// non-member score: the TPR counts the members strictly above it.
fn tpr_counts_members_above(imp: &dyn Privacy, ctx: &mut Ctx) -> Result<(), Failure> {
    let case = (
        labelled_scores(),
        any::<prop::sample::Index>(),
        any::<bool>(),
    );
    ctx.for_all_named(&["scores", "members", "k", "just_below"], case, |((s, m), k, below)| {
        let mut negatives: Vec<f64> = (0..s.len()).filter(|&i| !m[i]).map(|i| s[i]).collect();
        negatives.sort_by(|a, b| b.total_cmp(a));
        let big_n = negatives.len();
        let k = k.index(big_n + 1);
        let (k, fpr) = if below && k > 0 {
            (k - 1, (k as f64 - 0.5) / big_n as f64)
        } else {
            (k, k as f64 / big_n as f64)
        };
        let positives = m.iter().filter(|&&x| x).count();
        let above = match negatives.get(k) {
            Some(&bar) => (0..s.len()).filter(|&i| m[i] && s[i] > bar).count(),
            None => positives,
        };
        let expected = above as f64 / positives as f64;
        let got = call(imp.tpr_at_fpr(&s, &m, fpr), "valid input")?;
        if !close(got, expected) {
            mldrill_pack::fail!(
                "TPR at FPR {fpr} is {got}; at most {k} of {big_n} non-members may score at or above \
                 the threshold, which lets {above} of {positives} members in: {expected}"
            );
        }
        Ok(())
    })
}

fn rejects_bad_input(imp: &dyn Privacy, _ctx: &mut Ctx) -> Result<(), Failure> {
    let (f, t) = (false, true);
    let cases: [(&[f64], &[bool], f64, PrivacyError); 6] = [
        (
            &[1.0],
            &[t, f],
            0.1,
            PrivacyError::LengthMismatch {
                scores: 1,
                members: 2,
            },
        ),
        (&[1.0, 2.0], &[t, t], 0.1, PrivacyError::OneClass),
        (&[], &[], 0.1, PrivacyError::OneClass),
        (
            &[1.0, f64::NAN],
            &[t, f],
            0.1,
            PrivacyError::NotFinite { index: 1 },
        ),
        (
            &[f64::INFINITY, 0.0],
            &[t, f],
            0.1,
            PrivacyError::NotFinite { index: 0 },
        ),
        (&[1.0, 2.0], &[t, f], 1.5, PrivacyError::InvalidFpr),
    ];
    for (scores, members, fpr, expected) in cases {
        let auc = imp.roc_auc(scores, members);
        if expected != PrivacyError::InvalidFpr && auc.as_ref().err() != Some(&expected) {
            return Err(Failure::new(format!(
                "roc_auc({scores:?}, {members:?}) gave {auc:?}, expected Err({expected:?})"
            )));
        }
        let tpr = imp.tpr_at_fpr(scores, members, fpr);
        if tpr.as_ref().err() != Some(&expected) {
            return Err(Failure::new(format!(
                "tpr_at_fpr({scores:?}, {members:?}, {fpr}) gave {tpr:?}, expected Err({expected:?})"
            )));
        }
    }
    for fpr in [-0.1, f64::NAN] {
        let tpr = imp.tpr_at_fpr(&[1.0, 2.0], &[t, f], fpr);
        if tpr != Err(PrivacyError::InvalidFpr) {
            return Err(Failure::new(format!(
                "tpr_at_fpr at FPR {fpr} gave {tpr:?}, expected Err(InvalidFpr)"
            )));
        }
    }
    Ok(())
}
