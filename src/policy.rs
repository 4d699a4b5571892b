//! Static checks on candidate source before it is built: constructs that could reach
//! outside the sandbox, read the hidden suites or the reference, or run code at build
//! time are rejected with the file, line and a reason.
//!
//! The scan runs over every token of the file, macro bodies, macro arguments and
//! attributes included, since a `macro_rules!` can hide an `include!` that only appears
//! after expansion. Paths are read the way rustc reads them: generic arguments on any
//! segment (`std::<>::fs`), a leading `::`, and `crate::`/`self::`/`super::` before a
//! re-exported `std` name the same module. Raw identifiers (`r#include`) are read as the
//! names they stand for. Names the scan cannot see, because a macro builds them from a
//! variable (`$m!`, `std::$m`, `#[$attr]`) or from pieces in its arguments (`std $($t)*`,
//! `::fs`), are rejected too. The allowed crates (`tch`, `ndarray`, `rand`, the spec
//! crate) re-export no standard-library module.
//!
//! The policy is the friendly first line, not the wall: a file that is not valid Rust
//! gets no policy message beyond "unreadable", which waits for the compiler (whose error
//! is the one to show). What the compiler actually read is checked again after the build
//! (`crate::depinfo`).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// One rejected construct.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Violation {
    pub file: PathBuf,
    /// 1-based; 0 when the problem has no line (a file the build read).
    pub line: usize,
    pub reason: String,
    /// The file does not read as Rust tokens, so nothing in it could be checked. The
    /// compiler will refuse it too, and its error says where: show that one, and reject
    /// the file only if it builds after all.
    #[serde(skip)]
    pub unreadable: bool,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.reason)
        } else {
            write!(f, "{}:{}: {}", self.file.display(), self.line, self.reason)
        }
    }
}

/// Standard-library modules that reach the machine: files, processes, the network, the
/// environment, OS handles.
const BANNED_MODULES: [&str; 5] = ["process", "fs", "net", "env", "os"];
/// Macros that read files or the environment at compile time, or emit assembly.
const BANNED_MACROS: [&str; 8] = [
    "include",
    "include_str",
    "include_bytes",
    "env",
    "option_env",
    "asm",
    "global_asm",
    "naked_asm",
];
/// Attributes that change where code comes from, read files, or change how it links.
const BANNED_ATTRIBUTES: [&str; 15] = [
    "path",
    "proc_macro",
    "proc_macro_derive",
    "proc_macro_attribute",
    "no_mangle",
    "export_name",
    "link_section",
    "link",
    "link_name",
    "used",
    "crate_type",
    "crate_name",
    "debugger_visualizer",
    "global_allocator",
    "linkage",
];

/// Checks one source file; `file` names it in the violations.
pub fn check_source(file: &Path, bytes: &[u8]) -> Vec<Violation> {
    let violation = |line: usize, reason: String| Violation {
        file: file.to_owned(),
        line,
        reason,
        unreadable: false,
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            return vec![violation(
                line,
                format!("not valid UTF-8 (byte offset {})", e.valid_up_to()),
            )];
        }
    };
    let tokens = match TokenStream::from_str(&without_shebang(text)) {
        Ok(tokens) => tokens,
        Err(e) => {
            return vec![Violation {
                unreadable: true,
                ..violation(
                    e.span().start().line,
                    format!("not valid Rust, so the source policy could not check it ({e})"),
                )
            }];
        }
    };
    if deepest(&tokens) > DEPTH_MAX {
        return vec![violation(
            1,
            format!("brackets nested more than {DEPTH_MAX} deep are not allowed"),
        )];
    }
    let mut found: Vec<Violation> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut more = 0usize;
    scan(tokens, &mut |line, reason| {
        if seen.len() >= VIOLATIONS_MAX {
            more += 1;
        } else if seen.insert((line, reason.clone())) {
            found.push(violation(line, reason));
        }
    });
    found.sort_by_key(|v| v.line);
    if more > 0 {
        let last = found.last().map_or(1, |v| v.line);
        found.push(violation(
            last,
            format!("and {more} more constructs the policy rejects"),
        ));
    }
    found
}

