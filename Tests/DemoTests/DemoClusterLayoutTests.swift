import Audio
import Demo
import Foundation
import Node
import RaftcastClient
import TestSupport
import XCTest

final class DemoClusterLayoutTests: XCTestCase {
    private func scratch(_ name: String) throws -> String {
        let url = ScratchDirectory.forProcess(prefix: "raftcast-demo-tests").appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    func testTheWrittenClusterYAMLLoadsWithEveryNodeOnItsPortsAndCaptureFile() throws {
        let directory = try scratch("layout")
        let options = try DemoOptions.validate(nodes: 5, media: "/m.mp3", mediaDuration: 12, killAfter: nil, audio: "file")
        let layout = DemoClusterLayout(options: options, directory: directory, ports: Array(41_000..<41_010))
        try layout.yaml.write(toFile: layout.configPath, atomically: true, encoding: .utf8)
        try ClusterConfig.writeSecretFile(
            Array("0123456789abcdef0123456789abcdef".utf8), to: directory + "/" + DemoClusterLayout.secretFileName)

        let config = try ClusterConfig.load(path: layout.configPath)
        XCTAssertEqual(config.nodes.map(\.id), ["n1", "n2", "n3", "n4", "n5"])
        XCTAssertEqual(config.playoutDelayMilliseconds, DemoClusterLayout.playoutDelayMilliseconds)
        for (index, member) in config.nodes.enumerated() {
            XCTAssertEqual(member.raft.port, 41_000 + index)
            XCTAssertEqual(member.http.port, 41_005 + index)
            XCTAssertEqual(member.raft.host, "127.0.0.1")
            XCTAssertEqual(member.audioDevice, "file:FILE=\(directory)/\(member.id).wav,FORMAT=wav")
            XCTAssertEqual(member.dataDirectory, directory + "/data/" + member.id)
            XCTAssertEqual(layout.node(member.id)?.captureFile, directory + "/\(member.id).wav")
        }
        let device = try DemoOptions.validate(nodes: 3, media: "/m.mp3", mediaDuration: 12, killAfter: nil, audio: "default")
        let shared = DemoClusterLayout(options: device, directory: directory, ports: Array(41_000..<41_006))
        XCTAssertEqual(shared.nodes.map(\.audioDevice), ["default", "default", "default"])
        XCTAssertEqual(shared.nodes.compactMap(\.captureFile), [])
    }

    /// The device string the demo gives each node, opened through the real alsa-lib: the WAV it
    /// leaves holds exactly the frames written, after ALSA's 44-byte header.
    func testTheCaptureDeviceStringWritesAWAVThroughALSA() throws {
        let directory = try scratch("alsa")
        let options = try DemoOptions.validate(nodes: 3, media: "/m.mp3", mediaDuration: 12, killAfter: nil, audio: "file")
        let node = DemoClusterLayout(options: options, directory: directory, ports: Array(41_000..<41_006)).nodes[1]
        let frames = 4_800
        let samples = (0..<(2 * frames)).map { Int16(truncatingIfNeeded: $0 &* 7919) }
        let sink = try ALSASink(device: node.audioDevice)
        try samples.withUnsafeBufferPointer { try sink.write($0) }
        try sink.drain()
        try sink.close()

        let file = try XCTUnwrap(node.captureFile)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        XCTAssertEqual(bytes.count, 44 + 4 * frames)
        XCTAssertEqual(String(decoding: bytes[0..<4], as: UTF8.self), "RIFF")
        XCTAssertEqual(String(decoding: bytes[36..<40], as: UTF8.self), "data")
        let written = bytes[44...].withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        XCTAssertEqual(written, samples)
        let probe = try ToolProcess.run("ffprobe", ["-v", "error", "-show_entries", "stream=sample_rate,channels", "-of", "csv=p=0", file])
        XCTAssertEqual(probe.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), "48000,2")
        XCTAssertEqual(DemoOutcome.Capture(path: file, bytes: bytes.count).seconds ?? 0, 0.1, accuracy: 1e-9)
    }
}
