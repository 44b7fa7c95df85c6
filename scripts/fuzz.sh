#!/usr/bin/env bash
# Fuzzes every decoder of untrusted bytes (docs/fuzzing.md), for BENCHMARKS.md ("Fuzzing").
#
#   scripts/fuzz.sh [--inputs N] [--target NAME]... [--seed S]
#
# Builds raftcast-fuzz in release mode, then runs each target in its own process for N inputs
# (default 1,000,000): fragment, stream-header, catalogue-entry, catalogue-snapshot, raft-message,
# clock-sync, upload. Prints per target: inputs, inputs/s, peak resident set, crashes, violations.
# Exits 1 if any target crashed, broke a property or grew in memory (the failing input replays with
# `raftcast-fuzz --target T --seed S --from I --inputs 1 --dump FILE`), 2 on a bad option.
set -euo pipefail
cd "$(dirname "$0")/.."

inputs=1000000
seed=1
targets=()
while (($#)); do
  case "$1" in
    --inputs) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { echo "error: --inputs: needs a whole number ≥ 1" >&2; exit 2; }
              inputs=$2; shift 2 ;;
    --seed)   [[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || { echo "error: --seed: needs a whole number" >&2; exit 2; }
              seed=$2; shift 2 ;;
    --target) [[ $# -ge 2 ]] || { echo "error: --target: needs a name" >&2; exit 2; }
              targets+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "error: $1: unknown option (see --help)" >&2; exit 2 ;;
  esac
done

echo "== swift build -c release --static-swift-stdlib --product raftcast-fuzz"
log="${TMPDIR:-/tmp}/raftcast-fuzz-build.log"
if ! swift build -c release --static-swift-stdlib --product raftcast-fuzz >"$log" 2>&1; then
  grep -E "error" "$log" >&2 || tail -20 "$log" >&2
  echo "error: release build of raftcast-fuzz failed (log: $log)" >&2
  exit 1
fi
fuzz="$(swift build -c release --show-bin-path)/raftcast-fuzz"
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <("$fuzz" --list | cut -f1)
fi

echo "== commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift || echo ' (with local changes)'), seed $seed, $inputs inputs per target"
printf '%-20s %10s %10s %10s %13s %8s %11s\n' target inputs inputs/s seconds peak_rss_MiB crashes violations
failed=0
for target in "${targets[@]}"; do
  errors="$(mktemp)"
  status=0
  line="$("$fuzz" --target "$target" --inputs "$inputs" --seed "$seed" 2>"$errors")" || status=$?
  field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"${line%%$'\n'*}"; }
  if ((status > 128)) || ! grep -q "^target=" <<<"$line"; then
    crash="$(grep -m1 '^fuzz: crash' "$errors" || tail -3 "$errors")"
    printf '%-20s %10s %10s %10s %13s %8s %11s\n' "$target" - - - - 1 -
    echo "  $crash" >&2
    failed=1
  else
    printf '%-20s %10s %10s %10s %13s %8s %11s\n' "$target" "$(field inputs)" "$(field inputs_per_s)" \
      "$(field seconds)" "$(field peak_rss_mib)" 0 "$(field violations)"
    if ((status != 0)); then
      grep -E '^  (violation|memory):' <<<"$line" >&2 || true
      failed=1
    fi
  fi
  rm -f "$errors"
done
exit "$failed"
