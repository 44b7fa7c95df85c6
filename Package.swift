// swift-tools-version:6.2
// raftcast — a Raft-replicated audio/video broadcast cluster.
//
// Dependencies point one way (see docs/ARCHITECTURE.md):
//   CFFmpeg ← Media ← Audio? (no: Audio has its own PCM types)
//   CFFmpegFormat ← Media (libavformat, loaded on first use)
//   CALSA   ← Audio
//   CProcessControl ← Audio, raftcast (prctl: timer slack, parent-death signal)
//   CMalloc ← Node (glibc's allocator controls)
//   Raft ← RaftStorage, Raft ← RaftTesting
//   Transport (SwiftNIO, swift-crypto; knows nothing of Raft)
//   Raft, Transport ← Node (composition root: cluster.yaml, Raft message codec, …)
//   raftcast (CLI) ← everything above
import PackageDescription

/// The directory of this manifest (the release link reads Sources/raftcast/link-order.txt from it).
let packageDirectory = String(#filePath.dropLast("/Package.swift".count))

let package = Package(
    name: "raftcast",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "raftcast", targets: ["raftcast"]),
        .executable(name: "raftcast-simulate", targets: ["RaftSimulate"]),
        .executable(name: "raftcast-bench", targets: ["RaftcastBench"]),
        .executable(name: "raftcast-fuzz", targets: ["RaftcastFuzz"]),
        .library(name: "Raft", targets: ["Raft"]),
        .library(name: "Media", targets: ["Media"]),
        .library(name: "Audio", targets: ["Audio"]),
        .library(name: "Broadcast", targets: ["Broadcast"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // Without the default ConfigurationSupport trait: swift-configuration is never used, so not built.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // System libraries: a modulemap and a shim header each. Only Media
        // imports CFFmpeg and only Audio imports CALSA.
        // libavformat is not linked: CFFmpegFormat loads it on first use (demuxing and remuxing only).
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavcodec",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswresample-dev"])]
        ),
        .systemLibrary(
            name: "CALSA",
            pkgConfig: "alsa",
            providers: [.apt(["libasound2-dev"])]
        ),
        // glibc's <malloc.h> (mallopt, malloc_trim): only Node imports it.
        .systemLibrary(name: "CMalloc"),
        // prctl(2), which Swift cannot call (variadic): the playback thread's timer slack (Audio) and the
        // parent-death signal of the nodes `raftcast demo` spawns (raftcast).
        .systemLibrary(name: "CProcessControl"),

        // Little-endian field writing shared by the binary formats (no dependencies).
        .target(name: "BinaryCoding"),
        // Writing a whole buffer to a file descriptor: the one write(2)/pwrite(2) loop (no dependencies).
        .target(name: "SystemIO"),
        // libavformat's functions that Media calls, loaded with dlopen on their first call: a node that only
        // plays (decodes with libavcodec) never maps libavformat and the 38 libraries it pulls in.
        .target(name: "CFFmpegFormat"),
        .target(name: "Media", dependencies: ["CFFmpeg", "CFFmpegFormat", "BinaryCoding"]),
        .target(name: "Audio", dependencies: ["CALSA", "CProcessControl", "SystemIO"]),
        .target(
            name: "Broadcast",
            dependencies: [
                "Audio", "Media", "Raft", "BinaryCoding", "SystemIO", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(name: "BroadcastTesting", dependencies: ["Broadcast", "Audio", "Raft"]),
        .target(name: "Raft"),
        // CRC-32C with the CPU's instruction (SSE4.2 / ARMv8 CRC, checked at run time): the WAL's checksums.
        .target(name: "CCRC32C"),
        .target(name: "RaftStorage", dependencies: ["Raft", "SystemIO", "CCRC32C"]),
        .target(name: "RaftTesting", dependencies: ["Raft", "RaftStorage"]),
        // Counts malloc calls of the benchmark executable (allocations per proposal).
        .target(name: "CAllocationCounter"),
        // Node-to-node TCP: framing, authentication, lanes, reconnection. Knows nothing of Raft.
        .target(
            name: "Transport",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What a client of a cluster needs and nothing of the server: cluster.yaml, the HTTP API's wire
        // types (the server encodes the same types, so they cannot drift) and the HTTP client (status
        // probe, ingest). The CLI's client commands, Demo and the benchmarks import this, not Node.
        .target(
            name: "RaftcastClient",
            dependencies: [
                "Raft", "Transport", "BinaryCoding",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Composition root: the Raft message codec, the Ready loop,
        // the HTTP API (Hummingbird), metrics (Prometheus) and the service group.
        .target(
            name: "Node",
            dependencies: [
                "Raft", "RaftStorage", "Transport", "BinaryCoding", "Broadcast", "Media", "Audio", "CMalloc", "RaftcastClient",
                "SystemIO",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                // The HTTP server's connection guard: HTTP1Channel's pipeline and NIO's HTTP/1 parts.
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The web app's source files: compiled in by scripts/gen-web.sh (HTTP/WebAssets.swift), not resources.
            exclude: ["Web"]
        ),

        // `raftcast demo`'s decisions (options, view, verdict) as values the tests can reach.
        .target(name: "Demo", dependencies: ["RaftcastClient", "Broadcast"]),
        .executableTarget(
            name: "raftcast",
            dependencies: [
                "Media", "Audio", "Raft", "RaftStorage", "Node", "RaftcastClient", "Broadcast", "Demo", "SystemIO",
                "CProcessControl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["link-order.txt"],
            // Release: link with the toolchain's lld and pack the relative relocations (DT_RELR, glibc
            // ≥ 2.36). A position-independent raftcast otherwise carries 2.8 MB of them, which the
            // loader reads and applies at every start: with the pages they dirty, about 4 MiB of every
            // node's resident memory (BENCHMARKS.md, "Cost of playing").
            // And export no symbols: `--static-swift-stdlib` links with `-export-dynamic`, which puts
            // all 33,000 public Swift symbols of every module in the dynamic symbol table (2.8 MB). The
            // loader looks up each of FFmpeg's 135 libraries' symbols there first, which keeps about
            // 2 MiB of it resident in every node. Nothing resolves a symbol in raftcast at run time
            // (Swift finds types through its metadata sections; crash backtraces read `.symtab`).
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic",
                        "-Xlinker", "--symbol-ordering-file=\(packageDirectory)/Sources/raftcast/link-order.txt",
                        "-Xlinker", "--no-warn-symbol-ordering",
                    ],
                    .when(configuration: .release))
            ]
        ),
        .executableTarget(
            name: "RaftSimulate",
            dependencies: [
                "Raft", "RaftTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "RaftcastBench",
            dependencies: [
                "Media", "Audio", "Raft", "RaftStorage", "RaftTesting", "Broadcast", "BroadcastTesting",
                "Transport", "Node", "RaftcastClient", "CAllocationCounter", "SystemIO",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // `raftcast-bench flood` runs the hostile clients of ConnectionFloodTests (one copy).
                "TestSupport",
            ]
        ),

        // Fuzz targets of every decoder of untrusted bytes, the mutator and the runner (docs/fuzzing.md);
        // raftcast-fuzz runs them by the million, FuzzingTests a few thousand each in CI.
        .target(
            name: "Fuzzing",
            dependencies: [
                "Media", "Broadcast", "Raft", "Node", "RaftcastClient", "BinaryCoding",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(name: "RaftcastFuzz", dependencies: ["Fuzzing"]),

        // Helpers shared by the test suites (running tools and the built binary, `eventually`, the
        // data-driven file runner, hostile clients) and by raftcast-bench's flood benchmark; not shipped.
        .target(name: "TestSupport", dependencies: ["RaftcastClient"], path: "Sources/TestSupport"),

        .testTarget(name: "MediaTests", dependencies: ["Media", "CFFmpegFormat", "TestSupport"]),
        .testTarget(name: "SystemIOTests", dependencies: ["SystemIO"]),
        .testTarget(name: "AudioTests", dependencies: ["Audio", "TestSupport"]),
        .testTarget(name: "BroadcastTests", dependencies: ["Broadcast", "BroadcastTesting", "Audio", "Media", "Raft", "TestSupport"]),
        // testdata/: the scenario files, read from the source tree (#filePath) so the rewrite mode can edit them.
        .testTarget(name: "RaftTests", dependencies: ["Raft", "RaftTesting", "TestSupport"], exclude: ["testdata"]),
        .testTarget(name: "RaftStorageTests", dependencies: ["Raft", "RaftStorage", "RaftTesting", "TestSupport"]),
        .testTarget(name: "DemoTests", dependencies: ["Demo", "Node", "RaftcastClient", "Broadcast", "Audio", "TestSupport"]),
        .testTarget(name: "FuzzingTests", dependencies: ["Fuzzing", "Raft", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["Media", "Raft", "RaftcastClient", "TestSupport"]),
        .testTarget(
            name: "TransportTests",
            dependencies: [
                "Transport", "Raft", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "NodeTests",
            dependencies: [
                "Node", "RaftcastClient", "Raft", "RaftStorage", "Transport", "TestSupport", "Broadcast", "BroadcastTesting", "Audio",
                "Media",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)

// Settings shared by every Swift target of the project (one list instead of one per target):
// - ExistentialAny: an existential is spelled `any P`, so a protocol used as a type is never mistaken for
//   a generic constraint (the cost of dynamic dispatch is visible where it is paid).
let sharedSwiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + sharedSwiftSettings
}
