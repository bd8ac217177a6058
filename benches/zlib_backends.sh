#!/bin/sh
# Compares flate2's backends on benches/zlib_backends.rs.
#
# flate2 picks its backend at compile time from its cargo features (a C zlib over zlib-rs
# over miniz_oxide), so one build holds one backend. This script builds the bench once per
# backend as a small program of its own, pinned to the flate2 of Cargo.lock, then runs them
# one after another; the first run also measures Node (when `node` is on the path).
#
#   sh benches/zlib_backends.sh                 # every backend
#   sh benches/zlib_backends.sh zlib-rs zlib    # some of them
#
# Backends: rust_backend (miniz_oxide), zlib-rs, zlib-ng (libz-ng-sys, builds zlib-ng with
# cmake), zlib-ng-compat (libz-sys over zlib-ng, cmake too), zlib (libz-sys: the system
# zlib through pkg-config, else a bundled copy built with cc). A backend that does not
# build is reported and skipped. ZLIB_BENCH_MIB and ZLIB_BENCH_NODE pass through.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
work=${CARGO_TARGET_DIR:-$root/target}/zlib-backends
version=$(sed -n '/^name = "flate2"$/{n;s/^version = "\(.*\)"$/\1/p;}' "$root/Cargo.lock")
[ -n "$version" ] || version=1
backends=${*:-rust_backend zlib-rs zlib-ng zlib-ng-compat zlib}
mkdir -p "$work/bin"

built=""
for backend in $backends; do
    dir=$work/$backend
    mkdir -p "$dir"
    cat > "$dir/Cargo.toml" <<TOML
[package]
name = "zlib-backends"
version = "0.0.0"
edition = "2021"
publish = false

[[bin]]
name = "zlib_backends"
path = "$root/benches/zlib_backends.rs"

[dependencies]
flate2 = { version = "=$version", default-features = false, features = ["$backend", "runtime_detection"] }
rustix = { version = "1", features = ["time"] }

[profile.release]
debug = false

[workspace]
TOML
    echo "building flate2 $version with $backend" >&2
    if CARGO_TARGET_DIR=$dir/target cargo build --quiet --release --manifest-path "$dir/Cargo.toml" \
        >"$dir/build.log" 2>&1; then
        cp "$dir/target/release/zlib_backends" "$work/bin/zlib_backends-$backend"
        built="$built $backend"
    else
        echo "$backend: does not build here (last lines of $dir/build.log):" >&2
        tail -n 5 "$dir/build.log" >&2
    fi
done

first=1
for backend in $built; do
    if [ $first = 1 ]; then node=${ZLIB_BENCH_NODE:-1}; header=1; first=0; else node=0; header=0; fi
    ZLIB_BACKEND=$backend ZLIB_BENCH_NODE=$node ZLIB_BENCH_HEADER=$header \
        ZLIB_BENCH_NODE_SCRIPT="$root/benches/node/zlib_backends.js" \
        "$work/bin/zlib_backends-$backend"
done
