import Foundation
import KNModel
import KNSimulate

/// Settings of variation-aware retraining.
public struct RetrainOptions: Codable, Hashable, Sendable {
    /// Adam steps.
    public var iterations = 200
    /// Mismatch samples (chips) per step.
    public var chipsPerStep = 6
    /// Inputs per step (drawn from the training inputs).
    public var inputsPerStep = 64
    public var learningRate = 2e-3
    /// Weight of the nominal (mismatch-free) loss next to the mean loss over the chips.
    public var nominalWeight = 1.0
    public var seed: UInt64 = 1
    /// Also train on each chip's mirrored deviations (antithetic pairs), which removes most of the sampling
    /// noise of the gradient.
    public var antithetic = true
    /// Descend the linearised expected chip loss (exact gradient, no sampled chips; see
    /// ``Retrainer/penaltyLossAndGradient(parameters:batch:)``) instead of sampled chips.
    public var linearised = true
    /// Cosine decay of the learning rate to `learningRate · finalLearningRateFraction`.
    public var finalLearningRateFraction = 0.1

    public init() {}
}

/// What the retraining fits.
public enum RetrainObjective: Sendable {
    /// Match the original network's nominal read-out on the inputs (squared error): for networks without labelled data.
    case distillation
    /// Softmax cross-entropy of the read-out (as logits) against the labels.
    case classification(labels: [Int])
}

/// Fine-tunes a network's parameters under sampled mismatch: each Adam step averages the loss over fresh chips
/// (from the ``MismatchModel``) and adds the nominal loss, with gradients from the discrete adjoint of the
/// fixed-step integrator.
///
/// With ``cellErrors`` it trains against the mapped circuit's characterized cells instead of the ideal edge
/// laws: every chip, the nominal one included, is the network with the cells' errors on top, and the target
/// stays the original network's ideal read-out. So the retrained parameters pre-distort the edges until the
/// circuit, cells and all, does what the trained network did.
public struct Retrainer: Sendable {
    public let original: Network
    public let stepsPerUnit: Int
    public let mismatch: MismatchModel
    public let inputs: [[Double]]
    public let objective: RetrainObjective
    public let options: RetrainOptions
    /// The nominal read-out of every input with the network's own laws (the distillation target): the original
    /// network's, or the `target` network's when one was given.
    public let targets: [[Double]]
    /// The characterized cells' errors trained against (nil: the ideal laws).
    public let cellErrors: CellLawErrors?

    /// - Parameters:
    ///   - cellErrors: train against the mapped cells' characterized errors (``CellLawErrors`` of the original
    ///     network), with the original network's ideal read-out as the target.
    ///   - target: distil towards this network's ideal read-out instead of the original's: the network a
    ///     pre-distorted one was retrained from, when its remapped cells are trained against once more.
    public init(network: Network, stepsPerUnit: Int, mismatch: MismatchModel, inputs: [[Double]],
                objective: RetrainObjective, options: RetrainOptions, cellErrors: CellLawErrors? = nil,
                target: Network? = nil) throws {
        guard !inputs.isEmpty else { throw VaryError.invalid("retrain inputs", "no training inputs; give --data or --samples") }
        if case .classification(let labels) = objective, labels.count != inputs.count {
            throw VaryError.invalid("--labels", "has \(labels.count) labels for \(inputs.count) data rows; give one label per row")
        }
        original = network
        self.stepsPerUnit = stepsPerUnit
        self.mismatch = mismatch
        self.inputs = inputs
        self.objective = objective
        self.options = options
        self.cellErrors = cellErrors
        targets = try Self.readOut(of: target ?? network, like: network, stepsPerUnit: stepsPerUnit, inputs: inputs)
    }

    /// The nominal read-out of `target` on `inputs`, checked to have the shape of `network`'s.
    static func readOut(of target: Network, like network: Network, stepsPerUnit: Int, inputs: [[Double]]) throws -> [[Double]] {
        let y = try FixedStepIntegrator(network: target, stepsPerUnit: stepsPerUnit).outputs(inputs: inputs, mismatch: nil)
        if target != network {
            let own = try FixedStepIntegrator(network: network, stepsPerUnit: stepsPerUnit).outputs(inputs: Array(inputs.prefix(1)), mismatch: nil)
            guard y.first?.count == own.first?.count else {
                throw VaryError.invalid("--target", "reads out \(y.first?.count ?? 0) values per input, the model \(own.first?.count ?? 0); give the network this model was retrained from")
            }
        }
        return y
    }

