#!/usr/bin/env bash
# Makes raftcast's media with the ffmpeg CLI from lavfi sources (sine, anoisesrc,
# testsrc): the small samples in media/, the fixtures the tests compare against
# ffprobe/ffmpeg, and long files for benchmarks (into a temp folder, not git).
#
#   scripts/make-media.sh samples                 media/sample.mp3 + media/sample.mp4 (< 1 MB together)
#   scripts/make-media.sh KIND SECONDS OUT        one file; KIND is one of:
#     mp3-cbr        MP3 CBR 128k, 44.1 kHz stereo (sine + noise)
#     mp3-vbr-mono   MP3 VBR (-q:a 4), 22.05 kHz mono
#     mp3-no-xing    MP3 CBR 128k without a Xing/Info header (duration unknown up front)
#     mp3-cover      MP3 with an ID3v2 cover picture (attached PNG)
#     m4a            AAC-only M4A, 44.1 kHz stereo, -aac_pns 0 (bit-exact decoding)
#     mp4-bframes    H.264 (B-frames, keyframes at irregular times) + AAC, faststart
#     mp4-moov-end   like mp4-bframes, 'moov' box at the end (no faststart)
#     mp4-aac48      H.264 + AAC at 48 kHz, -aac_pns 0 (the queue's second item: another rate and format)
#     mp4-video-only H.264 without audio
#     long-mp3       MP3 CBR 128k 44.1 kHz stereo (benchmarks: 3600 s)
#     long-mp4       720p25 H.264 ultrafast + AAC (benchmarks: 600 s)
#     mp4-3mbit      720p25 H.264 ultrafast at ~2.85 Mbit/s (noisy picture, a keyframe every 2 s) + AAC 128k
#                    48 kHz: ~3 Mbit/s in all, a live broadcast's rate (scripts/bench-hls.sh)
set -euo pipefail

ff=(ffmpeg -nostdin -hide_banner -loglevel error -y)

# Audio: a sine with a little noise, so encoders have real work and PNS-free
# AAC still exercises the codec. $1 seconds, $2 sample rate, $3 channels.
audio_src() {
  local seconds=$1 rate=$2 channels=$3
  local layout=stereo; [[ $channels == 1 ]] && layout=mono
  echo "sine=frequency=440:sample_rate=${rate}:duration=${seconds},aformat=channel_layouts=${layout}[s];anoisesrc=color=pink:amplitude=0.05:seed=1234:sample_rate=${rate}:duration=${seconds},aformat=channel_layouts=${layout}[n];[s][n]amix=inputs=2:normalize=0"
}

make() {
  local kind=$1 seconds=$2 out=$3
  case "$kind" in
    mp3-cbr)
      "${ff[@]}" -filter_complex "$(audio_src "$seconds" 44100 2)" -c:a libmp3lame -b:a 128k "$out" ;;
    mp3-no-xing)
      "${ff[@]}" -filter_complex "$(audio_src "$seconds" 44100 2)" -c:a libmp3lame -b:a 128k -write_xing 0 "$out" ;;
    mp3-vbr-mono)
      "${ff[@]}" -filter_complex "$(audio_src "$seconds" 22050 1)" -c:a libmp3lame -q:a 4 "$out" ;;
    mp3-cover)
      "${ff[@]}" -filter_complex "$(audio_src "$seconds" 44100 2)[a];testsrc=size=64x64:rate=1:duration=1[v]" \
        -map "[a]" -map "[v]" -frames:v 1 -c:a libmp3lame -b:a 96k -c:v png \
        -disposition:v attached_pic -id3v2_version 3 "$out" ;;
    m4a)
      "${ff[@]}" -filter_complex "$(audio_src "$seconds" 44100 2)" -c:a aac -aac_pns 0 -b:a 128k "$out" ;;
    mp4-bframes|mp4-moov-end)
      local faststart=(-movflags +faststart)
      [[ $kind == mp4-moov-end ]] && faststart=()
      # Keyframes at irregular times besides the GOP limit; 3 B-frames.
      "${ff[@]}" -filter_complex "$(audio_src "$seconds" 44100 2)[a];testsrc=size=320x240:rate=25:duration=${seconds}[v]" \
        -map "[v]" -map "[a]" -c:v libx264 -preset veryfast -bf 3 -x264-params keyint=75:min-keyint=5:scenecut=40 \
        -force_key_frames "0,0.72,1.28,3.4,3.56,5.2,7.92" -pix_fmt yuv420p \
        -c:a aac -aac_pns 0 -b:a 128k "${faststart[@]}" "$out" ;;
    mp4-aac48)
      "${ff[@]}" -filter_complex "$(audio_src "$seconds" 48000 2)[a];testsrc=size=320x240:rate=25:duration=${seconds}[v]" \
        -map "[v]" -map "[a]" -c:v libx264 -preset veryfast -bf 2 -g 50 -pix_fmt yuv420p \
        -c:a aac -aac_pns 0 -b:a 128k -movflags +faststart "$out" ;;
    mp4-video-only)
      "${ff[@]}" -f lavfi -i "testsrc=size=320x240:rate=25:duration=${seconds}" -c:v libx264 -preset ultrafast \
        -pix_fmt yuv420p "$out" ;;
    long-mp3)
      "${ff[@]}" -filter_complex "$(audio_src "$seconds" 44100 2)" -c:a libmp3lame -b:a 128k "$out" ;;
    long-mp4)
      # Low-complexity source and ultrafast: 10 minutes of 720p in reasonable time on 2 cores.
      "${ff[@]}" -filter_complex "$(audio_src "$seconds" 44100 2)[a];testsrc=size=1280x720:rate=25:duration=${seconds}[v]" \
        -map "[v]" -map "[a]" -c:v libx264 -preset ultrafast -g 50 -pix_fmt yuv420p \
        -c:a aac -b:a 128k -movflags +faststart "$out" ;;
    mp4-3mbit)
      # Noise so that the encoder spends the bit rate it is given (testsrc alone compresses to far less).
      "${ff[@]}" -filter_complex "$(audio_src "$seconds" 48000 2)[a];testsrc2=size=1280x720:rate=25:duration=${seconds},noise=alls=12:allf=t[v]" \
        -map "[v]" -map "[a]" -c:v libx264 -preset ultrafast -g 50 -keyint_min 50 -sc_threshold 0 \
        -b:v 2850k -maxrate 3000k -bufsize 3000k -pix_fmt yuv420p \
        -c:a aac -b:a 128k -movflags +faststart "$out" ;;
    *)
      echo "error: unknown media kind '$kind' (see the header of $0)" >&2; exit 2 ;;
  esac
}

if [[ ${1:-} == samples ]]; then
  dir="$(cd "$(dirname "$0")/.." && pwd)/media"
  mkdir -p "$dir"
  "${ff[@]}" -filter_complex "$(audio_src 12 44100 2)" -c:a libmp3lame -b:a 96k "$dir/sample.mp3"
  "${ff[@]}" -filter_complex "$(audio_src 8 44100 2)[a];testsrc=size=320x240:rate=25:duration=8[v]" \
    -map "[v]" -map "[a]" -c:v libx264 -preset veryfast -crf 30 -bf 2 -g 50 -pix_fmt yuv420p \
    -c:a aac -b:a 64k -movflags +faststart "$dir/sample.mp4"
  du -b "$dir"/sample.*
  exit 0
fi

if [[ $# -ne 3 ]]; then
  echo "usage: $0 samples | $0 KIND SECONDS OUT" >&2
  exit 2
fi
make "$1" "$2" "$3"
