//! The n-gram exercise on the wire: its calls and replies, the server that answers them
//! with a candidate's [`NgramCounter`], and the judge's proxy that forwards them. A
//! stream is read from the judge while the call runs; a sketch stays in the server and
//! is queried by handle.

use std::collections::HashMap;
use std::io::Read;
use std::rc::Rc;

use mldrill_spec::ndarray::Array2;
use mldrill_spec::ngram::{
    CharAnalyzer, Counts, DocumentTermMatrix, NgramCounter, NgramError, NgramSketch, Overlap,
    Padding, SketchSpec,
};
use serde::{Deserialize, Serialize};

use mldrill_runner::envelope::{decode, encode};
use mldrill_runner::server::Service;
use mldrill_runner::transport::{Transport, broken, decode_reply};

#[derive(Serialize, Deserialize)]
#[serde(remote = "Padding")]
struct PaddingDef {
    left: bool,
    right: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "CharAnalyzer")]
enum CharAnalyzerDef {
    Char,
    CharWb,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "SketchSpec")]
struct SketchSpecDef {
    n: usize,
    epsilon: f64,
    delta: f64,
    seed: u64,
    memory_budget: usize,
    lossy: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Overlap")]
struct OverlapDef {
    matched: u64,
    total: u64,
}

/// An [`Overlap`] on the wire.
#[derive(Serialize, Deserialize)]
pub struct WireOverlap(#[serde(with = "OverlapDef")] pub Overlap);

mod io_kind {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(kind: &std::io::ErrorKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&mldrill_runner::envelope::kind_name(*kind))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<std::io::ErrorKind, D::Error> {
        Ok(mldrill_runner::envelope::kind_from_name(
            &String::deserialize(d)?,
        ))
    }
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "NgramError")]
enum NgramErrorDef {
    InvalidRange {
        min_n: usize,
        max_n: usize,
    },
    InvalidUtf8 {
        offset: u64,
    },
    Io {
        #[serde(with = "io_kind")]
        kind: std::io::ErrorKind,
    },
    InvalidSketch,
    BudgetTooSmall {
        needed: usize,
        budget: usize,
    },
}

/// Documents sent with the call, or stored by [`Call::Store`] earlier (a benchmark's).
#[derive(Debug, Serialize, Deserialize)]
pub enum Documents {
    Inline(Vec<String>),
    Stored(u32),
}

/// One call of [`NgramCounter`] or of a sketch it returned, or storing documents.
#[derive(Serialize, Deserialize)]
pub enum Call {
    Tokenize {
        document: String,
    },
    WordNgrams {
        documents: Documents,
        min_n: usize,
        max_n: usize,
    },
    PaddedNgrams {
        sentences: Vec<String>,
        n: usize,
        #[serde(with = "PaddingDef")]
        padding: Padding,
    },
    CharNgrams {
        documents: Vec<String>,
        #[serde(with = "CharAnalyzerDef")]
        analyzer: CharAnalyzer,
        min_n: usize,
        max_n: usize,
    },
    TopK {
        documents: Vec<String>,
        n: usize,
        k: usize,
    },
    DocumentTermMatrix {
        documents: Vec<String>,
        min_n: usize,
        max_n: usize,
    },
    /// Reads the judge's stream while it runs.
    CountStream {
        #[serde(with = "SketchSpecDef")]
        spec: SketchSpec,
    },
    Estimate {
        sketch: u32,
        ngram: String,
    },
    Total {
        sketch: u32,
    },
    CounterBytes {
        sketch: u32,
    },
    DropSketch {
        sketch: u32,
    },
    Contamination {
        train: Vec<String>,
        tests: Vec<String>,
        n: usize,
    },
    Store {
        handle: u32,
        documents: Vec<String>,
    },
}

/// The answer to one [`Call`].
#[derive(Serialize, Deserialize)]
pub enum Reply {
    Tokens(Vec<String>),
    Counts(Counts),
    Ranked(Vec<(String, u64)>),
    Matrix {
        vocabulary: Vec<String>,
        rows: usize,
        cols: usize,
        counts: Vec<u32>,
    },
    Sketch(u32),
    Number(u64),
    Overlaps(Vec<WireOverlap>),
    Done,
    Error(#[serde(with = "NgramErrorDef")] NgramError),
}

/// Encodes a call for [`Transport::call`] or a benchmark's batch.
pub fn encode_call(call: &Call) -> Vec<u8> {
    encode(call)
}

/// Decodes a reply (a benchmark checks each one).
pub fn decode_reply_bytes(bytes: &[u8]) -> Result<Reply, String> {
    decode(bytes)
}

/// Answers calls with an implementation. Not generic: the server's code is compiled once,
/// here, and a candidate's runner only links it, so that rebuilding the runner after an
/// edit compiles the candidate's crate and nothing else.
pub struct Server {
    imp: Box<dyn NgramCounter>,
    stored: HashMap<u32, Vec<String>>,
    sketches: HashMap<u32, Box<dyn NgramSketch>>,
    next_sketch: u32,
}

impl Server {
    pub fn new(imp: impl NgramCounter + 'static) -> Self {
        Self {
            imp: Box::new(imp),
            stored: HashMap::new(),
            sketches: HashMap::new(),
            next_sketch: 0,
        }
    }

