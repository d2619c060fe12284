#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and splits ${1:-60} seconds between them:
#   build/fuzz      the frame parser + message codec (protocol/c, codec only)
#   build/fuzz-nn   the streaming .rtm model container decoder (firmware/nn, standalone)
# The corpus lives in build/fuzz/corpus (kept between runs) and is seeded
# from protocol/vectors/vectors.txt and the test samples; crash inputs land in
# build/fuzz/artifacts. A crash or sanitizer report exits non-zero.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
dir="$root/build/fuzz"
jobs="$(nproc 2>/dev/null || echo 2)"

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
if [[ ! -f "$dir/CMakeCache.txt" ]]; then
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
protocol_seconds=$(( (seconds + 1) / 2 ))
nn_seconds=$(( seconds - protocol_seconds ))
(( nn_seconds > 0 )) || nn_seconds=1
status=0
# New inputs go to corpus/; seeds/ is read-only input.
"$dir/protocol/c/fuzz/fuzz_frame_message" "$dir/corpus" "$dir/seeds" \
  -max_total_time="$protocol_seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$dir/artifacts/" -print_final_stats=1 || status=1

# The .rtm decoder, seeded with the containers its tests use (a leading byte picks the chunk size).
nn="$root/build/fuzz-nn"
if [[ ! -f "$nn/CMakeCache.txt" ]]; then
  cmake -S "$root/firmware/nn" -B "$nn" "${generator[@]}" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DRTINFER_NN_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
fi
cmake --build "$nn" --parallel "$jobs" --target fuzz_rtm_decode
mkdir -p "$nn/corpus" "$nn/seeds" "$nn/artifacts"
for vector in "$root"/firmware/nn/tests/vectors/*.rtm; do
  for chunk in 0 1 14 255; do
    { printf "\\$(printf %03o "$chunk")"; cat "$vector"; } >"$nn/seeds/$(basename "$vector" .rtm)-$chunk"
  done
done
"$nn/fuzz_rtm_decode" "$nn/corpus" "$nn/seeds" \
  -max_total_time="$nn_seconds" -max_len=131072 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$nn/artifacts/" -print_final_stats=1 || status=1
exit "$status"
