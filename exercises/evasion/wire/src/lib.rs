//! The evasion exercise on the wire: its calls and replies, the server that answers them
//! with a candidate's [`Evasion`], and the judge's proxy that forwards them. A model
//! travels as its named parameters and is rebuilt (and checked) on arrival.

use std::collections::HashMap;
use std::io::Read;
use std::rc::Rc;

use evasion_api::{AttackError, Budget, Classifier, Evasion, Training};
use serde::{Deserialize, Serialize};
use tch::Tensor;

use mldrill_runner::envelope::{decode, encode};
use mldrill_runner::server::Service;
use mldrill_runner::transport::{Transport, broken, decode_reply};
use mldrill_runner::wire::WireTensor;

#[derive(Serialize, Deserialize)]
#[serde(remote = "Budget")]
struct BudgetDef {
    eps: f64,
    alpha: f64,
    steps: usize,
    random_start: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Training")]
struct TrainingDef {
    epochs: usize,
    eps: f64,
    steps: usize,
    seed: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "AttackError")]
enum AttackErrorDef {
    InvalidEps { eps: f64 },
    InvalidStep { alpha: f64 },
    BadImages { reason: String },
    LabelCount { images: i64, labels: i64 },
    BadLabel { position: usize, label: i64 },
    BadModel { reason: String },
}

/// A model's named parameters on the wire.
pub type WireModel = Vec<(String, WireTensor)>;

/// A tensor argument: sent with the call, or stored earlier by [`Call::StoreTensor`].
#[derive(Debug, Serialize, Deserialize)]
pub enum TensorArg {
    Inline(WireTensor),
    Stored(u32),
}

/// A model argument: sent with the call, or stored earlier by [`Call::StoreModel`].
#[derive(Debug, Serialize, Deserialize)]
pub enum ModelArg {
    Inline(WireModel),
    Stored(u32),
}

/// One call of [`Evasion`], or storing a tensor or a model for later calls.
#[derive(Serialize, Deserialize)]
pub enum Call {
    Fgsm {
        model: ModelArg,
        images: TensorArg,
        labels: TensorArg,
        eps: f64,
    },
    Pgd {
        model: ModelArg,
        images: TensorArg,
        labels: TensorArg,
        #[serde(with = "BudgetDef")]
        budget: Budget,
        seed: u64,
    },
    Targeted {
        model: ModelArg,
        images: TensorArg,
        targets: TensorArg,
        #[serde(with = "BudgetDef")]
        budget: Budget,
        seed: u64,
    },
    RobustAccuracy {
        model: ModelArg,
        images: TensorArg,
        labels: TensorArg,
        eps: Vec<f64>,
        steps: usize,
        seed: u64,
    },
    AdversarialTraining {
        images: TensorArg,
        labels: TensorArg,
        #[serde(with = "TrainingDef")]
        training: Training,
    },
    StoreTensor {
        handle: u32,
        tensor: WireTensor,
    },
    StoreModel {
        handle: u32,
        model: WireModel,
    },
}

/// The answer to one [`Call`].
#[derive(Serialize, Deserialize)]
pub enum Reply {
    Images(WireTensor),
    Accuracies(Vec<f64>),
    Model(WireModel),
    Stored,
    Error(#[serde(with = "AttackErrorDef")] AttackError),
}

/// Encodes a call for [`Transport::call`] or a benchmark's batch.
pub fn encode_call(call: &Call) -> Vec<u8> {
    encode(call)
}

/// Decodes a reply (a benchmark checks each one).
pub fn decode_reply_bytes(bytes: &[u8]) -> Result<Reply, String> {
    decode(bytes)
}

/// A model's parameters for the wire.
pub fn wire_model(model: &Classifier) -> WireModel {
    model
        .parameters()
        .iter()
        .map(|(name, t)| {
            let wire = WireTensor::from_tensor(t).expect("float parameters encode");
            (name.clone(), wire)
        })
        .collect()
}

/// Rebuilds a model from the wire, checking every parameter.
pub fn model_from_wire(model: &WireModel) -> Result<Classifier, AttackError> {
    let parameters = model
        .iter()
        .map(|(name, wire)| Ok((name.clone(), wire.to_tensor()?)))
        .collect::<Result<Vec<_>, String>>()
        .map_err(|reason| AttackError::BadModel { reason })?;
    Classifier::from_parameters(&parameters)
}

/// Answers calls with an implementation. Not generic: the server's code is compiled once,
/// here, and a candidate's runner only links it, so that rebuilding the runner after an
/// edit compiles the candidate's crate and nothing else.
pub struct Server {
    imp: Box<dyn Evasion>,
    tensors: HashMap<u32, Tensor>,
    models: HashMap<u32, Classifier>,
}

impl Server {
    pub fn new(imp: impl Evasion + 'static) -> Self {
        Self {
            imp: Box::new(imp),
            tensors: HashMap::new(),
            models: HashMap::new(),
        }
    }

    fn tensor(&self, arg: TensorArg) -> Result<Tensor, String> {
        match arg {
            TensorArg::Inline(t) => t.to_tensor(),
            TensorArg::Stored(h) => self
                .tensors
                .get(&h)
                .map(Tensor::shallow_clone)
                .ok_or_else(|| format!("no tensor stored as {h}")),
        }
    }

