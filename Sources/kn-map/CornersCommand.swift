import ArgumentParser
import Foundation
import KNMap
import KNModel
import KNProcess
import KNVary

struct CornersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corners",
        abstract: "What process corners and die temperature do to a mapped chip, measured on the foundry's corner models.",
        discussion: """
        The cells of a mapped circuit are sized and calibrated at one corner (circuit.json's) and the process's \
        nominal temperature. For each cell (--edges all, or a sample), this sweeps the cell in ngspice over its \
        operating range at that reference and at every --corner × --temperature, and extracts each condition's \
        shift of the edge's offset, gain, amplitude and src/des copy against the law fitted at the reference (the \
        same extraction as mc-cells). Then the compiled simulator runs the network with each condition's shifts on \
        every edge (an unmeasured cell takes the mean shift of its layer's measured cells) and reports the read-out \
        error against the nominal chip, and the accuracy with --data/--labels. The bias references are ideal \
        sources, so only what the devices do with their currents moves: triode resistors and loads, weak-inversion \
        slopes (kT/q), follower levels, output copies.

        Writes OUT/report.json (kn-corners-1) and OUT/report.txt. Each cell is written to OUT/cells/ as soon as it \
        is measured; a stopped run continues with --resume.

        Examples:
          kn-map corners twomoon.knm chip --edges 20 -o chip/corners
          kn-map corners twomoon.knm chip --corner ss --corner ff --temperature -40 --temperature 27 --temperature 125 -o chip/corners
          kn-map corners mnist.knm chip --edges 100 --data t10k-images-idx3-ubyte --labels t10k-labels-idx1-ubyte --limit 1000 -o chip/corners
        """
    )

    @Argument(help: "The model file the circuit was mapped from.")
    var model: String

    @Argument(help: "The folder kn-map map wrote, or its circuit.json.")
    var circuit: String

    @Option(name: .customLong("corner"), help: ArgumentHelp("A corner of the process description (repeat the option; default: every corner).", valueName: "name"))
    var corners: [String] = []

    @Option(name: .customLong("temperature"), help: ArgumentHelp("A die temperature in °C (repeat the option; default: the process's nominal temperature).", valueName: "celsius"))
    var temperatures: [Double] = []

    @Option(help: "Cells to measure: all, or a number of sampled cells.")
    var edges: MapCommand.CellCount = .all

    @Option(name: .customLong("edge"), help: ArgumentHelp("A cell to measure instead of sampled ones, as LAYER:EDGE (repeat the option for more).", valueName: "layer:edge"))
    var edgeList: [MapCommand.EdgePick] = []

    @Option(help: "Seed of the cell sampling.")
    var seed: Int = 1

    @Option(help: "Points on each cell's sweep (from its smallest to its largest operating argument).")
    var points: Int = 16

    @Option(help: "Sample inputs simulated for the cells' operating points (as kn-map map --samples).")
    var operatingInputs: Int = 16

    @OptionGroup var input: InputOptions

    @Option(help: "Largest allowed difference of the nominal RK4 read-out from the exact solution.")
    var tolerance = 1e-3

    @Option(help: "Concurrent ngspice processes (default: one per core).")
    var processes: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Reuse the cells in OUT/cells/ of a stopped run with the same options.")
    var resume = false

    @Option(name: .shortAndLong, help: "Output folder.")
    var output: String

    func validate() throws {
        if points < 8 { throw ValidationError("--points must be at least 8") }
        if operatingInputs < 1 { throw ValidationError("--operating-inputs must be at least 1") }
        if processes < 1 { throw ValidationError("--processes must be at least 1") }
        if seed < 0 { throw ValidationError("--seed must not be negative") }
        if !(tolerance > 0) { throw ValidationError("--tolerance must be positive") }
        for t in temperatures where !(t > -273.15 && t.isFinite) {
            throw ValidationError("--temperature \(t) is not a temperature in °C above absolute zero")
        }
    }

    /// What makes two runs' cells interchangeable.
    struct Run: Codable, Equatable, Sendable {
        var format = "kn-corners-cell-1"
        var circuitDigest: String
        var modelDigest: String
        var conditions: [ProcessCondition]
        var points: Int
        var operatingInputs: Int
    }

    func run() throws {
        let start = Date()
        let folder = try MappedFolder.load(model: model, circuit: circuit)
        let network = folder.network
        // The read-out inputs are read before any cell is measured, so that a bad file fails at once.
        let (inputs, labels, inputName, _) = try input.load(network)
        let process = folder.catalog.process
        let names = corners.isEmpty ? process.corners.map(\.name) : corners
        for name in names { _ = try process.corner(named: name) }
        let nominalTemperature = process.nominalTemperatureCelsius
        let reference = ProcessCondition(corner: folder.circuit.corner, temperatureCelsius: nominalTemperature)
        let conditions = names.flatMap { name in
            (temperatures.isEmpty ? [nominalTemperature] : temperatures).map { ProcessCondition(corner: name, temperatureCelsius: $0) }
        }.filter { $0 != reference }
        guard !conditions.isEmpty else {
            throw ValidationError("every condition asked for is the reference \(reference); give another --corner or --temperature")
        }
        let operating = try OperatingSamples.simulate(network: network,
            inputs: MapPipeline.defaultInputs(for: network, count: operatingInputs, seed: UInt64(seed)))
        var bench = CellBench(runner: FidelityRunner(mapper: Mapper(catalog: folder.catalog), root: .resolve(),
                                                     ngspice: try Ngspice.locate()))
        bench.points = points
        let cellBench = bench
        let picks = edgeList.isEmpty ? FidelityRunner.sample(folder.circuit, count: edges.value, seed: UInt64(seed))
            : try MapPipeline.validate(edgeList.map(\.pick), in: folder.circuit, what: "--edge")
        let run = Run(circuitDigest: folder.circuitDigest, modelDigest: fnv1a64(try Data(contentsOf: URL(fileURLWithPath: model))),
                      conditions: conditions, points: points, operatingInputs: operatingInputs)
        let journal = try RunJournal<Run, CellConditionShifts>(folder: cellsFolder, run: run, prefix: "layer", what: "a measured cell",
                                                              settings: "circuit, model, conditions, points or operating inputs", resume: resume)
        @Sendable func name(_ p: FidelityRunner.Pick) -> String { "\(p.layer)-row\(p.row)" }
        print("kn-map corners: \(picks.count) of \(network.cellCounts.reduce(0, +)) \(folder.circuit.family) cells of \(folder.circuitURL.path) at \(conditions.count) conditions against \(reference) (\(processes) ngspice processes)")
        let progress = EdgeProgress(total: picks.count)
        let cells = try FidelityRunner.resuming(picks, processes: processes, finished: { try journal.finished(name($0)) },
                                                done: { progress.finished(layer: $0.layer, edge: $0.edge, measured: $1) }) { pick in
            let cell = try cellBench.conditionShifts(folder.circuit, network: network, samples: operating, pick: pick, conditions: conditions)
            try journal.store(cell, as: name(pick))
            return cell
        }
        let integrator = try FixedStepIntegrator.calibrated(network: network, inputs: Array(inputs.prefix(16)), tolerance: tolerance).integrator
        let report = try ProcessConditionReport.evaluate(
            network: network, modelDigest: run.modelDigest, circuitDigest: run.circuitDigest, integrator: integrator, inputs: inputs, labels: labels, inputName: inputName,
            process: process.name, reference: reference, conditions: conditions, edges: cells,
            seconds: Date().timeIntervalSince(start))
        try report.write(to: URL(fileURLWithPath: output))
        print(report.text, terminator: "")
        print("wrote \(output)/report.json and report.txt")
    }
}

extension CornersCommand: WritesFiles {
    var cellsFolder: URL { URL(fileURLWithPath: output).appendingPathComponent("cells") }

    /// The reports and the folder of measured cells (whose unfinished temporary files go on interruption).
    var outputFiles: [URL] {
        let folder = URL(fileURLWithPath: output)
        return [folder.appendingPathComponent("report.json"), folder.appendingPathComponent("report.txt"), cellsFolder]
    }
}
