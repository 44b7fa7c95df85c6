import Foundation
import Fuzzing

/// `raftcast-fuzz`'s command line (docs/fuzzing.md).
struct FuzzOptions {
    /// A setting that cannot be used: printed as `error: <setting>: <reason>`, exit 2.
    struct Invalid: Error {
        var setting: String
        var reason: String
    }

    var targets: [String] = FuzzTargets.names
    var inputs = 1_000_000
    var seed: UInt64 = 1
    var from = 0
    var scratch: String?
    var residentGrowthMiB = 64
    var dump: String?
    var list = false

    static let usage = """
        usage: raftcast-fuzz [--target NAME]... [--inputs N] [--seed S] [--from I] [--scratch DIR]
                             [--rss-growth-mib M] [--dump FILE] [--list]
        Runs each target's decoder over N mutated inputs (default 1000000); input I of seed S replays alone
        with --seed S --from I --inputs 1 (--dump FILE writes it). Exit 1 on a violated property or memory
        growth; a crash prints "fuzz: crash in <target> seed <s> input <i>".
        """

    init(arguments: [String]) throws(Invalid) {
        var explicitTargets: [String] = []
        var rest = arguments[...]
        func value(_ name: String) throws(Invalid) -> String {
            guard let v = rest.popFirst() else { throw Invalid(setting: name, reason: "needs a value") }
            return v
        }
        func number<T: FixedWidthInteger>(_ name: String, _: T.Type, minimum: T) throws(Invalid) -> T {
            let text = try value(name)
            guard let n = T(text), n >= minimum else { throw Invalid(setting: name, reason: "\(text) is not a whole number ≥ \(minimum)") }
            return n
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--target":
                let name = try value(argument)
                guard FuzzTargets.names.contains(name) else {
                    throw Invalid(setting: argument, reason: "unknown target \(name) (one of \(FuzzTargets.names.joined(separator: ", ")))")
                }
                explicitTargets.append(name)
            case "--inputs": inputs = try number(argument, Int.self, minimum: 1)
            case "--seed": seed = try number(argument, UInt64.self, minimum: 0)
            case "--from": from = try number(argument, Int.self, minimum: 0)
            case "--scratch": scratch = try value(argument)
            case "--rss-growth-mib": residentGrowthMiB = try number(argument, Int.self, minimum: 1)
            case "--dump": dump = try value(argument)
            case "--list": list = true
            case "-h", "--help": throw Invalid(setting: argument, reason: "\n" + Self.usage)
            default: throw Invalid(setting: argument, reason: "unknown option\n" + Self.usage)
            }
        }
        if !explicitTargets.isEmpty { targets = explicitTargets }
        if dump != nil, targets.count != 1 || inputs != 1 {
            throw Invalid(setting: "--dump", reason: "needs exactly one --target and --inputs 1")
        }
        guard from <= Int.max - inputs else { throw Invalid(setting: "--from", reason: "\(from) + \(inputs) inputs overflows") }
    }
}
