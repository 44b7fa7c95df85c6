/// A storage provider cannot cut a node's log (a test's own storage model):
/// ``Simulation/loseLogTail(_:keepingUpTo:consent:)`` fails the run.
struct LogCutUnsupported: Error, CustomStringConvertible {
    var description: String { "this storage provider cannot cut a node's log" }
}
