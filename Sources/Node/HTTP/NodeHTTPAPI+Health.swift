import Hummingbird
import RaftcastClient

extension NodeHTTPAPI {
    /// `GET /health`: 200 with ``NodeHealth`` when the node knows a leader and has applied what it knows
    /// committed, else 503 `unhealthy` naming the reason. Open to everyone, also with `open_reads: false`
    /// (load balancers, systemd and container health checks carry no token); it reveals no more than that.
    func addHealthRoute(to router: Router<BasicRequestContext>) {
        let backend = self.backend
        router.get("health") { _, _ -> Response in
            switch NodeHealth.judge(backend.report) {
            case .success(let health):
                return Self.json(health, headers: [.cacheControl: "no-store"])
            case .failure(let unhealthy):
                return HTTPProblem(.serviceUnavailable, "unhealthy", unhealthy.reason)
                    .response(headers: [.cacheControl: "no-store"])
            }
        }
    }
}
