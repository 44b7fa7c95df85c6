// swift-tools-version:6.2
// raftcast — a Raft-replicated audio/video broadcast cluster.
//
// Dependencies point one way (see docs/ARCHITECTURE.md):
//   CFFmpeg ← Media ← Audio? (no: Audio has its own PCM types)
//   CALSA   ← Audio
//   Raft ← RaftStorage, Raft ← RaftTesting
//   raftcast (CLI) ← everything above
import PackageDescription

let package = Package(
    name: "raftcast",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "raftcast", targets: ["raftcast"]),
        .executable(name: "raftcast-simulate", targets: ["RaftSimulate"]),
        .executable(name: "raftcast-bench", targets: ["RaftcastBench"]),
        .library(name: "Raft", targets: ["Raft"]),
        .library(name: "Media", targets: ["Media"]),
        .library(name: "Audio", targets: ["Audio"]),
        .library(name: "Broadcast", targets: ["Broadcast"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // System libraries: a modulemap and a shim header each. Only Media
        // imports CFFmpeg and only Audio imports CALSA.
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswresample-dev"])]
        ),
        .systemLibrary(
            name: "CALSA",
            pkgConfig: "alsa",
            providers: [.apt(["libasound2-dev"])]
        ),

        .target(name: "Media", dependencies: ["CFFmpeg"]),
        .target(name: "Audio", dependencies: ["CALSA"]),
        .target(name: "Broadcast", dependencies: ["Audio", "Media", "Raft"]),
        .target(name: "BroadcastTesting", dependencies: ["Broadcast", "Audio"]),
        .target(name: "Raft"),
        .target(name: "RaftStorage", dependencies: ["Raft"]),
        .target(name: "RaftTesting", dependencies: ["Raft", "RaftStorage"]),

        .executableTarget(
            name: "raftcast",
            dependencies: [
                "Media", "Audio", "Raft", "RaftStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
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
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "MediaTests", dependencies: ["Media"]),
        .testTarget(name: "AudioTests", dependencies: ["Audio"]),
        .testTarget(name: "BroadcastTests", dependencies: ["Broadcast", "BroadcastTesting", "Audio", "Media", "Raft"]),
        .testTarget(name: "RaftTests", dependencies: ["Raft", "RaftTesting"]),
        .testTarget(name: "RaftStorageTests", dependencies: ["Raft", "RaftStorage", "RaftTesting"]),
        .testTarget(name: "CLITests", dependencies: ["Media"]),
    ]
)
