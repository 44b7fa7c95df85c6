import Foundation

/// Every decoder of untrusted bytes, as fuzz targets (docs/fuzzing.md):
///
/// | target | decoder |
/// |---|---|
/// | fragment | Media's fragment record (`Fragment(decoding:)`) |
/// | stream-header | Media's stream header record (`StreamHeader(decoding:)`) |
/// | catalogue-entry | Broadcast's catalogue entry, then `Catalogue.apply` |
/// | catalogue-snapshot | Broadcast's catalogue snapshot (`Catalogue(snapshot:)`) |
/// | raft-message | Node's `RaftMessageCodec.decode` |
/// | clock-sync | Node's `ClockSyncCodec.decode` |
/// | member-change | Raft's `ConfChange(encoded:)`, then Node's `MemberDirectory.apply` (RaftcastClient's `MemberRecord`) |
/// | upload | Node's `UploadValidation.check` over a mutated MP3/M4A/MP4 file |
public enum FuzzTargets {
    /// The targets' names, in the order they run.
    public static let names = [
        "fragment", "stream-header", "catalogue-entry", "catalogue-snapshot", "raft-message", "clock-sync", "member-change",
        "upload",
    ]

    /// Every target, with seeds made from `material`; the upload target writes its inputs under `scratch`.
    public static func all(material: FuzzMaterial, scratch: String) -> [FuzzTarget] {
        [
            fragment(material), streamHeader(material), catalogueEntry(material), catalogueSnapshot(material),
            raftMessage(material), clockSync(), memberChange(), upload(material, scratch: scratch),
        ]
    }
}
