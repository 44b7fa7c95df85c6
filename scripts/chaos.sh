#!/usr/bin/env bash
# Chaos: a paced broadcast through 3 or 5 nodes of the namespace LAN (scripts/lan.sh) under a random,
# seeded schedule of faults, then a check that the cluster still agrees and lost nothing it promised.
#
#   scripts/chaos.sh [--nodes 3|5] [--seconds S] [--seed N] [--binary PATH] [--keep] [--plan]
#
# --seed: the schedule's seed (default: a random one, printed); --keep: keep the work folder after a PASS
# too; --plan: print the schedule and exit.
#
#   ┌ host ──────────────────────────────────────────┐      ┌ ns <name>-nK (K = 1…N) ───────────────┐
#   │ chaos.sh: fault schedule (seeded, printed)     │ veth │ raftcast node --config cluster.yaml   │
#   │ raftcast ingest chaos-1.mp3, chaos-2.mp3, …    │──────│ data_dir = <work>/data/nK: own tmpfs  │
#   │   (paced, one after another, from the host)    │bridge│ audio: ALSA null (plays, keeps no PCM)│
#   └────────────────────────────────────────────────┘      └───────────────────────────────────────┘
#
# Faults (never more than a minority of the nodes at once, except the bounded `majority-stop`):
#   kill           SIGKILL, restarted after 1–6 s             (sometimes aimed at the leader)
#   stop           SIGSTOP, SIGCONT after 1–8 s
#   cut            link down (ip link set eth0 down), up after 2–10 s
#   disk           the node's tmpfs filled to ENOSPC for 4–12 s, then freed; a node that stopped on
#                  ENOSPC is restarted once there is space again
#   majority-stop  SIGSTOP of a majority for 2–4 s (only when no other fault is active)
#
# The schedule comes from the seed alone (a 48-bit LCG, the same on every machine) and is printed up
# front; "the leader" is resolved when the fault starts, so a replay has the same faults at the same times
# but may hit other nodes where the leader differs.
#
# At the end every fault is undone, the ingests are waited for, and once every node applied the same
# commit index the checks run:
#   1. every node lists the same streams and, for each, the same fragments (GET /v1/streams/{id}/fragments,
#      compared as canonical JSON);
#   2. every node shows the same applied_hash at the same applied index (GET /v1/cluster);
#   3. every fragment acknowledged to an ingest client is there on every node: fragments 0…K-1 of its
#      stream, K the highest committed count the client printed (`ingest: K/N fragments`, at most once a
#      second, and `ingested N fragments` when it exits 0) — a lower bound of what it was told;
#   4. no play log holds a fragment twice within one run of its node; across a restart a fragment may be
#      logged again only if the later run joined it at a later sample (nothing heard twice);
#   5. every ingest exited 0 and no node died except of a full disk;
#   6. no node's playback has failed for good (GET /v1/playback state `failed`).
# Last line: `chaos: PASS|FAIL seed=N …`; exit 0 on PASS, 1 on FAIL (the work folder is kept and its path
# printed with the command that replays the seed), 2 bad usage, 3 not possible here (lan.sh's reasons:
# not root, no network namespaces; or tmpfs cannot be mounted).
#
# Environment: CHAOS_WORK (work folder; default a new /tmp/raftcast-chaos.XXXXXX), CHAOS_STREAM_SECONDS
# (longest stream, default 60).
set -uo pipefail

readonly EXIT_FAIL=1 EXIT_USAGE=2 EXIT_NOT_HERE=3
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lan_script="$repo/scripts/lan.sh"

die() { local code=$1; shift; echo "error: chaos.sh: $*" >&2; exit "$code"; }

