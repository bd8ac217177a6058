//! Helpers shared by the Writable scenarios: the Rust twins of `node/scenarios.js`'s
//! `slowSink`, `syncSink`, `watch`, `tick`, `imm`, `snap`, `destroySoon`, `drainLoop`, and a
//! closure-built sink standing for `new Writable({ write, writev, final, destroy })`.

#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use nodestream::events::{ERROR, FINISH};
use nodestream::stream::writable::{
    Chunk, DestroyCallback, FinalCallback, Sink, Writable, WritableOptions, WriteCallback,
};
use nodestream::{Encoding, Error, EventLoop, LoopHandle};

use crate::trace::{errc, tlog, Trace};

/// One scenario's loop and trace.
pub struct Env {
    pub lp: EventLoop,
    pub h: LoopHandle,
    pub t: Trace,
}

impl Env {
    pub fn new() -> Env {
        let lp = crate::scenarios::event_loop();
        let h = lp.handle();
        Env {
            lp,
            h,
            t: Trace::new(),
        }
    }

    /// lib.js `tick(label)`.
    pub fn tick(&self, label: &str) {
        let t = self.t.clone();
        let label = label.to_owned();
        self.h.next_tick(move || tlog!(t, label));
    }

    /// lib.js `imm(label)`.
    pub fn imm(&self, label: &str) {
        let t = self.t.clone();
        let label = label.to_owned();
        self.h.set_immediate(move || tlog!(t, label));
    }

    /// Runs the loop to the end, logging each uncaught error as harness.js does, and
    /// returns the trace.
    pub fn finish(self) -> Vec<String> {
        loop {
            match self.lp.run() {
                Ok(()) => break,
                Err(e) => self.t.uncaught(&e),
            }
        }
        self.t.take()
    }
}

/// `new Error(msg)`: no code, so lib.js's `errc` prints the message.
pub fn err(msg: &'static str) -> Error {
    Error::custom("", msg)
}

/// scenarios.js `show(chunk)`: the chunk as text (`toString()`), or `<N bytes>` past 16.
pub fn show(chunk: &Chunk) -> String {
    if let Some(s) = chunk.as_str() {
        return s.to_owned();
    }
    if chunk.len() > 16 {
        format!("<{} bytes>", chunk.len())
    } else {
        Encoding::Utf8.decode(chunk.as_bytes())
    }
}

/// `chunk.toString()` of a byte chunk.
pub fn text(chunk: &Chunk) -> String {
    Encoding::Utf8.decode(chunk.as_bytes())
}

type WriteFn<T> = Box<dyn FnMut(T, WriteCallback)>;
type WritevFn<T> = Box<dyn FnMut(Vec<T>, WriteCallback)>;
type FinalFn = Box<dyn FnMut(FinalCallback)>;
type DestroyFn = Box<dyn FnMut(Option<Error>, DestroyCallback)>;

/// `new Writable({ write, writev, final, destroy })`, built from closures; a method not
/// given is Node's stream without it. (`construct` is given to the constructor:
/// `Writable::new_with_construct`.)
pub struct FnSink<T> {
    write: Option<WriteFn<T>>,
    writev: Option<WritevFn<T>>,
    final_: Option<FinalFn>,
    destroy: Option<DestroyFn>,
}

impl<T: 'static> FnSink<T> {
    pub fn new() -> Self {
        FnSink {
            write: None,
            writev: None,
            final_: None,
            destroy: None,
        }
    }

    pub fn write(mut self, f: impl FnMut(T, WriteCallback) + 'static) -> Self {
        self.write = Some(Box::new(f));
        self
    }

    pub fn writev(mut self, f: impl FnMut(Vec<T>, WriteCallback) + 'static) -> Self {
        self.writev = Some(Box::new(f));
        self
    }

    pub fn final_(mut self, f: impl FnMut(FinalCallback) + 'static) -> Self {
        self.final_ = Some(Box::new(f));
        self
    }

    pub fn destroy(mut self, f: impl FnMut(Option<Error>, DestroyCallback) + 'static) -> Self {
        self.destroy = Some(Box::new(f));
        self
    }
}

impl<T: 'static> Sink<T> for FnSink<T> {
    fn write(&mut self, chunk: T, cb: WriteCallback) {
        match (&mut self.write, &mut self.writev) {
            (Some(f), _) => f(chunk, cb),
            // Node's default `_write` hands a lone chunk to `_writev`.
            (None, Some(f)) => f(vec![chunk], cb),
            (None, None) => panic!("sink has no write"),
        }
    }

    fn writev(&mut self, chunks: Vec<T>, cb: WriteCallback) {
        match &mut self.writev {
            Some(f) => f(chunks, cb),
            // No `writev` given: Node's stream without `_writev`.
            None => cb.writev_not_implemented(chunks),
        }
    }

    fn finalize(&mut self, cb: FinalCallback) {
        match &mut self.final_ {
            Some(f) => f(cb),
            None => cb.not_implemented(),
        }
    }

    fn destroy(&mut self, err: Option<Error>, cb: DestroyCallback) {
        match &mut self.destroy {
            Some(f) => f(err, cb),
            None => cb.call(err),
        }
    }
}

/// A handle to a stream made after the sink that refers to it (`this` inside the
/// sink's methods).
pub struct Late<T: 'static = Chunk>(Rc<RefCell<Option<Writable<T>>>>);

impl<T: 'static> Clone for Late<T> {
    fn clone(&self) -> Self {
        Late(self.0.clone())
    }
}

impl<T: 'static> Late<T> {
    pub fn new() -> Self {
        Late(Rc::new(RefCell::new(None)))
    }

    pub fn set(&self, w: &Writable<T>) {
        *self.0.borrow_mut() = Some(w.clone());
    }

    pub fn get(&self) -> Writable<T> {
        self.0.borrow().clone().expect("stream set")
    }
}

