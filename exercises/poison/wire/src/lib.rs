//! The poison exercise on the wire: its calls and replies, the server that answers them
//! with a candidate's [`PoisonDetector`], and the judge's proxy that forwards them.

use std::collections::HashMap;
use std::io::Read;
use std::rc::Rc;

use mldrill_spec::ndarray::{Array1, Array2, ArrayView2};
use mldrill_spec::poison::{PoisonDetector, PoisonError};
use serde::{Deserialize, Serialize};

use mldrill_runner::envelope::{decode, encode};
use mldrill_runner::server::Service;
use mldrill_runner::transport::{Transport, broken, decode_reply};
use mldrill_runner::wire::WireMatrix;

#[derive(Serialize, Deserialize)]
#[serde(remote = "PoisonError")]
enum PoisonErrorDef {
    ShapeMismatch {
        rows: usize,
        labels: usize,
    },
    NotFinite {
        row: usize,
        column: usize,
    },
    InvalidFraction,
    UnknownLabel {
        row: usize,
        label: usize,
        classes: usize,
    },
    NotAProbability {
        row: usize,
    },
}

/// Representations and labels sent with the call, or stored by [`Call::Store`] earlier
/// (a benchmark's dataset, sent once).
#[derive(Debug, Serialize, Deserialize)]
pub enum Data {
    Inline {
        representations: WireMatrix,
        labels: Vec<usize>,
    },
    Stored(u32),
}

/// One call of [`PoisonDetector`], or storing a dataset for later calls.
#[derive(Serialize, Deserialize)]
pub enum Call {
    SpectralScores {
        representations: WireMatrix,
    },
    Detect {
        data: Data,
        eps: f64,
    },
    LabelIssues {
        labels: Vec<usize>,
        pred_probs: WireMatrix,
    },
    DetectRobust {
        data: Data,
        eps: f64,
    },
    Store {
        handle: u32,
        representations: WireMatrix,
        labels: Vec<usize>,
    },
}

/// The answer to one [`Call`].
#[derive(Serialize, Deserialize)]
pub enum Reply {
    Scores(Vec<f64>),
    Indices(Vec<usize>),
    Stored,
    Error(#[serde(with = "PoisonErrorDef")] PoisonError),
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
    imp: Box<dyn PoisonDetector>,
    stored: HashMap<u32, (Array2<f32>, Vec<usize>)>,
}

impl Server {
    pub fn new(imp: impl PoisonDetector + 'static) -> Self {
        Self {
            imp: Box::new(imp),
            stored: HashMap::new(),
        }
    }

    fn with_data<R>(
        &self,
        data: Data,
        f: impl FnOnce(ArrayView2<f32>, &[usize]) -> R,
    ) -> Result<R, String> {
        match data {
            Data::Inline {
                representations,
                labels,
            } => Ok(f(representations.to_array::<f32>()?.view(), &labels)),
            Data::Stored(h) => {
                let (x, labels) = self.stored.get(&h).ok_or("no dataset stored")?;
                Ok(f(x.view(), labels))
            }
        }
    }
}

fn out<T>(result: Result<T, PoisonError>, ok: impl FnOnce(T) -> Reply) -> Reply {
    result.map_or_else(Reply::Error, ok)
}

impl Service for Server {
    fn exercise(&self) -> &'static str {
        "poison"
    }

    fn call(&mut self, call: &[u8], _input: &mut dyn Read) -> Result<Vec<u8>, String> {
        let imp = self.imp.as_ref();
        let reply = match decode::<Call>(call)? {
            Call::SpectralScores { representations } => {
                let x = representations.to_array::<f32>()?;
                out(imp.spectral_scores(x.view()), |s| Reply::Scores(s.to_vec()))
            }
            Call::Detect { data, eps } => out(
                self.with_data(data, |x, l| imp.detect(x, l, eps))?,
                Reply::Indices,
            ),
            Call::LabelIssues { labels, pred_probs } => {
                let p = pred_probs.to_array::<f64>()?;
                out(imp.label_issues(&labels, p.view()), Reply::Indices)
            }
            Call::DetectRobust { data, eps } => out(
                self.with_data(data, |x, l| imp.detect_robust(x, l, eps))?,
                Reply::Indices,
            ),
            Call::Store {
                handle,
                representations,
                labels,
            } => {
                self.stored
                    .insert(handle, (representations.to_array::<f32>()?, labels));
                Reply::Stored
            }
        };
        Ok(encode(&reply))
    }
}

/// The judge's proxy: a [`PoisonDetector`] whose every method is a call to the server.
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

fn indices(reply: Reply) -> Result<Vec<usize>, PoisonError> {
    match reply {
        Reply::Indices(i) => Ok(i),
        Reply::Error(e) => Err(e),
        _ => broken("not a list of sample indices"),
    }
}

fn inline(representations: ArrayView2<f32>, labels: &[usize]) -> Data {
    Data::Inline {
        representations: WireMatrix::from_view(representations),
        labels: labels.to_vec(),
    }
}

impl PoisonDetector for Remote {
    fn spectral_scores(
        &self,
        representations: ArrayView2<f32>,
    ) -> Result<Array1<f64>, PoisonError> {
        match self.ask(Call::SpectralScores {
            representations: WireMatrix::from_view(representations),
        }) {
            Reply::Scores(s) => Ok(Array1::from(s)),
            Reply::Error(e) => Err(e),
            _ => broken("not scores"),
        }
    }

    fn detect(
        &self,
        representations: ArrayView2<f32>,
        labels: &[usize],
        eps: f64,
    ) -> Result<Vec<usize>, PoisonError> {
        indices(self.ask(Call::Detect {
            data: inline(representations, labels),
            eps,
        }))
    }

    fn label_issues(
        &self,
        labels: &[usize],
        pred_probs: ArrayView2<f64>,
    ) -> Result<Vec<usize>, PoisonError> {
        indices(self.ask(Call::LabelIssues {
            labels: labels.to_vec(),
            pred_probs: WireMatrix::from_view(pred_probs),
        }))
    }

    fn detect_robust(
        &self,
        representations: ArrayView2<f32>,
        labels: &[usize],
        eps: f64,
    ) -> Result<Vec<usize>, PoisonError> {
        indices(self.ask(Call::DetectRobust {
            data: inline(representations, labels),
            eps,
        }))
    }
}
