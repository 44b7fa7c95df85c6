import Raft

/// Events ordered by time, ties broken by the order they were scheduled, so
/// the run is the same in every process. A binary min-heap.
public struct SimEventQueue: Sendable {
    private struct Item: Sendable {
        var time: UInt64
        var sequence: UInt64
        var event: SimEvent
        @inline(__always) func precedes(_ other: Item) -> Bool {
            time != other.time ? time < other.time : sequence < other.sequence
        }
    }

    private var heap: [Item] = []
    private var nextSequence: UInt64 = 0

    /// An empty queue.
    public init() {}

    /// Number of pending events.
    public var count: Int { heap.count }

    /// Time of the earliest event.
    public var nextTime: UInt64? { heap.first?.time }

    /// Schedules `event` at `time`.
    public mutating func push(_ event: SimEvent, at time: UInt64) {
        heap.append(Item(time: time, sequence: nextSequence, event: event))
        nextSequence += 1
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if heap[child].precedes(heap[parent]) {
                heap.swapAt(child, parent)
                child = parent
            } else {
                break
            }
        }
    }

    /// Removes and returns the earliest event.
    public mutating func pop() -> (time: UInt64, event: SimEvent)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let item = heap.removeLast()
        var parent = 0
        let n = heap.count
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < n && heap[left].precedes(heap[smallest]) { smallest = left }
            if right < n && heap[right].precedes(heap[smallest]) { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return (item.time, item.event)
    }

    /// Removes every pending event for which `shouldRemove` is true
    /// (used to drop a crashed node's pending ticks). Keeps the order of the rest.
    public mutating func removeAll(where shouldRemove: (SimEvent) -> Bool) {
        let kept = heap.filter { !shouldRemove($0.event) }
        if kept.count == heap.count { return }
        heap = []
        for item in kept.sorted(by: { $0.precedes($1) }) { heap.append(item) }
    }
}
