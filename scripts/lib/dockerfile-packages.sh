#!/usr/bin/env bash
# Prints the Debian packages a Dockerfile stage installs with `apt-get install`, one a line:
#
#   scripts/lib/dockerfile-packages.sh Dockerfile run
#
# The stage is named by `FROM … AS <stage>`; continued lines (a trailing backslash) are joined, and of
# each `apt-get install` command the words up to the next `&&`, `;` or `|` that are not options count.
# scripts/release.sh checks RUNTIME-PACKAGES against the run stage with it.
set -euo pipefail
[[ $# -eq 2 ]] || { echo "error: usage: dockerfile-packages.sh DOCKERFILE STAGE" >&2; exit 2; }
[[ -r "$1" ]] || { echo "error: $1: no such readable file" >&2; exit 2; }
awk -v stage="$2" '
  { line = $0 }
  joined != "" { line = joined " " line; joined = "" }
  /\\$/ { sub(/\\$/, "", line); joined = line; next }
  toupper($1) == "FROM" || line ~ /^[ \t]*[Ff][Rr][Oo][Mm][ \t]/ {
    n = split(line, w, /[ \t]+/); current = ""
    for (i = 1; i < n; i++) if (toupper(w[i]) == "AS") current = w[i + 1]
    next
  }
  current == stage && line ~ /^[ \t]*RUN[ \t]/ {
    gsub(/&&/, " \\&\\& ", line); gsub(/;/, " ; ", line); gsub(/\|\|?/, " | ", line)
    n = split(line, w, /[ \t]+/); installing = 0
    for (i = 1; i <= n; i++) {
      if (w[i] == "&&" || w[i] == ";" || w[i] == "|" || w[i] == "||") { installing = 0; continue }
      if (w[i] == "install" && i > 1 && w[i - 1] == "apt-get") { installing = 1; found = 1; continue }
      if (w[i] == "install" && i > 2 && w[i - 1] ~ /^-/ && w[i - 2] == "apt-get") { installing = 1; found = 1; continue }
      if (installing && w[i] !~ /^-/ && w[i] != "") print w[i]
    }
  }
  END { if (!found) { print "error: no apt-get install in stage " stage > "/dev/stderr"; exit 1 } }
' "$1"
