import Foundation
import Fuzzing

// raftcast-fuzz: runs the fuzz targets of every decoder of untrusted bytes (docs/fuzzing.md).

func fail(_ setting: String, _ reason: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("error: \(setting): \(reason)\n".utf8))
    exit(status)
}

let options: FuzzOptions
do {
    options = try FuzzOptions(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    fail(error.setting, error.reason, status: 2)
}

// Scratch: seed media and the upload target's input file, on tmpfs where there is one.
let scratchRoot = options.scratch ?? (FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory())
var template = Array((scratchRoot + "/raftcast-fuzz.XXXXXX").utf8CString)
guard let made = mkdtemp(&template) else { fail("--scratch", "\(scratchRoot): cannot create a directory in it", status: 2) }
let scratch = String(cString: made)

let targets: [FuzzTarget]
do {
    let media = try FuzzMediaFiles.make(in: scratch + "/media")
    let material = try FuzzMaterial(media: media)
    targets = FuzzTargets.all(material: material, scratch: scratch).filter { options.targets.contains($0.name) }
} catch let error as FuzzMediaFiles.Failure {
    try? FileManager.default.removeItem(atPath: scratch)
    fail("seed media", error.description, status: 1)
} catch {
    try? FileManager.default.removeItem(atPath: scratch)
    fail("seed media", "\(error)", status: 1)
}

if options.list {
    for target in targets {
        print("\(target.name)\t\(target.seeds.count) seeds\t\(target.summary)")
    }
    try? FileManager.default.removeItem(atPath: scratch)
    exit(0)
}

if let dump = options.dump, let target = targets.first {
    let input = FuzzRunner.input(for: target, seed: options.seed, iteration: options.from)
    guard FileManager.default.createFile(atPath: dump, contents: Data(input)) else {
        fail("--dump", "\(dump): cannot write", status: 2)
    }
}

@Sendable func mib(_ bytes: Int) -> String { String(format: "%.1f", Double(bytes) / 1_048_576) }

var failed = false
for target in targets {
    FuzzCrashReporter.install(target: target.name, seed: options.seed)
    var runner = FuzzRunner()
    runner.residentGrowthBound = options.residentGrowthMiB << 20
    runner.progress = { report in
        FileHandle.standardError.write(
            Data("fuzz: \(report.target) \(report.inputs) inputs, \(Int(report.inputsPerSecond))/s, rss \(mib(report.peakResidentBytes)) MiB\n".utf8))
    }
    let report = runner.run(target, seed: options.seed, inputs: options.inputs, from: options.from)
    print(
        "target=\(report.target) seed=\(report.seed) from=\(report.firstIteration) inputs=\(report.inputs) "
            + "accepted=\(report.accepted) rejected=\(report.rejected) seconds=\(String(format: "%.1f", report.seconds)) "
            + "inputs_per_s=\(Int(report.inputsPerSecond)) peak_rss_mib=\(mib(report.peakResidentBytes)) "
            + "warm_rss_mib=\(mib(report.warmResidentBytes)) slowest_ms=\(String(format: "%.2f", report.slowestInputSeconds * 1000)) "
            + "crashes=0 violations=\(report.failureCount) memory=\(report.memoryFailure == nil ? "ok" : "grew")")
    for failure in report.failures { print("  violation: \(failure)") }
    if let memory = report.memoryFailure { print("  memory: \(memory)") }
    if !report.passed { failed = true }
}
try? FileManager.default.removeItem(atPath: scratch)
exit(failed ? 1 : 0)
