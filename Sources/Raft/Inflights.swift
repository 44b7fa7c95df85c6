/// Append messages sent to one follower and not yet acknowledged, with their
/// bytes (etcd-io/raft's `Inflights`): the leader stops sending when either
/// the message or the byte limit is reached, and frees entries on acks.
struct Inflights {
    /// Last entry index and byte size of each message in flight, oldest first.
    private var buffer: [(index: UInt64, bytes: UInt64)] = []
    /// Position of the oldest message in `buffer` (a queue without shifting on every ack).
    private var head = 0
    let maxMessages: Int
    /// 0 means no byte limit.
    var maxBytes: UInt64
    private(set) var bytes: UInt64 = 0

    init(maxMessages: Int, maxBytes: UInt64) {
        self.maxMessages = maxMessages
        self.maxBytes = maxBytes
    }

    var count: Int { buffer.count - head }

    /// No more messages may be sent.
    var isFull: Bool {
        count >= maxMessages || (maxBytes != 0 && bytes >= maxBytes)
    }

    /// Records a message whose last entry is `index`.
    mutating func add(index: UInt64, bytes size: UInt64) {
        buffer.append((index, size))
        bytes += size
    }

    /// Frees every message whose last index is ≤ `index` (acknowledged).
    mutating func freeLE(_ index: UInt64) {
        while head < buffer.count && buffer[head].index <= index {
            bytes -= buffer[head].bytes
            head += 1
        }
        compactIfNeeded()
    }

    /// Frees the oldest message (a heartbeat answer shows the follower is alive
    /// although an append or its ack may have been lost).
    mutating func freeFirstOne() {
        guard head < buffer.count else { return }
        bytes -= buffer[head].bytes
        head += 1
        compactIfNeeded()
    }

    mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        head = 0
        bytes = 0
    }

    private mutating func compactIfNeeded() {
        if head == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 64 && head * 2 > buffer.count {
            buffer.removeFirst(head)
            head = 0
        }
    }
}
