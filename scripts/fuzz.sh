#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and splits ${1:-60} seconds between them:
#   build/fuzz      the frame parser + message codec (protocol/c, codec only)
#   build/fuzz-nn   the streaming .rtm model container decoder (firmware/nn, standalone)
#   build/fuzz      the TA's decoders before any crypto (firmware/optee/ta/fuzz): the sealed header, the sealed
#                   stream framing, RUN's entry check; seeded from protocol/vectors/sealed, corpus in build/fuzz/ta
# Shares of the budget: protocol 3/10, .rtm 3/10, sealed stream 2/10, sealed header 1/10, RUN units 1/10.
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
cmake --build "$dir" --parallel "$jobs" --target fuzz_frame_message rtp_make_seeds \
  fuzz_sealed_header fuzz_sealed_stream fuzz_run_units

mkdir -p "$dir/corpus" "$dir/seeds" "$dir/artifacts"
vectors="$root/protocol/vectors/vectors.txt"
[[ -f "$vectors" ]] || vectors=-
"$dir/protocol/c/fuzz/rtp_make_seeds" "$vectors" "$dir/seeds" >/dev/null

export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
at_least_1() { (( $1 > 0 )) && echo "$1" || echo 1; }
nn_seconds=$(at_least_1 $(( seconds * 3 / 10 )))
stream_seconds=$(at_least_1 $(( seconds * 2 / 10 )))
header_seconds=$(at_least_1 $(( seconds / 10 )))
units_seconds=$(at_least_1 $(( seconds / 10 )))
protocol_seconds=$(at_least_1 $(( seconds - nn_seconds - stream_seconds - header_seconds - units_seconds )))
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

# The TA's decoders. Stream seeds: the sealed vectors behind [chunk][mode] (see fuzz_sealed_stream.c);
# header seeds: their first bytes; unit seeds: one job in one entry, two jobs over two entries.
ta="$dir/ta"
ta_bin="$dir/firmware/optee/ta/fuzz"
mkdir -p "$ta/seeds/header" "$ta/seeds/stream" "$ta/seeds/units" "$ta/corpus/header" "$ta/corpus/stream" \
  "$ta/corpus/units" "$ta/artifacts"
for vector in "$root"/protocol/vectors/sealed/*.rtms; do
  name="$(basename "$vector" .rtms)"
  head -c 1100 "$vector" >"$ta/seeds/header/$name"
  for chunk in 0 1 7 200; do
    for mode in 0 1 2 254; do
      { printf "\\$(printf %03o "$chunk")\\$(printf %03o "$mode")"; cat "$vector"; } >"$ta/seeds/stream/$name-$chunk-$mode"
    done
  done
done
printf '\x08\x01\x01\x01\x00\x08\x00\x01' >"$ta/seeds/units/one-job"
printf '\x08\x02\x02\x01\x00\x03\x00\x01\x02\x00\x03\x00\x01\x02\x01\x03\x08\x00\x01\x02\x03\x08\x00\x01' >"$ta/seeds/units/two-jobs"
ta_fuzz() { # name binary seconds max_len
  "$ta_bin/$2" "$ta/corpus/$1" "$ta/seeds/$1" -max_total_time="$3" -max_len="$4" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$ta/artifacts/" -print_final_stats=1 || status=1
}
ta_fuzz stream fuzz_sealed_stream "$stream_seconds" 70000
ta_fuzz header fuzz_sealed_header "$header_seconds" 1100
ta_fuzz units fuzz_run_units "$units_seconds" 4096
exit "$status"
