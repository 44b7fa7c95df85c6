import Hummingbird

extension NodeHTTPAPI {
    /// `GET /v1/playback`: the ``PlaybackReport`` of this node (its playback service's snapshot and
    /// its clock sync), when the node runs either.
    func addPlaybackRoute(to router: Router<BasicRequestContext>) {
        guard playback != nil || clockSync != nil else { return }
        let playback = self.playback
        let clockSync = self.clockSync
        let node = backend.report.id
        router.get("v1/playback") { _, _ -> Response in
            Self.json(PlaybackReport(node: node, playback: playback?.snapshot ?? .init(enabled: false), clock: clockSync?.status))
        }
    }
}
