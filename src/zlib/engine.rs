//! [`Engine`]: one zlib stream's compressor or decompressor, driven as Node's zlib streams
//! drive theirs (`lib/zlib.js` over `src/node_zlib.cc`).

use std::fmt;

use bytes::{Bytes, BytesMut};
use flate2::{
    Compress, CompressError, Compression, Decompress, DecompressError, FlushCompress,
    FlushDecompress, Status,
};

use crate::error::{Error, ErrorCode, Result};

use super::{Flush, Kind, ZlibOptions};

/// zlib's return codes, as Node's `err.errno` gives them.
const Z_NEED_DICT: i32 = 2;
const Z_STREAM_ERROR: i32 = -2;
const Z_DATA_ERROR: i32 = -3;
const Z_BUF_ERROR: i32 = -5;

/// The first two bytes of a gzip member.
const GZIP_ID1: u8 = 0x1f;
const GZIP_ID2: u8 = 0x8b;

/// The compressor or decompressor of one stream, with Node's chunking and Node's errors:
/// what a zlib stream of Node's (`zlib.createGzip()` and kin) runs on, without the stream.
///
/// [`process`](Engine::process) takes the bytes of one write and a [`Flush`] mode and
/// hands out what comes out in chunks of at most [`chunk_size`](ZlibOptions::chunk_size)
/// bytes, as Node pushes them: each chunk is the next piece of one output buffer of
/// `chunk_size` bytes, so a write that makes little output leaves the rest of the buffer
/// for the next write, and a new buffer starts when one is full. The stream ends with a
/// call whose flush is [`Flush::Finish`] (Node's `finishFlush` on the last write).
///
/// Errors are Node's: corrupt input fails with `Z_DATA_ERROR` and zlib's message
/// (`incorrect header check`, `invalid stored block lengths`, ...), input that ends too
/// soon fails at [`Flush::Finish`] with `Z_BUF_ERROR`, `unexpected end of file`, and
/// [`Error::errno`] gives zlib's number as Node's `err.errno`. After an error the engine
/// gives the same error again (Node destroys the stream).
///
/// # Examples
///
/// ```
/// use nodestream::zlib::{Engine, Flush, Kind, ZlibOptions};
///
/// let mut gzip = Engine::new(Kind::Gzip, &ZlibOptions::new())?;
/// let mut compressed = Vec::new();
/// gzip.process(b"hello, ", Flush::None, &mut |c| compressed.extend_from_slice(&c))?;
/// gzip.process(b"zlib", Flush::Finish, &mut |c| compressed.extend_from_slice(&c))?;
///
/// let mut gunzip = Engine::new(Kind::Gunzip, &ZlibOptions::new().chunk_size(64))?;
/// let mut chunks = Vec::new();
/// gunzip.process(&compressed, Flush::Finish, &mut |c| chunks.push(c))?;
/// assert_eq!(chunks.concat(), b"hello, zlib");
///
/// // Not gzip: Node's error, code and errno.
/// let mut gunzip = Engine::new(Kind::Gunzip, &ZlibOptions::new())?;
/// let err = gunzip.process(b"hello", Flush::Finish, &mut |_| {}).unwrap_err();
/// assert_eq!((err.code().as_str(), err.errno()), ("Z_DATA_ERROR", Some(-3)));
/// assert_eq!(err.message(), "incorrect header check");
/// # Ok::<(), nodestream::Error>(())
/// ```
pub struct Engine {
    kind: Kind,
    chunk_size: usize,
    coder: Coder,
    /// The unfilled rest of the current output buffer (Node's `_outBuffer` from
    /// `_outOffset` on); a new one is made when it is used up.
    out: BytesMut,
    bytes_written: u64,
    stopped: bool,
    failed: Option<Error>,
}

enum Coder {
    Deflate(Compress),
    Inflate {
        inner: Decompress,
        /// Gunzip (and Unzip on gzip data): a member's end may be followed by another.
        members: bool,
    },
    /// Unzip before it has seen whether its input starts with gzip's two bytes (Node reads
    /// them itself to know whether members may follow one another).
    Sniff {
        window_bits: u8,
        first: Option<u8>,
    },
}

/// The state, without the output buffer's bytes.
impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("kind", &self.kind)
            .field("chunk_size", &self.chunk_size)
            .field("bytes_written", &self.bytes_written)
            .field("stopped_early", &self.stopped)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