    fn sketch(&self, handle: u32) -> Result<&dyn NgramSketch, String> {
        self.sketches
            .get(&handle)
            .map(|s| s.as_ref())
            .ok_or_else(|| format!("no sketch {handle}"))
    }
}

fn strs(documents: &[String]) -> Vec<&str> {
    documents.iter().map(String::as_str).collect()
}

fn out<T>(result: Result<T, NgramError>, ok: impl FnOnce(T) -> Reply) -> Reply {
    result.map_or_else(Reply::Error, ok)
}

impl Service for Server {
    fn exercise(&self) -> &'static str {
        "ngram"
    }

    fn call(&mut self, call: &[u8], input: &mut dyn Read) -> Result<Vec<u8>, String> {
        let imp = self.imp.as_ref();
        let reply = match decode::<Call>(call)? {
            Call::Tokenize { document } => Reply::Tokens(imp.tokenize(&document)),
            Call::WordNgrams {
                documents,
                min_n,
                max_n,
            } => {
                let result = match &documents {
                    Documents::Inline(docs) => imp.word_ngrams(&strs(docs), min_n, max_n),
                    Documents::Stored(h) => {
                        let docs = self.stored.get(h).ok_or("no documents stored")?;
                        imp.word_ngrams(&strs(docs), min_n, max_n)
                    }
                };
                out(result, Reply::Counts)
            }
            Call::PaddedNgrams {
                sentences,
                n,
                padding,
            } => out(
                imp.padded_ngrams(&strs(&sentences), n, padding),
                Reply::Counts,
            ),
            Call::CharNgrams {
                documents,
                analyzer,
                min_n,
                max_n,
            } => out(
                imp.char_ngrams(&strs(&documents), analyzer, min_n, max_n),
                Reply::Counts,
            ),
            Call::TopK { documents, n, k } => {
                out(imp.top_k(&strs(&documents), n, k), Reply::Ranked)
            }
            Call::DocumentTermMatrix {
                documents,
                min_n,
                max_n,
            } => out(
                imp.document_term_matrix(&strs(&documents), min_n, max_n),
                |m| {
                    let (rows, cols) = m.counts.dim();
                    Reply::Matrix {
                        vocabulary: m.vocabulary,
                        rows,
                        cols,
                        counts: m.counts.iter().copied().collect(),
                    }
                },
            ),
            Call::CountStream { spec } => match imp.count_stream(input, &spec) {
                Ok(sketch) => {
                    let handle = self.next_sketch;
                    self.next_sketch += 1;
                    self.sketches.insert(handle, sketch);
                    Reply::Sketch(handle)
                }
                Err(e) => Reply::Error(e),
            },
            Call::Estimate { sketch, ngram } => {
                Reply::Number(self.sketch(sketch)?.estimate(&ngram))
            }
            Call::Total { sketch } => Reply::Number(self.sketch(sketch)?.total()),
            Call::CounterBytes { sketch } => {
                Reply::Number(self.sketch(sketch)?.counter_bytes() as u64)
            }
            Call::DropSketch { sketch } => {
                self.sketches.remove(&sketch);
                Reply::Done
            }
            Call::Contamination { train, tests, n } => {
                out(imp.contamination(&strs(&train), &strs(&tests), n), |o| {
                    Reply::Overlaps(o.into_iter().map(WireOverlap).collect())
                })
            }
            Call::Store { handle, documents } => {
                self.stored.insert(handle, documents);
                Reply::Done
            }
        };
        Ok(encode(&reply))
    }
}

/// The judge's proxy: an [`NgramCounter`] whose every method is a call to the server.
pub struct Remote {
    transport: Rc<dyn Transport>,
}

impl Remote {
    pub fn new(transport: Rc<dyn Transport>) -> Self {
        Self { transport }
    }

