import Foundation
import KNModel

/// Simulates a KirchhoffNet: the encoder, every layer's circuit ODE on SUNDIALS chained exactly as upstream's
/// `CircuitBlock` / `AugCircuitBlock`, and the projectors.
///
/// ```swift
/// let sim = try Simulator(network: net, options: SimulationOptions(method: .exact, direction: .forward))
/// let result = try sim.run(input: [0.3, -1.2])
/// print(result.states.last!, result.logDensity?.last ?? 0, result.rightHandSideEvaluations)
/// ```
/// A simulator is immutable and can be shared; ``run(batch:)`` simulates samples in parallel, each with its own
/// SUNDIALS context.
public struct Simulator: Sendable {
    public let network: Network
    public let options: SimulationOptions
    /// Whether the log-density augmentation is integrated.
    public let logDensity: Bool
    /// The span integrated for each layer (exact or float32, as the options say).
    public let spans: [Double]
    let kernels: [LayerKernel]
    /// For the stiff method: each layer's Jacobian pattern at width N, shared by all samples.
    let patterns: [JacobianPattern?]

    /// Checks the network and the options and prepares every layer's kernel.
    public init(network: Network, options: SimulationOptions = SimulationOptions()) throws(SimulationError) {
        do { try network.validate() } catch { throw .invalidNetwork(error) }
        let layerCount = network.layers.count
        switch options.method {
        case .dopri5:
            let s = network.solver
            guard s.tolerance.isFinite, s.tolerance > 0 else {
                throw .invalidOption("method dopri5", "simulation.tol is \(s.tolerance); it must be finite and positive")
            }
        case let .exact(rtol, atol), let .stiff(rtol, atol):
            guard rtol.isFinite, atol.isFinite, rtol > 0, atol > 0 else {
                throw .invalidOption("tolerance", "rtol = \(rtol), atol = \(atol); both must be finite and positive")
            }
        }
        guard options.maxSteps > 0 else { throw .invalidOption("maxSteps", "is \(options.maxSteps); it must be positive") }
        if let c = options.capacitances, c.count != layerCount {
            throw .invalidOption("capacitances", "has \(c.count) vectors for \(layerCount) layers; give one vector per layer")
        }
        let first = network.anchors.first!, last = network.anchors.last!
        for t in options.trajectoryTimes where !(t.isFinite && t >= first && t <= last) {
            throw .invalidOption("trajectoryTimes", "time \(t) is outside the anchors [\(first), \(last)]")
        }
        var laws: [[CommonEdgeLaw]?] = network.layers.map { _ in nil }
        var dynamics: [[CellDynamics?]?] = laws.map { _ in nil }
        if case let .characterized(edges) = options.edges {
            do throws(CharacterizedEdgesError) { try edges.check(against: network) } catch {
                throw .invalidOption("edges characterized", error.description)
            }
            if options.cellCapacitances {
                dynamics = network.layers.indices.map { l in edges.dynamics(layer: l, edgeCount: network.layers[l].edgeCount) }
            }
            // A layer without fitted edges or capacitances runs its family's own loop.
            laws = network.layers.indices.map { l in
                edges.layers[l].edges.contains { $0.status == .fitted } || dynamics[l] != nil
                    ? edges.laws(layer: l, network: network) : nil
            }
        }
        var kernels = [LayerKernel]()
        for (l, layer) in network.layers.enumerated() {
            do {
                kernels.append(try LayerKernel(layer: layer, family: network.family, capacitance: options.capacitances?[l],
                                               laws: laws[l], dynamics: dynamics[l]))
            } catch {
                if case let .invalidOption(o, p) = error { throw .invalidOption("\(o)[\(l)]", p) }
                throw error
            }
        }
        self.network = network
        self.options = options
        self.logDensity = options.logDensity ?? (network.block == .augmented)
        self.spans = options.spans == .exact ? network.spans : network.float32Spans
        self.kernels = kernels
        if case .stiff = options.method {
            let extra = self.logDensity ? 1 : 0
            self.patterns = kernels.map { JacobianPattern(kernel: $0, dimension: $0.nodeCount + extra) }
        } else {
            self.patterns = kernels.map { _ in nil }
        }
    }

    /// Simulates one input (before the encoder, if the network has one).
    public func run(input: [Double]) throws(SimulationError) -> SimulationResult {
        guard !input.isEmpty else { throw .inputWidthMismatch(expected: network.encoder?.widths.first ?? network.inputWidth, got: 0) }
        if let bad = input.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteInput(index: bad, value: input[bad]) }
        var x = input
        if let encoder = network.encoder {
            let w = encoder.widths.first ?? 0
            guard input.count == w else { throw .inputWidthMismatch(expected: w, got: input.count) }
            x = encoder.apply(x)
        }
        let context = try SundialsContext()
        let forward = options.direction == .forward
        let order = forward ? Array(network.layers.indices) : Array(network.layers.indices.reversed())
        var logp = 0.0
        var states = [[Double]]()
        var logps = [Double]()
        var trajectory = [TrajectoryPoint]()
        var statistics = [LayerStatistics]()
        var residualStore: [Double]? = nil

