#!/usr/bin/env bash
# Media benchmark (release build): on the same files, in one run,
#   fragmenting  raftcast-bench media fragment  vs  ffmpeg -c copy -f segment -segment_time 2
#   decoding     raftcast-bench media decode    vs  ffmpeg ... -ar 48000 -ac 2 -c:a pcm_s16le -f null
# for a 60-minute MP3 and a 10-minute 720p MP4. Prints wall times (best of
# RUNS), ratios (ffmpeg time / raftcast time: >= 1.0 means raftcast is at least
# as fast) and peak memory (max RSS from /usr/bin/time -v).
#
# Environment: RAFTCAST_BENCH_DIR (default /tmp/raftcast-bench-media) holds the
# generated media and scratch output, never git; RUNS (default 3);
# MP3_SECONDS (3600), MP4_SECONDS (600).
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${RAFTCAST_BENCH_DIR:-/tmp/raftcast-bench-media}
runs=${RUNS:-3}
mp3_seconds=${MP3_SECONDS:-3600}
mp4_seconds=${MP4_SECONDS:-600}
mkdir -p "$dir"
[[ -x /usr/bin/time ]] || { echo "error: /usr/bin/time missing (scripts/bootstrap.sh installs package 'time')" >&2; exit 1; }

echo "== swift build -c release --product raftcast-bench"
swift build -c release --product raftcast-bench 2>&1 | tail -1
bench="$(swift build -c release --product raftcast-bench --show-bin-path)/raftcast-bench"

mp3="$dir/long-${mp3_seconds}.mp3"
mp4="$dir/long-${mp4_seconds}.mp4"
[[ -s $mp3 ]] || { echo "== making $mp3"; scripts/make-media.sh long-mp3 "$mp3_seconds" "$mp3"; }
[[ -s $mp4 ]] || { echo "== making $mp4 (720p, ultrafast; takes a few minutes)"; scripts/make-media.sh long-mp4 "$mp4_seconds" "$mp4"; }

# measure LABEL CMD...: best wall time (s) and the max RSS (KiB) of that run,
# into $best_seconds / $best_kib.
measure() {
  local label=$1; shift
  best_seconds=""; best_kib=""
  for ((i = 0; i < runs; i++)); do
    rm -rf "$dir/out"; mkdir -p "$dir/out"
    /usr/bin/time -v -o "$dir/time.txt" "$@" >/dev/null 2>"$dir/stderr.txt" || {
      echo "error: $label failed:" >&2; cat "$dir/stderr.txt" >&2; exit 1; }
    local wall kib
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$dir/time.txt")
    kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/time.txt")
    if [[ -z $best_seconds ]] || awk -v a="$wall" -v b="$best_seconds" 'BEGIN{exit !(a<b)}'; then
      best_seconds=$wall; best_kib=$kib
    fi
  done
  printf "  %-44s %8.2f s  %7.1f MiB\n" "$label" "$best_seconds" "$(awk -v k="$best_kib" 'BEGIN{print k/1024}')"
}

ratio() { awk -v ref="$1" -v ours="$2" 'BEGIN{printf "%.2f", ref/ours}'; }

declare -A result
for file in "$mp3" "$mp4"; do
  name=$(basename "$file")
  ext=${file##*.}
  echo "== $name ($(du -h "$file" | cut -f1)), best of $runs"
  measure "raftcast fragment (records → files)" "$bench" media fragment "$file" --out "$dir/out"
  ours_frag=$best_seconds; ours_frag_kib=$best_kib
  measure "ffmpeg -c copy -f segment -segment_time 2" \
    ffmpeg -nostdin -v error -i "$file" -map 0:a:0 -map '0:v?' -c copy -f segment -segment_time 2 "$dir/out/seg-%05d.$ext"
  ref_frag=$best_seconds
  measure "raftcast decode (fragments → 48k s16)" "$bench" media decode "$file"
  ours_dec=$best_seconds; ours_dec_kib=$best_kib
  measure "ffmpeg -ar 48000 -ac 2 -c:a pcm_s16le -f null" \
    ffmpeg -nostdin -v error -i "$file" -map 0:a:0 -ar 48000 -ac 2 -c:a pcm_s16le -f null -
  ref_dec=$best_seconds
  result[$name]="$(ratio "$ref_frag" "$ours_frag") $(ratio "$ref_dec" "$ours_dec") $ours_frag_kib $ours_dec_kib"
done
rm -rf "$dir/out"

echo "== summary (ratio = ffmpeg time / raftcast time; target >= 1.0)"
printf "  %-22s %16s %16s %20s %18s\n" file "fragment ratio" "decode ratio" "fragment peak MiB" "decode peak MiB"
for file in "$mp3" "$mp4"; do
  name=$(basename "$file")
  read -r rf rd kf kd <<<"${result[$name]}"
  printf "  %-22s %16s %16s %20.1f %18.1f\n" "$name" "$rf" "$rd" "$(awk -v k="$kf" 'BEGIN{print k/1024}')" \
    "$(awk -v k="$kd" 'BEGIN{print k/1024}')"
done
