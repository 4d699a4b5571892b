//! Decoding one pickle opcode and its argument (protocols 0 to 5), with every length
//! checked against the bytes that remain before anything is sliced or allocated. What an
//! opcode does to the stack is [`super::pickle`]'s business.

use model_files_api::PickleError;

/// A decoded opcode. Text arguments are already unescaped the way Python reads them.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Mark,
    Stop,
    Pop,
    PopMark,
    Dup,
    /// A value with no meaning for imports: a number too large or a float, `None`, a
    /// bool, bytes, an empty list, dict or set, a buffer.
    Opaque,
    Int(i64),
    Str(String),
    EmptyTuple,
    /// `TUPLE1`, `TUPLE2`, `TUPLE3`.
    TupleN(usize),
    Tuple,
    /// `LIST`, `DICT`, `FROZENSET`: pops to the mark, pushes one container.
    Collect,
    /// `APPEND` (1 value), `SETITEM` (2 values): pops values, the container stays.
    Store(usize),
    /// `APPENDS`, `SETITEMS`, `ADDITEMS`: pops to the mark, the container stays.
    StoreMark,
    PersId,
    BinPersId,
    Global {
        module: String,
        name: String,
    },
    StackGlobal,
    Inst {
        module: String,
        name: String,
    },
    Ext(u32),
    Reduce,
    Build,
    Obj,
    NewObj,
    NewObjEx,
    Get(u64),
    Put(u64),
    Memoize,
    Proto(u8),
    Frame(u64),
    /// `READONLY_BUFFER`: the top stays, only its kind changes.
    Keep,
}

/// Reads the stream one opcode at a time.
pub struct Reader<'a> {
    stream: &'a [u8],
    pos: usize,
    /// Where the opcode being decoded starts.
    pub at: usize,
}

impl<'a> Reader<'a> {
    pub fn new(stream: &'a [u8]) -> Self {
        Self {
            stream,
            pos: 0,
            at: 0,
        }
    }

    /// Whether every byte has been read.
    pub fn done(&self) -> bool {
        self.pos >= self.stream.len()
    }

    /// Skips `n` bytes (a frame's body, for readers that do not look inside it).
    pub fn skip(&mut self, n: u64) -> Result<(), PickleError> {
        self.take(n).map(|_| ())
    }

    /// Fails unless `n` more bytes remain (a frame must fit in the stream).
    pub fn ensure_left(&self, n: u64) -> Result<(), PickleError> {
        if n > (self.stream.len() - self.pos) as u64 {
            return Err(self.truncated());
        }
        Ok(())
    }

    fn truncated(&self) -> PickleError {
        PickleError::Truncated { at: self.at as u64 }
    }

    pub fn malformed(&self, reason: impl Into<String>) -> PickleError {
        PickleError::Malformed {
            at: self.at as u64,
            reason: reason.into(),
        }
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], PickleError> {
        let left = (self.stream.len() - self.pos) as u64;
        if n > left {
            return Err(self.truncated());
        }
        let bytes = &self.stream[self.pos..self.pos + n as usize];
        self.pos += n as usize;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], PickleError> {
        Ok(self.take(N as u64)?.try_into().expect("N bytes"))
    }

    fn u8(&mut self) -> Result<u8, PickleError> {
        Ok(self.array::<1>()?[0])
    }

