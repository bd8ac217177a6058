#!/usr/bin/env bash
# Runs the nodestream-fdpass test binaries under valgrind, so that uninitialised bytes in a
# control buffer handed to sendmsg/recvmsg (or any other invalid memory use) fail CI.
set -euo pipefail
cd "$(dirname "$0")/.."

source .ci/install-valgrind.sh

# Both profiles: the debug build as tested everywhere else, and the release build, because
# at opt-level 0 rustc may fill a `[MaybeUninit::uninit(); N]` stack array with bytes that
# valgrind then counts as initialised, hiding exactly the bug this run is for.
status=0
for profile in "" "--release"; do
    echo "== building the fdpass test binaries ${profile:-(debug)}"
    # Only the package's own test targets have an "executable"; keep those of nodestream-fdpass.
    mapfile -t binaries < <(
        cargo test -p nodestream-fdpass $profile --no-run --message-format=json \
            | grep '"reason":"compiler-artifact"' \
            | grep -E 'nodestream-fdpass[@ ]' \
            | grep -o '"executable":"[^"]*"' \
            | sed -e 's/^"executable":"//' -e 's/"$//'
    )
    if [ "${#binaries[@]}" -eq 0 ]; then
        echo "no fdpass test binaries found" >&2
        exit 1
    fi
    for bin in "${binaries[@]}"; do
        echo "== valgrind $(basename "$bin") ${profile:-(debug)}"
        # Tests that need a child process re-run this binary; valgrind does not follow them
        # (no --trace-children), so those children run natively, as they must (they lower
        # RLIMIT_NOFILE or reset SIGPIPE).
        if ! valgrind --error-exitcode=1 --leak-check=no --quiet "$bin" --test-threads=2; then
            echo "valgrind found errors in $bin" >&2
            status=1
        fi
    done
done
exit $status
