#!/usr/bin/env bash
# Runs the leak scenarios of tests/reliability_leaks.rs under valgrind's leak checker, so
# that memory an Rc cycle keeps after every handle is gone (and that no fd count or weak
# handle shows) fails CI. Each scenario is run as the child process its test would start
# (NODESTREAM_TEST_CHILD set to its name), so valgrind sees the process that does the work.
set -euo pipefail
cd "$(dirname "$0")/.."

source .ci/install-valgrind.sh

echo "== building the leak test binary"
bin=$(
    cargo test -p nodestream --test reliability_leaks --no-run --message-format=json \
        | grep '"reason":"compiler-artifact"' \
        | grep -o '"executable":"[^"]*"' \
        | sed -e 's/^"executable":"//' -e 's/"$//' \
        | tail -n 1
)
if [ -z "$bin" ]; then
    echo "no leak test binary found" >&2
    exit 1
fi

status=0
mapfile -t tests < <("$bin" --list --format=terse | sed -n 's/: test$//p')
for test in "${tests[@]}"; do
    echo "== valgrind $test"
    # Definite and indirect leaks fail the run; the worker pool's threads, still parked
    # at exit, are "possibly lost" and are not ours to free.
    if ! NODESTREAM_TEST_CHILD="$test" valgrind --quiet --leak-check=full \
        --show-leak-kinds=definite,indirect \
        --errors-for-leak-kinds=definite,indirect --error-exitcode=1 \
        "$bin" "$test" --exact --test-threads=1; then
        echo "valgrind found a leak in $test" >&2
        status=1
    fi
done
exit $status
