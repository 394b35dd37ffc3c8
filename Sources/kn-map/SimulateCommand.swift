import ArgumentParser
import Foundation
import KNModel
import KNSimulate

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Integrate a network on inputs and write the node voltages at every t_end anchor.",
        discussion: """
        --method exact (default) integrates the KCL ODE with CVODES Adams at rtol = atol = 1e-10: what the
        circuit computes. --method dopri5 uses ARKODE's Dormand–Prince 5(4) at the config's tol, first_step and
        min_step: the method upstream's torchdiffeq runs. --method stiff is CVODES BDF with a sparse KLU
        Jacobian, for small node capacitances (--capacitance). Inputs run in parallel over all cores.

        Output rows (CSV): sample, k, time, logp, v1..vN, where k counts the layers integrated so far (k = 0 is
        the input); a row with k = output holds the projected read-out when the network has a projector.
        --trajectory adds rows with k = trajectory at the requested times.

        --edges characterized simulates the mapped circuit instead of the trained network: every edge that `kn-map map --characterize-edges` measured follows the law fitted to its transistor cell (separate output gains and offsets for the current leaving src and the current entering des; weight, offset, input compression and knee errors), the others their family's law. Give the file with --characterized. All three methods support it.

        Examples:
          kn-map simulate twomoon.knm --inputs points.csv -o out.csv
          kn-map simulate twomoon.knm --samples 1000 --seed 3 --method dopri5 -o out.json
          kn-map simulate twomoon.knm --inputs z.npy --reverse --logp -o latent.csv
          kn-map simulate mnist.knm --inputs images.npy --method exact --rtol 1e-8 -o logits.csv
          kn-map simulate twomoon.knm --inputs points.csv --edges characterized --characterized chip/characterized.json -o chip.csv
        """
    )

    @Argument(help: "A model file written by `kn-map import`.")
    var model: String

    @Option(help: "Inputs in model units: .csv (a sample per line), .npy (samples × values) or .json (array of samples).")
    var inputs: String?

    @Option(help: "Draw this many standard normal inputs instead of reading --inputs.")
    var samples: Int?

    @Option(help: "Seed for --samples.")
    var seed: UInt64 = 0

    @Option(help: "Width of the --samples inputs (default: the first layer's node count, or the encoder's input width).")
    var width: Int?

    @Option(help: "exact | dopri5 | stiff")
    var method: MethodName = .exact

    @Option(help: "Relative tolerance of exact/stiff.")
    var rtol: Double = 1e-10

    @Option(help: "Absolute tolerance of exact/stiff.")
    var atol: Double = 1e-10

    @Flag(help: "Run the layers in reverse (upstream's reverse=True: data → latent).")
    var reverse = false

    @Flag(inversion: .prefixedNo, help: "Integrate the log-density d logp/dt = −tr(∂f/∂v) (default: on for augmented networks).")
    var logp: Bool?

    @Flag(help: "Integrate upstream's float32 layer spans instead of the exact decimal spans.")
    var float32Spans = false

    @Option(parsing: .upToNextOption, help: "Also report the state at these absolute times.")
    var trajectory: [Double] = []

    @Option(help: "Node capacitance for every node (model units; default 1, as upstream).")
    var capacitance: Double?

    @Option(help: "ideal (the network's edge laws) | characterized (the laws fitted to the mapped cells, see --characterized)")
    var edges: EdgeModelName = .ideal

    @Option(help: "The characterized.json that `kn-map map --characterize-edges` wrote (with --edges characterized).")
    var characterized: String?

    @Flag(inversion: .prefixedNo, help: "With --edges characterized: load the nodes with the cells' measured capacitances where the file has them (kn-map characterize --dynamics-points).")
    var cellCapacitances = true

    @Option(name: .shortAndLong, help: "Output file, .csv or .json (default: CSV on standard output).")
    var output: String?

    enum EdgeModelName: String, ExpressibleByArgument, CaseIterable {
        case ideal, characterized
    }

    enum MethodName: String, ExpressibleByArgument, CaseIterable {
        case exact, dopri5, stiff
    }

    func validate() throws {
        if (inputs == nil) == (samples == nil) {
            throw ValidationError("give either --inputs FILE or --samples N")
        }
        if let samples, samples < 1 { throw ValidationError("--samples must be at least 1") }
        if let width, width < 1 { throw ValidationError("--width must be at least 1") }
        if width != nil && samples == nil { throw ValidationError("--width goes with --samples") }
        if method == .dopri5 && (rtol != 1e-10 || atol != 1e-10) {
            throw ValidationError("--rtol/--atol set exact and stiff; dopri5 uses the model's own tol (upstream's setting)")
        }
        if !(rtol > 0) || !(atol > 0) { throw ValidationError("--rtol and --atol must be positive") }
        if let capacitance, !(capacitance > 0 && capacitance.isFinite) {
            throw ValidationError("--capacitance must be a positive number")
        }
        if edges == .characterized && characterized == nil {
            throw ValidationError("--edges characterized needs --characterized FILE (the characterized.json of kn-map map --characterize-edges)")
        }
        if edges == .ideal && characterized != nil {
            throw ValidationError("--characterized goes with --edges characterized")
        }
        if let output, !["csv", "json"].contains(URL(fileURLWithPath: output).pathExtension.lowercased()) {
            throw ValidationError("--output must end in .csv or .json")
        }
    }

    func run() throws {
        let network = try ModelFile.read(from: URL(fileURLWithPath: model))
        let table: SampleTable
        if let inputs {
            table = try SampleTable.read(from: URL(fileURLWithPath: inputs))
        } else {
            table = SampleTable.standardNormal(rows: samples!, columns: width ?? network.inputWidth, seed: seed)
        }
        var options = SimulationOptions()
        switch method {
        case .exact: options.method = .exact(relativeTolerance: rtol, absoluteTolerance: atol)
        case .dopri5: options.method = .dopri5
        case .stiff: options.method = .stiff(relativeTolerance: rtol, absoluteTolerance: atol)
        }
        options.direction = reverse ? .reverse : .forward
        options.spans = float32Spans ? .float32 : .exact
        options.logDensity = logp
        options.trajectoryTimes = trajectory
        if let capacitance {
            options.capacitances = network.layers.map { [Double](repeating: capacitance, count: $0.nodeCount) }
        }
        if let characterized {
            let laws = try CharacterizedEdges.read(from: URL(fileURLWithPath: characterized), for: network)
            options.edges = .characterized(laws)
            options.cellCapacitances = cellCapacitances
            if laws.hasDynamics {
                FileHandle.standardError.write(Data("edges: the cells' measured capacitances \(cellCapacitances ? "load the nodes" : "are left out (--no-cell-capacitances)")\n".utf8))
            }
            let counts = laws.counts
            FileHandle.standardError.write(Data("edges: characterized, \(counts.fitted) fitted laws (\(counts.ideal) measured edges kept the ideal law; the rest follow \(network.family.upstreamName))\n".utf8))
        }
        let simulator = try Simulator(network: network, options: options)
        let results = try simulator.run(batch: table.samples)
        let report = SimulationReport(inputs: table, results: results)
        if let output {
            let url = URL(fileURLWithPath: output)
            let data = url.pathExtension.lowercased() == "json" ? try report.json() : Data(report.csv().utf8)
            try AtomicFile.write(data, to: url)
            let evals = results.reduce(0) { $0 + $1.rightHandSideEvaluations }
            FileHandle.standardError.write(Data("wrote \(url.path): \(results.count) samples, \(evals) RHS evaluations\n".utf8))
        } else {
            print(report.csv(), terminator: "")
        }
    }
}
