import Foundation
import KNMap
import KNModel
import KNProcess

/// Checks the mismatch model against a Monte Carlo of the sized cells in ngspice.
///
/// For every picked edge: the sensitivities of its cell (``KNMap/CellBench/sensitivities(_:network:samples:pick:)``,
/// mismatch off) give the predicted σ of each effective parameter through ``MismatchModel/sigma(cell:mismatch:)``
/// and the process's Pelgrom coefficients; then ``samples`` copies of the cell with the foundry mismatch switched on
/// are swept over the same points, each copy's ``KNMap/EffectiveDeviation`` is extracted against the nominal cell's
/// law, and their sample standard deviation (with its 95 % χ² interval) is the measured σ. Edges run in
/// ``processes`` concurrent ngspice processes.
public struct CellMonteCarlo: Sendable {
    public var bench: CellBench
    public var mismatch: ProcessMismatch
    /// Mismatch samples (cell copies) per edge.
    public var samples = 200
    /// Seed of the foundry mismatch draws (each edge and netlist derives its own `.option seed` from it).
    public var seed = 1
    /// Largest accepted |predicted/measured − 1|.
    public var tolerance = 0.2
    public var processes = ProcessInfo.processInfo.activeProcessorCount

    public init(bench: CellBench, mismatch: ProcessMismatch) {
        self.bench = bench
        self.mismatch = mismatch
    }

    /// The `.option seed` of the first netlist of an edge: depends only on (seed, layer, edge).
    public func netlistSeed(layer: Int, edge: Int) -> Int {
        let mixed = UInt64(truncatingIfNeeded: seed) &* 1_000_003 &+ UInt64(layer) &* 65_537 &+ UInt64(edge) &* 1_009
        return Int(mixed % 1_000_000_000) + 1
    }

    /// Runs the picked edges and compares.
    ///
    /// With a `journal`, edges it already holds are taken from it and every edge that finishes is stored in it
    /// at once, so a stopped run loses at most the edges in flight. `finished` is called (from any thread) with
    /// each edge as it becomes available and whether it was measured now (false: taken from the journal).
    public func run(_ circuit: MappedCircuit, network: Network, operating: OperatingSamples,
                    picks: [FidelityRunner.Pick], journal: CellMonteCarloJournal? = nil,
                    finished: (@Sendable (EdgeMismatchComparison, _ measured: Bool) -> Void)? = nil) throws -> CellMonteCarloReport {
        let start = Date()
        let edges = try FidelityRunner.resuming(picks, processes: processes, finished: { try journal?.finished($0, tolerance: tolerance) },
                                                done: finished) { pick in
            let comparison = try edge(circuit, network: network, operating: operating, pick: pick)
            try journal?.store(comparison, for: pick)
            return comparison
        }
        return CellMonteCarloReport(process: circuit.process, corner: circuit.corner, family: circuit.family,
                                    samples: samples, seed: seed, mismatchScale: bench.mismatchScale, tolerance: tolerance,
                                    pelgrom: [mismatch.nmos.source, mismatch.pmos.source], edges: edges,
                                    seconds: Date().timeIntervalSince(start))
    }

