import Foundation

/// A parsed RIFF WAVE file: the fmt fields and the data chunk (walks chunks, so it reads files
/// with extra chunks too).
struct WAVTestFile {
    var formatTag: UInt16
    var channels: UInt16
    var sampleRate: UInt32
    var byteRate: UInt32
    var blockAlign: UInt16
    var bitsPerSample: UInt16
    var riffSize: UInt32
    var dataSize: UInt32
    var data: Data

    enum ParseError: Error { case notWAV(String) }

    init(contentsOf url: URL) throws {
        let bytes = try Data(contentsOf: url)
        func u32(_ at: Int) -> UInt32 { bytes[bytes.startIndex + at..<bytes.startIndex + at + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        func u16(_ at: Int) -> UInt16 { UInt16(bytes[bytes.startIndex + at]) | UInt16(bytes[bytes.startIndex + at + 1]) << 8 }
        func tag(_ at: Int) -> String { String(decoding: bytes[bytes.startIndex + at..<bytes.startIndex + at + 4], as: UTF8.self) }
        guard bytes.count >= 12, tag(0) == "RIFF", tag(8) == "WAVE" else { throw ParseError.notWAV("no RIFF/WAVE") }
        riffSize = u32(4)
        var offset = 12
        var fmt: (UInt16, UInt16, UInt32, UInt32, UInt16, UInt16)?
        var dataChunk: (Int, UInt32)?
        while offset + 8 <= bytes.count {
            let id = tag(offset), size = u32(offset + 4)
            if id == "fmt " { fmt = (u16(offset + 8), u16(offset + 10), u32(offset + 12), u32(offset + 16), u16(offset + 20), u16(offset + 22)) }
            if id == "data" { dataChunk = (offset + 8, size); break }
            offset += 8 + Int(size) + Int(size & 1)
        }
        guard let fmt, let dataChunk else { throw ParseError.notWAV("missing fmt or data chunk") }
        (formatTag, channels, sampleRate, byteRate, blockAlign, bitsPerSample) = fmt
        dataSize = dataChunk.1
        let end = min(bytes.count, dataChunk.0 + Int(dataChunk.1))
        data = bytes.subdata(in: bytes.startIndex + dataChunk.0..<bytes.startIndex + end)
    }
}
