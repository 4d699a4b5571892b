//! Normalised token streams of Rust sources, the alphabet copied-work detection compares:
//! identifiers and literals become one symbol each, so renaming variables, changing
//! constants, comments, formatting and blank lines change nothing; keywords, punctuation
//! and nesting stay, so the structure of the code is what is compared.

use std::str::FromStr;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// One normalised token and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// The normalised symbol: a keyword, a punctuation character, a delimiter, or the
    /// one symbol every identifier (or every literal) shares.
    pub symbol: u32,
    /// Which file of the stream (an index into the caller's file list).
    pub file: u32,
    /// 1-based line in that file.
    pub line: u32,
}

/// Rust's keywords (strict and reserved), kept as themselves; every other identifier is
/// one symbol.
const KEYWORDS: [&str; 51] = [
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

const IDENTIFIER: u32 = 1;
const LITERAL: u32 = 2;
/// Keywords are 16..; punctuation and delimiters are their character plus this offset.
const KEYWORD_BASE: u32 = 16;
const CHAR_BASE: u32 = 256;

/// The normalised tokens of `source`, tagged with `file`. A file the Rust lexer rejects
/// (unbalanced delimiters, say) is tokenised by whitespace-separated words instead, so it
/// still compares with its copies.
pub fn normalise(source: &str, file: u32) -> Vec<Token> {
    let mut tokens = Vec::new();
    match TokenStream::from_str(source) {
        Ok(stream) => push_stream(stream, file, &mut tokens),
        Err(_) => {
            for (line, text) in source.lines().enumerate() {
                for word in text.split_whitespace() {
                    tokens.push(Token {
                        symbol: word_symbol(word),
                        file,
                        line: line as u32 + 1,
                    });
                }
            }
        }
    }
    tokens
}

/// True for the bracket group of a doc comment, which the lexer turns into `#[doc = ".."]`.
fn is_doc(tree: Option<&TokenTree>) -> bool {
    matches!(tree, Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Bracket
        && matches!(group.stream().into_iter().next(), Some(TokenTree::Ident(i)) if i == "doc"))
}

fn push_stream(stream: TokenStream, file: u32, tokens: &mut Vec<Token>) {
    let trees: Vec<TokenTree> = stream.into_iter().collect();
    let mut index = 0;
    while index < trees.len() {
        let tree = trees[index].clone();
        index += 1;
        // Doc comments are comments: `#` `[doc = ..]`, or `#` `!` `[doc = ..]`.
        if let TokenTree::Punct(punct) = &tree
            && punct.as_char() == '#'
        {
            let inner = matches!(trees.get(index), Some(TokenTree::Punct(p)) if p.as_char() == '!');
            let group = index + usize::from(inner);
            if is_doc(trees.get(group)) {
                index = group + 1;
                continue;
            }
        }
        let line = tree.span().start().line as u32;
        let mut push = |symbol| tokens.push(Token { symbol, file, line });
        match tree {
            TokenTree::Ident(ident) => push(word_symbol(&ident.to_string())),
            TokenTree::Literal(_) => push(LITERAL),
            TokenTree::Punct(punct) => push(CHAR_BASE + punct.as_char() as u32),
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => (Some('('), Some(')')),
                    Delimiter::Brace => (Some('{'), Some('}')),
                    Delimiter::Bracket => (Some('['), Some(']')),
                    Delimiter::None => (None, None),
                };
                if let Some(open) = open {
                    push(CHAR_BASE + open as u32);
                }
                push_stream(group.stream(), file, tokens);
                if let Some(close) = close {
                    let line = group.span_close().start().line as u32;
                    tokens.push(Token {
                        symbol: CHAR_BASE + close as u32,
                        file,
                        line,
                    });
                }
            }
        }
    }
}

fn word_symbol(word: &str) -> u32 {
    let word = word.strip_prefix("r#").unwrap_or(word);
    KEYWORDS
        .iter()
        .position(|k| *k == word)
        .map_or(IDENTIFIER, |i| KEYWORD_BASE + i as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn symbols(source: &str) -> Vec<u32> {
        normalise(source, 0).iter().map(|t| t.symbol).collect()
    }

    #[test]
    fn renaming_reformatting_and_comments_change_nothing() {
        let original = "fn total(xs: &[u64]) -> u64 { xs.iter().sum() }";
        let renamed = "//! Mine.\n/// Sums them.\nfn  add_up(values: &[u64])\n  -> u64 {\n  values.iter().sum() // all\n}";
        assert_eq!(symbols(original), symbols(renamed));
        assert_eq!(symbols("let x = 3;"), symbols("let y = 4;"));
    }

    #[test]
    fn structure_and_keywords_still_count() {
        assert_ne!(symbols("for x in y {}"), symbols("while x {}"));
        assert_ne!(symbols("a + b"), symbols("a - b"));
        assert_ne!(symbols("f(x)"), symbols("f[x]"));
    }

    #[test]
    fn tokens_carry_their_lines() {
        let lines: Vec<u32> = normalise("fn f() {\n    1\n}", 7)
            .iter()
            .map(|t| t.line)
            .collect();
        assert_eq!(lines, vec![1, 1, 1, 1, 1, 2, 3]);
    }

    #[test]
    fn a_file_the_lexer_rejects_is_still_tokenised() {
        assert_eq!(symbols("fn f( {").len(), 3);
    }
}
