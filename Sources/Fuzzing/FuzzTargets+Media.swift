import Media

extension FuzzTargets {
    /// Media's fragment record: decode; an accepted record re-encodes to `encodedByteCount` bytes that
    /// decode to the same fragment.
    static func fragment(_ material: FuzzMaterial) -> FuzzTarget {
        var seeds: [FuzzSeed] = []
        for (file, fragments) in zip(material.media.paths, material.fragments) {
            for fragment in fragments.prefix(2) {
                seeds.append(
                    FuzzSeed(
                        name: "\(file.split(separator: "/").last ?? "")#\(fragment.index)", bytes: fragment.encoded(),
                        fields: fragmentLayout(fragment, at: 0).fields))
            }
        }
        // The flags real files rarely set: no pts or dts, discard, skip samples.
        let synthetic = Fragment(
            index: 3, referenceTrack: .audio, timeBase: TimeBase(1, 44_100), startPTS: 1_024, durationPTS: 2_048,
            packets: [
                MediaPacket(track: .audio, pts: nil, dts: nil, duration: 1_024, isKeyframe: true, isDiscard: true,
                            skipSamples: SkipSamples(start: 1_105, end: 0, startReason: 0, endReason: 0), data: [1, 2, 3]),
                MediaPacket(track: .video, pts: 9, dts: nil, duration: 1, isKeyframe: false, data: []),
            ])
        seeds.append(FuzzSeed(name: "synthetic", bytes: synthetic.encoded(), fields: fragmentLayout(synthetic, at: 0).fields))
        return FuzzTarget(
            name: "fragment", summary: "Media fragment record (RCFG): Fragment(decoding:)", seeds: seeds,
            repair: { bytes, rng in FuzzChecksums.resealMediaRecord(&bytes, fixLength: rng.chance(3, in: 4)) },
            check: { input throws(FuzzViolation) in
                let fragment: Fragment
                do throws(WireFormatError) {
                    fragment = try Fragment(decoding: input)
                } catch {
                    return .rejected
                }
                _ = (fragment.startSeconds, fragment.durationSeconds, fragment.startsWithKeyframe, fragment.payloadBytes)
                let again = fragment.encoded()
                try FuzzViolation.require(
                    again.count == fragment.encodedByteCount,
                    "encoded() wrote \(again.count) bytes, encodedByteCount says \(fragment.encodedByteCount)")
                let back = try? Fragment(decoding: again)
                try FuzzViolation.require(back == fragment, "the re-encoded fragment does not decode to the same value")
                return .accepted
            })
    }

    /// Media's stream header record: decode; an accepted header re-encodes to bytes that decode to it.
    static func streamHeader(_ material: FuzzMaterial) -> FuzzTarget {
        let seeds = zip(material.media.paths, material.headers).map { file, header in
            FuzzSeed(name: String(file.split(separator: "/").last ?? ""), bytes: header.encoded(),
                     fields: streamHeaderLayout(header, at: 0).fields)
        }
        return FuzzTarget(
            name: "stream-header", summary: "Media stream header record (RCSH): StreamHeader(decoding:)", seeds: seeds,
            repair: { bytes, rng in FuzzChecksums.resealMediaRecord(&bytes, fixLength: rng.chance(3, in: 4)) },
            check: { input throws(FuzzViolation) in
                let header: StreamHeader
                do throws(WireFormatError) {
                    header = try StreamHeader(decoding: input)
                } catch {
                    return .rejected
                }
                _ = (header.referenceTrack, header.audio.durationSeconds)
                let back = try? StreamHeader(decoding: header.encoded())
                try FuzzViolation.require(back == header, "the re-encoded header does not decode to the same value")
                return .accepted
            })
    }

    /// The fields of `fragment.encoded()` placed at `offset`.
    static func fragmentLayout(_ fragment: Fragment, at offset: Int) -> FuzzLayout {
        var l = FuzzLayout(at: offset)
        l.skip(4)  // magic
        l.field(2)  // version
        l.field(2)  // reserved
        l.field(4, .length)  // body length
        l.field(8)  // index
        l.field(1)  // reference track
        l.fields(2, 4)  // time base
        l.fields(2, 8)  // start, duration
        l.field(4, .length)  // packet count
        for packet in fragment.packets {
            l.field(1)
            l.field(1)
            l.fields(3, 8)
            if packet.skipSamples != nil {
                l.fields(2, 4)
                l.fields(2, 1)
            }
            l.blob(prefixWidth: 4, packet.data.count)
        }
        l.field(4)  // CRC-32
        return l
    }

    /// The fields of `header.encoded()` placed at `offset`.
    static func streamHeaderLayout(_ header: StreamHeader, at offset: Int) -> FuzzLayout {
        var l = FuzzLayout(at: offset)
        l.skip(4)
        l.field(2)
        l.field(2)
        l.field(4, .length)
        l.blob(prefixWidth: 2, header.containerName.utf8.count)
        l.field(1, .length)  // track count
        for track in [header.audio] + (header.video.map { [$0] } ?? []) {
            l.field(1)
            l.field(4)
            l.blob(prefixWidth: 2, track.codecName.utf8.count)
            l.field(4)
            l.field(4)
            l.field(8)
            l.fields(9, 4)
            l.field(8)
            l.fields(7, 4)
            l.fields(2, 8)
            l.blob(prefixWidth: 4, track.extradata.count)
        }
        l.field(4)
        return l
    }
}
