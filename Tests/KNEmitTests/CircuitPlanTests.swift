import Foundation
import KNModel
import Testing
@testable import KNEmit

/// What the behavioral circuit accepts and refuses, and what every netlist header states.
@Suite struct CircuitPlanTests {
    let scaling = ChipScaling(alpha: 0.03, beta: 1e-7, capacitance: 2e-12, vcm: 1.0,
                              supplies: [Supply(name: "vdd", volts: 1.8), Supply(name: "vss", volts: 0)])

    @Test func tauIsCAlphaOverBeta() {
        #expect(abs(scaling.tau - 2e-12 * 0.03 / 1e-7) < 1e-20)
        #expect(abs(ChipScaling.behavioralDefault.tau - 100e-9) < 1e-18)
        #expect(abs(scaling.modelValue(volts: scaling.volts(2.5)) - 2.5) < 1e-12)
    }

    @Test func invalidScalingIsRefusedByName() {
        var s = scaling
        s.beta = 0
        #expect(throws: EmitError.invalid("scaling.beta", "must be finite and positive, got 0.0")) { try s.validate() }
        s = scaling
        s.supplies.append(Supply(name: "n3", volts: 1))
        #expect(throws: EmitError.self) { try s.validate() }
    }

    @Test func partsACircuitCannotBuildAreRefused() throws {
        let base = try Fixtures.twoNodeNetwork(.shiftTanh2, repeat: 1, seed: 1, ranges: [(-1, 1), (-1, 1), (-1, 1)])
        var residual = base
        residual.residual = [0, 1]
        #expect { try CircuitPlan(network: residual, scaling: scaling, inputs: [0, 0]) } throws: { error in
            if case .unsupported("network.residual", _) = error as? EmitError { return true }
            return false
        }
        var encoder = base
        encoder.encoder = MultilayerPerceptron(widths: [1, 2], weights: [ParameterMatrix(rows: 2, columns: 1, values: [1, 1])],
                                               biases: [ParameterMatrix(rows: 1, columns: 2, values: [0, 0])])
        #expect { try CircuitPlan(network: encoder, scaling: scaling, inputs: [0, 0]) } throws: { error in
            if case .unsupported("network.encoder", _) = error as? EmitError { return true }
            return false
        }
        #expect { try CircuitPlan(network: base, scaling: scaling, inputs: [0, 0], reverse: true) } throws: { error in
            if case .unsupported("direction", _) = error as? EmitError { return true }
            return false
        }
        // One input for two nodes needs padding; without `fill: zeros` that is refused.
        #expect { try CircuitPlan(network: base, scaling: scaling, inputs: [0.5]) } throws: { error in
            if case .unsupported("network.fill", _) = error as? EmitError { return true }
            return false
        }
        var zeros = base
        zeros.fill = .zeros
        let plan = try CircuitPlan(network: zeros, scaling: scaling, inputs: [0.5])
        #expect(plan.initialState == [0.5, 0])
    }

    @Test func growingLayersNeedFillZerosAndNeverRegrowDroppedNodes() throws {
        func layer(_ numNode: Int) throws -> Layer {
            let g = TopologyGenerator.fullyConnect(numNode: numNode, includeGround: true, repeat: [1, 1])
            let e = try g.generate()
            return Layer(generator: g, edges: e, parameters: ParameterMatrix(rows: 3, columns: e.count,
                                                                               values: [Double](repeating: 0.1, count: 3 * e.count)))
        }
        var grow = Network(family: .shiftTanh2, layers: [try layer(3), try layer(4)], anchors: [0, 1, 2], block: .plain)
        #expect { try CircuitPlan(network: grow, scaling: scaling, inputs: [1, 2]) } throws: { error in
            if case .unsupported("layer 1", _) = error as? EmitError { return true }
            return false
        }
        grow.fill = .zeros
        let plan = try CircuitPlan(network: grow, scaling: scaling, inputs: [1, 2])
        #expect(plan.nodeCount == 3)
        #expect(plan.stateWidths == [2, 2, 3])
        var regrow = Network(family: .shiftTanh2, layers: [try layer(4), try layer(3), try layer(4)], anchors: [0, 1, 2, 3],
                             block: .plain, fill: .zeros)
        #expect { try CircuitPlan(network: regrow, scaling: scaling, inputs: [1, 2, 3]) } throws: { error in
            if case .unsupported("layer 2", _) = error as? EmitError { return true }
            return false
        }
        regrow.fill = .repeat
        #expect(throws: EmitError.self) { try CircuitPlan(network: regrow, scaling: scaling, inputs: [1, 2, 3]) }
    }

    @Test func headerStatesScalingSourceAndAnchors() throws {
        let net = try Fixtures.twoNodeNetwork(.shiftRelu1, repeat: 1, seed: 3, ranges: [(-1, 1), (-1, 1)])
        let plan = try CircuitPlan(network: net, scaling: scaling, inputs: [0.1, 0.2])
        let url = try Fixtures.temporaryFolder("header").appendingPathComponent("h.cir")
        try NgspiceBehavioralWriter.write(plan, to: url, options: NgspiceOptions(source: "checkpoint twomoon/model.pth"))
        let text = try String(contentsOf: url, encoding: .utf8)
        let header = text.split(separator: "\n").prefix(while: { $0.hasPrefix("*") }).joined(separator: "\n")
        for needle in ["alpha = 0.03 V/unit", "beta = 1e-07 A/unit", "C = 2e-12 F", "tau = \(scaling.tau) s",
                       "V_CM = 1.0 V", "vdd = 1.8 V", "vss = 0.0 V", "source model: checkpoint twomoon/model.pth",
                       "ShiftRelu1", "anchors (model time t_end): [0.0, 0.5, 1.0]"] {
            #expect(header.contains(needle), "header lacks '\(needle)'")
        }
        // One B-source per node pair of each layer (parallel edges add), one capacitor per node, one gate per layer.
        let lines = text.split(separator: "\n")
        let pairs = net.layers.map { l in Set(zip(l.edges.src, l.edges.des).map { "\($0)-\($1)" }).count }.reduce(0, +)
        #expect(pairs < net.edgeCount)
        #expect(lines.filter { $0.hasPrefix("B") }.count == pairs)
        #expect(lines.filter { $0.hasPrefix("C") }.count == 2)
        #expect(lines.filter { $0.hasPrefix("Vg") }.count == 2)
    }
}