/// What one call of the compressor or decompressor did.
struct Step {
    consumed: usize,
    produced: usize,
    status: Status,
}

impl Engine {
    /// The engine of `kind` with `options`.
    ///
    /// # Errors
    ///
    /// `ERR_OUT_OF_RANGE` with Node's message for an option out of its range (see
    /// [`ZlibOptions`]).
    pub fn new(kind: Kind, options: &ZlibOptions) -> Result<Engine> {
        let window_bits = options.validate(kind)?;
        // flate2's windows are 9 to 15: zlib also compresses with 9 when asked for 8, and
        // 0 (the header's window) admits every window a header can name.
        let bits = match window_bits {
            0 => 15,
            8 => 9,
            bits => bits,
        };
        let level = Compression::new(if options.level < 0 {
            6
        } else {
            options.level as u32
        });
        let coder = match kind {
            Kind::Deflate => Coder::Deflate(Compress::new_with_window_bits(level, true, bits)),
            Kind::Gzip => Coder::Deflate(Compress::new_gzip(level, bits)),
            Kind::DeflateRaw => Coder::Deflate(Compress::new_with_window_bits(level, false, bits)),
            Kind::Inflate => Coder::Inflate {
                inner: Decompress::new_with_window_bits(true, bits),
                members: false,
            },
            Kind::Gunzip => Coder::Inflate {
                inner: Decompress::new_gzip(bits),
                members: true,
            },
            Kind::InflateRaw => Coder::Inflate {
                inner: Decompress::new_with_window_bits(false, bits),
                members: false,
            },
            Kind::Unzip => Coder::Sniff {
                window_bits: bits,
                first: None,
            },
        };
        Ok(Engine {
            kind,
            chunk_size: options.chunk_size,
            coder,
            out: BytesMut::new(),
            bytes_written: 0,
            stopped: false,
            failed: None,
        })
    }

    /// What this engine does.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The most bytes one output chunk holds.
    pub fn chunk_size(&self) -> usize {
        self.chunk_size
    }

    /// How many input bytes the engine has consumed (Node's `zlib.bytesWritten`).
    pub fn bytes_written(&self) -> u64 {
        self.bytes_written
    }

    /// Whether the last [`process`](Engine::process) left input unused with room to spare
    /// for output: the compressed data ended before its input did (trailing bytes after a
    /// zlib or raw stream, zero padding after a gzip member). Node's stream then ends its
    /// readable side at once; the bytes left over are ignored.
    pub fn stopped_early(&self) -> bool {
        self.stopped
    }

    /// Compresses or decompresses `input` with `flush`, handing each output chunk to `out`
    /// as Node pushes it (at most [`chunk_size`](Engine::chunk_size) bytes, never empty).
    ///
    /// # Errors
    ///
    /// For bad input to a decompressor, zlib's message with code `Z_DATA_ERROR` (errno -3),
    /// or `Missing dictionary` with `Z_NEED_DICT` (2); for a call with [`Flush::Finish`]
    /// that ends before the compressed data does, `unexpected end of file` with
    /// `Z_BUF_ERROR` (-5). The output of the call that failed is not handed out, as in
    /// Node; the chunks before it were. Every call after an error gives it again.
    pub fn process(
        &mut self,
        mut input: &[u8],
        flush: Flush,
        out: &mut dyn FnMut(Bytes),
    ) -> Result<()> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        self.stopped = false;
        loop {
            if self.out.is_empty() {
                self.out = BytesMut::zeroed(self.chunk_size);
            }
            let step = match self.coder.step(input, &mut self.out, flush) {
                Ok(step) => step,
                Err(err) => return Err(self.fail(err)),
            };
            input = &input[step.consumed..];
            self.bytes_written += step.consumed as u64;
            let avail_out = self.out.len() - step.produced;
            // Node's check after each call: at the end, output space left over without
            // the stream's end means the input ended too soon.
            if flush == Flush::Finish && avail_out != 0 && step.status != Status::StreamEnd {
                let err = zlib_error(Z_BUF_ERROR, "unexpected end of file");
                return Err(self.fail(err));
            }
            if step.produced > 0 {
                out(self.out.split_to(step.produced).freeze());
            }
            if avail_out == 0 {
                // The buffer is full: there may be more to come from the same input.
                continue;
            }
            self.stopped = !input.is_empty();
            return Ok(());
        }
    }

    fn fail(&mut self, err: Error) -> Error {
        self.failed = Some(err.clone());
        err
    }
}

