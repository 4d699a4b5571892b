//! `mldrill ngram-count` (its flags are the harness's CLI): counts the word n-grams of a file, or of standard input, in the
//! reference's count-min sketch, in the memory the user gives, and prints the estimates
//! the user asks for. It is the n-gram exercise's `stream` task on the user's own text:
//! trusted code on the user's own file, so it runs in this process, with no runner.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, bail};
use mldrill_spec::ngram::{NgramError, NgramSketch, SketchSpec};

use crate::reference::{check_sketch, for_each_token, stream};

/// What `mldrill ngram-count` was asked, flag by flag.
#[derive(Debug, Clone)]
pub struct CountArgs {
    /// The file to count; `-` is standard input.
    pub input: PathBuf,
    /// `--n`: the order of the n-grams counted.
    pub n: u32,
    /// `--epsilon`.
    pub epsilon: f64,
    /// `--delta`.
    pub delta: f64,
    /// `--memory-budget`, in bytes.
    pub memory_budget: usize,
    /// `--seed`.
    pub seed: u64,
    /// `--lossy`.
    pub lossy: bool,
    /// Every `--query`.
    pub queries: Vec<String>,
}

/// Validates the arguments, counts the input, prints the report. Every error is one line
/// that names the problem and the flag that fixes it.
pub fn run(args: &CountArgs) -> Result<ExitCode> {
    let spec = SketchSpec {
        n: args.n as usize,
        epsilon: args.epsilon,
        delta: args.delta,
        seed: args.seed,
        memory_budget: args.memory_budget,
        lossy: args.lossy,
    };
    check_sketch(&spec).or_else(|e| bail!(spec_problem(&e, &spec)))?;
    let queries = args
        .queries
        .iter()
        .map(|q| query_key(q, spec.n))
        .collect::<Result<Vec<_>>>()?;
    let stdin = args.input.as_os_str() == "-";
    let name = if stdin {
        "standard input".to_owned()
    } else {
        args.input.display().to_string()
    };
    let mut input: Box<dyn Read> = if stdin {
        Box::new(io::stdin().lock())
    } else {
        Box::new(open(&args.input)?)
    };
    let mut counted = Counted {
        inner: &mut input,
        bytes: 0,
    };
    let sketch = match stream::count_stream(&mut counted, &spec) {
        Ok(sketch) => sketch,
        Err(NgramError::InvalidUtf8 { offset }) => bail!(
            "{name} is not valid UTF-8 at byte offset {offset}; pass --lossy to replace invalid bytes"
        ),
        Err(NgramError::Io { kind }) => bail!("failed to read {name}: {kind}"),
        Err(other) => bail!(spec_problem(&other, &spec)),
    };
    print!("{}", report(&name, counted.bytes, &spec, &sketch, &queries));
    Ok(ExitCode::SUCCESS)
}

fn open(path: &Path) -> Result<File> {
    File::open(path).or_else(|e| {
        bail!(
            "cannot open {}: {e}; pass a readable file, or - for standard input",
            path.display()
        )
    })
}

/// What is wrong with the sketch the flags ask for, and which flag to change.
fn spec_problem(error: &NgramError, spec: &SketchSpec) -> String {
    match error {
        NgramError::InvalidSketch => format!(
            "--epsilon {} and --delta {} must both lie strictly between 0 and 1",
            spec.epsilon, spec.delta
        ),
        NgramError::BudgetTooSmall { needed, budget } => format!(
            "a sketch with --epsilon {} and --delta {} needs {needed} bytes of counters \
             ({} rows of {} counters), more than --memory-budget {budget}; raise \
             --memory-budget, --epsilon or --delta",
            spec.epsilon,
            spec.delta,
            spec.depth(),
            spec.width()
        ),
        other => other.to_string(),
    }
}

/// The sketch's key for a query: its tokens, as the text's are taken, joined by one
/// space, so that `"New York"` asks about `"new york"`. It must have `n` tokens.
fn query_key(query: &str, n: usize) -> Result<String> {
    let mut tokens = Vec::new();
    for_each_token(query, |t| tokens.push(t.to_owned()));
    if tokens.len() != n {
        bail!(
            "--query {query:?} has {} token(s) {tokens:?} but --n is {n}; ask about n-grams of \
             {n} token(s) (a token is a run of two or more letters, digits or _)",
            tokens.len()
        );
    }
    Ok(tokens.join(" "))
}

/// The report: what was read, the sketch's size and guarantee, and one line per query.
fn report(
    name: &str,
    bytes: u64,
    spec: &SketchSpec,
    sketch: &stream::CountMin,
    queries: &[String],
) -> String {
    let total = sketch.total();
    let mut text = format!(
        "input: {name} ({bytes} bytes)\n\
         order: {}\n\
         total: {total} n-grams\n\
         counter bytes: {} ({} rows of {} counters; --memory-budget {})\n\
         guarantee: each estimate is at least the true count, and at most {} above it \
         (epsilon x total) with probability {}\n",
        spec.n,
        sketch.counter_bytes(),
        spec.depth(),
        spec.width(),
        spec.memory_budget,
        (spec.epsilon * total as f64 * 1e4).round() / 1e4,
        1.0 - spec.delta,
    );
    for key in queries {
        text.push_str(&format!("estimate {key:?}: {}\n", sketch.estimate(key)));
    }
    text
}

/// A reader that counts the bytes it hands out.
struct Counted<'a> {
    inner: &'a mut dyn Read,
    bytes: u64,
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.bytes += read as u64;
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_tokenized_like_the_text() {
        assert_eq!(query_key("New  York!", 2).unwrap(), "new york");
        let err = query_key("a York", 2).unwrap_err().to_string();
        assert!(
            err.contains("has 1 token(s) [\"york\"] but --n is 2"),
            "{err}"
        );
    }

    #[test]
    fn a_budget_too_small_names_the_flags_that_fix_it() {
        let spec = SketchSpec {
            n: 1,
            epsilon: 0.01,
            delta: 0.01,
            seed: 0,
            memory_budget: 100,
            lossy: false,
        };
        let error = check_sketch(&spec).unwrap_err();
        let text = spec_problem(&error, &spec);
        assert!(text.contains("needs 10880 bytes"), "{text}");
        assert!(text.contains("raise --memory-budget"), "{text}");
    }
}
