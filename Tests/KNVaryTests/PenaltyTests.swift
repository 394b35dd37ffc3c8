import Foundation
import KNModel
import Testing
@testable import KNVary

@Suite struct PenaltyTests {
    func setup() throws -> (Retrainer, [[Double]]) {
        let net = try Fixtures.network(family: .shiftTanh2, numNode: 3, repeat: [2, 2], layers: 2, block: .plain, seed: 12, scale: 0.8)
        let model = MismatchModel(network: net, cells: AssumedCellTopology(family: .shiftTanh2), mismatch: try Fixtures.sky130())
        let inputs = [[0.7, -0.4], [-1.1, 0.3], [0.2, 0.9]]
        var options = RetrainOptions()
        options.nominalWeight = 0
        let r = try Retrainer(network: net, stepsPerUnit: 16, mismatch: model, inputs: inputs, objective: .distillation, options: options)
        return (r, net.layers.map(\.parameters.values))
    }

    /// For small deviations the penalty is the mean squared chip deviation: compare with 4000 sampled chips.
    @Test func penaltyIsTheExpectedSquaredChipDeviation() throws {
        let (r, theta) = try setup()
        let p = try r.penaltyLossAndGradient(parameters: theta, batch: [0, 1, 2]).penalty
        let integrator = try FixedStepIntegrator(network: r.original, stepsPerUnit: 16)
        let nominal = try integrator.outputs(inputs: r.inputs, mismatch: nil)
        let n = 4000
        var sum = 0.0, sq = 0.0
        for c in 0..<n {
            let y = try integrator.outputs(inputs: r.inputs, mismatch: r.mismatch.draw(seed: 77, index: c))
            var d = 0.0
            for (a, b) in zip(y, nominal) { for (u, v) in zip(a, b) { d += (u - v) * (u - v) } }
            d /= Double(r.inputs.count)
            sum += d; sq += d * d
        }
        let mean = sum / Double(n), sd = ((sq / Double(n) - mean * mean) / Double(n)).squareRoot()
        #expect(abs(p - mean) < 4 * sd + 0.02 * mean, "penalty \(p), sampled \(mean) ± \(sd)")
    }

    /// The penalty's gradient (a central difference of two adjoint passes along the chip v = Σg) against
    /// finite differences of the penalty itself.
    @Test func penaltyGradientMatchesFiniteDifferences() throws {
        let (r, theta) = try setup()
        let g = try r.penaltyLossAndGradient(parameters: theta, batch: [0, 1, 2]).gradient
        for (l, k) in [(0, 0), (0, 7), (1, 3), (1, 11), (1, 20)] {
            let h = 1e-5
            var plus = theta, minus = theta
            plus[l][k] += h
            minus[l][k] -= h
            let pp = try r.penaltyLossAndGradient(parameters: plus, batch: [0, 1, 2]).penalty
            let pm = try r.penaltyLossAndGradient(parameters: minus, batch: [0, 1, 2]).penalty
            let fd = (pp - pm) / (2 * h)
            #expect(abs(g[l][k] - fd) <= 1e-3 * abs(fd) + 1e-9, "layer \(l) parameter \(k): \(g[l][k]) vs \(fd)")
        }
    }
}
