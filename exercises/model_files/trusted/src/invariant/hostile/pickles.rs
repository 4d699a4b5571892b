//! Pickle streams written byte by byte, as `torch.save` writes them (protocols 2 to 5,
//! memo puts and gets, frames) and as attackers write them: a dangerous import hidden
//! behind the memo, inside a frame, in a second pickle, built from escaped strings, made
//! by `INST`, `OBJ`, `NEWOBJ` or an extension code. Each stream knows what a correct scan
//! reports, so properties need no reference. Uses only the api crate, rand and proptest.

use model_files_api::{ALLOWED_IMPORTS, Import, StorageRef};
use proptest::prelude::*;
use rand::Rng;
use rand::rngs::StdRng;

/// Imports that run code or reach the file system or network, as public scanners list
/// them, and near misses of the allowlist that an inexact match lets through.
pub const DANGEROUS: [(&str, &str); 30] = [
    ("os", "system"),
    ("posix", "system"),
    ("nt", "system"),
    ("os", "popen"),
    ("builtins", "eval"),
    ("builtins", "exec"),
    ("builtins", "getattr"),
    ("builtins", "__import__"),
    ("builtins", "open"),
    ("__builtin__", "eval"),
    ("subprocess", "Popen"),
    ("subprocess", "check_output"),
    ("runpy", "_run_code"),
    ("runpy", "run_path"),
    ("pickle", "loads"),
    ("_pickle", "loads"),
    ("shutil", "rmtree"),
    ("webbrowser", "open"),
    ("socket", "create_connection"),
    ("importlib", "import_module"),
    ("operator", "attrgetter"),
    ("torch", "load"),
    ("torch.hub", "load"),
    ("torch_evil", "FloatStorage"),
    ("torch", "FloatStorage.__init__"),
    ("torch._utils", "_rebuild_tensor_v2x"),
    ("torch._utils_evil", "_rebuild_tensor_v2"),
    ("torch._utils.os", "system"),
    ("collections", "OrderedDictionary"),
    ("collectionsx", "OrderedDict"),
];

/// How the writer memoizes what it will fetch again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoStyle {
    /// `BINPUT` (and `LONG_BINPUT` past 255), as protocols 2 and 3 write.
    BinPut,
    /// `MEMOIZE`, as protocol 4 and 5 write.
    Memoize,
    /// `PUT` with a decimal line, as protocol 0 writes.
    TextPut,
}

/// Writes one pickle, tracking the memo and the imports a scan must report.
pub struct Pickler {
    pub out: Vec<u8>,
    pub proto: u8,
    pub style: MemoStyle,
    next_memo: u32,
    /// The imports a correct scan reports, in order.
    pub imports: Vec<Import>,
    /// The storages, by key, in order of first reference.
    pub storages: Vec<StorageRef>,
}

impl Pickler {
    pub fn new(proto: u8, style: MemoStyle) -> Self {
        let mut p = Self {
            out: Vec::new(),
            proto,
            style,
            next_memo: 0,
            imports: Vec::new(),
            storages: Vec::new(),
        };
        if proto >= 2 {
            p.out.extend_from_slice(&[0x80, proto]);
        }
        p
    }

    pub fn op(&mut self, bytes: &[u8]) -> &mut Self {
        self.out.extend_from_slice(bytes);
        self
    }

    /// Memoizes the top of the stack; returns its key.
    pub fn put(&mut self) -> u32 {
        let key = self.next_memo;
        self.next_memo += 1;
        match self.style {
            MemoStyle::Memoize => self.out.push(0x94),
            MemoStyle::BinPut if key < 256 => self.out.extend_from_slice(&[b'q', key as u8]),
            MemoStyle::BinPut => {
                self.out.push(b'r');
                self.out.extend_from_slice(&key.to_le_bytes());
            }
            MemoStyle::TextPut => self.out.extend_from_slice(format!("p{key}\n").as_bytes()),
        }
        key
    }

