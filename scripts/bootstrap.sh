#!/usr/bin/env bash
# Installs the Debian packages raftcast needs to build, test and run.
# Idempotent: packages already present are skipped, and apt is not touched
# at all when everything is there.
#
#   scripts/bootstrap.sh            build + test packages
#   scripts/bootstrap.sh --runtime  only what a running node needs
set -euo pipefail

BUILD_PACKAGES=(
  pkg-config
  libavformat-dev libavcodec-dev libavutil-dev libswresample-dev
  libasound2-dev
  ffmpeg          # ffprobe/ffmpeg: reference tools for tests and the media script
  alsa-utils      # aplay: listening to captured WAV files
  time            # /usr/bin/time -v: peak memory in scripts/bench-media.sh
  prometheus      # promtool: NodeTests check GET /metrics with `promtool check metrics`
  iproute2        # ip, tc: scripts/lan.sh (a LAN of network namespaces on one machine)
  curl            # scripts/lan.sh status: each node's /v1/cluster from inside its namespace
)
RUNTIME_PACKAGES=(
  ffmpeg alsa-utils
)

packages=("${BUILD_PACKAGES[@]}")
if [[ "${1:-}" == "--runtime" ]]; then packages=("${RUNTIME_PACKAGES[@]}"); fi
if [[ -n "${RAFTCAST_EXTRA_PACKAGES:-}" ]]; then
  # shellcheck disable=SC2206
  packages+=(${RAFTCAST_EXTRA_PACKAGES})
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "bootstrap: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "bootstrap: done"