        for (visit, i) in order.enumerated() {
            x = try remedy(x, layer: i)
            if visit == 0 {
                states.append(x)
                logps.append(logp)
            }
            let span = spans[i]
            let width = x.count
            guard span > 0 else {
                // float32 spans of anchors closer than float32 resolution vanish: upstream integrates nothing.
                statistics.append(LayerStatistics(layer: i, rightHandSideEvaluations: 0, steps: 0, jacobianEvaluations: 0))
                try finishLayer(i, &x, &residualStore)
                states.append(x)
                logps.append(logp)
                continue
            }
            let problem = LayerProblem(kernel: kernels[i], layer: i, width: width, logDensity: logDensity,
                                       method: options.method, settings: network.solver, maxSteps: options.maxSteps,
                                       pattern: patterns[i])
            let solver = try LayerSolver(problem: problem, context: context, state: x, logDensity: logp,
                                         start: forward ? 0 : span, end: forward ? span : 0)
            let anchor = network.anchors[i]
            var inside = options.trajectoryTimes.filter { $0 - anchor > 0 && $0 - anchor < span && $0 < network.anchors[i + 1] }
            inside.sort(by: forward ? (<) : (>))
            for t in inside {
                let y = try solver.advance(to: t - anchor)
                trajectory.append(TrajectoryPoint(time: t, layer: i, state: Array(y[0..<width]),
                                                  logDensity: logDensity ? y[width] : nil))
            }
            let y = try solver.advance(to: forward ? span : 0)
            x = Array(y[0..<width])
            if logDensity { logp = y[width] }
            statistics.append(solver.statistics())

            try finishLayer(i, &x, &residualStore)
            states.append(x)
            logps.append(logp)
        }

        var out = ShapedValues(values: x, shape: [x.count])
        for p in network.projectors { out = try p.apply(to: out) }
        return SimulationResult(states: states, logDensity: logDensity ? logps : nil,
                                anchorTimes: forward ? network.anchors : network.anchors.reversed(),
                                output: out.values, outputShape: out.shape, trajectory: trajectory,
                                statistics: statistics)
    }

    /// Simulates every input in parallel over all cores (one SUNDIALS context per sample). Results come back
    /// in input order; the first failing sample's error is thrown as ``SimulationError/sample(index:_:)``.
    public func run(batch: [[Double]]) throws(SimulationError) -> [SimulationResult] {
        let slots = ResultSlots<SimulationResult, SimulationError>(count: batch.count)
        DispatchQueue.concurrentPerform(iterations: batch.count) { k in
            do throws(SimulationError) {
                slots.set(k, .success(try self.run(input: batch[k])))
            } catch {
                slots.set(k, .failure(error))
            }
        }
        var results = [SimulationResult]()
        results.reserveCapacity(batch.count)
        for (k, r) in slots.take().enumerated() {
            switch r {
            case .success(let v): results.append(v)
            case .failure(let e): throw .sample(index: k, e)
            case nil: throw .sample(index: k, .solverSetup("a worker (the sample was not run)"))
            }
        }
        return results
    }

    /// Upstream's residual connection after layer `i` (plain block only).
    private func finishLayer(_ i: Int, _ x: inout [Double], _ residualStore: inout [Double]?) throws(SimulationError) {
        guard network.block == .plain, let r = network.residual else { return }
        if i == r[0] { residualStore = x }
        if i == r[1] {
            guard let stored = residualStore else {
                throw .residual("[\(r[0]), \(r[1])]: layer \(r[1]) is visited before layer \(r[0]) in the \(options.direction.rawValue) direction, so there is nothing to add; upstream fails here too")
            }
            guard stored.count == x.count else {
                throw .residual("[\(r[0]), \(r[1])]: the output of layer \(r[0]) has \(stored.count) values but layer \(r[1]) has \(x.count); the two layers need the same node count")
            }
            for k in x.indices { x[k] += stored[k] }
        }
    }

    /// Upstream's dimension remedies before layer `i`.
    func remedy(_ x: [Double], layer i: Int) throws(SimulationError) -> [Double] {
        let n = kernels[i].nodeCount
        let d = x.count
        guard d != n else { return x }
        switch network.block {
        case .plain:
            if d > n { return Array(x[0..<n]) }
            switch network.fill {
            case .zeros: return x + [Double](repeating: 0, count: n - d)
            case .repeat: return Self.tile(x, to: n)
            case nil:
                throw .dimensionMismatch(layer: i, stateWidth: d, nodeCount: n,
                                         problem: "set network.fill to zeros or repeat (upstream raises NotImplementedError here)")
            }
        case .augmented:
            if i == 0 && d < n { return Self.tile(x, to: n) }
            if d > n { return x }  // upstream integrates the extra values with derivative 0
            throw .dimensionMismatch(layer: i, stateWidth: d, nodeCount: n,
                                     problem: "the augmented block pads only before layer 0; give every layer at most the incoming width")
        }
    }

    /// `x.repeat(ceil(n / d))[:n]`.
    static func tile(_ x: [Double], to n: Int) -> [Double] {
        (0..<n).map { x[$0 % x.count] }
    }
}
