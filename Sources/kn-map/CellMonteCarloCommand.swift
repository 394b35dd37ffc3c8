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

        Examples:
          kn-map map twomoon.knm --pdk sky130 --fidelity-edges 20 -o chip
          kn-map mc-cells twomoon.knm chip --edges 20 --samples 200 --seed 1 -o chip/mc-cells
        """
    )

    @Argument(help: "The model file the circuit was mapped from (for the edges' operating points).")
    var model: String

    @Argument(help: "The folder kn-map map wrote, or its circuit.json.")
    var circuit: String

    @Option(help: "Edges to check: all, or a number of sampled edges.")
    var edges: MapCommand.CellCount = .count(20)

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
        let picks = FidelityRunner.sample(folder.circuit, count: edges.value, seed: UInt64(seed))
        print("kn-map mc-cells: \(picks.count) \(folder.circuit.family) cells of \(folder.circuitURL.path) × \(samples) mismatch samples on \(folder.circuit.process) (\(processes) ngspice processes)")
        let report = try check.run(folder.circuit, network: network, operating: operating, picks: picks)
        try report.write(to: URL(fileURLWithPath: output))
        print(report.text, terminator: "")
        print("wrote \(output)/report.json and report.txt")
        if !report.passed { throw ExitCode(1) }
    }
}

extension CellMonteCarloCommand: WritesFiles {
    var outputFiles: [URL] {
        let folder = URL(fileURLWithPath: output)
        return [folder.appendingPathComponent("report.json"), folder.appendingPathComponent("report.txt")]
    }
}
