//! Drawing the panel's behavioural questions from the bank: pinned competencies first,
//! then, in a session with a hands-on part, a question that probes the same skill, then
//! the competencies the panel has covered least. No question is drawn twice and no
//! competency twice in one session. The seed decides among equals, so the same seed gives
//! the same questions.

use std::collections::{BTreeMap, BTreeSet};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::Request;
use super::session::{Shape, plural};
use crate::catalog::Exercise;
use crate::questions::{Bank, Competency, Question};

/// A drawn question: its competency, the question, and why it was chosen.
pub type Drawn<'b> = (&'b Competency, &'b Question, String);

/// Draws each session's questions, as many as its shape has room for.
pub fn draw<'b>(
    bank: &'b Bank,
    shapes: &[Shape],
    exercises: &[Vec<&Exercise>],
    request: &Request<'b>,
) -> Result<Vec<Vec<Drawn<'b>>>, String> {
    // Slots go round the panel, so pinned competencies spread over interviewers.
    let most = shapes.iter().map(|s| s.questions.len()).max().unwrap_or(0);
    let slots: Vec<usize> = (0..most)
        .flat_map(|round| (0..shapes.len()).filter(move |&s| round < shapes[s].questions.len()))
        .collect();
    if request.competencies.len() > slots.len() {
        return Err(format!(
            "--competency is given {} times, but the panel has room for {}; pin fewer, or pass more --interviewers or --minutes",
            request.competencies.len(),
            plural(slots.len(), "question")
        ));
    }
    let mut rng = StdRng::seed_from_u64(request.seed);
    let mut pinned = request.competencies.iter();
    let mut drawn: Vec<Vec<Drawn>> = vec![Vec::new(); shapes.len()];
    let mut used: BTreeSet<&str> = BTreeSet::new();
    let mut covered: BTreeMap<&str, usize> = BTreeMap::new();
    let mut probed = vec![false; shapes.len()];
    for s in slots {
        let in_session: BTreeSet<&str> = drawn[s].iter().map(|(c, _, _)| c.id.as_str()).collect();
        let open = |c: &Competency, q: &Question| {
            !used.contains(q.id.as_str()) && !in_session.contains(c.id.as_str())
        };
        let choice = if let Some(competency) = pinned.next() {
            let candidates: Vec<Drawn> = competency
                .questions
                .iter()
                .filter(|q| !used.contains(q.id.as_str()))
                .map(|q| {
                    (
                        *competency,
                        q,
                        format!("pinned with --competency {}", competency.id),
                    )
                })
                .collect();
            pick(&mut rng, candidates)
        } else {
            let mut choice = None;
            if !probed[s] && !exercises[s].is_empty() {
                probed[s] = true;
                let candidates: Vec<Drawn> = bank
                    .questions()
                    .filter(|(c, q)| open(c, q))
                    .filter_map(|(c, q)| {
                        let probes: Vec<&str> = q
                            .probes
                            .iter()
                            .filter(|p| {
                                exercises[s]
                                    .iter()
                                    .any(|e| p.split('/').next() == Some(e.id.as_str()))
                            })
                            .map(String::as_str)
                            .collect();
                        (!probes.is_empty()).then(|| {
                            (
                                c,
                                q,
                                format!(
                                    "probes the same skill as the hands-on part ({})",
                                    probes.join(", ")
                                ),
                            )
                        })
                    })
                    .collect();
                choice = pick(&mut rng, least_covered(candidates, &covered));
            }
            choice.or_else(|| {
                let candidates: Vec<Drawn> = bank
                    .questions()
                    .filter(|(c, q)| open(c, q))
                    .map(|(c, q)| {
                        let why = match covered.get(c.id.as_str()) {
                            None => "drawn by the seed from a competency the panel had not covered yet",
                            Some(_) => "drawn by the seed from the competencies the panel had covered least",
                        };
                        (c, q, why.to_owned())
                    })
                    .collect();
                pick(&mut rng, least_covered(candidates, &covered))
            })
        };
        let Some(choice) = choice else {
            return Err(format!(
                "the bank has too few questions left for interviewer {}; pass fewer --interviewers or --minutes",
                s + 1
            ));
        };
        used.insert(choice.1.id.as_str());
        *covered.entry(choice.0.id.as_str()).or_default() += 1;
        drawn[s].push(choice);
    }
    Ok(drawn)
}

/// The candidates whose competency the panel has covered least.
fn least_covered<'b>(
    candidates: Vec<Drawn<'b>>,
    covered: &BTreeMap<&str, usize>,
) -> Vec<Drawn<'b>> {
    let times = |c: &Competency| covered.get(c.id.as_str()).copied().unwrap_or(0);
    let Some(least) = candidates.iter().map(|(c, _, _)| times(c)).min() else {
        return candidates;
    };
    candidates
        .into_iter()
        .filter(|(c, _, _)| times(c) == least)
        .collect()
}

fn pick<'b>(rng: &mut StdRng, mut candidates: Vec<Drawn<'b>>) -> Option<Drawn<'b>> {
    if candidates.is_empty() {
        return None;
    }
    let i = rng.random_range(0..candidates.len());
    Some(candidates.swap_remove(i))
}
