import Foundation
import KNTestSupport
import KNModel
import Testing
@testable import KNEmit

/// Each family's current as ngspice evaluates the emitted text, over a grid of terminal voltages, against the
/// formulas of upstream's circuit_block.py written out here.
@Suite struct FamilyCurrentTests {
    static let families: [EdgeFamily] = [
        .shiftTanh1, .shiftTanh2, .shiftRelu1, .shiftRelu2, .shiftLeakyRelu1, .shiftLeakyRelu2, .conductance,
        .device(negation: true, activation: .sigmoid), .device(negation: false, activation: .softplus),
        .device(negation: false, activation: .elu), .device(negation: true, activation: .silu),
        .device(negation: false, activation: .hardtanh), .device(negation: true, activation: .relu6),
        .device(negation: false, activation: .softsign), .device(negation: true, activation: .identity),
    ]

    /// Upstream's formulas (torch semantics: leaky slope 0.01, softplus linear above 20).
    static func reference(_ f: EdgeFamily, _ vs: Double, _ vd: Double, _ p: [Double]) -> Double {
        func act(_ a: Activation, _ x: Double) -> Double {
            switch a {
            case .identity: return x
            case .relu: return max(x, 0)
            case .leakyRelu: return x > 0 ? x : 0.01 * x
            case .tanh: return tanh(x)
            case .sigmoid: return 1 / (1 + exp(-x))
            case .softplus: return x > 20 ? x : log(1 + exp(x))
            case .elu: return x > 0 ? x : exp(x) - 1
            case .silu: return x / (1 + exp(-x))
            case .relu6: return min(max(x, 0), 6)
            case .hardtanh: return min(max(x, -1), 1)
            case .softsign: return x / (1 + abs(x))
            }
        }
        switch f {
        case .shiftTanh1: return tanh(p[1] * (vs - vd) + p[0])
        case .shiftTanh2: return tanh(p[0] * vs + p[1] * vd + p[2])
        case .shiftRelu1: return p[1] * max(vs - vd - p[0], 0)
        case .shiftRelu2: return max(p[0] * vs + p[1] * vd + p[2], 0)
        case .shiftLeakyRelu1: return p[1] * act(.leakyRelu, vs - vd - p[0])
        case .shiftLeakyRelu2: return act(.leakyRelu, p[0] * vs + p[1] * vd + p[2])
        case .conductance: return p[0] * (vs - vd)
        case let .device(neg, a): return neg ? act(a, p[1] * (vs - vd) + p[0]) : act(a, p[0] * vs + p[1] * vd + p[2])
        }
    }

    /// A DC sweep of vs over [-3, 3] units at vd ∈ {-1.5, 0.25, 2}: the netlist around one edge.
    static func sweepNetlist(_ edge: String, preamble: String = "", control: String = "") -> String {
        """
        * one edge, swept
        Vcm n0 0 DC 0.9
        Vg g 0 DC 1
        Vs ns 0 DC 0.9
        Vd nd 0 DC 0.9
        \(preamble)\(edge)
        .options reltol=1e-9 abstol=1e-15
        .control
        \(control)set filetype=binary
        dc Vs 0.6 1.2 0.025 Vd 0.75 1.1 0.175
        write sweep.raw
        quit 0
        .endc
        .end

        """
    }

    static func check(_ family: EdgeFamily, netlist: String, name: String, runner: NgspiceRunner) throws {
        let dir = try Fixtures.temporaryFolder(name)
        let url = dir.appendingPathComponent("sweep.cir")
        try Data(netlist.utf8).write(to: url)
        _ = try runner.run(url)
        let plot = try #require(try Rawfile(contentsOf: dir.appendingPathComponent("sweep.raw")).plots.first)
        let vs = plot.column(try #require(plot.voltageIndex(of: "ns")))
        let vd = plot.column(try #require(plot.voltageIndex(of: "nd")))
        let id = plot.column(try #require(plot.index(of: "i(vd)")))
        #expect(vs.count == 25 * 3)
        let p = Self.parameters(family)
        var worst = 0.0
        for k in vs.indices {
            let expected = 1e-6 * reference(family, (vs[k] - 0.9) / 0.1, (vd[k] - 0.9) / 0.1, p)
            // The B-source pushes its current into `des`, which then flows into Vd's + terminal.
            worst = max(worst, abs(id[k] - expected))
        }
        #expect(worst < 1e-13, "\(family.description): worst current error \(worst) A")
    }

    static func parameters(_ family: EdgeFamily) -> [Double] {
        var rng = SplitMix64(state: UInt64(family.description.utf8.reduce(7) { $0 &* 31 &+ UInt64($1) }))
        return (0..<3).map { _ in rng.uniform(-1.5, 1.5) }
    }

    @Test(arguments: families)
    func bSourceCurrentMatchesUpstreamFormula(_ family: EdgeFamily) throws {
        let p = Self.parameters(family)
        let g = BehavioralExpression.current(family, vs: "(V(ns)-0.9)/0.1", vd: "(V(nd)-0.9)/0.1",
                                             p0: p[0], p1: p[1], p2: p[2], dialect: .spice)
        try Self.check(family, netlist: Self.sweepNetlist("B1 ns nd I=1e-06*V(g)*" + g),
                       name: "bsrc-\(VerilogAWriter.moduleName(family))", runner: Fixtures.ngspice)
    }

    @Test(.enabled(if: which("openvaf-r") != nil && (ngspiceMajorVersion() ?? 0) >= 46,
                   "needs openvaf-r and ngspice >= 46 with OSDI; run flows/ngspice46-osdi.sh"),
          arguments: families)
    func verilogACurrentMatchesUpstreamFormula(_ family: EdgeFamily) throws {
        let p = Self.parameters(family)
        let module = VerilogAWriter.moduleName(family)
        let dir = try Fixtures.temporaryFolder("va-\(module)")
        let va = dir.appendingPathComponent(module + ".va")
        try VerilogAWriter.writeEdgeModule(family, scaling: ChipScaling(alpha: 0.1, beta: 1e-6, capacitance: 1e-12, vcm: 0.9), to: va)
        let (status, log) = try run(which("openvaf-r")!, [va.lastPathComponent], in: dir)
        try #require(status == 0, "\(log)")
        let params = (0..<family.parameterRows).map { "p\($0)=\(p[$0])" }.joined(separator: " ")
        let netlist = Self.sweepNetlist("N1 ns nd g kn_edge \(params)",
                                        preamble: ".model kn_edge \(module) alpha=0.1 beta=1e-6 vcm=0.9\n",
                                        control: "pre_osdi \(dir.path)/\(module).osdi\n")
        try Self.check(family, netlist: netlist, name: "osdi-\(module)", runner: NgspiceRunner(timeout: 60))
    }
}
