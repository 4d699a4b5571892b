//! Frames on the call pipes: a 4-byte little-endian length, then that many bytes. A
//! length over the reader's cap is an error before anything is allocated, so a hostile
//! peer cannot make the reader allocate what a number says.

use std::io::{self, Read, Write};

/// The largest frame either side accepts: enough for a benchmark's dataset or a batch of
/// results, small enough that a forged length cannot exhaust the judge's memory.
pub const MAX_FRAME: usize = 256 * 1024 * 1024;

/// Writes one frame and flushes it.
pub fn write(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    let len = u32::try_from(bytes.len())
        .ok()
        .filter(|&n| n as usize <= MAX_FRAME)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "frame too large"))?;
    // One write for the header and the body: one system call for a small frame.
    let mut frame = Vec::with_capacity(4 + bytes.len());
    frame.extend_from_slice(&len.to_le_bytes());
    frame.extend_from_slice(bytes);
    out.write_all(&frame)?;
    out.flush()
}

/// Reads one frame; `Ok(None)` at a clean end of the stream (before a frame starts).
pub fn read(input: &mut impl Read, cap: usize) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; 4];
    let mut got = 0;
    while got < header.len() {
        match input.read(&mut header[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let len = u32::from_le_bytes(header) as usize;
    if len > cap {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a frame of {len} bytes is over the cap of {cap}"),
        ));
    }
    let mut body = Vec::new();
    input.take(len as u64).read_to_end(&mut body)?;
    if body.len() != len {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(Some(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_a_clean_end_is_none() {
        let mut pipe = Vec::new();
        write(&mut pipe, b"abc").unwrap();
        write(&mut pipe, b"").unwrap();
        let mut input = &pipe[..];
        assert_eq!(read(&mut input, 16).unwrap().unwrap(), b"abc");
        assert_eq!(read(&mut input, 16).unwrap().unwrap(), b"");
        assert!(read(&mut input, 16).unwrap().is_none());
    }

    #[test]
    fn a_length_over_the_cap_is_refused_before_allocating() {
        let forged = u32::MAX.to_le_bytes();
        let err = read(&mut &forged[..], 1024).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        let truncated = [5u8, 0, 0, 0, b'a'];
        assert!(read(&mut &truncated[..], 1024).is_err());
    }
}
