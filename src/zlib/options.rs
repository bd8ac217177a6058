//! [`ZlibOptions`]: Node's options of `zlib.createGzip(options)` and kin, with Node's
//! defaults and Node's range checks; [`Flush`] and [`Strategy`], Node's zlib constants.

use crate::error::{Error, ErrorCode, Result};

use super::Kind;

/// Node's default `chunkSize`: the most bytes one output chunk holds (16 KiB).
pub const DEFAULT_CHUNK_SIZE: usize = 16 * 1024;

/// The smallest `chunkSize` Node accepts (`zlib.constants.Z_MIN_CHUNK`).
pub const MIN_CHUNK_SIZE: usize = 64;

/// A flush mode: Node's `zlib.constants.Z_NO_FLUSH` to `Z_BLOCK`, with the same numbers.
///
/// # Node compatibility
///
/// [`Flush::Block`] asks the deflating side for a partial flush (flate2 has no `Z_BLOCK`):
/// the bytes differ from zlib's, and decompress to the same. The inflating side treats
/// every mode but [`Flush::Finish`] as [`Flush::None`], as zlib's `inflate()` does except
/// for `Z_BLOCK`, which there only makes the output come in smaller pieces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flush {
    /// `Z_NO_FLUSH` (0): the compressor keeps what it has for better compression.
    None = 0,
    /// `Z_PARTIAL_FLUSH` (1).
    Partial = 1,
    /// `Z_SYNC_FLUSH` (2): everything so far comes out, byte-aligned.
    Sync = 2,
    /// `Z_FULL_FLUSH` (3): as `Sync`, and the compressor forgets the past, so decompression
    /// can restart here (what Node's `zlib.flush()` asks for by default).
    Full = 3,
    /// `Z_FINISH` (4): the end of the data (Node's default `finishFlush`).
    Finish = 4,
    /// `Z_BLOCK` (5).
    Block = 5,
}

/// A compression strategy: Node's `zlib.constants.Z_DEFAULT_STRATEGY` to `Z_FIXED`, with the
/// same numbers.
///
/// # Node compatibility
///
/// flate2 has no way to set the strategy, so only the default is applied: the others
/// are accepted and give a valid stream of the default strategy's bytes (its size may
/// differ from what zlib would make with the strategy asked for).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// `Z_DEFAULT_STRATEGY` (0).
    #[default]
    Default = 0,
    /// `Z_FILTERED` (1).
    Filtered = 1,
    /// `Z_HUFFMAN_ONLY` (2).
    HuffmanOnly = 2,
    /// `Z_RLE` (3).
    Rle = 3,
    /// `Z_FIXED` (4).
    Fixed = 4,
}

/// The options of a zlib stream or engine: Node's `options` of `zlib.createGzip(options)`,
/// `zlib.gzipSync(buffer, options)` and kin, with Node's defaults.
///
/// Nothing is checked until an [`Engine`](super::Engine) is made with them; then an
/// out-of-range value fails as Node's constructor throws, with `ERR_OUT_OF_RANGE` and
/// Node's message, checked in Node's order (`windowBits`, `level`, `memLevel`,
/// `chunkSize`).
///
/// # Examples
///
/// ```
/// use nodestream::zlib::{Engine, Kind, ZlibOptions};
///
/// let opts = ZlibOptions::new().level(9).chunk_size(64 * 1024);
/// assert_eq!((opts.level, opts.chunk_size), (9, 65536));
///
/// let err = Engine::new(Kind::Gzip, &ZlibOptions::new().level(12)).unwrap_err();
/// assert_eq!(err.code().as_str(), "ERR_OUT_OF_RANGE");
/// assert_eq!(
///     err.message(),
///     "The value of \"options.level\" is out of range. It must be >= -1 and <= 9. Received 12"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZlibOptions {
    /// The compression level, -1 (zlib's default, 6) to 9 (default -1). Only the
    /// compressing kinds use it.
    pub level: i32,
    /// The base-2 logarithm of the window, 8 to 15 (9 to 15 for gzip). `None` is Node's
    /// default: 15 when compressing; when decompressing with [`Kind::Inflate`],
    /// [`Kind::Gunzip`] or [`Kind::Unzip`], 0, the window the stream's header names
    /// (`Some(0)` means the same there).
    ///
    /// # Node compatibility
    ///
    /// 8 is taken as 9, as zlib does when compressing; when decompressing, Node's zlib
    /// keeps 8 and then rejects a stream whose header names a larger window
    /// (`invalid window size`) or whose references reach further back, which nodestream
    /// accepts (flate2's smallest window is 9).
    pub window_bits: Option<i32>,
    /// How much memory the compressor uses, 1 to 9 (default 8).
    ///
    /// # Node compatibility
    ///
    /// Checked as Node does, and otherwise unused: flate2 has no way to set it, so the
    /// compressor runs with the default, 8 (the bytes may differ from zlib's with another
    /// `memLevel`; they decompress to the same).
    pub mem_level: i32,
    /// The compression strategy (default [`Strategy::Default`]; see its notes).
    pub strategy: Strategy,
    /// The most bytes one output chunk holds, at least 64 (default 16384).
    pub chunk_size: usize,
    /// The flush mode of every write (default [`Flush::None`]).
    pub flush: Flush,
    /// The flush mode of the last write, at the end (default [`Flush::Finish`]).
    pub finish_flush: Flush,
}

