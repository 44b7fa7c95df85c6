import Raft

extension DurableLogStorage {
    /// Entries this log lost that the node may have acknowledged, nil when
    /// none: the log-loss marker (``LogLossMarker``, written by `raftcast wal
    /// repair` or ``recordLogLoss(_:)``), merged with a stored commit index
    /// beyond the last stored entry (entries that were committed are gone).
    public var logLoss: LogLoss? {
        lock.withLock {
            var loss = markedLogLoss
            if hardState.commit > lastIndexLocked {
                let fromCommit = LogLoss(index: hardState.commit, term: hardState.term)
                loss = loss.map { $0.merged(with: fromCommit) } ?? fromCommit
            }
            return loss
        }
    }

    /// Records `loss` durably in the marker (widening one already there), so
    /// that a restart before the node has caught up still knows it.
    /// - Returns: the loss now recorded.
    @discardableResult
    public func recordLogLoss(_ loss: LogLoss) throws(WALError) -> LogLoss {
        lock.lock()
        defer { lock.unlock() }
        let recorded = try LogLossMarker.record(loss, in: directory, fileSystem: fileSystem)
        markedLogLoss = recorded
        return recorded
    }

    /// Removes the marker durably: the node has caught up past what it lost.
    public func clearLogLoss() throws(WALError) {
        lock.lock()
        defer { lock.unlock() }
        try LogLossMarker.remove(in: directory, fileSystem: fileSystem)
        markedLogLoss = nil
    }
}
