//! The Rust twin of `node/lib.js`: a trace of one line per observable thing, with values
//! formatted exactly as lib.js's `fmt` formats them.
//!
//! | JS value (lib.js `fmt`)      | Rust [`Value`]                       | printed as              |
//! |------------------------------|--------------------------------------|-------------------------|
//! | string                       | `&str`, `String` (`Value::Str`)      | raw, unquoted           |
//! | number                       | any integer, `f64` (`Value::Num`)    | `JSON.stringify`        |
//! | boolean                      | `bool`                               | `true` / `false`        |
//! | `null`                       | `None`, `Value::Null`                | `null`                  |
//! | `undefined`                  | `()`, `Value::Undefined`             | `undefined`             |
//! | `Error`                      | `&nodestream::Error`                 | `Error(CODE)`           |
//! | `Buffer`                     | `&[u8]`, `Vec<u8>` (`Value::Buf`)    | `buf("latin1")`, `buf(len=N)` over 16 bytes |
//! | function                     | `Value::func("name")`                | `fn:name`, `fn:anonymous` |
//! | array / object               | [`Json`]                             | `JSON.stringify`        |

use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;

use nodestream::Error;

/// The lines a scenario has logged so far; a cheap `Rc` handle, so listeners and callbacks
/// (which must be `'static`) each hold a clone.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    lines: Rc<RefCell<Vec<String>>>,
}

impl Trace {
    /// An empty trace.
    pub fn new() -> Trace {
        Trace::default()
    }

    /// lib.js `log(...parts)`: the parts formatted and joined by one space.
    pub fn log<I: IntoIterator<Item = Value>>(&self, parts: I) {
        let line = format_line(parts);
        self.lines.borrow_mut().push(line);
    }

    /// lib.js `log('UNCAUGHT', errc(e))`: what `harness.js` logs for an uncaught exception.
    /// In Rust that is an error the loop's `run()` hands back.
    pub fn uncaught(&self, err: &Error) {
        self.log([Value::from("UNCAUGHT"), Value::Str(errc(err))]);
    }

    /// The lines so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.borrow().clone()
    }

    /// The lines so far, leaving the trace empty: what a scenario returns.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.lines.borrow_mut())
    }
}

/// `tlog!(trace, "r1", w.write(..), "len", w.writable_length())`: lib.js's `log(...)` with
/// each argument converted by `Value::from`.
macro_rules! tlog {
    ($trace:expr $(, $part:expr)+ $(,)?) => {
        $trace.log([$($crate::trace::Value::from($part)),+])
    };
}
// Scenario modules import it by path: `use crate::trace::tlog;` (unused until one does).
#[allow(unused_imports)]
pub(crate) use tlog;

/// lib.js `errc(e)`: the error's code (its message when it has no code), `"null"` for none.
pub fn errc<'a>(err: impl Into<Option<&'a Error>>) -> String {
    match err.into() {
        None => "null".to_owned(),
        Some(e) => {
            let code = e.code().as_str();
            if code.is_empty() {
                e.message().to_owned()
            } else {
                code.to_owned()
            }
        }
    }
}

/// One argument of [`Trace::log`], formatted as lib.js's `fmt` formats the JS value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string: printed raw.
    Str(String),
    /// A number: printed as `JSON.stringify` prints it (`NaN` and infinities as `null`).
    Num(f64),
    /// A boolean.
    Bool(bool),
    /// `null`.
    Null,
    /// `undefined`.
    Undefined,
    /// An `Error`, by its code (or message): `Error(CODE)`.
    Error(String),
    /// A `Buffer`: `buf("<latin1 as JSON>")`, or `buf(len=N)` when longer than 16 bytes.
    Buf(Vec<u8>),
    /// A function, by name: `fn:name`, or `fn:anonymous` for `None`.
    Fn(Option<String>),
    /// Any other JSON value (arrays, objects): `JSON.stringify`. A top-level [`Json::Str`]
    /// prints raw, as lib.js prints any string argument.
    Json(Json),
}

impl Value {
    /// A named function value (`fn:name`).
    pub fn func(name: &str) -> Value {
        Value::Fn(if name.is_empty() {
            None
        } else {
            Some(name.to_owned())
        })
    }

