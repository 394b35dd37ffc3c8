import Foundation
import KNTestSupport
import KNModel
import Testing
@testable import KNSimulate

/// Chains the reference integrator over layers of equal width (no remedies needed).
private func referenceRun(_ net: Network, _ input: [Double], reverse: Bool, steps: Int,
                          capacitances: [[Double]]? = nil) -> [[Double]] {
    var y = input + [0]
    var out = [y]
    let order = reverse ? Array(net.layers.indices.reversed()) : Array(net.layers.indices)
    for l in order {
        let span = net.spans[l]
        y = Reference.solve(net.layers[l], net.family, y, from: reverse ? span : 0, to: reverse ? 0 : span,
                            steps: steps, capacitance: capacitances?[l])
        out.append(y)
    }
    return out
}

@Test(arguments: [EdgeFamily.shiftTanh2, .shiftTanh1])
func exactMethodMatchesRichardsonRK4AtEveryAnchor(family: EdgeFamily) throws {
    let net = try Fixtures.network(family: family, numNode: 4, repeat: [2, 2], layers: 2, seed: 7, scale: 0.8)
    let input = [0.4, -0.9, 1.3]
    for direction in [Direction.forward, .reverse] {
        let sim = try Simulator(network: net, options: SimulationOptions(method: .exact, direction: direction))
        let result = try sim.run(input: input)
        let ref = referenceRun(net, input, reverse: direction == .reverse, steps: 2000)
        #expect(result.states.count == 3)
        for k in 0...2 {
            #expect(maxAbsDifference(result.states[k], Array(ref[k].dropLast())) < 1e-8, "state \(k), \(direction)")
            #expect(abs(result.logDensity![k] - ref[k].last!) < 1e-8, "logp \(k), \(direction)")
        }
        #expect(result.rightHandSideEvaluations > 0 && result.steps > 0)
        #expect(result.statistics.map(\.layer) == (direction == .forward ? [0, 1] : [1, 0]))
        #expect(result.anchorTimes == (direction == .forward ? [0, 0.5, 1] : [1, 0.5, 0]))
    }
}

@Test func reverseUndoesForward() throws {
    let net = try Fixtures.network(family: .shiftTanh2, numNode: 3, repeat: [3, 3], layers: 3, seed: 5, scale: 0.9)
    let input = [0.7, -0.2]
    let forward = try Simulator(network: net, options: SimulationOptions(direction: .forward)).run(input: input)
    let back = try Simulator(network: net, options: SimulationOptions(direction: .reverse)).run(input: forward.states.last!)
    #expect(maxAbsDifference(back.states.last!, input) < 1e-7)
    // The log-density change of the inverse map is the negative of the forward one.
    #expect(abs(back.logDensity!.last! + forward.logDensity!.last!) < 1e-7)
}

@Test func dopri5FollowsTheConfigTolerance() throws {
    var net = try Fixtures.network(family: .shiftTanh2, numNode: 3, repeat: [5, 5], layers: 2, seed: 3, scale: 0.8)
    net.solver = SolverSettings(method: "dopri5", tolerance: 1e-4, firstStep: 1e-3, minStep: 1e-6)
    let input = [1.1, -0.6]
    let exact = try Simulator(network: net, options: SimulationOptions(method: .exact)).run(input: input)
    let loose = try Simulator(network: net, options: SimulationOptions(method: .dopri5)).run(input: input)
    let error = maxAbsDifference(loose.states.last!, exact.states.last!)
    #expect(error < 1e-3)
    // At tol 1e-4 a 5th-order method is measurably but not wildly off the exact solution.
    #expect(error > 1e-12)
    // Dormand–Prince: 6 new stages per accepted step (first same as last), plus rejected steps.
    #expect(loose.rightHandSideEvaluations >= 6 * loose.steps)
    let exactBack = try Simulator(network: net, options: SimulationOptions(method: .exact, direction: .reverse)).run(input: input)
    let looseBack = try Simulator(network: net, options: SimulationOptions(method: .dopri5, direction: .reverse)).run(input: input)
    #expect(maxAbsDifference(looseBack.states.last!, exactBack.states.last!) < 1e-3)
    #expect(abs(looseBack.logDensity!.last! - exactBack.logDensity!.last!) < 1e-3)
    net.solver.tolerance = 1e-9
    let tight = try Simulator(network: net, options: SimulationOptions(method: .dopri5)).run(input: input)
    #expect(maxAbsDifference(tight.states.last!, exact.states.last!) < 1e-7)
    #expect(tight.rightHandSideEvaluations > loose.rightHandSideEvaluations)
}

