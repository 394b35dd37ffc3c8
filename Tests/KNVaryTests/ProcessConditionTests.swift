import Foundation
import KNMap
import KNModel
import Testing
@testable import KNVary

/// The measured shifts of a process condition (kn-map corners) on the network: unmeasured cells take their layer's
/// mean, edges without a cell stay put, and a Monte Carlo at the condition is the mismatch draw plus the shift.
@Suite struct ProcessConditionTests {
    static func shifts(layer: Int, edge: Int, _ v: [Double]) -> CellConditionShifts {
        let d = EffectiveDeviation(offset: v[0], gain: v[1], amplitude: v[2], copy: v[3])
        return CellConditionShifts(layer: layer, edge: edge, baseline: EffectiveDeviation(offset: 0, gain: 0, amplitude: 0, copy: 0),
                                   shifts: [d], residuals: [0.01])
    }

    @Test func unmeasuredCellsTakeTheirLayersMeanAndAbsentEdgesStay() throws {
        var net = try Fixtures.network(family: .shiftTanh2)
        for r in 0..<3 { net.layers[1].parameters[r, 2] = 0 }
        let edges = [Self.shifts(layer: 0, edge: 1, [0.1, 0.2, 0.3, 0.4]), Self.shifts(layer: 0, edge: 3, [0.3, 0.4, 0.5, 0.6]),
                     Self.shifts(layer: 1, edge: 0, [-1, -2, -3, -4])]
        let instance = ProcessConditionReport.shiftInstance(network: net, edges: edges, condition: 0)
        #expect(instance.layers[0].offset[1] == 0.1 && instance.layers[0].copy[3] == 0.6)
        // Layer 0's other cells: the mean of its two measured cells.
        #expect(abs(instance.layers[0].gain[0] - 0.3) < 1e-15 && abs(instance.layers[0].amplitude[5] - 0.4) < 1e-15)
        // Layer 1: its one measured cell's shift everywhere, except the edge that carries no current.
        #expect(instance.layers[1].offset[1] == -1 && instance.layers[1].copy[4] == -4)
        #expect(instance.layers[1].offset[2] == 0 && instance.layers[1].gain[2] == 0)
    }

    @Test func aMonteCarloAtAConditionIsTheDrawPlusTheShift() throws {
        let net = try Fixtures.network(family: .shiftTanh2)
        let cells = AssumedCellTopology(family: .shiftTanh2), process = try Fixtures.sky130()
        let base = ProcessConditionReport.shiftInstance(network: net, edges: [Self.shifts(layer: 0, edge: 0, [0.05, -0.1, 0.02, 0.001])],
                                                        condition: 0)
        let plain = MismatchModel(network: net, cells: cells, mismatch: process)
        let shifted = MismatchModel(network: net, cells: cells, mismatch: process, base: base)
        for k in 0..<4 {
            let a = plain.draw(seed: 9, index: k), b = shifted.draw(seed: 9, index: k)
            for l in a.layers.indices {
                for e in a.layers[l].offset.indices {
                    #expect(abs(b.layers[l].offset[e] - a.layers[l].offset[e] - base.layers[l].offset[e]) < 1e-15)
                    #expect(abs(b.layers[l].gain[e] - a.layers[l].gain[e] - base.layers[l].gain[e]) < 1e-15)
                    #expect(abs(b.layers[l].copy[e] - a.layers[l].copy[e] - base.layers[l].copy[e]) < 1e-15)
                }
            }
        }
        // The shift moves the read-out: the nominal chip at the condition differs from the nominal chip.
        let integrator = try FixedStepIntegrator(network: net, stepsPerUnit: 32)
        let x = SampleTable.standardNormal(rows: 3, columns: net.inputWidth, seed: 1).samples
        let y0 = try integrator.outputs(inputs: x, mismatch: nil), y1 = try integrator.outputs(inputs: x, mismatch: base)
        #expect(zip(y0.joined(), y1.joined()).contains { abs($0 - $1) > 1e-6 })
    }
}
