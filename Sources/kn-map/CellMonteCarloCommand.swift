import ArgumentParser
import Foundation
import KNMap
import KNModel
import KNProcess
import KNVary

struct CellMonteCarloCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mc-cells",
        abstract: "Check the mismatch model against an ngspice Monte Carlo of the sized cells of a mapped circuit.",
        discussion: """
        For each sampled edge of the circuit (the same sampling as kn-map map --fidelity-edges with the same --seed): \
        measures its cell's sensitivities in ngspice (mismatch off; each device slot's threshold and current factor \
        perturbed in turn), predicts the σ of the effective parameters (offset, gain, amplitude, copy) from them and \
        the process's Pelgrom coefficients, then sweeps --samples copies of the cell with the foundry mismatch switched \
        on over the edge's operating range (one netlist of copies is that many Monte Carlo samples, since every PDK \
        instance draws its own mismatch), extracts each copy's parameters against the nominal cell and compares the \
        measured σ (with its 95 % interval) with the prediction. Writes OUT/report.json and OUT/report.txt; exits 1 \
        when a σ is outside ±--tolerance.

        Each edge is written to OUT/edges/ as soon as its Monte Carlo ends; a stopped run continues with --resume \
        from the edges already there (they are reused only for the same circuit, model, samples, seed, \
        mismatch scale, points and inputs), and gives the same report as an uninterrupted run.

        Examples:
          kn-map map twomoon.knm --pdk sky130 --fidelity-edges 20 -o chip
          kn-map mc-cells twomoon.knm chip --edges 20 --samples 200 --seed 1 -o chip/mc-cells
          kn-map mc-cells twomoon.knm chip --edges 20 --samples 200 --seed 1 -o chip/mc-cells --resume
          kn-map mc-cells twomoon.knm chip --edge 0:35 --edge 1:90 --samples 200 -o chip/mc-two
        """
    )

    @Argument(help: "The model file the circuit was mapped from (for the edges' operating points).")
    var model: String

    @Argument(help: "The folder kn-map map wrote, or its circuit.json.")
    var circuit: String

    @Option(help: "Edges to check: all, or a number of sampled edges.")
    var edges: MapCommand.CellCount = .count(20)

    @Option(name: .customLong("edge"), help: ArgumentHelp("An edge to check instead of sampled ones, as LAYER:EDGE (repeat the option for more).", valueName: "layer:edge"))
    var edgeList: [MapCommand.EdgePick] = []

    @Option(help: "Mismatch samples (cell copies) per edge.")
    var samples: Int = 200

    @Option(help: "Seed of the edge sampling and of the foundry mismatch draws.")
    var seed: Int = 1

    @Option(help: "Largest accepted |predicted σ / measured σ − 1|.")
    var tolerance: Double = 0.2

    @Option(help: "Factor on the foundry mismatch (sky130 multiplies every mismatch term by its switch): below 1 checks the model where the cells respond linearly.")
    var mismatchScale: Double = 1

    @Option(help: "Points on each edge's sweep (from its smallest to its largest operating argument).")
    var points: Int = 16

    @Option(help: "Sample inputs simulated for the operating points (as kn-map map --samples).")
    var inputs: Int = 16

    @Option(help: "Concurrent ngspice processes (default: one per core).")
    var processes: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Reuse the finished edges in OUT/edges/ of a stopped run with the same options.")
    var resume = false

    @Option(name: .shortAndLong, help: "Output folder.")
    var output: String

    func validate() throws {
        if samples < 10 { throw ValidationError("--samples must be at least 10 (a σ from fewer copies says little)") }
        if !(tolerance > 0) { throw ValidationError("--tolerance must be positive") }
        if !(mismatchScale > 0 && mismatchScale <= 1) { throw ValidationError("--mismatch-scale must be in (0, 1]") }
        if points < 8 { throw ValidationError("--points must be at least 8") }
        if inputs < 1 { throw ValidationError("--inputs must be at least 1") }
        if processes < 1 { throw ValidationError("--processes must be at least 1") }
        if seed < 0 { throw ValidationError("--seed must not be negative") }
    }

    func run() throws {
        let folder = try MappedFolder.load(model: model, circuit: circuit)
        let network = folder.network
        let operating = try OperatingSamples.simulate(network: network,
            inputs: MapPipeline.defaultInputs(for: network, count: inputs, seed: UInt64(seed)))
        var bench = CellBench(runner: FidelityRunner(mapper: Mapper(catalog: folder.catalog), root: .resolve(),
                                                     ngspice: try Ngspice.locate()))
        bench.points = points
        bench.mismatchScale = mismatchScale
        var check = CellMonteCarlo(bench: bench, mismatch: try ProcessMismatch(folder.catalog.process))
        check.samples = samples
        check.seed = seed
        check.tolerance = tolerance
        check.processes = processes
        let picks = edgeList.isEmpty ? FidelityRunner.sample(folder.circuit, count: edges.value, seed: UInt64(seed))
            : try MapPipeline.validate(edgeList.map(\.pick), in: folder.circuit, what: "--edge")
        let run = CellMonteCarloJournal.Run(
            circuitDigest: folder.circuitDigest, modelDigest: fnv1a64(try Data(contentsOf: URL(fileURLWithPath: model))),
            samples: samples, seed: seed, mismatchScale: mismatchScale, points: points, inputs: inputs)
        let journal = try CellMonteCarloJournal(folder: edgesFolder, run: run, resume: resume)
        print("kn-map mc-cells: \(picks.count) \(folder.circuit.family) cells of \(folder.circuitURL.path) × \(samples) mismatch samples on \(folder.circuit.process) (\(processes) ngspice processes)")
        let progress = EdgeProgress(total: picks.count)
        let report = try check.run(folder.circuit, network: network, operating: operating, picks: picks, journal: journal) {
            progress.finished(layer: $0.layer, edge: $0.edge, measured: $1)
        }
        try report.write(to: URL(fileURLWithPath: output))
        print(report.text, terminator: "")
        print("wrote \(output)/report.json and report.txt")
        if !report.passed { throw ExitCode(1) }
    }
}

extension CellMonteCarloCommand: WritesFiles {
    var edgesFolder: URL { URL(fileURLWithPath: output).appendingPathComponent("edges") }

    /// The reports and the folder of finished edges (whose unfinished temporary files go on interruption).
    var outputFiles: [URL] {
        let folder = URL(fileURLWithPath: output)
        return [folder.appendingPathComponent("report.json"), folder.appendingPathComponent("report.txt"), edgesFolder]
    }
}

/// One line on standard error per finished edge: how many are done, and the time per measured edge so far.
final class EdgeProgress: @unchecked Sendable {
    private let total: Int
    private let lock = NSLock()
    private var done = 0, measured = 0
    private let start = Date()

    init(total: Int) { self.total = total }

    func finished(layer: Int, edge: Int, measured now: Bool) {
        lock.lock(); defer { lock.unlock() }
        done += 1
        if now { measured += 1 }
        let perEdge = measured > 0 ? Date().timeIntervalSince(start) / Double(measured) : 0
        let line = now ? String(format: "edge %d:%d measured (%d/%d, %.0f s per edge)", layer, edge, done, total, perEdge)
                       : String(format: "edge %d:%d taken from the journal (%d/%d)", layer, edge, done, total)
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
