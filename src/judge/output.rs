//! What a runner printed (candidate output included), kept as its head and its tail, so a
//! process that prints without end cannot grow the judge's memory.

use std::collections::VecDeque;

/// The first and the last bytes of a stream, with a count of what was dropped between:
/// the head shows what the candidate printed first, the tail how the process ended (an
/// allocation failure, a stack overflow).
#[derive(Debug, Clone)]
pub struct HeadTail {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    half: usize,
    total: usize,
}

impl HeadTail {
    /// Keeps up to `cap` bytes: half from the start, half from the end.
    pub fn new(cap: usize) -> Self {
        Self {
            head: Vec::new(),
            tail: VecDeque::new(),
            half: cap / 2,
            total: 0,
        }
    }

    pub fn push(&mut self, mut bytes: &[u8]) {
        self.total += bytes.len();
        let room = self.half.saturating_sub(self.head.len());
        let (first, rest) = bytes.split_at(room.min(bytes.len()));
        self.head.extend_from_slice(first);
        bytes = rest;
        if bytes.len() >= self.half {
            self.tail.clear();
            self.tail.extend(&bytes[bytes.len() - self.half..]);
        } else {
            let overflow = (self.tail.len() + bytes.len()).saturating_sub(self.half);
            self.tail.drain(..overflow);
            self.tail.extend(bytes);
        }
    }

    /// The last bytes kept (up to half the cap), as text: where a dying process's last
    /// words are.
    pub fn tail_text(&self) -> String {
        let (a, b) = self.tail.as_slices();
        let all = [&self.head[..], a, b].concat();
        String::from_utf8_lossy(&all[all.len().saturating_sub(self.half)..]).into_owned()
    }

    /// Head, a note of what was dropped, and tail.
    pub fn render(&self) -> String {
        let mut text = String::from_utf8_lossy(&self.head).into_owned();
        let kept = self.head.len() + self.tail.len();
        if self.total > kept {
            text.push_str(&format!(
                "\n[... {} more bytes of output dropped ...]\n",
                self.total - kept
            ));
        }
        let (a, b) = self.tail.as_slices();
        text.push_str(&String::from_utf8_lossy(&[a, b].concat()));
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_keeps_its_head_and_its_tail() {
        let mut out = HeadTail::new(10);
        out.push(b"abc");
        out.push(&[b'x'; 100]);
        out.push(b"the end");
        let text = out.render();
        assert!(
            text.starts_with("abcxx\n[... 100 more bytes of output dropped ...]\n"),
            "{text}"
        );
        assert!(text.ends_with(" end"), "{text}");
        assert_eq!(out.tail_text(), "e end");
        let mut short = HeadTail::new(64);
        short.push(b"all of it");
        assert_eq!(short.render(), "all of it");
        assert_eq!(short.tail_text(), "all of it");
    }
}
