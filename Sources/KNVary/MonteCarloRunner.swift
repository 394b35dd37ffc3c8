import Foundation
import KNModel
import KNSimulate

/// Runs Monte Carlo samples (chips) of a network: sample i draws its mismatch (and noise) from (seed, i) only,
/// simulates every input on that chip with the fixed-step integrator and reduces the read-outs to a
/// ``SampleRecord``. Samples run in parallel over all cores; each finished sample is appended to a checkpoint
/// file, so a killed run resumes where it stopped and gives the same result.
public struct MonteCarloRunner: Sendable {
    public let integrator: FixedStepIntegrator
    public let mismatch: MismatchModel
    public let noise: NoiseModel?
    public let inputs: [[Double]]
    public let labels: [Int]?
    public let seed: UInt64
    /// The nominal read-out of every input (same integrator, no mismatch, no noise): the chip without mismatch.
    public let nominal: [[Double]]
    /// The read-out every chip is measured against: ``nominal`` unless another was given (the ideal network's,
    /// when the integrator carries characterized cells).
    public let reference: [[Double]]
    /// Whether the energy distance is computed (2-D read-outs without labels: a generative network).
    public let generative: Bool

    /// - Parameter reference: the read-out of every input that the chips' errors are measured against
    ///   (`[input][output]`); `nil` measures them against the chip without mismatch.
    public init(integrator: FixedStepIntegrator, mismatch: MismatchModel, noise: NoiseModel?, inputs: [[Double]],
                labels: [Int]?, seed: UInt64, reference: [[Double]]? = nil) throws {
        if let labels, labels.count != inputs.count {
            throw VaryError.invalid("--labels", "has \(labels.count) labels for \(inputs.count) data rows; give one label per row")
        }
        self.integrator = integrator
        self.mismatch = mismatch
        self.noise = noise
        self.inputs = inputs
        self.labels = labels
        self.seed = seed
        let nominal = try integrator.outputs(inputs: inputs, mismatch: nil)
        if let reference {
            let width = nominal.first?.count ?? 0
            guard reference.count == nominal.count, reference.allSatisfy({ $0.count == width }) else {
                throw VaryError.invalid("the reference read-out", "has \(reference.count) rows of \(reference.first?.count ?? 0) outputs where the chips give \(nominal.count) of \(width); the reference network must read out as many outputs as the model")
            }
        }
        self.nominal = nominal
        self.reference = reference ?? nominal
        self.generative = labels == nil && (nominal.first?.count ?? 0) == 2
    }

    /// The read-outs of chip `index`.
    public func chipOutputs(_ index: Int) throws -> [[Double]] {
        let m = mismatch.draw(seed: seed, index: index)
        let noiseRng = MismatchModel.generator(seed: seed ^ 0x4E4F_4953_4500_0000, index: index)
        return try integrator.outputs(inputs: inputs, mismatch: m, noise: noise, noiseGenerator: noiseRng)
    }

    /// The read-outs of chips `indices` (`[chip][input][output]`), in parallel over all cores.
    public func chipOutputs(_ indices: Range<Int>) throws -> [[[Double]]] {
        let slots = ResultSlots<[[Double]], any Error>(count: indices.count)
        DispatchQueue.concurrentPerform(iterations: indices.count) { k in
            slots.set(k, Result { try chipOutputs(indices.lowerBound + k) })
        }
        return try slots.take().enumerated().map { k, r in
            guard let r else { throw VaryError.invalid("chip \(indices.lowerBound + k)", "did not run") }
            return try r.get()
        }
    }

    /// Simulates chip `index` and reduces it to its metrics.
    public func record(_ index: Int) throws -> SampleRecord {
        metrics(of: try chipOutputs(index), index: index)
    }

    /// The metrics of the chip without mismatch against ``reference``, recorded as sample −1; `nil` when the chips
    /// are measured against that chip itself (all its errors would be 0).
    public var nominalRecord: SampleRecord? {
        reference == nominal ? nil : metrics(of: nominal, index: -1)
    }

