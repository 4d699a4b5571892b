//! `mldrill scorecard merge`: the panel's filled forms combined into one decision per
//! candidate: the automatic grade, each competency's ratings side by side, where the
//! interviewers disagree, the evidence they wrote, their recommendations and notes.

use std::fmt::Write as _;

use super::form::{Filled, Recommendation};

/// Whether ratings disagree enough to discuss: two or more apart, or on both sides of the
/// line between 2 (below the bar) and 3 (at or above it).
pub fn disagree(values: &[u8]) -> bool {
    let (Some(&low), Some(&high)) = (values.iter().min(), values.iter().max()) else {
        return false;
    };
    high - low >= 2 || (low <= 2 && high >= 3)
}

/// The panel's recommendation: unanimous on one side of yes/no, or split.
pub fn verdict(recommendations: &[Recommendation]) -> String {
    let yes = recommendations
        .iter()
        .filter(|r| **r >= Recommendation::Yes)
        .count();
    match (yes, recommendations.len()) {
        (y, n) if y == n => "the panel leans yes (every interviewer recommends yes)".to_owned(),
        (0, _) => "the panel leans no (every interviewer recommends no)".to_owned(),
        (y, n) => format!(
            "split ({y} of {n} recommend yes): discuss the disagreements below before deciding"
        ),
    }
}

fn escape(text: &str) -> String {
    text.replace('|', "\\|")
}

/// Groups forms by candidate, in the order they were given, and checks that no
/// interviewer appears twice for one candidate.
pub fn group(forms: Vec<Filled>) -> Result<Vec<Vec<Filled>>, String> {
    let mut groups: Vec<Vec<Filled>> = Vec::new();
    for form in forms {
        match groups.iter_mut().find(|g| g[0].candidate == form.candidate) {
            Some(group) => {
                if let Some(other) = group.iter().find(|f| f.interviewer == form.interviewer) {
                    return Err(format!(
                        "{} and {} are both filled by {} for {}; each interviewer fills their own copy",
                        other.path.display(),
                        form.path.display(),
                        form.interviewer,
                        form.candidate
                    ));
                }
                group.push(form);
            }
            None => groups.push(vec![form]),
        }
    }
    Ok(groups)
}

/// The decision for one candidate's forms, as Markdown.
pub fn render(forms: &[Filled]) -> String {
    let mut md = summary(forms);
    let competencies = competencies(forms);
    let disagreements = side_by_side(&mut md, forms, &competencies);
    evidence(&mut md, forms, &competencies, &disagreements);
    md
}

