import Foundation
import Testing
import KNModel

@Suite struct SwitchedOffEdgeTests {
    static let families: [EdgeFamily] = [.shiftTanh1, .shiftTanh2, .shiftRelu1, .shiftRelu2, .shiftLeakyRelu1, .shiftLeakyRelu2,
                                         .conductance] + Activation.allCases.flatMap { [EdgeFamily.device(negation: true, activation: $0),
                                                                                          .device(negation: false, activation: $0)] }

    /// Zero parameters switch an edge off (zero current at any voltages, and the exact test recognises it) in
    /// every family but a Device whose activation is nonzero at zero.
    @Test func zeroParametersCarryNoCurrentAndAreRecognised() {
        var rng = SeededGenerator(seed: 3)
        for family in Self.families {
            guard family.carriesNoCurrent(p0: 0, p1: 0, p2: 0) else {
                guard case let .device(_, activation) = family else { Issue.record("\(family.description) at zero"); continue }
                #expect(activation.valueAndSlope(0).value != 0, "\(family.description)")
                continue
            }
            for _ in 0..<50 {
                let vs = 40 * rng.nextUniform() - 20, vd = 40 * rng.nextUniform() - 20
                #expect(family.current(vs: vs, vd: vd, p0: 0, p1: 0, p2: 0).i == 0, "\(family.description)")
            }
        }
        #expect(!EdgeFamily.device(negation: false, activation: .sigmoid).carriesNoCurrent(p0: 0, p1: 0, p2: 0))
        #expect(!EdgeFamily.device(negation: true, activation: .softplus).carriesNoCurrent(p0: 0, p1: 0, p2: 0))
    }

    /// Parameters that carry no current without being the off values (a relu whose output scale is zero, a relu
    /// biased below zero with no weights) are recognised; any parameter that lets current flow is not.
    @Test func carriesNoCurrentIsExact() {
        #expect(EdgeFamily.shiftRelu1.carriesNoCurrent(p0: 0.7, p1: 0, p2: 0))
        #expect(!EdgeFamily.shiftRelu1.carriesNoCurrent(p0: 0, p1: 1e-300, p2: 0))
        #expect(EdgeFamily.shiftRelu2.carriesNoCurrent(p0: 0, p1: 0, p2: -0.3))
        #expect(!EdgeFamily.shiftRelu2.carriesNoCurrent(p0: 0, p1: 0, p2: 0.3))
        #expect(!EdgeFamily.shiftLeakyRelu2.carriesNoCurrent(p0: 0, p1: 0, p2: -0.3))
        #expect(!EdgeFamily.shiftTanh2.carriesNoCurrent(p0: 0, p1: 0, p2: 1e-9))
        #expect(EdgeFamily.shiftTanh1.carriesNoCurrent(p0: 0, p1: 0, p2: 5), "ShiftTanh1 does not use p2")
        #expect(EdgeFamily.device(negation: false, activation: .relu).carriesNoCurrent(p0: 0, p1: 0, p2: -1))
        #expect(!EdgeFamily.device(negation: false, activation: .sigmoid).carriesNoCurrent(p0: 0, p1: 0, p2: -1))
    }

    /// A network counts, per layer, the edges that carry current: the cells of its circuit.
    @Test func cellCountsLeaveOutSwitchedOffEdges() throws {
        let edges = EdgeList(src: [0, 1, 1, 2], des: [1, 2, 0, 1])
        var values = [Double](repeating: 0.2, count: 12)
        for r in 0..<3 { values[r * 4 + 1] = 0; values[r * 4 + 3] = 0 }
        let layer = Layer(generator: nil, edges: edges, parameters: ParameterMatrix(rows: 3, columns: 4, values: values))
        let network = Network(family: .shiftTanh2, layers: [layer, layer], anchors: [0, 0.5, 1], block: .plain)
        #expect(network.cellCounts == [2, 2])
        #expect(network.layers.reduce(0) { $0 + $1.edgeCount } - network.cellCounts.reduce(0, +) == 4)
        #expect(network.carriesNoCurrent(layer: 1, edge: 3) && !network.carriesNoCurrent(layer: 1, edge: 2))
    }
}
