import ArgumentParser
import Foundation
import KNEmit
import KNMap
import KNModel
import KNProcess
import KNVary

struct NetlistMonteCarloCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mc-netlist",
        abstract: "Check the fast Monte Carlo against an ngspice Monte Carlo of the whole transistor-level circuit.",
        discussion: """
        Runs --chips chips of the mapped circuit in ngspice at transistor level with the foundry mismatch switched \
        on (sky130 mc_mm_switch, gf180mcu sw_stat_mismatch; every PDK instance draws its own mismatch from the \
        chip's .option seed), each on every input of --inputs (one netlist per chip and input, the same seed for \
        all inputs of a chip). Then runs --fast-chips chips of the fast Monte Carlo (kn-map mc) with the mismatch \
        model of the same cells (their sensitivities measured in ngspice, as kn-map mc --circuit), and compares \
        the σ of every read-out over the chips. Writes OUT/report.json (kn-netlist-mc-1) and OUT/report.txt; \
        exits 1 when a σ ratio is outside ±--tolerance.

        Each chip is written to OUT/chips/ as soon as its runs end; a stopped run continues with --resume. The \
        cells' sensitivities are kept in DIR/sensitivities.json and reused while the circuit file is the same.

        Examples:
          kn-map subnet twomoon.knm --layer 0 --first 60 -o sub60.knm
          kn-map map sub60.knm --pdk sky130 --fidelity-edges 60 -o chip
          kn-map mc-netlist sub60.knm chip --inputs x.json --chips 50 --seed 1 -o chip/mc-netlist
        """
    )

    @Argument(help: "The model file the circuit was mapped from.")
    var model: String

    @Argument(help: "The folder kn-map map wrote, or its circuit.json.")
    var circuit: String

    @Option(help: "Inputs in model units (.csv, .npy or .json; a sample per row). Every chip runs every input.")
    var inputs: String

    @Option(help: "ngspice chips (mismatch samples).")
    var chips: Int = 50

    @Option(help: "Fast Monte Carlo chips.")
    var fastChips: Int = 1000

    @Option(help: "Seed of both Monte Carlos.")
    var seed: Int = 1

    @Option(help: "Largest accepted |fast σ / ngspice σ − 1|.")
    var tolerance: Double = 0.25

    @Option(help: "RK4 steps per model time unit of the fast Monte Carlo (default: calibrated to 1e-3 of the exact solution).")
    var steps: Int?

    @Option(help: "Mismatch copies per device instance measuring its gate-referred σ at its operating point (the fast Monte Carlo's cells).")
    var deviceSamples: Int = 200

    @Option(help: "Concurrent ngspice processes (default: one per core).")
    var processes: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Seconds before one ngspice run is stopped.")
    var timeout: Double = 7200

    @Flag(help: "Reuse the finished chips in OUT/chips/ of a stopped run with the same options.")
    var resume = false

    @Option(name: .shortAndLong, help: "Output folder.")
    var output: String

    func validate() throws {
        if chips < 2 { throw ValidationError("--chips must be at least 2 (a σ needs two chips)") }
        if fastChips < 2 { throw ValidationError("--fast-chips must be at least 2") }
        if !(tolerance > 0 && tolerance.isFinite) { throw ValidationError("--tolerance must be positive") }
        if deviceSamples < 10 { throw ValidationError("--device-samples must be at least 10") }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1") }
        if processes < 1 { throw ValidationError("--processes must be at least 1") }
        if !(timeout > 0) { throw ValidationError("--timeout must be positive") }
        if seed < 0 { throw ValidationError("--seed must not be negative") }
    }

    func run() throws {
        let folder = try MappedFolder.load(model: model, circuit: circuit)
        let network = folder.network
        let samples = try readInputs(inputs)
        let out = URL(fileURLWithPath: output)
        let process = folder.catalog.process
        FileHandle.standardError.write(Data("kn-map mc-netlist: \(chips) chips × \(samples.count) inputs of \(folder.circuitURL.path) in ngspice (\(processes) at once), mismatch on\n".utf8))

        var netlistMC = TransistorMonteCarlo(chips: chips, seed: seed)
        netlistMC.runner = NgspiceRunner(timeout: timeout)
        netlistMC.processes = processes
        netlistMC.resume = resume
        netlistMC.options.source = URL(fileURLWithPath: model).lastPathComponent
        let start = Date()
        let netlistChips = try netlistMC.run(
            circuit: folder.circuit, network: network, process: process, root: .resolve(), inputs: samples,
            circuitDigest: folder.circuitDigest, folder: out) {
            FileHandle.standardError.write(Data(($0 + "\n").utf8))
        }
        let netlistSeconds = netlistChips.map(\.seconds).reduce(0, +) / Double(netlistChips.count)
        FileHandle.standardError.write(Data(String(format: "ngspice chips done in %.1f s\n", Date().timeIntervalSince(start)).utf8))

        let cells = try folder.cellProvider(processes: processes, deviceSamples: deviceSamples)
        let mismatch = MismatchModel(network: network, cells: cells, mismatch: try ProcessMismatch(process))
        let integrator = try steps.map { try FixedStepIntegrator(network: network, stepsPerUnit: $0) }
            ?? FixedStepIntegrator.calibrated(network: network, inputs: Array(samples.prefix(16)), tolerance: 1e-3).integrator
        let runner = try MonteCarloRunner(integrator: integrator, mismatch: mismatch, noise: nil, inputs: samples, labels: nil,
                                          seed: UInt64(seed))
        let fastStart = Date()
        let fast = try runner.chipOutputs(0..<fastChips)
        // Per chip on one core, as the ngspice chips (each one process).
        let fastSeconds = Date().timeIntervalSince(fastStart) * Double(ProcessInfo.processInfo.activeProcessorCount) / Double(fastChips)

        let report = try OutputSpreadComparison(
            netlist: netlistChips.map(\.outputs), fast: fast, tolerance: tolerance, seed: seed, process: folder.circuit.process,
            corner: folder.circuit.corner, netlistSecondsPerChip: netlistSeconds, fastSecondsPerChip: fastSeconds,
            cells: cells.provenance)
        try report.write(to: out)
        print(report.text, terminator: "")
        print("wrote \(output)/report.json and report.txt")
        if !report.passed { throw ExitCode(1) }
    }
}

extension NetlistMonteCarloCommand: WritesFiles {
    /// The reports, the folder of finished chips and the circuit's sensitivity cache (whose unfinished temporary
    /// files go on interruption).
    var outputFiles: [URL] {
        let folder = URL(fileURLWithPath: output)
        return [folder.appendingPathComponent("report.json"), folder.appendingPathComponent("report.txt"),
                folder.appendingPathComponent("chips"), MappedFolder.sensitivityCache(circuit: circuit)]
    }
}
