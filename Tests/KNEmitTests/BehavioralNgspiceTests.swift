import Foundation
import KNTestSupport
import KNModel
import Testing
@testable import KNEmit

/// The behavioral ngspice netlist, run by the real ngspice, against an RK4 reference in model units.
@Suite struct BehavioralNgspiceTests {
    static let scaling = ChipScaling(alpha: 0.1, beta: 1e-6, capacitance: 1e-12, vcm: 0.9,
                                     supplies: [Supply(name: "vdd", volts: 1.8)])

    func simulate(_ net: Network, inputs: [Double], name: String, options: NgspiceOptions = NgspiceOptions())
        throws -> (report: VerificationReport, run: SimulatorRun)
    {
        let dir = try Fixtures.temporaryFolder(name)
        let plan = try CircuitPlan(network: net, scaling: Self.scaling, inputs: inputs)
        let result = try NgspiceFlow.simulate(plan, netlist: dir.appendingPathComponent("\(name).cir"), options: options,
                                              runner: Fixtures.ngspice)
        let report = try result.verify(against: RK4Reference.anchors(net, inputs: inputs), tolerance: 1e-4)
        let run = result.run
        return (report, run)
    }

    @Test func shiftTanh2MatchesRK4AtEveryAnchor() throws {
        let net = try Fixtures.twoNodeNetwork(.shiftTanh2, seed: 7, ranges: [(-1.5, 1.5), (-1.5, 1.5), (-0.5, 0.5)])
        let (report, simRun) = try simulate(net, inputs: [0.8, -0.6], name: "tanh2")
        print(report.table())
        print("simulated by: \(simRun.logText.split(separator: "\n").first { $0.contains("ngspice-") } ?? "ngspice")")
        #expect(report.rows.count == 6)
        #expect(report.passed, "\(report.table())")
        // The network must actually move the state, or the comparison would prove nothing.
        #expect(abs(report.rows[4].expected - 0.8) > 0.05 || abs(report.rows[5].expected + 0.6) > 0.05)
    }

    @Test func shiftRelu1MatchesRK4AtEveryAnchor() throws {
        let net = try Fixtures.twoNodeNetwork(.shiftRelu1, seed: 11, ranges: [(-0.5, 0.5), (-1.0, 1.0)])
        let (report, _) = try simulate(net, inputs: [0.7, -0.4], name: "relu1")
        print(report.table())
        #expect(report.passed, "\(report.table())")
        #expect(abs(report.rows[4].expected - 0.7) > 0.05 || abs(report.rows[5].expected + 0.4) > 0.05)
    }

    /// Layer 0 on 2 nodes, layer 1 on 3 nodes (`fill: zeros`): node 3 must sit at V_CM until layer 1 starts.
    @Test func growingLayerWithFillZerosMatchesRK4() throws {
        var rng = SplitMix64(state: 23)
        var layers: [Layer] = []
        for numNode in [3, 4] {
            let gen = TopologyGenerator.fullyConnect(numNode: numNode, includeGround: true, repeat: [1, 1])
            let edges = try gen.generate()
            let values = (0..<(3 * edges.count)).map { _ in rng.uniform(-1.2, 1.2) }
            layers.append(Layer(generator: gen, edges: edges, parameters: ParameterMatrix(rows: 3, columns: edges.count, values: values)))
        }
        let net = Network(family: .shiftTanh1, layers: layers, anchors: [0, 0.4, 1.1], block: .plain, fill: .zeros)
        let (report, _) = try simulate(net, inputs: [-0.5, 0.9], name: "grow")
        print(report.table())
        #expect(report.rows.count == 2 + 2 + 3)
        #expect(report.rows[2].expected != -0.5 && report.rows.last!.expected != 0)
        #expect(report.passed, "\(report.table())")
    }
}
