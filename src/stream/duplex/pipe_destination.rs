//! A Duplex as a pipe destination: its writable side takes what is piped in.

use nodestream_emitter::EventEmitter;

use super::Duplex;
use crate::stream::readable::PipeDestination;
use crate::stream::writable::{Sink, Writable};
use crate::Error;

/// A Duplex is a pipe destination as its writable side is: `src.pipe(&duplex)`.
impl<T: 'static, R: 'static, W: 'static, S: Sink<W>> PipeDestination<T> for Duplex<R, W, S>
where
    Writable<W, S>: PipeDestination<T>,
{
    fn emitter(&self) -> EventEmitter {
        self.readable.emitter().clone()
    }

    fn write(&self, chunk: &T) -> bool {
        PipeDestination::write(&self.writable, chunk)
    }

    fn write_owned(&self, chunk: T) -> bool {
        PipeDestination::write_owned(&self.writable, chunk)
    }

    fn end(&self) {
        PipeDestination::end(&self.writable);
    }

    fn need_drain(&self) -> bool {
        PipeDestination::need_drain(&self.writable)
    }

    fn writable(&self) -> bool {
        PipeDestination::writable(&self.writable)
    }

    fn error_emitted(&self) -> bool {
        PipeDestination::error_emitted(&self.writable)
    }

    fn error_or_destroy(&self, err: Error) {
        PipeDestination::error_or_destroy(&self.writable, err);
    }

    fn destroy(&self, err: Option<Error>) {
        PipeDestination::destroy(&self.writable, err);
    }

    fn uncaught(&self, err: Error) {
        PipeDestination::uncaught(&self.writable, err);
    }
}
