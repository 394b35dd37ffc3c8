import ArgumentParser
import Dispatch
import Foundation
import KNModel
import KNSimulate
import KNVary

struct MonteCarloCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mc",
        abstract: "Monte Carlo over transistor mismatch (and optionally noise): output error, yield, accuracy.",
        discussion: """
        Each sample is one chip: every edge's offset, gain, amplitude and src/des copy mismatch is drawn from
        Pelgrom's law (pdk/<name>.xml: σ(ΔVT) = A_VT/√(WL), σ(Δβ/β) = A_β/√(WL)) through the sensitivities of
        the edge's cell. With --circuit the cells are the mapped circuit's sized cells, each device's sensitivities
        measured in ngspice (a minute or two per cell per core; `kn-map mc-cells` checks them against a foundry
        Monte Carlo); without it they are an ASSUMED default topology (input pair, degeneration, tail and two output
        mirrors with fixed W × L). Every report says which. Sample i depends only
        on (--seed, i): shards merge exactly, and a killed run continues with --resume.

        With --characterized DIR/characterized.json (kn-map map --characterize-edges) every chip computes with the
        mapped cells' fitted laws, not the ideal ones, and its mismatch comes on top: the errors then hold both the
        cells' systematic error and the spread. They are measured against the ideal read-out of --target (default
        MODEL; give the original network for a model retrained with --characterized), and the report gives the
        chip without mismatch against it too; --against nominal measures the spread alone.

        The network is integrated with fixed-step RK4, the step chosen so that the nominal read-out is within
        --tolerance of the exact solution (or --steps per unit time). Metrics per chip: mean, rms and max of
        |y_chip − y_nominal| over the inputs; accuracy with --data/--labels; energy distance to the nominal points
        for networks with 2-D read-outs (generation). Writes OUT.json, OUT.csv and OUT-*.svg.

        Examples:
          kn-map mc twomoon.knm --samples 1000 --seed 1 -o mc/twomoon.json
          kn-map mc twomoon.knm --samples 1000 --seed 1 --spec max-error<=0.1 --noise -o mc/twomoon.json
          kn-map mc mnist.knm --samples 50 --data t10k-images-idx3-ubyte --labels t10k-labels-idx1-ubyte -o mc/mnist.json
          kn-map mc twomoon.knm --samples 1000 --seed 1 --shard 3/8 -o mc/shard-3.json
          kn-map mc twomoon-pre.knm --samples 1000 --characterized chip/characterized.json --target twomoon.knm -o mc/chip.json
          kn-map mc merge mc/shard-*.json -o mc/twomoon.json
        """,
        subcommands: [MonteCarloRun.self, MonteCarloMerge.self],
        defaultSubcommand: MonteCarloRun.self
    )
}

/// The chip and mismatch settings that `mc` and `retrain` share.
struct VariationOptions: ParsableArguments {
    @Option(help: "Process description pdk/<name>.xml with the Pelgrom coefficients.")
    var pdk = "sky130"

    @Option(help: "A mapped circuit (the folder kn-map map wrote, or its circuit.json) for this model: use its sized cells, with every cell's sensitivities measured in ngspice (kept in sensitivities.json beside the circuit and reused while the circuit file is unchanged), and its process's Pelgrom coefficients, instead of the assumed topology and --pdk.")
    var circuit: String?

    @Option(help: "Volts per model unit α (DESIGN.md §3).")
    var alpha = 0.03

    @Option(help: "Amperes per model unit β.")
    var beta = 100e-9

    @Option(name: .customLong("node-capacitance"), help: "Node capacitance C in farads.")
    var nodeCapacitance = 1e-12

    @Option(help: "Chip temperature in °C (sets U_T in the cell sensitivities and kT in the noise).")
    var temperature = 27.0

    @Option(help: "Scale every mismatch σ (1 = the process).")
    var sigmaScale = 1.0

    @Option(help: "A global shift added to every edge: offset=X,gain=X,amplitude=X,copy=X (chosen by you).")
    var global: String?

    @Option(help: "A report of kn-map corners for this model (OUT/report.json): with --condition, every chip gets that condition's measured shift of each edge on top of its mismatch.")
    var corners: String?

    @Option(help: "The condition of --corners to run at, CORNER@CELSIUS (e.g. ss@85), or CORNER at the reference temperature.")
    var condition: String?

    @Option(help: "The mapped circuit's characterized cells (the characterized.json that kn-map map --characterize-edges wrote for this model): every chip carries each cell's fitted errors (weight and amplitude ratios, argument offset, compression, output offsets) on top of the parameters, and its mismatch on top of those.")
    var characterized: String?