/// scenarios.js `slowSink(opts)`: logs `_write <chunk> <enc>`, completes on an immediate.
pub fn slow_sink(env: &Env, opts: WritableOptions) -> Writable {
    let t = env.t.clone();
    let h = env.h.clone();
    let sink = FnSink::new().write(move |c: Chunk, cb| {
        tlog!(t, "_write", show(&c), c.encoding().name());
        h.set_immediate(move || cb.ok());
    });
    Writable::new(&env.h, sink, opts)
}

/// scenarios.js `syncSink(opts)`: the same, completing synchronously.
pub fn sync_sink(env: &Env, opts: WritableOptions) -> Writable {
    let t = env.t.clone();
    let sink = FnSink::new().write(move |c: Chunk, cb: WriteCallback| {
        tlog!(t, "_write", show(&c), c.encoding().name());
        cb.ok();
    });
    Writable::new(&env.h, sink, opts)
}

/// An object-mode `slowSink` of strings (`_write <value> undefined`).
pub fn slow_object_sink(env: &Env, opts: WritableOptions) -> Writable<String> {
    let t = env.t.clone();
    let h = env.h.clone();
    let sink = FnSink::new().write(move |c: String, cb| {
        tlog!(t, "_write", c, ());
        h.set_immediate(move || cb.ok());
    });
    Writable::new_object(&env.h, sink, opts)
}

/// lib.js `watch(w, name, events)`.
pub fn watch<T: 'static>(t: &Trace, w: &Writable<T>, name: &str, events: &[&str]) {
    for &ev in events {
        let t = t.clone();
        let label = format!("{name}:{ev}");
        if ev == "error" {
            w.on(ERROR, move |e| tlog!(t, label.clone(), errc(e)));
        } else {
            w.on(ev, move |_: &()| tlog!(t, label.clone()));
        }
    }
}

/// Logs `label` from a write or end callback as `label <errc>`.
pub fn cb_errc(t: &Trace, label: &'static str) -> impl FnOnce(Option<Error>) + 'static {
    let t = t.clone();
    move |e: Option<Error>| tlog!(t, label, errc(e.as_ref()))
}

/// Logs `label` from a callback, ignoring its error.
pub fn cb_log(t: &Trace, label: &'static str) -> impl FnOnce(Option<Error>) + 'static {
    let t = t.clone();
    move |_| tlog!(t, label)
}

/// scenarios.js `snap(w, label)`: every public state flag in one line.
pub fn snap<T: 'static>(t: &Trace, w: &Writable<T>, label: &str) {
    tlog!(
        t,
        label,
        format!("writable={}", w.writable()),
        format!("ended={}", w.writable_ended()),
        format!("finished={}", w.writable_finished()),
        format!("len={}", w.writable_length()),
        format!("needDrain={}", w.writable_need_drain()),
        format!("corked={}", w.writable_corked()),
        format!("destroyed={}", w.destroyed()),
        format!("errored={}", errc(w.errored().as_ref())),
        format!("closed={}", w.closed())
    );
}

/// scenarios.js `destroySoon(w)`.
pub fn destroy_soon<T: 'static>(w: &Writable<T>) {
    if w.writable() {
        w.end();
    }
    if w.writable_finished() {
        w.destroy(None);
    } else {
        let w2 = w.clone();
        w.once(FINISH, move |_| w2.destroy(None));
    }
}

/// scenarios.js `drainLoop(label, w, N, chunk, done)`.
pub fn drain_loop<T: Clone + 'static>(
    t: &Trace,
    label: String,
    w: &Writable<T>,
    n: usize,
    chunk: T,
    done: impl FnOnce() + 'static,
) {
    struct Loop<T: 'static> {
        t: Trace,
        label: String,
        w: Writable<T>,
        chunk: T,
        i: usize,
        falses: usize,
        drains: Rc<RefCell<usize>>,
        done: Option<Box<dyn FnOnce()>>,
    }
    fn pump<T: Clone + 'static>(st: Rc<RefCell<Loop<T>>>) {
        let w = st.borrow().w.clone();
        let mut ok = true;
        loop {
            let (i, chunk) = {
                let mut s = st.borrow_mut();
                s.i -= 1;
                (s.i, s.chunk.clone())
            };
            if i == 0 {
                let st2 = st.clone();
                w.write_cb(chunk, move |_| {
                    let (t, label, falses, drains, done) = {
                        let mut s = st2.borrow_mut();
                        let d = *s.drains.borrow();
                        (s.t.clone(), s.label.clone(), s.falses, d, s.done.take())
                    };
                    tlog!(
                        t,
                        label,
                        "falses",
                        falses,
                        "drains",
                        drains,
                        "len",
                        w2len(&st2)
                    );
                    if let Some(done) = done {
                        done();
                    }
                });
            } else {
                ok = w.write(chunk);
                if !ok {
                    st.borrow_mut().falses += 1;
                }
            }
            if i == 0 || !ok {
                break;
            }
        }
        if st.borrow().i > 0 {
            let st2 = st.clone();
            w.once("drain", move |_: &()| pump(st2.clone()));
        }
    }
    fn w2len<T: 'static>(st: &Rc<RefCell<Loop<T>>>) -> usize {
        st.borrow().w.writable_length()
    }
    let drains = Rc::new(RefCell::new(0));
    let d = drains.clone();
    w.on("drain", move |_: &()| *d.borrow_mut() += 1);
    let st = Rc::new(RefCell::new(Loop {
        t: t.clone(),
        label,
        w: w.clone(),
        chunk,
        i: n,
        falses: 0,
        drains,
        done: Some(Box::new(done)),
    }));
    pump(st);
}
