import ArgumentParser
import Foundation
import KNMap
import KNModel
import KNProcess
import KNSimulate

struct CharacterizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "characterize",
        abstract: "Measure the cells of an already mapped circuit in ngspice and fit each edge's law (characterized.json).",
        discussion: """
        Does what `kn-map map --characterize-edges` does, on a circuit that `kn-map map` already wrote (for instance after a long calibration of every cell): reads DIR/circuit.json, simulates the sample inputs again to find each edge's operating points (--samples and --seed as given to kn-map map, whose defaults they share), measures the cells in ngspice on the foundry models of the circuit's process (one process per core) and writes DIR/characterized.json (or -o FILE). The characterized file then belongs to exactly this circuit: emit and simulate the same circuit.json.

        Examples:
          kn-map characterize twomoon.knm chip
          kn-map characterize twomoon.knm chip --edges 50 --points 24 -o chip/characterized-50.json
        """
    )

    @Argument(help: "The model file the circuit was mapped from.")
    var model: String

    @Argument(help: "The folder kn-map map wrote (with circuit.json).")
    var folder: String

    @Option(help: "Cells to characterize: all, or a number of sampled cells.")
    var edges: MapCommand.CellCount = .all

    @Option(help: "Operating points measured per cell.")
    var points: Int = 40

    @Option(help: "Also measure each cell's capacitances (an ngspice AC analysis at this many of its operating points), which the simulator adds to the node capacitors (default: none).")
    var dynamicsPoints: Int?

    @Option(help: "Sample inputs simulated for the operating points (as kn-map map --samples).")
    var samples: Int = 16

    @Option(help: "Seed of the sample inputs and of the sampled cells (as kn-map map --seed).")
    var seed: UInt64 = 1

    @Option(help: "Concurrent ngspice processes (default: one per core).")
    var processes: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .shortAndLong, help: "Output file (default: FOLDER/characterized.json).")
    var output: String?

    var outputURL: URL {
        output.map { URL(fileURLWithPath: $0) } ?? URL(fileURLWithPath: folder).appendingPathComponent("characterized.json")
    }

    func validate() throws {
        if points < 8 { throw ValidationError("--points must be at least 8 (the fit has up to 12 parameters over two currents)") }
        if let dynamicsPoints, dynamicsPoints < 1 { throw ValidationError("--dynamics-points must be at least 1") }
        if samples < 1 { throw ValidationError("--samples must be at least 1") }
        if processes < 1 { throw ValidationError("--processes must be at least 1") }
    }

    func run() throws {
        let folder = try MappedFolder.load(model: model, circuit: self.folder)
        let network = folder.network, circuit = folder.circuit, catalog = folder.catalog
        let inputs = MapPipeline.defaultInputs(for: network, count: samples, seed: seed)
        let operating = try OperatingSamples.simulate(network: network, inputs: inputs)
        var characterizer = EdgeCharacterizer(runner: FidelityRunner(mapper: Mapper(catalog: catalog), root: .resolve(),
                                                                     ngspice: try Ngspice.locate()))
        characterizer.pointsPerEdge = points
        let picks = FidelityRunner.sample(circuit, count: edges.value, seed: seed)
        let start = Date()
        let characterized = try characterizer.characterize(circuit, network: network, samples: operating, picks: picks,
                                                           dynamicsPoints: dynamicsPoints, processes: processes)
        let seconds = Date().timeIntervalSince(start)
        try characterized.write(to: outputURL)
        for line in CharacterizationSummary(characterized).summaryLines { print(line) }
        print(String(format: "  %d cells measured and fitted in %.1f s; wrote %@", picks.count, seconds, outputURL.path))
    }
}

extension CharacterizeCommand: WritesFiles {
    var outputFiles: [URL] { [outputURL] }
}
