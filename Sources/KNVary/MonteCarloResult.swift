import Foundation
import KNModel

/// A per-chip metric of a Monte Carlo run.
public enum ChipMetric: String, Codable, CaseIterable, Sendable {
    /// Mean over inputs of the Euclidean distance between the chip's read-out and the reference read-out (the
    /// chip without mismatch, unless the run names another: ``MonteCarloConfiguration/reference``).
    case meanError = "mean-error"
    /// Root mean square of that distance.
    case rmsError = "rms-error"
    /// Largest distance over the inputs.
    case maxError = "max-error"
    /// Classification accuracy on the labelled data (argmax of the read-out).
    case accuracy
    /// Energy distance between the chip's generated points and the reference read-out's (2-D read-outs).
    case energyDistance = "energy-distance"
}

/// One condition of a yield specification: `metric<=value` or `metric>=value`.
public struct SpecCondition: Codable, Hashable, Sendable, CustomStringConvertible {
    public var metric: ChipMetric
    public var atMost: Bool
    public var value: Double

    public init(metric: ChipMetric, atMost: Bool, value: Double) {
        self.metric = metric
        self.atMost = atMost
        self.value = value
    }

    /// Parses `max-error<=0.1` or `accuracy>=0.9`.
    public init(parsing text: String) throws(VaryError) {
        let ops = ["<=", ">="]
        guard let op = ops.first(where: { text.contains($0) }) else {
            throw .invalid("--spec \(text)", "write METRIC<=VALUE or METRIC>=VALUE, e.g. max-error<=0.1")
        }
        let parts = text.components(separatedBy: op)
        guard parts.count == 2, let m = ChipMetric(rawValue: parts[0].trimmingCharacters(in: .whitespaces)),
              let v = Double(parts[1].trimmingCharacters(in: .whitespaces)), v.isFinite else {
            throw .invalid("--spec \(text)", "unknown metric or value; metrics: \(ChipMetric.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.init(metric: m, atMost: op == "<=", value: v)
    }

    public var description: String { "\(metric.rawValue)\(atMost ? "<=" : ">=")\(value)" }

    public func passes(_ r: SampleRecord) -> Bool? {
        guard let x = r.value(metric) else { return nil }
        return atMost ? x <= value : x >= value
    }
}

/// The metrics of one Monte Carlo sample (one chip).
public struct SampleRecord: Codable, Hashable, Sendable {
    public var index: Int
    public var meanError: Double
    public var rmsError: Double
    public var maxError: Double
    public var accuracy: Double?
    public var energyDistance: Double?

    public func value(_ m: ChipMetric) -> Double? {
        switch m {
        case .meanError: return meanError
        case .rmsError: return rmsError
        case .maxError: return maxError
        case .accuracy: return accuracy
        case .energyDistance: return energyDistance
        }
    }
}

/// Everything that defines a Monte Carlo run. Two runs (or shards) with equal configurations draw the same chip
/// for the same sample index.
public struct MonteCarloConfiguration: Codable, Hashable, Sendable {
    public var model: String
    /// FNV-1a 64 of the model file's bytes.
    public var modelDigest: String
    public var samples: Int
    public var seed: UInt64
    public var inputs: String
    public var inputsDigest: String
    public var inputCount: Int
    public var stepsPerUnit: Int
    /// Largest difference of the nominal fixed-step read-out from the exact (CVODES 1e-10) solution.
    public var integratorDeviation: Double
    public var process: String
    public var mismatchSource: [String]
    public var cells: String
    public var sigmaScale: Double
    /// The effective parameters that varied.
    public var components: [EffectiveParameter]
    public var global: GlobalShift
    /// The process condition whose measured per-edge shifts every chip carries (kn-map corners), or nil.
    public var condition: String?
    /// The characterized cells every chip carries (the characterized.json of kn-map map, with its digest), or nil
    /// for the ideal edge laws.
    public var characterized: String?
    /// What the chips' errors are measured against when it is not the chip without mismatch (the ideal network's
    /// read-out, named with its file's digest), or nil.
    public var reference: String?
    /// The metrics of the chip without mismatch against ``reference`` (sample −1), when there is one.
    public var nominalChip: SampleRecord?
    public var noise: NoiseModel?
    public var spec: [SpecCondition]
    public var labelled: Bool
    /// Nominal accuracy (with labels).
    public var nominalAccuracy: Double?
    /// For 2-D read-outs: the nominal circuit's points and chip 0's points (for the scatter plot).
    public var nominalPoints: [[Double]]?
    public var chipZeroPoints: [[Double]]?

    public init(model: String, modelDigest: String, samples: Int, seed: UInt64, inputs: String, inputsDigest: String, inputCount: Int, stepsPerUnit: Int, integratorDeviation: Double, process: String, mismatchSource: [String], cells: String, sigmaScale: Double, components: [EffectiveParameter], global: GlobalShift, condition: String? = nil, characterized: String? = nil, reference: String? = nil, nominalChip: SampleRecord? = nil, noise: NoiseModel?, spec: [SpecCondition], labelled: Bool, nominalAccuracy: Double?, nominalPoints: [[Double]]?, chipZeroPoints: [[Double]]?) {
        self.model = model
        self.modelDigest = modelDigest
        self.samples = samples
        self.seed = seed
        self.inputs = inputs
        self.inputsDigest = inputsDigest
        self.inputCount = inputCount
        self.stepsPerUnit = stepsPerUnit
        self.integratorDeviation = integratorDeviation
        self.process = process
        self.mismatchSource = mismatchSource
        self.cells = cells
        self.sigmaScale = sigmaScale
        self.components = components
        self.global = global
        self.condition = condition
        self.characterized = characterized
        self.reference = reference
        self.nominalChip = nominalChip
        self.noise = noise
        self.spec = spec
        self.labelled = labelled
        self.nominalAccuracy = nominalAccuracy
        self.nominalPoints = nominalPoints
        self.chipZeroPoints = chipZeroPoints
    }
}

/// Statistics of one metric over the samples.
public struct MetricSummary: Codable, Hashable, Sendable {
    public var count: Int
    public var mean: Double
    public var standardDeviation: Double
    public var minimum: Double
    public var p05: Double
    public var median: Double
    public var p95: Double
    public var maximum: Double

    init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let s = values.sorted()
        let n = Double(s.count)
        let mean = s.reduce(0, +) / n
        let v = s.count > 1 ? s.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1) : 0
        count = s.count; self.mean = mean; standardDeviation = v.squareRoot()
        minimum = s[0]; p05 = s.sortedQuantile(0.05); median = s.sortedQuantile(0.5); p95 = s.sortedQuantile(0.95); maximum = s[s.count - 1]
    }
}

