/// The release of raftcast this binary is: printed by `raftcast --version`, reported in `/v1/cluster`
/// (`version`) and as the `raftcast_build_info{version="…"}` metric, so an operator sees at a glance
/// which nodes of a cluster run what. Bumped by hand with each release (semantic versioning).
public enum RaftcastVersion {
    /// `MAJOR.MINOR.PATCH`.
    public static let current = "0.7.0"
}
