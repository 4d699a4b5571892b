//! The privacy exercise on the wire: its calls and replies, the server that answers them
//! with a candidate's [`Privacy`], and the judge's proxy that forwards them.
//!
//! A network crosses as its four named weights ([`WireModel`]) and is rebuilt on the
//! other side by [`Mlp::from_named`], which checks names, dtypes, shapes and finiteness:
//! a model the candidate's process sends back is checked like any other reply.

use std::collections::HashMap;
use std::io::Read;
use std::rc::Rc;

use mldrill_runner::envelope::{decode, encode};
use mldrill_runner::server::Service;
use mldrill_runner::transport::{Transport, broken, decode_reply};
use mldrill_runner::wire::WireTensor;
use privacy_api::{DpConfig, Mlp, Privacy, PrivacyError};
use serde::{Deserialize, Serialize};
use tch::Tensor;

#[derive(Serialize, Deserialize)]
#[serde(remote = "PrivacyError")]
enum PrivacyErrorDef {
    BadModel { reason: String },
    BadRecords { reason: String },
    LengthMismatch { scores: usize, members: usize },
    OneClass,
    NotFinite { index: usize },
    InvalidFpr,
    InvalidSetting { reason: String },
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "DpConfig")]
struct DpConfigDef {
    clip: f64,
    sigma: f64,
    batch_size: usize,
    epochs: usize,
    learning_rate: f64,
}

/// A network as its named weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireModel(pub Vec<(String, WireTensor)>);

impl WireModel {
    /// Copies `mlp`'s weights.
    pub fn from_mlp(mlp: &Mlp) -> Self {
        Self(
            mlp.named()
                .into_iter()
                .map(|(name, t)| {
                    let wire = WireTensor::from_tensor(&t).expect("f32 weights cross the wire");
                    (name, wire)
                })
                .collect(),
        )
    }

    /// Rebuilds the network, after checking every tensor and the architecture.
    pub fn to_mlp(&self) -> Result<Mlp, String> {
        let named = self
            .0
            .iter()
            .map(|(name, t)| Ok((name.clone(), t.to_tensor()?)))
            .collect::<Result<Vec<_>, String>>()?;
        Mlp::from_named(named).map_err(|e| e.to_string())
    }
}

/// Records: features and labels.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireRecords {
    pub features: WireTensor,
    pub labels: WireTensor,
}

impl WireRecords {
    pub fn new(features: &Tensor, labels: &Tensor) -> Self {
        Self {
            features: WireTensor::from_tensor(features).expect("records cross the wire"),
            labels: WireTensor::from_tensor(labels).expect("records cross the wire"),
        }
    }

    fn tensors(&self) -> Result<(Tensor, Tensor), String> {
        Ok((self.features.to_tensor()?, self.labels.to_tensor()?))
    }
}

/// One call of [`Privacy`], or storing a benchmark's model and batch for later calls.
#[derive(Serialize, Deserialize)]
pub enum Call {
    LossScores {
        model: WireModel,
        records: WireRecords,
    },
    CalibratedScores {
        target: WireModel,
        references: Vec<WireModel>,
        records: WireRecords,
    },
    RocAuc {
        scores: Vec<f64>,
        members: Vec<bool>,
    },
    TprAtFpr {
        scores: Vec<f64>,
        members: Vec<bool>,
        fpr: f64,
    },
    DpSgdStep {
        model: WireModel,
        records: WireRecords,
        clip: f64,
        sigma: f64,
        seed: u64,
    },
    TrainPrivate {
        init: WireModel,
        records: WireRecords,
        #[serde(with = "DpConfigDef")]
        config: DpConfig,
        seed: u64,
    },
    /// Keeps a model and a batch under `handle` (a benchmark's input, sent once).
    Store {
        handle: u32,
        model: WireModel,
        records: WireRecords,
    },
    /// [`Call::DpSgdStep`] on what [`Call::Store`] kept.
    StoredStep {
        handle: u32,
        clip: f64,
        sigma: f64,
        seed: u64,
    },
}

/// The answer to one [`Call`].
#[derive(Serialize, Deserialize)]
pub enum Reply {
    Scores(Vec<f64>),
    Number(f64),
    Model(WireModel),
    Stored,
    Error(#[serde(with = "PrivacyErrorDef")] PrivacyError),
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
    imp: Box<dyn Privacy>,
    stored: HashMap<u32, (Mlp, Tensor, Tensor)>,
}

impl Server {
    pub fn new(imp: impl Privacy + 'static) -> Self {
        Self {
            imp: Box::new(imp),
            stored: HashMap::new(),
        }
    }
}

fn out<T>(result: Result<T, PrivacyError>, ok: impl FnOnce(T) -> Reply) -> Reply {
    result.map_or_else(Reply::Error, ok)
}

fn model_reply(mlp: Mlp) -> Reply {
    let named = mlp
        .named()
        .into_iter()
        .map(|(name, t)| WireTensor::from_tensor(&t).map(|w| (name, w)))
        .collect::<Result<Vec<_>, String>>();
    match named {
        Ok(named) => Reply::Model(WireModel(named)),
        Err(why) => Reply::Error(PrivacyError::BadModel { reason: why }),
    }
}

impl Service for Server {
    fn exercise(&self) -> &'static str {
        "privacy"
    }

