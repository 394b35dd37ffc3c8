import Foundation
import KNModel

/// The result of ``CellMonteCarlo``: predicted against measured σ of every effective parameter of every edge, and a
/// summary per parameter. Written as `report.json` (format `kn-cell-mc-1`) and `report.txt`.
public struct CellMonteCarloReport: Sendable, Codable, FolderReport {
    public var format = "kn-cell-mc-1"
    public var process: String
    public var corner: String
    public var family: String
    /// Mismatch samples per edge and the seed of the draws.
    public var samples: Int
    public var seed: Int
    /// The factor on the foundry mismatch (1: the process as it is).
    public var mismatchScale: Double
    /// Largest accepted |predicted/measured − 1|.
    public var tolerance: Double
    /// Where the Pelgrom coefficients come from (nmos, pmos).
    public var pelgrom: [String]
    public var edges: [EdgeMismatchComparison]
    public var seconds: Double

    /// The ratio predicted/measured of one parameter over every edge.
    public struct Summary: Sendable, Codable, Hashable {
        public var parameter: EffectiveParameter
        public var medianRatio: Double
        /// The ratio furthest from 1, and its edge.
        public var worstRatio: Double
        public var worstEdge: String
        /// Edges within the tolerance, and edges whose predicted σ lies in the measured 95 % interval.
        public var within: Int
        public var insideInterval: Int
        public var edges: Int
    }

    public var summaries: [Summary] {
        EffectiveParameter.allCases.map { p in
            let rows = edges.compactMap { e in e.parameters.first { $0.parameter == p }.map { (e, $0) } }
            let ratios = rows.map(\.1.ratio).sorted()
            let median = ratios.isEmpty ? .nan
                : (ratios[(ratios.count - 1) / 2] + ratios[ratios.count / 2]) / 2
            let worst = rows.max { abs($0.1.ratio - 1) < abs($1.1.ratio - 1) }
            return Summary(parameter: p, medianRatio: median, worstRatio: worst?.1.ratio ?? .nan,
                           worstEdge: worst.map { "layer \($0.0.layer) edge \($0.0.edge)" } ?? "-",
                           within: rows.filter(\.1.within).count, insideInterval: rows.filter(\.1.insideInterval).count,
                           edges: rows.count)
        }
    }

    /// Every parameter of every edge within the tolerance.
    public var passed: Bool { edges.allSatisfy { $0.parameters.allSatisfy(\.within) } }

    /// The text report.
    public var text: String {
        var lines = ["kn-toolkit cell mismatch Monte Carlo: \(family) cells on \(process) (\(corner)), \(edges.count) edges × \(samples) samples, seed \(seed)"
                        + (mismatchScale == 1 ? "" : ", foundry mismatch × \(mismatchScale)"),
                     "Pelgrom coefficients: " + pelgrom.joined(separator: "; "),
                     "Units: offset in activation-argument units, gain/amplitude/copy relative. ratio = predicted σ / measured σ; 95 % interval of the measured σ (χ²).",
                     ""]
        lines.append("parameter   median ratio   worst ratio (edge)                within ±\(Int((tolerance * 100).rounded())) %   predicted inside 95 % interval")
        for s in summaries {
            lines.append(s.parameter.rawValue.padded(to: 10) + String(format: "  %12.3f   %11.3f ", s.medianRatio, s.worstRatio)
                         + "(\(s.worstEdge))".padded(to: 22) + String(format: "%5d/%d            %d/%d", s.within, s.edges, s.insideInterval, s.edges))
        }
        lines.append("")
        lines.append("layer  edge  parameter   predicted σ   measured σ [95 % interval]          ratio   Pelgrom-only ratio   mean        dominant devices")
        for e in edges {
            for p in e.parameters {
                lines.append(String(format: "%5d %5d  ", e.layer, e.edge) + p.parameter.rawValue.padded(to: 10)
                             + String(format: " %12.4e  %11.4e [%.4e, %.4e]  %6.3f", p.predicted, p.measured, p.lower, p.upper, p.ratio)
                             + (p.within ? " " : "*") + String(format: "  %6.3f              %10.3e  ", p.pelgromPredicted / p.measured, p.mean)
                             + p.contributors.joined(separator: ", "))
            }
        }
        lines.append("")
        lines.append(passed ? "PASS: every σ within ±\(Int((tolerance * 100).rounded())) %"
                            : "FAIL: \(edges.reduce(0) { $0 + $1.parameters.filter { !$0.within }.count }) σ outside ±\(Int((tolerance * 100).rounded())) % (marked *)")
        lines.append(String(format: "%.1f s", seconds))
        return lines.joined(separator: "\n") + "\n"
    }
}
