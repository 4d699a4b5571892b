//! The pickle scanner: a symbolic pickle machine that runs the stack and the memo but
//! never imports or calls anything. It follows strings through the memo to the
//! `STACK_GLOBAL` that consumes them, follows every import to the opcode that would call
//! it, reads frames as the plain opcodes they hold, and scans every pickle of a stream
//! of several.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use model_files_api::{ALLOWED_IMPORTS, Import, PickleError, PickleReport, StorageRef};

use super::opcodes::{Op, Reader};

/// What the machine knows about a stack value.
#[derive(Debug, Clone)]
pub enum Val {
    Str(Rc<str>),
    Int(i64),
    /// Import number `i` itself.
    Import(usize),
    /// An object made by calling import number `i`.
    Made(usize),
    Tuple(Rc<[Val]>),
    Other,
}

impl Val {
    /// The import this value is, or was made by.
    fn origin(&self) -> Option<usize> {
        match self {
            Val::Import(i) | Val::Made(i) => Some(*i),
            _ => None,
        }
    }
}

/// Whether `(module, name)` is exactly one of [`ALLOWED_IMPORTS`].
pub fn is_allowed(module: &str, name: &str) -> bool {
    ALLOWED_IMPORTS.contains(&(module, name))
}

/// The state of one scan: the stack of the pickle being run, the imports and storages of
/// every pickle so far.
#[derive(Default)]
pub struct Machine {
    stack: Vec<Val>,
    /// The stack's length at each open `MARK`.
    marks: Vec<usize>,
    memo: HashMap<u64, Val>,
    pub imports: Vec<Import>,
    pub storages: Vec<StorageRef>,
    keys: HashSet<String>,
    pub pickles: usize,
}

impl Machine {
    /// The top `n` values of the open segment of the stack, fewer when it holds fewer.
    pub fn top_values(&self, n: usize) -> &[Val] {
        let start = self.stack.len().saturating_sub(n).max(self.floor());
        &self.stack[start..]
    }

    fn push(&mut self, v: Val) {
        self.stack.push(v);
    }