impl Default for ZlibOptions {
    fn default() -> Self {
        ZlibOptions {
            level: -1,
            window_bits: None,
            mem_level: 8,
            strategy: Strategy::Default,
            chunk_size: DEFAULT_CHUNK_SIZE,
            flush: Flush::None,
            finish_flush: Flush::Finish,
        }
    }
}

impl ZlibOptions {
    /// Node's defaults.
    pub fn new() -> ZlibOptions {
        ZlibOptions::default()
    }

    /// Sets [`level`](ZlibOptions::level).
    pub fn level(mut self, level: i32) -> Self {
        self.level = level;
        self
    }

    /// Sets [`window_bits`](ZlibOptions::window_bits).
    pub fn window_bits(mut self, window_bits: i32) -> Self {
        self.window_bits = Some(window_bits);
        self
    }

    /// Sets [`mem_level`](ZlibOptions::mem_level).
    pub fn mem_level(mut self, mem_level: i32) -> Self {
        self.mem_level = mem_level;
        self
    }

    /// Sets [`strategy`](ZlibOptions::strategy).
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Sets [`chunk_size`](ZlibOptions::chunk_size).
    pub fn chunk_size(mut self, chunk_size: usize) -> Self {
        self.chunk_size = chunk_size;
        self
    }

    /// Sets [`flush`](ZlibOptions::flush).
    pub fn flush(mut self, flush: Flush) -> Self {
        self.flush = flush;
        self
    }

    /// Sets [`finish_flush`](ZlibOptions::finish_flush).
    pub fn finish_flush(mut self, finish_flush: Flush) -> Self {
        self.finish_flush = finish_flush;
        self
    }

    /// Checks the options for `kind` as Node's constructor does, and gives the window bits
    /// to use: 0 for "the header's", else 8 to 15.
    pub(super) fn validate(&self, kind: Kind) -> Result<u8> {
        let auto_window = matches!(kind, Kind::Inflate | Kind::Gunzip | Kind::Unzip);
        let window_bits = match self.window_bits {
            None | Some(0) if auto_window => 0,
            None => 15,
            Some(bits) => {
                // `{ windowBits: 8 }` is valid for deflate but not for gzip.
                let min = if kind == Kind::Gzip { 9 } else { 8 };
                check_range("options.windowBits", bits, min, 15)?;
                bits as u8
            }
        };
        check_range("options.level", self.level, -1, 9)?;
        check_range("options.memLevel", self.mem_level, 1, 9)?;
        if self.chunk_size < MIN_CHUNK_SIZE {
            return Err(out_of_range(
                "options.chunkSize",
                &format!(">= {MIN_CHUNK_SIZE}"),
                self.chunk_size,
            ));
        }
        Ok(window_bits)
    }
}

fn check_range(name: &str, value: i32, min: i32, max: i32) -> Result<()> {
    if (min..=max).contains(&value) {
        return Ok(());
    }
    Err(out_of_range(name, &format!(">= {min} and <= {max}"), value))
}

/// Node's `ERR_OUT_OF_RANGE` for an option (no value here reaches 2^32, past which Node
/// writes the number with `_` separators).
fn out_of_range(name: &str, range: &str, received: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::OutOfRange,
        format!("The value of \"{name}\" is out of range. It must be {range}. Received {received}"),
    )
}