    /// Runs `f` with the model `arg` names; a model that does not rebuild is the call's error.
    fn with_model(
        &self,
        arg: ModelArg,
        f: impl FnOnce(&Classifier) -> Result<Reply, String>,
    ) -> Result<Reply, String> {
        match arg {
            ModelArg::Inline(wire) => match model_from_wire(&wire) {
                Ok(model) => f(&model),
                Err(e) => Ok(Reply::Error(e)),
            },
            ModelArg::Stored(h) => f(self
                .models
                .get(&h)
                .ok_or_else(|| format!("no model stored as {h}"))?),
        }
    }
}

fn images(result: Result<Tensor, AttackError>) -> Result<Reply, String> {
    match result {
        Ok(t) => Ok(Reply::Images(WireTensor::from_tensor(&t)?)),
        Err(e) => Ok(Reply::Error(e)),
    }
}

impl Service for Server {
    fn exercise(&self) -> &'static str {
        "evasion"
    }

    fn call(&mut self, call: &[u8], _input: &mut dyn Read) -> Result<Vec<u8>, String> {
        let reply = match decode::<Call>(call)? {
            Call::Fgsm {
                model,
                images: x,
                labels,
                eps,
            } => {
                let (x, labels) = (self.tensor(x)?, self.tensor(labels)?);
                self.with_model(model, |m| images(self.imp.fgsm(m, &x, &labels, eps)))?
            }
            Call::Pgd {
                model,
                images: x,
                labels,
                budget,
                seed,
            } => {
                let (x, labels) = (self.tensor(x)?, self.tensor(labels)?);
                self.with_model(model, |m| {
                    images(self.imp.pgd(m, &x, &labels, &budget, seed))
                })?
            }
            Call::Targeted {
                model,
                images: x,
                targets,
                budget,
                seed,
            } => {
                let (x, targets) = (self.tensor(x)?, self.tensor(targets)?);
                self.with_model(model, |m| {
                    images(self.imp.targeted(m, &x, &targets, &budget, seed))
                })?
            }
            Call::RobustAccuracy {
                model,
                images: x,
                labels,
                eps,
                steps,
                seed,
            } => {
                let (x, labels) = (self.tensor(x)?, self.tensor(labels)?);
                self.with_model(model, |m| {
                    Ok(
                        match self.imp.robust_accuracy(m, &x, &labels, &eps, steps, seed) {
                            Ok(a) => Reply::Accuracies(a),
                            Err(e) => Reply::Error(e),
                        },
                    )
                })?
            }
            Call::AdversarialTraining {
                images: x,
                labels,
                training,
            } => {
                let (x, labels) = (self.tensor(x)?, self.tensor(labels)?);
                match self.imp.adversarial_training(&x, &labels, &training) {
                    Ok(model) => Reply::Model(wire_model(&model)),
                    Err(e) => Reply::Error(e),
                }
            }
            Call::StoreTensor { handle, tensor } => {
                self.tensors.insert(handle, tensor.to_tensor()?);
                Reply::Stored
            }
            Call::StoreModel { handle, model } => {
                let model = model_from_wire(&model).map_err(|e| e.to_string())?;
                self.models.insert(handle, model);
                Reply::Stored
            }
        };
        Ok(encode(&reply))
    }
}

/// The judge's proxy: an [`Evasion`] whose every method is a call to the server.
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

fn inline(t: &Tensor) -> TensorArg {
    // The judge's own tensors always encode; a dtype that cannot is the suite's bug.
    TensorArg::Inline(WireTensor::from_tensor(t).unwrap_or_else(|why| panic!("{why}")))
}

fn attacked(reply: Reply) -> Result<Tensor, AttackError> {
    match reply {
        Reply::Images(t) => Ok(t.to_tensor().unwrap_or_else(|why| broken(why))),
        Reply::Error(e) => Err(e),
        _ => broken("not a tensor of images"),
    }
}

impl Evasion for Remote {
    fn fgsm(
        &self,
        model: &Classifier,
        images: &Tensor,
        labels: &Tensor,
        eps: f64,
    ) -> Result<Tensor, AttackError> {
        attacked(self.ask(Call::Fgsm {
            model: ModelArg::Inline(wire_model(model)),
            images: inline(images),
            labels: inline(labels),
            eps,
        }))
    }

    fn pgd(
        &self,
        model: &Classifier,
        images: &Tensor,
        labels: &Tensor,
        budget: &Budget,
        seed: u64,
    ) -> Result<Tensor, AttackError> {
        attacked(self.ask(Call::Pgd {
            model: ModelArg::Inline(wire_model(model)),
            images: inline(images),
            labels: inline(labels),
            budget: *budget,
            seed,
        }))
    }

    fn targeted(
        &self,
        model: &Classifier,
        images: &Tensor,
        targets: &Tensor,
        budget: &Budget,
        seed: u64,
    ) -> Result<Tensor, AttackError> {
        attacked(self.ask(Call::Targeted {
            model: ModelArg::Inline(wire_model(model)),
            images: inline(images),
            targets: inline(targets),
            budget: *budget,
            seed,
        }))
    }

    fn robust_accuracy(
        &self,
        model: &Classifier,
        images: &Tensor,
        labels: &Tensor,
        eps: &[f64],
        steps: usize,
        seed: u64,
    ) -> Result<Vec<f64>, AttackError> {
        match self.ask(Call::RobustAccuracy {
            model: ModelArg::Inline(wire_model(model)),
            images: inline(images),
            labels: inline(labels),
            eps: eps.to_vec(),
            steps,
            seed,
        }) {
            Reply::Accuracies(a) => Ok(a),
            Reply::Error(e) => Err(e),
            _ => broken("not a list of accuracies"),
        }
    }

    fn adversarial_training(
        &self,
        images: &Tensor,
        labels: &Tensor,
        training: &Training,
    ) -> Result<Classifier, AttackError> {
        match self.ask(Call::AdversarialTraining {
            images: inline(images),
            labels: inline(labels),
            training: *training,
        }) {
            Reply::Model(model) => Ok(model_from_wire(&model).unwrap_or_else(|why| broken(why))),
            Reply::Error(e) => Err(e),
            _ => broken("not a model"),
        }
    }
}