    /// This value as lib.js's `fmt` prints it.
    pub fn format(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            Value::Num(n) => js_number(*n),
            Value::Bool(b) => b.to_string(),
            Value::Null => "null".to_owned(),
            Value::Undefined => "undefined".to_owned(),
            Value::Error(code) => format!("Error({code})"),
            Value::Buf(bytes) if bytes.len() > 16 => format!("buf(len={})", bytes.len()),
            Value::Buf(bytes) => {
                let latin1: String = bytes.iter().map(|&b| char::from(b)).collect();
                format!("buf({})", json_string(&latin1))
            }
            Value::Fn(Some(name)) => format!("fn:{name}"),
            Value::Fn(None) => "fn:anonymous".to_owned(),
            Value::Json(Json::Str(s)) => s.clone(),
            Value::Json(json) => json.stringify(),
        }
    }
}

/// Formats the parts of one `log` call: each part formatted, joined by single spaces.
pub fn format_line<I: IntoIterator<Item = Value>>(parts: I) -> String {
    let mut line = String::new();
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        line.push_str(&part.format());
    }
    line
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::Str(s.clone())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<()> for Value {
    fn from((): ()) -> Value {
        Value::Undefined
    }
}

impl From<&Error> for Value {
    fn from(e: &Error) -> Value {
        Value::Error(errc(e))
    }
}

impl From<Error> for Value {
    fn from(e: Error) -> Value {
        Value::from(&e)
    }
}

impl From<&[u8]> for Value {
    fn from(bytes: &[u8]) -> Value {
        Value::Buf(bytes.to_vec())
    }
}

impl<const N: usize> From<&[u8; N]> for Value {
    fn from(bytes: &[u8; N]) -> Value {
        Value::Buf(bytes.to_vec())
    }
}

impl From<Vec<u8>> for Value {
    fn from(bytes: Vec<u8>) -> Value {
        Value::Buf(bytes)
    }
}

impl From<Json> for Value {
    fn from(json: Json) -> Value {
        Value::Json(json)
    }
}

/// `None` is JS `null`.
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

macro_rules! number_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            // JS numbers are doubles: integers beyond 2^53 lose precision there too.
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
            fn from(n: $t) -> Value {
                Value::Num(n as f64)
            }
        }
    )*};
}
number_from!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, f32, f64);

/// A JSON value for the arrays and objects scenarios print (`eventNames()`, object-mode
/// chunks).
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// `null` (also what `undefined` becomes inside an array).
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Num(f64),
    /// A string: quoted and escaped.
    Str(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, keys in insertion order.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// An array of strings, such as `eventNames()`.
    pub fn strings<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Json {
        Json::Array(
            items
                .into_iter()
                .map(|s| Json::Str(s.as_ref().to_owned()))
                .collect(),
        )
    }

    /// `JSON.stringify(value)`.
    pub fn stringify(&self) -> String {
        let mut out = String::new();
        self.write_to(&mut out);
        out
    }

    fn write_to(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Num(n) => out.push_str(&js_number(*n)),
            Json::Str(s) => out.push_str(&json_string(s)),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_to(out);
                }
                out.push(']');
            }
            Json::Object(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&json_string(key));
                    out.push(':');
                    value.write_to(out);
                }
                out.push('}');
            }
        }
    }
}

