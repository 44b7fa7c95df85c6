/// One record found by a ``SegmentScanner``.
public struct ScannedRecord: Sendable, Hashable {
    /// Offset of the record header in the segment file.
    public var offset: UInt64
    /// The decoded header (its CRC was good).
    public var header: RecordHeader
    /// Whether the payload CRC matched; nil when the payload was not read.
    public var payloadOK: Bool?
    /// The payload of non-entry records (small, always read and verified).
    public var payload: [UInt8]?

    /// Bytes the record takes, header and padding included.
    public var size: UInt64 { UInt64(WALFormat.recordSize(payloadLength: Int(header.length))) }
}

/// The outcome of scanning one segment file.
public struct SegmentScan: Sendable {
    /// Where a scan stopped before the end of the file, and why.
    public struct Stop: Sendable, Hashable {
        /// Offset of the first bad byte (the start of the bad record).
        public var offset: UInt64
        /// What is wrong there.
        public var reason: String
        /// Offset of a valid record found after the bad one: then the damage is
        /// in the middle (corruption), not a torn tail.
        public var nextValidRecord: UInt64?
        /// The bytes from ``offset`` to the end of the file are what an
        /// interrupted append leaves: a record cut short by the end of the file
        /// (a partial header, or a valid header whose record does not fit), or
        /// only zeros (a zero-filled or preallocated tail). A complete record
        /// that fails a check is not: that is damage, whatever follows it.
        public var tornWrite: Bool

        /// The bad bytes are a torn tail: what an interrupted append leaves, with nothing valid after it.
        public var isTornTail: Bool { tornWrite && nextValidRecord == nil }
    }

    /// Path of the segment.
    public var path: String
    /// Size of the file.
    public var size: UInt64
    /// The decoded segment header, or why it is not valid.
    public var header: Result<SegmentHeader, SegmentHeaderProblem>
    /// The valid records, in file order.
    public var records: [ScannedRecord] = []
    /// Offset just after the last valid record.
    public var validEnd: UInt64
    /// Set when the scan stopped before the end of the file.
    public var stop: Stop?
}

/// Reads a segment file record by record through a 1 MiB window, without
/// holding payloads: payload CRCs are computed streaming, when asked for.
public struct SegmentScanner {
    private let file: any StorageFile
    private let size: UInt64
    private var window: [UInt8]
    private var windowStart: UInt64 = 0
    private var windowLength = 0

    /// Size of the read window.
    public static let windowSize = 1 << 20

    /// A scanner over `file`.
    public init(file: any StorageFile) throws(FileSystemError) {
        self.file = file
        self.size = try file.size()
        self.window = [UInt8](repeating: 0, count: SegmentScanner.windowSize)
    }

    /// Scans the whole file. With `verifyPayloads`, every entry payload's CRC is
    /// checked (streaming); otherwise only headers and small payloads are read.
    public static func scan(file: any StorageFile, verifyPayloads: Bool) throws(FileSystemError) -> SegmentScan {
        var scanner = try SegmentScanner(file: file)
        return try scanner.scan(verifyPayloads: verifyPayloads)
    }

    mutating func scan(verifyPayloads: Bool) throws(FileSystemError) -> SegmentScan {
        let headerBytes = try file.read(count: WALFormat.segmentHeaderSize, at: 0)
        var result = SegmentScan(path: file.path, size: size, header: SegmentHeader.decode(headerBytes), validEnd: 0)
        guard case .success = result.header else { return result }
        var offset = UInt64(WALFormat.segmentHeaderSize)
        result.validEnd = offset
        while offset < size {
            if size - offset < UInt64(WALFormat.recordHeaderSize) {
                result.stop = try stop(at: offset, "partial record header (\(size - offset) of 32 bytes)", partial: true)
                break
            }
            // Without payload verification, read only a little past a header: for
            // large records the next header is far away and the payload is skipped.
            _ = try load(offset, WALFormat.recordHeaderSize, readSize: verifyPayloads ? window.count : SegmentScanner.headerReadSize)
            let decoded = window.withUnsafeBytes { raw in
                RecordHeader.decode(UnsafeRawBufferPointer(rebasing: raw[Int(offset - windowStart)..<Int(offset - windowStart) + 32]))
            }
            let header: RecordHeader
            switch decoded {
            case let .failure(problem):
                result.stop = try stop(at: offset, problem.description)
            case let .success(h):
                header = h
                let recordSize = UInt64(WALFormat.recordSize(payloadLength: Int(h.length)))
                if offset + recordSize > size {
                    result.stop = try stop(at: offset, "record extends past the end of the file (\(recordSize) bytes with padding, \(size - offset) present)", partial: true)
                    break
                }
                var record = ScannedRecord(offset: offset, header: header)
                let payloadStart = offset + UInt64(WALFormat.recordHeaderSize)
                if header.type != .entry {
                    let payload = try file.read(count: Int(h.length), at: payloadStart)
                    record.payload = payload
                    record.payloadOK = CRC32C.checksum(payload) == h.payloadCRC
                } else if verifyPayloads {
                    record.payloadOK = try crc(payloadStart, Int(h.length)) == h.payloadCRC
                }
                if record.payloadOK == false {
                    result.stop = try stop(at: offset, "payload CRC mismatch for \(h.type) record (index \(h.index), term \(h.term))")
                    break
                }
                result.records.append(record)
                offset += recordSize
                result.validEnd = offset
                continue
            }
            break
        }
        return result
    }

