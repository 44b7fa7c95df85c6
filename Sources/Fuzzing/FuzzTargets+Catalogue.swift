import Broadcast
import Media

extension FuzzTargets {
    /// Ids of the seeds' streams: live (with fragments), ended, removed.
    static let liveStream: StreamID = 7
    static let endedStream: StreamID = 9
    static let removedStream: StreamID = 11

    /// The entries of a small history (every kind of entry, real stream headers and fragment records) and the
    /// catalogue they build; the live stream lacks its last fragment so that a fragment seed applies.
    static func catalogueHistory(_ material: FuzzMaterial) -> (entries: [CatalogueEntry], catalogue: Catalogue) {
        func start(_ id: StreamID, _ file: Int, name: String, expected: Int?, paced: Bool) -> CatalogueEntry {
            .streamStarted(
                CatalogueStreamStart(
                    id: id, name: name,
                    source: CatalogueSource(fileName: "\(name).mp4", size: 103_284, sha256: CatalogueHash.sha256(name.utf8)),
                    headerRecord: material.headers[file].encoded(), startClusterTime: ClusterTime(nanoseconds: 5_000_000_000),
                    fragmentSeconds: FuzzMaterial.fragmentSeconds, expectedFragmentCount: expected, isPaced: paced))
        }
        let video = material.headers.firstIndex { $0.video != nil } ?? 0
        var entries: [CatalogueEntry] = [
            start(liveStream, 0, name: "Morgenmagazin ☀", expected: nil, paced: true),
            start(endedStream, video, name: "clip", expected: material.fragments[video].count, paced: false),
            start(removedStream, 1, name: "gone", expected: 3, paced: false),
        ]
        for fragment in material.fragments[video] {
            entries.append(.fragment(stream: endedStream, index: fragment.index, record: fragment.encoded()[...]))
        }
        entries.append(.streamEnded(stream: endedStream, fragmentCount: material.fragments[video].count, durationSeconds: 1.0))
        entries.append(.streamRemoved(stream: removedStream))
        // Queue decisions: the snapshot's programme has a cut and a moved item.
        entries.append(.queue(.skip, at: ClusterTime(nanoseconds: 6_000_000_000)))
        entries.append(.queue(.move(endedStream, position: 0), at: ClusterTime(nanoseconds: 6_000_000_000)))
        for fragment in material.fragments[0].dropLast() {
            entries.append(.fragment(stream: liveStream, index: fragment.index, record: fragment.encoded()[...]))
        }
        var catalogue = Catalogue()
        for (i, entry) in entries.enumerated() { _ = catalogue.apply(entry: entry, at: UInt64(i + 1), term: 1) }
        if let last = material.fragments[0].last {
            entries.append(.fragment(stream: liveStream, index: last.index, record: last.encoded()[...]))
        }
        return (entries, catalogue)
    }

    /// Broadcast's catalogue entry: decode; an accepted entry is canonical (re-encodes to the input's
    /// bytes), and applying it to a catalogue with live, ended and removed streams leaves a catalogue whose
    /// snapshot restores to the same catalogue.
    static func catalogueEntry(_ material: FuzzMaterial) -> FuzzTarget {
        let (entries, base) = catalogueHistory(material)
        var seeds: [FuzzSeed] = []
        var seen = Set<[UInt8]>()
        for entry in entries {
            // One fragment seed per stream is enough (they differ only in their record).
            if case .fragment(_, let index, _) = entry, index > 0, index < material.fragments[0].count - 1 { continue }
            let bytes = entry.encoded()
            guard seen.insert(bytes).inserted else { continue }
            seeds.append(FuzzSeed(name: "\(entry)".prefix(24).description, bytes: bytes, fields: catalogueEntryLayout(entry, at: 0).fields))
        }
        return FuzzTarget(
            name: "catalogue-entry", summary: "Broadcast catalogue entry (RCCE), then Catalogue.apply", seeds: seeds,
            repair: { bytes, rng in repairCatalogueEntry(&bytes, fixLength: rng.chance(3, in: 4)) },
            check: { input throws(FuzzViolation) in
                let entry: CatalogueEntry
                do throws(CatalogueDecodingError) {
                    entry = try CatalogueEntry(decoding: input[...])
                } catch {
                    return .rejected
                }
                let again = entry.encoded()
                try FuzzViolation.require(again == input, "an accepted entry re-encodes to other bytes (\(again.count) for \(input.count))")
                var catalogue = base
                _ = catalogue.apply(entry: entry, at: catalogue.appliedIndex + 1, term: 2)
                for stream in catalogue.streams { _ = (stream.committedBytes, stream.firstMissingFragment, stream.hasEnded) }
                _ = catalogue.retainedLogFloor
                let restored = try? Catalogue(snapshot: catalogue.snapshot())
                try FuzzViolation.require(restored == catalogue, "the catalogue after applying it does not survive its snapshot")
                return .accepted
            })
    }

