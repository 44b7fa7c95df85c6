#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's limit on open file descriptors (`RLIMIT_NOFILE`). Every connection costs one, so the
/// node raises its soft limit to the hard limit at start (the usual soft limit, 1024, is far below what
/// the connection caps of the raft port and the HTTP API are sized for; see docs/node.md).
public struct FileDescriptorLimit: Sendable, Hashable, CustomStringConvertible {
    /// The limit in force.
    public var soft: UInt64
    /// The most the soft limit may be raised to without privileges.
    public var hard: UInt64

    /// The process's limits now, nil when they cannot be read.
    public static func current() -> FileDescriptorLimit? {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        return FileDescriptorLimit(soft: UInt64(limit.rlim_cur), hard: UInt64(limit.rlim_max))
    }

    /// Raises the soft limit to the hard limit. Returns the limits before and after (equal when the
    /// soft limit already was the hard one, or the kernel refused), nil when they cannot be read.
    public static func raiseSoftToHard() -> (before: FileDescriptorLimit, after: FileDescriptorLimit)? {
        guard let before = current() else { return nil }
        guard before.soft < before.hard else { return (before, before) }
        var limit = rlimit()
        limit.rlim_cur = rlim_t(before.hard)
        limit.rlim_max = rlim_t(before.hard)
        _ = setrlimit(resource, &limit)
        return (before, current() ?? before)
    }

    /// `soft 1024, hard 524288` (`unlimited` for RLIM_INFINITY).
    public var description: String { "soft \(Self.text(soft)), hard \(Self.text(hard))" }

    private static func text(_ value: UInt64) -> String {
        value == UInt64.max ? "unlimited" : "\(value)"  // UInt64.max: RLIM_INFINITY
    }

    #if canImport(Glibc)
    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resource = RLIMIT_NOFILE
    #endif
}
