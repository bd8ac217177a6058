//! Chunk types and encodings: argument errors, every encoding, `decode_strings`,
//! `set_default_encoding`, object mode: w15, w16, x54-x60.

use nodestream::stream::writable::{Chunk, Writable, WritableOptions, WriteCallback};
use nodestream::{Encoding, Error};

use super::writable_util::{show, slow_sink, sync_sink, watch, Env, FnSink};
use super::Scenario;
use crate::trace::{errc, tlog, Json, Trace, Value};

/// lib.js `log(label, 'returned', r)` / `log(label, 'threw', code)` for a fallible call.
fn attempt(t: &Trace, label: &str, f: impl FnOnce() -> Result<bool, Error>) {
    match f() {
        Ok(r) => tlog!(t, label, "returned", r),
        Err(e) => tlog!(t, label, "threw", errc(&e)),
    }
}

/// w15 as far as Rust can express it: a null chunk and chunks of the wrong type do not
/// type-check, so only the unknown encoding (refused by `Encoding::from_name`) and the
/// object-mode write of a number remain.
fn w15() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, WritableOptions::new());
    watch(t, &w, "w", &["error", "close"]);
    attempt(t, "write('a','nope')", || {
        Ok(w.write_str("a", Encoding::from_name("nope")?))
    });
    let t2 = t.clone();
    let o: Writable<u32> = Writable::new_object(
        &env.h,
        FnSink::new().write(move |c: u32, cb: WriteCallback| {
            tlog!(t2, "_write obj", c);
            cb.ok();
        }),
        WritableOptions::new(),
    );
    attempt(t, "objectMode write(42)", || Ok(o.write(42)));
    tlog!(
        t,
        "after errors: writable",
        w.writable(),
        "destroyed",
        w.destroyed()
    );
    attempt(t, "write('ok')", || Ok(w.write("ok")));
    env.finish()
}

fn w16() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let a = sync_sink(&env, WritableOptions::new());
    a.write_str("68656c6c6f", Encoding::Hex);
    a.write(&[104u8, 105][..]);
    let (t2, h) = (t.clone(), env.h.clone());
    let b = Writable::new(
        &env.h,
        FnSink::new().write(move |c: Chunk, cb: WriteCallback| {
            let s = c.as_str().expect("a string chunk");
            tlog!(t2, "_write(raw)", "string", s, c.encoding().name());
            h.set_immediate(move || cb.ok());
        }),
        WritableOptions::new().decode_strings(false),
    );
    b.write("héllo");
    tlog!(
        t,
        "decodeStrings:false length of héllo =",
        b.writable_length()
    );
    let c = slow_sink(&env, WritableOptions::new());
    c.write("héllo");
    tlog!(
        t,
        "decodeStrings:true length of héllo =",
        c.writable_length()
    );
    let d = sync_sink(
        &env,
        WritableOptions::new().default_encoding(Encoding::Base64),
    );
    d.write("aGk=");
    env.finish()
}

/// A JS value for x54's object-mode stream: what `typeof` and lib.js's `fmt` show.
#[derive(Clone)]
enum JsValue {
    Undefined,
    Json(Json),
}

impl JsValue {
    fn type_of(&self) -> &'static str {
        match self {
            JsValue::Undefined => "undefined",
            JsValue::Json(Json::Num(_)) => "number",
            JsValue::Json(Json::Bool(_)) => "boolean",
            JsValue::Json(Json::Str(_)) => "string",
            JsValue::Json(_) => "object",
        }
    }

    fn value(&self) -> Value {
        match self {
            JsValue::Undefined => Value::Undefined,
            JsValue::Json(j) => Value::Json(j.clone()),
        }
    }
}

