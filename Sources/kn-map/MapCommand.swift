import ArgumentParser
import Foundation
import KNMap
import KNModel
import KNProcess

struct MapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Map a network onto sized transistor cells of a process and report how well they compute it.",
        discussion: """
        Simulates sample inputs to find every node's voltage range, chooses the scaling (alpha from the largest node voltage and the swing around V_CM, beta from the edge currents, C from kT/C noise; --alpha/--beta/--cap/--vcm override), sizes one cell per edge from the process's gm/ID table (pdk/<process>.gmid.json) and a capacitor per node, lists every parameter it cannot realise, and runs --fidelity-edges sampled cells through ngspice on the real models at their operating points (the steady state at the end of each step of a transient staircase, which settles in a fraction of the time a DC sweep takes; --dc-sweeps for DC sweeps); three calibration passes correct each cell's gain, offset and amplitude, then the NRMSE is reported.

        OUT is a folder: circuit.json (the mapped circuit, format kn-mapped-circuit-2, documented in Sources/KNMap/KNMap.docc), report.json (kn-map-report-1), report.txt (the summary printed here) and, with fidelity edges, iv.svg (target against simulated I–V of the measured cells, worst first).

        --characterize-edges all|N measures every cell (or N sampled cells) of the calibrated circuit in ngspice at up to --characterization-points operating points and fits each with the common form i_d = A_d·act(z) + c_d (entering des), i_s = A_s·act(z) + c_s (leaving src), z = w_s·vs + w_d·vd + b plus quadratic and cubic terms per input, into OUT/characterized.json (format kn-characterized-edges-1). `kn-map simulate MODEL --edges characterized --characterized OUT/characterized.json` then simulates what the transistor circuit computes. To characterize cells that were all calibrated, give --fidelity-edges the same count.

        Examples:
          kn-map map twomoon.knm --pdk sky130 -o twomoon-sky130
          kn-map map twomoon.knm --pdk gf180mcu --fidelity-edges 100 -o twomoon-gf180
          kn-map map mnist.knm --pdk sky130 --samples 1 --fidelity-edges 0 -o mnist-sky130
          kn-map map mnist.knm --pdk sky130 --samples 8 --fidelity-edge 1:10205 --fidelity-edge 1:44624 -o worst
          kn-map map twomoon.knm --pdk sky130 --mirror-mismatch 0.03 -o matched
          kn-map map twomoon.knm --pdk sky130 --alpha 0.03 --beta 100e-9 --cap 1e-12 --vcm 1.0 -o fixed
          kn-map map twomoon.knm --pdk sky130 --fidelity-edges 600 --characterize-edges all -o twomoon-chip
        """
    )

    @Argument(help: "A model file written by `kn-map import`.")
    var model: String

    @Option(help: "The process: sky130 or gf180mcu (a pdk/<name>.xml with its gm/ID table).")
    var pdk: String

    @Option(help: "Volts per model unit (default: chosen from the node voltage range).")
    var alpha: Double?

    @Option(help: "Amperes per model unit of edge current (default: chosen from the edge currents).")
    var beta: Double?

    @Option(help: "Node capacitance in farads (default: from kT/C noise).")
    var cap: Double?

    @Option(help: "Voltage of model 0 in volts (default: the process's common mode).")
    var vcm: Double?

    @Option(help: ArgumentHelp("σ(ΔI/I) each current-mirror device may have from threshold mismatch (e.g. 0.03), or off.",
                               discussion: "The mapper scales every mirror (tails, bias diodes, output copies) as a whole until its smallest device meets it, from the process's A_VT at weak inversion; off sizes mirrors for their currents only."))
    var mirrorMismatch: MirrorMismatch = MapOptions().mirrorMismatch.map { .sigma($0) } ?? .off

    /// A fraction, or `off`.
    enum MirrorMismatch: ExpressibleByArgument, Equatable {
        case off
        case sigma(Double)

        init?(argument: String) {
            if argument == "off" { self = .off; return }
            guard let value = Double(argument), value > 0, value < 1 else { return nil }
            self = .sigma(value)
        }

        var defaultValueDescription: String { if case .sigma(let s) = self { return "\(s)" }; return "off" }
        var value: Double? { if case .sigma(let s) = self { return s }; return nil }
    }

    @Option(help: "Sample inputs simulated to find the operating range (pixels in [0,1] for mnist, else standard normal).")
    var samples: Int = 16

    @Option(help: "Seed for the sample inputs and the fidelity edges.")
    var seed: UInt64 = 1

    @Option(help: "Edges run through ngspice for the fidelity report (0: none).")
    var fidelityEdges: Int = 20

    @Option(name: .customLong("fidelity-edge"), help: ArgumentHelp("An edge to measure and calibrate instead of sampled ones, as LAYER:EDGE (repeat the option for more).", valueName: "layer:edge"))
    var fidelityEdgeList: [EdgePick] = []

    /// `LAYER:EDGE`, both counted from 0.
    struct EdgePick: ExpressibleByArgument {
        var pick: FidelityRunner.Pick
        init?(argument: String) {
            let parts = argument.split(separator: ":")
            guard parts.count == 2, let layer = Int(parts[0]), let edge = Int(parts[1]), layer >= 0, edge >= 0 else { return nil }
            pick = FidelityRunner.Pick(layer: layer, row: edge)
        }
    }

    @Option(help: "Cells to characterize into OUT/characterized.json: all, or a number of sampled cells (default: none).")
    var characterizeEdges: CellCount?

    @Option(help: "Operating points measured per characterized cell.")
    var characterizationPoints: Int = 40

    @Option(help: "Also measure each characterized cell's capacitances (an ngspice AC analysis at this many of its operating points), which the simulator adds to the node capacitors (default: none).")
    var dynamicsPoints: Int?

    @Flag(help: "Measure the cells with ngspice DC sweeps instead of transient staircases (slower; the same answer where the staircase settles).")
    var dcSweeps = false

    @Option(name: .shortAndLong, help: "Output folder.")
    var output: String

    /// `all` or a positive count.
    enum CellCount: ExpressibleByArgument, Equatable {
        case all
        case count(Int)

        init?(argument: String) {
            if argument == "all" { self = .all; return }
            guard let n = Int(argument), n > 0 else { return nil }
            self = .count(n)
        }

        var value: Int {
            switch self {
            case .all: return Int.max
            case .count(let n): return n
            }
        }
    }

    func validate() throws {
        if samples < 1 { throw ValidationError("--samples must be at least 1") }
        if fidelityEdges < 0 { throw ValidationError("--fidelity-edges must be 0 or more") }
        if let dynamicsPoints, dynamicsPoints < 1 || characterizeEdges == nil {
            throw ValidationError("--dynamics-points needs --characterize-edges and must be at least 1")
        }
        if characterizationPoints < 8 { throw ValidationError("--characterization-points must be at least 8 (the fit has up to 8 parameters)") }
        for (name, value) in [("--alpha", alpha), ("--beta", beta), ("--cap", cap)] {
            if let value, !(value.isFinite && value > 0) { throw ValidationError("\(name) must be a positive number") }
        }
    }

    func run() throws {
        let network = try ModelFile.read(from: URL(fileURLWithPath: model))
        let catalog = try ProcessCatalog.load(pdk)
        var options = MapOptions(alpha: alpha, beta: beta, capacitance: cap, vcm: vcm)
        options.swing = nil
        options.mirrorMismatch = mirrorMismatch.value
        var pipeline = MapPipeline(catalog: catalog, options: options)
        pipeline.fidelityEdges = fidelityEdges
        if !fidelityEdgeList.isEmpty { pipeline.fidelityPicks = fidelityEdgeList.map(\.pick) }
        pipeline.seed = seed
        pipeline.characterizeEdges = characterizeEdges?.value ?? 0
        pipeline.characterizationPoints = characterizationPoints
        pipeline.dynamicsPoints = dynamicsPoints
        pipeline.transientSweeps = !dcSweeps
        let inputs = MapPipeline.defaultInputs(for: network, count: samples, seed: seed)
        let outcome = try pipeline.map(network: network, inputs: inputs)
        let (circuit, report) = (outcome.circuit, outcome.report)
        let folder = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicFile.write(try MappedCircuitFile.encode(circuit), to: folder.appendingPathComponent("circuit.json"))
        try AtomicFile.write(try MappedCircuitFile.encoder.encode(report), to: folder.appendingPathComponent("report.json"))
        try outcome.characterized?.write(to: folder.appendingPathComponent("characterized.json"))
        try AtomicFile.write(Data((report.summary + "\n").utf8), to: folder.appendingPathComponent("report.txt"))
        if let fidelity = report.fidelity, !fidelity.edges.isEmpty {
            let plot = FidelityPlot(edges: fidelity.edges, law: try Mapper.cellFamily(network.family).law,
                                    title: "\(network.family.upstreamName) on \(catalog.process.name): cell I–V after calibration, worst edges first")
            try AtomicFile.write(Data(plot.svg().utf8), to: folder.appendingPathComponent("iv.svg"))
        }
        print(report.summary)
        if outcome.characterized != nil { print("  characterized laws: \(folder.appendingPathComponent("characterized.json").path)") }
    }
}
