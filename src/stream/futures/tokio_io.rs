//! tokio's `AsyncRead`/`AsyncBufRead`/`AsyncWrite` on [`ReadableReader`] and
//! [`WritableWriter`] (the `tokio` feature): the same adapters as `futures-io`'s, for
//! codecs written against tokio's traits. Only the traits: the futures still run on the
//! loop's executor (or any executor on the loop's thread), not on a tokio runtime.
//!
//! # Examples
//!
//! ```
//! use nodestream::stream::readable::{Readable, ReadableOptions};
//! use nodestream::EventLoop;
//! use tokio::io::AsyncReadExt;
//!
//! let lp = EventLoop::new()?;
//! let (r, w) = rustix::pipe::pipe()?;
//! rustix::io::write(&w, b"tokio")?;
//! drop(w);
//! let r = Readable::from_fd(&lp.handle(), r, ReadableOptions::new())?;
//! let text = lp.spawn_local(async move {
//!     let mut text = String::new();
//!     r.reader().read_to_string(&mut text).await.map(|_| text)
//! });
//! lp.run()?;
//! assert_eq!(futures_util::FutureExt::now_or_never(text).unwrap()??, "tokio");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};

use super::io::{ReadableReader, WritableWriter};
use crate::stream::writable::{Chunk, Sink};

impl AsyncBufRead for ReadableReader {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        futures_io::AsyncBufRead::poll_fill_buf(self, cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        futures_io::AsyncBufRead::consume(self, amt)
    }
}

impl AsyncRead for ReadableReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let available = match futures_io::AsyncBufRead::poll_fill_buf(self.as_mut(), cx) {
            Poll::Ready(Ok(bytes)) => bytes,
            Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
            Poll::Pending => return Poll::Pending,
        };
        let n = available.len().min(buf.remaining());
        buf.put_slice(&available[..n]);
        futures_io::AsyncBufRead::consume(self, n);
        Poll::Ready(Ok(()))
    }
}

impl<S: Sink<Chunk>> AsyncWrite for WritableWriter<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        futures_io::AsyncWrite::poll_write(self, cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_flush(self, cx)
    }

    /// `end()`, then the stream's finish (as `futures-io`'s `poll_close`).
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_close(self, cx)
    }
}
