import Foundation
import KNModel
import KNSimulate

/// How well the characterized laws fit their cells (``KNSimulate/CharacterizedEdges``), for the map report:
/// the fit NRMSE against the ideal law's NRMSE on the same measurement, and the cross-validated NRMSE.
public struct CharacterizationSummary: Codable, Sendable {
    /// Characterized edges, those that kept the ideal law, and those whose ideal current does not vary.
    public var edges: Int
    public var fallbacks: Int
    public var inactive: Int
    /// NRMSE of the fitted laws (both currents, every operating point): median, 95th percentile, worst.
    public var fit: Quantiles
    /// NRMSE of the edges' own laws against the same measurements.
    public var ideal: Quantiles
    /// Two-fold cross-validated NRMSE of the fitted laws.
    public var validation: Quantiles
    /// Edges whose fit is not below the ideal law's NRMSE.
    public var notImproved: Int
    /// Edges with measured capacitances (``KNSimulate/CharacterizedEdge/dynamics``), when any were measured, and
    /// the fit residual of their capacitances relative to the node capacitance.
    public var withDynamics: Int?
    public var dynamicsResidual: Quantiles?

    public struct Quantiles: Codable, Sendable, Hashable {
        public var median: Double
        public var p95: Double
        public var worst: Double
        /// `layer L edge E` of the worst value.
        public var worstEdge: String

        init(_ values: [(Double, String)]) {
            let sorted = values.filter { $0.0.isFinite }.sorted { $0.0 < $1.0 }
            let ascending = sorted.map(\.0)
            median = ascending.sortedQuantile(0.5)
            p95 = ascending.sortedQuantile(0.95)
            worst = sorted.last?.0 ?? .nan
            worstEdge = sorted.last?.1 ?? "-"
        }
    }

    public init(_ characterized: CharacterizedEdges) {
        var fit: [(Double, String)] = [], ideal: [(Double, String)] = [], validation: [(Double, String)] = []
        var edges = 0, fallbacks = 0, inactive = 0, notImproved = 0
        for layer in characterized.layers {
            for e in layer.edges {
                edges += 1
                let name = "layer \(layer.index) edge \(e.edge)"
                if e.status == .ideal { fallbacks += 1; continue }
                guard let f = e.nrmse, let i = e.idealNrmse else { inactive += 1; continue }
                fit.append((f, name))
                ideal.append((i, name))
                if let v = e.validationNrmse { validation.append((v, name)) }
                if !(f < i) { notImproved += 1 }
            }
        }
        self.edges = edges
        self.fallbacks = fallbacks
        self.inactive = inactive
        self.notImproved = notImproved
        self.fit = Quantiles(fit)
        self.ideal = Quantiles(ideal)
        self.validation = Quantiles(validation)
        if characterized.hasDynamics {
            let residuals = characterized.layers.flatMap { layer in
                layer.edges.compactMap { e in e.dynamics.map { ($0.rms, "layer \(layer.index) edge \(e.edge)") } }
            }
            withDynamics = residuals.count
            dynamicsResidual = Quantiles(residuals)
        }
    }

    /// Lines for the map report's summary.
    public var summaryLines: [String] {
        func pct(_ x: Double) -> String { x.isFinite ? String(format: "%.3f %%", 100 * x) : "n/a" }
        func row(_ q: Quantiles) -> String { "median \(pct(q.median)), p95 \(pct(q.p95)), worst \(pct(q.worst)) (\(q.worstEdge))" }
        return [
            "  characterized edges: \(edges) (\(fallbacks) kept the ideal law, \(inactive) inactive)",
            "    NRMSE of the ideal law:  \(row(ideal))",
            "    NRMSE of the fitted law: \(row(fit))",
            "    cross-validated NRMSE:   \(row(validation))",
        ] + (withDynamics.map { count in
            let r = dynamicsResidual!
            return ["  capacitances measured for \(count) of \(edges) edges (the others' benches failed and keep the node capacitors alone); fit residual of the node capacitance: median \(String(format: "%.2e", r.median)), worst \(String(format: "%.2e", r.worst)) (\(r.worstEdge))"]
        } ?? [])
    }
}