    @Option(help: "The network the chips should compute (default: MODEL): mc measures the chips against its read-out, retrain distils towards it. Give the original network when MODEL was retrained with --characterized.")
    var target: String?

    @Option(help: "Vary only these effective parameters (comma-separated: offset, gain, amplitude, copy), to see which mismatch dominates.")
    var components = "offset,gain,amplitude,copy"

    @Option(help: "RK4 steps per model time unit (default: calibrated against the exact solution with --tolerance).")
    var steps: Int?

    @Option(help: "Largest allowed difference of the nominal RK4 read-out from the exact solution when calibrating --steps.")
    var tolerance = 1e-3

    var scale: ChipScale {
        ChipScale(voltsPerUnit: alpha, amperesPerUnit: beta, capacitance: nodeCapacitance, temperatureKelvin: temperature + 273.15)
    }

    func validate() throws {
        for (name, v) in [("--alpha", alpha), ("--beta", beta), ("--node-capacitance", nodeCapacitance), ("--tolerance", tolerance)] where !(v > 0 && v.isFinite) {
            throw ValidationError("\(name) must be a positive number")
        }
        if !(sigmaScale >= 0 && sigmaScale.isFinite) { throw ValidationError("--sigma-scale must be ≥ 0") }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1") }
        if temperature <= -273.15 { throw ValidationError("--temperature is below absolute zero") }
        _ = try globalShift()
        _ = try componentSet()
        if (corners == nil) != (condition == nil) { throw ValidationError("--corners and --condition go together") }
    }

    /// The per-edge shifts of --condition from the --corners report, checked against the digest of the model file
    /// `network` was read from, and a description.
    func cornerShift(_ network: Network, modelDigest digest: String) throws -> (shifts: MismatchInstance, description: String)? {
        guard let corners, let condition else { return nil }
        let url = URL(fileURLWithPath: corners)
        let report: ProcessConditionReport
        do {
            report = try JSONDecoder.nonConforming.decode(ProcessConditionReport.self, from: Data(contentsOf: url))
        } catch {
            throw ModelError.invalid(corners, "is not a kn-map corners report (\(error)); give the report.json that kn-map corners wrote")
        }
        guard report.modelDigest == digest else {
            throw ModelError.invalid(corners, "was measured for another model file (digest \(report.modelDigest), the model has \(digest)); run kn-map corners on this model")
        }
        let index = try report.conditionIndex(condition)
        let c = report.conditions[index].condition
        let broken = report.conditions[index].brokenCells
        guard broken.isEmpty else {
            throw ModelError.invalid(corners, "at \(c) \(broken.count) of \(report.edges.count) measured cells (\(broken.prefix(5).joined(separator: ", "))) do not compute their law, so shifted laws cannot stand for the chip there; fix the cells' operating region at \(c) and map again")
        }
        return (ProcessConditionReport.shiftInstance(network: network, edges: report.edges, condition: index),
                "\(report.process) \(c) from \(corners) (\(report.edges.count) of \(report.cellCount) cells measured, against \(report.reference))")
    }

    func componentSet() throws -> Set<EffectiveParameter> {
        var set = Set<EffectiveParameter>()
        for c in components.split(separator: ",") {
            guard let p = EffectiveParameter(rawValue: String(c)) else {
                throw ValidationError("--components: unknown '\(c)'; use offset, gain, amplitude, copy")
            }
            set.insert(p)
        }
        return set
    }

    func globalShift() throws -> GlobalShift {
        var g = GlobalShift()
        guard let global else { return g }
        for part in global.split(separator: ",") {
            let kv = part.split(separator: "=")
            guard kv.count == 2, let v = Double(kv[1]), v.isFinite else {
                throw ValidationError("--global \(global): write offset=X,gain=X,amplitude=X,copy=X")
            }
            switch kv[0] {
            case "offset": g.offset = v
            case "gain": g.gain = v
            case "amplitude": g.amplitude = v
            case "copy": g.copy = v
            default: throw ValidationError("--global: unknown parameter '\(kv[0])'; use offset, gain, amplitude or copy")
            }
        }
        return g
    }

    func processMismatch() throws -> ProcessMismatch {
        try ProcessMismatch.load(processFile: ToolkitFolders.processDescription(pdk))
    }