nodes=3 seconds=120 seed="" binary="" keep=0 plan_only=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --nodes) [[ $# -ge 2 ]] || die "$EXIT_USAGE" "--nodes needs 3 or 5"; nodes=$2; shift 2 ;;
    --seconds) [[ $# -ge 2 ]] || die "$EXIT_USAGE" "--seconds needs a number"; seconds=$2; shift 2 ;;
    --seed) [[ $# -ge 2 ]] || die "$EXIT_USAGE" "--seed needs a number"; seed=$2; shift 2 ;;
    --binary) [[ $# -ge 2 ]] || die "$EXIT_USAGE" "--binary needs a path"; binary=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --plan) plan_only=1; shift ;;
    -h|--help) sed -n '2,45p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "$EXIT_USAGE" "unknown argument \"$1\" (usage: chaos.sh [--nodes 3|5] [--seconds S] [--seed N] [--binary PATH] [--keep] [--plan])" ;;
  esac
done
[[ "$nodes" == 3 || "$nodes" == 5 ]] || die "$EXIT_USAGE" "--nodes: \"$nodes\" is not 3 or 5"
[[ "$seconds" =~ ^[0-9]{1,5}$ ]] && (( 10#$seconds >= 30 && 10#$seconds <= 86400 )) ||
  die "$EXIT_USAGE" "--seconds: \"$seconds\" is not a whole number of seconds from 30 to 86400"
seconds=$((10#$seconds))
if [[ -z "$seed" ]]; then seed=$(( $(od -An -N4 -tu4 /dev/urandom | tr -d ' ') % 1000000 )); fi
[[ "$seed" =~ ^[0-9]{1,15}$ ]] || die "$EXIT_USAGE" "--seed: \"$seed\" is not a whole number below 10^15"
seed=$((10#$seed))
if (( plan_only )); then :
elif [[ -z "$binary" ]]; then
  for candidate in "${RAFTCAST_BINARY:-}" "$repo/.build/release/raftcast" "$repo/.build/debug/raftcast"; do
    [[ -n "$candidate" && -x "$candidate" ]] && { binary=$candidate; break; }
  done
  [[ -n "$binary" ]] || die "$EXIT_USAGE" "raftcast is not built (swift build) and neither --binary nor RAFTCAST_BINARY is given"
fi
if (( ! plan_only )); then
  [[ -x "$binary" ]] || die "$EXIT_USAGE" "--binary: \"$binary\" is not an executable file"
  binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
fi
stream_max=${CHAOS_STREAM_SECONDS:-60}
[[ "$stream_max" =~ ^[0-9]{2,4}$ ]] && (( stream_max >= 12 )) || die "$EXIT_USAGE" "CHAOS_STREAM_SECONDS: \"$stream_max\" is not a number of seconds from 12 to 9999"

# ── Seeded randomness: drand48's LCG (a = 0x5DEECE66D, c = 11, m = 2^48). Bash arithmetic wraps modulo
# 2^64, which keeps the low 48 bits of the product exact. `rand N` sets R to a number in [0, N).
rng=$(( (seed ^ 0x5DEECE66D) & 0xFFFFFFFFFFFF ))
rand() { rng=$(( (rng * 0x5DEECE66D + 11) & 0xFFFFFFFFFFFF )); R=$(( (rng >> 17) % $1 )); }

# ── The plan: every fault's start (ms after the first ingest starts), kind, node, length, and whether it
# should hit the leader; the minority rule is applied here, on the planned times.
minority=$(( (nodes - 1) / 2 ))
settle_ms=1500   # after a fault ends, the node rejoins before it counts as healthy again
plan_t=() plan_kind=() plan_node=() plan_ms=() plan_leader=()
busy_until=()
for ((n = 1; n <= nodes; n++)); do busy_until[n]=0; done
t=6000
horizon=$(( seconds * 1000 - 10000 ))
while (( t < horizon )); do
  rand 100
  if (( R < 30 )); then kind=kill; rand 5000; ms=$((1000 + R))
  elif (( R < 50 )); then kind=stop; rand 7000; ms=$((1000 + R))
  elif (( R < 75 )); then kind=cut; rand 8000; ms=$((2000 + R))
  elif (( R < 92 )); then kind=disk; rand 8000; ms=$((4000 + R))
  else kind=majority-stop; rand 2000; ms=$((2000 + R))
  fi
  rand 100; leader=$(( R < 40 ? 1 : 0 ))
  if [[ $kind == majority-stop ]]; then
    # Only with every node healthy: wait for the last fault to settle.
    for ((n = 1; n <= nodes; n++)); do (( busy_until[n] > t )) && t=${busy_until[n]}; done
    node=0; leader=0
    for ((n = 1; n <= nodes; n++)); do busy_until[n]=$(( t + ms + settle_ms )); done
  else
    # At most `minority` nodes busy: wait for the earliest one to settle while the limit is reached.
    while :; do
      free=() earliest=-1
      for ((n = 1; n <= nodes; n++)); do
        if (( busy_until[n] <= t )); then free+=("$n"); elif (( earliest < 0 || busy_until[n] < earliest )); then earliest=${busy_until[n]}; fi
      done
      (( nodes - ${#free[@]} < minority )) && break
      t=$earliest
    done
    rand "${#free[@]}"; node=${free[R]}
    extra=0; [[ $kind == disk ]] && extra=2000   # a node that stopped on ENOSPC restarts after the fill
    busy_until[node]=$(( t + ms + settle_ms + extra ))
  fi
  (( t < horizon )) || break
  plan_t+=("$t"); plan_kind+=("$kind"); plan_node+=("$node"); plan_ms+=("$ms"); plan_leader+=("$leader")
  rand 4000; t=$(( t + 2000 + R ))
done
# Stream lengths (seconds, even: 2-s fragments), drawn from the same generator after the faults.
plan_streams=()
total=0
while (( total < seconds )); do
  rand $(( stream_max - 11 )); length=$(( (12 + R) / 2 * 2 )); plan_streams+=("$length"); total=$(( total + length ))
done

seconds_text() { printf '%d.%d' $(( $1 / 1000 )) $(( ($1 % 1000) / 100 )); }
echo "chaos: seed=$seed nodes=$nodes seconds=$seconds binary=$binary"
echo "chaos: replay with: scripts/chaos.sh --nodes $nodes --seconds $seconds --seed $seed"
echo "plan: ${#plan_t[@]} faults, at most $minority node(s) faulty at once (majority-stop excepted); streams of ${plan_streams[*]} s"
for ((i = 0; i < ${#plan_t[@]}; i++)); do
  target="n${plan_node[i]}"; [[ ${plan_kind[i]} == majority-stop ]] && target="a majority"
  (( plan_leader[i] )) && target="the leader (else n${plan_node[i]})"
  printf 'plan: #%-3d at %7ss: %-13s %-26s for %ss\n' $((i + 1)) "$(seconds_text "${plan_t[i]}")" "${plan_kind[i]}" "$target" "$(seconds_text "${plan_ms[i]}")"
done

(( plan_only )) && exit 0
for tool in jq curl ffmpeg; do
  command -v "$tool" >/dev/null || die "$EXIT_NOT_HERE" "$tool is not installed; scripts/bootstrap.sh installs it"
done
[[ $(id -u) -eq 0 ]] || die "$EXIT_NOT_HERE" "needs root (network namespaces, tmpfs mounts); run it with sudo"

# ── The LAN: its own names, so it never meets a test's or a hand-made LAN.
work=${CHAOS_WORK:-$(mktemp -d /tmp/raftcast-chaos.XXXXXX)}
export LAN_WORK="$work" LAN_NAME="ch$(( $$ % 10000 ))" LAN_SUBNET="10.199.$(( $$ % 250 ))" RAFTCAST_BINARY="$binary"
lan() { bash "$lan_script" "$@"; }
address() { echo "$LAN_SUBNET.$((10 + $1))"; }
data_dir() { echo "$work/data/n$1"; }
pid_of() { cat "$work/n$1.pid" 2>/dev/null; }
alive() { local state; state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [[ -n "$state" && "$state" != Z ]]; }
node_running() { local pid; pid=$(pid_of "$1") && [[ -n "$pid" ]] && alive "$pid"; }
tmpfs_mb=$(( 24 + seconds * 3 / 100 ))

# outcome: setup (not started yet: nothing to keep), pass or fail.
mounted=() ingest_loop_pid="" outcome=setup
cleanup() {
  local n pid
  trap - EXIT INT TERM
  if [[ -n "$ingest_loop_pid" ]]; then
    kill -TERM "$ingest_loop_pid" 2>/dev/null
    pid=$(cat "$work/ingest.pid" 2>/dev/null) && [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null
    wait "$ingest_loop_pid" 2>/dev/null
  fi
  for ((n = 1; n <= nodes; n++)); do pid=$(pid_of "$n") && [[ -n "$pid" ]] && kill -CONT "$pid" 2>/dev/null; done
  lan down >/dev/null 2>&1
  local keeping=$keep
  [[ $outcome == fail ]] && keeping=1   # a FAIL, or a run interrupted once it started
  for n in "${mounted[@]}"; do
    # What the tmpfs held goes with it: copied out when the work folder is kept (without the filler).
    if (( keeping )); then
      mkdir -p "$work/kept/n$n"
      cp -a "$(data_dir "$n")/." "$work/kept/n$n/" 2>/dev/null; rm -f "$work/kept/n$n/.chaos-fill"
    fi
    umount "$(data_dir "$n")" 2>/dev/null || umount -l "$(data_dir "$n")" 2>/dev/null
  done
  if (( keeping )); then echo "chaos: work folder kept: $work (node data in kept/)"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

up=$(lan up "$nodes" --audio null --no-start 2>&1); status=$?
if (( status != 0 )); then
  echo "$up" >&2
  (( status == 3 )) && exit "$EXIT_NOT_HERE"
  exit "$EXIT_FAIL"
fi
chmod 600 "$work/cluster.secret"
for ((n = 1; n <= nodes; n++)); do
  mkdir -p "$(data_dir "$n")"
  if ! reason=$(mount -t tmpfs -o "size=${tmpfs_mb}m,mode=0700" "chaos-n$n" "$(data_dir "$n")" 2>&1); then
    die "$EXIT_NOT_HERE" "cannot mount a tmpfs on $(data_dir "$n"): $reason"
  fi
  mounted+=("$n")
done

# Each node's runs: before every start, the play log's line count, so the check can tell runs apart.
start_node() {
  local n=$1 lines=0
  [[ -f "$(data_dir "$n")/play-log.jsonl" ]] && lines=$(wc -l <"$(data_dir "$n")/play-log.jsonl")
  echo "$lines" >>"$work/n$n.runs"
  lines=0; [[ -f "$work/n$n.log" ]] && lines=$(wc -l <"$work/n$n.log")
  echo "$lines" >"$work/n$n.log-start"
  lan start "n$n" >>"$work/chaos-lan.log" 2>&1
}
outcome=fail   # from here on an interrupted run keeps its work folder
for ((n = 1; n <= nodes; n++)); do start_node "$n"; done
echo "chaos: LAN up: $nodes nodes ($LAN_NAME, $LAN_SUBNET.0/24), a ${tmpfs_mb} MiB tmpfs each; work $work"

# ── Helpers over the nodes' HTTP API, asked from the host through the bridge.
cluster_json() { curl -s -m 1 "http://$(address "$1"):8100/v1/cluster" 2>/dev/null; }
# The node that says it leads in the highest term, or nothing.
current_leader() {
  local n body best="" best_term=-1 fields
  for ((n = 1; n <= nodes; n++)); do
    body=$(cluster_json "$n") || continue
    fields=$(jq -r 'select(.role == "leader") | .term' <<<"$body" 2>/dev/null) || continue
    [[ -n "$fields" ]] && (( fields > best_term )) && { best=$n; best_term=$fields; }
  done
  echo "$best"
}
# Every node's clock synchronized (a node plays from the stream's start only once it follows the cluster).
wait_ready() {
  local deadline=$(( SECONDS + 60 )) n ok
  while (( SECONDS < deadline )); do
    ok=0
    if [[ -n "$(current_leader)" ]]; then
      for ((n = 1; n <= nodes; n++)); do
        [[ $(curl -s -m 1 "http://$(address "$n"):8100/v1/playback" | jq -r '.clock_synchronized // false' 2>/dev/null) == true ]] && ok=$((ok + 1))
      done
    fi
    (( ok == nodes )) && return 0
    sleep 0.2
  done
  return 1
}
if ! wait_ready; then
  echo "chaos: FAIL seed=$seed: the cluster did not elect a leader and synchronize its clocks within 60 s" >&2
  tail -n 20 "$work"/n*.log >&2
  exit "$EXIT_FAIL"
fi

# ── The broadcast: paced ingests one after another from the host, the last one ending before the end.
mkdir -p "$work/media"
touch "$work/ingests"
now_ms() { local t=$EPOCHREALTIME; NOW=$(( ${t%.*} * 1000 + 10#${t#*.} / 1000 )); }
now_ms; t0=$NOW
ingest_loop() {
  local k=0 length remaining media rc
  trap - EXIT
  trap 'exit 0' TERM
  for length in "${plan_streams[@]}"; do
    now_ms
    remaining=$(( seconds - (NOW - t0) / 1000 - 6 ))
    (( length > remaining )) && length=$(( remaining / 2 * 2 ))
    (( length >= 12 )) || break
    k=$((k + 1))
    media="$work/media/chaos-$length.mp3"
    [[ -f "$media" ]] || bash "$repo/scripts/make-media.sh" mp3-cbr "$length" "$media" >/dev/null 2>&1
    echo "$k $length $(( (NOW - t0) / 1000 ))" >>"$work/ingests"
    "$binary" ingest "$media" --config "$work/cluster.yaml" --name "chaos-$seed-$k" \
      >"$work/ingest-$k.out" 2>"$work/ingest-$k.err" </dev/null &
    echo $! >"$work/ingest.pid"
    wait $!; rc=$?
    echo "$rc" >"$work/ingest-$k.rc"
    # A refused ingest fails in a moment: pace the next one, so one fault cannot use up the plan.
    (( rc == 0 )) || sleep 2
  done
  rm -f "$work/ingest.pid"
}
ingest_loop &
ingest_loop_pid=$!

# ── The faults.
# Per node: the fault it is in ("" when healthy) and when that fault ends (ms).
# Per node: the fault it is in ("" when healthy), when that fault ends, and when the node counts as
# healthy again (ms; the plan's settling time after the end).
fault_kind=() fault_end=() healthy_at=()
for ((n = 1; n <= nodes; n++)); do fault_kind[n]=""; fault_end[n]=0; healthy_at[n]=0; done
# Nodes in a fault or still settling after one.
busy_nodes() {
  local n count=0
  for ((n = 1; n <= nodes; n++)); do [[ -n "${fault_kind[n]}" ]] || (( NOW < healthy_at[n] )) && count=$((count + 1)); done
  echo "$count"
}
count_kill=0 count_stop=0 count_cut=0 count_disk=0 count_majority=0 count_leader=0
enospc_exits=0 crashes=0 restarts=0
failures=()
log_event() { now_ms; printf '[%7ss] %s\n' "$(seconds_text $(( NOW - t0 )))" "$*"; }

fill_disk() {
  local dir; dir=$(data_dir "$1")
  # Fill to the last page: 1 MiB blocks until ENOSPC, then 4 KiB ones (tmpfs allocates pages).
  dd if=/dev/zero of="$dir/.chaos-fill" bs=1M status=none 2>/dev/null
  dd if=/dev/zero of="$dir/.chaos-fill" bs=4k oflag=append conv=notrunc status=none 2>/dev/null
  df -k --output=avail "$dir" | tail -1 | tr -d ' '
}
start_fault() {
  local i=$1 n=${plan_node[$1]} kind=${plan_kind[$1]} ms=${plan_ms[$1]} leader="" pid m note=""
  if (( plan_leader[i] )); then
    leader=$(current_leader)
    if [[ -n "$leader" && -z "${fault_kind[leader]}" ]] && (( NOW >= healthy_at[leader] )); then n=$leader; note=" (the leader)"; count_leader=$((count_leader + 1)); fi
  fi
  if [[ $kind != majority-stop ]] && { [[ -n "${fault_kind[n]}" ]] || (( NOW < healthy_at[n] )); }; then
    # The planned node is taken (an earlier fault went to the leader instead): the first healthy one.
    for ((m = 1; m <= nodes; m++)); do [[ -z "${fault_kind[m]}" ]] && (( NOW >= healthy_at[m] )) && { n=$m; break; }; done
  fi
  now_ms
  # A fault ends when the plan says (at least 0.3 s after it began), so one that started late does not
  # push the rest of the schedule back.
  local end=$(( t0 + plan_t[i] + ms )); (( end < NOW + 300 )) && end=$(( NOW + 300 ))
  local span; span=$(seconds_text $(( end - NOW )))
  case "$kind" in
    kill)
      lan kill "n$n" >>"$work/chaos-lan.log" 2>&1
      count_kill=$((count_kill + 1)); log_event "#$((i + 1)) kill n$n$note (SIGKILL; restart in $span s)" ;;
    stop)
      pid=$(pid_of "$n"); kill -STOP "$pid" 2>/dev/null
      count_stop=$((count_stop + 1)); log_event "#$((i + 1)) stop n$n$note (SIGSTOP for $span s)" ;;
    cut)
      lan cut "n$n" >>"$work/chaos-lan.log" 2>&1
      count_cut=$((count_cut + 1)); log_event "#$((i + 1)) cut n$n$note (link down for $span s)" ;;
    disk)
      local avail; avail=$(fill_disk "$n")
      count_disk=$((count_disk + 1)); log_event "#$((i + 1)) disk n$n$note (tmpfs full, ${avail} KiB left, for $span s)" ;;
    majority-stop)
      # A majority, starting at a node that depends on the fault's number only.
      local stopped=() victim
      for ((m = 0; m < nodes / 2 + 1; m++)); do
        victim=$(( (i + m) % nodes + 1 ))
        pid=$(pid_of "$victim"); kill -STOP "$pid" 2>/dev/null; stopped+=("n$victim")
        fault_kind[victim]=stop; fault_end[victim]=$end
      done
      count_majority=$((count_majority + 1)); log_event "#$((i + 1)) majority-stop ${stopped[*]} (SIGSTOP for $span s)"
      return ;;
  esac
  fault_kind[n]=$kind; fault_end[n]=$end
}
end_fault() {
  local n=$1 kind=${fault_kind[$1]} pid
  case "$kind" in
    kill) start_node "$n"; restarts=$((restarts + 1)); log_event "start n$n" ;;
    stop) pid=$(pid_of "$n"); kill -CONT "$pid" 2>/dev/null; log_event "cont n$n" ;;
    cut) lan heal "n$n" >>"$work/chaos-lan.log" 2>&1; log_event "heal n$n" ;;
    disk)
      rm -f "$(data_dir "$n")/.chaos-fill"
      if node_running "$n"; then
        log_event "disk n$n freed (the node ran on)"
      else
        enospc_exits=$((enospc_exits + 1))
        log_event "disk n$n freed; it had stopped: $(last_words "$n"); restarting it"
        start_node "$n"; restarts=$((restarts + 1))
      fi ;;
  esac
  fault_kind[n]=""; fault_end[n]=0
  local settle=$settle_ms; [[ $kind == disk ]] && settle=$(( settle_ms + 2000 ))
  healthy_at[n]=$(( fault_end[n] + settle ))
}
# Why node $1 stopped, as its log since its last start says: the last critical or `error:` line, else
# its last line.
last_words() {
  local line run
  run=$(tail -n +"$(( $(cat "$work/n$1.log-start" 2>/dev/null || echo 0) + 1 ))" "$work/n$1.log")
  line=$(grep -E ' critical |^error: ' <<<"$run" | tail -1)
  [[ -n "$line" ]] || line=$(grep -v '^\s*$' <<<"$run" | tail -1)
  echo "${line:0:240}"
}
# A node that is gone although no fault explains it: recorded, and restarted.
watchdog() {
  local n
  for ((n = 1; n <= nodes; n++)); do
    [[ "${fault_kind[n]}" == kill || "${fault_kind[n]}" == disk ]] && continue
    node_running "$n" && continue
    crashes=$((crashes + 1))
    log_event "n$n died without a fault that kills it: $(last_words "$n"); restarting it"
    failures+=("n$n died outside a kill or a full disk (see $work/n$n.log)")
    start_node "$n"; restarts=$((restarts + 1))
  done
}

next=0 last_watch=0
end_at=$(( t0 + seconds * 1000 ))
while :; do
  now_ms
  (( NOW >= end_at )) && break
  for ((n = 1; n <= nodes; n++)); do [[ -n "${fault_kind[n]}" ]] && (( NOW >= fault_end[n] )) && end_fault "$n"; done
  if (( next < ${#plan_t[@]} )) && (( NOW >= t0 + plan_t[next] )); then
    # The plan keeps the minority rule on planned times; a fault that runs late here makes the next wait.
    active=$(busy_nodes)
    if [[ ${plan_kind[next]} == majority-stop ]] && (( active > 0 )); then :
    elif [[ ${plan_kind[next]} != majority-stop ]] && (( active >= minority )); then :
    else watchdog; start_fault "$next"; next=$((next + 1)); fi
  fi
  if (( NOW - last_watch >= 1000 )); then watchdog; last_watch=$NOW; fi
  sleep 0.1
done
for ((n = 1; n <= nodes; n++)); do [[ -n "${fault_kind[n]}" ]] && end_fault "$n"; done
faults=$(( count_kill + count_stop + count_cut + count_disk + count_majority ))
log_event "faults over: $faults (kill $count_kill, stop $count_stop, cut $count_cut, disk $count_disk, majority-stop $count_majority; $count_leader at the leader)"

# ── The end: the last ingest finishes (bounded), every node catches up.
deadline=$(( SECONDS + stream_max + 90 ))
while kill -0 "$ingest_loop_pid" 2>/dev/null && (( SECONDS < deadline )); do watchdog; sleep 0.5; done
if kill -0 "$ingest_loop_pid" 2>/dev/null; then
  failures+=("an ingest was still running $((stream_max + 90)) s after the faults ended")
  pid=$(cat "$work/ingest.pid" 2>/dev/null) && kill -KILL "$pid" 2>/dev/null
fi
wait "$ingest_loop_pid" 2>/dev/null; ingest_loop_pid=""
log_event "ingests over"

# "term leader commit applied applied_hash" of node $1, or "down".
node_state() {
  local body line
  body=$(cluster_json "$1")
  line=$(jq -r '"\(.term) \(.leader // "-") \(.commit_index) \(.applied_index) \(.applied_hash)"' <<<"$body" 2>/dev/null)
  echo "${line:-down}"
}
converged=0 previous="" deadline=$(( SECONDS + 60 ))
while (( SECONDS < deadline )); do
  watchdog
  state=""
  for ((n = 1; n <= nodes; n++)); do state+="n$n $(node_state "$n");"; done
  # Every node answers, agrees on term, leader and commit index, has applied it, and nothing moved for 1 s.
  if awk -v RS=';' 'NF { if (NF != 6 || $3 == "-" || $5 != $4) bad = 1; key[$2 " " $3 " " $4]++; n++ }
                    END { exit (bad || length(key) != 1) }' <<<"$state" && [[ "$state" == "$previous" ]]; then
    converged=1; break
  fi
  previous=$state
  sleep 1
done
log_event "converged=$converged: $state"
(( converged )) || failures+=("the nodes did not agree on one applied commit index within 60 s: $state")

# ── Checks.
mkdir -p "$work/check"
# 1. Streams and fragments.
for ((n = 1; n <= nodes; n++)); do
  curl -s -m 5 "http://$(address "$n"):8100/v1/streams" >"$work/check/n$n-streams.json"
done
streams=$(jq -r '.streams[].id' "$work"/check/n*-streams.json 2>/dev/null | sort -u)
stream_count=$(grep -c . <<<"$streams")
fragments_total=0
for id in $streams; do
  reference=""
  for ((n = 1; n <= nodes; n++)); do
    body=$(curl -s -m 5 "http://$(address "$n"):8100/v1/streams/$id/fragments")
    canonical=$(jq -S -c '.fragments' <<<"$body" 2>/dev/null) || canonical="unreadable: ${body:0:200}"
    echo "$canonical" >"$work/check/n$n-$id-fragments.json"
    if [[ -z "$reference" ]]; then
      reference=$canonical; fragments_total=$(( fragments_total + $(jq 'length' <<<"$canonical" 2>/dev/null || echo 0) ))
    elif [[ "$canonical" != "$reference" ]]; then
      failures+=("stream $id: n$n's fragments differ from n1's (see $work/check/)")
    fi
  done
done
for ((n = 2; n <= nodes; n++)); do
  if [[ "$(jq -S -c '[.streams[] | {id, state, committed_fragments, expected_fragments, start_log_index}]' "$work/check/n$n-streams.json" 2>/dev/null)" != \
    "$(jq -S -c '[.streams[] | {id, state, committed_fragments, expected_fragments, start_log_index}]' "$work/check/n1-streams.json" 2>/dev/null)" ]]; then
    failures+=("n$n lists other streams than n1 (see $work/check/)")
  fi
done
# 2. Applied state.
hashes=""
for ((n = 1; n <= nodes; n++)); do hashes+="n$n $(node_state "$n");"; done
awk -v RS=';' 'NF { if (NF != 6) bad = 1; key[$5 " " $6]++ } END { exit (bad || length(key) != 1) }' <<<"$hashes" ||
  failures+=("applied index and hash differ (node term leader commit applied hash): $hashes")
# 3. Acknowledged fragments, and 5. ingest exits.
acknowledged=0 ingests=0
while read -r k length started; do
  ingests=$((ingests + 1))
  rc=$(cat "$work/ingest-$k.rc" 2>/dev/null || echo none)
  id=$(sed -n 's/^ingest: stream \([0-9a-f]*\) .*/\1/p' "$work/ingest-$k.err" | head -1)
  ack=$(sed -n 's/^ingest: \([0-9]*\)\/[0-9]* fragments.*/\1/p' "$work/ingest-$k.err" | sort -n | tail -1)
  done_count=$(sed -n 's/^stream [0-9a-f]*: ingested \([0-9]*\) fragments.*/\1/p' "$work/ingest-$k.out")
  [[ -n "$done_count" && "$rc" == 0 ]] && ack=$done_count
  ack=${ack:-0}
  acknowledged=$((acknowledged + ack))
  [[ "$rc" == 0 ]] || failures+=("ingest #$k ($length s, stream ${id:-unknown}) exited $rc: $(grep '^error' "$work/ingest-$k.err" | tail -1)")
  (( ack > 0 )) || continue
  for ((n = 1; n <= nodes; n++)); do
    present=$(jq --argjson k "$ack" '[.[] | select(.index < $k) | .index] | unique | length' "$work/check/n$n-$id-fragments.json" 2>/dev/null || echo 0)
    (( present == ack )) || failures+=("stream $id: $ack fragments acknowledged to ingest #$k, n$n holds $present of them")
  done
done <"$work/ingests"
# 6. Every node still plays: a fault may cost a node some fragments, never its playback for good.
playback_failed=0
for ((n = 1; n <= nodes; n++)); do
  curl -s -m 5 "http://$(address "$n"):8100/v1/playback" >"$work/check/n$n-playback.json"
  if [[ $(jq -r '.state' "$work/check/n$n-playback.json" 2>/dev/null) == failed ]]; then
    playback_failed=$((playback_failed + 1))
    failures+=("n$n's playback has failed: $(jq -r '.error // "no reason given"' "$work/check/n$n-playback.json")")
  fi
done
# 4. Play logs, read once the nodes stopped (SIGTERM): per node and stream, each fragment once per run.
lan down >>"$work/chaos-lan.log" 2>&1
doubled=0 play_records=0 torn=0
for ((n = 1; n <= nodes; n++)); do
  log="$(data_dir "$n")/play-log.jsonl"
  [[ -f "$log" ]] || continue
  result=$(jq -R -r 'try (fromjson | "\(input_line_number) \(.stream) \(.fragment) \(.first_played_sample)") catch "torn \(input_line_number)"' "$log" |
    awk -v runs="$(tr '\n' ' ' <"$work/n$n.runs")" '
      BEGIN { count = split(runs, start, " ") }
      $1 == "torn" { torn++; next }
      {
        run = 0; for (r = 1; r <= count; r++) if ($1 > start[r]) run = r
        key = $2 " " $3; records++
        if (key in lastRun) {
          if (lastRun[key] == run || $4 <= lastFirst[key]) { doubled++; print "doubled " key " line " $1 " (run " run ", first sample " $4 "; before: run " lastRun[key] ", first sample " lastFirst[key] ")" > "/dev/stderr" }
        }
        lastRun[key] = run; lastFirst[key] = $4
      }
      END { printf "%d %d %d\n", records, doubled, torn }' 2>>"$work/check/doubled.txt")
  read -r records d t <<<"$result"
  play_records=$((play_records + records)); doubled=$((doubled + d)); torn=$((torn + t))
  (( d == 0 )) || failures+=("n$n's play log holds $d fragment(s) twice (see $work/check/doubled.txt)")
done

summary="seed=$seed nodes=$nodes seconds=$seconds faults=$faults kill=$count_kill stop=$count_stop cut=$count_cut disk=$count_disk majority-stop=$count_majority at-leader=$count_leader restarts=$restarts enospc-exits=$enospc_exits crashes=$crashes streams=$stream_count ingests=$ingests fragments=$fragments_total acknowledged=$acknowledged play-records=$play_records doubled=$doubled torn-lines=$torn playback-failed=$playback_failed"
if (( ${#failures[@]} == 0 )); then
  outcome=pass
  echo "chaos: PASS $summary"
  exit 0
fi
for failure in "${failures[@]}"; do echo "chaos: check failed: $failure"; done
echo "chaos: FAIL $summary"
echo "chaos: replay with: scripts/chaos.sh --nodes $nodes --seconds $seconds --seed $seed"
exit "$EXIT_FAIL"
