import Foundation
import KNModel

/// Writes Verilog-A for a network: one compact module per edge family, and a structural top-level module.
///
/// The edge module has terminals `(s, d, g)`: the current `beta·V(g)·g(vs, vd)` flows from `s` to `d`
/// through the device, with `vs = (V(s) − vcm)/alpha`. `g` is the layer gate (1 V while the layer conducts,
/// 0 V otherwise), driven from outside. `alpha`, `beta` and `vcm` are model parameters; `p0`, `p1`, `p2` are
/// instance parameters (`(* type="instance" *)`, which OpenVAF needs to make them per-instance). The module
/// uses only a branch contribution of an algebraic expression (no events, no `$abstime`, no analog
/// operators), so OpenVAF and ADMS both accept it.
public enum VerilogAWriter {
    /// The module name of a family's edge module (`kn_shifttanh2`, `kn_device_neg_tanh`, …).
    public static func moduleName(_ family: EdgeFamily) -> String {
        if case let .device(negation, activation) = family {
            return "kn_device_" + (negation ? "neg_" : "") + activation.rawValue
        }
        return "kn_" + family.upstreamName.lowercased()
    }

    /// The Verilog-A source of a family's edge module.
    public static func edgeModule(_ family: EdgeFamily, scaling: ChipScaling = .behavioralDefault) -> String {
        let name = moduleName(family)
        let rows = family.parameterRows
        var lines = [
            "// kn-toolkit edge module: \(family.description), i = \(family.formula)",
            "// I(s, d) = beta * V(g) * i(vs, vd), vs = (V(s) - vcm)/alpha, vd = (V(d) - vcm)/alpha.",
            "// g is the layer gate: 1 V while the layer conducts, 0 V otherwise.",
        ] + scaling.headerLines().map { "// default " + $0 } + [
            "`include \"disciplines.vams\"",
            "",
            "module \(name)(s, d, g);",
            "    inout s, d, g;",
            "    electrical s, d, g;",
            "    parameter real alpha = \(TextSink.format(scaling.alpha)) from (0:inf);",
            "    parameter real beta = \(TextSink.format(scaling.beta)) from (0:inf);",
            "    parameter real vcm = \(TextSink.format(scaling.vcm));",
        ]
        for p in 0..<rows { lines.append("    (* type=\"instance\" *) parameter real p\(p) = 0.0;") }
        if rows < 3 { for p in rows..<3 { lines.append("    real p\(p);") } }
        lines += [
            "    real vs, vd;",
            "    analog begin",
        ]
        if rows < 3 { for p in rows..<3 { lines.append("        p\(p) = 0.0;") } }
        lines += [
            "        vs = (V(s) - vcm) / alpha;",
            "        vd = (V(d) - vcm) / alpha;",
            "        I(s, d) <+ beta * V(g) * \(BehavioralExpression.symbolicCurrent(family, dialect: .verilogA));",
            "    end",
            "endmodule",
            "",
        ]
        return lines.joined(separator: "\n")
    }

    /// Writes the edge module of `family` to `url` (atomically).
    public static func writeEdgeModule(_ family: EdgeFamily, scaling: ChipScaling = .behavioralDefault, to url: URL) throws {
        try writeText(to: url) { out in try out.write(edgeModule(family, scaling: scaling)) }
    }

    /// Writes a structural top-level module `kn_network(n1, …, nN)` for simulators that elaborate hierarchical
    /// Verilog-A/AMS (Spectre, AMS Designer and the like). It holds the reference `n0 = vcm`, one capacitor per
    /// node, one gate per layer and one edge instance per edge; the testbench sets the initial node voltages.
    ///
    /// Which tool takes which file: the edge module (``edgeModule(_:scaling:)``) compiles with OpenVAF-Reloaded
    /// (ngspice 46 OSDI, VACASK) and parses with ADMS (`admsXml`); this structural file parses with ADMS but
    /// OpenVAF does not take it (it compiles single compact modules, not netlists of instances), and it was not
    /// simulated here. The gate is `transition()` of a level that `$abstime` switches half a ramp before each
    /// switching time, so that its crossover is centred on it; `timer` events would make the simulator land on
    /// those times exactly, but ADMS 2.3.7 rejects `@(timer(…))`.
    public static func writeStructural(_ plan: CircuitPlan, edgeModuleFile: String, to url: URL, source: String? = nil) throws {
        let s = plan.scaling
        let net = plan.network
        let module = moduleName(net.family)
        let f = TextSink.format
        try writeText(to: url) { out in
            try out.line("// kn-toolkit structural Verilog-A view of a KirchhoffNet, for hierarchical Verilog-A simulators (Spectre-like).")
            try out.line("// Parses with ADMS (admsXml); OpenVAF compiles only the edge module. Not simulated here: no hierarchical Verilog-A simulator is installed.")
            for l in s.headerLines() + plan.modelLines(source: source) { try out.line("// " + l) }
            try out.line("// initial state (model units, nodes 1..\(plan.nodeCount)): \(plan.initialState); set it as initial conditions in the testbench")
            try out.line("`include \"disciplines.vams\"")
            try out.line("`include \"\(edgeModuleFile)\"")
            try out.line("")
            try out.line("module kn_cap(n);")
            try out.line("    inout n; electrical n;")
            try out.line("    parameter real c = \(f(s.capacitance)) from (0:inf);")
            try out.line("    analog I(n) <+ c * ddt(V(n));")
            try out.line("endmodule")
            try out.line("")
            try out.line("module kn_gate(g);")
            try out.line("    output g; electrical g;")
            try out.line("    parameter real t_on = 0.0, t_off = 1.0, ramp = 1e-15;")
            try out.line("    analog begin")
            try out.line("        V(g) <+ transition((($abstime >= t_on - ramp/2) && ($abstime < t_off - ramp/2)) ? 1.0 : 0.0, 0.0, ramp);")
            try out.line("    end")
            try out.line("endmodule")
            try out.line("")
            let ports = (1...max(plan.nodeCount, 1)).filter { $0 <= plan.nodeCount }.map { "n\($0)" }
            try out.line("module kn_network(\(ports.joined(separator: ", ")));")
            try out.line("    inout \(ports.joined(separator: ", "));")
            try out.line("    electrical n0, \(ports.joined(separator: ", "));")
            try out.line("    electrical \(net.layers.indices.map { "g\($0)" }.joined(separator: ", "));")
            try out.line("    analog V(n0) <+ \(f(s.vcm));")
            for p in ports { try out.line("    kn_cap #(.c(\(f(s.capacitance)))) c_\(p) (\(p));") }
            let ramp = NgspiceOptions().gateRamp * s.tau
            let last = net.layers.count - 1
            for l in net.layers.indices {
                let (a, b) = plan.window(ofLayer: l)
                let off = l == last ? b * 2 + s.tau : b
                try out.line("    kn_gate #(.t_on(\(f(a))), .t_off(\(f(off))), .ramp(\(f(ramp)))) gate\(l) (g\(l));")
            }
            let ab = "    \(module) #(.alpha(\(f(s.alpha))), .beta(\(f(s.beta))), .vcm(\(f(s.vcm)))"
            for (l, layer) in net.layers.enumerated() {
                let e = layer.edgeCount, p = layer.parameters
                for k in 0..<e {
                    try out.write(ab)
                    for r in 0..<p.rows { try out.write(", .p\(r)("); try out.number(p.values[r * e + k]); try out.write(")") }
                    try out.line(") e\(l)_\(k) (n\(layer.edges.src[k]), n\(layer.edges.des[k]), g\(l));")
                }
            }
            try out.line("endmodule")
        }
    }
}