    /// The mismatch model of `network` (read from `model`): the mapped cells of --circuit, else the assumed topology;
    /// every draw shifted by `corner` (``cornerShift(_:modelDigest:)``).
    func mismatchModel(_ network: Network, model: String, corner: MismatchInstance?) throws -> MismatchModel {
        if let circuit {
            let folder = try MappedFolder.load(network: network, model: model, circuit: circuit)
            return MismatchModel(network: network, cells: try folder.cellProvider(), mismatch: try ProcessMismatch(folder.catalog.process),
                                 global: try globalShift(), base: corner, scale: sigmaScale,
                                 components: try componentSet())
        }
        let cells = AssumedCellTopology(family: network.family, voltsPerUnit: alpha, temperatureKelvin: temperature + 273.15)
        return MismatchModel(network: network, cells: cells, mismatch: try processMismatch(), global: try globalShift(),
                             base: corner, scale: sigmaScale, components: try componentSet())
    }

    /// The errors of the --characterized cells of `network`, or nil without it. The fixed-step integrator carries
    /// the cells' laws only: when the file also holds their capacitances, a line on standard error says so.
    func cellErrors(_ network: Network) throws -> CellLawErrors? {
        try characterized.map { path in
            let edges = try CharacterizedEdges.read(from: URL(fileURLWithPath: path))
            if edges.hasDynamics {
                FileHandle.standardError.write(Data("note: \(path) also holds the cells' capacitances; the fixed-step integrator carries the cells' laws only (kn-map simulate --edges characterized carries both)\n".utf8))
            }
            return try CellLawErrors(characterized: edges, network: network, file: path)
        }
    }

    /// The --target network, or nil without it.
    func targetNetwork() throws -> Network? {
        try target.map { try ModelFile.read(from: URL(fileURLWithPath: $0)) }
    }

    /// The integrator at --steps, or calibrated on up to 16 of `inputs` (on the network's own laws), carrying
    /// `cellErrors`.
    func integrator(_ network: Network, inputs: [[Double]], cellErrors: CellLawErrors? = nil) throws -> (FixedStepIntegrator, Double) {
        let probe = Array(inputs.prefix(16))
        if let steps {
            let i = try FixedStepIntegrator(network: network, stepsPerUnit: steps, cellErrors: cellErrors)
            return (i, try i.nominalDeviation(inputs: probe))
        }
        let r = try FixedStepIntegrator.calibrated(network: network, inputs: probe, tolerance: tolerance)
        guard let cellErrors else { return (r.integrator, r.deviation) }
        return (try FixedStepIntegrator(network: network, stepsPerUnit: r.integrator.stepsPerUnit, cellErrors: cellErrors), r.deviation)
    }
}

/// Where the inputs come from, shared by `mc` and `retrain`.
struct InputOptions: ParsableArguments {
    @Option(help: "Inputs in model units (.csv, .npy or .json; a sample per row).")
    var inputs: String?

    @Option(help: "Labelled data (IDX, NPY or CSV; a sample per row) for accuracy / task loss; needs --labels.")
    var data: String?

    @Option(help: "Labels of --data (IDX, NPY or CSV; the first column).")
    var labels: String?

    @Option(help: "Without --inputs or --data: this many standard normal inputs (latents of a generative network).")
    var inputCount = 64

    @Option(help: "Seed of the standard normal inputs.")
    var inputSeed: UInt64 = 1

    @Option(help: "Use only the first K rows of --data.")
    var limit: Int?

