#!/usr/bin/env bash
# A LAN on one machine: one network namespace per raftcast node, each with its own address on a
# Linux bridge (veth pairs), running the same command a real LAN runs:
#   raftcast node --config cluster.yaml        (no --id: each node finds itself by its address)
#
#   host                      ┌─ ns rc-n1 ─────────────┐
#   bridge rcbr0 10.77.0.1 ──veth── eth0 10.77.0.11  raftcast node (raft :7100, http :8100)
#     │                       └────────────────────────┘
#     ├──veth── ns rc-n2: eth0 10.77.0.12 …
#     └──veth── ns rc-nN: eth0 10.77.0.(10+N)
#
# The host has an address on the bridge, so `raftcast status|ingest --config <work>/cluster.yaml` work
# from the host too.
#
#   scripts/lan.sh up N [--audio none|file|null] [--no-start] [--wait]
#                                   N nodes (1–9); writes <work>/cluster.yaml and a secret (mode 0600),
#                                   starts every node. --audio file (default): each node plays to ALSA's
#                                   file plugin, <work>/nK.wav; null: to ALSA's null PCM (played, paced by
#                                   the node's clock, nothing kept). --no-start: build the LAN and the
#                                   config but start no node (`start NODE` does). --wait: stay in the
#                                   foreground and tear everything down on Ctrl-C.
#   scripts/lan.sh kill NODE        SIGKILL the node's process (e.g. n2)
#   scripts/lan.sh start NODE       start a node (again) in its namespace
#   scripts/lan.sh cut NODE         take the node's link down (it is cut off; its process runs on)
#   scripts/lan.sh heal NODE        bring the link back up
#   scripts/lan.sh netem NODE ARGS  tc netem on the node's link, e.g. `netem n2 delay 20ms loss 1%`;
#                                   `netem n2 off` removes it
#   scripts/lan.sh status           every node's /v1/cluster, asked from inside its namespace
#   scripts/lan.sh leader           prints the leader's id when every answering node agrees on it
#   scripts/lan.sh exec NODE CMD…   runs CMD inside the node's namespace
#   scripts/lan.sh down             stop every node (SIGTERM, SIGKILL after 5 s), delete the namespaces
#                                   and the bridge (idempotent)
#
# Environment: RAFTCAST_BINARY (default .build/debug/raftcast, else .build/release/raftcast),
# LAN_WORK (work folder, default /tmp/raftcast-lan), LAN_NAME (prefix of namespace and bridge names,
# default rc), LAN_SUBNET (first three octets, default 10.77.0).
#
# Exit codes: 0 done; 1 failed (e.g. no leader, node not running); 2 bad usage;
# 3 not possible here (not root, iproute2 missing, network namespaces unavailable);
# 4 the kernel lacks what was asked for (the netem qdisc).
set -euo pipefail

readonly EXIT_FAILED=1 EXIT_USAGE=2 EXIT_NO_PRIVILEGE=3 EXIT_UNSUPPORTED=4

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${LAN_WORK:-/tmp/raftcast-lan}"
name="${LAN_NAME:-rc}"
subnet="${LAN_SUBNET:-10.77.0}"
bridge="${name}br0"
raft_port=7100
http_port=8100

die() { local code=$1; shift; echo "error: lan.sh: $*" >&2; exit "$code"; }
usage() { die "$EXIT_USAGE" "$* (usage: lan.sh up N | kill|start|cut|heal NODE | netem NODE ARGS… | status | leader | exec NODE CMD… | down)"; }