    fn call(&mut self, call: &[u8], _input: &mut dyn Read) -> Result<Vec<u8>, String> {
        let imp = self.imp.as_ref();
        let reply = match decode::<Call>(call)? {
            Call::LossScores { model, records } => {
                let (x, y) = records.tensors()?;
                out(imp.loss_scores(&model.to_mlp()?, &x, &y), Reply::Scores)
            }
            Call::CalibratedScores {
                target,
                references,
                records,
            } => {
                let (x, y) = records.tensors()?;
                let references = references
                    .iter()
                    .map(WireModel::to_mlp)
                    .collect::<Result<Vec<_>, _>>()?;
                out(
                    imp.calibrated_scores(&target.to_mlp()?, &references, &x, &y),
                    Reply::Scores,
                )
            }
            Call::RocAuc { scores, members } => out(imp.roc_auc(&scores, &members), Reply::Number),
            Call::TprAtFpr {
                scores,
                members,
                fpr,
            } => out(imp.tpr_at_fpr(&scores, &members, fpr), Reply::Number),
            Call::DpSgdStep {
                model,
                records,
                clip,
                sigma,
                seed,
            } => {
                let (x, y) = records.tensors()?;
                out(
                    imp.dp_sgd_step(&model.to_mlp()?, &x, &y, clip, sigma, seed),
                    model_reply,
                )
            }
            Call::TrainPrivate {
                init,
                records,
                config,
                seed,
            } => {
                let (x, y) = records.tensors()?;
                out(
                    imp.train_private(&init.to_mlp()?, &x, &y, &config, seed),
                    model_reply,
                )
            }
            Call::Store {
                handle,
                model,
                records,
            } => {
                let (x, y) = records.tensors()?;
                self.stored.insert(handle, (model.to_mlp()?, x, y));
                Reply::Stored
            }
            Call::StoredStep {
                handle,
                clip,
                sigma,
                seed,
            } => {
                let (model, x, y) = self.stored.get(&handle).ok_or("no batch stored")?;
                out(imp.dp_sgd_step(model, x, y, clip, sigma, seed), model_reply)
            }
        };
        Ok(encode(&reply))
    }
}

/// The judge's proxy: a [`Privacy`] whose every method is a call to the server. A reply of
/// the wrong kind, or a model that does not rebuild, fails the call with the reason.
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

fn scores(reply: Reply) -> Result<Vec<f64>, PrivacyError> {
    match reply {
        Reply::Scores(s) => Ok(s),
        Reply::Error(e) => Err(e),
        _ => broken("not a list of scores"),
    }
}

fn number(reply: Reply) -> Result<f64, PrivacyError> {
    match reply {
        Reply::Number(x) => Ok(x),
        Reply::Error(e) => Err(e),
        _ => broken("not a number"),
    }
}

fn model(reply: Reply) -> Result<Mlp, PrivacyError> {
    match reply {
        Reply::Model(m) => Ok(m
            .to_mlp()
            .unwrap_or_else(|why| broken(format!("a network that does not rebuild: {why}")))),
        Reply::Error(e) => Err(e),
        _ => broken("not a network"),
    }
}

impl Privacy for Remote {
    fn loss_scores(
        &self,
        model: &Mlp,
        features: &Tensor,
        labels: &Tensor,
    ) -> Result<Vec<f64>, PrivacyError> {
        scores(self.ask(Call::LossScores {
            model: WireModel::from_mlp(model),
            records: WireRecords::new(features, labels),
        }))
    }

    fn calibrated_scores(
        &self,
        target: &Mlp,
        references: &[Mlp],
        features: &Tensor,
        labels: &Tensor,
    ) -> Result<Vec<f64>, PrivacyError> {
        scores(self.ask(Call::CalibratedScores {
            target: WireModel::from_mlp(target),
            references: references.iter().map(WireModel::from_mlp).collect(),
            records: WireRecords::new(features, labels),
        }))
    }

    fn roc_auc(&self, scores: &[f64], members: &[bool]) -> Result<f64, PrivacyError> {
        number(self.ask(Call::RocAuc {
            scores: scores.to_vec(),
            members: members.to_vec(),
        }))
    }

    fn tpr_at_fpr(&self, scores: &[f64], members: &[bool], fpr: f64) -> Result<f64, PrivacyError> {
        number(self.ask(Call::TprAtFpr {
            scores: scores.to_vec(),
            members: members.to_vec(),
            fpr,
        }))
    }

    fn dp_sgd_step(
        &self,
        model_: &Mlp,
        features: &Tensor,
        labels: &Tensor,
        clip: f64,
        sigma: f64,
        seed: u64,
    ) -> Result<Mlp, PrivacyError> {
        model(self.ask(Call::DpSgdStep {
            model: WireModel::from_mlp(model_),
            records: WireRecords::new(features, labels),
            clip,
            sigma,
            seed,
        }))
    }

    fn train_private(
        &self,
        init: &Mlp,
        features: &Tensor,
        labels: &Tensor,
        config: &DpConfig,
        seed: u64,
    ) -> Result<Mlp, PrivacyError> {
        model(self.ask(Call::TrainPrivate {
            init: WireModel::from_mlp(init),
            records: WireRecords::new(features, labels),
            config: *config,
            seed,
        }))
    }
}
