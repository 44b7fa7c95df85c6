/// Overflow-checked arithmetic for times and sizes read from files: a result that does not fit is nil
/// (checked) or the nearest representable value (saturating), never a trap. Public: `Broadcast` does its
/// timeline arithmetic with the same helpers.
extension Int64 {
    /// `self + other`, nil when it does not fit.
    public func checkedAdding(_ other: Int64) -> Int64? {
        let (result, overflow) = addingReportingOverflow(other)
        return overflow ? nil : result
    }

    /// `self - other`, nil when it does not fit.
    public func checkedSubtracting(_ other: Int64) -> Int64? {
        let (result, overflow) = subtractingReportingOverflow(other)
        return overflow ? nil : result
    }

    /// `self * other`, nil when it does not fit.
    public func checkedMultiplied(by other: Int64) -> Int64? {
        let (result, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? nil : result
    }

    /// `self + other`, clamped to `Int64.min ... Int64.max`.
    public func saturatingAdding(_ other: Int64) -> Int64 {
        checkedAdding(other) ?? (other > 0 ? .max : .min)
    }

    /// `self - other`, clamped to `Int64.min ... Int64.max`.
    public func saturatingSubtracting(_ other: Int64) -> Int64 {
        checkedSubtracting(other) ?? (other < 0 ? .max : .min)
    }

    /// `self * other`, clamped to `Int64.min ... Int64.max`.
    public func saturatingMultiplied(by other: Int64) -> Int64 {
        checkedMultiplied(by: other) ?? ((self < 0) == (other < 0) ? .max : .min)
    }
}
