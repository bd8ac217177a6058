//! Node's `StringDecoder`: turns a byte stream into text without splitting a character
//! (or a base64 group) across two chunks.

use crate::stream::encoding::Encoding;

/// A streaming decoder for one encoding. Bytes that end in the middle of a character are
/// held back until the next [`write`](StringDecoder::write) or [`end`](StringDecoder::end).
#[derive(Debug)]
pub(crate) struct StringDecoder {
    encoding: Encoding,
    pending: Vec<u8>,
}

impl StringDecoder {
    pub(crate) fn new(encoding: Encoding) -> StringDecoder {
        let encoding = match encoding {
            Encoding::Buffer => Encoding::Utf8,
            other => other,
        };
        StringDecoder {
            encoding,
            pending: Vec::new(),
        }
    }

    pub(crate) fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Decodes `bytes`, holding back an unfinished character.
    pub(crate) fn write(&mut self, bytes: &[u8]) -> String {
        let mut input;
        let data: &[u8] = if self.pending.is_empty() {
            bytes
        } else {
            input = std::mem::take(&mut self.pending);
            input.extend_from_slice(bytes);
            &input
        };
        let keep = match self.encoding {
            Encoding::Utf8 | Encoding::Buffer => utf8_incomplete_tail(data),
            Encoding::Utf16Le => utf16_incomplete_tail(data),
            Encoding::Base64 | Encoding::Base64Url => data.len() % 3,
            Encoding::Hex | Encoding::Latin1 | Encoding::Ascii => 0,
        };
        let (now, later) = data.split_at(data.len() - keep);
        let out = self.encoding.decode(now);
        self.pending = later.to_vec();
        out
    }

    /// Flushes whatever is held back (an unfinished UTF-8 character becomes U+FFFD, as in
    /// Node).
    pub(crate) fn end(&mut self) -> String {
        let rest = std::mem::take(&mut self.pending);
        if rest.is_empty() {
            return String::new();
        }
        self.encoding.decode(&rest)
    }
}

/// How many bytes at the end of `data` start a UTF-8 character that is not complete yet.
fn utf8_incomplete_tail(data: &[u8]) -> usize {
    let len = data.len();
    for back in 1..=len.min(4) {
        let b = data[len - back];
        if b & 0xc0 == 0x80 {
            continue; // a continuation byte: keep looking for the lead
        }
        let need = if b & 0xe0 == 0xc0 {
            2
        } else if b & 0xf0 == 0xe0 {
            3
        } else if b & 0xf8 == 0xf0 {
            4
        } else {
            1
        };
        return if need > back { back } else { 0 };
    }
    0
}

/// How many bytes at the end of UTF-16LE `data` are an odd byte or a lone high surrogate.
fn utf16_incomplete_tail(data: &[u8]) -> usize {
    let odd = data.len() % 2;
    let even = data.len() - odd;
    if even >= 2 {
        let unit = u16::from_le_bytes([data[even - 2], data[even - 1]]);
        if (0xd800..0xdc00).contains(&unit) {
            return odd + 2;
        }
    }
    odd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_characters_split_across_writes_are_joined() {
        let bytes = "h\u{e9}\u{20ac}!".as_bytes();
        let mut d = StringDecoder::new(Encoding::Utf8);
        let mut out = String::new();
        for piece in bytes.chunks(2) {
            out.push_str(&d.write(piece));
        }
        out.push_str(&d.end());
        assert_eq!(out, "h\u{e9}\u{20ac}!");
    }

    #[test]
    fn utf8_unfinished_character_at_end_is_a_replacement_char() {
        let mut d = StringDecoder::new(Encoding::Utf8);
        assert_eq!(d.write(&[0xe2]), "");
        assert_eq!(d.end(), "\u{fffd}");
    }

    #[test]
    fn base64_holds_partial_groups() {
        let mut d = StringDecoder::new(Encoding::Base64);
        assert_eq!(d.write(b"ab"), "");
        assert_eq!(d.write(b"cd"), "YWJj");
        assert_eq!(d.end(), "ZA==");
    }

    #[test]
    fn utf16le_holds_odd_bytes_and_high_surrogates() {
        let units: Vec<u8> = "a\u{1f600}"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let mut d = StringDecoder::new(Encoding::Utf16Le);
        let mut out = String::new();
        for b in &units {
            out.push_str(&d.write(std::slice::from_ref(b)));
        }
        assert_eq!(out + &d.end(), "a\u{1f600}");
    }
}