    fn u32(&mut self) -> Result<u32, PickleError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, PickleError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A text argument: the bytes up to the next `\n`, which is consumed.
    fn line(&mut self) -> Result<&'a [u8], PickleError> {
        let rest = &self.stream[self.pos..];
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| self.truncated())?;
        self.pos += end + 1;
        Ok(&rest[..end])
    }

    fn utf8_line(&mut self) -> Result<String, PickleError> {
        let line = self.line()?;
        String::from_utf8(line.to_vec()).map_err(|_| self.malformed("a name that is not UTF-8"))
    }

    fn decimal(&mut self) -> Result<u64, PickleError> {
        let line = self.line()?;
        std::str::from_utf8(line)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| self.malformed("a memo key that is not a decimal number"))
    }

    /// A length that must not be negative, as a signed 32-bit number.
    fn signed_len(&mut self) -> Result<u64, PickleError> {
        let n = i32::from_le_bytes(self.array()?);
        u64::try_from(n).map_err(|_| self.malformed("a negative length"))
    }

    fn utf8(&mut self, n: u64) -> Result<Op, PickleError> {
        let bytes = self.take(n)?;
        String::from_utf8(bytes.to_vec())
            .map(Op::Str)
            .map_err(|_| self.malformed("a string that is not UTF-8"))
    }

    fn long(&mut self, n: u64) -> Result<Op, PickleError> {
        let bytes = self.take(n)?;
        Ok(little_endian_signed(bytes).map_or(Op::Opaque, Op::Int))
    }

    /// The next opcode.
    pub fn next_op(&mut self) -> Result<Op, PickleError> {
        self.at = self.pos;
        let code = self.u8()?;
        Ok(match code {
            b'(' => Op::Mark,
            b'.' => Op::Stop,
            b'0' => Op::Pop,
            b'1' => Op::PopMark,
            b'2' => Op::Dup,
            b'F' => {
                self.line()?;
                Op::Opaque
            }
            b'I' | b'L' => text_int(self.line()?),
            b'J' => Op::Int(i64::from(i32::from_le_bytes(self.array()?))),
            b'K' => Op::Int(i64::from(self.u8()?)),
            b'M' => Op::Int(i64::from(u16::from_le_bytes(self.array()?))),
            b'N' | 0x88 | 0x89 => Op::Opaque,
            b'G' => {
                self.take(8)?;
                Op::Opaque
            }
            0x8a => {
                let n = self.u8()?;
                self.long(u64::from(n))?
            }
            0x8b => {
                let n = self.signed_len()?;
                self.long(n)?
            }
            b'S' => {
                let line = self.line()?;
                Op::Str(quoted(line).ok_or_else(|| self.malformed("a STRING not in quotes"))?)
            }
            b'T' => {
                let n = self.signed_len()?;
                Op::Str(latin1(self.take(n)?))
            }
            b'U' => {
                let n = self.u8()?;
                Op::Str(latin1(self.take(u64::from(n))?))
            }
            b'V' => Op::Str(
                raw_unicode_escape(self.line()?)
                    .ok_or_else(|| self.malformed("a bad escape in UNICODE"))?,
            ),
            b'X' => {
                let n = self.u32()?;
                self.utf8(u64::from(n))?
            }
            0x8c => {
                let n = self.u8()?;
                self.utf8(u64::from(n))?
            }
            0x8d => {
                let n = self.u64()?;
                self.utf8(n)?
            }
            b'B' => {
                let n = self.u32()?;
                self.take(u64::from(n))?;
                Op::Opaque
            }
            b'C' => {
                let n = self.u8()?;
                self.take(u64::from(n))?;
                Op::Opaque
            }
            0x8e | 0x96 => {
                let n = self.u64()?;
                self.take(n)?;
                Op::Opaque
            }
            b']' | b'}' | 0x8f | 0x97 => Op::Opaque,
            b')' => Op::EmptyTuple,
            0x85 => Op::TupleN(1),
            0x86 => Op::TupleN(2),
            0x87 => Op::TupleN(3),
            b't' => Op::Tuple,
            b'l' | b'd' | 0x91 => Op::Collect,
            b'a' => Op::Store(1),
            b's' => Op::Store(2),
            b'e' | b'u' | 0x90 => Op::StoreMark,
            b'P' => {
                self.line()?;
                Op::PersId
            }
            b'Q' => Op::BinPersId,
            b'c' => Op::Global {
                module: self.utf8_line()?,
                name: self.utf8_line()?,
            },
            b'i' => Op::Inst {
                module: self.utf8_line()?,
                name: self.utf8_line()?,
            },
            0x93 => Op::StackGlobal,
            0x82 => Op::Ext(u32::from(self.u8()?)),
            0x83 => Op::Ext(u32::from(u16::from_le_bytes(self.array()?))),
            0x84 => Op::Ext(self.u32()?),
            b'R' => Op::Reduce,
            b'b' => Op::Build,
            b'o' => Op::Obj,
            0x81 => Op::NewObj,
            0x92 => Op::NewObjEx,
            b'g' => Op::Get(self.decimal()?),
            b'h' => Op::Get(u64::from(self.u8()?)),
            b'j' => Op::Get(u64::from(self.u32()?)),
            b'p' => Op::Put(self.decimal()?),
            b'q' => Op::Put(u64::from(self.u8()?)),
            b'r' => Op::Put(u64::from(self.u32()?)),
            0x94 => Op::Memoize,
            0x80 => Op::Proto(self.u8()?),
            0x95 => Op::Frame(self.u64()?),
            0x98 => Op::Keep,
            opcode => {
                return Err(PickleError::UnknownOpcode {
                    at: self.at as u64,
                    opcode,
                });
            }
        })
    }
}

