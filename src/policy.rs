//! Static checks on candidate source before it is built: constructs that could reach
//! outside the sandbox, read the hidden suites or the reference, or run code at build
//! time are rejected with the file, line and a reason.
//!
//! The scan runs over every token of the file, macro bodies included, since a
//! `macro_rules!` can hide an `include!` that only appears after expansion; syn then
//! checks that the file parses at all.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// One rejected construct.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    pub file: PathBuf,
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.reason)
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
/// Attributes that change where code comes from or how it links.
const BANNED_ATTRIBUTES: [&str; 9] = [
    "path",
    "proc_macro",
    "proc_macro_derive",
    "proc_macro_attribute",
    "no_mangle",
    "export_name",
    "link_section",
    "link",
    "used",
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
    let mut found = Vec::new();
    scan(tokens.clone(), &mut |line, reason| {
        found.push(violation(line, reason))
    });
    if found.is_empty()
        && let Err(e) = syn::parse2::<syn::File>(tokens)
    {
        found.push(violation(
            e.span().start().line,
            format!("does not parse: {e}"),
        ));
    }
    found
}

fn ident(tree: Option<&TokenTree>) -> Option<String> {
    match tree {
        Some(TokenTree::Ident(i)) => Some(i.to_string()),
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

fn line_of(tree: &TokenTree) -> usize {
    tree.span().start().line
}

fn scan(tokens: TokenStream, report: &mut dyn FnMut(usize, String)) {
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
            TokenTree::Ident(name) => {
                let name = name.to_string();
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
                    m if BANNED_MACROS.contains(&m) && is_punct(next, '!') => {
                        report(line, format!("the `{m}!` macro is not allowed"))
                    }
                    "std" | "core" | "alloc" if is_std(Some(tree)) => {
                        check_std_path(&trees, i, line, report)
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

fn is_std(tree: Option<&TokenTree>) -> bool {
    matches!(ident(tree).as_deref(), Some("std" | "core" | "alloc"))
}

/// After `std`: `std::fs`, `std::*` and `std as x` are rejected.
fn check_std_path(
    trees: &[TokenTree],
    i: usize,
    line: usize,
    report: &mut dyn FnMut(usize, String),
) {
    if ident(trees.get(i + 1)).as_deref() == Some("as") {
        report(line, "renaming the standard library is not allowed".into());
    }
    if !is_path_sep(trees, i + 1) {
        return;
    }
    match trees.get(i + 3) {
        Some(TokenTree::Ident(m)) if BANNED_MODULES.contains(&m.to_string().as_str()) => {
            report(line, format!("`std::{m}` is not allowed"));
        }
        Some(TokenTree::Punct(p)) if p.as_char() == '*' => report(
            line,
            "a glob import of the standard library is not allowed".into(),
        ),
        _ => {}
    }
}

/// Inside `std::{...}`: a banned module at the top level, or `self as`.
fn check_std_group(stream: TokenStream, line: usize, report: &mut dyn FnMut(usize, String)) {
    let trees: Vec<TokenTree> = stream.into_iter().collect();
    let mut at_item_start = true;
    for (i, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(m)
                if at_item_start && BANNED_MODULES.contains(&m.to_string().as_str()) =>
            {
                report(line, format!("`std::{m}` is not allowed"));
            }
            TokenTree::Ident(m)
                if m == "self" && ident(trees.get(i + 1)).as_deref() == Some("as") =>
            {
                report(line, "renaming the standard library is not allowed".into());
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

fn check_attribute(stream: TokenStream, line: usize, report: &mut dyn FnMut(usize, String)) {
    if let Some(name) = ident(stream.into_iter().next().as_ref())
        && BANNED_ATTRIBUTES.contains(&name.as_str())
    {
        report(line, format!("the `#[{name}]` attribute is not allowed"));
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
            pub fn f(x: u32) -> u32 { let s = "std::process::exit"; let _ = (s, HashMap::<u8, u8>::new(), io::stdout().flush(), Ordering::Less); twice!(x) }
        "#;
        assert_eq!(reasons(source), Vec::<String>::new());
    }

    #[test]
    fn each_escape_is_named_with_its_line() {
        let cases = [
            ("fn f() { unsafe { } }", "`unsafe` is not allowed"),
            ("unsafe fn f() {}", "`unsafe` is not allowed"),
            ("#[unsafe(no_mangle)] fn f() {}", "`unsafe` is not allowed"),
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
