//! Winnowing (Schleimer, Wilkerson and Aiken, "Winnowing: local algorithms for document
//! fingerprinting", SIGMOD 2003), as MOSS uses it: hash every k-gram of a token stream,
//! then keep, from every window of `w` consecutive hashes, the smallest (the rightmost one
//! on ties), each kept position once. Any run of `w + k - 1` tokens two streams share
//! yields at least one shared fingerprint; runs shorter than `k` never do.

use super::tokens::Token;

/// One kept k-gram hash and where its k-gram starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kept {
    pub hash: u64,
    pub token: usize,
}

/// 64-bit FNV-1a over the symbols of one k-gram: the same on every machine and in every
/// process, so fingerprints written by one shard compare with another's.
fn kgram_hash(tokens: &[Token]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for token in tokens {
        for byte in token.symbol.to_le_bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// The winnowed fingerprints of `tokens` with k-grams of `k` tokens and windows of `w`
/// hashes; a stream shorter than `k` has none.
pub fn winnow(tokens: &[Token], k: usize, w: usize) -> Vec<Kept> {
    assert!(k > 0 && w > 0, "k-gram and window sizes are positive");
    if tokens.len() < k {
        return Vec::new();
    }
    let hashes: Vec<u64> = tokens.windows(k).map(kgram_hash).collect();
    let mut kept: Vec<Kept> = Vec::new();
    for start in 0..hashes.len().saturating_sub(w - 1).max(1) {
        let window = &hashes[start..(start + w).min(hashes.len())];
        // The rightmost minimum: a window that slides past an equal hash keeps the old one.
        let (offset, &hash) = window
            .iter()
            .enumerate()
            .rev()
            .min_by_key(|(_, h)| **h)
            .expect("windows are not empty");
        let token = start + offset;
        if kept.last().is_none_or(|last| last.token != token) {
            kept.push(Kept { hash, token });
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(symbols: &[u32]) -> Vec<Token> {
        symbols
            .iter()
            .map(|&symbol| Token {
                symbol,
                file: 0,
                line: 1,
            })
            .collect()
    }

    #[test]
    fn a_shared_run_of_w_plus_k_minus_1_tokens_shares_a_fingerprint() {
        let (k, w) = (5, 4);
        let shared: Vec<u32> = (100..100 + (w + k - 1) as u32).collect();
        let mut a: Vec<u32> = (0..40).collect();
        a.splice(10..10, shared.iter().copied());
        let mut b: Vec<u32> = (1000..1030).collect();
        b.splice(20..20, shared.iter().copied());
        let hashes =
            |s: &[u32]| -> Vec<u64> { winnow(&stream(s), k, w).iter().map(|f| f.hash).collect() };
        let (a, b) = (hashes(&a), hashes(&b));
        assert!(a.iter().any(|h| b.contains(h)));
    }

    #[test]
    fn runs_shorter_than_k_share_nothing() {
        let (k, w) = (6, 4);
        let a: Vec<u32> = (0..50).collect();
        let b: Vec<u32> = (0..50).map(|i| if i % 5 == 0 { 999 } else { i }).collect();
        let hashes =
            |s: &[u32]| -> Vec<u64> { winnow(&stream(s), k, w).iter().map(|f| f.hash).collect() };
        let (a, b) = (hashes(&a), hashes(&b));
        assert!(!a.iter().any(|h| b.contains(h)));
    }

    #[test]
    fn every_window_keeps_a_position_and_positions_increase() {
        let symbols: Vec<u32> = (0..200).map(|i| (i * 7919) % 97).collect();
        let kept = winnow(&stream(&symbols), 8, 10);
        assert!(kept.windows(2).all(|p| p[0].token < p[1].token));
        // Density: about 2 / (w + 1) of the k-grams, never fewer than one per window.
        let kgrams = symbols.len() - 8 + 1;
        assert!(kept.len() >= kgrams / 10, "{} kept of {kgrams}", kept.len());
        assert!(winnow(&stream(&symbols[..7]), 8, 10).is_empty());
    }
}
