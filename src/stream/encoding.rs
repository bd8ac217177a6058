//! Node's string encodings: what `Buffer.from(string, encoding)` and
//! `buf.toString(encoding)` do, byte for byte, including their handling of bad input.
//!
//! Node's rules for malformed input are lenient and never fail:
//! - `hex` decodes pairs of hex digits and stops at the first pair that is not hex; an odd
//!   last digit is dropped (`"abz1"` gives `[0xab]`).
//! - `base64` and `base64url` accept both alphabets, skip characters outside them
//!   (whitespace included), stop at the first `=`, and never produce more than
//!   `floor(n * 3 / 4)` bytes for `n` characters (trailing `=` not counted).
//! - `latin1`/`binary` and `ascii` keep the low byte of each UTF-16 code unit (`"€"`, U+20AC,
//!   becomes `0xac`); as does every single-byte decoder above for characters past U+00FF.
//! - Decoding `utf8` replaces each maximal invalid subsequence with U+FFFD; `ascii` clears the
//!   high bit of each byte; `utf16le` drops an odd last byte.
//!
//! An unknown encoding name is [`ErrorCode::UnknownEncoding`], as in Node.

use std::fmt;

use crate::error::{Error, ErrorCode};

/// A character encoding for string chunks, as Node names them.
///
/// [`Encoding::Buffer`] is not a string encoding: it is the tag Node gives a chunk that is
/// already bytes (`_write(chunk, 'buffer', cb)`).
///
/// # Examples
///
/// ```
/// use nodestream::Encoding;
///
/// let hex = Encoding::from_name("HEX").unwrap();
/// assert_eq!(hex.encode("68690z"), b"hi");
/// assert_eq!(Encoding::Base64.decode(b"hi"), "aGk=");
/// assert_eq!(
///     Encoding::from_name("nope").unwrap_err().code().as_str(),
///     "ERR_UNKNOWN_ENCODING"
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Encoding {
    /// `utf8` (also `utf-8`): the default.
    #[default]
    Utf8,
    /// `hex`: two lowercase hex digits per byte.
    Hex,
    /// `base64`: the standard alphabet, padded with `=`.
    Base64,
    /// `base64url`: the URL-safe alphabet, unpadded.
    Base64Url,
    /// `latin1` (also `binary`): one byte per character.
    Latin1,
    /// `ascii`: as `latin1` when encoding; clears the high bit when decoding.
    Ascii,
    /// `utf16le` (also `ucs2`, `ucs-2`, `utf-16le`): two bytes per UTF-16 code unit.
    Utf16Le,
    /// `buffer`: the chunk is bytes, not a string.
    Buffer,
}

impl Encoding {
    /// The encoding for a name, case-insensitively, as `Buffer.isEncoding` accepts it.
    ///
    /// `"buffer"` is not a string encoding and is refused, as Node's `setDefaultEncoding`
    /// refuses it.
    ///
    /// # Errors
    ///
    /// [`ErrorCode::UnknownEncoding`] for any other name.
    pub fn from_name(name: &str) -> Result<Encoding, Error> {
        let lower = name.to_ascii_lowercase();
        let enc = match lower.as_str() {
            "utf8" | "utf-8" => Encoding::Utf8,
            "hex" => Encoding::Hex,
            "base64" => Encoding::Base64,
            "base64url" => Encoding::Base64Url,
            "latin1" | "binary" => Encoding::Latin1,
            "ascii" => Encoding::Ascii,
            "utf16le" | "utf-16le" | "ucs2" | "ucs-2" => Encoding::Utf16Le,
            _ => {
                return Err(Error::new(
                    ErrorCode::UnknownEncoding,
                    format!("Unknown encoding: {name}"),
                ))
            }
        };
        Ok(enc)
    }

