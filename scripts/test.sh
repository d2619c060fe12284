#!/usr/bin/env bash
# README command (b): every test, TS and C. C runs under ASan/UBSan, the fuzzer
# runs for a fixed budget, and the HIL suites drive the sanitizer build of the sim.
# Ends with one line "N passed, M failed" over all suites.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh test || exit 1
mkdir -p build
failed_stages=()
c_passed=0 c_failed=0 ts_passed=0 ts_failed=0

stage_times=()
stage_started=$SECONDS stage_name=""
# stage NAME: a heading, and the previous stage's wall time kept for the summary at the end.
stage() {
  if [[ -n $stage_name ]]; then stage_times+=("$((SECONDS - stage_started)) s  $stage_name"); fi
  stage_name=$1 stage_started=$SECONDS
  echo; echo "== $1"
}

stage "build (TypeScript)"
npx tsc -b protocol host hil-tests || failed_stages+=("typescript build")

stage "C tests (ASan + UBSan)"
bash scripts/test-c.sh 2>&1 | tee build/test-c.log
[[ ${PIPESTATUS[0]} -eq 0 ]] || failed_stages+=("C tests")
if line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' build/test-c.log | tail -1); then
  c_total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  c_failed=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
  c_passed=$((c_total - c_failed))
fi

stage "fuzz (libFuzzer, ${RTINFER_FUZZ_SECONDS:-60} s)"
if bash scripts/fuzz.sh "${RTINFER_FUZZ_SECONDS:-60}"; then c_passed=$((c_passed + 1)); else c_failed=$((c_failed + 1)); failed_stages+=("fuzz"); fi

stage "firmware images (arm-none-eabi-gcc, every board; memory report)"
bash scripts/build-arm.sh || failed_stages+=("arm build")
# The int8 kernels and int8 TREC on Cortex-M4/M7 (CMSIS-NN's DSP paths) under QEMU, against exact loops (~20 s).
bash scripts/test-int8-arm.sh || failed_stages+=("int8 on Cortex-M4/M7")

stage "TypeScript unit and HIL tests (vitest)"
# vitest_counts FILE: "passed failed" from a vitest JSON report; a suite that fails to load has no failed
# tests of its own, so it counts as one failure.
vitest_counts() {
  node -e 'const r=require(process.argv[1]);const f=r.numFailedTests||0;console.log(r.numPassedTests||0, f || (r.numFailedTestSuites||0))' "$1"
}
rm -f build/vitest-results.json build/vitest-qemu.json build/vitest-qemu-m7.json build/vitest-optee.json
# The OP-TEE build (many minutes on a fresh machine, seconds from its cache) runs beside this stage, whose HIL
# files run one at a time and leave a core idle; at the lowest priority, so that the tests keep theirs.
nice -n 19 bash scripts/build-optee.sh > build/build-optee.log 2>&1 &
optee_build_pid=$!
RTINFER_SIM_BIN="$PWD/build/c-asan/firmware/rtinfer-sim" \
  npx vitest run --reporter=default --reporter=json --outputFile=build/vitest-results.json || failed_stages+=("vitest")
if [[ -f build/vitest-results.json ]]; then read -r ts_passed ts_failed < <(vitest_counts ./build/vitest-results.json); fi

# The same suites on each QEMU board image: RTINFER_HIL_TARGET=qemu (netduinoplus2) and qemu-m7 (mps2_an500).
qemu_hil_files=(hil-tests/src/sim-infer.test.ts hil-tests/src/sim-trace.test.ts hil-tests/src/cli-infer.test.ts hil-tests/src/push-clean.test.ts hil-tests/src/sim-int8.test.ts hil-tests/src/campaign-trec-targets.test.ts hil-tests/src/onnx-pytorch-cifar.test.ts)
for qemu_target in "qemu netduinoplus2 (Cortex-M4)" "qemu-m7 mps2_an500 (Cortex-M7)"; do
  read -r target board core <<<"$qemu_target"
  stage "HIL inference, trace and CLI tests on the $board image $core in QEMU"
  RTINFER_HIL_TARGET=$target npx vitest run --project hil "${qemu_hil_files[@]}" \
    --reporter=default --reporter=json --outputFile="build/vitest-$target.json" || failed_stages+=("vitest on QEMU $board")
  if [[ -f "build/vitest-$target.json" ]]; then
    read -r q_passed q_failed < <(vitest_counts "./build/vitest-$target.json")
    ts_passed=$((ts_passed + q_passed)) ts_failed=$((ts_failed + q_failed))
  fi
done

stage "the enclave HIL suites on OP-TEE 3.19 + TF-A 2.7 under qemu-system-aarch64 (build-optee.sh, cached by source hash)"
# The build counts as one test, as the fuzz stage does; each suite boots the secure world once.
optee_build_ok=1
wait "$optee_build_pid" || optee_build_ok=0
tail -n 25 build/build-optee.log
if (( optee_build_ok )); then
  c_passed=$((c_passed + 1))
  optee_suites=(pi-sealed pi-sealed-faults pi-enclave-target pi-dispatch pi-multi-model pi-profile pi-optee-real campaign-enclave-switches)
  optee_files=("${optee_suites[@]/#/hil-tests/src/}")
  RTINFER_HIL_PI_TARGET=optee-qemu npx vitest run --project hil "${optee_files[@]/%/.test.ts}" \
    --reporter=default --reporter=json --outputFile=build/vitest-optee.json || failed_stages+=("vitest on OP-TEE")
  if [[ -f build/vitest-optee.json ]]; then
    read -r o_passed o_failed < <(vitest_counts ./build/vitest-optee.json)
    ts_passed=$((ts_passed + o_passed)) ts_failed=$((ts_failed + o_failed))
  fi
else
  c_failed=$((c_failed + 1)); failed_stages+=("OP-TEE build")
fi

stage "benchmarks, quick (every bench:* script with --quick: tiny inputs, no timing checks; each counts as one test)"
bench_passed=0 bench_failed=0
for bench in $(node -p 'Object.keys(require("./package.json").scripts).filter((name) => name.startsWith("bench:")).join(" ")'); do
  started=$SECONDS
  # A quick bench takes seconds; the bound only turns a hang into a named failure.
  if timeout --kill-after=10 300 npm run -s "$bench" -- --quick; then bench_passed=$((bench_passed + 1)); verdict=passed
  else bench_failed=$((bench_failed + 1)); failed_stages+=("$bench"); verdict=FAILED; fi
  echo "-- $bench --quick: $verdict ($((SECONDS - started)) s)"
done

stage "summary"
printf '  %s\n' "${stage_times[@]}"
if (( ${#failed_stages[@]} > 0 )); then
  echo "failed: ${failed_stages[*]}"
  # Which tests, with the first lines of why: the tail of a CI log is often all there is to read.
  sed -n '/The following tests FAILED/,/^$/p' build/test-c.log
  node scripts/test-digest.cjs build/vitest-results.json build/vitest-qemu.json build/vitest-qemu-m7.json build/vitest-optee.json
fi
echo "C: $c_passed passed, $c_failed failed; TypeScript: $ts_passed passed, $ts_failed failed; benchmarks: $bench_passed passed, $bench_failed failed"
echo "$((c_passed + ts_passed + bench_passed)) passed, $((c_failed + ts_failed + bench_failed)) failed"
(( ${#failed_stages[@]} == 0 ))
