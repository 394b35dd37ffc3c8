import Foundation
import KNModel
import KNSimulate

/// A fixed-step classical Runge–Kutta (RK4) integrator of the whole network with per-edge mismatch, optional
/// circuit noise (additive, so the scheme is RK4 for the drift plus the Wiener increment per step), and a discrete
/// adjoint for parameter gradients.
///
/// It chains layers exactly as ``KNSimulate/Simulator`` does (it asks the simulator for the remedies and the
/// projectors), in the forward direction (the sampling direction). With no mismatch and no noise it converges to
/// the simulator's exact solution at fourth order in the step; ``calibrate(network:inputs:tolerance:)`` picks the
/// step from that comparison.
public struct FixedStepIntegrator: Sendable {
    public let network: Network
    /// Integration steps per model time unit; each layer takes ⌈span · stepsPerUnit⌉ steps.
    public let stepsPerUnit: Int
    let simulator: Simulator
    /// RK4 steps of each layer.
    public let layerSteps: [Int]
    /// The characterized cells' errors applied on top of every edge's law (nil: the network's own laws).
    public let cellErrors: CellLawErrors?

    /// - Parameter cellErrors: integrate the network with its mapped cells' characterized errors on top of its
    ///   laws (``CellLawErrors``), for example to train against them.
    public init(network: Network, stepsPerUnit: Int, cellErrors: CellLawErrors? = nil) throws(SimulationError) {
        guard stepsPerUnit >= 1 else {
            throw .invalidOption("stepsPerUnit", "is \(stepsPerUnit); give at least 1 step per model time unit")
        }
        try cellErrors?.check(against: network)
        self.network = network
        self.stepsPerUnit = stepsPerUnit
        self.cellErrors = cellErrors
        self.simulator = try Simulator(network: network, options: SimulationOptions(method: .exact, logDensity: false))
        self.layerSteps = network.spans.map { max(1, Int(($0 * Double(stepsPerUnit)).rounded(.up))) }
    }

    /// The nominal affine layers of the network (no mismatch).
    func layers(_ mismatch: MismatchInstance?) -> [AffineLayer] {
        network.layers.enumerated().map { l, layer in
            AffineLayer(layer: layer, family: network.family, deviations: mismatch?.layers[l], errors: cellErrors?.layers[l])
        }
    }