/// x54 without its last write: `write(null)` does not type-check in Rust.
fn x54() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let t2 = t.clone();
    let w: Writable<JsValue> = Writable::new_object(
        &env.h,
        FnSink::new().write(move |c: JsValue, cb: WriteCallback| {
            t2.log([
                Value::from("_write"),
                Value::from(c.type_of()),
                c.value(),
                Value::from("enc"),
                Value::Undefined,
            ]);
            cb.ok();
        }),
        WritableOptions::new(),
    );
    let values = vec![
        JsValue::Json(Json::Num(0.0)),
        JsValue::Json(Json::Bool(false)),
        JsValue::Json(Json::Str(String::new())),
        JsValue::Json(Json::Str("str".into())),
        JsValue::Json(Json::Array(vec![Json::Num(1.0), Json::Str("two".into())])),
        JsValue::Json(Json::Object(vec![("a".into(), Json::Num(1.0))])),
        JsValue::Undefined,
        JsValue::Json(Json::Num(1.5)),
    ];
    for v in values {
        w.write(v);
    }
    tlog!(t, "len", w.writable_length());
    env.finish()
}

fn x55() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let object_sink = |env: &Env| -> Writable<Json> {
        let (t2, h) = (env.t.clone(), env.h.clone());
        Writable::new_object(
            &env.h,
            FnSink::new().write(move |c: Json, cb: WriteCallback| {
                tlog!(t2, "_write", c, ());
                h.set_immediate(move || cb.ok());
            }),
            WritableOptions::new(),
        )
    };
    let a = object_sink(&env);
    watch(t, &a, "a", &["finish"]);
    a.end_with(Json::Object(vec![("last".into(), Json::Bool(true))]));
    let b = object_sink(&env);
    watch(t, &b, "b", &["finish"]);
    // `end(null)` is `end()`: a null chunk means "no chunk".
    b.end();
    env.finish()
}

fn x56() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let t2 = t.clone();
    let w = Writable::new(
        &env.h,
        FnSink::new().write(move |c: Chunk, cb: WriteCallback| {
            tlog!(
                t2,
                "_write",
                Encoding::Hex.decode(c.as_bytes()),
                c.encoding().name()
            );
            cb.ok();
        }),
        WritableOptions::new(),
    );
    let cases = [
        ("héllo", "utf8"),
        ("héllo", "utf-8"),
        ("68c3a9", "hex"),
        ("aMOp", "base64"),
        ("_-8", "base64url"),
        ("+/8=", "base64"),
        ("héllo", "latin1"),
        ("héllo", "binary"),
        ("héllo", "ascii"),
        ("hé", "utf16le"),
        ("hé", "ucs2"),
        ("hé", "ucs-2"),
        ("hé", "utf-16le"),
        ("hé", "UTF8"),
        ("6869", "HEX"),
        ("€", "latin1"),
        ("€", "ascii"),
    ];
    for (s, enc) in cases {
        tlog!(t, "enc", enc);
        w.write_str(s, Encoding::from_name(enc).expect("known encoding"));
    }
    env.finish()
}

/// x57 with canonical encoding names: the sink sees the `Encoding` value, so `binary`,
/// `ucs2` and `UTF-8` reach it as `latin1`, `utf16le` and `utf8`.
fn x57() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let t2 = t.clone();
    let w = Writable::new(
        &env.h,
        FnSink::new().write(move |c: Chunk, cb: WriteCallback| {
            match c.as_str() {
                Some(s) => tlog!(t2, "_write", "string", s, c.encoding().name()),
                None => tlog!(t2, "_write", "object", c.as_bytes(), c.encoding().name()),
            }
            cb.ok();
        }),
        WritableOptions::new().decode_strings(false),
    );
    for enc in [
        "utf8",
        "hex",
        "base64",
        "base64url",
        "latin1",
        "binary",
        "ascii",
        "utf16le",
        "ucs2",
        "UTF-8",
    ] {
        w.write_str("6869", Encoding::from_name(enc).expect("known encoding"));
    }
    // A bytes chunk has no encoding to give (Node ignores the one passed with a Buffer).
    w.write(&b"buf"[..]);
    let h = env.h.clone();
    let s = Writable::new(
        &env.h,
        FnSink::new().write(move |_: Chunk, cb: WriteCallback| {
            h.set_immediate(move || cb.ok());
        }),
        WritableOptions::new()
            .decode_strings(false)
            .high_water_mark(100),
    );
    s.write_str("héllo", Encoding::Latin1);
    tlog!(t, "len", s.writable_length());
    env.finish()
}

