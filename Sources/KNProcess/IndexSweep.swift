import Foundation

/// How a bench netlist steps its index source `vsw` (node `sw`) through 0, 1, …, count − 1, and how the rows
/// ngspice writes are read back as one row per point.
///
/// The benches drive their inputs from `V(sw)` through piecewise-linear B-sources, so the same netlist runs
/// either way:
/// - ``dc``: an ngspice DC transfer curve (`dc vsw 0 count−1 1`). On the sky130 cells, Newton from the previous
///   point mostly fails to converge and ngspice falls back to gmin stepping at every point (about 0.1–0.25 s each).
/// - ``staircase(hold:)``: a transient in which each value of `vsw` lasts `hold` seconds, the last twentieth of
///   them a ramp to the next value. The value at the end of each hold is the DC answer once the circuit has
///   settled, and a transient step costs two or three Newton iterations. Gear integration (`.option method=gear`)
///   damps the trapezoidal rule's step-to-step ringing of the currents through the zero-volt ammeters.
///
/// ``points(_:count:file:)`` checks that every point settled: it compares each column at the end of its hold with
/// its value a quarter of the hold earlier and throws ``IndexSweepError/unsettled(file:point:column:drift:range:)``
/// when they differ by more than ``settlingTolerance`` of the column's range over the points plus ``driftFloor``.
public enum IndexSweep: Sendable, Hashable {
    case dc
    case staircase(hold: Double)

    /// The largest drift over the last quarter of a hold, as a fraction of the column's range over the points,
    /// that ``points(_:count:file:)`` accepts as settled.
    public static let settlingTolerance = 2e-4

    /// A drift that is always accepted, in the columns' unit (10 fA, 10 fV): the currents of a sky130 relu cell that
    /// is off wander over ~4e-14 A of numerical noise, by up to ~1e-15 A within a hold.
    public static let driftFloor = 1e-14

    /// The share of the hold a staircase spends ramping to the next value.
    static let rampShare = 0.05

    /// The netlist lines that define `vsw` (and, for a staircase, the integration method).
    public func sourceLines(count: Int) -> [String] {
        switch self {
        case .dc:
            return ["vsw sw 0 dc 0"]
        case .staircase(let hold):
            var corners = ["0 0"]
            for j in 0..<max(count - 1, 0) {
                corners.append("\(Self.format(Self.end(of: j, hold: hold))) \(j)")
                corners.append("\(Self.format(Double(j + 1) * hold)) \(j + 1)")
            }
            corners.append("\(Self.format(Self.stop(count: count, hold: hold))) \(max(count - 1, 0))")
            return [".option method=gear", "vsw sw 0 pwl(" + corners.joined(separator: " ") + ")"]
        }
    }

    /// The `.control` command that runs the sweep.
    public func analysis(count: Int) -> String {
        switch self {
        case .dc:
            return "dc vsw 0 \(max(count - 1, 1)) 1"
        case .staircase(let hold):
            return "tran \(Self.format(hold)) \(Self.format(Self.stop(count: count, hold: hold)))"
        }
    }

    /// One row per sweep point from the rows of a `wrdata` file of the analysis: the point's index, then the
    /// written vectors at that point.
    public func points(_ rows: [[Double]], count: Int, file: URL) throws -> [[Double]] {
        switch self {
        case .dc:
            guard rows.count >= count else {
                throw IndexSweepError.missingPoints(file: file.path, expected: count, found: rows.count)
            }
            return Array(rows.prefix(count))
        case .staircase(let hold):
            let ends = (0..<count).map { Self.end(of: $0, hold: hold) }
            guard let last = rows.last, rows.allSatisfy({ $0.count == last.count }) else {
                throw IndexSweepError.missingPoints(file: file.path, expected: count, found: 0)
            }
            // wrdata prints times to 8 digits.
            let reached = ends.filter { $0 <= last[0] * (1 + 1e-6) }.count
            guard reached == count else {
                throw IndexSweepError.missingPoints(file: file.path, expected: count, found: reached)
            }
            let values = ends.map { Self.interpolate(rows, at: $0) }
            let earlier = ends.map { Self.interpolate(rows, at: $0 - hold * (1 - Self.rampShare) / 4) }
            for column in 1..<last.count {
                let series = values.map { $0[column] }
                let range = max((series.max() ?? 0) - (series.min() ?? 0), 1e-3 * (series.map(abs).max() ?? 0), 1e-15)
                for j in 0..<count {
                    let drift = abs(values[j][column] - earlier[j][column])
                    if drift > Self.settlingTolerance * range + Self.driftFloor {
                        throw IndexSweepError.unsettled(file: file.path, point: j, column: column, drift: drift, range: range)
                    }
                }
            }
            return values.enumerated().map { [Double($0.offset)] + $0.element.dropFirst() }
        }
    }

    /// When point `j`'s hold ends and the ramp to point `j + 1` begins.
    static func end(of j: Int, hold: Double) -> Double { Double(j + 1) * hold - hold * rampShare }

    /// The transient's stop time: the end of the last point's hold.
    static func stop(count: Int, hold: Double) -> Double { end(of: max(count, 1) - 1, hold: hold) }

    /// The rows' columns linearly interpolated at time `t` (the first column).
    static func interpolate(_ rows: [[Double]], at t: Double) -> [Double] {
        var low = 0, high = rows.count - 1
        guard t > rows[low][0] else { return rows[low] }
        guard t < rows[high][0] else { return rows[high] }
        while high - low > 1 {
            let mid = (low + high) / 2
            if rows[mid][0] <= t { low = mid } else { high = mid }
        }
        let a = rows[low], b = rows[high]
        let f = b[0] > a[0] ? (t - a[0]) / (b[0] - a[0]) : 0
        return zip(a, b).map { $0 + f * ($1 - $0) }
    }

    static func format(_ x: Double) -> String { String(format: "%.12g", x) }
}

/// A bench sweep whose data cannot be used as it stands.
public enum IndexSweepError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The data file ends before the last point.
    case missingPoints(file: String, expected: Int, found: Int)
    /// A staircase point had not settled by the end of its hold.
    case unsettled(file: String, point: Int, column: Int, drift: Double, range: Double)

    public var description: String {
        switch self {
        case .missingPoints(let file, let expected, let found):
            return "\(file): expected \(expected) sweep points, found \(found). Fix: run again with KN_KEEP_NGSPICE=1, "
                + "which keeps the netlists and the ngspice log in that folder, and read the log."
        case .unsettled(let file, let point, let column, let drift, let range):
            return "\(file): point \(point), column \(column) still moved by \(drift) (range \(range)) in the last quarter "
                + "of its hold. Fix: hold each point longer, or sweep with the DC analysis."
        }
    }
}