    /// The encoded input (the encoder is digital and carries no mismatch).
    func encode(_ input: [Double]) throws(SimulationError) -> [Double] {
        if let bad = input.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteInput(index: bad, value: input[bad]) }
        guard let encoder = network.encoder else { return input }
        let w = encoder.widths.first ?? 0
        guard input.count == w else { throw .inputWidthMismatch(expected: w, got: input.count) }
        return encoder.apply(input)
    }

    /// The read-out (after the projectors) of every input for one chip. `noise` adds circuit noise drawn from
    /// `noiseGenerator`, consumed input by input in order.
    public func outputs(inputs: [[Double]], mismatch: MismatchInstance?, noise: NoiseModel? = nil,
                        noiseGenerator: SeededGenerator? = nil) throws(SimulationError) -> [[Double]] {
        let affine = layers(mismatch)
        if noise == nil, inputs.count > 1, affine.allSatisfy({ $0.cell == nil }) {
            return try batchOutputs(inputs: inputs, layers: affine)
        }
        var source = noise.map {
            NoiseSource(model: $0, layers: affine, duration: network.anchors.last! - network.anchors.first!,
                        rng: noiseGenerator ?? SeededGenerator(seed: 0))
        }
        var out = [[Double]]()
        out.reserveCapacity(inputs.count)
        for (k, x) in inputs.enumerated() {
            do throws(SimulationError) {
                var tape: Tape? = nil
                out.append(try forward(input: x, layers: affine, noise: &source, tape: &tape))
            } catch {
                throw .sample(index: k, error)
            }
        }
        return out
    }

    /// What the adjoint needs from a forward pass.
    struct Tape {
        /// Per visited layer: the incoming width, the remedy map (source index or −1 for a zero), the width
        /// integrated and the state at the start of every step.
        var incomingWidth: [Int] = []
        var maps: [[Int]] = []
        var widths: [Int] = []
        var steps: [[[Double]]] = []
        var finalWidth = 0
        var projectorMap: [Int] = []
    }

    /// One input through every layer. Records the tape when `tape` is non-nil.
    func forward(input: [Double], layers affine: [AffineLayer], noise: inout NoiseSource?,
                 tape: inout Tape?) throws(SimulationError) -> [Double] {
        var x = try encode(input)
        if var n = noise, n.samplingSigma > 0 {
            for k in x.indices { x[k] += n.samplingSigma * n.rng.nextNormal() }
            noise = n
        }
        var residualStore: [Double]? = nil
        var work = [Double](repeating: 0, count: 6 * (affine.map(\.nodeCount).max() ?? 0) + 1)
        for (i, layer) in affine.enumerated() {
            let d = x.count
            if tape != nil {
                let coded = try simulator.chainedState((1...max(d, 1)).map(Double.init), beforeLayer: i)
                tape!.incomingWidth.append(d)
                tape!.maps.append(coded.map { Int($0) - 1 })
            }
            x = try simulator.chainedState(x, beforeLayer: i)
            let h = simulator.spans[i] / Double(layerSteps[i])
            var flick: [Double]? = nil
            if var n = noise {
                var f = [Double](repeating: 0, count: layer.nodeCount)
                for e in 0..<layer.edgeCount where n.flicker[i][e] > 0 {
                    let c = n.flicker[i][e] * n.rng.nextNormal()
                    let si = Int(layer.src[e]), di = Int(layer.des[e])
                    if di != 0 { f[di - 1] += c }
                    if si != 0 { f[si - 1] -= c }
                }
                noise = n
                if f.contains(where: { $0 != 0 }) { flick = f }
            }
            var stepStates = [[Double]]()
            if tape != nil { stepStates.reserveCapacity(layerSteps[i]) }
            for _ in 0..<layerSteps[i] {
                if tape != nil { stepStates.append(x) }
                rk4Step(layer, &x, h, &work, flick)
                if var n = noise {
                    let root = h.squareRoot()
                    for e in 0..<layer.edgeCount where n.diffusion[i][e] > 0 {
                        let w = n.diffusion[i][e] * root * n.rng.nextNormal()
                        let si = Int(layer.src[e]), di = Int(layer.des[e])
                        if di != 0 { x[di - 1] += w }
                        if si != 0 { x[si - 1] -= w }
                    }
                    noise = n
                }
            }
            if tape != nil {
                tape!.widths.append(x.count)
                tape!.steps.append(stepStates)
            }
            if network.block == .plain, let r = network.residual {
                if i == r[0] { residualStore = x }
                if i == r[1], let stored = residualStore, stored.count == x.count {
                    for k in x.indices { x[k] += stored[k] }
                } else if i == r[1] {
                    throw .residual("[\(r[0]), \(r[1])]: the stored output of layer \(r[0]) does not fit layer \(r[1])")
                }
            }
        }
        var values = x, shape = [x.count]
        if tape != nil {
            tape!.finalWidth = x.count
            var coded = (1...max(x.count, 1)).map(Double.init), codedShape = [x.count]
            for p in network.projectors {
                if case .mlp = p {
                    throw .projector(p.keyword, "an MLP read-out has no gradient in the fixed-step adjoint; retrain networks whose projectors are lastK, firstK or reshapeK")
                }
                (coded, codedShape) = try p.project(coded, shape: codedShape)
            }
            tape!.projectorMap = coded.map { Int($0) - 1 }
        }
        for p in network.projectors { (values, shape) = try p.project(values, shape: shape) }
        return values
    }

    /// One RK4 step of a layer over the first N entries of `x` (entries beyond N stay constant). `work` holds at
    /// least 6·N + 1 values.
    @inline(__always)
    func rk4Step(_ layer: AffineLayer, _ x: inout [Double], _ h: Double, _ work: inout [Double], _ bias: [Double]?) {
        let n = layer.nodeCount
        if work.count < 6 * n + 1 { work = [Double](repeating: 0, count: 6 * n + 1) }
        x.withUnsafeMutableBufferPointer { xb in work.withUnsafeMutableBufferPointer { wb in
            let x0 = xb.baseAddress!
            let k1 = wb.baseAddress!, k2 = k1 + n, k3 = k2 + n, k4 = k3 + n, u = k4 + n, aux = u + n
            func f(_ v: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>) {
                layer.rightHandSide(v, out, aux)
                if let bias { for j in 0..<n { out[j] += bias[j] } }
            }
            f(x0, k1)
            for j in 0..<n { u[j] = x0[j] + 0.5 * h * k1[j] }
            f(u, k2)
            for j in 0..<n { u[j] = x0[j] + 0.5 * h * k2[j] }
            f(u, k3)
            for j in 0..<n { u[j] = x0[j] + h * k3[j] }
            f(u, k4)
            let s = h / 6
            for j in 0..<n { x0[j] += s * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]) }
        } }
    }
}