    /// Pushes memo entry `key`.
    pub fn get(&mut self, key: u32) -> &mut Self {
        match self.style {
            MemoStyle::TextPut => self.out.extend_from_slice(format!("g{key}\n").as_bytes()),
            _ if key < 256 => self.out.extend_from_slice(&[b'h', key as u8]),
            _ => {
                self.out.push(b'j');
                self.out.extend_from_slice(&key.to_le_bytes());
            }
        }
        self
    }

    /// Pushes a string with the opcode the protocol would use.
    pub fn string(&mut self, s: &str) -> &mut Self {
        let b = s.as_bytes();
        if self.proto >= 4 && b.len() < 256 {
            self.out.extend_from_slice(&[0x8c, b.len() as u8]);
        } else if self.proto >= 1 {
            self.out.push(b'X');
            self.out.extend_from_slice(&(b.len() as u32).to_le_bytes());
        } else {
            // Protocol 0: a quoted STRING, every byte escaped as \xHH.
            self.out.extend_from_slice(b"S'");
            for &c in b {
                self.out.extend_from_slice(format!("\\x{c:02x}").as_bytes());
            }
            self.out.extend_from_slice(b"'\n");
            return self;
        }
        self.out.extend_from_slice(b);
        self
    }

    /// Pushes a small non-negative integer.
    pub fn int(&mut self, v: u64) -> &mut Self {
        if v < 256 {
            self.out.extend_from_slice(&[b'K', v as u8]);
        } else if v < 65536 {
            self.out.push(b'M');
            self.out.extend_from_slice(&(v as u16).to_le_bytes());
        } else if v < (1 << 31) {
            self.out.push(b'J');
            self.out.extend_from_slice(&(v as u32).to_le_bytes());
        } else {
            self.out.extend_from_slice(&[0x8a, 8]);
            self.out.extend_from_slice(&v.to_le_bytes());
        }
        self
    }

    /// Records an import a scan must report and returns its index.
    fn record(&mut self, module: &str, name: &str, called: bool) -> usize {
        self.imports.push(Import {
            module: module.into(),
            name: name.into(),
            called,
        });
        self.imports.len() - 1
    }

    /// Marks import `i` as called (a `REDUCE`, `BUILD`, ... that the caller writes).
    pub fn called(&mut self, i: usize) {
        self.imports[i].called = true;
    }

    /// Imports `module.name` the way the protocol would: `GLOBAL` below 4, `STACK_GLOBAL`
    /// on two strings from 4 on. Returns the import's index.
    pub fn global(&mut self, module: &str, name: &str) -> usize {
        if self.proto >= 4 {
            self.string(module);
            self.put();
            self.string(name);
            self.put();
            self.out.push(0x93);
        } else {
            self.out.push(b'c');
            self.out
                .extend_from_slice(format!("{module}\n{name}\n").as_bytes());
        }
        self.record(module, name, false)
    }

    /// `STACK_GLOBAL` on strings pushed long before, memoized and popped, then fetched
    /// back with gets: the import never appears as text next to the opcode.
    pub fn hidden_global(&mut self, module: &str, name: &str) -> usize {
        self.string(module);
        let m = self.put();
        self.op(b"0");
        self.string("decoy");
        self.put();
        self.op(b"0");
        self.string(name);
        let n = self.put();
        self.op(b"0");
        self.get(m).get(n).op(&[0x93]);
        self.record(module, name, false)
    }

