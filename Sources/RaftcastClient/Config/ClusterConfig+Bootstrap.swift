import Raft

extension ClusterConfig {
    /// The membership a new cluster starts with: the voters and, as Raft learners, the listeners
    /// (`role: listener`) of `nodes:`. Only storage that has never run takes it; afterwards the
    /// membership lives in the log.
    public var bootstrapConfState: ConfState {
        ConfState(
            voters: nodes.filter { $0.role == .voter }.map(\.raftID),
            learners: nodes.filter { $0.role == .listener }.map(\.raftID))
    }
}
