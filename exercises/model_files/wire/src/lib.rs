//! The model-files exercise on the wire: its calls and replies, the server that answers
//! them with a candidate's [`ModelFiles`], and the judge's proxy that forwards them. The
//! api's types cross as plain mirrors, and every reply is checked (dtype names, tensor
//! shapes against their bytes) before the judge builds anything from it.

mod mirror;

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::rc::Rc;

use mldrill_runner::envelope::{decode, encode};
use mldrill_runner::server::Service;
use mldrill_runner::transport::{Transport, broken, decode_reply};
use mldrill_runner::wire::WireTensor;
use model_files_api::{
    ArchiveLimits, CheckpointError, CheckpointReport, FormatError, Header, ModelFiles, PickleError,
    PickleReport,
};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use tch::{Kind, Tensor};

pub use mirror::{
    CheckpointErrorDef, FormatErrorDef, PickleErrorDef, WireCheckpoint, WireHeader, WireLimits,
    WirePickle,
};

/// One call of [`ModelFiles`], or a benchmark's stored file and timed load.
#[derive(Serialize, Deserialize)]
pub enum Call {
    ParseHeader {
        file: ByteBuf,
        max_header_len: u64,
    },
    Load {
        file: ByteBuf,
    },
    Save {
        tensors: Vec<(String, WireTensor)>,
        metadata: BTreeMap<String, String>,
    },
    ScanPickle {
        stream: ByteBuf,
    },
    ScanCheckpoint {
        archive: ByteBuf,
        limits: WireLimits,
    },
    /// Appends `chunk` to stored file `handle` (a benchmark's file, sent once, in parts
    /// that each fit in a frame).
    Store {
        handle: u32,
        chunk: ByteBuf,
    },
    /// Loads stored file `handle` and answers with a digest: each tensor's name, dtype,
    /// shape and its bytes at the `probes` (fractions of its length, in millionths).
    LoadStored {
        handle: u32,
        probes: Vec<u32>,
    },
    /// Copies stored file `handle` into a fresh buffer, the plain copy a loader is
    /// compared with; answers with the same kind of digest of the whole file.
    CopyStored {
        handle: u32,
        probes: Vec<u32>,
    },
}

/// One loaded tensor, digested: name, dtype name, shape, bytes at the probes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    pub name: String,
    pub kind: String,
    pub shape: Vec<i64>,
    pub probed: Vec<u8>,
}