    /// The loss of read-out `y` for input `k` and its gradient.
    func loss(_ y: [Double], _ k: Int) -> (value: Double, gradient: [Double]) {
        switch objective {
        case .distillation:
            let t = targets[k]
            var v = 0.0, g = [Double](repeating: 0, count: y.count)
            for j in y.indices { let d = y[j] - t[j]; v += d * d; g[j] = 2 * d }
            return (v, g)
        case .classification(let labels):
            let m = y.max() ?? 0
            let e = y.map { exp($0 - m) }
            let z = e.reduce(0, +)
            var g = e.map { $0 / z }
            let label = labels[k]
            let v = -log(max(g[label], 1e-300))
            g[label] -= 1
            return (v, g)
        }
    }

    /// The network with `values` as its parameters (per layer, row-major), rounded to each layer's stored precision.
    func network(with values: [[Double]]) -> Network {
        var net = original
        for l in net.layers.indices {
            var v = values[l]
            if net.layers[l].parameters.precision == .float32 { v = v.map { Double(Float($0)) } }
            net.layers[l].parameters.values = v
        }
        return net
    }

    /// The mean loss and gradient over `chips` (nil = nominal) and the inputs `batch`, in parallel.
    public func lossAndGradient(parameters values: [[Double]], chips: [MismatchInstance?], weights: [Double],
                                batch: [Int]) throws -> (loss: Double, gradient: [[Double]]) {
        let net = network(with: values)
        let integrator = try FixedStepIntegrator(network: net, stepsPerUnit: stepsPerUnit, cellErrors: cellErrors)
        // An edge that carries no current has no cell, so nothing of it varies.
        let chips = chips.map { $0?.switchingOff(in: net) }
        let jobs = chips.count * batch.count
        let sums = GradientSums(shape: values.map(\.count))
        DispatchQueue.concurrentPerform(iterations: jobs) { j in
            let c = j / batch.count, k = batch[j % batch.count]
            do {
                let r = try integrator.gradient(input: inputs[k], mismatch: chips[c]) { self.loss($0, k) }
                sums.add(r.loss, r.gradient, weight: weights[c] / Double(batch.count))
            } catch {
                sums.fail(error)
            }
        }
        if let e = sums.error { throw e }
        return (sums.loss, sums.gradient)
    }

    /// Runs the Adam iterations. `progress(step, loss)` is called after each step.
    public func run(progress: (Int, Double) -> Void = { _, _ in }) throws -> Network {
        var theta = original.layers.map(\.parameters.values)
        var m = theta.map { [Double](repeating: 0, count: $0.count) }, v = m
        let b1 = 0.9, b2 = 0.999, eps = 1e-8
        let chipCount = options.chipsPerStep * (options.antithetic ? 2 : 1)
        let weights = [Double](repeating: 1 / Double(max(chipCount, 1)), count: chipCount) + [options.nominalWeight]
        for step in 0..<options.iterations {
            var rng = MismatchModel.generator(seed: options.seed ^ 0x5245_5452_4149_4E00, index: step)
            let l: Double, g: [[Double]]
            if options.linearised {
                let batch = (0..<min(options.inputsPerStep, inputs.count)).map { _ in Int(rng.next() % UInt64(inputs.count)) }
                (l, _, g) = try penaltyLossAndGradient(parameters: theta, batch: batch)
            } else {
            var chips = [MismatchInstance?]()
            for _ in 0..<options.chipsPerStep {
                let m = mismatch.draw(using: &rng)
                chips.append(m)
                if options.antithetic { chips.append(m.negated) }
            }
            chips.append(nil)
            let batch = (0..<min(options.inputsPerStep, inputs.count)).map { _ in Int(rng.next() % UInt64(inputs.count)) }
            (l, g) = try lossAndGradient(parameters: theta, chips: chips, weights: weights, batch: batch)
            }
            let t = Double(step + 1)
            let fraction = options.iterations > 1 ? Double(step) / Double(options.iterations - 1) : 0
            let f = options.finalLearningRateFraction
            let lr = options.learningRate * (f + (1 - f) * 0.5 * (1 + cos(Double.pi * fraction)))
            for a in theta.indices {
                for k in theta[a].indices {
                    m[a][k] = b1 * m[a][k] + (1 - b1) * g[a][k]
                    v[a][k] = b2 * v[a][k] + (1 - b2) * g[a][k] * g[a][k]
                    let mh = m[a][k] / (1 - pow(b1, t)), vh = v[a][k] / (1 - pow(b2, t))
                    theta[a][k] -= lr * mh / (vh.squareRoot() + eps)
                }
            }
            progress(step, l)
        }
        return network(with: theta)
    }
}

