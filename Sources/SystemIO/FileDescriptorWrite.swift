#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing a whole buffer to a file descriptor, the one loop every module uses: `write(2)` and
/// `pwrite(2)` may write less than asked (a signal, a pipe, a disk that fills), so they are called
/// until every byte is out. `EINTR` is retried; a call that writes nothing for a non-empty buffer is
/// a full disk (`ENOSPC`), never an endless loop.
public enum FileDescriptorWrite {
    /// Writes every byte of `bytes` to `descriptor` at its current offset. Nil when all were
    /// written, else the `errno` of the failure (bytes before it may have been written).
    public static func all(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Int32? {
        guard let base = bytes.baseAddress else { return nil }
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, base + offset, bytes.count - offset)
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return written == 0 ? ENOSPC : errno
            }
        }
        return nil
    }

    /// Writes every byte of `bytes` to `descriptor` at file offset `position` (the descriptor's own
    /// offset is not used or moved). Nil when all were written, else the `errno` of the failure.
    public static func all(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, at position: UInt64) -> Int32? {
        guard let base = bytes.baseAddress else { return nil }
        var offset = 0
        while offset < bytes.count {
            let written = pwrite(descriptor, base + offset, bytes.count - offset, off_t(position) + off_t(offset))
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return written == 0 ? ENOSPC : errno
            }
        }
        return nil
    }
}
