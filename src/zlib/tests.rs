//! The engine against what Node's zlib does, recorded by `tests/fixtures/zlib/record.js`
//! (node v20) so that these tests run without node.

use bytes::Bytes;

use super::*;
use crate::ErrorCode;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/zlib/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn fixture_lines(name: &str) -> Vec<Vec<String>> {
    String::from_utf8(fixture(name))
        .unwrap()
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

fn kind(name: &str) -> Kind {
    match name {
        "gzip" => Kind::Gzip,
        "gunzip" => Kind::Gunzip,
        "deflate" => Kind::Deflate,
        "inflate" => Kind::Inflate,
        "deflateRaw" => Kind::DeflateRaw,
        "inflateRaw" => Kind::InflateRaw,
        "unzip" => Kind::Unzip,
        other => panic!("unknown kind {other}"),
    }
}

fn flush(n: &str) -> Flush {
    match n {
        "0" => Flush::None,
        "1" => Flush::Partial,
        "2" => Flush::Sync,
        "3" => Flush::Full,
        "4" => Flush::Finish,
        "5" => Flush::Block,
        other => panic!("unknown flush {other}"),
    }
}

/// Node's options as record.js writes them: `-` or `key=value,key=value`.
fn options(text: &str) -> ZlibOptions {
    let mut opts = ZlibOptions::new();
    if text == "-" {
        return opts;
    }
    for pair in text.split(',') {
        let (key, value) = pair.split_once('=').unwrap();
        let n = || value.parse::<i32>().unwrap();
        opts = match key {
            "level" => opts.level(n()),
            "windowBits" => opts.window_bits(n()),
            "memLevel" => opts.mem_level(n()),
            "chunkSize" => opts.chunk_size(value.parse().unwrap()),
            "finishFlush" => opts.finish_flush(flush(value)),
            "flush" => opts.flush(flush(value)),
            other => panic!("unknown option {other}"),
        };
    }
    opts
}

fn run(kind: Kind, input: &[u8], opts: &ZlibOptions) -> crate::Result<Vec<u8>> {
    sync(kind, input, opts)
}

/// `ok <hex>` or `err <code> <errno> <message>`, as record.js writes a result.
fn outcome(result: crate::Result<Vec<u8>>) -> String {
    match result {
        Ok(out) => format!("ok {}", to_hex(&out)),
        Err(e) => format!(
            "err {} {} {}",
            e.code(),
            e.errno().map_or("undefined".into(), |n| n.to_string()),
            e.message()
        ),
    }
}

#[test]
fn decompresses_what_node_compressed() {
    let text = fixture("text.txt");
    let opts = ZlibOptions::new();
    for name in ["text.gz", "text-1.gz", "text-9.gz", "text-huffman.gz"] {
        assert_eq!(gunzip_sync(&fixture(name), &opts).unwrap(), text, "{name}");
        assert_eq!(unzip_sync(&fixture(name), &opts).unwrap(), text, "{name}");
    }
    assert_eq!(inflate_sync(&fixture("text.zz"), &opts).unwrap(), text);
    assert_eq!(unzip_sync(&fixture("text.zz"), &opts).unwrap(), text);
    assert_eq!(inflate_raw_sync(&fixture("text.raw"), &opts).unwrap(), text);
    let wb9 = fixture("text-wb9.zz");
    assert_eq!(inflate_sync(&wb9, &opts).unwrap(), text);
    assert_eq!(
        inflate_sync(&wb9, &opts.clone().window_bits(9)).unwrap(),
        text
    );
}

#[test]
fn round_trips_every_kind_and_level() {
    let text = fixture("text.txt");
    for level in -1..=9 {
        let opts = ZlibOptions::new().level(level);
        let gz = gzip_sync(&text, &opts).unwrap();
        assert_eq!(gunzip_sync(&gz, &opts).unwrap(), text, "gzip level {level}");
        let zz = deflate_sync(&text, &opts).unwrap();
        assert_eq!(
            inflate_sync(&zz, &opts).unwrap(),
            text,
            "deflate level {level}"
        );
        let raw = deflate_raw_sync(&text, &opts).unwrap();
        assert_eq!(
            inflate_raw_sync(&raw, &opts).unwrap(),
            text,
            "raw level {level}"
        );
    }
    for bits in 8..=15 {
        let opts = ZlibOptions::new().window_bits(bits);
        let zz = deflate_sync(&text, &opts).unwrap();
        assert_eq!(inflate_sync(&zz, &ZlibOptions::new()).unwrap(), text);
        let raw = deflate_raw_sync(&text, &opts).unwrap();
        assert_eq!(inflate_raw_sync(&raw, &opts).unwrap(), text);
    }
}

#[test]
fn gzip_header_is_nodes() {
    // Node's gzip of "hello" at each level starts with the same ten bytes: no name, no
    // time, the level's extra flags (4 fastest, 2 best), OS 3 (Unix).
    let cases = fixture_lines("cases.txt");
    let node_empty = cases
        .iter()
        .find(|c| c[0] == "gzip" && c[2].is_empty())
        .unwrap();
    let ours = gzip_sync(b"", &ZlibOptions::new()).unwrap();
    assert_eq!(format!("ok {}", to_hex(&ours)), node_empty[3]);
    let header = |level| gzip_sync(b"x", &ZlibOptions::new().level(level)).unwrap()[..10].to_vec();
    assert_eq!(header(1), hex("1f8b0800000000000403"));
    assert_eq!(header(6), hex("1f8b0800000000000003"));
    assert_eq!(header(9), hex("1f8b0800000000000203"));
}

#[test]
fn one_shot_results_and_errors_are_nodes() {
    let mut checked = 0;
    for case in fixture_lines("cases.txt") {
        let [kind_name, opts, input, expected] = &case[..] else {
            panic!("bad line {case:?}")
        };
        let k = kind(kind_name);
        let got = outcome(run(k, &hex(input), &options(opts)));
        if k.compresses() && expected.starts_with("ok ") {
            // Compressed bytes are zlib-rs's, not Node's zlib's: compare what they hold.
            let ours = hex(got.strip_prefix("ok ").unwrap());
            let back = match k {
                Kind::Gzip => gunzip_sync(&ours, &ZlibOptions::new()),
                Kind::Deflate => inflate_sync(&ours, &ZlibOptions::new()),
                _ => inflate_raw_sync(&ours, &ZlibOptions::new()),
            };
            assert_eq!(back.unwrap(), hex(input), "{case:?}");
        } else {
            assert_eq!(&got, expected, "{kind_name} {opts} {input}");
        }
        checked += 1;
    }
    assert!(checked >= 40, "{checked} cases");
}

#[test]
fn option_checks_are_nodes() {
    for case in fixture_lines("options.txt") {
        let [kind_name, opts, expected] = &case[..] else {
            panic!("bad line {case:?}")
        };
        let got = match Engine::new(kind(kind_name), &options(opts)) {
            Ok(_) => "ok".to_owned(),
            Err(e) => format!("err {} {}", e.code(), e.message()),
        };
        assert_eq!(&got, expected, "{kind_name} {opts}");
    }
}

#[test]
fn chunks_are_nodes() {
    for case in fixture_lines("chunks.txt") {
        let [kind_name, opts, file, writes, expected] = &case[..] else {
            panic!("bad line {case:?}")
        };
        let input = fixture(file);
        let mut engine = Engine::new(kind(kind_name), &options(opts)).unwrap();
        let mut sizes = Vec::new();
        let mut data = Vec::new();
        let mut push = |c: Bytes| {
            assert!(!c.is_empty());
            sizes.push(c.len().to_string());
            data.extend_from_slice(&c);
        };
        let mut off = 0;
        let mut result = Ok(());
        for size in writes.split(',') {
            let size: usize = size.parse().unwrap();
            result = engine.process(&input[off..off + size], Flush::None, &mut push);
            off += size;
            if result.is_err() {
                break;
            }
        }
        if result.is_ok() {
            result = engine.process(&[], Flush::Finish, &mut push);
        }
        let got = match result {
            Ok(()) => {
                assert_eq!(data, fixture("text.txt"));
                sizes.join(",")
            }
            Err(e) => format!("err {} {}", e.code(), e.message()),
        };
        assert_eq!(&got, expected, "{kind_name} {opts} {file} {writes}");
    }
}

#[test]
fn compressed_chunks_fill_one_buffer_after_another() {
    // Node's rule: each call writes into the rest of one chunk_size buffer; a chunk ends
    // where the call ends or the buffer is full.
    let text = fixture("text.txt");
    let mut engine = Engine::new(Kind::Gzip, &ZlibOptions::new().chunk_size(64)).unwrap();
    let mut gz = Vec::new();
    let mut offset = 0;
    for piece in text.chunks(1000) {
        let flush = if gz.len() % 3 == 0 {
            Flush::Sync
        } else {
            Flush::None
        };
        engine
            .process(piece, flush, &mut |c| {
                assert!(offset + c.len() <= 64, "{offset} + {}", c.len());
                offset = (offset + c.len()) % 64;
                gz.extend_from_slice(&c);
            })
            .unwrap();
    }
    engine
        .process(&[], Flush::Finish, &mut |c| gz.extend_from_slice(&c))
        .unwrap();
    assert_eq!(engine.bytes_written(), text.len() as u64);
    assert_eq!(gunzip_sync(&gz, &ZlibOptions::new()).unwrap(), text);
}

#[test]
fn a_big_write_comes_out_in_full_chunks() {
    let text = fixture("text.txt");
    let gz = fixture("text.gz");
    let mut engine = Engine::new(Kind::Gunzip, &ZlibOptions::new()).unwrap();
    let mut sizes = Vec::new();
    engine
        .process(&gz, Flush::Finish, &mut |c| sizes.push(c.len()))
        .unwrap();
    let full = text.len() / DEFAULT_CHUNK_SIZE;
    assert_eq!(sizes.len(), full + 1);
    assert!(sizes[..full].iter().all(|&s| s == DEFAULT_CHUNK_SIZE));
    assert_eq!(sizes[full], text.len() % DEFAULT_CHUNK_SIZE);
    // Debug shows the state, not the output buffer's bytes.
    assert!(format!("{engine:?}").len() < 200, "{engine:?}");
}

#[test]
fn flush_makes_everything_so_far_decompressible() {
    let mut gzip = Engine::new(Kind::Gzip, &ZlibOptions::new()).unwrap();
    let mut gunzip = Engine::new(Kind::Gunzip, &ZlibOptions::new()).unwrap();
    let mut plain = Vec::new();
    for (i, word) in ["one ", "two ", "three"].iter().enumerate() {
        let mut gz = Vec::new();
        gzip.process(word.as_bytes(), Flush::Full, &mut |c| {
            gz.extend_from_slice(&c)
        })
        .unwrap();
        gunzip
            .process(&gz, Flush::None, &mut |c| plain.extend_from_slice(&c))
            .unwrap();
        assert_eq!(plain.len(), ["one ", "one two ", "one two three"][i].len());
    }
    // A second flush with nothing new is not an error (zlib's Z_BUF_ERROR there is not
    // fatal, as in Node).
    gzip.process(&[], Flush::Full, &mut |_| {}).unwrap();
}

#[test]
fn gunzip_reads_members_across_writes() {
    let hello = gzip_sync(b"hello ", &ZlibOptions::new()).unwrap();
    let world = gzip_sync(b"world", &ZlibOptions::new()).unwrap();
    for kind in [Kind::Gunzip, Kind::Unzip] {
        let mut engine = Engine::new(kind, &ZlibOptions::new()).unwrap();
        let mut out = Vec::new();
        let mut push = |c: Bytes| out.extend_from_slice(&c);
        engine.process(&hello, Flush::None, &mut push).unwrap();
        assert!(!engine.stopped_early());
        engine.process(&world[..1], Flush::None, &mut push).unwrap();
        engine
            .process(&world[1..], Flush::Finish, &mut push)
            .unwrap();
        assert_eq!(out, b"hello world", "{kind:?}");
    }
}

#[test]
fn data_after_the_end_stops_early() {
    let mut zz = deflate_sync(b"ab", &ZlibOptions::new()).unwrap();
    zz.extend_from_slice(b"xx");
    let mut engine = Engine::new(Kind::Inflate, &ZlibOptions::new()).unwrap();
    let mut out = Vec::new();
    engine
        .process(&zz, Flush::None, &mut |c| out.extend_from_slice(&c))
        .unwrap();
    assert_eq!(out, b"ab");
    assert!(engine.stopped_early());
    assert_eq!(engine.bytes_written(), zz.len() as u64 - 2);
}

#[test]
fn an_error_sticks_and_drops_the_failed_calls_output() {
    let text = fixture("text.txt");
    let gz = fixture("text.gz");
    let mut engine = Engine::new(Kind::Gunzip, &ZlibOptions::new().chunk_size(1024)).unwrap();
    let mut out = Vec::new();
    let err = engine
        .process(&gz[..gz.len() - 8], Flush::Finish, &mut |c| {
            out.extend_from_slice(&c)
        })
        .unwrap_err();
    assert_eq!(*err.code(), ErrorCode::Zlib(-5));
    assert_eq!(err.message(), "unexpected end of file");
    // Every full buffer was handed out; the last, partial one was not (as in Node).
    assert_eq!(out.len(), text.len() / 1024 * 1024);
    assert_eq!(out, text[..out.len()]);
    let again = engine.process(b"", Flush::Finish, &mut |_| {}).unwrap_err();
    assert_eq!(again.message(), "unexpected end of file");
}

#[test]
fn zlib_error_codes_read_as_nodes() {
    let err = gunzip_sync(b"hello", &ZlibOptions::new()).unwrap_err();
    assert_eq!(err.code().as_str(), "Z_DATA_ERROR");
    assert_eq!(err.errno(), Some(-3));
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    assert_eq!(err.to_string(), "incorrect header check [Z_DATA_ERROR]");
    assert_eq!(ErrorCode::Zlib(2).as_str(), "Z_NEED_DICT");
    assert_eq!(
        ErrorCode::Zlib(-5).kind(),
        std::io::ErrorKind::UnexpectedEof
    );
}