    /// A state-dict entry: `name` -> `_rebuild_tensor_v2(storage, 0, size, stride, False,
    /// OrderedDict())`, the storage loaded through a persistent id.
    pub fn tensor_entry(&mut self, t: &BenignTensor, rebuild: Option<u32>, dict: u32) {
        self.string(&t.name);
        self.put();
        let rebuild_index = match rebuild {
            Some(key) => {
                self.get(key);
                self.imports
                    .iter()
                    .position(|i| i.name == "_rebuild_tensor_v2")
                    .expect("imported before")
            }
            None => {
                let i = self.global("torch._utils", "_rebuild_tensor_v2");
                self.put();
                i
            }
        };
        self.called(rebuild_index);
        self.op(b"((");
        self.string("storage");
        self.global("torch", &t.storage_type);
        self.string(&t.key);
        self.string("cpu");
        self.int(t.numel());
        self.op(b"tQ");
        self.int(0);
        self.op(b"(");
        for &d in &t.shape {
            self.int(d);
        }
        self.op(b"t(");
        let mut stride = 1;
        let mut strides = Vec::new();
        for &d in t.shape.iter().rev() {
            strides.push(stride);
            stride *= d.max(1);
        }
        for s in strides.into_iter().rev() {
            self.int(s);
        }
        self.op(b"t");
        self.op(&[if self.proto >= 2 { 0x89 } else { b'N' }]);
        self.get(dict).op(b")R");
        self.op(b"tR");
        if !self.storages.iter().any(|s| s.key == t.key) {
            self.storages.push(StorageRef {
                storage_type: format!("torch.{}", t.storage_type),
                key: t.key.clone(),
                location: "cpu".into(),
                numel: t.numel(),
            });
        }
    }
}

/// One tensor of a benign state dict.
#[derive(Debug, Clone)]
pub struct BenignTensor {
    pub name: String,
    pub storage_type: String,
    pub key: String,
    pub shape: Vec<u64>,
}

impl BenignTensor {
    pub fn numel(&self) -> u64 {
        self.shape.iter().product()
    }
}

/// The storage types of [`ALLOWED_IMPORTS`] with their element sizes.
pub const STORAGES: [(&str, u64); 10] = [
    ("BFloat16Storage", 2),
    ("BoolStorage", 1),
    ("ByteStorage", 1),
    ("CharStorage", 1),
    ("DoubleStorage", 8),
    ("FloatStorage", 4),
    ("HalfStorage", 2),
    ("IntStorage", 4),
    ("LongStorage", 8),
    ("ShortStorage", 2),
];

/// A generated stream and the report a correct scan gives.
#[derive(Clone)]
pub struct Generated {
    pub bytes: Vec<u8>,
    pub imports: Vec<Import>,
    pub storages: Vec<StorageRef>,
    pub pickles: usize,
    /// Where the last pickle of the stream starts: a cut after it leaves a stream that
    /// ends before its STOP.
    pub last_start: usize,
    /// Whether every import is allowlisted.
    pub safe: bool,
    /// How it was made, for counterexamples.
    pub recipe: String,
}

impl std::fmt::Debug for Generated {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{} ({} bytes)", self.recipe, self.bytes.len())
    }
}

fn ident(rng: &mut StdRng) -> String {
    let n = rng.random_range(1..12);
    (0..n)
        .map(|i| {
            let c = rng.random_range(0..37);
            match c {
                0..26 => char::from(b'a' + c as u8),
                26..36 if i > 0 => char::from(b'0' + (c - 26) as u8),
                _ => '_',
            }
        })
        .collect()
}

/// A benign state dict's tensors: names like `layer3.weight`, storages keyed `0..n`; now
/// and then a tensor shares the previous one's storage (tied weights), with its type and
/// shape.
pub fn benign_tensors(rng: &mut StdRng, n: usize) -> Vec<BenignTensor> {
    let mut out: Vec<BenignTensor> = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!(
            "{}.{}",
            ident(rng),
            ["weight", "bias", "running_mean"][i % 3]
        );
        let tensor = match out.last() {
            Some(previous) if rng.random_bool(0.2) => BenignTensor {
                name,
                ..previous.clone()
            },
            _ => BenignTensor {
                name,
                storage_type: STORAGES[rng.random_range(0..STORAGES.len())].0.to_owned(),
                key: i.to_string(),
                shape: (0..rng.random_range(0..4))
                    .map(|_| rng.random_range(0..6))
                    .collect(),
            },
        };
        out.push(tensor);
    }
    out
}

