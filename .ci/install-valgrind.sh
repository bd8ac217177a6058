#!/usr/bin/env bash
# Installs valgrind from the distribution's packages if it is missing (sourced by the
# valgrind runs of .ci/run).
if ! command -v valgrind >/dev/null 2>&1; then
    echo "== installing valgrind"
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends valgrind
fi
