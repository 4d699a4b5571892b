//! An exercise's statement and stub as a screen exports them: the self-study instructions
//! (run `mldrill check`, ask `mldrill hint`, watch `mldrill backdoor`) name commands the
//! candidate's workspace does not have, so they give way to the one it does, `make test`.

/// What replaces the statement's `mldrill check` bullet.
const MAKE_TEST: &str = "- Run `make test` to check your code against the visible properties \
(the ones that need no reference solution). A failing property prints a minimal \
counterexample. Grading also runs hidden properties that compare your results with a \
reference, and times your code against it.";

/// `statement` with every bullet that names an `mldrill` command replaced (the `check`
/// one by [`MAKE_TEST`]) or dropped, and every other sentence naming one dropped.
pub fn for_screen(statement: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for block in blocks(statement) {
        let mentions = block.contains("`mldrill ");
        if !mentions {
            out.push(block);
        } else if block.starts_with("- ") {
            if block.contains("`mldrill check") {
                out.push(MAKE_TEST.to_owned());
            }
        } else {
            let kept = without_sentences_naming_mldrill(&block);
            if !kept.trim().is_empty() {
                out.push(kept);
            }
        }
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// A stub source file with every `` `mldrill check ...` `` in its comments replaced by
/// `` `make test` ``, the command the candidate has; the code is left as it is.
pub fn stub_for_screen(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(start) = rest.find("`mldrill check") {
        let Some(len) = rest[start + 1..].find('`') else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push_str("`make test`");
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

/// Splits markdown into blocks: each bullet (with its continuation lines), each other
/// paragraph line run, and each blank line, so that joining them with newlines gives the
/// text back.
fn blocks(text: &str) -> Vec<String> {
    let mut blocks: Vec<String> = Vec::new();
    let mut open = false; // the last block can take continuation lines
    for line in text.lines() {
        let continues =
            open && !line.trim().is_empty() && !line.starts_with("- ") && !line.starts_with('#');
        if continues {
            let last = blocks.last_mut().expect("open implies a block");
            last.push('\n');
            last.push_str(line);
        } else {
            blocks.push(line.to_owned());
            open = !line.trim().is_empty() && !line.starts_with('#') && !line.starts_with("```");
        }
    }
    blocks
}

/// A paragraph without its sentences that name an `mldrill` command, re-wrapped as one line.
fn without_sentences_naming_mldrill(paragraph: &str) -> String {
    let flat = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut kept = Vec::new();
    let mut sentence = String::new();
    for word in flat.split(' ') {
        if !sentence.is_empty() {
            sentence.push(' ');
        }
        sentence.push_str(word);
        if word.ends_with('.') || word.ends_with('!') || word.ends_with('?') {
            if !sentence.contains("`mldrill ") {
                kept.push(std::mem::take(&mut sentence));
            }
            sentence.clear();
        }
    }
    if !sentence.is_empty() && !sentence.contains("`mldrill ") {
        kept.push(sentence);
    }
    kept.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_study_commands_give_way_to_make_test() {
        let statement = "# Title\n\nIntro.\n\n## How to work\n\n- Implement the trait in\n  `src/lib.rs`.\n\
                         - Run `mldrill check poison` to grade your code. Every task earns\n  points.\n\
                         - Run `mldrill hint poison --task <id>` for hints.\n\
                         - Run `mldrill backdoor` to see it. It\n  shows numbers.\n- Never panic.\n\n\
                         You pass when you pass. `mldrill backdoor` prints these\nnumbers. Really.\n";
        let text = for_screen(statement);
        assert!(!text.contains("mldrill "), "{text}");
        assert!(
            text.contains("- Run `make test` to check your code"),
            "{text}"
        );
        assert!(
            text.contains("- Implement the trait in\n  `src/lib.rs`.\n- Run `make test`"),
            "{text}"
        );
        assert!(
            text.contains("reference, and times your code against it.\n- Never panic.\n"),
            "{text}"
        );
        assert!(text.contains("You pass when you pass. Really.\n"), "{text}");
        assert!(
            text.starts_with("# Title\n\nIntro.\n\n## How to work\n\n"),
            "{text}"
        );
    }

    #[test]
    fn every_stub_names_make_test_instead_of_mldrill_check() {
        let exercises = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises");
        for entry in std::fs::read_dir(exercises).unwrap().flatten() {
            let Ok(stub) = std::fs::read_to_string(entry.path().join("src/lib.rs")) else {
                continue;
            };
            let id = entry.file_name().into_string().unwrap();
            let text = stub_for_screen(&stub);
            assert!(!text.contains("`mldrill "), "{id}:\n{text}");
            if stub.contains("`mldrill check") {
                assert!(text.contains("`make test`"), "{id}");
            }
            let code = |t: &str| -> Vec<String> {
                t.lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .map(str::to_owned)
                    .collect()
            };
            assert_eq!(code(&text), code(&stub), "{id}: only comments change");
        }
    }

    #[test]
    fn every_exercise_statement_is_rewritten() {
        let exercises = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises");
        for entry in std::fs::read_dir(exercises).unwrap().flatten() {
            let Ok(statement) = std::fs::read_to_string(entry.path().join("README.md")) else {
                continue;
            };
            let text = for_screen(&statement);
            assert!(
                !text.contains("`mldrill "),
                "{}:\n{text}",
                entry.path().display()
            );
            assert!(text.contains("`make test`"), "{}", entry.path().display());
            assert!(
                text.len() * 10 > statement.len() * 9,
                "little else is dropped"
            );
        }
    }
}