/// Wraps the body of a protocol 4+ pickle (after `PROTO`) in one frame, as the
/// pickler does for a pickle smaller than its 64 KiB frame target.
fn framed(pickle: Vec<u8>) -> Vec<u8> {
    let (head, body) = pickle.split_at(2);
    let mut out = head.to_vec();
    out.push(0x95);
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// A benign `torch.save` pickle of a state dict.
pub fn benign_pickle(rng: &mut StdRng, proto: u8) -> Pickler {
    let style = if proto >= 4 {
        MemoStyle::Memoize
    } else {
        MemoStyle::BinPut
    };
    let mut p = Pickler::new(proto, style);
    let od = p.global("collections", "OrderedDict");
    let od_key = p.put();
    p.op(b")R");
    p.called(od);
    p.put();
    let n = rng.random_range(0..6);
    let tensors = benign_tensors(rng, n);
    if !tensors.is_empty() {
        p.op(b"(");
        let mut rebuild = None;
        for t in &tensors {
            let before = p.next_memo;
            p.tensor_entry(t, rebuild, od_key);
            if rebuild.is_none() {
                // The import's memo key: after the name's put comes the import (whose
                // strings take two keys from protocol 4 on), then its own put.
                rebuild = Some(before + if proto >= 4 { 3 } else { 1 });
            }
        }
        p.op(b"u");
    }
    // The state dict's `_metadata`, set by BUILD as torch does.
    p.op(b"}");
    p.string("_metadata");
    p.op(b"}s");
    p.op(b"b");
    p.op(b".");
    p
}

/// One dangerous import, called or not, written one of many ways.
fn inject(p: &mut Pickler, rng: &mut StdRng, module: &str, name: &str) -> &'static str {
    let way = rng.random_range(0..8);
    let i;
    let recipe = match way {
        0 => {
            p.out.push(b'c');
            p.out
                .extend_from_slice(format!("{module}\n{name}\n").as_bytes());
            i = p.record(module, name, false);
            "GLOBAL"
        }
        1 => {
            i = p.hidden_global(module, name);
            "STACK_GLOBAL behind memo gets"
        }
        2 => {
            p.string(module).string(name).op(&[0x93]);
            i = p.record(module, name, false);
            "STACK_GLOBAL"
        }
        3 => {
            // Escaped protocol-0 strings, then STACK_GLOBAL.
            let proto = p.proto;
            p.proto = 0;
            p.string(module).string(name);
            p.proto = proto;
            p.op(&[0x93]);
            i = p.record(module, name, false);
            "STACK_GLOBAL on escaped STRINGs"
        }
        4 => {
            p.op(b"(");
            p.string("id");
            p.out.push(b'i');
            p.out
                .extend_from_slice(format!("{module}\n{name}\n").as_bytes());
            p.record(module, name, true);
            p.op(b"0");
            return "INST";
        }
        5 => {
            i = p.global(module, name);
            let key = p.put();
            p.op(b"0");
            p.get(key);
            "an import memoized, then fetched"
        }
        6 => {
            p.out.push(b'c');
            p.out
                .extend_from_slice(format!("{module}\n{name}\n").as_bytes());
            i = p.record(module, name, false);
            p.op(b")");
            p.op(&[0x81]);
            p.called(i);
            p.op(b"0");
            return "NEWOBJ";
        }
        _ => {
            p.op(b"(");
            p.out.push(b'c');
            p.out
                .extend_from_slice(format!("{module}\n{name}\n").as_bytes());
            i = p.record(module, name, false);
            p.string("x");
            p.op(b"o");
            p.called(i);
            p.op(b"0");
            return "OBJ";
        }
    };
    if rng.random_bool(0.7) {
        p.op(b"(");
        p.string("id");
        p.op(b"tR");
        p.called(i);
    }
    p.op(b"0");
    recipe
}

fn finish(pickles: Vec<Pickler>, frame: bool, recipe: String) -> Generated {
    let mut g = Generated {
        bytes: Vec::new(),
        imports: Vec::new(),
        storages: Vec::new(),
        pickles: pickles.len(),
        last_start: 0,
        safe: true,
        recipe,
    };
    for p in pickles {
        g.last_start = g.bytes.len();
        let bytes = if frame && p.proto >= 4 {
            framed(p.out)
        } else {
            p.out
        };
        g.bytes.extend_from_slice(&bytes);
        g.imports.extend(p.imports);
        for s in p.storages {
            if !g.storages.iter().any(|t| t.key == s.key) {
                g.storages.push(s);
            }
        }
    }
    g.safe = g
        .imports
        .iter()
        .all(|i| ALLOWED_IMPORTS.contains(&(i.module.as_str(), i.name.as_str())));
    g
}

