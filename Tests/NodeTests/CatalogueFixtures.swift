import Broadcast
import Media

/// Catalogue entries the Node tests commit or propose.
enum CatalogueFixtures {
    /// The entry that starts stream `id`: an MP3-like header (the catalogue checks its structure), named
    /// `s<id>`, starting at cluster time 5 s.
    static func streamStart(_ id: StreamID) -> CatalogueEntry {
        let timeBase = TimeBase(1, 14_112_000)
        let header = StreamHeader(
            containerName: "mp3",
            audio: TrackInfo(
                kind: .audio, codecID: 86017, codecName: "mp3", sampleRate: 48_000, channelCount: 2, frameSize: 1152,
                timeBase: timeBase))
        return .streamStarted(
            CatalogueStreamStart(
                id: id, name: "s\(id)",
                source: CatalogueSource(fileName: "s\(id).mp3", size: 1, sha256: CatalogueHash.sha256([UInt8(id.rawValue & 0xff)])),
                headerRecord: header.encoded(), startClusterTime: ClusterTime(nanoseconds: 5_000_000_000),
                fragmentSeconds: 2, isPaced: true))
    }
}
