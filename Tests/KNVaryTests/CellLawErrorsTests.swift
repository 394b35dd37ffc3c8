import Foundation
import KNModel
import KNSimulate
import Testing
@testable import KNVary

/// Laws like a mapped cell's: the ideal law with weight and amplitude errors of a few percent, an argument offset,
/// output offsets, compressing inputs, and a knee on relu.
func cellLikeCharacterization(_ net: Network, seed: UInt64, size: Double = 1) -> CharacterizedEdges {
    var rng = SeededGenerator(seed: seed)
    func u(_ a: Double) -> Double { size * a * (2 * rng.nextUniform() - 1) }
    let layers = net.layers.enumerated().map { l, layer in
        CharacterizedLayer(index: l, edgeCount: layer.edgeCount, edges: (0..<layer.edgeCount).map { e in
            let p = layer.edgeParameters(e)
            var law = CommonEdgeLaw.ideal(family: net.family, p0: p.p0, p1: p.p1, p2: p.p2)
            law.ws *= 1 + u(0.05); law.wd *= 1 + u(0.05); law.b += u(0.05)
            law.As *= 1 + u(0.04); law.Ad *= 1 + u(0.04); law.cs = u(0.02); law.cd = u(0.02)
            law.ws2 = law.ws * u(0.05); law.wd2 = law.wd * u(0.05); law.ws3 = law.ws * u(0.02); law.wd3 = law.wd * u(0.02)
            if law.activation == .relu { law.knee = 0.05 + abs(u(0.05)) }
            return CharacterizedEdge(edge: e, src: Int(layer.edges.src[e]), des: Int(layer.edges.des[e]), status: .fitted,
                                     law: law, points: 40, nrmse: nil, idealNrmse: nil, validationNrmse: nil)
        })
    }
    return CharacterizedEdges(family: net.family.description, networkDigest: CharacterizedEdges.digest(of: net),
                              source: "test", alpha: 1, beta: 1, layers: layers)
}

@Suite struct CellLawErrorsTests {
    /// At the parameters the cells were mapped from, the fixed-step integrator with the cells' errors solves the
    /// same ODE as the exact simulator with the characterized laws.
    @Test(arguments: [EdgeFamily.shiftTanh2, .shiftTanh1, .shiftRelu1, .conductance])
    func errorsReproduceTheCharacterizedLaws(family: EdgeFamily) throws {
        let net = try Fixtures.network(family: family, numNode: 3, repeat: [2, 2], layers: 2, seed: 11)
        let characterized = cellLikeCharacterization(net, seed: 5)
        let errors = try CellLawErrors(characterized: characterized, network: net)
        #expect(errors.fittedEdges == net.layers.map(\.edgeCount).reduce(0, +))
        let inputs = [[0.4, -0.7], [-1.1, 0.3], [0.9, 1.2]]
        let exact = try Simulator(network: net, options: SimulationOptions(method: .exact, logDensity: false,
                                                                           edges: .characterized(characterized)))
        let withCells = try FixedStepIntegrator(network: net, stepsPerUnit: 256, cellErrors: errors).outputs(inputs: inputs, mismatch: nil)
        let ideal = try FixedStepIntegrator(network: net, stepsPerUnit: 256).outputs(inputs: inputs, mismatch: nil)
        var cellEffect = 0.0
        for (k, x) in inputs.enumerated() {
            let y = try exact.run(input: x).output
            for j in y.indices {
                #expect(abs(withCells[k][j] - y[j]) <= 1e-7, "input \(k) output \(j): \(withCells[k][j]) against \(y[j])")
                cellEffect = max(cellEffect, abs(ideal[k][j] - y[j]))
            }
        }
        // The cells' errors move the outputs far more than the tolerance, so the comparison can fail.
        #expect(cellEffect > 1e-3)
    }

    /// The adjoint with the cells' errors is the gradient of the integrator's own map, under mismatch too.
    @Test(arguments: [EdgeFamily.shiftTanh2, .shiftTanh1, .shiftRelu1])
    func adjointWithCellErrorsMatchesFiniteDifferences(family: EdgeFamily) throws {
        let net = try Fixtures.network(family: family, numNode: 3, repeat: [1, 1], layers: 2, block: .plain, seed: 7)
        let errors = try CellLawErrors(characterized: cellLikeCharacterization(net, seed: 9), network: net)
        let model = MismatchModel(network: net, cells: AssumedCellTopology(family: family), mismatch: try Fixtures.sky130(), scale: 5)
        let chip = model.draw(seed: 3, index: 0)
        let input = [0.4, -0.7]
        func loss(_ y: [Double]) -> (value: Double, gradient: [Double]) {
            var v = 0.0, g = [Double](repeating: 0, count: y.count)
            for j in y.indices { let d = y[j] - 0.1 * Double(j); v += d * d; g[j] = 2 * d }
            return (v, g)
        }
        let r = try FixedStepIntegrator(network: net, stepsPerUnit: 16, cellErrors: errors).gradient(input: input, mismatch: chip, loss: loss)
        var checked = 0
        for l in net.layers.indices {
            let unused: Set<Int> = family == .shiftTanh1 ? Set((2 * net.layers[l].edgeCount)..<(3 * net.layers[l].edgeCount)) : []
            for k in 0..<net.layers[l].parameters.values.count where !unused.contains(k) {
                let h = 1e-6
                var plus = net, minus = net
                plus.layers[l].parameters.values[k] += h
                minus.layers[l].parameters.values[k] -= h
                let yp = try FixedStepIntegrator(network: plus, stepsPerUnit: 16, cellErrors: errors).outputs(inputs: [input], mismatch: chip)[0]
                let ym = try FixedStepIntegrator(network: minus, stepsPerUnit: 16, cellErrors: errors).outputs(inputs: [input], mismatch: chip)[0]
                let fd = (loss(yp).value - loss(ym).value) / (2 * h)
                #expect(abs(r.gradient[l][k] - fd) <= 1e-6 + 1e-5 * abs(fd), "layer \(l) parameter \(k): adjoint \(r.gradient[l][k]), finite difference \(fd)")
                checked += 1
            }
        }
        #expect(checked > 0)
    }

