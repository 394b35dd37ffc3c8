import Foundation

extension Array where Element == Double {
    /// The quantile `q` (0…1) of an array sorted ascending, interpolated linearly between neighbours (Hyndman and
    /// Fan's type 7, as numpy's default); nan when empty.
    public func sortedQuantile(_ q: Double) -> Double {
        guard !isEmpty else { return .nan }
        let position = q * Double(count - 1)
        let lower = Int(position.rounded(.down)), upper = Swift.min(lower + 1, count - 1)
        return self[lower] + (position - Double(lower)) * (self[upper] - self[lower])
    }
}