    /// Broadcast's catalogue snapshot: decode; an accepted snapshot re-encodes to bytes that decode and
    /// re-encode to the same bytes, and the restored catalogue applies a further entry.
    static func catalogueSnapshot(_ material: FuzzMaterial) -> FuzzTarget {
        let (entries, full) = catalogueHistory(material)
        var catalogues = [full, Catalogue()]
        var partial = Catalogue()
        for (i, entry) in entries.prefix(4).enumerated() { _ = partial.apply(entry: entry, at: UInt64(i + 10), term: 3) }
        catalogues.append(partial)
        let seeds = catalogues.enumerated().map { i, catalogue in
            FuzzSeed(name: "catalogue-\(i)", bytes: catalogue.snapshot(), fields: snapshotLayout(catalogue).fields)
        }
        let followUp = material.fragments[0].last.map { $0.encoded() } ?? []
        return FuzzTarget(
            name: "catalogue-snapshot", summary: "Broadcast catalogue snapshot (RCCS): Catalogue(snapshot:)", seeds: seeds,
            repair: { bytes, _ in FuzzChecksums.resealSnapshot(&bytes) },
            check: { input throws(FuzzViolation) in
                let catalogue: Catalogue
                do throws(CatalogueDecodingError) {
                    catalogue = try Catalogue(snapshot: input)
                } catch {
                    return .rejected
                }
                for stream in catalogue.streams { _ = (stream.committedBytes, stream.firstMissingFragment, stream.hasEnded) }
                _ = catalogue.retainedLogFloor
                let bytes = catalogue.snapshot()
                let restored = try? Catalogue(snapshot: bytes)
                try FuzzViolation.require(restored != nil, "the re-encoded snapshot does not decode")
                try FuzzViolation.require(restored?.snapshot() == bytes, "the re-encoded snapshot re-encodes to other bytes")
                // A restored catalogue goes on applying entries.
                if let first = catalogue.streams.first, catalogue.appliedIndex < .max {
                    var next = catalogue
                    _ = next.apply(
                        entry: .fragment(stream: first.id, index: first.fragments.count, record: followUp[...]),
                        at: catalogue.appliedIndex + 1, term: catalogue.appliedTerm)
                }
                return .accepted
            })
    }

    /// The fields of `entry.encoded()` placed at `offset`.
    static func catalogueEntryLayout(_ entry: CatalogueEntry, at offset: Int) -> FuzzLayout {
        var l = FuzzLayout(at: offset)
        l.skip(4)
        l.field(1)  // version
        l.field(1)  // type
        l.field(2)  // reserved
        l.field(8)  // stream
        switch entry {
        case .streamStarted(let start):
            l.blob(prefixWidth: 2, start.name.utf8.count)
            l.blob(prefixWidth: 2, start.source.fileName.utf8.count)
            l.field(8)
            l.blob(prefixWidth: 1, start.source.sha256.count)
            l.fields(3, 8)  // start time, fragment seconds, expected count
            l.field(1)
            l.field(4, .length)
            if let header = try? start.header() { l.nest(streamHeaderLayout(header, at: l.offset)) }
        case .fragment(_, _, let record):
            l.field(8)
            l.field(4, .length)
            if let fragment = try? Fragment(decoding: record) { l.nest(fragmentLayout(fragment, at: l.offset)) }
        case .streamEnded:
            l.fields(2, 8)
        case .streamRemoved:
            break
        case .queue:
            l.field(1)  // command
            l.field(3)  // reserved
            l.fields(2, 8)  // effect time, position
        }
        return l
    }

    /// The fields of `catalogue.snapshot()`.
    static func snapshotLayout(_ catalogue: Catalogue) -> FuzzLayout {
        var l = FuzzLayout()
        l.skip(4)
        l.fields(4, 1)  // version, reserved
        l.fields(2, 8)  // applied index and term
        l.field(4, .length)
        for stream in catalogue.streams {
            l.field(8)
            l.field(4, .length)
            l.nest(catalogueEntryLayout(.streamStarted(stream.start), at: l.offset))
            l.field(1)
            if stream.hasEnded { l.fields(2, 8) }
            l.field(4, .length)
            for _ in stream.fragments {
                l.field(8)
                l.fields(2, 4)
                l.fields(2, 8)
                l.field(4)
                l.field(1)
                l.field(4)
                l.field(8)
                l.field(8)  // audio end
            }
        }
        l.field(4, .length)
        l.fields(catalogue.removedStreams.count, 8)
        l.field(4, .length)
        for _ in catalogue.programme.items {
            l.field(8)
            l.field(1)
            l.fields(2, 8)
        }
        l.field(8)
        return l
    }

    /// Reseals the Media record inside a fragment entry (at offset 28) or a stream-started entry (after its
    /// variable fields), so that mutations of the record's body reach `Catalogue.apply`.
    static func repairCatalogueEntry(_ bytes: inout [UInt8], fixLength: Bool) {
        guard bytes.count > 16, bytes[0..<4].elementsEqual("RCCE".utf8) else { return }
        var recordStart: Int?
        switch bytes[5] {
        case 2:
            recordStart = 28
        case 1:
            // name, file name (u16 length each), size, hash (u8 length), start, seconds, count, flags, length.
            var at = 16
            func skipString() -> Bool {
                guard at + 2 <= bytes.count else { return false }
                at += 2 + Int(bytes[at]) + Int(bytes[at + 1]) << 8
                return at <= bytes.count
            }
            guard skipString(), skipString(), at + 9 <= bytes.count else { return }
            at += 8
            at += 1 + Int(bytes[at])
            at += 8 + 8 + 8 + 1 + 4
            recordStart = at
        default:
            return
        }
        guard let start = recordStart, start + 16 <= bytes.count else { return }
        if fixLength { FuzzChecksums.setU32(UInt32(truncatingIfNeeded: bytes.count - start), at: start - 4, in: &bytes) }
        FuzzChecksums.resealMediaRecord(&bytes, from: start, fixLength: fixLength)
    }
}
