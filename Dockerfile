# raftcast — multi-stage image.
#
#   docker build -t raftcast .
#   docker run --rm --network host -v $PWD:/etc/raftcast -v raftcast-data:/var/lib/raftcast \
#       --device /dev/snd raftcast node --config /etc/raftcast/cluster.yaml
#
# Stage 1 builds with the Swift toolchain image and the FFmpeg/ALSA -dev
# packages (the same list as scripts/bootstrap.sh); stage 2 runs on slim
# Debian with only the runtime libraries. The Swift standard library is linked
# statically, so the runtime image needs no Swift toolchain.

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
RUN swift build -c release --static-swift-stdlib --product raftcast \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/raftcast" /out/raftcast

# ---- run --------------------------------------------------------------------
FROM debian:bookworm-slim AS run
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libavformat59 libavcodec59 libavutil57 libswresample4 libasound2 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --create-home --home-dir /var/lib/raftcast --groups audio raftcast
COPY --from=build /out/raftcast /usr/local/bin/raftcast
COPY media /usr/share/raftcast/media
USER 10001
WORKDIR /var/lib/raftcast
# Raft peer traffic and the HTTP API (see cluster.yaml).
EXPOSE 7100 8100
ENTRYPOINT ["/usr/local/bin/raftcast"]
CMD ["--help"]
