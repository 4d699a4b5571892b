//! The plan for people: a kit per interviewer, for the terminal and as Markdown, each
//! with the timeline, the questions in full (areas to cover, follow-ups, what an answer at
//! the plan's level looks like), and the commands that run the hands-on part.

use std::fmt::Write as _;

use super::{BlockKind, Plan, Session, level_name, session::plural};
use crate::study::wrap;

const WIDTH: usize = 100;

fn heading(plan: &Plan) -> String {
    format!(
        "Interview plan: {} x {} minutes, {} level, seed {}",
        plural(plan.interviewers as usize, "interviewer"),
        plan.minutes,
        level_name(plan.level),
        plan.seed
    )
}

fn what(kind: &BlockKind) -> String {
    match kind {
        BlockKind::Introduction => "Introductions: who you are, the format and the time, and that the candidate's questions come at the end.".to_owned(),
        BlockKind::Reading { exercise } => format!("The candidate reads the {exercise} statement (`mldrill show {exercise}`)."),
        BlockKind::Task { exercise, task, title, points } => {
            format!("Hands-on {exercise}/{task}: {title} ({points} points).")
        }
        BlockKind::Debrief { exercises } => format!(
            "Debrief: grade the work (`mldrill grade <folder> --exercise {} --markdown scorecard.md`) and ask the 3 to 4 follow-ups the scorecard picks for the result.",
            exercises.join(" --exercise ")
        ),
        BlockKind::Question { competency, question, .. } => {
            format!("Question {} ({competency}).", question.id)
        }
        BlockKind::CandidateQuestions => "The candidate's own questions.".to_owned(),
    }
}

/// The commands that run the hands-on part.
fn commands(plan: &Plan) -> Vec<String> {
    let exercises = plan.exercises();
    if exercises.is_empty() {
        return Vec::new();
    }
    vec![
        format!(
            "mldrill screen export --exercises {} --minutes {} --out <folder>",
            exercises.join(","),
            plan.hands_on_minutes()
        ),
        "mldrill grade <folder or archive> --markdown scorecard.md   # each interviewer fills a copy; then: mldrill scorecard merge <copies> --out decision.md".to_owned(),
    ]
}

/// The plan for the terminal.
pub fn text(plan: &Plan) -> String {
    let mut out = heading(plan);
    out.push_str("\n\nHow the time is split, and why:\n");
    for reason in &plan.why {
        out.push_str(&wrap(reason, WIDTH, "  - ", "    "));
    }
    for session in &plan.sessions {
        let _ = writeln!(
            out,
            "\nInterviewer {} of {} ({} questions of substance):",
            session.interviewer,
            plan.interviewers,
            Plan::substance(session)
        );
        for block in &session.blocks {
            let time = format!(
                "{:>5}  ",
                format!("{}-{}", block.start, block.start + block.minutes)
            );
            out.push_str(&wrap(
                &what(&block.kind),
                WIDTH,
                &format!("  {time}"),
                "         ",
            ));
            if let BlockKind::Question { question, why, .. } = &block.kind {
                let indent = "         ";
                out.push_str(&wrap(&question.prompt, WIDTH, indent, indent));
                out.push_str(&wrap(
                    &format!("Why this question: {why}."),
                    WIDTH,
                    indent,
                    indent,
                ));
                let _ = writeln!(out, "{indent}Areas to cover:");
                for area in &question.areas {
                    out.push_str(&wrap(
                        area,
                        WIDTH,
                        &format!("{indent}  [ ] "),
                        &format!("{indent}      "),
                    ));
                }
                let _ = writeln!(out, "{indent}Follow-ups:");
                for follow_up in &question.follow_ups {
                    out.push_str(&wrap(
                        follow_up,
                        WIDTH,
                        &format!("{indent}  - "),
                        &format!("{indent}    "),
                    ));
                }
                out.push_str(&wrap(
                    &format!(
                        "A {} answer: {}",
                        level_name(plan.level),
                        question.signal(plan.level)
                    ),
                    WIDTH,
                    indent,
                    indent,
                ));
            }
        }
    }
    let commands = commands(plan);
    if !commands.is_empty() {
        let _ = writeln!(out, "\nHands-on part:");
        for command in commands {
            let _ = writeln!(out, "  {command}");
        }
    }
    out
}

fn markdown_session(md: &mut String, plan: &Plan, session: &Session) {
    let _ = writeln!(
        md,
        "\n## Interviewer {} of {}\n\n{} questions of substance.\n\n| minutes | what |\n| --- | --- |",
        session.interviewer,
        plan.interviewers,
        Plan::substance(session)
    );
    for block in &session.blocks {
        let _ = writeln!(
            md,
            "| {}-{} | {} |",
            block.start,
            block.start + block.minutes,
            what(&block.kind).replace('|', "\\|")
        );
    }
    for block in &session.blocks {
        if let BlockKind::Question {
            competency_title,
            question,
            why,
            ..
        } = &block.kind
        {
            let _ = writeln!(
                md,
                "\n### {}-{}: {} ({competency_title})\n\n> {}\n\nWhy this question: {why}.\n\nAreas to cover:\n",
                block.start,
                block.start + block.minutes,
                question.id,
                question.prompt
            );
            for area in &question.areas {
                let _ = writeln!(md, "- [ ] {area}");
            }
            let _ = writeln!(md, "\nFollow-ups:\n");
            for follow_up in &question.follow_ups {
                let _ = writeln!(md, "- {follow_up}");
            }
            let _ = writeln!(
                md,
                "\nA {} answer: {}",
                level_name(plan.level),
                question.signal(plan.level)
            );
        }
    }
}

/// The plan as Markdown: one section per interviewer, to hand out.
pub fn markdown(plan: &Plan) -> String {
    let mut md = format!(
        "# {}\n\n## How the time is split, and why\n\n",
        heading(plan)
    );
    for reason in &plan.why {
        let _ = writeln!(md, "- {reason}");
    }
    let commands = commands(plan);
    if !commands.is_empty() {
        let _ = writeln!(md, "\nHands-on part:\n\n```sh");
        for command in commands {
            let _ = writeln!(md, "{command}");
        }
        let _ = writeln!(md, "```");
    }
    for session in &plan.sessions {
        markdown_session(&mut md, plan, session);
    }
    md
}