/// The grade, the interviewers, their recommendations and the panel's leaning.
fn summary(forms: &[Filled]) -> String {
    let first = &forms[0];
    let mut md = format!("# Decision: {}\n\n", first.candidate);
    let _ = writeln!(md, "- automatic grade: {}", first.grade);
    for other in forms.iter().filter(|f| f.grade != first.grade) {
        let _ = writeln!(
            md,
            "- **warning:** {} carries another automatic grade ({}); were both graded with the same seed?",
            other.path.display(),
            other.grade
        );
    }
    let _ = writeln!(
        md,
        "- interviewers: {}",
        forms
            .iter()
            .map(|f| format!("{} ({})", f.interviewer, f.path.display()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        md,
        "- recommendations: {}",
        forms
            .iter()
            .map(|f| format!("{} {}", f.interviewer, f.recommendation.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let recommendations: Vec<Recommendation> = forms.iter().map(|f| f.recommendation).collect();
    let _ = writeln!(md, "- panel: {}", verdict(&recommendations));
    md
}

/// Every rated competency, in the order the first form lists them, then any others.
fn competencies(forms: &[Filled]) -> Vec<&str> {
    let mut competencies: Vec<&str> = Vec::new();
    for form in forms {
        for rating in &form.ratings {
            if !competencies.contains(&rating.competency.as_str()) {
                competencies.push(&rating.competency);
            }
        }
    }
    competencies
}

/// `form`'s rating of `competency`, if it gave one.
fn value(form: &Filled, competency: &str) -> Option<u8> {
    form.ratings
        .iter()
        .find(|r| r.competency == competency)
        .and_then(|r| r.value)
}

/// The ratings table; returns the competencies the interviewers disagree on.
fn side_by_side<'a>(md: &mut String, forms: &[Filled], competencies: &[&'a str]) -> Vec<&'a str> {
    let _ = writeln!(
        md,
        "\n## Ratings side by side\n\n| competency | {} | mean | |\n| --- |{} --- | --- |",
        forms
            .iter()
            .map(|f| escape(&f.interviewer))
            .collect::<Vec<_>>()
            .join(" | "),
        " --- |".repeat(forms.len())
    );
    let mut disagreements = Vec::new();
    for competency in competencies {
        let values: Vec<u8> = forms.iter().filter_map(|f| value(f, competency)).collect();
        if values.is_empty() {
            continue;
        }
        let mean = values.iter().map(|v| f64::from(*v)).sum::<f64>() / values.len() as f64;
        let split = disagree(&values);
        if split {
            disagreements.push(*competency);
        }
        let _ = writeln!(
            md,
            "| `{competency}` | {} | {mean:.1} | {} |",
            forms
                .iter()
                .map(|f| value(f, competency).map_or("n/a".to_owned(), |v| v.to_string()))
                .collect::<Vec<_>>()
                .join(" | "),
            if split { "**disagree**" } else { "" }
        );
    }
    let not_assessed: Vec<&&str> = competencies
        .iter()
        .filter(|c| forms.iter().all(|f| value(f, c).is_none()))
        .collect();
    if !not_assessed.is_empty() {
        let _ = writeln!(
            md,
            "\nNot assessed by anyone: {}.",
            not_assessed
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    disagreements
}

/// Where the interviewers disagree, all the evidence, and the notes.
fn evidence(md: &mut String, forms: &[Filled], competencies: &[&str], disagreements: &[&str]) {
    let _ = writeln!(md, "\n## Where the interviewers disagree\n");
    if disagreements.is_empty() {
        let _ = writeln!(
            md,
            "Nowhere: no two ratings of a competency are 2 or more apart or on both sides of the bar (between 2 and 3)."
        );
    }
    for competency in disagreements {
        let _ = writeln!(md, "- `{competency}`:");
        for form in forms {
            if let Some(rating) = form
                .ratings
                .iter()
                .find(|r| r.competency == *competency && r.value.is_some())
            {
                let _ = writeln!(
                    md,
                    "  - {} rated {}: {}",
                    form.interviewer,
                    rating.value.unwrap_or_default(),
                    rating.evidence
                );
            }
        }
    }
    let _ = writeln!(md, "\n## Evidence\n");
    for competency in competencies {
        let rated: Vec<String> = forms
            .iter()
            .filter_map(|f| {
                f.ratings
                    .iter()
                    .find(|r| r.competency == *competency && r.value.is_some())
                    .map(|r| {
                        format!(
                            "  - {} ({}): {}",
                            f.interviewer,
                            r.value.unwrap_or_default(),
                            r.evidence
                        )
                    })
            })
            .collect();
        if !rated.is_empty() {
            let _ = writeln!(md, "- `{competency}`:\n{}", rated.join("\n"));
        }
    }
    let _ = writeln!(md, "\n## Notes");
    for form in forms {
        let notes = if form.notes.is_empty() {
            "(none)"
        } else {
            &form.notes
        };
        let _ = writeln!(md, "\n### {}\n\n{notes}", form.interviewer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_disagree_when_far_apart_or_across_the_bar() {
        assert!(!disagree(&[3, 4]));
        assert!(!disagree(&[1, 2]));
        assert!(disagree(&[2, 3]));
        assert!(disagree(&[1, 3]));
        assert!(disagree(&[4, 4, 2]));
        assert!(!disagree(&[3]));
        assert!(!disagree(&[]));
    }

    #[test]
    fn the_verdict_needs_a_unanimous_side() {
        use Recommendation::*;
        assert!(verdict(&[Yes, StrongYes]).contains("leans yes"));
        assert!(verdict(&[No, StrongNo]).contains("leans no"));
        assert!(verdict(&[Yes, No]).starts_with("split (1 of 2"));
    }
}
