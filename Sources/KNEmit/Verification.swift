import Foundation

/// Why simulated results could not be read back or compared.
public enum VerificationError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The rawfile lacks a plot or a vector that the netlist should have produced.
    case missing(path: String, what: String)
    /// The expected values do not fit the circuit.
    case mismatch(_ problem: String)

    public var description: String {
        switch self {
        case let .missing(path, what): return "\(path): \(what) is missing; check the netlist's control block and the simulator log"
        case let .mismatch(problem): return "expected values: \(problem)"
        }
    }
}

/// One compared node value.
public struct AnchorDifference: Hashable, Sendable {
    /// Anchor index k (model time `t_end[k]`).
    public var anchor: Int
    /// Network node (1-based).
    public var node: Int
    /// The expected model value.
    public var expected: Double
    /// The simulated model value, `(V − V_CM)/alpha`.
    public var measured: Double
    /// `measured − expected`.
    public var difference: Double { measured - expected }
}

/// Simulated node values compared with expected model outputs at every anchor.
public struct VerificationReport: Sendable {
    /// Every compared value, anchor by anchor, node by node.
    public var rows: [AnchorDifference]
    /// The largest allowed |difference|, in model units.
    public var tolerance: Double

    /// The largest |difference| per anchor.
    public var maxDifferencePerAnchor: [Int: Double] {
        rows.reduce(into: [:]) { $0[$1.anchor] = max($0[$1.anchor] ?? 0, abs($1.difference)) }
    }

    /// The largest |difference| overall (NaN counts as infinite).
    public var maxDifference: Double {
        rows.reduce(0) { $1.difference.isNaN ? .infinity : max($0, abs($1.difference)) }
    }

    /// Whether every difference is within the tolerance.
    public var passed: Bool { maxDifference <= tolerance }

    /// A plain-text table: one line per anchor and node, then the verdict.
    public func table(maxRowsPerAnchor: Int = 20) -> String {
        var lines = ["anchor  node      expected      measured    difference"]
        var shown: [Int: Int] = [:]
        for r in rows {
            let n = shown[r.anchor, default: 0]
            shown[r.anchor] = n + 1
            guard n < maxRowsPerAnchor else { continue }
            lines.append(String(format: "%6d %5d %13.6e %13.6e %13.6e", r.anchor, r.node, r.expected, r.measured, r.difference))
        }
        for (a, m) in maxDifferencePerAnchor.sorted(by: { $0.key < $1.key }) {
            lines.append(String(format: "anchor %d: max |difference| %.3e over %d nodes", a, m, shown[a] ?? 0))
        }
        lines.append(String(format: "%@: max |difference| %.3e, tolerance %.3e", passed ? "PASS" : "FAIL", maxDifference, tolerance))
        return lines.joined(separator: "\n")
    }
}

/// Reads anchor values out of a simulation and compares them with expected model outputs.
public enum Verification {
    /// The model value of nodes 1…`stateWidths[k]` at every anchor of `plan`, read from a transient plot.
    ///
    /// A value is linearly interpolated between the two stored points around the anchor's circuit time; the
    /// behavioral netlists put a PWL corner at every anchor, so a point lies on it. An anchor outside the stored
    /// time range is an error.
    /// `sample` selects the copy of a batch netlist (nets `s<j>_n<k>`); `nil` reads the nets `n<k>`.
    public static func anchorValues(_ plot: RawPlot, plan: CircuitPlan, path: String, sample: Int? = nil) throws(VerificationError) -> [[Double]] {
        guard let ti = plot.index(of: "time") else { throw .missing(path: path, what: "the time vector") }
        let time = plot.column(ti)
        guard let first = time.first, let last = time.last else { throw .missing(path: path, what: "every time point") }
        let nv = plot.variables.count
        var columns: [Int: Int] = [:]
        for n in 1...max(plan.nodeCount, 1) where n <= plan.nodeCount {
            let net = CircuitPlan.netName(n, sample: sample)
            guard let c = plot.voltageIndex(of: net) else { throw .missing(path: path, what: "the vector v(\(net))") }
            columns[n] = c
        }
        var out: [[Double]] = []
        let span = max(plan.anchorTimes.last ?? 0, 1e-300)
        for (k, t) in plan.anchorTimes.enumerated() {
            let slack = 1e-9 * span
            guard t >= first - slack, t <= last + slack else {
                let hint = k == 0 && t < first ? "; with `uic` ngspice stores no t = 0 point, so emit without NgspiceOptions.useInitialConditions" : ""
                throw .missing(path: path, what: "the time point of anchor \(k) (t = \(t) s; stored times run from \(first) to \(last) s\(hint))")
            }
            // First index with time >= t.
            var lo = 0, hi = time.count - 1
            while lo < hi { let mid = (lo + hi) / 2; if time[mid] < t { lo = mid + 1 } else { hi = mid } }
            let j = lo
            var row: [Double] = []
            for n in 1...max(plan.stateWidths[k], 1) where n <= plan.stateWidths[k] {
                let c = columns[n]!
                let v: Double
                if abs(time[j] - t) <= slack || j == 0 {
                    v = plot.real[j * nv + c]
                } else {
                    let t0 = time[j - 1], t1 = time[j]
                    let w = (t - t0) / (t1 - t0)
                    v = plot.real[(j - 1) * nv + c] * (1 - w) + plot.real[j * nv + c] * w
                }
                row.append(plan.scaling.modelValue(volts: v))
            }
            out.append(row)
        }
        return out
    }

    /// Compares simulated anchor values with expected ones (both in model units, `[anchor][node − 1]`).
    ///
    /// `expected[k]` may hold fewer nodes than were simulated (a read-out of the first nodes); it may not hold more.
    public static func compare(measured: [[Double]], expected: [[Double]], tolerance: Double) throws(VerificationError) -> VerificationReport {
        guard measured.count == expected.count else {
            throw .mismatch("\(expected.count) anchors expected, \(measured.count) simulated")
        }
        var rows: [AnchorDifference] = []
        for k in expected.indices {
            guard expected[k].count <= measured[k].count else {
                throw .mismatch("anchor \(k) has \(expected[k].count) expected values but the state there has \(measured[k].count) nodes")
            }
            for (i, e) in expected[k].enumerated() {
                rows.append(AnchorDifference(anchor: k, node: i + 1, expected: e, measured: measured[k][i]))
            }
        }
        return VerificationReport(rows: rows, tolerance: tolerance)
    }
}