/// Before/after numbers of a retraining, on fresh chips.
public struct RetrainEvaluation: Codable, Hashable, Sendable {
    public var chips: Int
    public var inputs: Int
    /// Mean over chips and inputs of |y_chip − y_original,nominal| for the original network.
    public var originalMeanError: Double
    /// The same for the retrained network (against the original's nominal read-out).
    public var retrainedMeanError: Double
    /// Largest |y_retrained,nominal − y_original,nominal| over the inputs and read-out values.
    public var nominalShift: Double
    /// With characterized cells: mean over the inputs of |y_nominal − y_original,nominal| of the original and of
    /// the retrained network, both with the cells' errors (nil when trained against the ideal laws).
    public var originalNominalError: Double?
    public var retrainedNominalError: Double?
    public var reduction: Double { 1 - retrainedMeanError / originalMeanError }

    /// Evaluates both networks on `chips` fresh chips drawn with `seed` (independent of the training draws).
    /// With `cellErrors` (of the original network) every chip of both networks carries the cells' errors, and the
    /// target is the original network's ideal read-out, or `target`'s when given (see ``Retrainer``).
    public static func measure(original: Network, retrained: Network, stepsPerUnit: Int, mismatch: MismatchModel,
                               inputs: [[Double]], chips: Int, seed: UInt64,
                               cellErrors: CellLawErrors? = nil, target goal: Network? = nil) throws -> RetrainEvaluation {
        let target = try Retrainer.readOut(of: goal ?? original, like: original, stepsPerUnit: stepsPerUnit, inputs: inputs)
        let a = try FixedStepIntegrator(network: original, stepsPerUnit: stepsPerUnit, cellErrors: cellErrors)
        let b = try FixedStepIntegrator(network: retrained, stepsPerUnit: stepsPerUnit, cellErrors: cellErrors)
        let shifted = try b.outputs(inputs: inputs, mismatch: nil)
        var shift = 0.0
        for (x, y) in zip(target, shifted) { for (p, q) in zip(x, y) { shift = max(shift, abs(p - q)) } }
        let nominalErrors = try cellErrors.map { _ in
            (meanDistance(try a.outputs(inputs: inputs, mismatch: nil), target), meanDistance(shifted, target))
        }
        let sums = GradientSums(shape: [2])
        DispatchQueue.concurrentPerform(iterations: chips) { c in
            let m = mismatch.draw(seed: seed, index: c)
            do {
                let ya = try a.outputs(inputs: inputs, mismatch: m)
                // The same draw; an edge of the retrained network that carries no current has no cell to vary.
                let yb = try b.outputs(inputs: inputs, mismatch: m.switchingOff(in: retrained))
                sums.add(0, [[meanDistance(ya, target), meanDistance(yb, target)]], weight: 1 / Double(chips))
            } catch { sums.fail(error) }
        }
        if let e = sums.error { throw e }
        let g = sums.gradient[0]
        return RetrainEvaluation(chips: chips, inputs: inputs.count, originalMeanError: g[0], retrainedMeanError: g[1],
                                 nominalShift: shift, originalNominalError: nominalErrors?.0,
                                 retrainedNominalError: nominalErrors?.1)
    }
}

func meanDistance(_ a: [[Double]], _ b: [[Double]]) -> Double {
    var s = 0.0
    for (x, y) in zip(a, b) {
        var d = 0.0
        for (p, q) in zip(x, y) { d += (p - q) * (p - q) }
        s += d.squareRoot()
    }
    return s / Double(max(a.count, 1))
}

/// Thread-safe accumulation of weighted losses and gradients.
final class GradientSums: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var loss = 0.0
    private(set) var gradient: [[Double]]
    private(set) var error: Error?

    init(shape: [Int]) { gradient = shape.map { [Double](repeating: 0, count: $0) } }

    func add(_ l: Double, _ g: [[Double]], weight: Double) {
        lock.lock(); defer { lock.unlock() }
        loss += weight * l
        for a in g.indices { for k in g[a].indices { gradient[a][k] += weight * g[a][k] } }
    }

    func fail(_ e: Error) {
        lock.lock(); defer { lock.unlock() }
        if error == nil { error = e }
    }
}
