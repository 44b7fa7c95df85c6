#!/usr/bin/env bash
# Installs the Debian packages raftcast needs to build, test and run.
# Idempotent: packages already present are skipped, and apt is not touched
# at all when everything is there.
#
#   scripts/bootstrap.sh            build + test packages, and the Python tools of the tests
#   scripts/bootstrap.sh --runtime  only what a running node needs
#   scripts/bootstrap.sh --build    the Debian packages to build and test (no Python tools: scripts/run.sh)
#   scripts/bootstrap.sh --list build|test|runtime   prints one list, a package a line (installs nothing)
#
# The Dockerfile installs the same lists: its build stage exactly BUILD_PACKAGES, its run stage exactly
# RUNTIME_PACKAGES (CLITests/DockerfileTests checks both; scripts/release.sh computes the runtime list
# from the binary's shared libraries and checks it against the Dockerfile's).
#
# The tests' Python tools (openapi-spec-validator, schemathesis: they check docs/openapi.yaml and
# the running node against it) go into a virtual environment inside the repository, .venv/
# (git-ignored), made with Debian's python3; nothing is done when it already holds them.
set -euo pipefail
cd "$(dirname "$0")/.."

# What raftcast compiles and links against.
BUILD_PACKAGES=(
  pkg-config
  libavformat-dev libavcodec-dev libavutil-dev libswresample-dev
  libasound2-dev
)
# The tools of the tests and scripts.
TEST_PACKAGES=(
  ffmpeg          # ffprobe/ffmpeg: reference tools for tests and the media script
  alsa-utils      # aplay: listening to captured WAV files
  time            # /usr/bin/time -v: peak memory in scripts/bench-media.sh
  prometheus      # promtool: NodeTests check GET /metrics with `promtool check metrics`
  iproute2        # ip, tc: scripts/lan.sh (a LAN of network namespaces on one machine)
  curl            # scripts/lan.sh status: each node's /v1/cluster from inside its namespace
  jq              # scripts/chaos.sh: compares the nodes' fragments, hashes and play logs
  python3 python3-venv  # .venv/ below: the OpenAPI checks of NodeTests
  systemd         # systemd-analyze verify: SystemdUnitTests check packaging/systemd/raftcast.service
  binutils        # readelf, strip: scripts/release.sh
  man-db groff-base  # man, groff: ReleaseScriptTests render the generated man page
  chromium chromium-driver python3-selenium  # headless Chromium driven by Tests/Browser (the web app, HLS in MSE)
  fonts-dejavu-core  # a font for Chromium's screenshots of failed browser tests
)
# Python packages of the tests, installed into .venv/ (pinned: their checks decide test outcomes).
PYTHON_PACKAGES=(
  openapi-spec-validator==0.9.0
  schemathesis==4.32.5
)
# The shared libraries a running node loads (the release binary's NEEDED entries and libavformat, which it
# loads with dlopen on first use; by package).
RUNTIME_PACKAGES=(
  libc6 libgcc-s1 libstdc++6
  libavformat59 libavcodec59 libavutil57 libswresample4
  libasound2
)

if [[ "${1:-}" == "--list" ]]; then
  case "${2:-}" in
    build) printf '%s\n' "${BUILD_PACKAGES[@]}" ;;
    test) printf '%s\n' "${TEST_PACKAGES[@]}" ;;
    runtime) printf '%s\n' "${RUNTIME_PACKAGES[@]}" ;;
    *) echo "error: --list: expected build, test or runtime, got '${2:-}'" >&2; exit 2 ;;
  esac
  exit 0
fi

packages=("${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}")
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
else
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  echo "bootstrap: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "bootstrap: done"
fi

if [[ "${1:-}" == "--runtime" || "${1:-}" == "--build" ]]; then exit 0; fi

# The tests' Python tools in .venv/: made with Debian's python3 (not one earlier in PATH), checked by
# importing them at the pinned versions; rebuilt only when that check fails.
venv_ok() {
  [[ -x .venv/bin/python ]] && .venv/bin/python - "${PYTHON_PACKAGES[@]}" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if all(version(n) == v for n, v in (a.split("==") for a in sys.argv[1:])) else 1)
PY
}
if venv_ok; then
  echo "bootstrap: .venv has ${PYTHON_PACKAGES[*]}"
else
  echo "bootstrap: installing ${PYTHON_PACKAGES[*]} into .venv"
  rm -rf .venv
  /usr/bin/python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check "${PYTHON_PACKAGES[@]}"
  venv_ok || { echo "error: .venv: ${PYTHON_PACKAGES[*]} not importable after pip install" >&2; exit 1; }
  echo "bootstrap: .venv done"
fi