[[ "$name" =~ ^[a-z][a-z0-9]{0,5}$ ]] || die "$EXIT_USAGE" "LAN_NAME \"$name\" must be 1–6 lowercase letters/digits, starting with a letter"
[[ "$subnet" =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] || die "$EXIT_USAGE" "LAN_SUBNET \"$subnet\" must be three octets, e.g. 10.77.0"

# Root, iproute2 and working network namespaces, or exit 3 with the reason.
require_netns() {
  [[ $(id -u) -eq 0 ]] || die "$EXIT_NO_PRIVILEGE" "needs root (network namespaces, bridges and veth pairs); run it with sudo"
  command -v ip >/dev/null || die "$EXIT_NO_PRIVILEGE" "iproute2 ('ip') is not installed; scripts/bootstrap.sh installs it"
  command -v curl >/dev/null || die "$EXIT_NO_PRIVILEGE" "curl is not installed; scripts/bootstrap.sh installs it"
  local probe="${name}-probe" reason
  if ! reason=$(ip netns add "$probe" 2>&1); then
    die "$EXIT_NO_PRIVILEGE" "network namespaces are not available here (ip netns add: ${reason:-failed})"
  fi
  ip netns del "$probe" 2>/dev/null || true
}

binary() {
  local candidate
  for candidate in "${RAFTCAST_BINARY:-}" "$repo/.build/debug/raftcast" "$repo/.build/release/raftcast"; do
    [[ -n "$candidate" && -x "$candidate" ]] && { echo "$candidate"; return; }
  done
  die "$EXIT_FAILED" "raftcast is not built (swift build), and RAFTCAST_BINARY is not set"
}

node_count() { [[ -f "$work/lan.env" ]] || die "$EXIT_FAILED" "no LAN is up (no $work/lan.env); run 'lan.sh up N'"; sed -n 's/^nodes=//p' "$work/lan.env"; }
node_index() {
  local node=$1 count
  count=$(node_count)
  [[ "$node" =~ ^n([1-9])$ ]] && (( BASH_REMATCH[1] <= count )) || die "$EXIT_USAGE" "unknown node \"$node\" (this LAN has n1…n$count)"
  echo "${BASH_REMATCH[1]}"
}
namespace() { echo "${name}-$1"; }
address() { echo "${subnet}.$((10 + $1))"; }
pid_of() { local file="$work/$1.pid"; [[ -f "$file" ]] && cat "$file"; }
# Whether process $1 exists and is not a zombie (an orphaned node is reaped by whoever adopted it).
alive() { local state; state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [[ -n "$state" && "$state" != Z ]]; }
# Whether node $1's recorded process is alive and is still this LAN's raftcast node (not a reused pid).
running() {
  local pid; pid=$(pid_of "$1") && [[ -n "$pid" ]] && alive "$pid" &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "node --config $work/cluster.yaml"
}

write_config() {
  local count=$1 audio=$2 i
  mkdir -p "$work"
  # Owner-only (0600): nodes and clients refuse a secret file that group or others can read.
  rm -f "$work/cluster.secret"
  (umask 077 && head -c 32 /dev/urandom | base64 >"$work/cluster.secret")
  {
    echo "# Written by scripts/lan.sh: $count nodes, one per network namespace on bridge $bridge."
    echo "cluster:"
    echo "  name: lan-demo"
    echo "  secret_file: cluster.secret"
    echo "nodes:"
    for ((i = 1; i <= count; i++)); do
      echo "  - id: n$i"
      echo "    raft: $(address "$i"):$raft_port"
      echo "    http: $(address "$i"):$http_port"
      case "$audio" in
        file) echo "    audio: \"file:FILE=$work/n$i.wav,FORMAT=wav\"" ;;
        null) echo "    audio: \"null\"" ;;
        *) echo "    audio: none" ;;
      esac
      echo "    data_dir: data/n$i"
    done
  } >"$work/cluster.yaml"
}

start_node() {
  local node=$1 i ns bin pid
  i=$(node_index "$node")
  ns=$(namespace "$node")
  bin=$(binary)
  running "$node" && die "$EXIT_FAILED" "$node is already running (pid $(pid_of "$node"))"
  # `ip netns exec` execs the command in place, so $! is the node's own pid. Descriptors above 2
  # are closed first: a node must not hold open what the caller of lan.sh waits on (a pipe, or the
  # socket Foundation's Process watches to learn that lan.sh exited).
  (
    for fd in /proc/"$BASHPID"/fd/*; do
      fd=${fd##*/}
      [[ "$fd" =~ ^[0-9]+$ ]] && (( fd > 2 )) && eval "exec $fd>&-" 2>/dev/null
    done
    exec ip netns exec "$ns" "$bin" node --config "$work/cluster.yaml" >>"$work/$node.log" 2>&1 </dev/null
  ) &
  pid=$!
  echo "$pid" >"$work/$node.pid"
  echo "started $node in namespace $ns at $(address "$i") (pid $pid, log $work/$node.log)"
}