@Test func stiffMethodWithCapacitancesMatchesReference() throws {
    let net = try Fixtures.network(family: .shiftTanh2, numNode: 4, repeat: [2, 2], layers: 2, seed: 13, scale: 0.7)
    let caps = [[0.05, 1.0, 0.2], [1.0, 0.02, 0.5]]
    let input = [0.3, 0.8, -0.5]
    let sim = try Simulator(network: net, options: SimulationOptions(method: .stiff, capacitances: caps))
    let result = try sim.run(input: input)
    let ref = referenceRun(net, input, reverse: false, steps: 4000, capacitances: caps)
    for k in 0...2 {
        #expect(maxAbsDifference(result.states[k], Array(ref[k].dropLast())) < 1e-8, "state \(k)")
        #expect(abs(result.logDensity![k] - ref[k].last!) < 1e-8, "logp \(k)")
    }
    #expect(result.statistics.allSatisfy { $0.jacobianEvaluations > 0 })
    // The Adams method agrees on the same stiff problem.
    let adams = try Simulator(network: net, options: SimulationOptions(method: .exact, capacitances: caps)).run(input: input)
    #expect(maxAbsDifference(adams.states.last!, result.states.last!) < 1e-8)
}

/// Node n decays as v·exp(−g t): a network whose every answer can be written by hand.
private func decayNetwork(_ g: [[Double]], anchors: [Double], block: BlockKind = .plain, fill: Fill? = nil,
                          residual: [Int]? = nil, projectors: [Projector] = []) -> Network {
    Network(family: .conductance, layers: g.map { Fixtures.decayLayer(conductances: $0) }, anchors: anchors,
            block: block, fill: fill, residual: residual, projectors: projectors)
}

@Test func conductanceDecayIsExactAndTrajectoryPointsInterpolate() throws {
    let net = decayNetwork([[1.0, 2.0], [0.5, 3.0]], anchors: [0, 0.5, 1.25])
    let sim = try Simulator(network: net, options: SimulationOptions(logDensity: true, trajectoryTimes: [0.25, 1.0]))
    let r = try sim.run(input: [1.0, -2.0])
    #expect(maxAbsDifference(r.states[1], [exp(-0.5), -2 * exp(-1.0)]) < 1e-9)
    #expect(maxAbsDifference(r.states[2], [exp(-0.5 - 0.375), -2 * exp(-1.0 - 2.25)]) < 1e-9)
    // logp grows by the trace magnitude: −tr = Σ g per unit time.
    #expect(abs(r.logDensity![2] - (3.0 * 0.5 + 3.5 * 0.75)) < 1e-9)
    #expect(r.trajectory.map(\.time) == [0.25, 1.0])
    #expect(r.trajectory.map(\.layer) == [0, 1])
    #expect(maxAbsDifference(r.trajectory[0].state, [exp(-0.25), -2 * exp(-0.5)]) < 1e-9)
    #expect(maxAbsDifference(r.trajectory[1].state, [exp(-0.5 - 0.25), -2 * exp(-1.0 - 1.5)]) < 1e-9)
}

