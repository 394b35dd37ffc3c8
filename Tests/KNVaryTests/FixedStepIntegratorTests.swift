import Foundation
import KNModel
import KNSimulate
import KNTestSupport
import Testing
@testable import KNVary

@Suite struct FixedStepIntegratorTests {
    private struct Reference: Decodable {
        var inputs: [[Double]]
        var outputs_forward: [[[Double]]]
    }

    @Test func nominalTwomoonMatchesIndependentReference() throws {
        guard let net = try Fixtures.twomoon(), let shared = SharedData.folder else { return }
        let ref = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: shared.appendingPathComponent("reference/twomoon.json")))
        let integrator = try FixedStepIntegrator(network: net, stepsPerUnit: 1024)
        let out = try integrator.outputs(inputs: ref.inputs, mismatch: nil)
        var worst = 0.0
        for (s, y) in out.enumerated() {
            for (a, b) in zip(y, ref.outputs_forward[s].last!) { worst = max(worst, abs(a - b)) }
        }
        #expect(worst < 1e-6, "RK4 at 1024 steps/unit deviates by \(worst) from DOP853 at 1e-10")
    }

    @Test func rk4ConvergesAtFourthOrder() throws {
        let net = try Fixtures.network(family: .shiftTanh2, scale: 1.0)
        let inputs = [[0.3, -0.8], [1.1, 0.2]]
        let exact = try Simulator(network: net).run(batch: inputs).map(\.output)
        func err(_ n: Int) throws -> Double {
            let y = try FixedStepIntegrator(network: net, stepsPerUnit: n).outputs(inputs: inputs, mismatch: nil)
            return zip(y, exact).flatMap { zip($0.0, $0.1).map { abs($0.0 - $0.1) } }.max()!
        }
        let e1 = try err(8), e2 = try err(16)
        #expect(e1 / e2 > 12 && e1 / e2 < 20, "halving the step should divide the error by about 16: \(e1) → \(e2)")
    }

    @Test func copyMismatchBreaksChargeConservation() throws {
        // One ShiftTanh2 edge from node 1 to node 2: the current leaving node 1 is (1+a)·i, the current
        // entering node 2 is (1+a)(1+ε)·i, with i = tanh((1+g)(p0·v1 + p1·v2) + p2 + o).
        let edges = EdgeList(src: [1], des: [2])
        let layer = Layer(generator: nil, edges: edges, parameters: ParameterMatrix(rows: 3, columns: 1, values: [0.7, -0.4, 0.1]))
        var d = EdgeDeviations(count: 1)
        d.offset = [0.05]; d.gain = [0.02]; d.amplitude = [-0.03]; d.copy = [0.04]
        let affine = AffineLayer(layer: layer, family: .shiftTanh2, deviations: d)
        var f = [0.0, 0.0], aux = [0.0, 0.0, 0.0]
        let v = [0.5, -0.2]
        v.withUnsafeBufferPointer { vp in f.withUnsafeMutableBufferPointer { fp in aux.withUnsafeMutableBufferPointer { ap in
            affine.rightHandSide(vp.baseAddress!, fp.baseAddress!, ap.baseAddress!)
        } } }
        let i = tanh(1.02 * (0.7 * 0.5 + -0.4 * -0.2) + 0.1 + 0.05)
        #expect(abs(f[0] - (-0.97 * i)) < 1e-15)
        #expect(abs(f[1] - 0.97 * 1.04 * i) < 1e-15)
    }
}

@Suite struct BatchIntegrationTests {
    @Test func batchedChipEqualsPerInputIntegrationBitForBit() throws {
        let net = try Fixtures.network(family: .shiftTanh2, numNode: 4, repeat: [2, 2], block: .plain, seed: 3)
        let model = MismatchModel(network: net, cells: AssumedCellTopology(family: .shiftTanh2), mismatch: try Fixtures.sky130())
        let chip = model.draw(seed: 9, index: 2)
        let integrator = try FixedStepIntegrator(network: net, stepsPerUnit: 20)
        let inputs = (0..<7).map { k in (0..<3).map { j in sin(Double(3 * k + j)) } }
        let batched = try integrator.outputs(inputs: inputs, mismatch: chip)
        let single = try inputs.map { try integrator.outputs(inputs: [$0], mismatch: chip)[0] }
        #expect(batched == single)
    }
}

@Suite struct FastTanhTests {
    @Test func fastTanhMatchesTheCLibrary() {
        var worst = 0.0
        var x = -25.0
        while x <= 25 {
            worst = max(worst, abs(fastTanh(x) - tanh(x)))
            x += 0.000_731
        }
        for x in [0.0, -0.0, 1e-300, -1e-12, 18.99, 19.01, 40, -40, 710, -1e308] {
            worst = max(worst, abs(fastTanh(x) - tanh(x)))
        }
        #expect(worst < 4e-16, "largest |fastTanh − tanh| = \(worst)")
    }
}
