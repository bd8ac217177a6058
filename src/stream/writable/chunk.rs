//! Byte-mode chunks: bytes, or a string kept with its encoding when strings are not decoded.

use std::fmt;

use bytes::Bytes;

use crate::stream::encoding::{js_length, Encoding};

/// A chunk of a byte-mode Writable, as its [`Sink`](super::Sink) receives it.
///
/// Usually bytes ([`Encoding::Buffer`]): strings are encoded to bytes on `write` (Node's
/// `decodeStrings: true`). With `decode_strings: false`, a string chunk reaches the sink
/// as the string and its encoding, and counts its UTF-16 length, as in Node.
///
/// The bytes are a [`Bytes`]: writing a `Bytes` or a `Vec<u8>` hands its buffer over
/// without a copy; cloning a chunk shares it.
#[derive(Clone, PartialEq, Eq)]
pub struct Chunk {
    data: Bytes,
    encoding: Encoding,
}

impl Chunk {
    /// A chunk of bytes.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Chunk {
        Chunk {
            data: bytes.into(),
            encoding: Encoding::Buffer,
        }
    }

    /// A string chunk kept as a string with its encoding (what `_write` receives when
    /// `decode_strings` is off).
    pub fn from_string(s: impl Into<String>, encoding: Encoding) -> Chunk {
        Chunk {
            data: Bytes::from(s.into().into_bytes()),
            encoding,
        }
    }

    /// `"buffer"` for bytes, else the encoding of a string chunk.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Whether this is a string chunk (only with `decode_strings` off).
    pub fn is_string(&self) -> bool {
        self.encoding != Encoding::Buffer
    }

    /// The bytes; for a string chunk, the string's UTF-8 text.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// The string of a string chunk.
    pub fn as_str(&self) -> Option<&str> {
        if self.is_string() {
            std::str::from_utf8(&self.data).ok()
        } else {
            None
        }
    }

    /// The bytes this chunk stands for: a string chunk encoded with its encoding (Node's
    /// `Buffer.from(chunk, encoding)`), bytes as they are.
    pub fn to_bytes(&self) -> Bytes {
        match self.as_str() {
            Some(s) => Bytes::from(self.encoding.encode(s)),
            None => self.data.clone(),
        }
    }

    /// How many bytes this chunk stands for (the length of [`to_bytes`](Chunk::to_bytes)):
    /// what a socket counts in `bytesWritten`. A string chunk in an encoding other than
    /// UTF-8 is encoded to be measured.
    pub(crate) fn encoded_len(&self) -> usize {
        match self.encoding {
            Encoding::Buffer | Encoding::Utf8 => self.data.len(),
            _ => self.to_bytes().len(),
        }
    }

    /// The shared buffer itself (for a string chunk, its UTF-8 text).
    pub fn into_bytes(self) -> Bytes {
        self.data
    }

    /// What this chunk adds to `writable_length`: its byte count, or for a string chunk
    /// its length in UTF-16 code units (JavaScript's `string.length`).
    #[inline]
    pub fn len(&self) -> usize {
        if self.encoding == Encoding::Buffer {
            self.data.len()
        } else {
            self.as_str().map_or(self.data.len(), js_length)
        }
    }

    /// Whether [`len`](Chunk::len) is zero.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

impl fmt::Debug for Chunk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_str() {
            Some(s) => write!(f, "Chunk({s:?}, {})", self.encoding),
            None => write!(f, "Chunk({:?})", self.data),
        }
    }
}

/// What `write` accepts for a stream of `T`: `T` itself, and for byte streams
/// ([`Chunk`]) also `&[u8]`, `Vec<u8>`, [`Bytes`], `&str` and `String`.
///
/// Strings are taken in the stream's default encoding (see
/// [`write_str`](super::Writable::write_str) for another one).
pub trait WriteInput<T> {
    /// Converts into the stream's chunk type, given the encoding for strings and whether
    /// strings are decoded to bytes.
    fn into_chunk(self, encoding: Encoding, decode_strings: bool) -> T;
}

impl<T> WriteInput<T> for T {
    #[inline]
    fn into_chunk(self, _: Encoding, _: bool) -> T {
        self
    }
}

impl WriteInput<Chunk> for Bytes {
    #[inline]
    fn into_chunk(self, _: Encoding, _: bool) -> Chunk {
        Chunk::from_bytes(self)
    }
}

impl WriteInput<Chunk> for Vec<u8> {
    #[inline]
    fn into_chunk(self, _: Encoding, _: bool) -> Chunk {
        Chunk::from_bytes(self)
    }
}

impl WriteInput<Chunk> for &[u8] {
    fn into_chunk(self, _: Encoding, _: bool) -> Chunk {
        Chunk::from_bytes(Bytes::copy_from_slice(self))
    }
}

impl<const N: usize> WriteInput<Chunk> for &[u8; N] {
    fn into_chunk(self, _: Encoding, _: bool) -> Chunk {
        Chunk::from_bytes(Bytes::copy_from_slice(self))
    }
}

pub(crate) fn string_chunk(s: &str, encoding: Encoding, decode_strings: bool) -> Chunk {
    if decode_strings {
        Chunk::from_bytes(encoding.encode(s))
    } else {
        Chunk::from_string(s, encoding)
    }
}

impl WriteInput<Chunk> for &str {
    fn into_chunk(self, encoding: Encoding, decode_strings: bool) -> Chunk {
        string_chunk(self, encoding, decode_strings)
    }
}

impl WriteInput<Chunk> for &String {
    fn into_chunk(self, encoding: Encoding, decode_strings: bool) -> Chunk {
        string_chunk(self, encoding, decode_strings)
    }
}

impl WriteInput<Chunk> for String {
    fn into_chunk(self, encoding: Encoding, decode_strings: bool) -> Chunk {
        if decode_strings && encoding == Encoding::Utf8 {
            Chunk::from_bytes(self.into_bytes())
        } else if decode_strings {
            Chunk::from_bytes(encoding.encode(&self))
        } else {
            Chunk::from_string(self, encoding)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_chunks_count_utf16_units_bytes_count_bytes() {
        let s: Chunk = "héllo".into_chunk(Encoding::Utf8, false);
        assert_eq!(s.len(), 5);
        assert_eq!(s.encoding(), Encoding::Utf8);
        assert_eq!(s.as_str(), Some("héllo"));
        let b: Chunk = "héllo".into_chunk(Encoding::Utf8, true);
        assert_eq!(b.len(), 6);
        assert_eq!(b.encoding(), Encoding::Buffer);
        assert_eq!(b.as_str(), None);
        let h: Chunk = "6869".into_chunk(Encoding::Hex, true);
        assert_eq!(h.as_bytes(), b"hi");
        let kept: Chunk = "6869".into_chunk(Encoding::Hex, false);
        assert_eq!(kept.to_bytes().as_ref(), b"hi");
    }

    #[test]
    fn owned_buffers_are_not_copied() {
        let v = vec![1u8, 2, 3];
        let ptr = v.as_ptr();
        let c: Chunk = v.into_chunk(Encoding::Utf8, true);
        assert_eq!(c.as_bytes().as_ptr(), ptr);
        let b = Bytes::from_static(b"xyz");
        let c: Chunk = b.clone().into_chunk(Encoding::Utf8, true);
        assert_eq!(c.as_bytes().as_ptr(), b.as_ptr());
    }
}
