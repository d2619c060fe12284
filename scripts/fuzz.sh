#!/usr/bin/env bash
# Builds the libFuzzer target in build/fuzz (clang, ASan + UBSan, codec only)
# and fuzzes the frame parser + message codec for ${1:-60} seconds.
# The corpus lives in build/fuzz/corpus (kept between runs) and is seeded
# from protocol/vectors/vectors.txt and the test samples; crash inputs land in
# build/fuzz/artifacts. A crash or sanitizer report exits non-zero.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
dir="$root/build/fuzz"
jobs="$(nproc 2>/dev/null || echo 2)"

if [[ ! -f "$dir/CMakeCache.txt" ]]; then
  generator=()
  if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
  cmake -S "$root" -B "$dir" "${generator[@]}" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DRTINFER_FUZZ=ON -DRTINFER_FIRMWARE=OFF -DBUILD_TESTING=OFF >/dev/null
fi
cmake --build "$dir" --parallel "$jobs" --target fuzz_frame_message rtp_make_seeds

mkdir -p "$dir/corpus" "$dir/seeds" "$dir/artifacts"
vectors="$root/protocol/vectors/vectors.txt"
[[ -f "$vectors" ]] || vectors=-
"$dir/protocol/c/fuzz/rtp_make_seeds" "$vectors" "$dir/seeds" >/dev/null

export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# New inputs go to corpus/; seeds/ is read-only input.
exec "$dir/protocol/c/fuzz/fuzz_frame_message" "$dir/corpus" "$dir/seeds" \
  -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$dir/artifacts/" -print_final_stats=1
