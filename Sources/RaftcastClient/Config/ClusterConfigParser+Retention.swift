import Yams

extension ClusterConfigParser {
    static let retentionKeys = ["keep_streams", "keep_hours"]

    /// `cluster.retention`: a mapping of `keep_streams` (a positive integer or `all`) and `keep_hours` (a
    /// positive number of hours). Nil, with the problems recorded, when it is not valid.
    mutating func parseRetention(_ node: Yams.Node) -> ClusterConfig.Retention? {
        let path = "cluster.retention"
        guard let mapping = node.mapping else {
            problem(path, "must be a mapping with keep_streams and/or keep_hours, got \(Self.show(node))", node)
            return nil
        }
        let fields = entries(of: mapping, path: path, allowed: Self.retentionKeys)
        var retention = ClusterConfig.Retention.default
        var valid = true
        if let count = fields["keep_streams"] {
            if count.scalar?.string.trimmingCharacters(in: .whitespaces).lowercased() == "all" {
                retention.keepStreams = nil
            } else if let scalar = count.scalar, let value = Int(scalar.string.trimmingCharacters(in: .whitespaces)),
                value > 0
            {
                retention.keepStreams = value
            } else {
                problem("\(path).keep_streams", "must be a positive integer or \"all\", got \(Self.show(count))", count)
                valid = false
            }
        }
        if let hoursNode = fields["keep_hours"] {
            if let hours = positiveNumber(hoursNode, path: "\(path).keep_hours") {
                if hours > ClusterConfig.Retention.maximumKeepHours {
                    problem("\(path).keep_hours",
                            "must be at most \(Int(ClusterConfig.Retention.maximumKeepHours)), got \(hours)", hoursNode)
                    valid = false
                } else {
                    retention.keepHours = hours
                }
            } else {
                valid = false
            }
        }
        return valid ? retention : nil
    }
}