/// Deepest nesting of brackets the scan descends into (it recurses once per level), and
/// most violations kept for one file.
const DEPTH_MAX: usize = 256;
const VIOLATIONS_MAX: usize = 100;

/// How deep the groups of `tokens` nest, counted without recursion (a file of a million
/// `{` must not overflow the grader's stack).
fn deepest(tokens: &TokenStream) -> usize {
    let mut deepest = 0;
    let mut pending = vec![(tokens.clone(), 0usize)];
    while let Some((stream, depth)) = pending.pop() {
        deepest = deepest.max(depth);
        if depth > DEPTH_MAX {
            break;
        }
        for tree in stream {
            if let TokenTree::Group(group) = tree {
                pending.push((group.stream(), depth + 1));
            }
        }
    }
    deepest
}

/// `text` as rustc lexes it: without a leading byte-order mark, and with a first line that
/// starts with `#!` blanked when it is a shebang (`#!/usr/bin/env ...`), not an inner
/// attribute (`#![...]`, where the next token after `#!`, past whitespace and comments,
/// is `[`). Line numbers stay the same.
fn without_shebang(text: &str) -> std::borrow::Cow<'_, str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(mut rest) = text.strip_prefix("#!") else {
        return text.into();
    };
    loop {
        rest = rest.trim_start();
        let doc = rest.starts_with("///") || rest.starts_with("//!") || rest.starts_with("/**");
        if rest.starts_with("//") && !doc {
            rest = rest.split_once('\n').map_or("", |(_, after)| after);
        } else if rest.starts_with("/*") && !doc && !rest.starts_with("/*!") {
            rest = rest[2..].split_once("*/").map_or("", |(_, after)| after);
        } else {
            break;
        }
    }
    if rest.starts_with('[') {
        return text.into();
    }
    let end = text.find('\n').unwrap_or(text.len());
    format!("{}{}", " ".repeat(end), &text[end..]).into()
}

type Report<'a> = &'a mut dyn FnMut(usize, String);

/// An identifier's name, with the `r#` of a raw identifier removed: `r#include` names
/// the same macro as `include`.
fn ident(tree: Option<&TokenTree>) -> Option<String> {
    match tree {
        Some(TokenTree::Ident(i)) => {
            let text = i.to_string();
            Some(
                text.strip_prefix("r#")
                    .map_or_else(|| text.clone(), str::to_owned),
            )
        }
        _ => None,
    }
}

fn is_punct(tree: Option<&TokenTree>, c: char) -> bool {
    matches!(tree, Some(TokenTree::Punct(p)) if p.as_char() == c)
}

/// A `!` that invokes a macro: alone, not the first half of `!=`.
fn is_bang(tree: Option<&TokenTree>) -> bool {
    matches!(tree, Some(TokenTree::Punct(p)) if p.as_char() == '!' && p.spacing() == Spacing::Alone)
}

/// The index of the next segment of a path whose segment (or leading `::`) ends just
/// before `start`, past the `::` separators and generic arguments (`<...>`, `::<...>`,
/// empty ones included) that rustc reads through; `None` when no `::` follows, so the
/// path ends there. `closes` is [`angle_closes`] of `trees`.
fn next_segment(trees: &[TokenTree], closes: &[Option<usize>], start: usize) -> Option<usize> {
    let mut j = start;
    let mut separated = false;
    loop {
        if is_path_sep(trees, j) {
            j += 2;
            separated = true;
        } else if is_punct(trees.get(j), '<') {
            j = closes[j]?;
        } else {
            return separated.then_some(j);
        }
    }
}

