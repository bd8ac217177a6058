//! The README's example: Node's EventEmitter in Rust.
//!
//! Run with `cargo run --release --example emitter_demo`. It registers a typed listener
//! and a `once` listener, emits, shows the meta events and the snapshot rule, and hands an
//! unhandled `'error'` back to the caller.

use std::cell::Cell;
use std::rc::Rc;

use nodestream::events::{Event, EventEmitter, ListenerEvent, REMOVE_LISTENER};

const GREET: Event<String> = Event::new("greet");

fn main() {
    // The README snippet.
    let emitter = EventEmitter::new();
    emitter.on(GREET, |name: &String| println!("hello, {name}"));
    emitter.once("done", |n: &u32| println!("done after {n}"));
    emitter.emit(GREET, &"world".to_string());
    assert!(emitter.emit("done", &1u32));
    assert!(!emitter.emit("done", &2u32)); // once: gone after the first emit

    // Meta events: removeListener fires after a removal, including when a once fires.
    emitter.on(REMOVE_LISTENER, |ev: &ListenerEvent| {
        println!("removeListener {} {:?}", ev.event, ev.id)
    });
    let id = emitter.on("tick", |n: &u64| println!("tick {n}"));
    let key = emitter.key(Event::<u64>::new("tick"));
    for n in 0..3 {
        emitter.emit(&key, &n);
    }
    emitter.off(id);

    // Snapshot rule: a listener added during an emit runs from the next emit on.
    let calls = Rc::new(Cell::new(0));
    let (c, weak) = (calls.clone(), emitter.downgrade());
    emitter.on("grow", move |_: &()| {
        c.set(c.get() + 1);
        if let Some(em) = weak.upgrade() {
            let c2 = c.clone();
            em.on("grow", move |_: &()| c2.set(c2.get() + 100));
        }
    });
    emitter.emit("grow", &());
    println!("after first grow emit: {} call(s)", calls.get());

    // An 'error' nobody listens to comes back to the caller.
    match emitter.emit_error("disk on fire") {
        Ok(()) => println!("error handled"),
        Err(unhandled) => println!("unhandled: {unhandled}"),
    }
    println!("event names: {:?}", emitter.event_names());
}
