//! What a pickle scan reports: the imports a stream would make, whether something would
//! call them, the tensor storages it refers to, and the allowlist that decides whether
//! loading it is safe.

use thiserror::Error;

/// The imports a PyTorch state-dict checkpoint needs, exactly as `(module, name)`: the
/// tensor-rebuilding functions, the typed storages and the ordered dict. An import is
/// allowed only when both its module and its name equal one of these pairs.
pub const ALLOWED_IMPORTS: [(&str, &str); 15] = [
    ("collections", "OrderedDict"),
    ("torch._utils", "_rebuild_tensor"),
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_parameter"),
    ("torch._utils", "_rebuild_parameter_with_state"),
    ("torch", "BFloat16Storage"),
    ("torch", "BoolStorage"),
    ("torch", "ByteStorage"),
    ("torch", "CharStorage"),
    ("torch", "DoubleStorage"),
    ("torch", "FloatStorage"),
    ("torch", "HalfStorage"),
    ("torch", "IntStorage"),
    ("torch", "LongStorage"),
    ("torch", "ShortStorage"),
];

/// One import the stream makes: a `GLOBAL`, `STACK_GLOBAL` or `INST` opcode, or an
/// extension code (`EXT1`, `EXT2`, `EXT4`, reported as module `"copyreg"` and name
/// `"extension <code>"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Import {
    pub module: String,
    pub name: String,
    /// Whether the imported object, or an object made by calling it, is called or built:
    /// the callable of a `REDUCE`, `NEWOBJ` or `NEWOBJ_EX`, the class of an `OBJ` or an
    /// `INST`, or the object a `BUILD` sets the state of.
    pub called: bool,
}

/// One tensor storage the stream loads through a persistent id (`BINPERSID` on the tuple
/// `("storage", <storage type>, key, location, numel)`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StorageRef {
    /// The storage type's import, `"torch.FloatStorage"` for instance.
    pub storage_type: String,
    /// The archive entry `<prefix>/data/<key>` that holds its bytes.
    pub key: String,
    /// Where it was saved from (`"cpu"`, `"cuda:0"`).
    pub location: String,
    /// Its number of elements.
    pub numel: u64,
}

/// What a scan found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickleReport {
    /// Every import, in the order of the stream, once per opcode that makes it.
    pub imports: Vec<Import>,
    /// The storages, once per distinct key, in the order of their first reference.
    pub storages: Vec<StorageRef>,
    /// How many pickles the stream holds, one after another.
    pub pickles: usize,
    /// True exactly when every import is in [`ALLOWED_IMPORTS`].
    pub safe: bool,
}

/// Why a stream cannot be scanned. A scanner that cannot follow a stream must say so:
/// a stream it does not understand is never reported safe.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PickleError {
    #[error("the stream is empty")]
    Empty,
    #[error("the stream ends inside the opcode at byte {at} (or before a STOP)")]
    Truncated { at: u64 },
    #[error("byte {at} holds {opcode:#04x}, which is no pickle opcode")]
    UnknownOpcode { at: u64, opcode: u8 },
    #[error("the opcode at byte {at} cannot run: {reason}")]
    Malformed { at: u64, reason: String },
}