fn x58() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let t2 = t.clone();
    let w = Writable::new(
        &env.h,
        FnSink::new().write(move |c: Chunk, cb: WriteCallback| {
            tlog!(t2, "_write", show(&c), c.encoding().name());
            cb.ok();
        }),
        WritableOptions::new().decode_strings(false),
    );
    // Node returns the stream; the Rust method returns `Ok(())`.
    tlog!(t, "returns this", w.set_default_encoding("HEX").is_ok());
    w.write("6869");
    w.set_default_encoding("Base64").expect("known encoding");
    w.write("aGk=");
    if let Err(e) = w.set_default_encoding("nope") {
        tlog!(t, "threw", errc(&e));
    }
    w.write("x");
    let t2 = t.clone();
    let d = Writable::new(
        &env.h,
        FnSink::new().write(move |c: Chunk, cb: WriteCallback| {
            tlog!(t2, "_write decoded", show(&c), c.encoding().name());
            cb.ok();
        }),
        WritableOptions::new(),
    );
    d.set_default_encoding("hex").expect("known encoding");
    d.write("6869");
    d.write_str("6869", Encoding::Utf8);
    env.finish()
}

fn x59() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let w = sync_sink(&env, WritableOptions::new());
    watch(t, &w, "w", &["error", "finish", "close"]);
    // In Rust the encoding name is resolved before the call; the error comes from there.
    let t2 = t.clone();
    match Encoding::from_name("klingon") {
        Ok(enc) => {
            w.write_str_cb("a", enc, move |_| tlog!(t2, "cb NOT expected"));
        }
        Err(e) => tlog!(t, "write threw", errc(&e)),
    }
    match Encoding::from_name("klingon") {
        Ok(enc) => w.end_str("a", enc),
        Err(e) => tlog!(t, "end threw", errc(&e)),
    }
    tlog!(
        t,
        "writableEnded",
        w.writable_ended(),
        "len",
        w.writable_length()
    );
    match Encoding::from_name("klingon") {
        Ok(_) => {
            w.write(&b"buf"[..]);
        }
        Err(e) => tlog!(t, "buffer write threw", errc(&e)),
    }
    match Encoding::from_name("hex") {
        Ok(_) => {
            w.write(&b"buf"[..]);
        }
        Err(e) => tlog!(t, "NOT expected", errc(&e)),
    }
    match Encoding::from_name("klingon") {
        Ok(enc) => {
            let _ = sync_sink(&env, WritableOptions::new().default_encoding(enc));
            tlog!(t, "ctor accepted");
        }
        Err(e) => tlog!(t, "ctor threw", errc(&e)),
    }
    env.finish()
}

fn x60() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let t2 = t.clone();
    let w = Writable::new(
        &env.h,
        FnSink::new().write(move |c: Chunk, cb: WriteCallback| {
            tlog!(t2, "_write", c.len(), Encoding::Hex.decode(c.as_bytes()));
            cb.ok();
        }),
        WritableOptions::new(),
    );
    w.write_str("abc", Encoding::Hex);
    w.write_str("zz", Encoding::Hex);
    w.write_str("aGk", Encoding::Base64);
    w.write_str("a G=k!", Encoding::Base64);
    w.write_str("aGk=aGk=", Encoding::Base64);
    env.finish()
}

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "w15-write-null-and-bad-types",
        run: w15,
    },
    Scenario {
        name: "w16-encodings",
        run: w16,
    },
    Scenario {
        name: "x54-objectmode-values",
        run: x54,
    },
    Scenario {
        name: "x55-objectmode-end-with-value",
        run: x55,
    },
    Scenario {
        name: "x56-every-encoding-decoded",
        run: x56,
    },
    Scenario {
        name: "x57-encodings-decodeStrings-false",
        run: x57,
    },
    Scenario {
        name: "x58-setDefaultEncoding",
        run: x58,
    },
    Scenario {
        name: "x59-unknown-encoding",
        run: x59,
    },
    Scenario {
        name: "x60-malformed-encoded-input",
        run: x60,
    },
];
