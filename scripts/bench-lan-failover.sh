#!/usr/bin/env bash
# Failover on a LAN of network namespaces (scripts/lan.sh), two ways, alternating (issue 18, target 3):
#   kill  SIGKILL the leader: its sockets reset, the followers campaign at once (docs/raft.md,
#         "A dead leader's reset connections");
#   cut   the leader's link set down: no reset, the followers find out by their election timeout.
# Each round times (from outside, scripts/lib/lan_failover.py) the leader's loss → a new leader's first
# commit, then restores the node (start / heal) and waits until all agree again.
#
#   sudo scripts/bench-lan-failover.sh [ROUNDS]     (default 10 of each; needs root for namespaces)
#
# Environment: RAFTCAST_BINARY (default .build/release/raftcast, built when missing), LAN_WORK.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-10}
export RAFTCAST_BINARY=${RAFTCAST_BINARY:-$PWD/.build/release/raftcast}
export LAN_WORK=${LAN_WORK:-/tmp/raftcast-lan-failover}
[[ -x "$RAFTCAST_BINARY" ]] || swift build -c release --product raftcast
trap 'scripts/lan.sh down >/dev/null 2>&1 || true' EXIT
scripts/lan.sh down >/dev/null 2>&1 || true
scripts/lan.sh up 3 --audio none >/dev/null

settle() {  # every node agrees on one leader and has applied the same index
  local i
  for ((i = 0; i < 200; i++)); do
    if leader=$(scripts/lan.sh leader 2>/dev/null | cut -d' ' -f1) && [[ -n "$leader" ]]; then
      local a b c
      a=$(curl -s -m 1 "http://10.77.0.11:8100/v1/cluster" | python3 -c 'import json,sys; print(json.load(sys.stdin)["applied_index"])' 2>/dev/null || echo x)
      b=$(curl -s -m 1 "http://10.77.0.12:8100/v1/cluster" | python3 -c 'import json,sys; print(json.load(sys.stdin)["applied_index"])' 2>/dev/null || echo y)
      c=$(curl -s -m 1 "http://10.77.0.13:8100/v1/cluster" | python3 -c 'import json,sys; print(json.load(sys.stdin)["applied_index"])' 2>/dev/null || echo z)
      [[ "$a" == "$b" && "$b" == "$c" ]] && { sleep 1; return 0; }
    fi
    sleep 0.05
  done
  echo "error: the LAN did not settle" >&2; return 1
}

declare -a KILL CUT
settle
for ((r = 1; r <= rounds; r++)); do
  for mode in kill cut; do
    leader=$(scripts/lan.sh leader | cut -d' ' -f1)
    line=$(python3 scripts/lib/lan_failover.py --work "$LAN_WORK" --nodes 3 --mode "$mode" --leader "$leader")
    ms=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["ms"])' "$line")
    echo "round $r $mode: $line"
    if [[ $mode == kill ]]; then KILL+=("$ms"); scripts/lan.sh start "$leader" >/dev/null; else CUT+=("$ms"); scripts/lan.sh heal "$leader" >/dev/null; fi
    settle
  done
done
summary() { python3 -c 'import statistics,sys; v=[float(x) for x in sys.argv[1:]]; print(f"median {statistics.median(v):.1f} ms, max {max(v):.1f} ms")' "$@"; }
echo "failover on the namespace LAN (leader lost → new leader's first commit), $rounds rounds each, commit $(git rev-parse --short HEAD):"
echo "  kill (reset):          ${KILL[*]} — $(summary "${KILL[@]}")"
echo "  cut (link down):       ${CUT[*]} — $(summary "${CUT[@]}")"
