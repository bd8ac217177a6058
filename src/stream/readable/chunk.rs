//! What a Readable carries: bytes, text (once an encoding is set) or, in object mode, any
//! value.

use std::any::Any;
use std::fmt;
use std::rc::Rc;

use bytes::Bytes;

/// One unit of data from a Readable: the payload of its `'data'` event and what
/// [`Readable::read`](super::Readable::read) returns.
///
/// A byte stream carries [`Chunk::Bytes`] (Node's `Buffer`); after
/// [`set_encoding`](super::Readable::set_encoding) (or with the `encoding` option) it carries
/// [`Chunk::Text`] (Node's string); an object-mode stream carries whatever its source pushes,
/// as [`Chunk::Object`].
///
/// # Examples
///
/// ```
/// use nodestream::stream::readable::Chunk;
///
/// let c = Chunk::from("abc");
/// assert_eq!(c.as_bytes(), Some(&b"abc"[..]));
/// assert_eq!(c.len(), 3);
/// ```
#[derive(Clone)]
pub enum Chunk {
    /// Raw bytes (Node's `Buffer`); cloning shares the buffer.
    Bytes(Bytes),
    /// Decoded text, on a stream with an encoding.
    Text(String),
    /// Any value, on an object-mode stream.
    Object(Rc<dyn Any>),
}

impl Chunk {
    /// An object-mode chunk holding `value`.
    pub fn object<T: Any>(value: T) -> Chunk {
        Chunk::Object(Rc::new(value))
    }

    /// The length Node counts for a byte or text chunk: bytes for [`Chunk::Bytes`], UTF-8
    /// bytes for [`Chunk::Text`], 1 for an object.
    ///
    /// # Node compatibility
    ///
    /// Node counts a string by its UTF-16 code units; a Rust `String` is UTF-8, so text
    /// chunks count UTF-8 bytes here.
    pub fn len(&self) -> usize {
        match self {
            Chunk::Bytes(b) => b.len(),
            Chunk::Text(s) => s.len(),
            Chunk::Object(_) => 1,
        }
    }

    /// Whether the chunk is empty bytes or empty text (an object is never empty).
    pub fn is_empty(&self) -> bool {
        match self {
            Chunk::Bytes(b) => b.is_empty(),
            Chunk::Text(s) => s.is_empty(),
            Chunk::Object(_) => false,
        }
    }

    /// The bytes of a byte chunk or the UTF-8 bytes of a text chunk; `None` for an object.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Chunk::Bytes(b) => Some(b),
            Chunk::Text(s) => Some(s.as_bytes()),
            Chunk::Object(_) => None,
        }
    }

    /// The text of a text chunk; `None` otherwise.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Chunk::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The value of an object chunk, if it is a `T`.
    pub fn downcast_ref<T: Any>(&self) -> Option<&T> {
        match self {
            Chunk::Object(v) => v.downcast_ref(),
            _ => None,
        }
    }

    /// Consumes the chunk, giving its bytes (text as UTF-8); `None` for an object.
    pub fn into_bytes(self) -> Option<Bytes> {
        match self {
            Chunk::Bytes(b) => Some(b),
            Chunk::Text(s) => Some(Bytes::from(s.into_bytes())),
            Chunk::Object(_) => None,
        }
    }
}

impl fmt::Debug for Chunk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Chunk::Bytes(b) => f
                .debug_tuple("Bytes")
                .field(&String::from_utf8_lossy(b))
                .finish(),
            Chunk::Text(s) => f.debug_tuple("Text").field(s).finish(),
            Chunk::Object(_) => f.write_str("Object(..)"),
        }
    }
}

/// Compares bytes with bytes and text with text; objects compare by identity.
impl PartialEq for Chunk {
    fn eq(&self, other: &Chunk) -> bool {
        match (self, other) {
            (Chunk::Bytes(a), Chunk::Bytes(b)) => a == b,
            (Chunk::Text(a), Chunk::Text(b)) => a == b,
            (Chunk::Object(a), Chunk::Object(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl From<Bytes> for Chunk {
    fn from(b: Bytes) -> Chunk {
        Chunk::Bytes(b)
    }
}

/// Takes the vector's buffer over without a copy.
impl From<Vec<u8>> for Chunk {
    fn from(b: Vec<u8>) -> Chunk {
        Chunk::Bytes(Bytes::from(b))
    }
}

impl From<&[u8]> for Chunk {
    fn from(b: &[u8]) -> Chunk {
        Chunk::Bytes(Bytes::copy_from_slice(b))
    }
}

impl<const N: usize> From<&[u8; N]> for Chunk {
    fn from(b: &[u8; N]) -> Chunk {
        Chunk::Bytes(Bytes::copy_from_slice(b))
    }
}

/// A string pushed to a byte stream becomes its UTF-8 bytes, as `push(string)` does in Node
/// with the default encoding.
impl From<&str> for Chunk {
    fn from(s: &str) -> Chunk {
        Chunk::Bytes(Bytes::copy_from_slice(s.as_bytes()))
    }
}

/// As for `&str`: the UTF-8 bytes.
impl From<String> for Chunk {
    fn from(s: String) -> Chunk {
        Chunk::Bytes(Bytes::from(s.into_bytes()))
    }
}

/// What [`Readable::push`](super::Readable::push) accepts on a stream of `T`: a `T`, or
/// `None`, which is Node's `push(null)`: the end of the data. A byte stream (a stream of
/// [`Chunk`]) also takes what converts into a chunk: [`Bytes`], `Vec<u8>`, `&[u8]`,
/// `&[u8; N]`, `&str` and `String`.
pub trait PushChunk<T = Chunk> {
    /// The item, or `None` for the end of the data.
    fn into_push(self) -> Option<T>;
}

impl<T: 'static> PushChunk<T> for T {
    #[inline(always)]
    fn into_push(self) -> Option<T> {
        Some(self)
    }
}

impl<T: 'static> PushChunk<T> for Option<T> {
    #[inline(always)]
    fn into_push(self) -> Option<T> {
        self
    }
}

/// A byte stream's pushes of what converts into a [`Chunk`].
macro_rules! push_into_chunk {
    ($($(#[$m:meta])* [$($g:tt)*] $ty:ty),* $(,)?) => {$(
        impl<$($g)*> PushChunk<Chunk> for $ty {
            #[inline(always)]
            fn into_push(self) -> Option<Chunk> {
                Some(self.into())
            }
        }
    )*};
}

push_into_chunk! {
    [] Bytes,
    [] Vec<u8>,
    ['a] &'a [u8],
    ['a, const N: usize] &'a [u8; N],
    ['a] &'a str,
    [] String,
}
