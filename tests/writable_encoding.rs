//! Every encoding against node: `tests/writable_encoding_cases.txt` holds what node's
//! `Buffer.from(string, enc)` and `buf.toString(enc)` gave for 700 random inputs, malformed
//! ones included (re-record with `node tests/writable_encoding_cases.js`).

use nodestream::Encoding;

fn unhex(s: &str) -> Vec<u8> {
    if s == "-" {
        return Vec::new();
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn encode_and_decode_match_node_byte_for_byte() {
    let cases = include_str!("writable_encoding_cases.txt");
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in cases.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        assert_eq!(f.len(), 4, "bad line {line:?}");
        let enc = Encoding::from_name(f[1]).expect("known encoding");
        let input = unhex(f[2]);
        let want = unhex(f[3]);
        let got = match f[0] {
            "E" => enc.encode(std::str::from_utf8(&input).expect("utf8 input")),
            "D" => enc.decode(&input).into_bytes(),
            other => panic!("bad kind {other}"),
        };
        if got != want {
            failures.push(format!(
                "{} {} {:?}: node {:02x?}, ours {:02x?}",
                f[0],
                f[1],
                String::from_utf8_lossy(&input),
                want,
                got
            ));
        }
        checked += 1;
    }
    assert_eq!(checked, 4900);
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn unknown_names_are_err_unknown_encoding() {
    for name in ["klingon", "", "buffer", "utf-16", "latin-1"] {
        let err = Encoding::from_name(name).unwrap_err();
        assert_eq!(err.code().as_str(), "ERR_UNKNOWN_ENCODING", "{name:?}");
    }
}
