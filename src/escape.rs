//! Candidate text made inert for each report format. A submission controls its file
//! names, its panic messages and whatever its process prints; none of it may move a
//! terminal's cursor, add a heading or a grade to a scorecard, or run as a spreadsheet
//! formula. Every reporter wraps the candidate's text in the function for its format;
//! JSON needs none (serde escapes control characters) and JUnit's writer drops them.

use std::borrow::Cow;
use std::fmt::Write;

/// Characters a terminal acts on instead of showing: C0 and C1 controls, DEL, and the
/// bidirectional overrides that reorder what is shown ("Trojan Source").
fn is_hidden_control(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every character `escape` selects written as a visible `\u{..}`.
fn visible(text: &str, escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escape(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// For a terminal, keeping line breaks and tabs: an ANSI escape, a carriage return or a
/// backspace from the candidate shows as `\u{1b}`, `\u{d}`, `\u{8}`.
pub fn terminal(text: &str) -> Cow<'_, str> {
    visible(text, |c| is_hidden_control(c) && c != '\n' && c != '\t')
}

/// For one line of a terminal report (a name, an ignored entry): line breaks shown too.
pub fn terminal_line(text: &str) -> Cow<'_, str> {
    visible(text, is_hidden_control)
}

/// `text` on one line, its line breaks as spaces, other control characters visible.
fn one_line(text: &str) -> String {
    terminal_line(&text.replace("\r\n", " ").replace('\n', " ")).into_owned()
}

/// Characters that mean something to Markdown or to the HTML it may carry; a backslash
/// before any ASCII punctuation makes it literal (CommonMark 2.4).
const MARKDOWN_SPECIAL: &str = "\\`*_[]<>#|!&~";

/// For Markdown running text and table cells: one line (a line break could start a
/// heading or a list item), control characters visible, and every character that could
/// open emphasis, a link, an HTML tag or comment, or a table cell escaped.
pub fn markdown_text(text: &str) -> String {
    let one_line = one_line(text);
    let mut out = String::with_capacity(one_line.len() + 8);
    for c in one_line.chars() {
        if MARKDOWN_SPECIAL.contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// For a CSV cell: a spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab
/// or a carriage return as a formula, so such a cell gets a leading `'` (the OWASP
/// advice); control characters other than line breaks, which CSV quotes, are made visible.
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    let starts_formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let shown = visible(text, |c| is_hidden_control(c) && c != '\n');
    if starts_formula {
        Cow::Owned(format!("'{shown}"))
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_terminal_never_receives_a_control_character() {
        let hostile = "ok\x1b[2J\x1b]0;title\x07\rFAKE 110/110\x08\u{9b}31m\u{202e}txt.rs";
        let shown = terminal(hostile);
        assert!(!shown.chars().any(is_hidden_control), "{shown}");
        assert_eq!(
            shown,
            "ok\\u{1b}[2J\\u{1b}]0;title\\u{7}\\u{d}FAKE 110/110\\u{8}\\u{9b}31m\\u{202e}txt.rs"
        );
        assert_eq!(terminal("two\nlines\tand a tab"), "two\nlines\tand a tab");
        assert_eq!(terminal_line("two\nlines"), "two\\u{a}lines");
        assert!(matches!(terminal("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn markdown_text_cannot_add_a_heading_a_grade_or_a_comment() {
        let hostile = "x\n# Fake heading\n- automatic grade: **110 / 110** points\n<!-- hide";
        let shown = markdown_text(hostile);
        assert!(!shown.contains('\n'), "{shown}");
        assert!(shown.contains("\\# Fake heading"), "{shown}");
        assert!(shown.contains("\\*\\*110 / 110\\*\\*"), "{shown}");
        assert!(shown.contains("\\<\\!-- hide"), "{shown}");
        assert_eq!(
            markdown_text("a | b [l](u) `c` \\"),
            "a \\| b \\[l\\](u) \\`c\\` \\\\"
        );
        assert_eq!(markdown_text("\x1b[31m"), "\\\\u{1b}\\[31m");
    }

    #[test]
    fn csv_cells_never_start_a_formula() {
        for formula in [
            "=cmd|' /C calc'!A0",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            let cell = csv_cell(formula);
            assert!(cell.starts_with('\''), "{formula:?} -> {cell}");
        }
        assert_eq!(csv_cell("alice.zip"), "alice.zip");
        assert_eq!(csv_cell("a\x1bb\nc"), "a\\u{1b}b\nc");
        assert_eq!(csv_cell("\r=1"), "'\\u{d}=1");
    }
}