impl Coder {
    /// One call of zlib as Node's `Process` makes it, into `out`.
    fn step(&mut self, input: &[u8], out: &mut [u8], flush: Flush) -> Result<Step> {
        match self {
            Coder::Deflate(c) => {
                let (in0, out0) = (c.total_in(), c.total_out());
                let status = c
                    .compress(input, out, compress_flush(flush))
                    .map_err(compress_error)?;
                Ok(Step {
                    consumed: (c.total_in() - in0) as usize,
                    produced: (c.total_out() - out0) as usize,
                    status,
                })
            }
            Coder::Inflate { inner, members } => inflate(inner, *members, input, out, flush),
            Coder::Sniff { window_bits, first } => {
                let (id1, id2) = match (*first, input) {
                    // Nothing to go on yet: zlib would make no progress.
                    (None, []) | (Some(_), []) => {
                        return Ok(Step {
                            consumed: 0,
                            produced: 0,
                            status: Status::BufError,
                        })
                    }
                    (None, [GZIP_ID1]) => {
                        *first = Some(input[0]);
                        return Ok(Step {
                            consumed: 1,
                            produced: 0,
                            status: Status::Ok,
                        });
                    }
                    (None, [a, b, ..]) => (*a, *b),
                    (None, [a]) => (*a, 0),
                    (Some(a), [b, ..]) => (a, *b),
                };
                let members = (id1, id2) == (GZIP_ID1, GZIP_ID2);
                let mut inner = if members {
                    Decompress::new_gzip(*window_bits)
                } else {
                    Decompress::new_with_window_bits(true, *window_bits)
                };
                if let Some(byte) = *first {
                    // The byte held back: a header byte, which makes no output.
                    inner
                        .decompress(&[byte], out, FlushDecompress::None)
                        .map_err(decompress_error)?;
                }
                *self = Coder::Inflate { inner, members };
                self.step(input, out, flush)
            }
        }
    }
}

/// Node's inflate step: for gzip, a member's end followed by more input (other than zero
/// padding) starts a new member, in the same output buffer.
fn inflate(
    inner: &mut Decompress,
    members: bool,
    input: &[u8],
    out: &mut [u8],
    flush: Flush,
) -> Result<Step> {
    let flush = match flush {
        Flush::Finish => FlushDecompress::Finish,
        _ => FlushDecompress::None,
    };
    let mut step = Step {
        consumed: 0,
        produced: 0,
        status: Status::Ok,
    };
    loop {
        let (in0, out0) = (inner.total_in(), inner.total_out());
        let status = inner.decompress(&input[step.consumed..], &mut out[step.produced..], flush);
        step.consumed += (inner.total_in() - in0) as usize;
        step.produced += (inner.total_out() - out0) as usize;
        step.status = status.map_err(decompress_error)?;
        let rest = &input[step.consumed..];
        if members && step.status == Status::StreamEnd && rest.first().is_some_and(|&b| b != 0) {
            // Another member, or trailing garbage that fails as a header.
            inner.reset(true);
            continue;
        }
        return Ok(step);
    }
}

fn compress_flush(flush: Flush) -> FlushCompress {
    match flush {
        Flush::None => FlushCompress::None,
        Flush::Partial | Flush::Block => FlushCompress::Partial,
        Flush::Sync => FlushCompress::Sync,
        Flush::Full => FlushCompress::Full,
        Flush::Finish => FlushCompress::Finish,
    }
}

/// An error with Node's `code` and `errno` for zlib's return code `code`.
fn zlib_error(code: i32, message: &str) -> Error {
    Error::new(ErrorCode::Zlib(code), message.to_owned())
}

fn decompress_error(err: DecompressError) -> Error {
    if err.needs_dictionary().is_some() {
        return zlib_error(Z_NEED_DICT, "Missing dictionary");
    }
    // flate2 does not pass zlib's return code on; every failure of inflate on input is
    // Z_DATA_ERROR (the others are misuse or a failed allocation).
    zlib_error(Z_DATA_ERROR, err.message().unwrap_or("Zlib error"))
}

fn compress_error(err: CompressError) -> Error {
    zlib_error(Z_STREAM_ERROR, err.message().unwrap_or("Zlib error"))
}