    /// A stop at `offset`, looking for a valid record after it. `partial`: the
    /// record there is cut short by the end of the file.
    private mutating func stop(at offset: UInt64, _ reason: String, partial: Bool = false) throws(FileSystemError) -> SegmentScan.Stop {
        let torn = partial ? true : try isZero(from: offset)
        return SegmentScan.Stop(offset: offset, reason: torn && !partial ? reason + " (zero-filled tail)" : reason,
                                nextValidRecord: try findValidRecord(after: offset), tornWrite: torn)
    }

    /// Every byte from `offset` to the end of the file is zero.
    private mutating func isZero(from offset: UInt64) throws(FileSystemError) -> Bool {
        var position = offset
        while position < size {
            let step = Int(min(UInt64(window.count), size - position))
            _ = try load(position, step)
            let at = Int(position - windowStart)
            let n = min(step, windowLength - at)
            if n <= 0 { return false }
            let zero = window.withUnsafeBytes { raw in raw[at..<at + n].allSatisfy { $0 == 0 } }
            if !zero { return false }
            position += UInt64(n)
        }
        return true
    }

    /// The records with a valid header from `offset` to the end of the file,
    /// skipping damaged bytes (the walk resumes at the next plausible record):
    /// what can still be learnt from a region that is to be dropped. Payloads of
    /// non-entry records are read and checked, as in a scan.
    public mutating func salvageRecords(from offset: UInt64) throws(FileSystemError) -> [ScannedRecord] {
        var records: [ScannedRecord] = []
        var position = offset
        while position + UInt64(WALFormat.recordHeaderSize) <= size {
            _ = try load(position, WALFormat.recordHeaderSize, readSize: SegmentScanner.headerReadSize)
            let at = Int(position - windowStart)
            let decoded = window.withUnsafeBytes { raw in
                RecordHeader.decode(UnsafeRawBufferPointer(rebasing: raw[at..<at + WALFormat.recordHeaderSize]))
            }
            if case .success(let header) = decoded,
               position + UInt64(WALFormat.recordSize(payloadLength: Int(header.length))) <= size {
                var record = ScannedRecord(offset: position, header: header)
                if header.type != .entry {
                    let payload = try file.read(count: Int(header.length), at: position + UInt64(WALFormat.recordHeaderSize))
                    record.payload = payload
                    record.payloadOK = CRC32C.checksum(payload) == header.payloadCRC
                }
                records.append(record)
                position += record.size
            } else if let next = try findValidRecord(after: position) {
                position = next
            } else {
                break
            }
        }
        return records
    }

    /// The first 8-aligned offset after `offset` holding a record with a valid
    /// header that fits in the file, if any.
    public mutating func findValidRecord(after offset: UInt64) throws(FileSystemError) -> UInt64? {
        let align = UInt64(WALFormat.recordAlignment)
        var candidate = (offset / align + 1) * align
        while candidate + UInt64(WALFormat.recordHeaderSize) <= size {
            _ = try load(candidate, WALFormat.recordHeaderSize)
            let at = Int(candidate - windowStart)
            let plausible = window.withUnsafeBytes { raw -> Bool in
                let type = raw[at + 4]
                guard type >= 1 && type <= 4 && raw[at + 6] == 0 && raw[at + 7] == 0 else { return false }
                guard case let .success(h) = RecordHeader.decode(UnsafeRawBufferPointer(rebasing: raw[at..<at + 32])) else { return false }
                return candidate + UInt64(WALFormat.recordSize(payloadLength: Int(h.length))) <= size
            }
            if plausible { return candidate }
            candidate += align
        }
        return nil
    }

    /// Bytes read at a header when payloads are not verified.
    static let headerReadSize = 16 << 10

    /// Makes `[offset, offset + count)` present in the window (count ≤ window size),
    /// reading `readSize` bytes from `offset` when it is not.
    private mutating func load(_ offset: UInt64, _ count: Int, readSize: Int? = nil) throws(FileSystemError) -> Bool {
        if offset >= windowStart && offset + UInt64(count) <= windowStart + UInt64(windowLength) { return true }
        windowStart = offset
        let capacity = max(count, min(readSize ?? window.count, window.count))
        windowLength = try window.withUnsafeMutableBytes { raw in
            Result { () throws(FileSystemError) -> Int in
                try file.readFully(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<capacity]), at: offset)
            }
        }.get()
        return windowLength >= count
    }

    /// CRC-32C of `[offset, offset + length)`, read through the window.
    private mutating func crc(_ offset: UInt64, _ length: Int) throws(FileSystemError) -> UInt32 {
        var crc = CRC32C()
        var done = 0
        while done < length {
            let position = offset + UInt64(done)
            let step = min(length - done, window.count)
            _ = try load(position, step)
            let at = Int(position - windowStart)
            let n = min(step, windowLength - at)
            if n <= 0 { break }
            window.withUnsafeBytes { crc.update(UnsafeRawBufferPointer(rebasing: $0[at..<at + n])) }
            done += n
        }
        return crc.value
    }
}