/// The legacy format's leading pickles: a magic number, a protocol version, a dict.
fn legacy_header(proto: u8) -> Pickler {
    let mut p = Pickler::new(proto, MemoStyle::BinPut);
    p.op(&[
        0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, b'.',
    ]);
    p
}

/// A benign stream: one pickle, or the legacy format's several, maybe framed.
pub fn benign(seed: u64) -> Generated {
    let mut rng: StdRng = rand::SeedableRng::seed_from_u64(seed);
    let proto = rng.random_range(2..=5);
    let mut pickles = Vec::new();
    let legacy = rng.random_bool(0.2);
    if legacy {
        pickles.push(legacy_header(proto));
    }
    pickles.push(benign_pickle(&mut rng, proto));
    let frame = proto >= 4 && rng.random_bool(0.5);
    finish(
        pickles,
        frame,
        format!("benign state dict, protocol {proto}, legacy {legacy}, framed {frame}"),
    )
}

/// A malicious stream: a benign state dict with one dangerous import injected somewhere
/// (before the dict, inside it, or in a second pickle after it).
pub fn malicious(seed: u64) -> Generated {
    let mut rng: StdRng = rand::SeedableRng::seed_from_u64(seed);
    let proto = rng.random_range(2..=5);
    let (module, name) = if rng.random_bool(0.8) {
        let (m, n) = DANGEROUS[rng.random_range(0..DANGEROUS.len())];
        (m.to_owned(), n.to_owned())
    } else {
        (format!("torch{}", ident(&mut rng)), ident(&mut rng))
    };
    let mut pickles = vec![benign_pickle(&mut rng, proto)];
    let place = rng.random_range(0..3);
    let how = match place {
        0 => {
            // Before the state dict: rewrite the pickle with the injection after PROTO.
            let mut p = Pickler::new(proto, MemoStyle::BinPut);
            let how = inject(&mut p, &mut rng, &module, &name);
            let benign = pickles.pop().expect("one");
            // Memo keys of the benign part would clash: give it its own pickle.
            p.op(b"N.");
            pickles.push(p);
            pickles.push(benign);
            how
        }
        1 => {
            let mut second = Pickler::new(proto, MemoStyle::BinPut);
            let how = inject(&mut second, &mut rng, &module, &name);
            second.op(b"N.");
            pickles.push(second);
            how
        }
        _ => {
            // Inside the state dict's pickle, just before its STOP.
            let p = pickles.last_mut().expect("one");
            p.out.pop();
            p.style = MemoStyle::BinPut;
            p.next_memo += 1000;
            let how = inject(p, &mut rng, &module, &name);
            p.op(b".");
            how
        }
    };
    let frame = proto >= 4 && rng.random_bool(0.5);
    let mut g = finish(
        pickles,
        frame,
        format!("{module}.{name} by {how}, place {place}, protocol {proto}, framed {frame}"),
    );
    // An extension code, now and then, in place of a named import.
    if rng.random_bool(0.05) {
        let mut p = Pickler::new(proto, MemoStyle::BinPut);
        p.op(&[0x82, 7, b'.']);
        p.record("copyreg", "extension 7", false);
        let ext = finish(vec![p], false, String::new());
        g.last_start = g.bytes.len();
        g.bytes.extend_from_slice(&ext.bytes);
        g.imports.extend(ext.imports);
        g.pickles += 1;
        g.recipe.push_str(" + EXT1");
    }
    g.safe = false;
    g
}

/// Benign streams, by seed.
pub fn benign_streams() -> impl Strategy<Value = Generated> {
    any::<u64>().prop_map(benign)
}

/// Malicious streams, by seed.
pub fn malicious_streams() -> impl Strategy<Value = Generated> {
    any::<u64>().prop_map(malicious)
}
