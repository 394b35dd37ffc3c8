import Foundation
import KNModel
import Testing
@testable import KNVary

@Suite struct SwitchedOffMismatchTests {
    /// An edge that carries no current has no cell: it has no deviation, not even the global shift, and no
    /// covariance, while every other edge keeps its own.
    @Test func switchedOffEdgesDoNotVaryAndTheOthersKeepTheirDraws() throws {
        let net = try Fixtures.network(family: .shiftTanh2)
        var off = net
        for r in 0..<3 { off.layers[1].parameters[r, 2] = 0 }
        let cells = AssumedCellTopology(family: .shiftTanh2), process = try Fixtures.sky130()
        let full = MismatchModel(network: net, cells: cells, mismatch: process)
        let pruned = MismatchModel(network: off, cells: cells, mismatch: process, global: GlobalShift(offset: 0.1))
        let unshifted = MismatchModel(network: off, cells: cells, mismatch: process)
        #expect(pruned.covariance(layer: 1, edge: 2).allSatisfy { $0 == 0 })
        #expect(pruned.sigma(layer: 1, edge: 2).values.allSatisfy { $0 == 0 })
        #expect(pruned.covariance(layer: 1, edge: 3) == full.covariance(layer: 1, edge: 3))
        for k in 0..<5 {
            let a = full.draw(seed: 2, index: k), b = unshifted.draw(seed: 2, index: k), c = pruned.draw(seed: 2, index: k)
            #expect(c.layers[1].offset[2] == 0 && c.layers[1].gain[2] == 0 && c.layers[1].amplitude[2] == 0 && c.layers[1].copy[2] == 0)
            #expect(a.layers[1].offset[2] != 0 && a.switchingOff(in: off).layers[1].offset[2] == 0)
            #expect(a.switchingOff(in: off).layers[0] == a.layers[0])
            #expect(abs(c.layers[0].offset[0] - b.layers[0].offset[0] - 0.1) < 1e-15, "the global shift still reaches the other edges")
        }
    }

    /// The linearised chip loss of retraining leaves out an edge that carries no current, whatever mismatch
    /// model it was given: a model built before the edge was switched off gives the same penalty and gradient
    /// as one built after.
    @Test func thePenaltyLeavesOutSwitchedOffEdges() throws {
        let net = try Fixtures.network(family: .shiftTanh2, scale: 0.3)
        var off = net
        for r in 0..<3 { off.layers[0].parameters[r, 5] = 0 }
        let cells = AssumedCellTopology(family: .shiftTanh2), process = try Fixtures.sky130()
        let inputs = SampleTable.standardNormal(rows: 4, columns: net.inputWidth, seed: 4).samples
        func penalty(_ model: MismatchModel) throws -> (Double, [[Double]]) {
            let trainer = try Retrainer(network: off, stepsPerUnit: 16, mismatch: model, inputs: inputs, objective: .distillation,
                                        options: RetrainOptions())
            let r = try trainer.penaltyLossAndGradient(parameters: off.layers.map(\.parameters.values), batch: [0, 1, 2, 3])
            return (r.penalty, r.gradient)
        }
        let before = try penalty(MismatchModel(network: net, cells: cells, mismatch: process))
        let after = try penalty(MismatchModel(network: off, cells: cells, mismatch: process))
        #expect(before.0 > 0 && abs(before.0 - after.0) <= 1e-12 * after.0)
        for (a, b) in zip(before.1.joined(), after.1.joined()) { #expect(abs(a - b) <= 1e-9 * max(1, abs(b))) }
    }
}