/// `JSON.stringify(string)`: quotes, `\"`, `\\`, the short escapes, and `\u00XX` for the
/// other control characters; everything else (non-ASCII included) stays as it is.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `JSON.stringify(number)`: JS's Number-to-String (shortest round-trip digits, exponent
/// form below 1e-6 and from 1e21), with `NaN` and the infinities as `null`.
pub fn js_number(n: f64) -> String {
    if !n.is_finite() {
        return "null".to_owned();
    }
    if n == 0.0 {
        return "0".to_owned(); // -0 too
    }
    // Rust's `{:e}` gives the shortest digits that round-trip, as JS does: "1.2345e-7".
    let sci = format!("{:e}", n.abs());
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` always has an exponent");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exp: i32 = exp.parse().expect("`{:e}` exponent is an integer");
    let k = i32::try_from(digits.len()).expect("an f64 has at most 17 digits");
    let point = exp + 1; // JS's `n`: the decimal point sits after `point` digits
    let zeros = |count: i32| "0".repeat(usize::try_from(count).unwrap_or(0));
    let body = if k <= point && point <= 21 {
        format!("{digits}{}", zeros(point - k))
    } else if 0 < point && point <= 21 {
        let (int, frac) = digits.split_at(usize::try_from(point).unwrap_or(0));
        format!("{int}.{frac}")
    } else if -6 < point && point <= 0 {
        format!("0.{}{digits}", zeros(-point))
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        let (first, rest) = digits.split_at(1);
        if rest.is_empty() {
            format!("{first}e{sign}{}", exp.abs())
        } else {
            format!("{first}.{rest}e{sign}{}", exp.abs())
        }
    };
    if n < 0.0 {
        format!("-{body}")
    } else {
        body
    }
}

/// Splits the text of a `.trace` file into its lines. The file is empty (no lines) or every
/// line ends in `\n`; a `\r` anywhere is refused (lines never contain one).
pub fn parse_trace_file(text: &str) -> Result<Vec<String>, String> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    if text.contains('\r') {
        return Err("contains a carriage return".to_owned());
    }
    let Some(body) = text.strip_suffix('\n') else {
        return Err("last line does not end in a newline".to_owned());
    };
    Ok(body.split('\n').map(str::to_owned).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nodestream::ErrorCode;
    use std::path::Path;

    /// The committed node trace of `name`.
    fn node_trace(name: &str) -> Vec<String> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/conformance/expected")
            .join(format!("{name}.trace"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        parse_trace_file(&text).unwrap()
    }

    /// Logs `parts` and checks the line is exactly line `index` (0-based) of node's trace.
    fn assert_node_line(name: &str, index: usize, parts: Vec<Value>) {
        let t = Trace::new();
        t.log(parts);
        assert_eq!(
            t.lines(),
            [node_trace(name)[index].clone()],
            "{name} line {index}"
        );
    }

    #[test]
    fn strings_numbers_booleans_as_in_node() {
        assert_node_line(
            "w01-hwm-write-returns-false",
            1,
            vec![
                "r1".into(),
                true.into(),
                "len".into(),
                4_usize.into(),
                "needDrain".into(),
                false.into(),
            ],
        );
        assert_node_line(
            "w02-default-hwm",
            0,
            vec![
                "bytes hwm".into(),
                16384_u32.into(),
                "object hwm".into(),
                16_i32.into(),
            ],
        );
        // An empty string between two spaces: "_write  buffer".
        assert_node_line(
            "w03-hwm-zero",
            0,
            vec!["_write".into(), "".into(), "buffer".into()],
        );
        // A trailing empty part leaves a trailing space: "_write 0 ".
        assert_node_line(
            "x60-malformed-encoded-input",
            1,
            vec!["_write".into(), 0_u8.into(), "".into()],
        );
        // Non-ASCII strings stay raw.
        assert_node_line(
            "w16-encodings",
            3,
            vec![
                "decodeStrings:false length of héllo =".into(),
                5_usize.into(),
            ],
        );
    }

    #[test]
    fn null_undefined_errors_and_json_as_in_node() {
        let t = Trace::new();
        let destroyed = Error::from_code(ErrorCode::Destroyed);
        tlog!(t, "cb-b", errc(&destroyed));
        tlog!(t, "write-cb", errc(None));
        assert_eq!(t.take(), ["cb-b ERR_STREAM_DESTROYED", "write-cb null"]);
        assert!(t.lines().is_empty(), "take() empties the trace");
        assert!(node_trace("w34-destroy-during-async-write")
            .contains(&"cb-b ERR_STREAM_DESTROYED".to_owned()));

        // A message-only error (JS `new Error('boom')`) prints its message.
        assert_eq!(errc(&Error::custom("", "boom")), "boom");
        assert_node_line(
            "w17-write-error-sync",
            3,
            vec![
                "write-cb".into(),
                Value::Str(errc(&Error::custom("", "boom"))),
            ],
        );

        // Object-mode values: undefined, arrays, objects, fractional numbers.
        let name = "x54-objectmode-values";
        assert_node_line(
            name,
            4,
            vec![
                "_write".into(),
                "object".into(),
                Json::Array(vec![Json::Num(1.0), Json::Str("two".into())]).into(),
                "enc".into(),
                ().into(),
            ],
        );
        assert_node_line(
            name,
            5,
            vec![
                "_write".into(),
                "object".into(),
                Json::Object(vec![("a".into(), Json::Num(1.0))]).into(),
                "enc".into(),
                ().into(),
            ],
        );
        assert_node_line(
            name,
            6,
            vec![
                "_write".into(),
                "undefined".into(),
                ().into(),
                "enc".into(),
                Value::Undefined,
            ],
        );
        assert_node_line(
            name,
            7,
            vec![
                "_write".into(),
                "number".into(),
                1.5_f64.into(),
                "enc".into(),
                ().into(),
            ],
        );
        assert_node_line(
            name,
            1,
            vec![
                "_write".into(),
                "boolean".into(),
                false.into(),
                "enc".into(),
                ().into(),
            ],
        );
        assert_node_line(
            "e10-removeAllListeners",
            2,
            vec![
                "eventNames".into(),
                Json::strings(["y", "removeListener"]).into(),
            ],
        );
        assert_node_line(
            "e10-removeAllListeners",
            5,
            vec!["eventNames".into(), Json::strings::<&str>([]).into()],
        );
        assert_node_line(
            "f01-fs-writestream-order",
            0,
            vec![
                "pending".into(),
                true.into(),
                "fd".into(),
                None::<i32>.into(),
                "bytesWritten".into(),
                0_i32.into(),
            ],
        );
        // Error values print as Error(CODE); a top-level Json string prints raw.
        assert_eq!(
            Value::from(Error::from_code(ErrorCode::WriteAfterEnd)).format(),
            "Error(ERR_STREAM_WRITE_AFTER_END)"
        );
        assert_eq!(
            Value::from(Some(Error::custom("EPIPE", "x"))).format(),
            "Error(EPIPE)"
        );
        assert_eq!(Value::from(Json::Str("a\"b".into())).format(), "a\"b");
        assert_eq!(
            Json::Array(vec![Json::Null, Json::Bool(true)]).stringify(),
            "[null,true]"
        );
    }

    #[test]
    fn functions_as_in_node() {
        assert_node_line(
            "e08-newListener-order",
            0,
            vec![
                "newListener".into(),
                "x".into(),
                Value::func("A"),
                "count now".into(),
                0_i32.into(),
            ],
        );
        assert_node_line(
            "e09-removeListener-meta",
            3,
            vec![
                "removeListener".into(),
                "z".into(),
                Value::func("bound onceWrapper"),
                "count now".into(),
                1_i32.into(),
            ],
        );
        assert_eq!(Value::func("").format(), "fn:anonymous");
    }

    #[test]
    fn buffers_as_in_node() {
        assert_node_line(
            "x57-encodings-decodeStrings-false",
            10,
            vec![
                "_write".into(),
                "object".into(),
                b"buf".into(),
                "buffer".into(),
            ],
        );
        assert_eq!(
            Value::from(&[0_u8, b'"', 0xe9, b'\\', b'\n'][..]).format(),
            r#"buf("\u0000\"é\\\n")"#
        );
        assert_eq!(
            Value::from(vec![b'a'; 16]).format(),
            format!("buf(\"{}\")", "a".repeat(16))
        );
        assert_eq!(Value::from(vec![b'a'; 17]).format(), "buf(len=17)");
    }

    #[test]
    fn uncaught_line_as_in_node() {
        let t = Trace::new();
        t.uncaught(&Error::from_code(ErrorCode::WriteAfterEnd));
        assert_eq!(
            t.lines()[0],
            node_trace("w13-write-after-end-no-error-listener")[2]
        );
    }

    #[test]
    fn numbers_follow_js_number_to_string() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (-42.0, "-42"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (0.1 + 0.2, "0.30000000000000004"),
            (123_456_789.0, "123456789"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1.5e21, "1.5e+21"),
            (1e-6, "0.000001"),
            (1e-7, "1e-7"),
            (-2.5e-8, "-2.5e-8"),
            (9_007_199_254_740_993.0, "9007199254740992"),
            (f64::NAN, "null"),
            (f64::INFINITY, "null"),
        ];
        for &(n, want) in cases {
            assert_eq!(js_number(n), want, "{n:e}");
        }
        assert_eq!(Value::from(u64::MAX).format(), "18446744073709552000");
    }

    #[test]
    fn json_strings_escape_like_json_stringify() {
        assert_eq!(
            json_string("a\"\\\u{8}\u{c}\n\r\t\u{1}\u{1f} é€"),
            r#""a\"\\\b\f\n\r\t\u0001\u001f é€""#
        );
    }

    #[test]
    fn trace_files_split_into_lines() {
        assert_eq!(parse_trace_file(""), Ok(vec![]));
        assert_eq!(
            parse_trace_file("a\n\nb \n"),
            Ok(vec!["a".into(), "".into(), "b ".into()])
        );
        assert!(parse_trace_file("a\nb").is_err());
        assert!(parse_trace_file("a\r\n").is_err());
    }
}