    /// Ratios where the measured value is near the ideal one, differences where a ratio would blow up.
    @Test func splitKeepsRatiosNearOneAndDifferencesElsewhere() {
        #expect(CellLawErrors.split(1.03, ideal: 1) == (1.03, 0))
        #expect(CellLawErrors.split(0.2, ideal: 0) == (1, 0.2))
        let far = CellLawErrors.split(0.01, ideal: 1e-4)
        #expect(far.ratio == 1 && abs(far.difference - (0.01 - 1e-4)) < 1e-15)
        let flipped = CellLawErrors.split(-0.5, ideal: 0.5)
        #expect(flipped.ratio == 1 && flipped.difference == -1)
    }

    /// A file of another network, and compression on an input without weight, are refused with the place named.
    @Test func refusesLawsItCannotFollow() throws {
        let net = try Fixtures.network(family: .shiftTanh2, numNode: 3, repeat: [2, 2], layers: 2, seed: 11)
        var other = net
        other.layers[0].parameters.values[0] += 0.1
        #expect(throws: VaryError.self) { try CellLawErrors(characterized: cellLikeCharacterization(other, seed: 5), network: net) }
        var bad = cellLikeCharacterization(net, seed: 5)
        bad.layers[1].edges[2].law.ws = 0
        do {
            _ = try CellLawErrors(characterized: bad, network: net, file: "chip/characterized.json")
            Issue.record("compression without weight was accepted")
        } catch {
            #expect("\(error)".contains("chip/characterized.json: layers[1] edge 2"))
            #expect("\(error)".contains("src input has compression terms but no weight"))
        }
    }

    static let inputs = (0..<64).map { k in [sin(Double(k)), cos(1.7 * Double(k))] }

    /// A retrainer of `network` against `errors` without mismatch (the nominal fit alone), distilling towards
    /// `target` (nil: the network itself).
    static func retrainer(_ network: Network, errors: CellLawErrors, target: Network? = nil) throws -> Retrainer {
        var options = RetrainOptions()
        options.iterations = 150
        options.inputsPerStep = 32
        options.learningRate = 3e-3
        let model = MismatchModel(network: network, cells: AssumedCellTopology(family: network.family), mismatch: try Fixtures.sky130(), scale: 0)
        return try Retrainer(network: network, stepsPerUnit: 16, mismatch: model, inputs: inputs, objective: .distillation,
                             options: options, cellErrors: errors, target: target)
    }

    /// The cells' nominal error of the network before and after `trainer` ran, against its target.
    static func nominalErrors(_ trainer: Retrainer, target: Network? = nil) throws -> (before: Double, after: Double) {
        let e = try RetrainEvaluation.measure(original: trainer.original, retrained: try trainer.run(), stepsPerUnit: 16,
                                              mismatch: trainer.mismatch, inputs: inputs, chips: 1, seed: 9,
                                              cellErrors: trainer.cellErrors, target: target)
        return (try #require(e.originalNominalError), try #require(e.retrainedNominalError))
    }

    /// Training against the cells brings the cells' nominal read-out close to the original network's.
    @Test func retrainingAgainstTheCellsCancelsTheirErrors() throws {
        let net = try Fixtures.network(family: .shiftTanh2, numNode: 3, repeat: [2, 2], layers: 2, seed: 4)
        let errors = try CellLawErrors(characterized: cellLikeCharacterization(net, seed: 2), network: net)
        let (before, after) = try Self.nominalErrors(try Self.retrainer(net, errors: errors))
        #expect(before > 0.01)
        #expect(after < 0.2 * before, "the cells' nominal error went from \(before) to \(after)")
    }

    /// Going round again: a pre-distorted network, trained against its new cells with the original as the target,
    /// comes closer to the original's read-out; a target of another read-out width is refused.
    @Test func retrainingAgainTargetsTheOriginal() throws {
        let net = try Fixtures.network(family: .shiftTanh2, numNode: 3, repeat: [2, 2], layers: 2, seed: 4)
        var pre = net
        for l in pre.layers.indices { pre.layers[l].parameters.values = pre.layers[l].parameters.values.map { $0 * 1.05 } }
        let errors = try CellLawErrors(characterized: cellLikeCharacterization(pre, seed: 8), network: pre)
        let (before, after) = try Self.nominalErrors(try Self.retrainer(pre, errors: errors, target: net), target: net)
        #expect(after < 0.2 * before, "against the original: \(before) → \(after)")
        let wider = try Fixtures.network(family: .shiftTanh2, numNode: 4, repeat: [2, 2], layers: 2, seed: 4)
        #expect(throws: VaryError.self) { try Self.retrainer(pre, errors: errors, target: wider) }
    }
}
