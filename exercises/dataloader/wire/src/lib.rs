//! The dataloader exercise on the wire: its calls and replies, the server that answers
//! them with a candidate's [`DataLoader`], and the judge's proxy that forwards them.

use std::collections::HashMap;
use std::io::Read;
use std::rc::Rc;

use mldrill_spec::dataloader::{Batch, DataLoader, LoaderError, PaddedBatch, ShardSpec};
use serde::{Deserialize, Serialize};
use tch::Tensor;

use mldrill_runner::envelope::{decode, encode};
use mldrill_runner::server::Service;
use mldrill_runner::transport::{Transport, broken, decode_reply};
use mldrill_runner::wire::WireTensor;

#[derive(Serialize, Deserialize)]
#[serde(remote = "ShardSpec")]
struct ShardSpecDef {
    num_replicas: usize,
    rank: usize,
    shuffle: bool,
    seed: u64,
    epoch: u64,
    drop_last: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "LoaderError")]
enum LoaderErrorDef {
    InvalidBatchSize,
    InvalidRank { rank: usize, num_replicas: usize },
    ShapeMismatch { features: i64, labels: i64 },
    IndexOutOfRange { index: usize, len: usize },
    EmptyBatch,
    BadSequence { position: usize },
    ResumePastEnd { consumed: usize, total: usize },
}

/// A tensor argument: sent with the call, or stored in the server by [`Call::Store`]
/// earlier (a benchmark's dataset, sent once).
#[derive(Debug, Serialize, Deserialize)]
pub enum TensorArg {
    Inline(WireTensor),
    Stored(u32),
}

/// One call of [`DataLoader`], or storing a tensor for later calls.
#[derive(Serialize, Deserialize)]
pub enum Call {
    BatchIndices {
        n: usize,
        batch_size: usize,
        drop_last: bool,
    },
    EpochPermutation {
        n: usize,
        seed: u64,
        epoch: u64,
    },
    Shard {
        n: usize,
        #[serde(with = "ShardSpecDef")]
        spec: ShardSpec,
    },
    Collate {
        features: TensorArg,
        labels: TensorArg,
        indices: Vec<usize>,
    },
    PadSequences {
        sequences: Vec<WireTensor>,
        batch_first: bool,
        padding_value: f64,
    },
    BucketBatches {
        lengths: Vec<usize>,
        batch_size: usize,
        seed: u64,
        epoch: u64,
    },
    Resume {
        n: usize,
        batch_size: usize,
        drop_last: bool,
        seed: u64,
        epoch: u64,
        consumed: usize,
    },
    Store {
        handle: u32,
        tensor: WireTensor,
    },
}

/// The answer to one [`Call`].
#[derive(Serialize, Deserialize)]
pub enum Reply {
    Batches(Vec<Vec<usize>>),
    Indices(Vec<usize>),
    Batch {
        features: WireTensor,
        labels: WireTensor,
    },
    Padded {
        data: WireTensor,
        lengths: Vec<usize>,
        mask: WireTensor,
    },
    Stored,
    Error(#[serde(with = "LoaderErrorDef")] LoaderError),
}

/// Encodes a call for [`Transport::call`] or a benchmark's batch.
pub fn encode_call(call: &Call) -> Vec<u8> {
    encode(call)
}

/// Decodes a reply (a benchmark checks each one).
pub fn decode_reply_bytes(bytes: &[u8]) -> Result<Reply, String> {
    decode(bytes)
}

/// Answers calls with an implementation. Not generic: the server's code (decoding, every
/// call, encoding) is compiled once, here, and a candidate's runner only links it, so that
/// rebuilding the runner after an edit compiles the candidate's crate and nothing else.
pub struct Server {
    imp: Box<dyn DataLoader>,
    stored: HashMap<u32, Tensor>,
}

impl Server {
    pub fn new(imp: impl DataLoader + 'static) -> Self {
        Self {
            imp: Box::new(imp),
            stored: HashMap::new(),
        }
    }

    fn tensor(&self, arg: TensorArg) -> Result<Tensor, String> {
        match arg {
            TensorArg::Inline(t) => t.to_tensor(),
            TensorArg::Stored(h) => self
                .stored
                .get(&h)
                .map(Tensor::shallow_clone)
                .ok_or_else(|| format!("no tensor stored as {h}")),
        }
    }
}

fn out<T>(
    result: Result<T, LoaderError>,
    ok: impl FnOnce(T) -> Result<Reply, String>,
) -> Result<Reply, String> {
    match result {
        Ok(value) => ok(value),
        Err(e) => Ok(Reply::Error(e)),
    }
}

impl Service for Server {
    fn exercise(&self) -> &'static str {
        "dataloader"
    }

