//! Static checks on candidate source before it is built: constructs that could reach
//! outside the sandbox, read the hidden suites or the reference, or run code at build
//! time are rejected with the file, line and a reason.
//!
//! The scan runs over every token of the file, macro bodies, macro arguments and
//! attributes included, since a `macro_rules!` can hide an `include!` that only appears
//! after expansion; syn then checks that the file parses at all. Raw identifiers
//! (`r#include`) are read as the names they stand for. Names the scan cannot see, because
//! a macro builds them from a variable (`$m!`, `std::$m`, `#[$attr]`), are rejected too.
//! What the compiler actually read is checked again after the build (`crate::depinfo`).

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
    let tokens = match TokenStream::from_str(text) {
        Ok(tokens) => tokens,
        Err(e) => {
            return vec![violation(
                e.span().start().line,
                format!("does not tokenize: {e}"),
            )];
        }
    };
    let mut found: Vec<Violation> = Vec::new();
    scan(tokens.clone(), &mut |line, reason| {
        let v = violation(line, reason);
        if !found.contains(&v) {
            found.push(v);
        }
    });
    if found.is_empty()
        && let Err(e) = syn::parse2::<syn::File>(tokens)
    {
        found.push(violation(
            e.span().start().line,
            format!("does not parse: {e}"),
        ));
    }
    found.sort_by_key(|v| v.line);
    found
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
    for (i, tree) in trees.iter().enumerate() {
        let line = line_of(tree);
        match tree {
            TokenTree::Group(group) => {
                let after_hash = i > 0 && is_punct(trees.get(i - 1), '#')
                    || i > 1 && is_punct(trees.get(i - 1), '!') && is_punct(trees.get(i - 2), '#');
                if group.delimiter() == Delimiter::Bracket && after_hash {
                    check_attribute(group.stream(), line, report);
                }
                if i >= 3
                    && group.delimiter() == Delimiter::Brace
                    && is_path_sep(&trees, i - 2)
                    && is_std(trees.get(i - 3))
                {
                    check_std_group(group.stream(), line, report);
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
                    m if BANNED_MACROS.contains(&m)
                        && (is_punct(next, '!')
                            || is_path_sep(&trees, i + 1)
                            || after_path_sep(&trees, i)) =>
                    {
                        report(line, format!("the `{m}!` macro is not allowed"))
                    }
                    "std" | "core" | "alloc" => check_std_path(&trees, i, line, report),
                    _ => {}
                }
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
        report(
            line,
            "a path built from a macro variable (`$name::` or `::$name`) is not allowed; write the path out".into(),
        );
    }
}

/// A `use` item (the tokens up to its `;`, nested groups included): importing a banned
/// macro, under any name, is rejected; `std` paths are checked where they are scanned.
fn check_use(rest: &[TokenTree], line: usize, report: Report) {
    fn visit(trees: &[TokenTree], line: usize, report: Report) -> bool {
        for tree in trees {
            match tree {
                TokenTree::Punct(p) if p.as_char() == ';' => return true,
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

fn is_std(tree: Option<&TokenTree>) -> bool {
    matches!(ident(tree).as_deref(), Some("std" | "core" | "alloc"))
}

/// After `std`: `std::fs`, `std::*` and `std as x` are rejected.
fn check_std_path(trees: &[TokenTree], i: usize, line: usize, report: Report) {
    if ident(trees.get(i + 1)).as_deref() == Some("as") {
        report(line, "renaming the standard library is not allowed".into());
    }
    if !is_path_sep(trees, i + 1) {
        return;
    }
    match (ident(trees.get(i + 3)), trees.get(i + 3)) {
        (Some(m), _) if BANNED_MODULES.contains(&m.as_str()) => {
            report(line, format!("`std::{m}` is not allowed"));
        }
        (_, Some(TokenTree::Punct(p))) if p.as_char() == '*' => report(
            line,
            "a glob import of the standard library is not allowed".into(),
        ),
        _ => {}
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
    fn non_utf8_and_unparsable_files_are_rejected() {
        let bytes = b"fn f() {}\n// \xff\xfe\n";
        let found = check_source(Path::new("lib.rs"), bytes);
        assert_eq!(found[0].line, 2);
        assert!(
            found[0].reason.contains("not valid UTF-8 (byte offset 13)"),
            "{found:?}"
        );
        assert!(reasons("fn f( {")[0].contains("does not"), "unbalanced");
        assert!(reasons("fn f() -> { }")[0].contains("does not parse"));
    }
}
