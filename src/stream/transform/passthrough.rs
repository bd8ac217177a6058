//! Node's `stream.PassThrough`: a [`Transform`] that hands every chunk on as it is.

use crate::reactor::LoopHandle;
use crate::stream::duplex::DuplexOptions;
use crate::stream::readable::{self, Readable};
use crate::stream::writable;

use super::{Transform, TransformCallback};

/// Node's `PassThrough`: makes [`Transform`]s whose chunks come out as they went in.
///
/// # Examples
///
/// ```
/// use nodestream::stream::transform::PassThrough;
/// use nodestream::stream::DuplexOptions;
/// use nodestream::EventLoop;
///
/// let event_loop = EventLoop::new()?;
/// let pt = PassThrough::new(&event_loop.handle(), DuplexOptions::new());
/// pt.write("abc");
/// pt.end();
/// let chunk = pt.read().unwrap();
/// assert_eq!(chunk.as_bytes(), Some(&b"abc"[..]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct PassThrough;

impl PassThrough {
    /// A byte PassThrough: Node's `new PassThrough(options)`. Strings written are
    /// handed on as the bytes they encode (decoded again if the readable side has an
    /// encoding).
    #[allow(clippy::new_ret_no_self)]
    pub fn new(lp: &LoopHandle, options: DuplexOptions) -> Transform {
        Transform::new(
            lp,
            options,
            |chunk: writable::Chunk, _: &Readable, done: TransformCallback<readable::Chunk>| {
                done.done(chunk.into_bytes());
            },
        )
    }

    /// An object PassThrough of `T`: Node's `new PassThrough({ objectMode: true })`.
    pub fn new_object<T: 'static>(lp: &LoopHandle, options: DuplexOptions) -> Transform<T, T> {
        Transform::new(
            lp,
            options,
            |value: T, _: &Readable<T>, done: TransformCallback<T>| done.done(value),
        )
    }
}
