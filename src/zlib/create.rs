//! Node's zlib streams: `zlib.createGzip(options)` and kin, each a [`Transform`] of bytes
//! over an [`Engine`].

use std::cell::OnceCell;
use std::rc::Rc;

use crate::error::Result;
use crate::reactor::LoopHandle;
use crate::stream::readable::{self, Readable};
use crate::stream::transform::{Transform, TransformCallback, Transformer};
use crate::stream::writable::{self, WeakWritable};
use crate::stream::DuplexOptions;

use super::{Engine, Flush, Kind, ZlibOptions};

/// A zlib stream of `kind`: Node's `new zlib.Gzip(options)` and kin, with `stream` for the
/// stream's own options (Node takes both in one object: `highWaterMark`, ...).
///
/// Each write is compressed or decompressed with the options' `flush` mode and its output
/// pushed in chunks of at most `chunk_size` bytes; the end runs the options'
/// `finish_flush` (as does the last chunk written when it is still buffered at the end,
/// as in Node). A decompressor whose data ends before its input ends its readable side
/// then, and ignores the rest. Bad input destroys the stream with Node's error
/// (`Z_DATA_ERROR`, `incorrect header check`, ...), as does an end that comes before the
/// compressed data's (`Z_BUF_ERROR`, `unexpected end of file`).
///
/// # Errors
///
/// `ERR_OUT_OF_RANGE` with Node's message for an option out of its range, as Node's
/// constructor throws (see [`ZlibOptions`]).
///
/// # Node compatibility
///
/// - Node compresses on its thread pool, so a write's output comes on a later turn of
///   the loop; here it is made and pushed during the write, on the loop's thread.
/// - All the output of one write is pushed at once; Node stops at the readable side's
///   high-water mark and makes the rest as it is read, so here a small write that
///   decompresses to a great deal is held in memory whole.
/// - Node's zlib streams answer `_final` at once and flush from `'prefinish'`, so
///   `'finish'` comes before the last output (and before an `unexpected end of file`
///   error); here the flush runs in `_final`, so the last output comes before
///   `'finish'`, and an error at the end comes without `'finish'`.
/// - `flush()`, `params()`, `reset()`, `close()` and `bytesWritten` of Node's zlib
///   streams are not here yet ([`Engine`] has `bytes_written`).
pub fn create(
    lp: &LoopHandle,
    kind: Kind,
    options: &ZlibOptions,
    stream: DuplexOptions,
) -> Result<Transform> {
    let engine = Engine::new(kind, options)?;
    let writable = Rc::new(OnceCell::new());
    let transform = Transform::new(
        lp,
        stream,
        ZlibTransformer {
            engine,
            flush: options.flush,
            finish_flush: options.finish_flush,
            writable: writable.clone(),
        },
    );
    let _ = writable.set(transform.writable_side().downgrade());
    Ok(transform)
}

/// Node's `zlib.createGzip(options)`: a stream compressing to gzip.
///
/// # Errors
///
/// As [`create`].
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// use nodestream::events::DATA;
/// use nodestream::zlib::{create_gzip, gunzip_sync, ZlibOptions};
/// use nodestream::EventLoop;
///
/// let event_loop = EventLoop::new()?;
/// let gzip = create_gzip(&event_loop.handle(), &ZlibOptions::new())?;
/// let gz = Rc::new(RefCell::new(Vec::new()));
/// let g = gz.clone();
/// gzip.on(DATA, move |c| g.borrow_mut().extend_from_slice(c.as_bytes().unwrap()));
/// gzip.write("hello, ");
/// gzip.end_with("gzip");
/// event_loop.run()?;
/// assert_eq!(gunzip_sync(&gz.borrow(), &ZlibOptions::new())?, b"hello, gzip");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn create_gzip(lp: &LoopHandle, options: &ZlibOptions) -> Result<Transform> {
    create(lp, Kind::Gzip, options, DuplexOptions::new())
}

/// Node's `zlib.createGunzip(options)`: a stream decompressing gzip, a member after another.
///
/// # Errors
///
/// As [`create`].
pub fn create_gunzip(lp: &LoopHandle, options: &ZlibOptions) -> Result<Transform> {
    create(lp, Kind::Gunzip, options, DuplexOptions::new())
}

