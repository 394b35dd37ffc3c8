import ArgumentParser
import Dispatch
import Foundation
import KNImport
import KNMap
import KNModel
import KNProcess
import KNSimulate

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure import and simulation speed (benchmarks, not tests).",
        discussion: """
        Build in release mode first (swift build -c release). Benchmarks/mnist_torch_baseline.py runs
        `bench simulate` and the same network in PyTorch + torchdiffeq on the same inputs, and prints the ratio.

        Examples:
          kn-map bench import ../shared/upstream/mnist/model.pth ../shared/upstream/mnist/config.yaml
          kn-map bench simulate mnist.knm --batch 64 --method dopri5
          kn-map bench map mnist.knm --pdk sky130
        """,
        subcommands: [ImportBench.self, SimulateBench.self, MapBench.self]
    )
}

private func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
}

struct ImportBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Time checkpoint import and model-file load, best of --repeat runs.")

    @Argument(help: "The PyTorch checkpoint.") var checkpoint: String
    @Argument(help: "Its config.yaml.") var config: String
    @Option(help: "Number of runs.") var `repeat` = 5

    /// The model file each run writes and reads back (removed at the end).
    var scratchModel: URL { FileManager.default.temporaryDirectory.appendingPathComponent("kn-bench-\(getpid()).knm") }

    func run() throws {
        var network: Network?
        var importTimes: [Double] = [], loadTimes: [Double] = []
        let tmp = scratchModel
        defer { try? FileManager.default.removeItem(at: tmp) }
        for _ in 0..<max(`repeat`, 1) {
            importTimes.append(try seconds {
                network = try CheckpointImporter.importNetwork(checkpoint: URL(fileURLWithPath: checkpoint),
                                                               config: URL(fileURLWithPath: config))
            })
            try ModelFile.write(network!, to: tmp)
            loadTimes.append(try seconds { _ = try ModelFile.read(from: tmp) })
        }
        let n = network!
        print("network: \(n.layers.count) layers × \(n.layers.map { String($0.edgeCount) }.joined(separator: "/")) edges, \(n.layers.map(\.nodeCount).max() ?? 0) nodes")
        print(String(format: "import (.pth + config.yaml): best %.3f s, median %.3f s", importTimes.min()!, importTimes.sorted()[importTimes.count / 2]))
        print(String(format: "load (.knm):                best %.3f s (%.1fx faster than import)", loadTimes.min()!, importTimes.min()! / loadTimes.min()!))
    }
}

struct SimulateBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Time a batch forward pass; report images/s and right-hand-side evaluations/s.")

    @Argument(help: "A model file.") var model: String
    @Option(help: "Inputs (.npy/.csv/.json); default: --batch synthetic inputs uniform in [0, 1].") var inputs: String?
    @Option(help: "Synthetic batch size.") var batch = 64
    @Option(help: "Synthetic input width (default: the first layer's node count).") var width: Int?
    @Option(help: "Seed of the synthetic inputs.") var seed: UInt64 = 7
    @Option(help: "dopri5 (config tol) | exact") var method: SimulateCommand.MethodName = .dopri5
    @Flag(help: "Also time one core, for the parallel speed-up.") var singleCore = false
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let network = try ModelFile.read(from: URL(fileURLWithPath: model))
        let table: SampleTable
        if let inputs {
            table = try SampleTable.read(from: URL(fileURLWithPath: inputs))
        } else {
            var rng = SeededGenerator(seed: seed)
            let columns = width ?? network.inputWidth
            table = SampleTable(rows: batch, columns: columns,
                                values: (0..<(batch * columns)).map { _ in rng.nextUniform() })
        }
        var options = SimulationOptions(method: method == .dopri5 ? .dopri5 : .exact)
        options.logDensity = false
        let simulator = try Simulator(network: network, options: options)
        var results: [SimulationResult] = []
        let wall = try seconds { results = try simulator.run(batch: table.samples) }
        let evals = results.reduce(0) { $0 + $1.rightHandSideEvaluations }
        let edgesPerEval = Double(network.edgeCount) / Double(network.layers.count)
        var single: Double?
        if singleCore {
            single = try seconds { for s in table.samples { _ = try simulator.run(input: s) } }
        }
        struct Out: Encodable {
            var samples: Int; var seconds: Double; var imagesPerSecond: Double; var rhsEvaluations: Int
            var rhsEvaluationsPerSecond: Double; var nanosecondsPerEdge: Double; var cores: Int
            var singleCoreSeconds: Double?; var projected: [[Double]]
        }
        let out = Out(samples: table.rows, seconds: wall, imagesPerSecond: Double(table.rows) / wall, rhsEvaluations: evals,
                      rhsEvaluationsPerSecond: Double(evals) / wall,
                      nanosecondsPerEdge: wall * 1e9 * Double(ProcessInfo.processInfo.activeProcessorCount) / (Double(evals) * edgesPerEval),
                      cores: ProcessInfo.processInfo.activeProcessorCount, singleCoreSeconds: single,
                      projected: results.map(\.output))
        if json {
            print(String(decoding: try JSONEncoder().encode(out), as: UTF8.self))
        } else {
            print("\(table.rows) samples, \(method.rawValue), \(out.cores) cores: \(String(format: "%.3f", wall)) s")
            print(String(format: "%.2f samples/s, %.0f RHS evaluations/s, %.2f ns per edge evaluation per core", out.imagesPerSecond, out.rhsEvaluationsPerSecond, out.nanosecondsPerEdge))
            if let single { print(String(format: "one core: %.3f s (parallel speed-up %.2fx)", single, single / wall)) }
        }
    }
}

struct MapBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Time mapping a network onto a process (no ngspice fidelity run) and report the peak memory.",
        discussion: """
        Phases: simulate the sample inputs (the baseline of this run), map every edge, and encode the mapped
        circuit as `kn-map map` writes it. Peak memory is the process's maximum resident set size.
        """)

    @Argument(help: "A model file.") var model: String
    @Option(help: "The process: sky130 or gf180mcu.") var pdk: String
    @Option(help: "Sample inputs simulated to find the operating range.") var samples = 4
    @Option(help: "Seed of the sample inputs.") var seed: UInt64 = 1

    func run() throws {
        let network = try ModelFile.read(from: URL(fileURLWithPath: model))
        let catalog = try ProcessCatalog.load(pdk)
        let inputs = MapPipeline.defaultInputs(for: network, count: samples, seed: seed)
        var operating: OperatingSamples?
        let simulate = try seconds { operating = try OperatingSamples.simulate(network: network, inputs: inputs) }
        var circuit: MappedCircuit?
        let map = try seconds { circuit = try Mapper(catalog: catalog).map(network: network, samples: operating!) }
        var bytes = 0
        let encode = try seconds { bytes = try MappedCircuitFile.encode(circuit!).count }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let peak = Double(usage.ru_maxrss) * 1024
        let cells = circuit!.layers.reduce(0) { $0 + $1.cells.count }
        print("\(network.family.upstreamName) on \(pdk): \(cells) cells, \(samples) sample inputs")
        print(String(format: "simulate samples: %.2f s (baseline)", simulate))
        print(String(format: "map:              %.2f s (%.1fx the baseline, %.0f ns per edge)", map, map / simulate, map * 1e9 / Double(max(cells, 1))))
        print(String(format: "encode circuit:   %.2f s (%.1f MB)", encode, Double(bytes) / 1e6))
        print(String(format: "total %.2f s; peak resident memory %.2f GB", simulate + map + encode, peak / 1e9))
    }
}
