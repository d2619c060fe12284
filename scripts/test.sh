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

stage() { echo; echo "== $1"; }

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

stage "TypeScript unit and HIL tests (vitest)"
rm -f build/vitest-results.json
RTINFER_SIM_BIN="$PWD/build/c-asan/firmware/rtinfer-sim" \
  npx vitest run --reporter=default --reporter=json --outputFile=build/vitest-results.json || failed_stages+=("vitest")
if [[ -f build/vitest-results.json ]]; then
  # A suite that fails to load has no failed tests of its own: count it as one failure.
  read -r ts_passed ts_failed < <(node -e 'const r=require("./build/vitest-results.json");const f=r.numFailedTests||0;console.log(r.numPassedTests||0, f || (r.numFailedTestSuites||0))')
fi

echo
if (( ${#failed_stages[@]} > 0 )); then echo "failed: ${failed_stages[*]}"; fi
echo "C: $c_passed passed, $c_failed failed; TypeScript: $ts_passed passed, $ts_failed failed"
echo "$((c_passed + ts_passed)) passed, $((c_failed + ts_failed)) failed"
(( ${#failed_stages[@]} == 0 ))
