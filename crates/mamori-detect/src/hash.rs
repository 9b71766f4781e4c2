//! A fast hash for the detector's fixed look-up tables (field names, log-source values,
//! rule ids): std's SipHash cost more than the look-ups themselves on the network path,
//! where every field of every event is looked up. The tables are built from rules and
//! mappings, never grown from events, so flooding them with colliding keys is not a
//! concern; tables keyed by event values keep std's randomised hash.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

/// A [`HashMap`] with [`FastHash`].
pub(crate) type FastMap<K, V> = HashMap<K, V, FastHash>;

/// Builds [`FxHasher`]s.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FastHash;

impl BuildHasher for FastHash {
    type Hasher = FxHasher;

    fn build_hasher(&self) -> FxHasher {
        FxHasher(0)
    }
}

/// The multiply-rotate hash of rustc (FxHash), eight bytes at a time.
#[derive(Debug)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        // The multiply leaves the high bits best mixed; the table indexes by the low ones.
        self.0.rotate_left(26)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_find_what_they_hold_and_nothing_else() {
        let keys: Vec<String> = (0..2000)
            .map(|i| format!("{}{i}", "k".repeat(i % 19)))
            .collect();
        let table: FastMap<&str, usize> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i))
            .collect();
        assert_eq!(table.len(), keys.len());
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(table.get(key.as_str()), Some(&i));
            assert_eq!(table.get(format!("{key}\0").as_str()), None);
        }
        // Strings that differ only in trailing zero bytes hash apart from their prefix.
        let hash = |s: &str| FastHash.hash_one(s);
        assert_ne!(hash("ab"), hash("ab\0"));
        assert_ne!(hash(""), hash("\0"));
    }
}
