/// A property a decoder broke on an input it accepted (not a crash: the process is still up to say so).
public struct FuzzViolation: Error, Sendable, CustomStringConvertible {
    /// One line saying what went wrong.
    public var description: String

    /// A violation described by `description`.
    public init(_ description: String) {
        self.description = description
    }

    /// Throws unless `condition` holds.
    public static func require(_ condition: Bool, _ what: @autoclosure () -> String) throws(FuzzViolation) {
        guard condition else { throw FuzzViolation(what()) }
    }
}
