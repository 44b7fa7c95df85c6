import Foundation
import Logging
import Node
import Raft
import Transport
import XCTest

/// `LogText` (the escaping of untrusted strings in log lines) and `EscapingLogHandler`, which applies
/// it to every record of `raftcast node`. The node's real log: NodeSecurityTests.
final class LogEscapingTests: XCTestCase {
    func testControlCharactersAreEscapedAndEverythingElseKept() {
        XCTAssertEqual(LogText.escaped("plain name.mp3"), "plain name.mp3")
        XCTAssertEqual(LogText.escaped("Café – Live 🎵 日本"), "Café – Live 🎵 日本")
        XCTAssertEqual(LogText.escaped("a\nb"), #"a\nb"#)
        XCTAssertEqual(LogText.escaped("x\r\n2024-01-01T00:00:00 critical forged"), #"x\r\n2024-01-01T00:00:00 critical forged"#)
        XCTAssertEqual(LogText.escaped("tab\there"), #"tab\there"#)
        XCTAssertEqual(LogText.escaped("nul\u{0}end"), #"nul\u{0}end"#)
        XCTAssertEqual(LogText.escaped("\u{1B}[31mred"), #"\u{1B}[31mred"#, "terminal escape sequences are defused")
        XCTAssertEqual(LogText.escaped("del\u{7F}"), #"del\u{7F}"#)
        XCTAssertEqual(LogText.escaped("c1\u{85}\u{9B}"), #"c1\u{85}\u{9B}"#)
        XCTAssertEqual(LogText.escaped("ls\u{2028}ps\u{2029}"), #"ls\u{2028}ps\u{2029}"#)
        XCTAssertEqual(LogText.escaped(#"C:\path"#), #"C:\\path"#, "a backslash is doubled: no text can pass for an escape")
        XCTAssertEqual(LogText.escaped(#"looks\nescaped"#), #"looks\\nescaped"#)
        XCTAssertEqual(LogText.escaped(""), "")
    }

    /// Over random strings with every kind of scalar: the output has no control character left, and
    /// decoding the escapes (an independent decoder, below) gives the input back.
    func testEscapingIsLosslessAndLeavesNoControlCharacter() {
        var generator = SplitMix64(seed: 13)
        let pools: [ClosedRange<UInt32>] = [0x00...0x1F, 0x20...0x7E, 0x7F...0x9F, 0xA0...0x2FF, 0x2028...0x2029, 0x1F300...0x1F5FF]
        for _ in 0..<2000 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...40, using: &generator) {
                let pool = pools[Int.random(in: 0..<pools.count, using: &generator)]
                text.append(Unicode.Scalar(UInt32.random(in: pool, using: &generator))!)
            }
            let input = String(text)
            let output = LogText.escaped(input)
            XCTAssertFalse(output.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.value == 0x2028 || $0.value == 0x2029 }, output)
            XCTAssertEqual(Self.unescaped(output), input)
        }
    }

    func testHandlerEscapesMessageAndMetadataOfEveryRecord() {
        let recorder = RecordingLogHandler()
        var logger = Logger(label: "test") { _ in EscapingLogHandler(wrapping: recorder) }
        logger.logLevel = .info
        logger[metadataKey: "node\nforged"] = "n1\u{0}"
        logger.warning(
            "refused connection: peer belongs to cluster \"evil\n2024-01-01 critical forged\"",
            metadata: ["peer": "a\rb", "list": .array([.string("\u{1B}x"), .stringConvertible(1)]), "map": .dictionary(["k\n": "v\u{7F}"])])
        let records = recorder.records.current
        XCTAssertEqual(records.count, 1)
        XCTAssertEqual(records.first?.message, #"refused connection: peer belongs to cluster "evil\n2024-01-01 critical forged""#)
        XCTAssertEqual(records.first?.metadata["peer"], .string(#"a\rb"#))
        XCTAssertEqual(records.first?.metadata["list"], .array([.string(#"\u{1B}x"#), .string("1")]))
        XCTAssertEqual(records.first?.metadata["map"], .dictionary([#"k\n"#: .string(#"v\u{7F}"#)]))
        XCTAssertEqual(records.first?.handlerMetadata[#"node\nforged"#], .string(#"n1\u{0}"#))
    }

    /// Decodes `\\`, `\n`, `\r`, `\t` and `\u{HEX}`.
    static func unescaped(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var scalars = Array(text.unicodeScalars)[...]
        while let scalar = scalars.popFirst() {
            guard scalar == "\\", let next = scalars.popFirst() else {
                out.append(scalar)
                continue
            }
            switch next {
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "\\": out.append("\\")
            case "u":
                _ = scalars.popFirst()  // {
                var hex = ""
                while let digit = scalars.popFirst(), digit != "}" { hex.unicodeScalars.append(digit) }
                out.append(Unicode.Scalar(UInt32(hex, radix: 16)!)!)
            default:
                out.append(scalar)
                out.append(next)
            }
        }
        return String(out)
    }
}

/// A log handler that keeps what it is handed.
private struct RecordingLogHandler: LogHandler {
    struct Record: Sendable {
        var message: String
        var metadata: Logger.Metadata
        var handlerMetadata: Logger.Metadata
    }

    let records = Locked<[Record]>([])
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let record = Record(message: event.message.description, metadata: event.metadata ?? [:], handlerMetadata: metadata)
        records.withValue { $0.append(record) }
    }
}