cmd_up() {
  local count="" audio=file wait=0 start=1
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --audio) [[ $# -ge 2 ]] || usage "--audio needs none, file or null"; audio=$2; shift 2 ;;
      --no-start) start=0; shift ;;
      --wait) wait=1; shift ;;
      [0-9]*) count=$1; shift ;;
      *) usage "unknown argument \"$1\" to up" ;;
    esac
  done
  [[ "$count" =~ ^[1-9]$ ]] || usage "up needs a node count from 1 to 9"
  [[ "$audio" == none || "$audio" == file || "$audio" == null ]] || usage "--audio must be none, file or null, not \"$audio\""
  require_netns
  binary >/dev/null
  cmd_down >/dev/null
  # Half-built LANs do not survive a failure or an interrupt.
  trap 'cmd_down >/dev/null 2>&1' EXIT
  trap 'exit 130' INT TERM
  rm -rf "$work"
  mkdir -p "$work"
  printf 'nodes=%s\nname=%s\nsubnet=%s\n' "$count" "$name" "$subnet" >"$work/lan.env"
  write_config "$count" "$audio"

  ip link add "$bridge" type bridge
  ip addr add "${subnet}.1/24" dev "$bridge"
  ip link set "$bridge" up
  local i ns
  for ((i = 1; i <= count; i++)); do
    ns=$(namespace "n$i")
    ip netns add "$ns"
    ip link add "${name}v$i" type veth peer name eth0 netns "$ns"
    ip link set "${name}v$i" master "$bridge" up
    ip -n "$ns" addr add "$(address "$i")/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
  done
  if [[ $start -eq 1 ]]; then
    for ((i = 1; i <= count; i++)); do start_node "n$i"; done
  fi
  echo "LAN up: $count nodes on $bridge (${subnet}.0/24); config $work/cluster.yaml"
  if [[ $wait -eq 1 ]]; then
    trap 'cmd_down; exit 0' INT TERM
    echo "press Ctrl-C to take it down"
    while true; do sleep 1; done
  fi
  trap - EXIT INT TERM
}

cmd_kill() {
  local node=${1:-}; [[ -n "$node" ]] || usage "kill needs a node"
  node_index "$node" >/dev/null
  running "$node" || die "$EXIT_FAILED" "$node is not running"
  local pid; pid=$(pid_of "$node")
  kill -KILL "$pid"
  wait_gone "$pid"
  rm -f "$work/$node.pid"
  echo "killed $node (pid $pid)"
}

# Waits (at most 5 s) until process $1 is gone.
wait_gone() {
  local pid=$1 i
  for ((i = 0; i < 100; i++)); do alive "$pid" || return 0; sleep 0.05; done
  return 1
}

cmd_link() {
  local state=$1 node=${2:-}; [[ -n "$node" ]] || usage "cut/heal needs a node"
  node_index "$node" >/dev/null
  ip -n "$(namespace "$node")" link set eth0 "$state"
  echo "$node link $state"
}