    /// The metrics of read-outs `y` (`[input][output]`) against ``reference``.
    func metrics(of y: [[Double]], index: Int) -> SampleRecord {
        var sum = 0.0, sq = 0.0, worst = 0.0
        for (a, b) in zip(y, reference) {
            var d = 0.0
            for (x, z) in zip(a, b) { d += (x - z) * (x - z) }
            d = d.squareRoot()
            sum += d; sq += d * d; worst = max(worst, d)
        }
        let n = Double(max(y.count, 1))
        var accuracy: Double? = nil
        if let labels {
            let hits = zip(y, labels).filter { argmax($0.0) == $0.1 }.count
            accuracy = Double(hits) / n
        }
        return SampleRecord(index: index, meanError: sum / n, rmsError: (sq / n).squareRoot(), maxError: worst,
                            accuracy: accuracy, energyDistance: generative ? energyDistance(y, reference) : nil)
    }

    public var nominalAccuracy: Double? {
        labels.map { accuracy(nominal, labels: $0) }
    }

    /// Runs `indices` (skipping `done`) in parallel. `finished` is called (serialised) with each new record;
    /// `progress` with the count of finished samples of this call. Returns the records of `indices`.
    public func run(indices: Range<Int>, done: [Int: SampleRecord], finished: @Sendable (SampleRecord) throws -> Void,
                    progress: @Sendable (Int) -> Void) throws -> [SampleRecord] {
        let pending = indices.filter { done[$0] == nil }
        let collector = Collector()
        let chunks = max(1, min(pending.count, ProcessInfo.processInfo.activeProcessorCount * 4))
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            var k = c
            while k < pending.count {
                if collector.failed { return }
                do {
                    let r = try record(pending[k])
                    try collector.add(r, finished)
                    progress(collector.count)
                } catch {
                    collector.fail(pending[k], error)
                    return
                }
                k += chunks
            }
        }
        if let (index, error) = collector.failure {
            throw VaryError.invalid("sample \(index)", "\(error)")
        }
        var out = indices.compactMap { done[$0] }
        out += collector.records
        return out.sorted { $0.index < $1.index }
    }
}

private final class Collector: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var records = [SampleRecord]()
    private(set) var failure: (Int, Error)?
    var failed: Bool { lock.lock(); defer { lock.unlock() }; return failure != nil }
    var count: Int { lock.lock(); defer { lock.unlock() }; return records.count }

    func add(_ r: SampleRecord, _ finished: (SampleRecord) throws -> Void) throws {
        lock.lock(); defer { lock.unlock() }
        try finished(r)
        records.append(r)
    }

    func fail(_ index: Int, _ error: Error) {
        lock.lock(); defer { lock.unlock() }
        if failure == nil { failure = (index, error) }
    }
}

/// The share of `outputs` whose largest read-out is their label.
func accuracy(_ outputs: [[Double]], labels: [Int]) -> Double {
    Double(zip(outputs, labels).filter { argmax($0.0) == $0.1 }.count) / Double(max(labels.count, 1))
}

func argmax(_ x: [Double]) -> Int {
    var best = 0
    for k in x.indices where x[k] > x[best] { best = k }
    return best
}

/// The energy distance 2·E|X−Y| − E|X−X′| − E|Y−Y′| between two point sets (V-statistics, Euclidean norm).
public func energyDistance(_ x: [[Double]], _ y: [[Double]]) -> Double {
    func meanDistance(_ a: [[Double]], _ b: [[Double]]) -> Double {
        var s = 0.0
        for p in a {
            for q in b {
                var d = 0.0
                for k in p.indices { d += (p[k] - q[k]) * (p[k] - q[k]) }
                s += d.squareRoot()
            }
        }
        return s / Double(a.count * b.count)
    }
    guard !x.isEmpty, !y.isEmpty else { return 0 }
    return 2 * meanDistance(x, y) - meanDistance(x, x) - meanDistance(y, y)
}
