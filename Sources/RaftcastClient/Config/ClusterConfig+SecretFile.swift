import Foundation

extension ClusterConfig {
    /// Largest secret file read (a secret is a few dozen bytes; anything far larger is a mistake).
    public static let maximumSecretFileBytes = 64 << 10

    /// Why a secret file of permission bits `mode` is refused, nil when it is not: the secret lets whoever
    /// holds it join the cluster and write to it, so a file that group or others may read or write
    /// (`mode & 0o077 != 0`) is refused by the node and by every client that reads it.
    public static func secretFileRefusal(mode: mode_t) -> String? {
        if mode & 0o044 != 0 { return "secret file is readable by group or others" }
        if mode & 0o033 != 0 { return "secret file is writable by group or others" }
        return nil
    }

    /// Writes `contents` to a new secret file at `path`, mode 0600 from its creation on (whatever the
    /// umask); an existing file is replaced.
    public static func writeSecretFile(_ contents: [UInt8], to path: String) throws {
        let temporary = path + ".tmp-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CocoaError.error(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        do {
            guard fchmod(fd, 0o600) == 0 else { throw CocoaError.error(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
            try handle.write(contentsOf: contents)
            try handle.close()
            guard rename(temporary, path) == 0 else { throw CocoaError.error(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        } catch {
            unlink(temporary)
            throw error
        }
    }
}