    /// One edge: sensitivities, prediction, Monte Carlo, comparison.
    public func edge(_ circuit: MappedCircuit, network: Network, operating: OperatingSamples,
                     pick: FidelityRunner.Pick) throws -> EdgeMismatchComparison {
        let sensitivities = try bench.sensitivities(circuit, network: network, samples: operating, pick: pick)
        let cell = MappedCellProvider.cell(sensitivities)
        let predicted = MismatchModel.sigma(cell: cell, mismatch: mismatch)
        let pelgrom = MismatchModel.sigma(cell: MappedCellProvider.cell(sensitivities, usePelgrom: true), mismatch: mismatch)
        let sweep = try bench.sweep(circuit, network: network, samples: operating, pick: pick,
                                    copies: [SlotPerturbation?](repeating: nil, count: samples),
                                    mismatchSeed: netlistSeed(layer: pick.layer, edge: sensitivities.edge))
        let extractor = CellParameterExtractor(nominal: sensitivities.nominal)
        let deviations = zip(sweep.src, sweep.des).map {
            extractor.extract(vs: sweep.vs, vd: sweep.vd, src: $0, des: $1) - sensitivities.baseline
        }
        let parameters = EffectiveParameter.allCases.enumerated().map { k, p in
            ParameterComparison(parameter: p, predicted: predicted[p] ?? 0, pelgromPredicted: pelgrom[p] ?? 0,
                                measured: deviations.map { $0.values[k] },
                                contributors: Self.contributors(cell, parameter: p, mismatch: mismatch), tolerance: tolerance)
        }
        return EdgeMismatchComparison(layer: pick.layer, edge: sensitivities.edge, devices: cell.devices.count,
                                      points: sweep.vs.count, parameters: parameters)
    }

    /// The devices with the largest shares of a parameter's predicted variance (at most three).
    static func contributors(_ cell: EdgeCell, parameter: EffectiveParameter, mismatch: ProcessMismatch) -> [String] {
        let variances = cell.devices.map { d -> (String, Double) in
            let sigma = MismatchModel.sigma(cell: EdgeCell(name: d.role, devices: [d]), mismatch: mismatch)[parameter] ?? 0
            return (d.role, sigma * sigma)
        }
        let total = variances.reduce(0) { $0 + $1.1 }
        guard total > 0 else { return [] }
        return variances.sorted { $0.1 > $1.1 }.prefix(3).map { String(format: "%@ %.0f %%", $0.0, 100 * $0.1 / total) }
    }
}

/// Predicted against measured σ of one effective parameter of one edge.
public struct ParameterComparison: Sendable, Codable, Hashable {
    public var parameter: EffectiveParameter
    /// σ from the mismatch model (each device's gate-referred σ measured at its operating point).
    public var predicted: Double
    /// σ from the same sensitivities with the process's Pelgrom coefficients instead (for comparison).
    public var pelgromPredicted: Double
    /// Sample standard deviation over the Monte Carlo copies, with its 95 % interval (χ², n − 1 degrees of freedom).
    public var measured: Double
    public var lower: Double
    public var upper: Double
    /// Mean over the copies (a systematic shift from the nominal cell, not part of the comparison).
    public var mean: Double
    /// predicted / measured.
    public var ratio: Double
    /// |ratio − 1| within the tolerance.
    public var within: Bool
    /// The predicted σ inside the measured 95 % interval.
    public var insideInterval: Bool
    /// The devices that dominate the predicted variance, with their shares.
    public var contributors: [String]

    public init(parameter: EffectiveParameter, predicted: Double, pelgromPredicted: Double, measured values: [Double], contributors: [String],
                tolerance: Double) {
        let spread = SampleSpread(values)
        let sd = spread.sigma
        self.parameter = parameter
        self.predicted = predicted
        self.pelgromPredicted = pelgromPredicted
        self.measured = sd
        self.mean = spread.mean
        lower = spread.lower
        upper = spread.upper
        ratio = sd > 0 ? predicted / sd : .infinity
        within = false
        insideInterval = predicted >= lower && predicted <= upper
        self.contributors = contributors
        judge(tolerance: tolerance)
    }

    /// Sets ``within`` for `tolerance` (a journaled edge is judged again against the tolerance of the run reusing it).
    public mutating func judge(tolerance: Double) {
        within = abs(ratio - 1) <= tolerance
    }
}

/// Every parameter of one edge.
public struct EdgeMismatchComparison: Sendable, Codable, Hashable {
    public var layer: Int
    public var edge: Int
    /// Sized devices (PDK instances) of the cell.
    public var devices: Int
    /// Sweep points per copy.
    public var points: Int
    public var parameters: [ParameterComparison]
}
