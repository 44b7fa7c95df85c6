# raftcast — multi-stage image.
#
#   docker build -t raftcast .
#   docker run --rm --network host -v $PWD:/etc/raftcast -v raftcast-data:/var/lib/raftcast \
#       --device /dev/snd raftcast node --config /etc/raftcast/cluster.yaml
#   docker run --rm raftcast demo          # the failover demo, with the sample in /usr/share/raftcast/media
#
# A 3-node cluster on one Docker host: packaging/compose/compose.yaml (docs/node.md).
#
# Stage 1 builds with the Swift toolchain image and the FFmpeg/ALSA -dev packages; stage 2 runs on slim
# Debian with only the shared libraries the binary loads. Both lists are scripts/bootstrap.sh's
# (`--list build`, `--list runtime`; CLITests/DockerfileTests keeps them equal). The Swift standard
# library is linked statically, so the runtime image needs no Swift toolchain.

# ---- build ------------------------------------------------------------------
FROM swift:6.3.1-bookworm AS build
WORKDIR /src
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        pkg-config libavformat-dev libavcodec-dev libavutil-dev libswresample-dev libasound2-dev \
    && rm -rf /var/lib/apt/lists/*
# Resolve dependencies first, so source edits do not refetch them.
COPY Package.swift ./
RUN mkdir -p Sources && swift package resolve
COPY Sources ./Sources
# Debug info stripped; .symtab stays, so crash backtraces keep their function names.
RUN swift build -c release --static-swift-stdlib --product raftcast \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/raftcast" /out/raftcast \
    && strip --strip-debug /out/raftcast

# ---- run --------------------------------------------------------------------
FROM debian:bookworm-slim AS run
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libc6 libgcc-s1 libstdc++6 libavformat59 libavcodec59 libavutil57 libswresample4 libasound2 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --create-home --home-dir /var/lib/raftcast --groups audio raftcast
COPY --from=build /out/raftcast /usr/local/bin/raftcast
# `raftcast demo` finds its default media here (/usr/share/raftcast/media/sample.mp3).
COPY media /usr/share/raftcast/media
USER 10001
WORKDIR /var/lib/raftcast
# Raft peer traffic and the HTTP API (see cluster.yaml).
EXPOSE 7100 8100
ENTRYPOINT ["/usr/local/bin/raftcast"]
CMD ["--help"]
