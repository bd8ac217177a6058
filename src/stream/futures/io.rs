//! Byte streams as `futures-io`'s [`AsyncRead`] and [`AsyncWrite`], so that a socket,
//! a pipe or any fd stream can feed a codec written against those traits.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use futures_core::Stream;
use futures_io::{AsyncBufRead, AsyncRead, AsyncWrite};
use futures_sink::Sink as FuturesSink;

use super::iter::ReadableIter;
use super::sink::WritableSink;
use crate::stream::readable::{Chunk, Readable};
use crate::stream::writable::{Chunk as WriteChunk, Sink, Writable};

/// A byte [`Readable`] as an [`AsyncRead`] (and [`AsyncBufRead`]): made by
/// [`Readable::reader`]. It reads through the stream's [`iter`](Readable::iter), so the
/// rules are the async iterator's: an error is an `Err` (its [`io::Error`] carries the
/// stream's error), the end is `Ok(0)`, a premature close is `UnexpectedEof`, and dropping
/// the reader before the end destroys the stream.
///
/// # Examples
///
/// ```
/// use futures_util::AsyncReadExt;
/// use nodestream::stream::readable::{Readable, ReadableOptions};
/// use nodestream::EventLoop;
///
/// let lp = EventLoop::new()?;
/// let (r, w) = rustix::pipe::pipe()?;
/// rustix::io::write(&w, b"line one\nline two\n")?;
/// drop(w);
/// let r = Readable::from_fd(&lp.handle(), r, ReadableOptions::new())?;
/// let text = lp.spawn_local(async move {
///     let mut text = String::new();
///     r.reader().read_to_string(&mut text).await.map(|_| text)
/// });
/// lp.run()?;
/// assert_eq!(futures_util::FutureExt::now_or_never(text).unwrap()??, "line one\nline two\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ReadableReader {
    chunks: ReadableIter,
    current: Bytes,
}

impl Readable {
    /// The stream's bytes as an [`AsyncRead`]; see [`ReadableReader`].
    pub fn reader(&self) -> ReadableReader {
        ReadableReader {
            chunks: self.iter(),
            current: Bytes::new(),
        }
    }
}

impl ReadableReader {
    /// The stream being read.
    pub fn readable(&self) -> &Readable {
        self.chunks.readable()
    }
}

impl AsyncBufRead for ReadableReader {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        while this.current.is_empty() {
            match Pin::new(&mut this.chunks).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => break,
                Poll::Ready(Some(Err(err))) => return Poll::Ready(Err(err.into())),
                Poll::Ready(Some(Ok(Chunk::Bytes(b)))) => this.current = b,
                Poll::Ready(Some(Ok(Chunk::Text(t)))) => this.current = Bytes::from(t),
                Poll::Ready(Some(Ok(Chunk::Object(_)))) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "an object-mode stream has no bytes to read",
                    )))
                }
            }
        }
        Poll::Ready(Ok(&this.current[..]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.get_mut().current.advance(amt);
    }
}

impl AsyncRead for ReadableReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let available = match self.as_mut().poll_fill_buf(cx) {
            Poll::Ready(Ok(bytes)) => bytes,
            Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
            Poll::Pending => return Poll::Pending,
        };
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Poll::Ready(Ok(n))
    }
}

impl fmt::Debug for ReadableReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadableReader")
            .field("buffered", &self.current.len())
            .finish_non_exhaustive()
    }
}

/// A byte [`Writable`] as an [`AsyncWrite`]: made by [`Writable::writer`]. It writes
/// through the stream's [`sink`](Writable::sink): `poll_write` waits while the stream
/// needs a `'drain'` and then takes the whole buffer (copied into one chunk);
/// `poll_flush` waits for every write to complete; `poll_close` ends the stream and
/// waits for it to finish.
///
/// # Examples
///
/// ```
/// use futures_util::AsyncWriteExt;
/// use nodestream::stream::FdWritable;
/// use nodestream::{EventLoop, WritableOptions};
///
/// let lp = EventLoop::new()?;
/// let (r, w) = rustix::pipe::pipe()?;
/// let out = FdWritable::new(&lp.handle(), w, WritableOptions::new())?;
/// lp.spawn_local(async move {
///     let mut writer = out.writer();
///     writer.write_all(b"through AsyncWrite").await?;
///     writer.close().await
/// });
/// lp.run()?;
/// let mut got = String::new();
/// std::io::Read::read_to_string(&mut std::fs::File::from(r), &mut got)?;
/// assert_eq!(got, "through AsyncWrite");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct WritableWriter<S: Sink<WriteChunk> = Box<dyn Sink<WriteChunk>>> {
    sink: WritableSink<WriteChunk, S, Bytes>,
}

impl<S: Sink<WriteChunk>> Writable<WriteChunk, S> {
    /// The stream as an [`AsyncWrite`]; see [`WritableWriter`].
    pub fn writer(&self) -> WritableWriter<S> {
        WritableWriter {
            sink: self.sink_for(),
        }
    }
}

impl<S: Sink<WriteChunk>> WritableWriter<S> {
    /// The stream written to.
    pub fn writable(&self) -> &Writable<WriteChunk, S> {
        self.sink.writable()
    }
}

impl<S: Sink<WriteChunk>> AsyncWrite for WritableWriter<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut sink = Pin::new(&mut self.get_mut().sink);
        match FuturesSink::poll_ready(sink.as_mut(), cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(err)) => return Poll::Ready(Err(err.into())),
            Poll::Pending => return Poll::Pending,
        }
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        match sink.start_send(Bytes::copy_from_slice(buf)) {
            Ok(()) => Poll::Ready(Ok(buf.len())),
            Err(err) => Poll::Ready(Err(err.into())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let sink = Pin::new(&mut self.get_mut().sink);
        FuturesSink::poll_flush(sink, cx).map_err(io::Error::from)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let sink = Pin::new(&mut self.get_mut().sink);
        FuturesSink::poll_close(sink, cx).map_err(io::Error::from)
    }
}

impl<S: Sink<WriteChunk>> fmt::Debug for WritableWriter<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WritableWriter")
            .field("sink", &self.sink)
            .finish()
    }
}