cmd_netem() {
  local node=${1:-}; [[ -n "$node" && $# -ge 2 ]] || usage "netem needs a node and netem arguments (e.g. delay 20ms loss 1%) or off"
  node_index "$node" >/dev/null
  shift
  local ns reason; ns=$(namespace "$node")
  if [[ "$1" == off ]]; then
    ip netns exec "$ns" tc qdisc del dev eth0 root 2>/dev/null || true
    echo "$node: netem off"; return
  fi
  if ! reason=$(ip netns exec "$ns" tc qdisc replace dev eth0 root netem "$@" 2>&1); then
    if grep -q "qdisc kind is unknown" <<<"$reason"; then
      die "$EXIT_UNSUPPORTED" "this kernel has no netem qdisc (sch_netem): $reason"
    fi
    die "$EXIT_USAGE" "tc netem $*: $reason"
  fi
  echo "$node: netem $*"
}

# One node's /v1/cluster, fetched from inside its namespace (empty when it does not answer).
fetch_cluster() {
  local i=$1
  ip netns exec "$(namespace "n$i")" curl -s -m 1 "http://$(address "$i"):$http_port/v1/cluster" 2>/dev/null || true
}
json_field() { sed -n "s/.*\"$2\" *: *\"\{0,1\}\([^\",}]*\)\"\{0,1\}.*/\1/p" <<<"$1" | head -1; }

cmd_status() {
  local count i body state
  count=$(node_count)
  printf '%-4s %-12s %-8s %-10s %-6s %-7s %s\n' NODE ADDRESS PROCESS ROLE TERM LEADER COMMIT
  for ((i = 1; i <= count; i++)); do
    state=stopped; running "n$i" && state=running
    body=$(fetch_cluster "$i")
    if [[ -z "$body" ]]; then
      printf '%-4s %-12s %-8s %s\n' "n$i" "$(address "$i")" "$state" UNREACHABLE
    else
      printf '%-4s %-12s %-8s %-10s %-6s %-7s %s\n' "n$i" "$(address "$i")" "$state" "$(json_field "$body" role)" \
        "$(json_field "$body" term)" "$(json_field "$body" leader)" "$(json_field "$body" commit_index)"
    fi
  done
}

cmd_leader() {
  local count i body leader="" term="" answered=0 role l t
  count=$(node_count)
  for ((i = 1; i <= count; i++)); do
    body=$(fetch_cluster "$i")
    [[ -n "$body" ]] || continue
    answered=$((answered + 1))
    role=$(json_field "$body" role); l=$(json_field "$body" leader); t=$(json_field "$body" term)
    [[ -n "$l" && "$l" != null ]] || die "$EXIT_FAILED" "n$i knows no leader"
    if [[ -z "$leader" ]]; then leader=$l; term=$t; fi
    [[ "$l" == "$leader" && "$t" == "$term" ]] || die "$EXIT_FAILED" "nodes disagree: $leader (term $term) vs n$i: $l (term $t)"
    [[ "$role" == leader ]] && [[ "n$i" != "$leader" ]] && die "$EXIT_FAILED" "n$i says it leads, others say $leader"
  done
  (( answered > 0 )) || die "$EXIT_FAILED" "no node answers"
  echo "$leader $term"
}

cmd_exec() {
  local node=${1:-}; [[ -n "$node" && $# -ge 2 ]] || usage "exec needs a node and a command"
  node_index "$node" >/dev/null
  shift
  exec ip netns exec "$(namespace "$node")" "$@"
}

cmd_down() {
  local file pid ns pids=()
  # SIGTERM first, so nodes close their WAV captures and logs; SIGKILL whatever is left after 5 s.
  for file in "$work"/n*.pid; do
    [[ -f "$file" ]] || continue
    pid=$(cat "$file")
    if running "$(basename "$file" .pid)"; then kill -TERM "$pid" 2>/dev/null && pids+=("$pid"); fi
    rm -f "$file"
  done
  for pid in "${pids[@]}"; do
    wait_gone "$pid" || { kill -KILL "$pid" 2>/dev/null; wait_gone "$pid" || true; }
  done
  # Namespaces of this LAN's prefix (their veth ends go with them), then the bridge.
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${name}-n[0-9]$" || true); do
    # Any process still inside (e.g. started by `exec`) would keep nothing alive but is stopped too.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  ip link del "$bridge" 2>/dev/null || true
  echo "LAN down"
}

command=${1:-}
[[ -n "$command" ]] || usage "no command"
shift
case "$command" in
  up) cmd_up "$@" ;;
  kill) cmd_kill "$@" ;;
  start) require_netns; start_node "${1:-}" ;;
  cut) require_netns; cmd_link down "$@" ;;
  heal) require_netns; cmd_link up "$@" ;;
  netem) require_netns; cmd_netem "$@" ;;
  status) require_netns; cmd_status ;;
  leader) require_netns; cmd_leader ;;
  exec) require_netns; cmd_exec "$@" ;;
  down) require_netns; cmd_down ;;
  -h|--help|help) sed -n '2,40p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
  *) usage "unknown command \"$command\"" ;;
esac