/// Which part of the samples a run computed: shard `index` of `count` takes the indices i with
/// `i * count / samples == index` (contiguous blocks).
public struct Shard: Codable, Hashable, Sendable {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws(VaryError) {
        guard count >= 1, index >= 0, index < count else {
            throw .invalid("--shard \(index)/\(count)", "write i/N with 0 ≤ i < N (N ≥ 1); SLURM_ARRAY_TASK_ID fits with --array=0-(N-1)")
        }
        self.index = index
        self.count = count
    }

    public init(parsing text: String) throws(VaryError) {
        let p = text.split(separator: "/")
        guard p.count == 2, let i = Int(p[0]), let n = Int(p[1]) else {
            throw .invalid("--shard \(text)", "write i/N, e.g. 0/8")
        }
        try self.init(index: i, count: n)
    }

    public func indices(samples: Int) -> Range<Int> {
        (index * samples / count)..<((index + 1) * samples / count)
    }
}

/// The result of a Monte Carlo run, a shard of one, or a merge of shards.
public struct MonteCarloResult: Codable, Hashable, Sendable {
    public var configuration: MonteCarloConfiguration
    /// `nil` for a complete run (unsharded or merged).
    public var shard: Shard?
    public var records: [SampleRecord]
    public var summary: [String: MetricSummary]
    /// Fraction of the samples meeting every spec condition (nil without a spec).
    public var yield: Double?

    public init(configuration: MonteCarloConfiguration, shard: Shard?, records: [SampleRecord]) {
        self.configuration = configuration
        self.shard = shard
        self.records = records.sorted { $0.index < $1.index }
        var summary = [String: MetricSummary]()
        for m in ChipMetric.allCases {
            if let s = MetricSummary(self.records.compactMap { $0.value(m) }) { summary[m.rawValue] = s }
        }
        self.summary = summary
        if configuration.spec.isEmpty || self.records.isEmpty {
            yield = nil
        } else {
            let pass = self.records.filter { r in configuration.spec.allSatisfy { $0.passes(r) ?? false } }.count
            yield = Double(pass) / Double(self.records.count)
        }
    }

    /// Merges shard results of one run into the complete result. Every shard must have the same
    /// configuration and together they must hold every sample index exactly once.
    public static func merge(_ parts: [MonteCarloResult], names: [String]) throws(VaryError) -> MonteCarloResult {
        guard let first = parts.first else { throw .invalid("mc merge", "give at least one shard result") }
        for (k, p) in parts.enumerated() where p.configuration != first.configuration {
            throw .invalid(names[k], "was run with a different configuration than \(names[0]) (model, seed, samples, inputs, spec or options differ); merge only shards of one run")
        }
        var seen = [Int: String]()
        var records = [SampleRecord]()
        for (k, p) in parts.enumerated() {
            for r in p.records {
                if let other = seen[r.index] {
                    throw .invalid(names[k], "sample \(r.index) is also in \(other); each shard must be given once")
                }
                seen[r.index] = names[k]
                records.append(r)
            }
        }
        let n = first.configuration.samples
        if let missing = (0..<n).first(where: { seen[$0] == nil }) {
            let count = (0..<n).filter { seen[$0] == nil }.count
            throw .invalid("mc merge", "\(count) of \(n) samples are missing (first: sample \(missing)); add the missing shard results or rerun them with --resume")
        }
        return MonteCarloResult(configuration: first.configuration, shard: nil, records: records)
    }

    public func json() throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try enc.encode(self)
    }

    public static func read(from url: URL) throws -> MonteCarloResult {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw VaryError.invalid(url.path, "cannot read the file: \(error.localizedDescription)")
        }
        do { return try JSONDecoder().decode(MonteCarloResult.self, from: data) } catch {
            throw VaryError.invalid(url.path, "is not a kn-map mc result (\(error)); give the .json a `kn-map mc` run wrote")
        }
    }

    /// One line per sample: index and every metric.
    public func csv() -> String {
        var s = "sample,mean_error,rms_error,max_error,accuracy,energy_distance\n"
        func f(_ x: Double?) -> String { x.map { "\($0)" } ?? "" }
        for r in records {
            s += "\(r.index),\(r.meanError),\(r.rmsError),\(r.maxError),\(f(r.accuracy)),\(f(r.energyDistance))\n"
        }
        return s
    }
}

/// Errors of the variation tools: the place and what to do.
public enum VaryError: Error, Equatable, CustomStringConvertible, Sendable {
    case invalid(_ place: String, _ problem: String)

    public var description: String {
        switch self {
        case let .invalid(place, problem): return "\(place): \(problem)"
        }
    }
}
