import Foundation
import TestSupport
import XCTest

/// scripts/release.sh on the debug build's raftcast (`--binary`; CI makes no release build): the
/// tarball's files, completions bash accepts, a man page groff accepts that names every subcommand,
/// RUNTIME-PACKAGES equal to what dpkg says of the binary's libraries, and its exit codes.
final class ReleaseScriptTests: XCTestCase {
    static let script = Repository.path("scripts/release.sh")

    /// The one tarball of this test process (the script builds generate-manual on first use).
    static let lock = NSLock()
    nonisolated(unsafe) static var made: (folder: URL, tarball: URL, output: String)?

    static func tarball() throws -> (folder: URL, tarball: URL, output: String) {
        lock.lock()
        defer { lock.unlock() }
        if let made { return made }
        let folder = ScratchDirectory.forProcess(prefix: "raftcast-release-test")
        let out = folder.appendingPathComponent("dist")
        let run = try ToolProcess.run(
            script, ["--binary", try RaftcastExecutable.path(), "--out", out.path, "--allow-unpackaged"], timeout: 900)
        guard run.status == 0 else { throw ToolFailure(command: "release.sh", stderr: run.stdoutText + run.stderrText) }
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".tar.gz") }
        guard names.count == 1 else { throw ToolFailure(command: "release.sh", stderr: "tarballs: \(names)") }
        let extracted = folder.appendingPathComponent("extracted")
        try FileManager.default.createDirectory(at: extracted, withIntermediateDirectories: true)
        let tarball = out.appendingPathComponent(names[0])
        let untar = try ToolProcess.run("tar", ["-C", extracted.path, "-xzf", tarball.path], timeout: 120)
        guard untar.status == 0 else { throw ToolFailure(command: "tar -x", stderr: untar.stderrText) }
        made = (extracted, tarball, run.stdoutText + run.stderrText)
        return made!
    }

    static let files = [
        "bin/raftcast",
        "share/bash-completion/completions/raftcast",
        "share/zsh/site-functions/_raftcast",
        "share/fish/vendor_completions.d/raftcast.fish",
        "share/man/man1/raftcast.1",
        "lib/systemd/system/raftcast.service",
        "share/doc/raftcast/cluster.yaml",
        "share/doc/raftcast/RUNTIME-PACKAGES",
        "share/raftcast/media/sample.mp3",
    ]

    /// The name, the files (and nothing else), each equal to its source where it has one.
    func testTarballHoldsEveryFileUnderItsVersionedName() throws {
        let (folder, tarball, output) = try Self.tarball()
        let version = try RaftcastBinary.run(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        var arch = utsname()
        uname(&arch)
        let machine = withUnsafeBytes(of: &arch.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let name = "\(version.replacingOccurrences(of: "raftcast ", with: "raftcast-"))-linux-\(machine)"
        XCTAssertEqual(tarball.lastPathComponent, name + ".tar.gz")

        let listing = try ToolProcess.run("tar", ["-tzf", tarball.path], timeout: 60).stdoutText
        let entries = Set(listing.split(separator: "\n").map(String.init).filter { !$0.hasSuffix("/") })
        XCTAssertEqual(entries, Set(Self.files.map { "\(name)/\($0)" }), listing)

        let root = folder.appendingPathComponent(name)
        for (file, source) in [
            ("lib/systemd/system/raftcast.service", "packaging/systemd/raftcast.service"),
            ("share/doc/raftcast/cluster.yaml", "cluster.yaml"), ("share/raftcast/media/sample.mp3", "media/sample.mp3"),
        ] {
            XCTAssertEqual(
                FileManager.default.contents(atPath: root.appendingPathComponent(file).path),
                FileManager.default.contents(atPath: Repository.path(source)), file)
        }
        // The binary: runs, its debug info stripped.
        let bin = root.appendingPathComponent("bin/raftcast").path
        XCTAssertEqual(try ToolProcess.run(bin, ["--version"], timeout: 30).stdoutText.trimmingCharacters(in: .newlines), version)
        XCTAssertFalse(try ToolProcess.run("readelf", ["-S", "-W", bin], timeout: 60).stdoutText.contains(".debug_info"))
        // Progress on stdout, section by section.
        for step in ["== packaging", "== shell completions", "== man page", "== runtime packages", "== tarball"] {
            XCTAssertTrue(output.contains(step), output)
        }
    }

    /// The completions are the argument parser's for this binary, and the shells parse them.
    func testCompletionsAreTheParsersAndParse() throws {
        let (folder, tarball, _) = try Self.tarball()
        let root = folder.appendingPathComponent(tarball.lastPathComponent.replacingOccurrences(of: ".tar.gz", with: ""))
        for (shell, file) in [
            ("bash", "share/bash-completion/completions/raftcast"), ("zsh", "share/zsh/site-functions/_raftcast"),
            ("fish", "share/fish/vendor_completions.d/raftcast.fish"),
        ] {
            let path = root.appendingPathComponent(file).path
            let generated = try RaftcastBinary.run(["--generate-completion-script", shell])
            XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), generated.stdout, file)
            XCTAssertTrue(generated.stdout.contains("token"), "\(shell) completion knows the subcommands")
            if let tool = Repository.tool(shell) {
                let check = try ToolProcess.run(tool, ["-n", path], timeout: 30)
                XCTAssertEqual(check.status, 0, "\(shell) -n \(file): \(check.stderrText)")
            } else {
                XCTAssertNotEqual(shell, "bash", "bash is always there")
            }
        }
        // `bash -n` catches a broken script (the check above can fail).
        let broken = folder.appendingPathComponent("broken.bash").path
        try "_raftcast() { if true; then :; }\n".write(toFile: broken, atomically: true, encoding: .utf8)
        XCTAssertNotEqual(try ToolProcess.run("bash", ["-n", broken], timeout: 30).status, 0)
    }

    /// groff accepts the man page without a warning; rendered, it has an entry for every subcommand of
    /// `--help`, and for the subcommands' own (such as `wal dump`) inside their parent's.
    func testManPageRendersAndNamesEverySubcommand() throws {
        let (folder, tarball, _) = try Self.tarball()
        let root = folder.appendingPathComponent(tarball.lastPathComponent.replacingOccurrences(of: ".tar.gz", with: ""))
        let page = root.appendingPathComponent("share/man/man1/raftcast.1").path
        let groff = try XCTUnwrap(Repository.tool("groff"), "groff is required (Debian package groff-base; scripts/bootstrap.sh installs it)")
        let check = try ToolProcess.run(groff, ["-mandoc", "-z", "-ww", page], timeout: 60)
        XCTAssertEqual(check.status, 0, check.stderrText)
        XCTAssertEqual(check.stderrText, "", "groff warnings")
        let text = try ToolProcess.run(groff, ["-mandoc", "-Tutf8", "-P", "-cbou", page], timeout: 60)
        XCTAssertEqual(text.status, 0, text.stderrText)
        let lines = text.stdoutText.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.contains("raftcast — A Raft-replicated audio/video broadcast cluster.") }, text.stdoutText)
        /// The rendered lines that start an entry for `name` (indented, then the name, then its text or nothing).
        func entries(_ name: String) -> [Int] {
            lines.indices.filter { lines[$0].wholeMatch(of: /\s{3,}(\S+)(\s{2,}.*)?/)?.output.1 == Substring(name) }
        }
        let subcommands = try Self.subcommands([])
        XCTAssertGreaterThanOrEqual(subcommands.count, 8, "\(subcommands)")
        for command in subcommands {
            let at = entries(command)
            XCTAssertFalse(at.isEmpty, "the man page has no entry for raftcast \(command)")
            for nested in try Self.subcommands([command]) {
                XCTAssertTrue(
                    entries(nested).contains { line in at.contains { $0 < line } },
                    "the man page has no entry for raftcast \(command) \(nested)")
            }
        }
        if let man = Repository.tool("man") {
            let viaMan = try ToolProcess.run(man, ["-l", page], timeout: 60, environment: ["MANPAGER": "cat", "MANWIDTH": "100"])
            XCTAssertEqual(viaMan.status, 0, viaMan.stderrText)
            XCTAssertEqual(viaMan.stderrText, "", "man -l warnings")
        }
    }

    /// The names under SUBCOMMANDS in `raftcast <path> --help` (without `help`).
    static func subcommands(_ path: [String]) throws -> [String] {
        let help = try RaftcastBinary.run(path + ["--help"]).stdout
        guard let start = help.range(of: "SUBCOMMANDS:\n") else { return [] }
        var names: [String] = []
        for line in help[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { break }
            // "  node    Run one …": two spaces of indent mark a command (deeper indents continue a description).
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let word = line.split(separator: " ").first else { continue }
            if word != "help" { names.append(String(word)) }
        }
        return names
    }

    /// RUNTIME-PACKAGES is what dpkg says of the libraries the binary names (each found with ldd) and of
    /// the one it loads with dlopen (libavformat, found with ldconfig), and what bootstrap.sh's runtime list
    /// and so the Dockerfile's run stage install.
    func testRuntimePackagesAreDpkgsOwnersOfTheBinarysLibraries() throws {
        let (folder, tarball, output) = try Self.tarball()
        let root = folder.appendingPathComponent(tarball.lastPathComponent.replacingOccurrences(of: ".tar.gz", with: ""))
        let listed = try String(contentsOf: root.appendingPathComponent("share/doc/raftcast/RUNTIME-PACKAGES"), encoding: .utf8)
            .split(separator: "\n").map(String.init)

        let bin = root.appendingPathComponent("bin/raftcast").path
        let dynamic = try ToolProcess.run("readelf", ["-d", bin], timeout: 60).stdoutText
        let needed = dynamic.split(separator: "\n").compactMap { line -> String? in
            guard line.contains("(NEEDED)"), let open = line.lastIndex(of: "["), let close = line.lastIndex(of: "]") else { return nil }
            return String(line[line.index(after: open)..<close])
        }
        XCTAssertFalse(needed.isEmpty)
        // Loaded with dlopen on first use (CFFmpegFormat), so not NEEDED: the sonames of its raftcast_dlopen section.
        let dump = try ToolProcess.run("readelf", ["-p", "raftcast_dlopen", bin], timeout: 60).stdoutText
        let dlopened = dump.split(separator: "\n").compactMap { line -> String? in
            guard let close = line.firstIndex(of: "]") else { return nil }
            return line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)
        }
        XCTAssertEqual(dlopened.count, 1, dump)
        XCTAssertTrue(dlopened.allSatisfy { $0.hasPrefix("libavformat.so.") }, dump)
        func rows(_ text: String) -> [[String]] {
            text.split(separator: "\n").map { line in line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) }
        }
        let ldd = rows(try ToolProcess.run("ldd", [bin], timeout: 60).stdoutText)
        let ldconfig = rows(try ToolProcess.run("/sbin/ldconfig", ["-p"], timeout: 60).stdoutText)
        var owners: Set<String> = []
        var unpackaged: [String] = []
        for soname in needed + dlopened {
            // ldd: "libfoo.so.1 => /path (0x…)", or for the dynamic loader "/lib64/ld-linux-x86-64.so.2 (0x…)";
            // ldconfig -p: "libfoo.so.1 (libc6,x86-64) => /path".
            let found = ldd.lazy.compactMap { row -> String? in
                guard let first = row.first else { return nil }
                if first == soname { return row.count > 2 && row[1] == "=>" ? row[2] : nil }
                return first.hasSuffix("/" + soname) ? first : nil
            }.first ?? ldconfig.lazy.compactMap { row -> String? in
                row.first == soname && row.count > 2 && row[row.count - 2] == "=>" ? row[row.count - 1] : nil
            }.first
            let path = try XCTUnwrap(found, soname)
            let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            let candidates = [path, real, path.hasPrefix("/usr/") ? String(path.dropFirst(4)) : "/usr" + path]
            let owner = try candidates.lazy.compactMap { candidate -> String? in
                let run = try ToolProcess.run("dpkg", ["-S", candidate], timeout: 30)
                return run.status == 0 ? run.stdoutText.split(separator: ":").first.map(String.init) : nil
            }.first
            if let owner { owners.insert(owner) } else { unpackaged.append(soname) }
        }
        XCTAssertEqual(Set(listed), owners)
        XCTAssertEqual(listed, listed.sorted(), "sorted, one a line")
        XCTAssertEqual(Set(listed), Set(try DockerfileTests.bootstrapList("runtime")), "bootstrap.sh's runtime list (the Dockerfile's run stage)")
        XCTAssertTrue(listed.contains("libavcodec59") && listed.contains("libasound2"), "\(listed)")
        XCTAssertTrue(listed.contains { $0.hasPrefix("libavformat") }, "\(listed)")
        // The debug build loads the Swift runtime from the toolchain: named in a warning, not in the list.
        for soname in unpackaged {
            XCTAssertTrue(output.contains("warning: ") && output.contains(soname), "\(soname) not reported: \(output)")
        }
    }

    /// Bad usage exits 2, a binary a LAN machine could not run without the toolchain exits 1, each with
    /// one `error:` line.
    func testBadInputExitsTwoAndAnUnpackagedLibraryExitsOne() throws {
        let folder = try Repository.scratch("raftcast-release-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        for (arguments, expected) in [
            (["--frobnicate"], "error: usage: unknown argument '--frobnicate'"),
            (["--binary", "/nonexistent/raftcast"], "error: --binary: /nonexistent/raftcast: not an executable file"),
            (["--binary"], "error: --binary: needs a path"),
        ] {
            let run = try ToolProcess.run(Self.script, arguments + ["--out", folder.path], timeout: 60)
            XCTAssertEqual(run.status, 2, "\(arguments): \(run.stderrText)")
            XCTAssertTrue(run.stderrText.hasPrefix(expected), "\(arguments): \(run.stderrText)")
            XCTAssertEqual(run.stderrText.split(separator: "\n").count, 1, run.stderrText)
        }
        let binary = try RaftcastExecutable.path()
        guard try ToolProcess.run("ldd", [binary], timeout: 60).stdoutText.contains("libswiftCore.so") else {
            throw XCTSkip("the test binary links the Swift runtime statically: no unpackaged library to refuse")
        }
        let run = try ToolProcess.run(Self.script, ["--binary", binary, "--out", folder.path], timeout: 900)
        XCTAssertEqual(run.status, 1, run.stdoutText + run.stderrText)
        XCTAssertTrue(run.stderrText.hasPrefix("error: "), run.stderrText)
        XCTAssertTrue(run.stderrText.contains("libswiftCore.so"), run.stderrText)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tar.gz") }, [])
    }

    /// The shipped unit with the shipped man page: `systemd-analyze verify` finds `man:raftcast(1)`.
    func testShippedUnitVerifiesWithItsManPage() throws {
        guard let analyze = Repository.tool("systemd-analyze") else {
            throw XCTSkip("systemd-analyze is not installed (Debian package systemd)")
        }
        guard FileManager.default.fileExists(atPath: "/usr/lib/systemd/system/multi-user.target"), Repository.tool("man") != nil else {
            throw XCTSkip("no systemd unit tree or no man to verify against")
        }
        let (folder, tarball, _) = try Self.tarball()
        let prefix = folder.appendingPathComponent(tarball.lastPathComponent.replacingOccurrences(of: ".tar.gz", with: ""))
        let scratch = try Repository.scratch("raftcast-unit-man")
        defer { try? FileManager.default.removeItem(at: scratch) }
        for path in ["usr/local/bin", "etc/systemd/system", "usr/lib/systemd"] {
            try FileManager.default.createDirectory(at: scratch.appendingPathComponent(path), withIntermediateDirectories: true)
        }
        XCTAssertEqual(try ToolProcess.run("cp", ["-a", "/usr/lib/systemd/system", scratch.appendingPathComponent("usr/lib/systemd").path]).status, 0)
        try FileManager.default.linkItem(
            atPath: prefix.appendingPathComponent("bin/raftcast").path, toPath: scratch.appendingPathComponent("usr/local/bin/raftcast").path)
        try FileManager.default.copyItem(
            atPath: prefix.appendingPathComponent("lib/systemd/system/raftcast.service").path,
            toPath: scratch.appendingPathComponent("etc/systemd/system/raftcast.service").path)
        let run = try ToolProcess.run(
            analyze, ["verify", "--root=\(scratch.path)", "raftcast.service"], timeout: 60,
            environment: ["MANPATH": prefix.appendingPathComponent("share/man").path])
        XCTAssertEqual(run.status, 0, run.stdoutText + run.stderrText)
        XCTAssertFalse((run.stdoutText + run.stderrText).contains("raftcast"), run.stdoutText + run.stderrText)
    }
}
