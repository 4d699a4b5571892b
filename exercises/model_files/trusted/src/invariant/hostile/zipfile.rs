//! A zip writer small enough to read: stored entries, and a deflated entry of zeros that
//! expands a thousandfold (a decompression bomb), written by hand so that the archives the
//! properties use need no zip library and can say anything a hostile archive says.

/// One entry as it will be written.
#[derive(Debug, Clone)]
pub struct ZipEntry {
    pub name: String,
    /// The bytes as stored in the archive (compressed for method 8).
    pub stored: Vec<u8>,
    /// 0 stored, 8 deflated.
    pub method: u16,
    pub crc: u32,
    /// The size it declares once decompressed.
    pub size: u64,
}

/// CRC-32 (IEEE), bit by bit: the entries here are small.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xedb8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// A stored (uncompressed) entry.
pub fn stored(name: &str, bytes: &[u8]) -> ZipEntry {
    ZipEntry {
        name: name.to_owned(),
        stored: bytes.to_vec(),
        method: 0,
        crc: crc32(bytes),
        size: bytes.len() as u64,
    }
}

/// Writes bits least significant first, as deflate does.
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u32, bits: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += bits;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code, which deflate writes most significant bit first.
    fn code(&mut self, code: u32, bits: u32) {
        self.put(code.reverse_bits() >> (32 - bits), bits);
    }

    fn literal(&mut self, b: u8) {
        match b {
            0..=143 => self.code(0x30 + u32::from(b), 8),
            _ => self.code(0x190 + u32::from(b - 144), 9),
        }
    }
}

/// `prefix` followed by `zeros` zero bytes, deflated with the fixed Huffman codes: each
/// run of 258 zeros is one 13-bit back-reference. Its CRC is left 0: a scan must refuse
/// the entry long before it reads to the end, where the CRC is checked.
pub fn deflated_zeros(name: &str, prefix: &[u8], zeros: u64) -> ZipEntry {
    let mut bits = Bits {
        out: Vec::new(),
        acc: 0,
        n: 0,
    };
    bits.put(1, 1); // the final block
    bits.put(1, 2); // fixed Huffman codes
    for &b in prefix {
        bits.literal(b);
    }
    let mut left = zeros;
    if left > 0 {
        bits.literal(0);
        left -= 1;
    }
    while left >= 258 {
        bits.code(0xc5, 8); // length 258: symbol 285
        bits.code(0, 5); // distance 1
        left -= 258;
    }
    for _ in 0..left {
        bits.literal(0);
    }
    bits.code(0, 7); // end of block: symbol 256
    if bits.n > 0 {
        bits.out.push(bits.acc as u8);
    }
    ZipEntry {
        name: name.to_owned(),
        stored: bits.out,
        method: 8,
        crc: 0,
        size: prefix.len() as u64 + zeros,
    }
}

fn u16le(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn u32le(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// The archive: local headers and data, the central directory, its end record.
pub fn write(entries: &[ZipEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let name = e.name.as_bytes();
        u32le(&mut out, 0x0403_4b50);
        for v in [20, 0, e.method, 0, 0] {
            u16le(&mut out, v);
        }
        u32le(&mut out, e.crc);
        u32le(&mut out, e.stored.len() as u32);
        u32le(&mut out, e.size as u32);
        u16le(&mut out, name.len() as u16);
        u16le(&mut out, 0);
        out.extend_from_slice(name);
        out.extend_from_slice(&e.stored);

        u32le(&mut central, 0x0201_4b50);
        for v in [20, 20, 0, e.method, 0, 0] {
            u16le(&mut central, v);
        }
        u32le(&mut central, e.crc);
        u32le(&mut central, e.stored.len() as u32);
        u32le(&mut central, e.size as u32);
        for v in [name.len() as u16, 0, 0, 0, 0] {
            u16le(&mut central, v);
        }
        u32le(&mut central, 0);
        u32le(&mut central, offset);
        central.extend_from_slice(name);
    }
    let (cd_offset, cd_size) = (out.len() as u32, central.len() as u32);
    out.extend_from_slice(&central);
    u32le(&mut out, 0x0605_4b50);
    for v in [0, 0, entries.len() as u16, entries.len() as u16] {
        u16le(&mut out, v);
    }
    u32le(&mut out, cd_size);
    u32le(&mut out, cd_offset);
    u16le(&mut out, 0);
    out
}