/// For each `<` in `trees`, the index just past the `>` that closes it (nested pairs
/// matched, the `>` of a `->` not one); `None` when none does before the statement ends
/// (a comparison). One pass, so a file of a million `std<` costs no more than its length.
fn angle_closes(trees: &[TokenTree]) -> Vec<Option<usize>> {
    let mut closes = vec![None; trees.len()];
    let mut open = Vec::new();
    for (j, tree) in trees.iter().enumerate() {
        let TokenTree::Punct(p) = tree else { continue };
        let arrow = j > 0
            && matches!(&trees[j - 1], TokenTree::Punct(q) if q.as_char() == '-' && q.spacing() == Spacing::Joint);
        match p.as_char() {
            '<' => open.push(j),
            '>' if !arrow => {
                if let Some(at) = open.pop() {
                    closes[at] = Some(j + 1);
                }
            }
            ';' => open.clear(),
            _ => {}
        }
    }
    closes
}

/// `::` at `i`: two joint colons.
fn is_path_sep(trees: &[TokenTree], i: usize) -> bool {
    matches!(trees.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ':' && p.spacing() == Spacing::Joint)
        && is_punct(trees.get(i + 1), ':')
}

/// `::` just before `i`.
fn after_path_sep(trees: &[TokenTree], i: usize) -> bool {
    i >= 2 && is_path_sep(trees, i - 2)
}

fn line_of(tree: &TokenTree) -> usize {
    tree.span().start().line
}

fn scan(tokens: TokenStream, report: Report) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let closes = angle_closes(&trees);
    for (i, tree) in trees.iter().enumerate() {
        let line = line_of(tree);
        match tree {
            TokenTree::Group(group) => {
                let after_hash = i > 0 && is_punct(trees.get(i - 1), '#')
                    || i > 1 && is_punct(trees.get(i - 1), '!') && is_punct(trees.get(i - 2), '#');
                if group.delimiter() == Delimiter::Bracket && after_hash {
                    check_attribute(group.stream(), line, report);
                }
                scan(group.stream(), report);
            }
            TokenTree::Ident(_) => {
                let name = ident(Some(tree)).unwrap_or_default();
                let next = trees.get(i + 1);
                match name.as_str() {
                    "unsafe" => report(line, "`unsafe` is not allowed".into()),
                    "extern"
                        if !matches!(ident(next).as_deref(), Some("fn"))
                            && !matches!(next, Some(TokenTree::Literal(_)) if ident(trees.get(i + 2)).as_deref() == Some("fn")) =>
                    {
                        report(
                            line,
                            "`extern` blocks and `extern crate` are not allowed".into(),
                        )
                    }
                    // `use<'a>` is precise capturing, not an import.
                    "use" if !is_punct(next, '<') => check_use(&trees[i + 1..], line, report),
                    // A macro call, not `env != x`; `std::env::var` is the module, reported
                    // as `std::env` (imports of the macro are checked in `check_use`).
                    m if BANNED_MACROS.contains(&m) && is_bang(next) => {
                        report(line, format!("the `{m}!` macro is not allowed"))
                    }
                    "std" | "core" | "alloc" => check_std_path(&trees, &closes, i, line, report),
                    _ => {}
                }
            }
            TokenTree::Punct(p) if p.as_char() == ':' && is_path_sep(&trees, i) => {
                check_global_path(&trees, &closes, i, line, report)
            }
            TokenTree::Punct(p) if p.as_char() == '$' => {
                check_metavariable(&trees, i, line, report)
            }
            _ => {}
        }
    }
}

/// A macro variable (`$x`, or a repetition `$(...)*`) used as a macro name or as part of a
/// path hides which item the expansion names, so the scan could not vet it.
fn check_metavariable(trees: &[TokenTree], i: usize, line: usize, report: Report) {
    let end = match trees.get(i + 1) {
        Some(TokenTree::Ident(name)) if name == "crate" => return,
        Some(TokenTree::Ident(_)) => i + 1,
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
            let op = |t: Option<&TokenTree>| ['*', '+', '?'].iter().any(|&c| is_punct(t, c));
            if op(trees.get(i + 2)) {
                i + 2
            } else if op(trees.get(i + 3)) {
                i + 3
            } else {
                i + 1
            }
        }
        _ => return,
    };
    if is_punct(trees.get(end + 1), '!') {
        report(
            line,
            "a macro invoked through a macro variable (`$name!`) is not allowed; name the macro"
                .into(),
        );
    } else if is_path_sep(trees, end + 1) || after_path_sep(trees, i) {
        report(line, MACRO_PATH.into());
    }
}