    fn call(&mut self, call: &[u8], _input: &mut dyn Read) -> Result<Vec<u8>, String> {
        let imp = self.imp.as_ref();
        let reply = match decode::<Call>(call)? {
            Call::BatchIndices {
                n,
                batch_size,
                drop_last,
            } => out(imp.batch_indices(n, batch_size, drop_last), |b| {
                Ok(Reply::Batches(b))
            })?,
            Call::EpochPermutation { n, seed, epoch } => {
                Reply::Indices(imp.epoch_permutation(n, seed, epoch))
            }
            Call::Shard { n, spec } => out(imp.shard(n, spec), |i| Ok(Reply::Indices(i)))?,
            Call::Collate {
                features,
                labels,
                indices,
            } => {
                let (features, labels) = (self.tensor(features)?, self.tensor(labels)?);
                out(imp.collate(&features, &labels, &indices), |b| {
                    Ok(Reply::Batch {
                        features: WireTensor::from_tensor(&b.features)?,
                        labels: WireTensor::from_tensor(&b.labels)?,
                    })
                })?
            }
            Call::PadSequences {
                sequences,
                batch_first,
                padding_value,
            } => {
                let sequences = sequences
                    .iter()
                    .map(WireTensor::to_tensor)
                    .collect::<Result<Vec<_>, _>>()?;
                out(
                    imp.pad_sequences(&sequences, batch_first, padding_value),
                    |p| {
                        Ok(Reply::Padded {
                            data: WireTensor::from_tensor(&p.data)?,
                            lengths: p.lengths,
                            mask: WireTensor::from_tensor(&p.mask)?,
                        })
                    },
                )?
            }
            Call::BucketBatches {
                lengths,
                batch_size,
                seed,
                epoch,
            } => out(imp.bucket_batches(&lengths, batch_size, seed, epoch), |b| {
                Ok(Reply::Batches(b))
            })?,
            Call::Resume {
                n,
                batch_size,
                drop_last,
                seed,
                epoch,
                consumed,
            } => out(
                imp.resume(n, batch_size, drop_last, seed, epoch, consumed),
                |b| Ok(Reply::Batches(b)),
            )?,
            Call::Store { handle, tensor } => {
                self.stored.insert(handle, tensor.to_tensor()?);
                Reply::Stored
            }
        };
        Ok(encode(&reply))
    }
}

/// The judge's proxy: a [`DataLoader`] whose every method is a call to the server.
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

    /// `epoch_permutation(n, seed, epoch)` for every epoch of `epochs`, as one request.
    pub fn epoch_permutations(
        &self,
        n: usize,
        seed: u64,
        epochs: std::ops::Range<u64>,
    ) -> Vec<Vec<usize>> {
        let calls = epochs
            .map(|epoch| encode(&Call::EpochPermutation { n, seed, epoch }))
            .collect();
        self.transport
            .call_batch(calls)
            .iter()
            .map(|reply| match decode_reply(reply) {
                Reply::Indices(i) => i,
                _ => broken("not an order of indices"),
            })
            .collect()
    }
}

fn tensor(wire: &WireTensor) -> Tensor {
    wire.to_tensor().unwrap_or_else(|why| broken(why))
}

fn inline(t: &Tensor) -> WireTensor {
    // The judge's own tensors always encode; a dtype that cannot is the suite's bug.
    WireTensor::from_tensor(t).unwrap_or_else(|why| panic!("{why}"))
}

impl DataLoader for Remote {
    fn batch_indices(
        &self,
        n: usize,
        batch_size: usize,
        drop_last: bool,
    ) -> Result<Vec<Vec<usize>>, LoaderError> {
        batches(self.ask(Call::BatchIndices {
            n,
            batch_size,
            drop_last,
        }))
    }

    fn epoch_permutation(&self, n: usize, seed: u64, epoch: u64) -> Vec<usize> {
        match self.ask(Call::EpochPermutation { n, seed, epoch }) {
            Reply::Indices(i) => i,
            _ => broken("not an order of indices"),
        }
    }

    fn shard(&self, n: usize, spec: ShardSpec) -> Result<Vec<usize>, LoaderError> {
        match self.ask(Call::Shard { n, spec }) {
            Reply::Indices(i) => Ok(i),
            Reply::Error(e) => Err(e),
            _ => broken("not a shard"),
        }
    }

    fn collate(
        &self,
        features: &Tensor,
        labels: &Tensor,
        indices: &[usize],
    ) -> Result<Batch, LoaderError> {
        match self.ask(Call::Collate {
            features: TensorArg::Inline(inline(features)),
            labels: TensorArg::Inline(inline(labels)),
            indices: indices.to_vec(),
        }) {
            Reply::Batch { features, labels } => Ok(Batch {
                features: tensor(&features),
                labels: tensor(&labels),
            }),
            Reply::Error(e) => Err(e),
            _ => broken("not a batch"),
        }
    }

    fn pad_sequences(
        &self,
        sequences: &[Tensor],
        batch_first: bool,
        padding_value: f64,
    ) -> Result<PaddedBatch, LoaderError> {
        match self.ask(Call::PadSequences {
            sequences: sequences.iter().map(inline).collect(),
            batch_first,
            padding_value,
        }) {
            Reply::Padded {
                data,
                lengths,
                mask,
            } => Ok(PaddedBatch {
                data: tensor(&data),
                lengths,
                mask: tensor(&mask),
            }),
            Reply::Error(e) => Err(e),
            _ => broken("not a padded batch"),
        }
    }

    fn bucket_batches(
        &self,
        lengths: &[usize],
        batch_size: usize,
        seed: u64,
        epoch: u64,
    ) -> Result<Vec<Vec<usize>>, LoaderError> {
        batches(self.ask(Call::BucketBatches {
            lengths: lengths.to_vec(),
            batch_size,
            seed,
            epoch,
        }))
    }

    fn resume(
        &self,
        n: usize,
        batch_size: usize,
        drop_last: bool,
        seed: u64,
        epoch: u64,
        consumed: usize,
    ) -> Result<Vec<Vec<usize>>, LoaderError> {
        batches(self.ask(Call::Resume {
            n,
            batch_size,
            drop_last,
            seed,
            epoch,
            consumed,
        }))
    }
}

fn batches(reply: Reply) -> Result<Vec<Vec<usize>>, LoaderError> {
    match reply {
        Reply::Batches(b) => Ok(b),
        Reply::Error(e) => Err(e),
        _ => broken("not a list of batches"),
    }
}
