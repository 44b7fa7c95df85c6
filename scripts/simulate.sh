#!/usr/bin/env bash
# Release-mode simulation sweep of the Raft core (module RaftTesting).
#
#   scripts/simulate.sh --seeds N [--start S] [--nodes K] [--jobs J] [--chunk C] [--no-scenarios]
#                       [--storage memory|durable|mixed] [--fault-ticks T]
#
# Builds raftcast-simulate in release, checks that a run replays identically in
# a separate process, runs seeds S ... S+N-1 in chunks of at most C seeds on J
# parallel processes (default: one per core), then the Figure 8 scenarios
# (reliable and unreliable, 5 seeds each) with 1000 rounds each. Prints progress per chunk and a summary line; on a failure
# prints the failing seed, its trace and the replay command, and exits 1.
# Overnight: scripts/simulate.sh --seeds 1000000 (chunks keep memory flat).
set -euo pipefail
cd "$(dirname "$0")/.."

seeds=2000
start=1
nodes=""
jobs=$(nproc 2>/dev/null || echo 2)
chunk=250
scenarios=1
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seeds) seeds="$2"; shift 2 ;;
    --start) start="$2"; shift 2 ;;
    --nodes) nodes="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --chunk) chunk="$2"; shift 2 ;;
    --no-scenarios) scenarios=0; shift ;;
    --fault-ticks|--convergence-ticks|--storage) extra+=("$1" "$2"); shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "error: simulate.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
for v in seeds start jobs chunk; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "error: simulate.sh: --$v must be a non-negative integer, not '${!v}'" >&2; exit 2; }
done
[[ $seeds -ge 1 && $jobs -ge 1 && $chunk -ge 1 ]] || { echo "error: simulate.sh: --seeds, --jobs and --chunk must be at least 1" >&2; exit 2; }
node_args=()
[[ -n "$nodes" ]] && node_args=(--nodes "$nodes")

echo "simulate: building raftcast-simulate (release)"
set +e
swift build -c release --static-swift-stdlib --product raftcast-simulate 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Write|Linking|Merging|Wrapping|Planning|Copying)'
status=${PIPESTATUS[0]}
set -e
[[ $status -eq 0 ]] || { echo "error: simulate.sh: release build of raftcast-simulate failed" >&2; exit "$status"; }
bin="$(swift build -c release --show-bin-path)/raftcast-simulate"

work=$(mktemp -d "${TMPDIR:-/tmp}/raftcast-sim.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

began=$(date +%s)

# Same seeds, two processes: the fingerprints must agree (Swift seeds its
# hashing per process, so this catches iteration-order dependence).
replay_seeds=8
"$bin" --seeds "$replay_seeds" --start "$start" "${node_args[@]}" "${extra[@]}" --progress 0 >"$work/replay1" 2>&1 || true
"$bin" --seeds "$replay_seeds" --start "$start" "${node_args[@]}" "${extra[@]}" --progress 0 >"$work/replay2" 2>&1 || true
fp1=$(grep -o 'fingerprint [0-9a-f]*' "$work/replay1" | tail -1 || true)
fp2=$(grep -o 'fingerprint [0-9a-f]*' "$work/replay2" | tail -1 || true)
if [[ -z "$fp1" || "$fp1" != "$fp2" ]]; then
  if grep -q '^FAIL' "$work/replay1"; then
    cat "$work/replay1"
    echo "simulate: FAILED (seed in the first $replay_seeds)" >&2
    exit 1
  fi
  echo "error: simulate.sh: seeds $start... do not replay identically in two processes ($fp1 vs $fp2)" >&2
  exit 1
fi
echo "simulate: replay check ok ($replay_seeds seeds, two processes, $fp1)"

# The sweep, in chunks on $jobs processes.
end=$((start + seeds))
next=$start
done_seeds=0
failed=""
declare -A chunk_of
launch() {
  local s=$1 n=$2
  "$bin" --seeds "$n" --start "$s" "${node_args[@]}" "${extra[@]}" --progress 0 >"$work/chunk-$s" 2>&1 &
  local pid=$!
  pids+=("$pid")
  chunk_of[$pid]="$s:$n"
}
running=0
while [[ $next -lt $end || $running -gt 0 ]]; do
  while [[ $running -lt $jobs && $next -lt $end && -z "$failed" ]]; do
    n=$chunk
    (( next + n > end )) && n=$((end - next))
    launch "$next" "$n"
    next=$((next + n))
    running=$((running + 1))
  done
  [[ $running -eq 0 ]] && break
  set +e
  wait -n -p finished
  rc=$?
  set -e
  running=$((running - 1))
  IFS=: read -r s n <<<"${chunk_of[$finished]}"
  if [[ $rc -ne 0 ]]; then
    [[ -z "$failed" ]] && failed="$s"
    cat "$work/chunk-$s"
    next=$end
  else
    done_seeds=$((done_seeds + n))
    stats=$(grep -o 'all invariants held.*; fingerprint' "$work/chunk-$s" | sed -E 's/^all invariants held //; s/; fingerprint$//' || true)
    echo "  seeds $s...$((s + n - 1)) ok ($done_seeds/$seeds, $(( $(date +%s) - began )) s): $stats"
  fi
done
pids=()
if [[ -n "$failed" ]]; then
  echo "simulate: FAILED — the failing seed and replay command are above (run the replay with the release binary: $bin)" >&2
  exit 1
fi

if [[ $scenarios -eq 1 ]]; then
  for s in figure8 figure8-unreliable; do
    for ((k = 0; k < 5; k++)); do
      if ! "$bin" --scenario "$s" --rounds 1000 --seed "$((start + k))" >"$work/$s" 2>&1; then
        cat "$work/$s"
        echo "simulate: FAILED in scenario $s" >&2
        exit 1
      fi
      echo "  $(cat "$work/$s")"
    done
  done
fi
echo "simulate: $seeds seeds ($start...$((end - 1))) passed, all invariants held, on $jobs processes in $(( $(date +%s) - began )) s"