/// A `use` item (the tokens up to its `;`, nested groups included): importing a banned
/// macro, under any name, is rejected; `std` paths are checked where they are scanned.
fn check_use(rest: &[TokenTree], line: usize, report: Report) {
    fn visit(trees: &[TokenTree], line: usize, report: Report) -> bool {
        for tree in trees {
            match tree {
                // A `use` item holds no other `use`: stopping at one keeps the scan of a
                // file of `use use use ...` linear.
                TokenTree::Punct(p) if p.as_char() == ';' => return true,
                TokenTree::Ident(i) if i == "use" => return true,
                TokenTree::Group(g) => {
                    let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                    visit(&inner, line, report);
                }
                TokenTree::Ident(_) => {
                    if let Some(name) = ident(Some(tree))
                        && BANNED_MACROS.contains(&name.as_str())
                    {
                        // `env` is a module as well as a macro: one reason for both.
                        report(
                            line,
                            if BANNED_MODULES.contains(&name.as_str()) {
                                format!("`std::{name}` is not allowed")
                            } else {
                                format!("importing the `{name}!` macro is not allowed")
                            },
                        );
                    }
                }
                _ => {}
            }
        }
        false
    }
    visit(rest, line, report);
}

/// After `std` (or `core`, `alloc`): `std::fs`, `std::<>::fs`, `std::{fs}`, `std::*` and
/// `std as x` are rejected, and so is a path a macro completes (`std $($rest)*`, or
/// `std::` followed by nothing a path can hold).
fn check_std_path(
    trees: &[TokenTree],
    closes: &[Option<usize>],
    i: usize,
    line: usize,
    report: Report,
) {
    if ident(trees.get(i + 1)).as_deref() == Some("as") {
        report(line, "renaming the standard library is not allowed".into());
    }
    if is_punct(trees.get(i + 1), '$') {
        report(line, MACRO_PATH.into());
    }
    let Some(j) = next_segment(trees, closes, i + 1) else {
        return;
    };
    match trees.get(j) {
        Some(tree @ TokenTree::Ident(_)) => {
            let m = ident(Some(tree)).unwrap_or_default();
            // `std::env!` is the macro, reported as such.
            if BANNED_MODULES.contains(&m.as_str()) && !is_bang(trees.get(j + 1)) {
                report(line, format!("`std::{m}` is not allowed"));
            }
        }
        Some(TokenTree::Punct(p)) if p.as_char() == '*' => report(
            line,
            "a glob import of the standard library is not allowed".into(),
        ),
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
            check_std_group(g.stream(), line, report);
        }
        // `$m` is reported where it stands.
        Some(TokenTree::Punct(p)) if p.as_char() == '$' => {}
        _ => report(line, MACRO_PATH.into()),
    }
}

const MACRO_PATH: &str = "a path built from a macro variable (`$name::` or `::$name`) is not allowed; write the path out";

/// A path that starts with `::` (not the `::` inside a path): in written code it names a
/// crate, and no crate is called `fs` or `process`; a macro that glues it after a `std`
/// passed separately (`m!(std, ::fs::read(..))`) reaches the module.
fn check_global_path(
    trees: &[TokenTree],
    closes: &[Option<usize>],
    i: usize,
    line: usize,
    report: Report,
) {
    let inside_path = i > 0
        && match &trees[i - 1] {
            TokenTree::Ident(_) => true,
            TokenTree::Punct(p) => matches!(p.as_char(), '>' | ':' | '$'),
            _ => false,
        };
    if inside_path {
        return;
    }
    if let Some(j) = next_segment(trees, closes, i)
        && let Some(m) = ident(trees.get(j))
        && BANNED_MODULES.contains(&m.as_str())
    {
        report(
            line,
            format!("`::{m}` is not allowed: it is `std::{m}` once a macro puts `std` before it"),
        );
    }
}