    func validate() throws {
        if inputs != nil && data != nil { throw ValidationError("give either --inputs or --data, not both") }
        if (data == nil) != (labels == nil) { throw ValidationError("--data and --labels go together") }
        if inputCount < 1 { throw ValidationError("--input-count must be at least 1") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    /// The inputs, the labels, a description and a digest.
    func load(_ network: Network) throws -> (inputs: [[Double]], labels: [Int]?, name: String, digest: String) {
        if let data, let labels {
            var t = try DataFile.read(URL(fileURLWithPath: data))
            var l = try DataFile.labels(URL(fileURLWithPath: labels))
            if let limit {
                t = SampleTable(rows: min(limit, t.rows), columns: t.columns, values: Array(t.values.prefix(min(limit, t.rows) * t.columns)))
                l = Array(l.prefix(limit))
            }
            let digest = fnv1a64(Data(bytes: t.values, count: t.values.count * 8) + Data(l.map(String.init).joined(separator: ",").utf8))
            return (t.samples, l, "\(data) + \(labels)\(limit.map { " (first \($0))" } ?? "")", digest)
        }
        let t: SampleTable
        let name: String
        if let inputs {
            t = try SampleTable.read(from: URL(fileURLWithPath: inputs))
            name = inputs
        } else {
            t = SampleTable.standardNormal(rows: inputCount, columns: network.inputWidth, seed: inputSeed)
            name = "\(inputCount) standard normal inputs, seed \(inputSeed)"
        }
        return (t.samples, nil, name, fnv1a64(Data(bytes: t.values, count: t.values.count * 8)))
    }
}

struct MonteCarloRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run (a shard of) a Monte Carlo; `kn-map mc MODEL …` is short for `kn-map mc run MODEL …`.")

    @Argument(help: "A model file written by `kn-map import`.")
    var model: String

    @Option(help: "Number of Monte Carlo samples (chips).")
    var samples: Int

    @Option(help: "Seed: sample i depends only on (seed, i).")
    var seed: UInt64 = 0

    @Option(help: "Run only shard i of N (0 ≤ i < N), contiguous blocks of samples; merge with `kn-map mc merge`.")
    var shard: String?

    @Flag(help: "Continue from the checkpoint (OUT.checkpoint.jsonl) of a run with the same options.")
    var resume = false

    @Option(parsing: .singleValue, help: "A yield condition METRIC<=X or METRIC>=X (repeatable); metrics: mean-error, rms-error, max-error, accuracy, energy-distance.")
    var spec: [String] = []

    @Flag(help: "Add circuit noise: cell thermal/shot noise (SDE, Euler–Maruyama), kT/C on the inputs, flicker with --flicker-corner.")
    var noise = false

    @Option(help: "Flicker corner frequency in Hz (with --noise; 0: none).")
    var flickerCorner = 0.0

    @Option(help: "What the chips' errors are measured against: target (the ideal read-out of --target, default MODEL) or nominal (the chip without mismatch, on the --characterized cells when given). The two differ only with --characterized or --target.")
    var against: ChipReference = .target

    @OptionGroup var variation: VariationOptions
    @OptionGroup var input: InputOptions

    @Option(name: .shortAndLong, help: "Result file OUT.json (OUT.csv and OUT-*.svg are written beside it).")
    var output: String

    func validate() throws {
        if samples < 1 { throw ValidationError("--samples must be at least 1") }
        if let shard { do { _ = try Shard(parsing: shard) } catch { throw ValidationError("\(error)") } }
        for s in spec { do { _ = try SpecCondition(parsing: s) } catch { throw ValidationError("\(error)") } }
        if URL(fileURLWithPath: output).pathExtension.lowercased() != "json" { throw ValidationError("--output must end in .json") }
        if flickerCorner < 0 || (flickerCorner > 0 && !noise) { throw ValidationError("--flicker-corner needs --noise and must be ≥ 0") }
        if against == .nominal && variation.target != nil {
            throw ValidationError("--against nominal measures the chips against the chip without mismatch, so --target would not be used; leave one of them out")
        }
    }

    /// The read-out the chips are measured against, with its description: the ideal --target (or MODEL) integrated
    /// like the chips, or nil when that is the chip without mismatch.
    func chipReference(_ network: Network, modelDigest: String, inputs: [[Double]], stepsPerUnit: Int) throws
        -> (readOut: [[Double]], description: String)? {
        guard against == .target, variation.characterized != nil || variation.target != nil else { return nil }
        let target = try variation.targetNetwork() ?? network
        guard target.inputWidth == network.inputWidth else {
            throw ModelError.invalid(variation.target ?? model, "takes \(target.inputWidth) inputs where \(model) takes \(network.inputWidth); give the network MODEL was derived from")
        }
        let name = variation.target ?? model
        let digest = variation.target == nil ? modelDigest : fnv1a64(try Data(contentsOf: URL(fileURLWithPath: name)))
        let readOut = try FixedStepIntegrator(network: target, stepsPerUnit: stepsPerUnit).outputs(inputs: inputs, mismatch: nil)
        return (readOut, "the ideal read-out of \(name) (digest \(digest))")
    }

    func run() throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let modelURL = URL(fileURLWithPath: model)
        let modelData = try Data(contentsOf: modelURL)
        let network = try ModelFile.decode(modelData, path: model)
        let (inputs, labels, inputName, inputDigest) = try input.load(network)
        let cellErrors = try variation.cellErrors(network)
        let (integrator, deviation) = try variation.integrator(network, inputs: inputs, cellErrors: cellErrors)
        let modelDigest = fnv1a64(modelData)
        let corner = try variation.cornerShift(network, modelDigest: modelDigest)
        let mismatch = try variation.mismatchModel(network, model: model, corner: corner?.shifts)
        let noiseModel = noise ? NoiseModel(scale: variation.scale, flickerCorner: flickerCorner) : nil
        let reference = try chipReference(network, modelDigest: modelDigest, inputs: inputs, stepsPerUnit: integrator.stepsPerUnit)
        let runner = try MonteCarloRunner(integrator: integrator, mismatch: mismatch, noise: noiseModel, inputs: inputs,
                                          labels: labels, seed: seed, reference: reference?.readOut)
        let conditions = try spec.map { try SpecCondition(parsing: $0) }
        var points: [[Double]]? = nil, chipZero: [[Double]]? = nil
        if runner.generative {
            points = Array(runner.reference.prefix(512))
            chipZero = Array(try runner.chipOutputs(0).prefix(512))
        }
        let characterized = try variation.characterized.map { path in
            "\(path) (digest \(fnv1a64(try Data(contentsOf: URL(fileURLWithPath: path)))), \(cellErrors?.fittedEdges ?? 0) fitted laws)"
        }
        let configuration = MonteCarloConfiguration(
            model: modelURL.lastPathComponent, modelDigest: modelDigest, samples: samples, seed: seed,
            inputs: inputName, inputsDigest: inputDigest, inputCount: inputs.count, stepsPerUnit: integrator.stepsPerUnit,
            integratorDeviation: deviation, process: mismatch.mismatch.process,
            mismatchSource: [mismatch.mismatch.nmos.source, mismatch.mismatch.pmos.source], cells: mismatch.provenance,
            sigmaScale: variation.sigmaScale, components: EffectiveParameter.allCases.filter { mismatch.components.contains($0) }, global: try variation.globalShift(),
            condition: corner?.description, characterized: characterized, reference: reference?.description,
            nominalChip: runner.nominalRecord, noise: noiseModel, spec: conditions,
            labelled: labels != nil, nominalAccuracy: runner.nominalAccuracy, nominalPoints: points, chipZeroPoints: chipZero)
        let shardValue = try shard.map { try Shard(parsing: $0) }
        let indices = shardValue?.indices(samples: samples) ?? 0..<samples
        let outURL = URL(fileURLWithPath: output)
        let checkpointURL = outURL.deletingPathExtension().appendingPathExtension("checkpoint.jsonl")
        let checkpoint = try MonteCarloCheckpoint(url: checkpointURL, configuration: configuration, shard: shardValue, resume: resume)
        let done = checkpoint.records.filter { indices.contains($0.key) }
        if !done.isEmpty {
            FileHandle.standardError.write(Data("resuming: \(done.count) of \(indices.count) samples already in \(checkpointURL.path)\n".utf8))
        }
        let bar = ProgressBar(total: indices.count - done.count, label: "mc")
        let runStart = DispatchTime.now().uptimeNanoseconds
        let records = try runner.run(indices: indices, done: done, finished: { try checkpoint.append($0) },
                                     progress: { bar.update($0) })
        bar.finish()
        let runSeconds = Double(DispatchTime.now().uptimeNanoseconds - runStart) * 1e-9
        let result = MonteCarloResult(configuration: configuration, shard: shardValue, records: records)
        try MonteCarloReport.write(result, to: outURL)
        checkpoint.remove()
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        let new = indices.count - done.count
        var msg = "wrote \(outURL.path): \(records.count) samples (\(new) simulated in \(String(format: "%.2f", runSeconds)) s, \(String(format: "%.1f", Double(new) / max(runSeconds, 1e-9))) samples/s; \(String(format: "%.2f", total)) s in all) on \(ProcessInfo.processInfo.activeProcessorCount) cores, \(inputs.count) inputs per chip, RK4 \(integrator.stepsPerUnit) steps/unit (nominal within \(String(format: "%.1e", deviation)) of exact)\n"
        if let s = result.summary[ChipMetric.meanError.rawValue] {
            msg += String(format: "mean error per chip: mean %.4g, median %.4g, p95 %.4g, max %.4g\n", s.mean, s.median, s.p95, s.maximum)
        }
        if let a = result.summary[ChipMetric.accuracy.rawValue] {
            msg += String(format: "accuracy: nominal %.4f, chips mean %.4f, p05 %.4f, min %.4f\n", runner.nominalAccuracy ?? .nan, a.mean, a.p05, a.minimum)
        }
        if let e = result.summary[ChipMetric.energyDistance.rawValue] {
            msg += String(format: "energy distance to nominal: mean %.4g, p95 %.4g\n", e.mean, e.p95)
        }
        if let y = result.yield { msg += "yield (\(conditions.map(\.description).joined(separator: ", "))): \(y)\n" }
        msg += "cells: \(mismatch.provenance)\n"
        if let c = configuration.characterized { msg += "every chip on the characterized cells of \(c)\n" }
        if let r = configuration.reference { msg += "errors against \(r)\n" }
        if let n = configuration.nominalChip {
            msg += String(format: "chip without mismatch against it: mean error %.4g, rms %.4g, max %.4g\n", n.meanError, n.rmsError, n.maxError)
        }
        if let c = configuration.condition { msg += "every chip at \(c)\n" }
        FileHandle.standardError.write(Data(msg.utf8))
    }
}