extension FixedStepIntegrator {
    /// How far the nominal fixed-step read-out is from the simulator's exact solution (CVODES at 1e-10) on
    /// `inputs`: the largest absolute difference over all inputs and read-out values. The comparison is of the
    /// network's own laws (without ``cellErrors``), which is what the exact solution solves.
    public func nominalDeviation(inputs: [[Double]]) throws(SimulationError) -> Double {
        let exact = try simulator.run(batch: inputs).map(\.output)
        let own = cellErrors == nil ? self : try FixedStepIntegrator(network: network, stepsPerUnit: stepsPerUnit)
        let mine = try own.outputs(inputs: inputs, mismatch: nil)
        var worst = 0.0
        for (a, b) in zip(exact, mine) { for (x, y) in zip(a, b) { worst = max(worst, abs(x - y)) } }
        return worst
    }

    /// The smallest power-of-two step count per unit time (from `start`, at most `limit`) whose nominal read-out
    /// is within `tolerance` of the exact solution on `inputs`.
    public static func calibrated(network: Network, inputs: [[Double]], tolerance: Double, start: Int = 8,
                                  limit: Int = 65_536) throws(SimulationError) -> (integrator: FixedStepIntegrator, deviation: Double) {
        var steps = start
        while true {
            let integrator = try FixedStepIntegrator(network: network, stepsPerUnit: steps)
            let deviation = try integrator.nominalDeviation(inputs: inputs)
            if deviation <= tolerance { return (integrator, deviation) }
            if steps >= limit {
                throw .invalidOption("stepsPerUnit", "\(steps) RK4 steps per unit time still deviate by \(deviation) from the exact solution (tolerance \(tolerance)); loosen the tolerance or give --steps explicitly")
            }
            steps *= 2
        }
    }
}

extension FixedStepIntegrator {
    /// Noise-free read-outs of many inputs on one chip, integrated together (node-major state, so each edge's
    /// parameters are loaded once per stage for all inputs). Bit for bit the same as the per-input path.
    func batchOutputs(inputs: [[Double]], layers affine: [AffineLayer]) throws(SimulationError) -> [[Double]] {
        let B = inputs.count
        var states = [[Double]]()
        states.reserveCapacity(B)
        for (k, x) in inputs.enumerated() {
            do throws(SimulationError) { states.append(try encode(x)) } catch { throw .sample(index: k, error) }
        }
        var residualStore: [[Double]]? = nil
        let maxN = affine.map(\.nodeCount).max() ?? 0
        var work = [Double](repeating: 0, count: (6 * maxN + 1) * B)
        for (i, layer) in affine.enumerated() {
            for k in 0..<B {
                do throws(SimulationError) { states[k] = try simulator.chainedState(states[k], beforeLayer: i) }
                catch { throw .sample(index: k, error) }
            }
            let n = layer.nodeCount
            // Node-major copy of the first N entries.
            var x = [Double](repeating: 0, count: n * B)
            for k in 0..<B { for j in 0..<n { x[j * B + k] = states[k][j] } }
            let h = simulator.spans[i] / Double(layerSteps[i])
            x.withUnsafeMutableBufferPointer { xb in work.withUnsafeMutableBufferPointer { wb in
                let x0 = xb.baseAddress!, m = n * B
                let k1 = wb.baseAddress!, k2 = k1 + m, k3 = k2 + m, k4 = k3 + m, u = k4 + m, z = u + m
                for _ in 0..<layerSteps[i] {
                    layer.batchRightHandSide(x0, k1, batch: B, z)
                    for j in 0..<m { u[j] = x0[j] + 0.5 * h * k1[j] }
                    layer.batchRightHandSide(u, k2, batch: B, z)
                    for j in 0..<m { u[j] = x0[j] + 0.5 * h * k2[j] }
                    layer.batchRightHandSide(u, k3, batch: B, z)
                    for j in 0..<m { u[j] = x0[j] + h * k3[j] }
                    layer.batchRightHandSide(u, k4, batch: B, z)
                    let s = h / 6
                    for j in 0..<m { x0[j] += s * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]) }
                }
            } }
            for k in 0..<B { for j in 0..<n { states[k][j] = x[j * B + k] } }
            if network.block == .plain, let r = network.residual {
                if i == r[0] { residualStore = states }
                if i == r[1] {
                    guard let stored = residualStore, stored.first?.count == states.first?.count else {
                        throw .residual("[\(r[0]), \(r[1])]: the stored output of layer \(r[0]) does not fit layer \(r[1])")
                    }
                    for k in 0..<B { for j in states[k].indices { states[k][j] += stored[k][j] } }
                }
            }
        }
        var out = [[Double]]()
        out.reserveCapacity(B)
        for x in states {
            var values = x, shape = [x.count]
            for p in network.projectors { (values, shape) = try p.project(values, shape: shape) }
            out.append(values)
        }
        return out
    }
}
