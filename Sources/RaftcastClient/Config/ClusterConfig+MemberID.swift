extension ClusterConfig {
    /// Longest member id, in bytes.
    public static let maximumMemberIDLength = ClusterConfigParser.maximumIDLength

    /// Whether `id` is a member id as cluster.yaml accepts it: 1-64 ASCII letters, digits, '.', '_' or '-'.
    public static func isValidMemberID(_ id: String) -> Bool { ClusterConfigParser.isValidID(id) }
}