    fn ask(&self, call: Call) -> Reply {
        decode_reply(&self.transport.call(encode(&call)))
    }
}

fn owned(documents: &[&str]) -> Vec<String> {
    documents.iter().map(|d| (*d).to_owned()).collect()
}

fn counts(reply: Reply) -> Result<Counts, NgramError> {
    match reply {
        Reply::Counts(c) => Ok(c),
        Reply::Error(e) => Err(e),
        _ => broken("not n-gram counts"),
    }
}

impl NgramCounter for Remote {
    fn tokenize(&self, document: &str) -> Vec<String> {
        match self.ask(Call::Tokenize {
            document: document.to_owned(),
        }) {
            Reply::Tokens(t) => t,
            _ => broken("not tokens"),
        }
    }

    fn word_ngrams(
        &self,
        documents: &[&str],
        min_n: usize,
        max_n: usize,
    ) -> Result<Counts, NgramError> {
        counts(self.ask(Call::WordNgrams {
            documents: Documents::Inline(owned(documents)),
            min_n,
            max_n,
        }))
    }

    fn padded_ngrams(
        &self,
        sentences: &[&str],
        n: usize,
        padding: Padding,
    ) -> Result<Counts, NgramError> {
        counts(self.ask(Call::PaddedNgrams {
            sentences: owned(sentences),
            n,
            padding,
        }))
    }

    fn char_ngrams(
        &self,
        documents: &[&str],
        analyzer: CharAnalyzer,
        min_n: usize,
        max_n: usize,
    ) -> Result<Counts, NgramError> {
        counts(self.ask(Call::CharNgrams {
            documents: owned(documents),
            analyzer,
            min_n,
            max_n,
        }))
    }

    fn top_k(
        &self,
        documents: &[&str],
        n: usize,
        k: usize,
    ) -> Result<Vec<(String, u64)>, NgramError> {
        match self.ask(Call::TopK {
            documents: owned(documents),
            n,
            k,
        }) {
            Reply::Ranked(r) => Ok(r),
            Reply::Error(e) => Err(e),
            _ => broken("not a ranking"),
        }
    }

    fn document_term_matrix(
        &self,
        documents: &[&str],
        min_n: usize,
        max_n: usize,
    ) -> Result<DocumentTermMatrix, NgramError> {
        match self.ask(Call::DocumentTermMatrix {
            documents: owned(documents),
            min_n,
            max_n,
        }) {
            Reply::Matrix {
                vocabulary,
                rows,
                cols,
                counts,
            } => Ok(DocumentTermMatrix {
                vocabulary,
                counts: Array2::from_shape_vec((rows, cols), counts).unwrap_or_else(|e| broken(e)),
            }),
            Reply::Error(e) => Err(e),
            _ => broken("not a document-term matrix"),
        }
    }

    fn count_stream(
        &self,
        corpus: &mut dyn Read,
        spec: &SketchSpec,
    ) -> Result<Box<dyn NgramSketch>, NgramError> {
        let reply = self
            .transport
            .call_reading(encode(&Call::CountStream { spec: *spec }), corpus);
        match decode_reply(&reply) {
            Reply::Sketch(handle) => Ok(Box::new(RemoteSketch {
                transport: Rc::clone(&self.transport),
                handle,
            })),
            Reply::Error(e) => Err(e),
            _ => broken("not a sketch"),
        }
    }

    fn contamination(
        &self,
        train: &[&str],
        tests: &[&str],
        n: usize,
    ) -> Result<Vec<Overlap>, NgramError> {
        match self.ask(Call::Contamination {
            train: owned(train),
            tests: owned(tests),
            n,
        }) {
            Reply::Overlaps(o) => Ok(o.into_iter().map(|w| w.0).collect()),
            Reply::Error(e) => Err(e),
            _ => broken("not overlaps"),
        }
    }
}

/// A sketch that lives in the server, queried by handle.
struct RemoteSketch {
    transport: Rc<dyn Transport>,
    handle: u32,
}

impl RemoteSketch {
    fn number(&self, call: Call) -> u64 {
        match decode_reply(&self.transport.call(encode(&call))) {
            Reply::Number(n) => n,
            _ => broken("not a number"),
        }
    }
}

impl NgramSketch for RemoteSketch {
    fn estimate(&self, ngram: &str) -> u64 {
        self.number(Call::Estimate {
            sketch: self.handle,
            ngram: ngram.to_owned(),
        })
    }

    fn total(&self) -> u64 {
        self.number(Call::Total {
            sketch: self.handle,
        })
    }

    fn counter_bytes(&self) -> usize {
        usize::try_from(self.number(Call::CounterBytes {
            sketch: self.handle,
        }))
        .unwrap_or(usize::MAX)
    }
}

impl Drop for RemoteSketch {
    fn drop(&mut self) {
        let _ = self.transport.call_quietly(encode(&Call::DropSketch {
            sketch: self.handle,
        }));
    }
}