/// Node's `zlib.createDeflate(options)`: a stream compressing to the zlib format.
///
/// # Errors
///
/// As [`create`].
pub fn create_deflate(lp: &LoopHandle, options: &ZlibOptions) -> Result<Transform> {
    create(lp, Kind::Deflate, options, DuplexOptions::new())
}

/// Node's `zlib.createInflate(options)`: a stream decompressing the zlib format.
///
/// # Errors
///
/// As [`create`].
pub fn create_inflate(lp: &LoopHandle, options: &ZlibOptions) -> Result<Transform> {
    create(lp, Kind::Inflate, options, DuplexOptions::new())
}

/// Node's `zlib.createDeflateRaw(options)`: a stream compressing to raw deflate.
///
/// # Errors
///
/// As [`create`].
pub fn create_deflate_raw(lp: &LoopHandle, options: &ZlibOptions) -> Result<Transform> {
    create(lp, Kind::DeflateRaw, options, DuplexOptions::new())
}

/// Node's `zlib.createInflateRaw(options)`: a stream decompressing raw deflate.
///
/// # Errors
///
/// As [`create`].
pub fn create_inflate_raw(lp: &LoopHandle, options: &ZlibOptions) -> Result<Transform> {
    create(lp, Kind::InflateRaw, options, DuplexOptions::new())
}

/// Node's `zlib.createUnzip(options)`: a stream decompressing gzip or the zlib format,
/// whichever the header shows.
///
/// # Errors
///
/// As [`create`].
pub fn create_unzip(lp: &LoopHandle, options: &ZlibOptions) -> Result<Transform> {
    create(lp, Kind::Unzip, options, DuplexOptions::new())
}

/// Node's `Zlib.prototype._transform` and `_flush` over an engine.
struct ZlibTransformer {
    engine: Engine,
    flush: Flush,
    finish_flush: Flush,
    /// The writable side (weakly: it owns this), set right after the stream is made.
    writable: Rc<OnceCell<WeakWritable<writable::Chunk>>>,
}

impl ZlibTransformer {
    /// Runs `input` through the engine, pushing each chunk, and the end of the readable
    /// side if the compressed data ended before the input (Node's `push(null)`).
    fn run(&mut self, input: &[u8], flush: Flush, stream: &Readable) -> Result<()> {
        self.engine.process(input, flush, &mut |chunk| {
            stream.push(readable::Chunk::Bytes(chunk));
        })?;
        if self.engine.stopped_early() {
            stream.push(None);
        }
        Ok(())
    }
}

impl Transformer<writable::Chunk, readable::Chunk> for ZlibTransformer {
    fn transform(
        &mut self,
        chunk: writable::Chunk,
        stream: &Readable,
        done: TransformCallback<readable::Chunk>,
    ) {
        let mut flush = self.flush;
        // Node: the last chunk, when the writable side has already ended, also takes
        // the finishing flush.
        let writable = self.writable.get().and_then(WeakWritable::upgrade);
        if let Some(w) = writable {
            if w.writable_ended() && w.writable_length() == chunk.as_bytes().len() {
                flush = stronger(flush, self.finish_flush);
            }
        }
        match self.run(chunk.as_bytes(), flush, stream) {
            Ok(()) => done.ok(),
            Err(err) => done.error(err),
        }
    }

    fn flush(&mut self, stream: &Readable, done: TransformCallback<readable::Chunk>) {
        match self.run(&[], self.finish_flush, stream) {
            Ok(()) => done.ok(),
            Err(err) => done.error(err),
        }
    }
}

/// Node's `maxFlush`: the stronger of two flush modes, in zlib's order of strength.
fn stronger(a: Flush, b: Flush) -> Flush {
    let rank = |f: Flush| match f {
        Flush::None => 0,
        Flush::Block => 1,
        Flush::Partial => 2,
        Flush::Sync => 3,
        Flush::Full => 4,
        Flush::Finish => 5,
    };
    if rank(a) >= rank(b) {
        a
    } else {
        b
    }
}
