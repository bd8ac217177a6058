//! Node's `zlib` module: gzip, deflate and raw deflate, compressing and decompressing, with
//! Node's options, chunking and errors (feature `zlib`).
//!
//! [`Engine`] is what Node's zlib streams run on: one compressor or decompressor of a
//! [`Kind`] (Node's `Gzip`, `Gunzip`, `Deflate`, `Inflate`, `DeflateRaw`, `InflateRaw`,
//! `Unzip`), fed one write at a time with a [`Flush`] mode, handing out chunks of at most
//! [`ZlibOptions::chunk_size`] bytes. The streams ([`create_gzip`], [`create_gunzip`],
//! ...) are Node's `zlib.createGzip(options)` and kin: a
//! [`Transform`](crate::stream::transform::Transform) of bytes over an engine. The
//! one-shot functions ([`gzip_sync`], [`gunzip_sync`], ...) are Node's
//! `zlib.gzipSync(buffer, options)` and kin.
//!
//! The compression itself is flate2's, on its zlib-rs backend (a Rust port of zlib-ng):
//! the bytes of compressed output differ from Node's zlib's (both are valid, and each
//! side decompresses the other's), while decompressed output, chunking and errors are
//! Node's.
//!
//! # Examples
//!
//! ```
//! use nodestream::zlib::{gunzip_sync, gzip_sync, unzip_sync, ZlibOptions};
//!
//! let opts = ZlibOptions::new();
//! let gz = gzip_sync(b"hello hello hello", &opts)?;
//! assert_eq!(&gz[..2], [0x1f, 0x8b]);
//! assert_eq!(gunzip_sync(&gz, &opts)?, b"hello hello hello");
//!
//! // Concatenated gzip members decompress as one, as in Node.
//! let two = [gz.clone(), gzip_sync(b" again", &opts)?].concat();
//! assert_eq!(unzip_sync(&two, &opts)?, b"hello hello hello again");
//!
//! // Input that ends too soon fails as in Node.
//! let err = gunzip_sync(&gz[..gz.len() - 4], &opts).unwrap_err();
//! assert_eq!(err.code().as_str(), "Z_BUF_ERROR");
//! assert_eq!((err.message(), err.errno()), ("unexpected end of file", Some(-5)));
//! # Ok::<(), nodestream::Error>(())
//! ```

mod create;
mod engine;
mod options;
#[cfg(test)]
mod tests;

pub use create::{
    create, create_deflate, create_deflate_raw, create_gunzip, create_gzip, create_inflate,
    create_inflate_raw, create_unzip,
};
pub use engine::Engine;
pub use options::{Flush, Strategy, ZlibOptions, DEFAULT_CHUNK_SIZE, MIN_CHUNK_SIZE};

use crate::error::Result;

/// What an [`Engine`] does: Node's zlib classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Compresses to the zlib format (`zlib.createDeflate()`).
    Deflate,
    /// Decompresses the zlib format (`zlib.createInflate()`).
    Inflate,
    /// Compresses to gzip (`zlib.createGzip()`).
    Gzip,
    /// Decompresses gzip, a member after another (`zlib.createGunzip()`).
    Gunzip,
    /// Compresses to raw deflate, without header or trailer (`zlib.createDeflateRaw()`).
    DeflateRaw,
    /// Decompresses raw deflate (`zlib.createInflateRaw()`).
    InflateRaw,
    /// Decompresses gzip or the zlib format, whichever the header shows
    /// (`zlib.createUnzip()`).
    Unzip,
}

impl Kind {
    /// Whether this kind compresses (`Deflate`, `Gzip`, `DeflateRaw`).
    pub fn compresses(self) -> bool {
        matches!(self, Kind::Deflate | Kind::Gzip | Kind::DeflateRaw)
    }
}

/// Runs `input` through an engine of `kind` as Node's `zlibBufferSync` does: one write
/// with the options' `finish_flush`, the output gathered.
fn sync(kind: Kind, input: &[u8], options: &ZlibOptions) -> Result<Vec<u8>> {
    let mut engine = Engine::new(kind, options)?;
    let mut output = Vec::new();
    engine.process(input, options.finish_flush, &mut |chunk| {
        output.extend_from_slice(&chunk)
    })?;
    Ok(output)
}

/// Node's `zlib.deflateSync(buffer, options)`: `input` compressed to the zlib format.
///
/// # Errors
///
/// `ERR_OUT_OF_RANGE` for an option out of range ([`ZlibOptions`]).
pub fn deflate_sync(input: &[u8], options: &ZlibOptions) -> Result<Vec<u8>> {
    sync(Kind::Deflate, input, options)
}

/// Node's `zlib.inflateSync(buffer, options)`: the zlib format decompressed.
///
/// # Errors
///
/// As [`Engine::process`]: `Z_DATA_ERROR` for bad input, `Z_BUF_ERROR` (`unexpected end
/// of file`) for input that ends too soon (unless `finish_flush` is not
/// [`Flush::Finish`]: then the output so far is returned, as in Node); `ERR_OUT_OF_RANGE`
/// for an option out of range.
pub fn inflate_sync(input: &[u8], options: &ZlibOptions) -> Result<Vec<u8>> {
    sync(Kind::Inflate, input, options)
}

/// Node's `zlib.gzipSync(buffer, options)`: `input` compressed to gzip.
///
/// # Errors
///
/// `ERR_OUT_OF_RANGE` for an option out of range ([`ZlibOptions`]).
pub fn gzip_sync(input: &[u8], options: &ZlibOptions) -> Result<Vec<u8>> {
    sync(Kind::Gzip, input, options)
}

/// Node's `zlib.gunzipSync(buffer, options)`: gzip decompressed, every member of it.
///
/// # Errors
///
/// As [`inflate_sync`].
pub fn gunzip_sync(input: &[u8], options: &ZlibOptions) -> Result<Vec<u8>> {
    sync(Kind::Gunzip, input, options)
}

/// Node's `zlib.deflateRawSync(buffer, options)`: `input` compressed to raw deflate.
///
/// # Errors
///
/// `ERR_OUT_OF_RANGE` for an option out of range ([`ZlibOptions`]).
pub fn deflate_raw_sync(input: &[u8], options: &ZlibOptions) -> Result<Vec<u8>> {
    sync(Kind::DeflateRaw, input, options)
}

/// Node's `zlib.inflateRawSync(buffer, options)`: raw deflate decompressed.
///
/// # Errors
///
/// As [`inflate_sync`].
pub fn inflate_raw_sync(input: &[u8], options: &ZlibOptions) -> Result<Vec<u8>> {
    sync(Kind::InflateRaw, input, options)
}

/// Node's `zlib.unzipSync(buffer, options)`: gzip or the zlib format decompressed, as the
/// header shows.
///
/// # Errors
///
/// As [`inflate_sync`].
pub fn unzip_sync(input: &[u8], options: &ZlibOptions) -> Result<Vec<u8>> {
    sync(Kind::Unzip, input, options)
}
