/// What a test's interceptor does with a message about to enter the network.
public enum InterceptDecision: Sendable, Hashable {
    /// Hand it to the network as usual.
    case pass
    /// Lose it.
    case drop
    /// Keep it aside in ``Simulation/held``; the test may inject it later.
    case hold
}
