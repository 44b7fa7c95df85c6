# Shared by the benchmark scripts (sourced, not run): the release binaries, a scratch folder removed at exit
# with every process started from the script, a block of free loopback ports, and a cluster.yaml.
#
#   source scripts/lib/bench-common.sh
#   bench_binaries raftcast raftcast-bench     # sets BIN (BIN_DIR=<folder> skips the build)
#   bench_workdir ingest                       # sets WORK; kills PIDS and removes WORK at exit
#   bench_ports 30000 20                       # sets BASE: BASE..BASE+20 are free on 127.0.0.1
#   bench_cluster_yaml NAME N [AUDIO...]       # writes $WORK/cluster.yaml + secret: node i has raft BASE+i,
#                                              # http BASE+10+i, audio AUDIO[i-1] (default none); the lines of
#                                              # the array BENCH_CLUSTER_SETTINGS ("key: value") go to `cluster:`;
#                                              # BENCH_HTTP_OFFSET=K: http BASE+K+i (more than 9 nodes);
#                                              # BENCH_VOTERS=V: nodes after the V-th are `role: listener`
#   bench_admin_token                          # prints the admin token of $WORK/cluster.secret
#   bench_quick_flag "$@"                      # sets QUICK=1 for --quick, 0 without; any other argument: exit 2

# Every release build in scripts/ (and the Dockerfile) links the Swift runtime and Foundation statically:
# it is what `scripts/run.sh` runs (5 MiB less resident per node than the shared runtime), and one set of
# flags everywhere means switching between scripts never recompiles the whole package (4–5 min).
bench_binaries() {
  if [[ -n "${BIN_DIR:-}" ]]; then
    BIN=$BIN_DIR
    return
  fi
  local product
  for product in "$@"; do swift build -c release --static-swift-stdlib --product "$product" >/dev/null; done
  BIN=$(swift build -c release --show-bin-path)
}

bench_quick_flag() {
  QUICK=0
  local arg
  for arg in "$@"; do
    case "$arg" in
      --quick) QUICK=1 ;;
      *) echo "error: unknown argument '$arg' (see the header of $0)" >&2; exit 2 ;;
    esac
  done
}

PIDS=()
BENCH_CLUSTER_SETTINGS=()
bench_workdir() {
  WORK=$(mktemp -d "/tmp/raftcast-bench-$1.XXXXXX")
  trap bench_cleanup EXIT
}
# The parent PID of a process (field 4 of /proc/PID/stat, read after the command name, which may hold spaces).
parent_of() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f2; }
bench_cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    # Only a process that is still this script's child: once reaped, its number may be anyone's now.
    [[ "$(parent_of "$pid")" == "$$" ]] && { kill -9 "$pid" 2>/dev/null || true; }
  done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}

bench_ports() {
  BASE=$(( $1 + ($$ % 200) * ($2 + 10) ))
  local p
  for p in $(seq "$BASE" $((BASE + $2))); do
    if (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "error: port $p in use; rerun" >&2; exit 1; fi
  done
}

bench_cluster_yaml() {
  local name=$1 count=$2 i audio line
  shift 2
  # Owner-only (0600): nodes and clients refuse a secret file that group or others can read.
  rm -f "$WORK/cluster.secret"
  (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/cluster.secret")
  {
    echo "cluster:"
    echo "  name: $name"
    echo "  secret_file: cluster.secret"
    for line in "${BENCH_CLUSTER_SETTINGS[@]}"; do echo "  $line"; done
    echo "nodes:"
    for i in $(seq "$count"); do
      audio=${1:-none}
      [[ $# -gt 0 ]] && shift
      echo "  - id: n$i"
      echo "    raft: 127.0.0.1:$((BASE + i))"
      echo "    http: 127.0.0.1:$((BASE + ${BENCH_HTTP_OFFSET:-10} + i))"
      echo "    audio: \"$audio\""
      echo "    data_dir: data/n$i"
      if [[ -n "${BENCH_VOTERS:-}" && $i -gt $BENCH_VOTERS ]]; then echo "    role: listener"; fi
    done
  } >"$WORK/cluster.yaml"
}

# The admin token (Authorization: Bearer …) of the secret bench_cluster_yaml wrote: HMAC-SHA256 of
# "raftcast-admin-v1" keyed with the secret file's text (Node's AdminToken).
bench_admin_token() {
  printf 'raftcast-admin-v1' | openssl dgst -sha256 -hmac "$(tr -d ' \n' <"$WORK/cluster.secret")" | awk '{ print $NF }'
}
