#!/usr/bin/env bash
# npm run test:stress [-- --runs N] [--seed S] [--burner stress-ng|loop] [--cmd "COMMAND"]
#
# Runs the whole suite (`npm test`, or COMMAND) N times in a row (default 5) while a seeded background burner
# keeps every core busy, the way a loaded CI machine does. Run i uses seed S+i-1 (S default 20261203, the
# suite's fixed fast-check seed, so run 1 is what CI runs): the burner gets it, and so does the suite as FC_SEED,
# so each run also tries other property-test cases and any failure replays with FC_SEED=<its seed>.
# Prints each run's seed, result and duration, then a tally; exits 1 if any run failed, 2 on bad usage.
# Logs: build/test-stress/run-<i>.log. CI runs the suite once; this is for proving it does not flake.
set -uo pipefail
cd "$(dirname "$0")/.."

runs=5
seed=20261203
burner=
cmd="npm test"
usage() { echo "usage: $0 [--runs N] [--seed S] [--burner stress-ng|loop] [--cmd COMMAND]" >&2; exit 2; }
while (( $# > 0 )); do
  case "$1" in
    --runs) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "test-stress: --runs needs a whole number ≥ 1, got '${2:-}'" >&2; usage; }; runs=$2; shift 2 ;;
    --seed) [[ "${2:-}" =~ ^[0-9]+$ ]] || { echo "test-stress: --seed needs a whole number ≥ 0, got '${2:-}'" >&2; usage; }; seed=$2; shift 2 ;;
    --burner) [[ "${2:-}" == stress-ng || "${2:-}" == loop ]] || { echo "test-stress: --burner is stress-ng or loop, got '${2:-}'" >&2; usage; }; burner=$2; shift 2 ;;
    --cmd) [[ -n "${2:-}" ]] || { echo "test-stress: --cmd needs a command" >&2; usage; }; cmd=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test-stress: unknown argument '$1'" >&2; usage ;;
  esac
done

cores=$(nproc 2>/dev/null || echo 2)
if [[ -z "$burner" ]]; then
  # stress-ng from Debian when it can be had; a shell busy loop otherwise (same load, fewer ways to vary it).
  if ! command -v stress-ng >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "test-stress: installing stress-ng (apt-get)"
    apt-get install -y stress-ng >/dev/null 2>&1 || true
  fi
  if command -v stress-ng >/dev/null 2>&1; then burner=stress-ng; else burner=loop; fi
fi

burner_pid=
start_burner() { # $1: seed. In its own session, so that stop_burner ends exactly it and its workers.
  if [[ "$burner" == stress-ng ]]; then
    setsid stress-ng --cpu "$cores" --cpu-method all --seed "$1" --timeout 0 --quiet &
  else
    setsid bash -c '
      for ((core = 0; core < $1; core++)); do
        ( x=$(( $2 + core )); while :; do x=$(( (x * 1103515245 + 12345) & 0x7fffffff )); done ) &
      done
      wait' burner "$cores" "$1" &
  fi
  burner_pid=$!
}
stop_burner() {
  if [[ -n "$burner_pid" ]]; then
    kill -TERM -- "-$burner_pid" 2>/dev/null
    wait "$burner_pid" 2>/dev/null
    burner_pid=
  fi
}
trap stop_burner EXIT
trap 'stop_burner; exit 130' INT TERM

logs=build/test-stress
mkdir -p "$logs"
echo "test-stress: $runs run(s) of: $cmd"
echo "test-stress: burner $burner on $cores core(s); seeds $seed…$((seed + runs - 1)); logs in $logs/"
failed=0
results=()
for ((run = 1; run <= runs; run++)); do
  run_seed=$((seed + run - 1))
  log="$logs/run-$run.log"
  start_burner "$run_seed"
  started=$SECONDS
  echo
  echo "== run $run/$runs, seed $run_seed (FC_SEED=$run_seed, burner seed $run_seed), $(date -u +%H:%M:%S) UTC"
  FC_SEED=$run_seed bash -c "$cmd" >"$log" 2>&1
  code=$?
  stop_burner
  # The suite's own last line ("N passed, M failed"), when it printed one.
  tally=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
  if (( code == 0 )); then verdict=passed; else verdict="FAILED (exit $code)"; failed=$((failed + 1)); fi
  line="run $run: seed $run_seed: $verdict in $((SECONDS - started)) s${tally:+; $tally}"
  echo "$line"
  (( code == 0 )) || grep -E '^failed: |FAIL |×' "$log" | head -20
  results+=("$line")
done

echo
echo "== test:stress tally ($burner burner on $cores cores)"
printf '%s\n' "${results[@]}"
echo "$((runs - failed)) of $runs runs passed, $failed failed"
(( failed == 0 ))
