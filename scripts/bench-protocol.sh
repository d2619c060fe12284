#!/usr/bin/env bash
# npm run bench:protocol — builds what it measures (release sim, C bench programs, TS), then runs bench/protocol.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh demo
bash scripts/build-c.sh release >/dev/null
mkdir -p build/bench
gcc -O2 -Wall -Wextra -Werror -Iprotocol/c/include protocol/c/src/*.c bench/c/bench_protocol.c -o build/bench/bench_protocol
gcc -O2 -Wall -Wextra -Werror bench/c/pty_echo.c -o build/bench/pty_echo
npx tsc -b protocol host
exec npx tsx --conditions=source bench/protocol.ts "$@"
