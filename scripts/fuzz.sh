#!/usr/bin/env bash
# Fuzzes every decoder of untrusted bytes (docs/fuzzing.md), for BENCHMARKS.md ("Fuzzing").
#
#   scripts/fuzz.sh [--inputs N] [--target NAME]... [--seed S] [--keep-going]
#
# Builds raftcast-fuzz in release mode, then runs each target in its own process for N inputs
# (default 1,000,000): fragment, stream-header, catalogue-entry, catalogue-snapshot, raft-message,
# clock-sync, upload. Prints per target: inputs, inputs/s, peak resident set, crashes, violations.
# Exits 1 if any target crashed, broke a property or grew in memory (the failing input replays with
# `raftcast-fuzz --target T --seed S --from I --inputs 1 --dump FILE`), 2 on a bad option. A crash
# ends the target's run; with --keep-going the run goes on after the crashing input and counts them.
set -euo pipefail
cd "$(dirname "$0")/.."

inputs=1000000
seed=1
keep_going=0
targets=()
while (($#)); do
  case "$1" in
    --inputs) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { echo "error: --inputs: needs a whole number ≥ 1" >&2; exit 2; }
              inputs=$2; shift 2 ;;
    --seed)   [[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || { echo "error: --seed: needs a whole number" >&2; exit 2; }
              seed=$2; shift 2 ;;
    --target) [[ $# -ge 2 ]] || { echo "error: --target: needs a name" >&2; exit 2; }
              targets+=("$2"); shift 2 ;;
    --keep-going) keep_going=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
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
  from=0 left=$inputs ran=0 crashes=0 violations=- peak=- rate=- started=$SECONDS
  while ((left > 0)); do
    errors="$(mktemp)"
    status=0
    line="$("$fuzz" --target "$target" --inputs "$left" --from "$from" --seed "$seed" 2>"$errors")" || status=$?
    if grep -q "^target=" <<<"$line"; then
      first="${line%%$'\n'*}"
      field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$first"; }
      ran=$((ran + $(field inputs))) violations=$(field violations) peak=$(field peak_rss_mib) left=0
      ((crashes == 0)) && rate=$(field inputs_per_s)
      if ((status != 0)); then
        grep -E '^  (violation|memory):' <<<"$line" >&2 || true
        failed=1
      fi
    else
      # A crash: say where, and go on after it with --keep-going.
      crash="$(grep -m1 '^fuzz: crash' "$errors" || true)"
      failed=1
      if [[ $crash =~ input\ ([0-9]+) ]]; then
        at=${BASH_REMATCH[1]}
        crashes=$((crashes + 1)) ran=$((ran + at - from + 1)) left=$((left - (at - from + 1))) from=$((at + 1))
        site="$(grep -m1 -E 'Swift runtime failure|Fatal error' "$errors" || true)"
        frame="$(grep -m1 -E '^ *[0-9]+ .* in raftcast-fuzz' "$errors" | sed -E 's/ +0x[0-9a-f]+//; s/^ +//' || true)"
        echo "  $crash${site:+: $site}${frame:+ at $frame}" >&2
        echo "  replay: raftcast-fuzz --target $target --seed $seed --from $at --inputs 1 --dump FILE" >&2
        [[ $keep_going == 1 ]] || left=0
      else
        echo "  $target: raftcast-fuzz failed (status $status): $(tail -3 "$errors")" >&2
        left=0
      fi
    fi
    rm -f "$errors"
  done
  if [[ $rate == - ]] || ((crashes > 0)); then
    rate=$((ran / (SECONDS - started > 0 ? SECONDS - started : 1)))
  fi
  printf '%-20s %10s %10s %10s %13s %8s %11s\n' "$target" "$ran" "$rate" "$((SECONDS - started))" "$peak" "$crashes" "$violations"
done
exit "$failed"
