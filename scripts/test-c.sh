#!/usr/bin/env bash
# Builds (scripts/build-c.sh) and runs every C test under ASan + UBSan.
# Any failure, sanitizer report or leak makes it exit non-zero.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build-c.sh"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir "$root/build/c-asan" --output-on-failure --parallel "$(nproc 2>/dev/null || echo 2)"