/// The answer to one [`Call`].
#[derive(Serialize, Deserialize)]
pub enum Reply {
    Header(WireHeader),
    Tensors(Vec<(String, WireTensor)>),
    Bytes(ByteBuf),
    Pickle(WirePickle),
    Checkpoint(WireCheckpoint),
    Stored,
    Digests(Vec<Digest>),
    Format(#[serde(with = "FormatErrorDef")] FormatError),
    Pickling(#[serde(with = "PickleErrorDef")] PickleError),
    Archive(#[serde(with = "CheckpointErrorDef")] CheckpointError),
}

/// Encodes a call for [`Transport::call`] or a benchmark's batch.
pub fn encode_call(call: &Call) -> Vec<u8> {
    encode(call)
}

/// Decodes a reply (a benchmark checks each one).
pub fn decode_reply_bytes(bytes: &[u8]) -> Result<Reply, String> {
    decode(bytes)
}

/// The bytes of `data` at each probe (millionths of its length).
pub fn probe(data: &[u8], probes: &[u32]) -> Vec<u8> {
    if data.is_empty() {
        return Vec::new();
    }
    probes
        .iter()
        .map(|&p| data[(data.len() as u64 * u64::from(p.min(999_999)) / 1_000_000) as usize])
        .collect()
}

/// A loaded tensor's digest. Only the probed bytes are read (through a byte view of the
/// tensor), so that a timed load is not timed copying its result again.
pub fn digest(name: &str, t: &Tensor, probes: &[u32]) -> Digest {
    let bytes = t.contiguous().reshape([-1]).view_dtype(Kind::Uint8);
    let n = bytes.size()[0];
    let probed = if n == 0 {
        Vec::new()
    } else {
        let at: Vec<i64> = probes
            .iter()
            .map(|&p| (n as u64 * u64::from(p.min(999_999)) / 1_000_000) as i64)
            .collect();
        Vec::<u8>::try_from(bytes.index_select(0, &Tensor::from_slice(&at))).unwrap_or_default()
    };
    Digest {
        name: name.to_owned(),
        kind: format!("{:?}", t.kind()),
        shape: t.size(),
        probed,
    }
}

/// Answers calls with an implementation. Not generic: the server's code is compiled once,
/// here, and a candidate's runner only links it, so that rebuilding the runner after an
/// edit compiles the candidate's crate and nothing else.
pub struct Server {
    imp: Box<dyn ModelFiles>,
    stored: HashMap<u32, Vec<u8>>,
}

impl Server {
    pub fn new(imp: impl ModelFiles + 'static) -> Self {
        Self {
            imp: Box::new(imp),
            stored: HashMap::new(),
        }
    }
}

fn tensors_out(tensors: Vec<(String, Tensor)>) -> Result<Reply, String> {
    tensors
        .into_iter()
        .map(|(n, t)| Ok((n, WireTensor::from_tensor(&t)?)))
        .collect::<Result<Vec<_>, String>>()
        .map(Reply::Tensors)
}

impl Service for Server {
    fn exercise(&self) -> &'static str {
        "model_files"
    }

    fn call(&mut self, call: &[u8], _input: &mut dyn Read) -> Result<Vec<u8>, String> {
        let imp = self.imp.as_ref();
        let reply = match decode::<Call>(call)? {
            Call::ParseHeader {
                file,
                max_header_len,
            } => match imp.parse_header(&file, max_header_len) {
                Ok(h) => Reply::Header(WireHeader::from(h)),
                Err(e) => Reply::Format(e),
            },
            Call::Load { file } => match imp.load(&file) {
                Ok(t) => tensors_out(t)?,
                Err(e) => Reply::Format(e),
            },
            Call::Save { tensors, metadata } => {
                let tensors = tensors
                    .into_iter()
                    .map(|(n, t)| Ok((n, t.to_tensor()?)))
                    .collect::<Result<Vec<_>, String>>()?;
                match imp.save(&tensors, &metadata) {
                    Ok(b) => Reply::Bytes(ByteBuf::from(b)),
                    Err(e) => Reply::Format(e),
                }
            }
            Call::ScanPickle { stream } => match imp.scan_pickle(&stream) {
                Ok(r) => Reply::Pickle(WirePickle::from(r)),
                Err(e) => Reply::Pickling(e),
            },
            Call::ScanCheckpoint { archive, limits } => {
                match imp.scan_checkpoint(&archive, &ArchiveLimits::from(limits)) {
                    Ok(r) => Reply::Checkpoint(WireCheckpoint::from(r)),
                    Err(e) => Reply::Archive(e),
                }
            }
            Call::Store { handle, chunk } => {
                self.stored
                    .entry(handle)
                    .or_default()
                    .extend_from_slice(&chunk);
                Reply::Stored
            }
            Call::LoadStored { handle, probes } => {
                let file = self.stored.get(&handle).ok_or("no file stored")?;
                match imp.load(file) {
                    Ok(t) => Reply::Digests(t.iter().map(|(n, t)| digest(n, t, &probes)).collect()),
                    Err(e) => Reply::Format(e),
                }
            }
            Call::CopyStored { handle, probes } => {
                let file = self.stored.get(&handle).ok_or("no file stored")?;
                let copy = file.clone();
                Reply::Digests(vec![Digest {
                    name: String::new(),
                    kind: "Uint8".into(),
                    shape: vec![copy.len() as i64],
                    probed: probe(&copy, &probes),
                }])
            }
        };
        Ok(encode(&reply))
    }
}

/// The judge's proxy: a [`ModelFiles`] whose every method is a call to the server.
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

fn format_error<T>(reply: Reply, what: &str) -> Result<T, FormatError> {
    match reply {
        Reply::Format(e) => Err(e),
        _ => broken(format!("not {what}")),
    }
}

impl ModelFiles for Remote {
    fn parse_header(&self, file: &[u8], max_header_len: u64) -> Result<Header, FormatError> {
        match self.ask(Call::ParseHeader {
            file: ByteBuf::from(file),
            max_header_len,
        }) {
            Reply::Header(h) => Ok(h.into_header().unwrap_or_else(|why| broken(why))),
            other => format_error(other, "a header"),
        }
    }

    fn load(&self, file: &[u8]) -> Result<Vec<(String, Tensor)>, FormatError> {
        match self.ask(Call::Load {
            file: ByteBuf::from(file),
        }) {
            Reply::Tensors(t) => Ok(t
                .into_iter()
                .map(|(n, t)| (n, t.to_tensor().unwrap_or_else(|why| broken(why))))
                .collect()),
            other => format_error(other, "tensors"),
        }
    }

    fn save(
        &self,
        tensors: &[(String, Tensor)],
        metadata: &BTreeMap<String, String>,
    ) -> Result<Vec<u8>, FormatError> {
        let tensors = tensors
            .iter()
            .map(|(n, t)| {
                let wire = WireTensor::from_tensor(t)
                    .unwrap_or_else(|why| panic!("the judge cannot send tensor {n:?}: {why}"));
                (n.clone(), wire)
            })
            .collect();
        match self.ask(Call::Save {
            tensors,
            metadata: metadata.clone(),
        }) {
            Reply::Bytes(b) => Ok(b.into_vec()),
            other => format_error(other, "the file's bytes"),
        }
    }

    fn scan_pickle(&self, stream: &[u8]) -> Result<PickleReport, PickleError> {
        match self.ask(Call::ScanPickle {
            stream: ByteBuf::from(stream),
        }) {
            Reply::Pickle(r) => Ok(r.into()),
            Reply::Pickling(e) => Err(e),
            _ => broken("not a pickle report"),
        }
    }

    fn scan_checkpoint(
        &self,
        archive: &[u8],
        limits: &ArchiveLimits,
    ) -> Result<CheckpointReport, CheckpointError> {
        match self.ask(Call::ScanCheckpoint {
            archive: ByteBuf::from(archive),
            limits: WireLimits::from(limits.clone()),
        }) {
            Reply::Checkpoint(r) => Ok(r.into_report().unwrap_or_else(|why| broken(why))),
            Reply::Archive(e) => Err(e),
            _ => broken("not a checkpoint report"),
        }
    }
}
