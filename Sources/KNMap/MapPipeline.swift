import Foundation
import KNModel
import KNProcess
import KNSimulate

/// Everything `kn-map map` does, callable from tests: sample the operating range, map, check clipping,
/// measure and calibrate a sample of cells with ngspice, and assemble the report.
public struct MapPipeline: Sendable {
    public var catalog: DeviceCatalog
    public var options: MapOptions
    /// Edges to run through ngspice (0: no fidelity run).
    public var fidelityEdges: Int = 20
    /// Edges to measure and calibrate instead of ``fidelityEdges`` sampled ones (layer, edge index in the layer).
    public var fidelityPicks: [FidelityRunner.Pick]? = nil
    public var seed: UInt64 = 1
    /// Cells to characterize after the calibration (0: none; `Int.max`: every cell): measured in ngspice and fitted
    /// with a ``KNSimulate/CommonEdgeLaw`` each (``EdgeCharacterizer``), sampled with the fidelity edges' seed.
    public var characterizeEdges: Int = 0
    /// Operating points per characterized edge.
    public var characterizationPoints: Int = 40
    /// Also measure every characterized cell's capacitances (``KNSimulate/CellDynamics``) at this many of its
    /// operating points, or nil.
    public var dynamicsPoints: Int? = nil
    /// Concurrent ngspice processes for the fidelity and characterization runs (default: one per core).
    public var processes: Int = ProcessInfo.processInfo.activeProcessorCount
    public var root: PDKRoot = .resolve()
    /// Measure the cells with transient staircases (``FidelityRunner/transientSweeps``); false: DC sweeps.
    public var transientSweeps = true

    public init(catalog: DeviceCatalog, options: MapOptions = MapOptions()) {
        self.catalog = catalog
        self.options = options
    }

    /// The default sample inputs: pixels uniform in [0, 1] for a `mnist` test bench, standard normal otherwise.
    public static func defaultInputs(for network: Network, count: Int, seed: UInt64) -> [[Double]] {
        var generator = SplitMix(seed: seed)
        func uniform() -> Double { Double(generator.next() >> 11) / Double(1 << 53) }
        let width = network.inputWidth
        return (0..<count).map { _ in
            (0..<width).map { _ in
                if network.testBench == "mnist" { return uniform() }
                let u1 = max(uniform(), 1e-300), u2 = uniform()
                return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            }
        }
    }

    public func run(network: Network, inputs: [[Double]], method: IntegrationMethod = .dopri5) throws -> (MappedCircuit, MapReport) {
        let outcome = try map(network: network, inputs: inputs, method: method)
        return (outcome.circuit, outcome.report)
    }

    /// What ``map(network:inputs:method:)`` produces.
    public struct Outcome: Sendable {
        public var circuit: MappedCircuit
        public var report: MapReport
        /// The characterized edges, when ``characterizeEdges`` > 0.
        public var characterized: CharacterizedEdges?
    }

    /// Maps, calibrates the fidelity edges and characterizes the requested cells of the calibrated circuit.
    public func map(network: Network, inputs: [[Double]], method: IntegrationMethod = .dopri5) throws -> Outcome {
        var timings: [String: Double] = [:]
        let samples = try OperatingSamples.simulate(network: network, inputs: inputs, method: method)
        timings["simulate"] = samples.seconds
        let mapper = Mapper(catalog: catalog, options: options)
        var start = Date()
        var circuit = try mapper.map(network: network, samples: samples)
        timings["map"] = Date().timeIntervalSince(start)
        var clipping: ClippingCheck? = nil
        let scaling = circuit.scaling
        if samples.exceeds(scaling) {
            start = Date()
            clipping = ClippingCheck.run(network: network, inputs: Array(inputs.prefix(4)),
                                         limit: { scaling.modelLimit(layer: $0, node: $1) })
            timings["clipping"] = Date().timeIntervalSince(start)
        }
        var fidelity: MapReport.FidelityReport? = nil
        if fidelityEdges > 0 || fidelityPicks?.isEmpty == false {
            start = Date()
            var runner = FidelityRunner(mapper: mapper, root: root, ngspice: try Ngspice.locate())
            runner.transientSweeps = transientSweeps
            let picks = try fidelityPicks.map { try Self.validate($0, in: circuit) }
                ?? FidelityRunner.sample(circuit, count: fidelityEdges, seed: seed)
            let result = try runner.calibrateInParallel(circuit, network: network, samples: samples, picks: picks,
                                                        processes: processes)
            circuit = result.circuit
            fidelity = MapReport.FidelityReport(before: result.before, after: result.after, circuit: circuit)
            timings["fidelity"] = Date().timeIntervalSince(start)
        }
        var characterized: CharacterizedEdges? = nil
        if characterizeEdges > 0 {
            start = Date()
            var characterizer = EdgeCharacterizer(runner: FidelityRunner(mapper: mapper, root: root, ngspice: try Ngspice.locate()))
            characterizer.runner.transientSweeps = transientSweeps
            characterizer.pointsPerEdge = characterizationPoints
            let picks = FidelityRunner.sample(circuit, count: characterizeEdges, seed: seed)
            characterized = try characterizer.characterize(circuit, network: network, samples: samples, picks: picks,
                                                           dynamicsPoints: dynamicsPoints, processes: processes)
            timings["characterize"] = Date().timeIntervalSince(start)
        }
        var report = MapReport(circuit: circuit, network: network, samples: samples, clipping: clipping,
                               fidelity: fidelity, timings: timings)
        report.characterization = characterized.map { CharacterizationSummary($0) }
        report.mirrorMismatch = options.mirrorMismatch
        return Outcome(circuit: circuit, report: report, characterized: characterized)
    }

    /// Edges given by the user as `LAYER:EDGE` (in `Pick.row`, the edge number), as rows of the circuit's cell
    /// tables, or an error naming the pick (as `what`, for the option that gave it) that has no cell: a layer or
    /// edge outside the network, or an edge that carries no current.
    public static func validate(_ picks: [FidelityRunner.Pick], in circuit: MappedCircuit, what: String = "fidelity edge") throws -> [FidelityRunner.Pick] {
        try picks.map { pick in
            guard circuit.layers.indices.contains(pick.layer) else {
                throw MapError.invalid("\(what) \(pick.layer):\(pick.row) names layer \(pick.layer), but the network has \(circuit.layers.count) layers",
                                       fix: "give LAYER:EDGE with LAYER in 0..<\(circuit.layers.count)")
            }
            let cells = circuit.layers[pick.layer].cells
            // Rows follow the edges in order, so edge e is at row e unless edges before it have no cell.
            if pick.row < cells.count, cells.edge[pick.row] == Int32(pick.row) { return pick }
            guard let row = cells.edge.firstIndex(of: Int32(pick.row)) else {
                let edges = (cells.edge.last.map { Int($0) + 1 }) ?? 0
                throw MapError.invalid("\(what) \(pick.layer):\(pick.row) has no cell in layer \(pick.layer) (\(cells.count) cells; edges that carry no current have none)",
                                       fix: "give an edge of 0..<\(max(edges, cells.count)) that has a cell")
            }
            return FidelityRunner.Pick(layer: pick.layer, row: row)
        }
    }
}