    /// Node's canonical name: `"utf8"`, `"hex"`, `"base64"`, `"base64url"`, `"latin1"`,
    /// `"ascii"`, `"utf16le"` or `"buffer"`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf8",
            Encoding::Hex => "hex",
            Encoding::Base64 => "base64",
            Encoding::Base64Url => "base64url",
            Encoding::Latin1 => "latin1",
            Encoding::Ascii => "ascii",
            Encoding::Utf16Le => "utf16le",
            Encoding::Buffer => "buffer",
        }
    }

    /// The bytes of `s` in this encoding: `Buffer.from(s, encoding)`.
    ///
    /// [`Encoding::Buffer`] is taken as `utf8`, as Node does for a string written with it.
    pub fn encode(self, s: &str) -> Vec<u8> {
        match self {
            Encoding::Utf8 | Encoding::Buffer => s.as_bytes().to_vec(),
            Encoding::Latin1 | Encoding::Ascii => s.encode_utf16().map(low_byte).collect(),
            Encoding::Utf16Le => {
                let mut out = Vec::with_capacity(s.len() * 2);
                for unit in s.encode_utf16() {
                    out.extend_from_slice(&unit.to_le_bytes());
                }
                out
            }
            Encoding::Hex => hex_decode(s),
            Encoding::Base64 | Encoding::Base64Url => base64_decode(s),
        }
    }

    /// The text of `bytes` in this encoding: `buf.toString(encoding)`.
    ///
    /// [`Encoding::Buffer`] is taken as `utf8`.
    ///
    /// # Node compatibility
    ///
    /// A Rust `String` cannot hold a lone surrogate, so `utf16le` input with one decodes it
    /// to U+FFFD where Node keeps the lone code unit in its string.
    pub fn decode(self, bytes: &[u8]) -> String {
        match self {
            Encoding::Utf8 | Encoding::Buffer => String::from_utf8_lossy(bytes).into_owned(),
            Encoding::Latin1 => bytes.iter().map(|&b| char::from(b)).collect(),
            Encoding::Ascii => bytes.iter().map(|&b| char::from(b & 0x7f)).collect(),
            Encoding::Utf16Le => {
                let units = bytes
                    .chunks_exact(2)
                    .map(|pair| u16::from_le_bytes([pair[0], pair[1]]));
                char::decode_utf16(units)
                    .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                    .collect()
            }
            Encoding::Hex => {
                const DIGITS: &[u8; 16] = b"0123456789abcdef";
                let mut out = String::with_capacity(bytes.len() * 2);
                for &b in bytes {
                    out.push(char::from(DIGITS[usize::from(b >> 4)]));
                    out.push(char::from(DIGITS[usize::from(b & 0xf)]));
                }
                out
            }
            Encoding::Base64 => base64_encode(bytes, BASE64_ALPHABET, true),
            Encoding::Base64Url => base64_encode(bytes, BASE64URL_ALPHABET, false),
        }
    }

    /// How many bytes [`encode`](Encoding::encode) makes of `s`: `Buffer.byteLength(s, enc)`
    /// for well-formed input.
    pub fn byte_length(self, s: &str) -> usize {
        match self {
            Encoding::Utf8 | Encoding::Buffer => s.len(),
            _ => self.encode(s).len(),
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Encoding {
    type Err = Error;

    fn from_str(s: &str) -> Result<Encoding, Error> {
        Encoding::from_name(s)
    }
}

/// The length of `s` as JavaScript counts it (UTF-16 code units): what a string chunk
/// adds to `writableLength` when strings are not decoded.
pub(crate) fn js_length(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.encode_utf16().count()
    }
}

/// Node keeps the low byte of a UTF-16 code unit wherever it wants one byte per character.
fn low_byte(unit: u16) -> u8 {
    unit.to_le_bytes()[0]
}

fn unhex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Node's `hex_decode`: pairs of digits until the first non-hex pair.
fn hex_decode(s: &str) -> Vec<u8> {
    let units: Vec<u8> = if s.is_ascii() {
        s.as_bytes().to_vec()
    } else {
        s.encode_utf16().map(low_byte).collect()
    };
    let mut out = Vec::with_capacity(units.len() / 2);
    for pair in units.chunks_exact(2) {
        match (unhex(pair[0]), unhex(pair[1])) {
            (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
            _ => break,
        }
    }
    out
}

const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64URL_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64_encode(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    let sym = |v: u32| char::from(alphabet[(v & 0x3f) as usize]);
    for group in bytes.chunks(3) {
        let b0 = u32::from(group[0]);
        let b1 = group.get(1).copied().map_or(0, u32::from);
        let b2 = group.get(2).copied().map_or(0, u32::from);
        let v = b0 << 16 | b1 << 8 | b2;
        out.push(sym(v >> 18));
        out.push(sym(v >> 12));
        if group.len() > 1 {
            out.push(sym(v >> 6));
        } else if pad {
            out.push('=');
        }
        if group.len() > 2 {
            out.push(sym(v));
        } else if pad {
            out.push('=');
        }
    }
    out
}

/// The value of a base64 symbol in either alphabet.
fn unbase64(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// Node's base64 decoder (`base64_decode_group_slow`, which its fast path agrees with): the
/// output is capped at `floor(n * 3 / 4)` bytes (`n` without up to two trailing `=`);
/// symbols outside both alphabets are skipped; a `=` or the end of input stops decoding.
fn base64_decode(s: &str) -> Vec<u8> {
    let units: Vec<u8> = if s.is_ascii() {
        s.as_bytes().to_vec()
    } else {
        s.encode_utf16().map(low_byte).collect()
    };
    let mut n = units.len();
    if n > 0 && units[n - 1] == b'=' {
        n -= 1;
    }
    if n > 1 && units[n - 1] == b'=' {
        n -= 1;
    }
    let cap = n * 3 / 4;
    let mut out = Vec::with_capacity(cap);
    let mut i = 0;
    // One 4-symbol group per pass; `next` returns the next symbol's value, or None to stop.
    let next = |i: &mut usize| -> Option<u8> {
        while *i < units.len() {
            let c = units[*i];
            *i += 1;
            if let Some(v) = unbase64(c) {
                return Some(v);
            }
            if c == b'=' {
                return None;
            }
        }
        None
    };
    'groups: while i < units.len() && out.len() < cap {
        let mut hi = match next(&mut i) {
            Some(v) => v,
            None => break,
        };
        for step in 0..3 {
            if i >= units.len() {
                break 'groups;
            }
            let lo = match next(&mut i) {
                Some(v) => v,
                None => break 'groups,
            };
            let byte = match step {
                0 => (hi & 0x3f) << 2 | (lo & 0x30) >> 4,
                1 => (hi & 0x0f) << 4 | (lo & 0x3c) >> 2,
                _ => (hi & 0x03) << 6 | (lo & 0x3f),
            };
            out.push(byte);
            if out.len() >= cap {
                break 'groups;
            }
            hi = lo;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_and_aliased() {
        assert_eq!(Encoding::from_name("UTF-8").unwrap(), Encoding::Utf8);
        assert_eq!(Encoding::from_name("Binary").unwrap(), Encoding::Latin1);
        assert_eq!(Encoding::from_name("UCS-2").unwrap(), Encoding::Utf16Le);
        assert_eq!(
            Encoding::from_name("base64URL").unwrap(),
            Encoding::Base64Url
        );
        for bad in ["buffer", "", "utf7", "nope"] {
            let err = Encoding::from_name(bad).unwrap_err();
            assert_eq!(err.code(), &ErrorCode::UnknownEncoding);
        }
    }

    #[test]
    fn encode_matches_node_for_bad_input() {
        assert_eq!(Encoding::Ascii.encode("é€😀"), [233, 172, 61, 0]);
        assert_eq!(Encoding::Latin1.encode("é€😀"), [233, 172, 61, 0]);
        assert_eq!(
            Encoding::Utf16Le.encode("é€😀"),
            [233, 0, 172, 32, 61, 216, 0, 222]
        );
        assert_eq!(Encoding::Hex.encode("abz1"), [171]);
        assert_eq!(Encoding::Hex.encode("a"), [] as [u8; 0]);
        assert_eq!(Encoding::Hex.encode("zzab"), [] as [u8; 0]);
        assert_eq!(Encoding::Hex.encode("aBCd"), [171, 205]);
        assert_eq!(Encoding::Hex.encode("\u{161}\u{161}"), [170]);
        assert_eq!(Encoding::Base64.encode("aGk"), b"hi");
        assert_eq!(Encoding::Base64.encode("a G k ="), b"hi");
        assert_eq!(Encoding::Base64.encode("aG=k"), b"h");
        assert_eq!(Encoding::Base64.encode("aGk=aGk="), b"hi");
        assert_eq!(Encoding::Base64Url.encode("+/+/"), [251, 255, 191]);
        assert_eq!(Encoding::Base64.encode("-_-_"), [251, 255, 191]);
        assert_eq!(
            Encoding::Base64.encode("\u{151}\u{151}\u{151}\u{151}"),
            [65, 4, 16]
        );
        assert_eq!(Encoding::Base64.encode("ab=c=d"), [105]);
        assert_eq!(Encoding::Base64.encode("=aGk"), [] as [u8; 0]);
    }

    #[test]
    fn decode_matches_node() {
        let bad = [0xff, 0x80, 0x41, 0xe2, 0x82, 0xf0, 0x9f, 0x98];
        assert_eq!(
            Encoding::Utf8.decode(&bad),
            "\u{fffd}\u{fffd}A\u{fffd}\u{fffd}"
        );
        assert_eq!(Encoding::Ascii.decode(&[233, 65, 255]), "iA\u{7f}");
        assert_eq!(Encoding::Latin1.decode(&[233, 65, 255]), "éAÿ");
        assert_eq!(Encoding::Utf16Le.decode(&[65, 0, 66]), "A");
        assert_eq!(Encoding::Base64.decode(&[1, 2, 3, 255]), "AQID/w==");
        assert_eq!(Encoding::Base64Url.decode(&[1, 2, 3, 255]), "AQID_w");
        assert_eq!(Encoding::Hex.decode(&[1, 171]), "01ab");
    }

    #[test]
    fn js_length_counts_utf16_units() {
        assert_eq!(js_length("héllo"), 5);
        assert_eq!(js_length("😀"), 2);
        assert_eq!(js_length("abc"), 3);
    }
}