@Test func float32SpansAreIntegratedWhenAsked() throws {
    let net = decayNetwork([[1.0], [1.0]], anchors: [0, 0.2, 0.3])
    let tight = IntegrationMethod.exact(relativeTolerance: 1e-13, absoluteTolerance: 1e-13)
    let exactSpans = try Simulator(network: net, options: SimulationOptions(method: tight, spans: .exact)).run(input: [1])
    let f32 = try Simulator(network: net, options: SimulationOptions(method: tight, spans: .float32)).run(input: [1])
    let spans32 = net.float32Spans
    #expect(spans32 != net.spans)
    #expect(abs(exactSpans.states[2][0] - exp(-0.3)) < 1e-11)
    #expect(abs(f32.states[2][0] - exp(-(spans32[0] + spans32[1]))) < 1e-11)
    #expect(abs(f32.states[2][0] - exactSpans.states[2][0]) > 1e-9)
}

@Test func plainBlockFillsTruncatesAndProjects() throws {
    // Zero conductances: every layer holds its state, so only the chaining rules act.
    let repeatNet = decayNetwork([[0, 0], [0, 0, 0, 0, 0], [0, 0, 0]], anchors: [0, 1, 2, 3], fill: .repeat,
                                 projectors: [.last(2)])
    let r = try Simulator(network: repeatNet).run(input: [1, 2])
    #expect(r.states == [[1, 2], [1, 2], [1, 2, 1, 2, 1], [1, 2, 1]])
    #expect(r.output == [2, 1])
    #expect(r.outputShape == [2])
    #expect(r.logDensity == nil)

    let zerosNet = decayNetwork([[0, 0, 0, 0]], anchors: [0, 1], fill: .zeros, projectors: [.first(3)])
    let z = try Simulator(network: zerosNet).run(input: [5, 6])
    #expect(z.states == [[5, 6, 0, 0], [5, 6, 0, 0]])
    #expect(z.output == [5, 6, 0])

    let truncated = try Simulator(network: zerosNet).run(input: [1, 2, 3, 4, 5, 6])
    #expect(truncated.states[0] == [1, 2, 3, 4])

    let noFill = decayNetwork([[0, 0, 0]], anchors: [0, 1])
    #expect(throws: SimulationError.dimensionMismatch(layer: 0, stateWidth: 2, nodeCount: 3,
                                                      problem: "set network.fill to zeros or repeat (upstream raises NotImplementedError here)")) {
        try Simulator(network: noFill).run(input: [1, 2])
    }
}

@Test func reshapeProjectorTransposesTheView() throws {
    let net = decayNetwork([[0, 0, 0, 0, 0, 0]], anchors: [0, 1], projectors: [.reshape(2), .last(1)])
    let r = try Simulator(network: net).run(input: [1, 2, 3, 4, 5, 6])
    // view(2, 3) = [[1,2,3],[4,5,6]], transposed [[1,4],[2,5],[3,6]]; last1 keeps column 1.
    #expect(r.output == [4, 5, 6])
    #expect(r.outputShape == [3, 1])
    let plain = decayNetwork([[0, 0, 0, 0, 0, 0]], anchors: [0, 1], projectors: [.reshape(2)])
    let p = try Simulator(network: plain).run(input: [1, 2, 3, 4, 5, 6])
    #expect(p.output == [1, 4, 2, 5, 3, 6])
    #expect(p.outputShape == [3, 2])
    let bad = decayNetwork([[0, 0, 0, 0, 0]], anchors: [0, 1], projectors: [.reshape(2)])
    #expect(throws: SimulationError.self) { try Simulator(network: bad).run(input: [1, 2, 3, 4, 5]) }
}

@Test func mlpProjectorAndEncoderApplyLinearLayers() throws {
    // Encoder 1 → 2: x ↦ relu-free linear [2x + 1, −x]; projector 2 → 1: sum.
    let encoder = MultilayerPerceptron(widths: [1, 2], weights: [ParameterMatrix(rows: 2, columns: 1, values: [2, -1])],
                                       biases: [ParameterMatrix(rows: 1, columns: 2, values: [1, 0])])
    let head = MultilayerPerceptron(widths: [2, 1], weights: [ParameterMatrix(rows: 1, columns: 2, values: [1, 1])],
                                    biases: [ParameterMatrix(rows: 1, columns: 1, values: [0.5])])
    var net = decayNetwork([[0, 0]], anchors: [0, 1], projectors: [.mlp(head)])
    net.encoder = encoder
    let r = try Simulator(network: net).run(input: [3])
    #expect(r.states[0] == [7, -3])
    #expect(r.output == [4.5])
    #expect(throws: SimulationError.inputWidthMismatch(expected: 1, got: 2)) { try Simulator(network: net).run(input: [3, 4]) }
}