    fn floor(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn pop(&mut self, r: &Reader) -> Result<Val, PickleError> {
        if self.stack.len() <= self.floor() {
            return Err(r.malformed("the stack is empty"));
        }
        Ok(self.stack.pop().expect("checked"))
    }

    fn top(&self, r: &Reader) -> Result<&Val, PickleError> {
        if self.stack.len() <= self.floor() {
            return Err(r.malformed("the stack is empty"));
        }
        Ok(self.stack.last().expect("checked"))
    }

    fn pop_mark(&mut self, r: &Reader) -> Result<Vec<Val>, PickleError> {
        let mark = self.marks.pop().ok_or_else(|| r.malformed("no MARK"))?;
        Ok(self.stack.split_off(mark))
    }

    fn call(&mut self, callable: &Val) -> Val {
        match callable.origin() {
            Some(i) => {
                self.imports[i].called = true;
                Val::Made(i)
            }
            None => Val::Other,
        }
    }

    fn import(&mut self, module: String, name: String, called: bool) -> Val {
        self.imports.push(Import {
            module,
            name,
            called,
        });
        Val::Import(self.imports.len() - 1)
    }

    /// A persistent id: torch's `("storage", type, key, location, numel)`.
    fn persistent(&mut self, pid: Val, r: &Reader) -> Result<(), PickleError> {
        let Val::Tuple(items) = pid else {
            return Err(r.malformed("a persistent id that is not a tuple"));
        };
        let [
            Val::Str(tag),
            ty,
            Val::Str(key),
            Val::Str(location),
            Val::Int(numel),
        ] = &items[..]
        else {
            return Err(r.malformed("a persistent id that is not a storage reference"));
        };
        let (Some(i), "storage", Ok(numel)) = (ty.origin(), &**tag, u64::try_from(*numel)) else {
            return Err(r.malformed("a persistent id that is not a storage reference"));
        };
        if self.keys.insert(key.to_string()) {
            let import = &self.imports[i];
            self.storages.push(StorageRef {
                storage_type: format!("{}.{}", import.module, import.name),
                key: key.to_string(),
                location: location.to_string(),
                numel,
            });
        }
        Ok(())
    }

    /// Runs one opcode; `Ok(true)` when it was `STOP`.
    pub fn apply(&mut self, op: Op, r: &mut Reader) -> Result<bool, PickleError> {
        match op {
            Op::Mark => self.marks.push(self.stack.len()),
            Op::Stop => {
                self.pop(r)?;
                return Ok(true);
            }
            Op::Pop => {
                if self.stack.len() > self.floor() {
                    self.stack.pop();
                } else {
                    self.pop_mark(r)?;
                }
            }
            Op::PopMark => {
                self.pop_mark(r)?;
            }
            Op::Dup => {
                let v = self.top(r)?.clone();
                self.push(v);
            }
            Op::Opaque | Op::PersId => self.push(Val::Other),
            Op::Int(i) => self.push(Val::Int(i)),
            Op::Str(s) => self.push(Val::Str(s.into())),
            Op::EmptyTuple => self.push(Val::Tuple(Rc::new([]))),
            Op::TupleN(n) => {
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.pop(r)?);
                }
                items.reverse();
                self.push(Val::Tuple(items.into()));
            }
            Op::Tuple => {
                let items = self.pop_mark(r)?;
                self.push(Val::Tuple(items.into()));
            }
            Op::Collect => {
                self.pop_mark(r)?;
                self.push(Val::Other);
            }
            Op::Store(n) => {
                for _ in 0..n {
                    self.pop(r)?;
                }
                self.top(r)?;
            }
            Op::StoreMark => {
                self.pop_mark(r)?;
                self.top(r)?;
            }
            Op::BinPersId => {
                let pid = self.pop(r)?;
                self.persistent(pid, r)?;
                self.push(Val::Other);
            }
            Op::Global { module, name } => {
                let v = self.import(module, name, false);
                self.push(v);
            }
            Op::StackGlobal => {
                let name = self.pop(r)?;
                let module = self.pop(r)?;
                let (Val::Str(module), Val::Str(name)) = (module, name) else {
                    return Err(r.malformed("STACK_GLOBAL on values that are not strings"));
                };
                let v = self.import(module.to_string(), name.to_string(), false);
                self.push(v);
            }
            Op::Inst { module, name } => {
                self.pop_mark(r)?;
                let v = self.import(module, name, true);
                let made = self.call(&v);
                self.push(made);
            }
            Op::Ext(code) => {
                if code == 0 {
                    return Err(r.malformed("extension code 0"));
                }
                let v = self.import("copyreg".into(), format!("extension {code}"), false);
                self.push(v);
            }
            Op::Reduce | Op::NewObj => {
                self.pop(r)?;
                let callable = self.pop(r)?;
                let made = self.call(&callable);
                self.push(made);
            }
            Op::NewObjEx => {
                self.pop(r)?;
                self.pop(r)?;
                let class = self.pop(r)?;
                let made = self.call(&class);
                self.push(made);
            }
            Op::Obj => {
                let items = self.pop_mark(r)?;
                let class = items
                    .first()
                    .ok_or_else(|| r.malformed("OBJ with no class"))?;
                let made = self.call(class);
                self.push(made);
            }
            Op::Build => {
                self.pop(r)?;
                let object = self.top(r)?.clone();
                self.call(&object);
            }
            Op::Get(key) => {
                let v = self
                    .memo
                    .get(&key)
                    .cloned()
                    .ok_or_else(|| r.malformed(format!("memo key {key} was never set")))?;
                self.push(v);
            }
            Op::Put(key) => {
                let v = self.top(r)?.clone();
                self.memo.insert(key, v);
            }
            Op::Memoize => {
                let v = self.top(r)?.clone();
                self.memo.insert(self.memo.len() as u64, v);
            }
            Op::Proto(v) => {
                if v > 5 {
                    return Err(r.malformed(format!("protocol {v} does not exist")));
                }
            }
            // A frame only tells the reader how much to buffer: the opcodes inside it are
            // read like any others, after checking that the frame fits in the stream.
            Op::Frame(len) => r.ensure_left(len)?,
            Op::Keep => {
                self.top(r)?;
            }
        }
        Ok(false)
    }

    /// Starts the next pickle of the stream: a fresh stack and memo.
    pub fn start_pickle(&mut self) {
        self.stack.clear();
        self.marks.clear();
        self.memo.clear();
    }

    /// The report once the stream is read.
    pub fn report(self) -> PickleReport {
        let safe = self.imports.iter().all(|i| is_allowed(&i.module, &i.name));
        PickleReport {
            imports: self.imports,
            storages: self.storages,
            pickles: self.pickles,
            safe,
        }
    }
}

/// Scans a whole stream: one pickle after another until the bytes run out, each ended by
/// `STOP`.
pub fn scan(stream: &[u8]) -> Result<PickleReport, PickleError> {
    if stream.is_empty() {
        return Err(PickleError::Empty);
    }
    let mut machine = Machine::default();
    let mut reader = Reader::new(stream);
    while !reader.done() {
        machine.start_pickle();
        loop {
            let op = reader.next_op()?;
            if machine.apply(op, &mut reader)? {
                break;
            }
        }
        machine.pickles += 1;
    }
    Ok(machine.report())
}
