//! Storage of the index's flat arrays: owned while building, borrowed from a memory-mapped
//! snapshot once loaded. Every structure of a [`crate::Segment`] is made of these, so that a
//! snapshot is read in place, without copying or parsing (see `docs/adr/0001-search-index.md`).

use std::ops::Deref;
use std::sync::Arc;

use bytemuck::Pod;

/// A read-only byte buffer: a `Vec` or a window of a shared memory map.
#[derive(Clone)]
pub enum Bytes {
    Owned(Arc<[u8]>),
    Mapped { map: Arc<memmap2::Mmap>, start: usize, len: usize },
}

impl Bytes {
    pub fn from_vec(v: Vec<u8>) -> Self {
        Self::Owned(v.into())
    }
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        match self {
            Self::Owned(v) => v,
            Self::Mapped { map, start, len } => &map[*start..*start + *len],
        }
    }
}

impl Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_ref()
    }
}

/// A typed read-only array of plain-old-data values, over [`Bytes`].
///
/// Invariant: the bytes are aligned for `T` and their length is a multiple of `size_of::<T>()`
/// (checked by [`Arr::from_bytes`]; snapshot sections are 8-byte aligned).
#[derive(Clone)]
pub struct Arr<T: Pod> {
    bytes: Bytes,
    _t: std::marker::PhantomData<T>,
}

impl<T: Pod> Arr<T> {
    #[allow(clippy::needless_pass_by_value)] // takes the builder's vector: it is not used after
    pub fn from_vec(v: Vec<T>) -> Self {
        let bytes: Vec<u8> = bytemuck::cast_slice(&v).to_vec();
        Self { bytes: Bytes::from_vec(bytes), _t: std::marker::PhantomData }
    }

    /// Views `bytes` as `[T]`; `None` when misaligned or of a wrong length.
    pub fn from_bytes(bytes: Bytes) -> Option<Self> {
        bytemuck::try_cast_slice::<u8, T>(&bytes).ok()?;
        Some(Self { bytes, _t: std::marker::PhantomData })
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl<T: Pod> Deref for Arr<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        // Checked at construction: alignment and length fit `T`.
        bytemuck::try_cast_slice(&self.bytes).unwrap_or(&[])
    }
}

/// A table of strings: offsets (`len + 1` of them) into one UTF-8 blob.
#[derive(Clone)]
pub struct StrTable {
    pub offsets: Arr<u32>,
    pub bytes: Bytes,
}

impl StrTable {
    pub fn get(&self, i: usize) -> &str {
        let (Some(&a), Some(&b)) = (self.offsets.get(i), self.offsets.get(i + 1)) else {
            return "";
        };
        self.bytes
            .get(a as usize..b as usize)
            .and_then(|s| std::str::from_utf8(s).ok())
            .unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// `true` when every offset is in bounds and non-decreasing, and every entry is UTF-8.
    pub fn validate(&self) -> bool {
        let off = &*self.offsets;
        if off.is_empty() || off.windows(2).any(|w| w[0] > w[1]) {
            return false;
        }
        if *off.last().unwrap_or(&0) as usize > self.bytes.len() {
            return false;
        }
        // The whole blob is UTF-8 and every offset is a character boundary, so every entry is
        // UTF-8: linear (checking each entry's prefix from the start was quadratic, minutes
        // on a France-scale snapshot).
        std::str::from_utf8(&self.bytes[..*off.last().unwrap_or(&0) as usize])
            .is_ok_and(|s| off.iter().all(|&o| s.is_char_boundary(o as usize)))
    }
}

/// Builds a [`StrTable`].
#[derive(Default)]
pub struct StrTableBuilder {
    offsets: Vec<u32>,
    bytes: Vec<u8>,
}

impl StrTableBuilder {
    pub fn new() -> Self {
        Self { offsets: vec![0], bytes: Vec::new() }
    }

    /// Appends a string and returns its index.
    pub fn push(&mut self, s: &str) -> u32 {
        self.bytes.extend_from_slice(s.as_bytes());
        self.offsets.push(u32::try_from(self.bytes.len()).expect("string table over 4 GiB"));
        (self.offsets.len() - 2) as u32
    }

    pub fn finish(self) -> StrTable {
        StrTable { offsets: Arr::from_vec(self.offsets), bytes: Bytes::from_vec(self.bytes) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn str_table_round_trip() {
        let mut b = StrTableBuilder::new();
        assert_eq!(b.push("rue"), 0);
        assert_eq!(b.push(""), 1);
        assert_eq!(b.push("élysée"), 2);
        let t = b.finish();
        assert_eq!(t.len(), 3);
        assert_eq!(t.get(0), "rue");
        assert_eq!(t.get(1), "");
        assert_eq!(t.get(2), "élysée");
        assert_eq!(t.get(3), "");
        assert!(t.validate());
    }

    #[test]
    fn str_table_offsets_must_be_char_boundaries() {
        let mut b = StrTableBuilder::new();
        b.push("é");
        let t = b.finish();
        assert!(t.validate());
        // An offset inside `é` (two bytes): the entries would not be UTF-8.
        let cut = StrTable { offsets: Arr::from_vec(vec![0, 1, 2]), bytes: t.bytes.clone() };
        assert!(!cut.validate());
    }

    #[test]
    fn arr_checks_length() {
        let a = Arr::from_vec(vec![1u32, 2, 3]);
        assert_eq!(&*a, &[1, 2, 3]);
        assert!(Arr::<u32>::from_bytes(Bytes::from_vec(vec![0u8; 7])).is_none());
    }
}