/// What `kn-map mc` measures the chips' errors against.
enum ChipReference: String, ExpressibleByArgument, CaseIterable {
    /// The ideal read-out of the network the chips should compute.
    case target
    /// The chip without mismatch.
    case nominal
}

struct MonteCarloMerge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the shard results of one Monte Carlo run into the complete result.")

    @Argument(help: "Shard results (OUT.json files of `kn-map mc … --shard i/N`).")
    var parts: [String]

    @Option(name: .shortAndLong, help: "The merged result OUT.json (OUT.csv and OUT-*.svg beside it).")
    var output: String

    func validate() throws {
        if parts.isEmpty { throw ValidationError("give the shard results to merge") }
        if URL(fileURLWithPath: output).pathExtension.lowercased() != "json" { throw ValidationError("--output must end in .json") }
    }

    func run() throws {
        let results = try parts.map { try MonteCarloResult.read(from: URL(fileURLWithPath: $0)) }
        let merged = try MonteCarloResult.merge(results, names: parts)
        try MonteCarloReport.write(merged, to: URL(fileURLWithPath: output))
        FileHandle.standardError.write(Data("wrote \(output): \(merged.records.count) samples from \(parts.count) shards\n".utf8))
    }
}

/// Writes OUT.json, OUT.csv and the charts, each atomically.
enum MonteCarloReport {
    static func write(_ result: MonteCarloResult, to url: URL) throws {
        let stem = url.deletingPathExtension()
        try AtomicFile.write(try result.json(), to: url)
        try AtomicFile.write(Data(result.csv().utf8), to: stem.appendingPathExtension("csv"))
        for (suffix, svg) in result.charts() {
            try AtomicFile.write(Data(svg.utf8), to: URL(fileURLWithPath: stem.path + suffix + ".svg"))
        }
    }
}