/// Inside `std::{...}`: a banned module at the top level (or in a nested group), a glob,
/// or `self as`.
fn check_std_group(stream: TokenStream, line: usize, report: Report) {
    let trees: Vec<TokenTree> = stream.into_iter().collect();
    let mut at_item_start = true;
    for (i, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(_) => {
                let name = ident(Some(tree)).unwrap_or_default();
                if at_item_start && BANNED_MODULES.contains(&name.as_str()) {
                    report(line, format!("`std::{name}` is not allowed"));
                }
                if name == "self" && ident(trees.get(i + 1)).as_deref() == Some("as") {
                    report(line, "renaming the standard library is not allowed".into());
                }
            }
            TokenTree::Group(g) if at_item_start && g.delimiter() == Delimiter::Brace => {
                check_std_group(g.stream(), line, report);
            }
            TokenTree::Punct(p) if p.as_char() == '*' && at_item_start => {
                report(
                    line,
                    "a glob import of the standard library is not allowed".into(),
                );
            }
            _ => {}
        }
        at_item_start = is_punct(Some(tree), ',');
    }
}

/// An attribute, whole: a banned name anywhere in it (`cfg_attr` carries attributes as
/// arguments), or a macro variable in it (`#[$attr]` names an attribute the scan cannot see).
fn check_attribute(stream: TokenStream, line: usize, report: Report) {
    for tree in stream {
        match &tree {
            TokenTree::Ident(_) => {
                if let Some(name) = ident(Some(&tree))
                    && BANNED_ATTRIBUTES.contains(&name.as_str())
                {
                    report(line, format!("the `#[{name}]` attribute is not allowed"));
                }
            }
            TokenTree::Punct(p) if p.as_char() == '$' => report(
                line,
                "an attribute built from a macro variable (`#[$attr]`) is not allowed".into(),
            ),
            TokenTree::Group(g) => check_attribute(g.stream(), line, report),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons(source: &str) -> Vec<String> {
        check_source(Path::new("lib.rs"), source.as_bytes())
            .into_iter()
            .map(|v| format!("{}: {}", v.line, v.reason))
            .collect()
    }

    #[test]
    fn ordinary_code_passes() {
        let source = r#"
            //! unsafe in a comment, std::fs in a doc string: "include!(x)"
            use std::collections::HashMap;
            use std::io::{self, Write};
            use core::cmp::Ordering;
            pub extern "C" fn callable() {}
            macro_rules! twice { ($e:expr) => { $e + $e } }
            macro_rules! list { ($($x:expr),* $(,)?) => { vec![$($x),*] } }
            macro_rules! here { () => { $crate::f(1) } }
            #[derive(Debug, Clone)]
            pub struct S { path: String, env: u8 }
            #[cfg(test)]
            mod tests {}
            pub fn g(include: bool, env: u8) -> bool { if !(include) { env > 0 } else { !include } }
            pub fn f(x: u32) -> u32 { let s = "std::process::exit"; let _ = (s, HashMap::<u8, u8>::new(), io::stdout().flush(), Ordering::Less, list![1, 2], here!()); twice!(x) }
            pub fn h() -> impl Sized + use<> { let env = 1; env }
        "#;
        assert_eq!(reasons(source), Vec::<String>::new());
    }

    #[test]
    fn each_escape_is_named_with_its_line() {
        let cases = [
            ("fn f() { unsafe { } }", "`unsafe` is not allowed"),
            ("unsafe fn f() {}", "`unsafe` is not allowed"),
            (
                "const S: &str = include_str!(\"../../../src/reference/dataloader.rs\");",
                "the `include_str!` macro is not allowed",
            ),
            ("include!(\"x.rs\");", "the `include!` macro is not allowed"),
            (
                "const B: &[u8] = core::include_bytes!(\"x\");",
                "the `include_bytes!` macro is not allowed",
            ),
            (
                "macro_rules! m { () => { include!(\"x.rs\") } }",
                "the `include!` macro is not allowed",
            ),
            (
                "const H: &str = env!(\"HOME\");",
                "the `env!` macro is not allowed",
            ),
            (
                "#[path = \"../../src/suite.rs\"] mod s;",
                "the `#[path]` attribute is not allowed",
            ),
            (
                "extern \"C\" { fn system(c: *const u8) -> i32; }",
                "`extern` blocks and `extern crate` are not allowed",
            ),
            (
                "extern crate proc_macro;",
                "`extern` blocks and `extern crate` are not allowed",
            ),
            (
                "fn f() { std::process::exit(0) }",
                "`std::process` is not allowed",
            ),
            ("use std::fs::read;", "`std::fs` is not allowed"),
            ("use ::std::net::TcpStream;", "`std::net` is not allowed"),
            ("use std::{io, env};", "`std::env` is not allowed"),
            (
                "use std::os::unix::io::FromRawFd;",
                "`std::os` is not allowed",
            ),
            (
                "use std as s;",
                "renaming the standard library is not allowed",
            ),
            (
                "use std::{self as s};",
                "renaming the standard library is not allowed",
            ),
            (
                "use std::*;",
                "a glob import of the standard library is not allowed",
            ),
            (
                "#[proc_macro] pub fn m(i: u8) -> u8 { i }",
                "the `#[proc_macro]` attribute is not allowed",
            ),
            (
                "std::arch::global_asm!(\"nop\");",
                "the `global_asm!` macro is not allowed",
            ),
        ];
        for (source, expected) in cases {
            assert_eq!(reasons(source), vec![format!("1: {expected}")], "{source}");
        }
        assert_eq!(
            reasons("fn ok() {}\n\nfn f() { unsafe {} }"),
            vec!["3: `unsafe` is not allowed"]
        );
        assert_eq!(
            reasons("#[unsafe(no_mangle)] fn f() {}"),
            vec![
                "1: the `#[no_mangle]` attribute is not allowed",
                "1: `unsafe` is not allowed"
            ]
        );
    }

    /// Every form a reviewer found to slip past a scan of literal names.
    #[test]
    fn renamed_raw_and_macro_built_escapes_are_rejected() {
        let cases = [
            (
                "use std::include as inc;\nconst S: &str = inc!(\"x\");",
                "`include!` macro",
            ),
            ("use core::include_str as s;", "`include_str!` macro"),
            ("use ::core::{include_bytes};", "`include_bytes!` macro"),
            ("pub use std::{prelude::v1::{env as e}};", "`std::env`"),
            (
                "macro_rules! c { ($m:ident, $f:literal) => { $m!($f) } }\nc!(include_str, \"x\");",
                "(`$name!`)",
            ),
            (
                "macro_rules! c { ($($t:tt)*) => { $($t)*!(\"x\") } }\nc!(include);",
                "(`$name!`)",
            ),
            (
                "const S: &str = r#include_str!(\"x\");",
                "`include_str!` macro",
            ),
            (
                "macro_rules! p { ($m:ident) => { std::$m::id() } }\np!(process);",
                "a path built from a macro variable",
            ),
            (
                "macro_rules! p { ($m:ident) => { $m::process::id() } }\np!(std);",
                "a path built from a macro variable",
            ),
            ("fn f() -> u32 { r#std::process::id() }", "`std::process`"),
            ("use r#std::{r#fs};", "`std::fs`"),
            ("use std::{{process}};", "`std::process`"),
            (
                "#[cfg_attr(all(), path = \"../../../src/reference/dataloader.rs\")]\nmod r;\npub use r::Reference as Candidate;",
                "`#[path]` attribute",
            ),
            (
                "macro_rules! a { ($($t:tt)*) => { #[$($t)*] mod r; } }\na!(path = \"x.rs\");",
                "`#[$attr]`",
            ),
            (
                "#[debugger_visualizer(natvis_file = \"../../src/reference.rs\")]\nmod m {}",
                "`#[debugger_visualizer]`",
            ),
        ];
        for (source, expected) in cases {
            let found = reasons(source);
            assert!(
                found.iter().any(|r| r.contains(expected)),
                "{source}\nexpected a reason with {expected:?}, got {found:?}"
            );
        }
    }

    #[test]
    fn non_utf8_is_rejected_where_it_is() {
        let bytes = b"fn f() {}\n// \xff\xfe\n";
        let found = check_source(Path::new("lib.rs"), bytes);
        assert_eq!(found[0].line, 2);
        assert!(
            found[0].reason.contains("not valid UTF-8 (byte offset 13)"),
            "{found:?}"
        );
        assert!(!found[0].unreadable);
    }

    /// A syntax error is the compiler's to report, on its own line: the policy only marks
    /// a file it could not read at all, and says nothing about one that merely does not parse.
    #[test]
    fn invalid_rust_waits_for_the_compiler() {
        let found = check_source(Path::new("lib.rs"), b"fn f() {}\nfn g( {\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].unreadable, "{found:?}");
        assert!(found[0].reason.contains("not valid Rust"), "{found:?}");
        // Parses as tokens, not as Rust: a missing `;` (the issue's example), a bad item.
        assert_eq!(
            reasons("pub fn f() -> Result<(), String> {\n    let x = 1\n    Ok(())\n}"),
            Vec::<String>::new()
        );
        assert_eq!(reasons("fn f() -> { }"), Vec::<String>::new());
        // What the scan does see is still reported, with its line, in a file that does
        // not parse.
        assert_eq!(
            reasons("fn f() -> { }\nfn g() { std::process::exit(0) }"),
            vec!["2: `std::process` is not allowed"]
        );
    }

    #[test]
    fn generic_arguments_and_path_prefixes_do_not_hide_a_module() {
        let cases = [
            ("fn f() { let _ = std::<>::fs::read(\"x\"); }", "std::fs"),
            ("fn f() { ::std::<>::process::exit(0) }", "std::process"),
            ("fn f() -> u32 { std::<>::process::id() }", "std::process"),
            ("fn f() { let _ = std::fs::<>::read(\"x\"); }", "std::fs"),
            ("type F = std::<>::fs::File;", "std::fs"),
            ("fn f() { let _ = std<>::fs::read(\"x\"); }", "std::fs"),
            (
                "fn f() { let _ = core::<u8>::<>::env::args(); }",
                "std::env",
            ),
            (
                "fn f() -> u32 { std::<fn() -> u8>::process::id() }",
                "std::process",
            ),
            (
                "fn f() -> u32 { std::<Vec<Vec<u8>>>::process::id() }",
                "std::process",
            ),
            ("type F = <std::<>::fs::File as Default>::X;", "std::fs"),
            (
                "use std::{self};\nfn f() { let _ = self::std::fs::read(\"x\"); }",
                "std::fs",
            ),
            (
                "pub use ::std;\nfn f() { let _ = crate::std::<>::net::TcpStream::connect(\"x\"); }",
                "std::net",
            ),
            (
                "mod m { pub fn f() { let _ = super::std::os::raw::c_int::default(); } }",
                "std::os",
            ),
            (
                "fn f() { let _ = r#std::<>::r#fs::read(\"x\"); }",
                "std::fs",
            ),
        ];
        for (source, module) in cases {
            let expected = format!("`{module}` is not allowed");
            let found = reasons(source);
            assert!(
                found.iter().any(|r| r.ends_with(&expected)),
                "{source}\nexpected {expected:?}, got {found:?}"
            );
        }
    }

    /// `std` and the rest of a path passed separately to a macro that glues them.
    #[test]
    fn a_path_a_macro_glues_together_is_rejected() {
        let cases = [
            (
                "macro_rules! p { ($a:tt, $($b:tt)*) => { $a $($b)* } }\nfn f() { p!(std, ::fs::read(\"x\")); }",
                "`::fs` is not allowed",
            ),
            (
                "macro_rules! p { ($($t:tt)*) => { std $($t)* } }\nfn f() { p!(::fs::read(\"x\")); }",
                "a path built from a macro variable",
            ),
            (
                "macro_rules! p { ($($t:tt)*) => { $($t)* fs::read(\"x\") } }\nfn f() { p!(std::); }",
                "a path built from a macro variable",
            ),
            (
                "macro_rules! p { ($($t:tt)*) => { ::std::$($t)* } }\nfn f() { p!(process::exit(0)); }",
                "a path built from a macro variable",
            ),
        ];
        for (source, expected) in cases {
            let found = reasons(source);
            assert!(
                found.iter().any(|r| r.contains(expected)),
                "{source}\nexpected a reason with {expected:?}, got {found:?}"
            );
        }
    }

    #[test]
    fn a_shebang_line_is_valid_rust() {
        for source in [
            "#!/usr/bin/env run-cargo-script\nfn f() {}",
            "#!/bin/sh -c 'exec cargo'\nfn f() {}",
            "#! /usr/bin/env rust-script\n//! A script.\nfn f() {}",
            "\u{feff}#!/usr/bin/env x\nfn f() {}",
            "#![allow(dead_code)]\nfn f() {}",
            "#! // a comment first\n[allow(dead_code)]\nfn f() {}",
            "\u{feff}fn f() {}",
        ] {
            assert_eq!(reasons(source), Vec::<String>::new(), "{source:?}");
        }
        // The line numbers after it stay the same, and what follows is still checked.
        assert_eq!(
            reasons("#!/usr/bin/env x\n\nfn f() { unsafe {} }"),
            vec!["3: `unsafe` is not allowed"]
        );
        // An inner attribute is not a shebang: what it holds is checked.
        assert_eq!(
            reasons("#![path = \"x\"]\nfn f() {}"),
            vec!["1: the `#[path]` attribute is not allowed"]
        );
    }

    /// Files built to make the scan slow or deep: each is checked in work proportional to
    /// its size (the scan would otherwise be quadratic in them, or overflow the stack).
    #[test]
    fn pathological_files_are_checked_in_bounded_work() {
        let angles = "fn f() { let _ = std".to_owned() + &" < std".repeat(200_000) + "; }";
        assert_eq!(reasons(&angles), Vec::<String>::new());
        let uses = "use ".repeat(200_000);
        assert_eq!(reasons(&uses), Vec::<String>::new());
        let unsafes = "fn f() {".to_owned() + &" unsafe {}\n".repeat(100_000) + "}";
        let found = reasons(&unsafes);
        assert_eq!(found.len(), VIOLATIONS_MAX + 1);
        assert_eq!(
            found.last().unwrap(),
            "100: and 99900 more constructs the policy rejects"
        );
        let deep = "fn f() ".to_owned() + &"{".repeat(300_000) + &"}".repeat(300_000);
        assert_eq!(
            reasons(&deep),
            vec!["1: brackets nested more than 256 deep are not allowed"]
        );
    }

    /// `std::env::var` is the module, named once; `env != 0` is no macro.
    #[test]
    fn the_env_module_is_not_also_reported_as_the_env_macro() {
        assert_eq!(
            reasons("fn f() -> bool { std::env::var(\"HOME\").is_ok() }"),
            vec!["1: `std::env` is not allowed"]
        );
        assert_eq!(
            reasons("use std::env::var;"),
            vec!["1: `std::env` is not allowed"]
        );
        assert_eq!(
            reasons("fn g(env: u8, include: u8) -> bool { env != 0 && include!= 1 }"),
            Vec::<String>::new()
        );
        assert_eq!(
            reasons("const H: &str = std::env!(\"HOME\");"),
            vec!["1: the `env!` macro is not allowed"]
        );
    }
}
