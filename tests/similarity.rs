//! Copied-work detection, measured: how similar copies, renamed and reformatted copies,
//! partial copies and independent solutions of the dataloader exercise score, and that the
//! threshold in `src/similarity.rs` separates them. `cargo test --test similarity --
//! --nocapture` prints the table the README quotes.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;

use mldrill::catalog::Catalog;
use mldrill::similarity::{self, Fingerprints, Template};
use proc_macro2::{Ident, TokenStream, TokenTree};

fn repo() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap()
}

fn template() -> Template {
    let catalog = Catalog::load(&repo().join("exercises")).unwrap();
    let exercise = catalog.get("dataloader").unwrap();
    let stub = mldrill::stubs::pristine(exercise).unwrap();
    let statement = std::fs::read_to_string(exercise.statement_path()).unwrap();
    Template::new(stub.values().map(Vec::as_slice), &statement)
}

fn prints(source: &str) -> Fingerprints {
    let files = BTreeMap::from([(PathBuf::from("lib.rs"), source.as_bytes().to_vec())]);
    similarity::fingerprint(&files, &template())
}

/// The reference as a candidate would hand it in.
fn reference() -> String {
    read("exercises/dataloader/trusted/src/reference.rs").replace("Reference", "Candidate")
}

/// Every identifier renamed, and the file re-emitted from its tokens: no comment, no
/// original formatting, no original name is left.
fn renamed(source: &str) -> String {
    fn rename(stream: TokenStream, names: &mut BTreeMap<String, String>) -> TokenStream {
        stream
            .into_iter()
            .map(|tree| match tree {
                TokenTree::Ident(ident) => {
                    let name = ident.to_string();
                    let keep = [
                        "fn",
                        "let",
                        "mut",
                        "pub",
                        "use",
                        "impl",
                        "for",
                        "if",
                        "else",
                        "return",
                        "match",
                        "self",
                        "Self",
                        "struct",
                        "const",
                        "in",
                        "as",
                        "while",
                        "loop",
                        "crate",
                        "mod",
                        "where",
                        "move",
                        "ref",
                        "type",
                        "enum",
                        "trait",
                        "true",
                        "false",
                        "break",
                        "continue",
                        "dyn",
                        "static",
                        "super",
                        "derive",
                        "Debug",
                        "Default",
                        "Clone",
                        "Copy",
                        "Ok",
                        "Err",
                        "Some",
                        "None",
                        "Vec",
                        "Result",
                        "Option",
                        "usize",
                        "u64",
                        "i64",
                        "f64",
                        "bool",
                        "Tensor",
                        "Kind",
                        "DataLoader",
                        "Candidate",
                        "LoaderError",
                        "Batch",
                        "PaddedBatch",
                        "ShardSpec",
                        "mldrill_spec",
                        "dataloader",
                        "tch",
                        "rand",
                    ];
                    if keep.contains(&name.as_str()) {
                        TokenTree::Ident(ident)
                    } else {
                        let count = names.len();
                        let new = names
                            .entry(name)
                            .or_insert_with(|| format!("renamed_{count}"));
                        TokenTree::Ident(Ident::new(new, ident.span()))
                    }
                }
                TokenTree::Group(group) => {
                    let mut new =
                        proc_macro2::Group::new(group.delimiter(), rename(group.stream(), names));
                    new.set_span(group.span());
                    TokenTree::Group(new)
                }
                other => other,
            })
            .collect()
    }
    rename(TokenStream::from_str(source).unwrap(), &mut BTreeMap::new()).to_string()
}

struct Case {
    name: &'static str,
    a: String,
    b: String,
    copied: bool,
}

fn cases() -> Vec<Case> {
    let reference = reference();
    let independent = read("tests/fixtures/similarity/dataloader_independent.rs");
    let stub = read("exercises/dataloader/.stub/lib.rs");
    // Half the reference (its helpers and the first methods), then the independent
    // solution's methods: a candidate who copied part of the work.
    let cut = reference.find("    fn pad_sequences").unwrap();
    let rest = independent.find("    fn pad_sequences").unwrap();
    let partial = format!("{}{}", &reference[..cut], &independent[rest..]);
    // The reference with a method's body rewritten and comments added throughout.
    let edited = reference
        .replace("        let order: Vec<usize> = (0..n).collect();\n        Ok(chunk(&order, batch_size, drop_last))",
                 "        let mut v = Vec::new();\n        for i in 0..n { v.push(i); }\n        // my own words\n        Ok(chunk(&v, batch_size, drop_last))")
        .replace("\n\n", "\n// a comment of mine\n\n");
    vec![
        Case {
            name: "identical copy",
            a: reference.clone(),
            b: reference.clone(),
            copied: true,
        },
        Case {
            name: "renamed and reformatted copy",
            a: reference.clone(),
            b: renamed(&reference),
            copied: true,
        },
        Case {
            name: "copy with a method rewritten, comments added",
            a: reference.clone(),
            b: edited,
            copied: true,
        },
        Case {
            name: "half copied, half independent",
            a: reference.clone(),
            b: partial,
            copied: true,
        },
        Case {
            name: "independent solutions",
            a: reference.clone(),
            b: independent.clone(),
            copied: false,
        },
        Case {
            name: "independent, renamed",
            a: renamed(&reference),
            b: independent.clone(),
            copied: false,
        },
        Case {
            name: "the stub against a solution",
            a: stub.clone(),
            b: reference.clone(),
            copied: false,
        },
        Case {
            name: "two untouched stubs",
            a: stub.clone(),
            b: stub,
            copied: false,
        },
    ]
}

#[test]
fn copies_are_flagged_and_independent_solutions_are_not() {
    println!(
        "k = {}, window = {}, threshold = {}, min shared = {}",
        similarity::K,
        similarity::WINDOW,
        similarity::THRESHOLD,
        similarity::MIN_SHARED
    );
    println!("| pair | similarity | shared fingerprints | flagged |\n| --- | --- | --- | --- |");
    let mut wrong = Vec::new();
    for case in cases() {
        let comparison = similarity::compare(&prints(&case.a), &prints(&case.b));
        println!(
            "| {} | {:.2} | {} | {} |",
            case.name,
            comparison.similarity,
            comparison.shared,
            comparison.is_flagged()
        );
        if comparison.is_flagged() != case.copied {
            wrong.push(case.name);
        }
    }
    assert!(wrong.is_empty(), "misjudged: {wrong:?}");
}

#[test]
fn a_flag_names_the_matching_regions_on_both_sides() {
    let reference = reference();
    let comparison = similarity::compare(&prints(&reference), &prints(&renamed(&reference)));
    let (here, there) = &comparison.regions;
    assert!(here.iter().all(|r| r.starts_with("lib.rs:")), "{here:?}");
    // The re-emitted copy is one long line; the original spans many.
    assert!(there.iter().all(|r| r == "lib.rs:1"), "{there:?}");
    assert!(here.len() > 1, "{here:?}");
}