@Test func residualAddsTheStoredLayerOutput() throws {
    let net = decayNetwork([[1, 1], [2, 2]], anchors: [0, 1, 2], residual: [0, 1])
    let r = try Simulator(network: net).run(input: [1, 3])
    let after0 = [exp(-1.0), 3 * exp(-1.0)]
    let after1 = after0.map { $0 * exp(-2.0) + $0 }
    #expect(maxAbsDifference(r.states[1], after0) < 1e-9)
    #expect(maxAbsDifference(r.states[2], after1) < 1e-9)
    // In reverse, layer 1 comes before layer 0: nothing is stored yet, as in upstream.
    let reverse = try Simulator(network: net, options: SimulationOptions(direction: .reverse))
    #expect {
        try reverse.run(input: [1, 3])
    } throws: { error in
        guard case .residual = error as? SimulationError else { return false }
        return true
    }
}

@Test func augmentedBlockPadsOnlyAtLayerZero() throws {
    let net = decayNetwork([[0, 0, 0], [0, 0, 0]], anchors: [0, 1, 2], block: .augmented)
    let f = try Simulator(network: net).run(input: [1, 2])
    #expect(f.states == [[1, 2, 1], [1, 2, 1], [1, 2, 1]])
    #expect(f.logDensity == [0, 0, 0])
    // Reverse visits layer 1 first, which upstream does not pad.
    #expect(throws: SimulationError.self) {
        try Simulator(network: net, options: SimulationOptions(direction: .reverse)).run(input: [1, 2])
    }
}

@Test func invalidInputsAndOptionsAreNamed() throws {
    let net = decayNetwork([[1, 1]], anchors: [0, 1])
    let sim = try Simulator(network: net)
    #expect(throws: SimulationError.nonFiniteInput(index: 1, value: .infinity)) { try sim.run(input: [0, .infinity]) }
    #expect(throws: SimulationError.self) { try Simulator(network: net, options: SimulationOptions(capacitances: [[1, 1], [1, 1]])) }
    #expect(throws: SimulationError.self) { try Simulator(network: net, options: SimulationOptions(trajectoryTimes: [2])) }
    #expect(throws: SimulationError.self) { try Simulator(network: net, options: SimulationOptions(method: .exact(relativeTolerance: 0, absoluteTolerance: 1e-9))) }
}

@Test func solverFailureNamesTheFlagAndLayer() throws {
    let net = try Fixtures.network(family: .shiftTanh2, numNode: 3, repeat: [2, 2], layers: 2, seed: 4)
    let sim = try Simulator(network: net, options: SimulationOptions(maxSteps: 2))
    #expect {
        try sim.run(input: [0.5, 0.5])
    } throws: { error in
        guard case let .solverFailure(layer, _, call, flag, _) = error as? SimulationError else { return false }
        return layer == 0 && call == "CVode" && flag == "CV_TOO_MUCH_WORK"
    }
}

@Test func batchRunsMatchSingleRunsInOrder() throws {
    let net = try Fixtures.network(family: .shiftTanh2, numNode: 3, repeat: [3, 2], layers: 2, seed: 9)
    let sim = try Simulator(network: net)
    var rng = SplitMix64(seed: 77)
    let inputs = (0..<12).map { _ in [rng.uniform(-2, 2), rng.uniform(-2, 2)] }
    let batch = try sim.run(batch: inputs)
    for (k, x) in inputs.enumerated() { #expect(batch[k] == (try sim.run(input: x))) }
    #expect(throws: SimulationError.sample(index: 2, .nonFiniteInput(index: 0, value: .infinity))) {
        try sim.run(batch: [[0, 0], [1, 1], [.infinity, 0]])
    }
}
