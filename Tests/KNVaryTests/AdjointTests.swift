import Foundation
import KNModel
import Testing
@testable import KNVary

@Suite struct AdjointTests {
    /// The discrete adjoint must give the gradient of the integrator's own map: compare with central finite
    /// differences of the same fixed-step forward pass, for every family form, under a non-zero mismatch.
    @Test(arguments: [EdgeFamily.shiftTanh2, .shiftTanh1, .conductance, .device(negation: false, activation: .softplus),
                      .device(negation: true, activation: .sigmoid)])
    func adjointMatchesFiniteDifferences(family: EdgeFamily) throws {
        let net = try Fixtures.network(family: family, numNode: 3, repeat: [1, 1], layers: 2, block: .plain, seed: 7)
        let model = MismatchModel(network: net, cells: AssumedCellTopology(family: family), mismatch: try Fixtures.sky130(), scale: 5)
        let chip = model.draw(seed: 3, index: 0)
        let target = [0.2, -0.1]
        let input = [0.4, -0.7]
        func loss(_ y: [Double]) -> (value: Double, gradient: [Double]) {
            var v = 0.0, g = [Double](repeating: 0, count: y.count)
            for j in y.indices { let d = y[j] - target[j % 2]; v += d * d; g[j] = 2 * d }
            return (v, g)
        }
        let integrator = try FixedStepIntegrator(network: net, stepsPerUnit: 16)
        let r = try integrator.gradient(input: input, mismatch: chip, loss: loss)
        var checked = 0
        for l in net.layers.indices {
            let layer = net.layers[l]
            let unused: Set<Int> = family == .shiftTanh1 ? Set((2 * layer.edgeCount)..<(3 * layer.edgeCount))
                : family == .conductance ? Set(layer.edgeCount..<(3 * layer.edgeCount)) : []
            for k in stride(from: 0, to: layer.parameters.values.count, by: 3) {
                let h = 1e-6
                var plus = net, minus = net
                plus.layers[l].parameters.values[k] += h
                minus.layers[l].parameters.values[k] -= h
                let yp = try FixedStepIntegrator(network: plus, stepsPerUnit: 16).outputs(inputs: [input], mismatch: chip)[0]
                let ym = try FixedStepIntegrator(network: minus, stepsPerUnit: 16).outputs(inputs: [input], mismatch: chip)[0]
                let fd = (loss(yp).value - loss(ym).value) / (2 * h)
                let g = r.gradient[l][k]
                if unused.contains(k) { #expect(g == 0); continue }
                #expect(abs(g - fd) <= 1e-6 + 1e-5 * abs(fd), "layer \(l) parameter \(k): adjoint \(g), finite difference \(fd)")
                checked += 1
            }
        }
        #expect(checked > 0)
    }
}