/// A two's-complement little-endian integer, `None` when it does not fit 64 bits.
fn little_endian_signed(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() {
        return Some(0);
    }
    let negative = bytes[bytes.len() - 1] & 0x80 != 0;
    let fill = if negative { 0xff } else { 0 };
    if bytes.len() > 8 && bytes[8..].iter().any(|&b| b != fill) {
        return None;
    }
    let mut buf = [fill; 8];
    let n = bytes.len().min(8);
    buf[..n].copy_from_slice(&bytes[..n]);
    let value = i64::from_le_bytes(buf);
    ((value < 0) == negative).then_some(value)
}

/// `INT` and `LONG` text: a decimal number, maybe with an `L` suffix; `01`/`00` are bools.
fn text_int(line: &[u8]) -> Op {
    let text = std::str::from_utf8(line).unwrap_or("");
    let text = text.trim().trim_end_matches('L');
    text.parse().map_or(Op::Opaque, Op::Int)
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// A `STRING` argument: a Python quoted literal, its escapes decoded.
fn quoted(line: &[u8]) -> Option<String> {
    let (&first, rest) = line.split_first()?;
    let (&last, body) = rest.split_last()?;
    if !(first == last && (first == b'\'' || first == b'"')) {
        return None;
    }
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] != b'\\' || i + 1 == body.len() {
            out.push(body[i]);
            i += 1;
            continue;
        }
        let c = body[i + 1];
        i += 2;
        match c {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'\\' | b'\'' | b'"' => out.push(c),
            b'\n' => {}
            b'x' => {
                let hex = body.get(i..i + 2)?;
                out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
                i += 2;
            }
            b'0'..=b'7' => {
                let mut value = u32::from(c - b'0');
                let mut k = 0;
                while k < 2 && i < body.len() && (b'0'..=b'7').contains(&body[i]) {
                    value = value * 8 + u32::from(body[i] - b'0');
                    i += 1;
                    k += 1;
                }
                out.push((value & 0xff) as u8);
            }
            other => out.extend_from_slice(&[b'\\', other]),
        }
    }
    Some(latin1(&out))
}

/// A `UNICODE` argument: `raw-unicode-escape`, bytes as Latin-1 except `\uXXXX` and
/// `\UXXXXXXXX`.
fn raw_unicode_escape(line: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        let digits = match (line[i], line.get(i + 1)) {
            (b'\\', Some(b'u')) => 4,
            (b'\\', Some(b'U')) => 8,
            (b, _) => {
                out.push(char::from(b));
                i += 1;
                continue;
            }
        };
        let hex = std::str::from_utf8(line.get(i + 2..i + 2 + digits)?).ok()?;
        out.push(char::from_u32(u32::from_str_radix(hex, 16).ok()?)?);
        i += 2 + digits;
    }
    Some(out)
}
