import Foundation
import KNModel

/// The spread of a network's read-outs over chips from two Monte Carlos of the same circuit: the ngspice Monte
/// Carlo of the transistor netlist with the foundry mismatch on, and the fast Monte Carlo of the compiled simulator
/// with the mismatch model of the same mapped cells. Written by `kn-map mc-netlist` as `report.json`
/// (format `kn-netlist-mc-1`) and `report.txt`.
public struct OutputSpreadComparison: Sendable, Codable, FolderReport {
    public var format = "kn-netlist-mc-1"
    public var process: String
    public var corner: String
    /// Chips of each Monte Carlo.
    public var netlistChips: Int
    public var fastChips: Int
    public var seed: Int
    /// Largest accepted |fast σ / netlist σ − 1|.
    public var tolerance: Double
    /// Seconds per chip on one core: ngspice (writing, running and reading back all its inputs' netlists) and the
    /// fast Monte Carlo.
    public var netlistSecondsPerChip: Double
    public var fastSecondsPerChip: Double
    /// Where the fast Monte Carlo's cells come from.
    public var cells: String
    public var outputs: [Output]

    /// One read-out value of one input.
    public struct Output: Sendable, Codable, Hashable {
        public var input: Int
        public var output: Int
        /// Sample standard deviation over the ngspice chips, with its 95 % interval (χ², n − 1 degrees of freedom).
        public var netlistSigma: Double
        public var netlistLower: Double
        public var netlistUpper: Double
        public var netlistMean: Double
        /// Sample standard deviation and mean over the fast chips.
        public var fastSigma: Double
        public var fastMean: Double
        /// fast σ / netlist σ.
        public var ratio: Double
        public var within: Bool
        /// Each side's σ from its interquartile range (IQR / 1.349) and its chips further than 5 of those from the
        /// median: a few chips far out (a node that tips to another equilibrium) dominate σ at 50 chips, and
        /// these show whether the two Monte Carlos also agree on the core of the distribution.
        public var netlistRobustSigma: Double
        public var fastRobustSigma: Double
        public var netlistOutliers: Int
        public var fastOutliers: Int
    }

    /// Compares the read-outs `netlist[chip][input][output]` with `fast[chip][input][output]`.
    /// - Throws: ``VaryError`` when the two do not have the same inputs and outputs, or a side has fewer than 2 chips.
    public init(netlist: [[[Double]]], fast: [[[Double]]], tolerance: Double, seed: Int, process: String, corner: String,
                netlistSecondsPerChip: Double, fastSecondsPerChip: Double, cells: String) throws {
        guard netlist.count >= 2, fast.count >= 2 else {
            throw VaryError.invalid("Monte Carlo comparison", "needs at least 2 chips on each side (got \(netlist.count) ngspice, \(fast.count) fast); run more samples")
        }
        let shape = netlist[0].map(\.count)
        for (name, side) in [("ngspice", netlist), ("fast", fast)] {
            if let bad = side.firstIndex(where: { $0.map(\.count) != shape }) {
                throw VaryError.invalid("\(name) chip \(bad)", "has read-outs of widths \(side[bad].map(\.count)), the first ngspice chip \(shape); compare the same inputs of the same network")
            }
        }
        self.process = process
        self.corner = corner
        netlistChips = netlist.count
        fastChips = fast.count
        self.seed = seed
        self.tolerance = tolerance
        self.netlistSecondsPerChip = netlistSecondsPerChip
        self.fastSecondsPerChip = fastSecondsPerChip
        self.cells = cells
        var rows: [Output] = []
        for j in shape.indices {
            for o in 0..<shape[j] {
                let n = SampleSpread(netlist.map { $0[j][o] }), f = SampleSpread(fast.map { $0[j][o] })
                let ratio = n.sigma > 0 ? f.sigma / n.sigma : .infinity
                rows.append(Output(input: j, output: o, netlistSigma: n.sigma, netlistLower: n.lower, netlistUpper: n.upper,
                                   netlistMean: n.mean, fastSigma: f.sigma, fastMean: f.mean, ratio: ratio, within: abs(ratio - 1) <= tolerance,
                                   netlistRobustSigma: n.robustSigma, fastRobustSigma: f.robustSigma,
                                   netlistOutliers: n.outliers, fastOutliers: f.outliers))
            }
        }
        outputs = rows
    }

    /// Every output's σ ratio within the tolerance.
    public var passed: Bool { outputs.allSatisfy(\.within) }

    /// The median and the worst (furthest from 1) σ ratio.
    public var medianRatio: Double {
        let r = outputs.map(\.ratio).sorted()
        return r.isEmpty ? .nan : (r[(r.count - 1) / 2] + r[r.count / 2]) / 2
    }

    public var worstRatio: Double { outputs.map(\.ratio).max { abs($0 - 1) < abs($1 - 1) } ?? .nan }

    /// How many times faster the fast Monte Carlo is per chip.
    public var speedup: Double { netlistSecondsPerChip / max(fastSecondsPerChip, 1e-12) }

    /// The text report.
    public var text: String {
        let pct = Int((tolerance * 100).rounded())
        var lines = [
            "kn-toolkit netlist Monte Carlo: \(netlistChips) ngspice chips (foundry mismatch on, \(process) \(corner)) against \(fastChips) fast chips, seed \(seed)",
            "fast Monte Carlo cells: \(cells)",
            String(format: "per chip on one core: ngspice %.1f s, fast %.3g s (%.3g× faster)", netlistSecondsPerChip, fastSecondsPerChip, speedup),
            "ratio = fast σ / ngspice σ; 95 % interval of the ngspice σ (χ²)",
            String(format: "median ratio %.3f, worst %.3f; %d of %d outputs within ±%d %%", medianRatio, worstRatio,
                   outputs.filter(\.within).count, outputs.count, pct),
            "",
            "input  output   ngspice σ [95 % interval]              fast σ        ratio    ngspice mean   fast mean",
        ]
        for r in outputs {
            lines.append(String(format: "%5d  %6d   %.4e [%.4e, %.4e]   %.4e   %6.3f%@  %12.5g  %10.5g", r.input, r.output, r.netlistSigma,
                                r.netlistLower, r.netlistUpper, r.fastSigma, r.ratio, r.within ? " " : "*", r.netlistMean, r.fastMean))
        }
        lines.append("")
        lines.append("robust σ = IQR / 1.349; outliers: chips further than 5 robust σ from the median")
        lines.append("input  output   ngspice robust σ   fast robust σ    ratio   ngspice outliers   fast outliers")
        for r in outputs {
            lines.append(String(format: "%5d  %6d   %.4e         %.4e       %6.3f   %3d of %-5d       %d of %d", r.input, r.output,
                                r.netlistRobustSigma, r.fastRobustSigma, r.fastRobustSigma / r.netlistRobustSigma,
                                r.netlistOutliers, netlistChips, r.fastOutliers, fastChips))
        }
        lines.append("")
        lines.append(passed ? "PASS: every σ within ±\(pct) %" : "FAIL: \(outputs.filter { !$0.within }.count) σ outside ±\(pct) % (marked *)")
        return lines.joined(separator: "\n") + "\n"
    }
}