/// A progress bar on standard error, drawn only when standard error is a terminal.
final class ProgressBar: @unchecked Sendable {
    let total: Int
    let label: String
    let enabled = isatty(STDERR_FILENO) == 1
    private let lock = NSLock()
    private var last = 0.0
    private let start = DispatchTime.now().uptimeNanoseconds

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    func update(_ done: Int) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        let t = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        guard t - last > 0.1 || done == total else { return }
        last = t
        let width = 30
        let filled = total > 0 ? width * done / total : width
        let rate = Double(done) / max(t, 1e-9)
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let line = "\r\(label) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(done)/\(total) \(String(format: "%.1f", rate))/s ETA \(String(format: "%.0f", eta)) s "
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}

extension MonteCarloRun: WritesFiles {
    /// The result files and the checkpoint (rewritten atomically when a run starts or resumes). The checkpoint
    /// itself stays on interruption: `--resume` continues from it.
    /// With --circuit also the circuit's sensitivity cache (written when its cells are measured).
    var outputFiles: [URL] {
        MonteCarloReport.files(for: URL(fileURLWithPath: output))
            + [URL(fileURLWithPath: output).deletingPathExtension().appendingPathExtension("checkpoint.jsonl")]
            + (variation.circuit.map { [MappedFolder.sensitivityCache(circuit: $0)] } ?? [])
    }
}

extension MonteCarloMerge: WritesFiles {
    var outputFiles: [URL] { MonteCarloReport.files(for: URL(fileURLWithPath: output)) }
}

extension MonteCarloReport {
    /// Every file ``write(_:to:)`` may write for `url`.
    static func files(for url: URL) -> [URL] {
        let stem = url.deletingPathExtension()
        return [url, stem.appendingPathExtension("csv")]
            + ["-error", "-yield", "-scatter", "-accuracy"].map { URL(fileURLWithPath: stem.path + $0 + ".svg") }
    }
}
