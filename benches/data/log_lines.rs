// Log-like data for the compression benchmarks: the same bytes on every run, included by
// path (`include!`) from benches/zlib_backends.rs and benches/gzip_pipeline.rs.

/// xorshift64*: the same bytes on every run and every backend.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "request", "response", "stream", "buffer", "chunk", "write", "read", "pipe", "drain", "finish",
    "close", "error", "socket", "server", "client", "timeout", "retry", "cache", "user", "session",
    "token", "header", "body", "json", "payload", "queue", "worker", "the", "a", "of", "to", "and",
    "in", "is", "was", "for", "on", "with", "from", "after", "before", "while", "again", "slow",
    "fast", "ok", "failed", "accepted", "rejected",
];
const LEVELS: &[&str] = &["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"];
const PATHS: &[&str] = &[
    "/api/v1/items",
    "/api/v1/users",
    "/static/app.js",
    "/health",
    "/login",
];

/// `len` bytes of log lines (timestamps, ids, paths, a sentence from a small vocabulary)
/// with a run of random bytes in one line of eight, as an upload or a binary field would be.
fn make_data(len: usize) -> Vec<u8> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::with_capacity(len + 512);
    let mut ms: u64 = 1_796_000_000_000;
    while out.len() < len {
        ms += rng.below(50) as u64;
        let id = rng.next();
        let _ = write!(
            out,
            "{}.{:03} {} [worker-{}] id={:016x} {} {}/{} status={} bytes={} ms={}.{} msg=\"",
            ms / 1000,
            ms % 1000,
            LEVELS[rng.below(LEVELS.len())],
            rng.below(8),
            id,
            if rng.below(4) == 0 { "POST" } else { "GET" },
            PATHS[rng.below(PATHS.len())],
            rng.below(100_000),
            [200, 200, 200, 204, 304, 404, 500][rng.below(7)],
            rng.below(1 << 20),
            rng.below(1000),
            rng.below(10),
        );
        for i in 0..4 + rng.below(12) {
            if i > 0 {
                out.push(b' ');
            }
            out.extend_from_slice(WORDS[rng.below(WORDS.len())].as_bytes());
        }
        out.extend_from_slice(b"\"\n");
        if rng.below(8) == 0 {
            for _ in 0..(16 + rng.below(48)) / 8 {
                out.extend_from_slice(&rng.next().to_le_bytes());
            }
            out.push(b'\n');
        }
    }
    out.truncate(len);
    out
}
