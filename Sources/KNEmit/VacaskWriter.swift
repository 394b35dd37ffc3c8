import Foundation
import KNModel

/// Writes a network as a VACASK netlist (`.sim`) that loads the Verilog-A edge module directly.
///
/// The netlist loads `kn_<family>.osdi`, which ``FlowRunner`` compiles from the `.va` written beside it with
/// OpenVAF-Reloaded (the compiler shipped with VACASK) before the run. The circuit is the
/// one of ``NgspiceBehavioralWriter``'s OSDI view: `n0` held at V_CM, a capacitor per node, a PWL gate per layer
/// and one edge-module instance per edge. The transient starts with `icmode="uic"` from the input voltages
/// (VACASK's `icmode="op"` holds them through a finite force, which leaves 1e-5 V at t = 0, 3e-4 model units at
/// 30 mV/unit). The analysis is named after the netlist, so its rawfile is `<netlist base>.raw` beside it.
public enum VacaskWriter {
    /// VACASK's settings, measured on twomoon (sample 0, against the reference): its Newton solver gives up
    /// ("timestep too small") at the ngspice tolerances, and its step control does not tighten with reltol
    /// (3.6e-3 model units at anchor 1 with a maximum step of 1e-2·tau at reltol 1e-9 and 1e-10 alike); the
    /// maximum step does: 1.3e-4 at 2e-3·tau, 2.4e-5 at 1e-3·tau, 1.1e-5 at 5e-4·tau (2,133 points, 0.2 s).
    /// So: reltol ≥ 1e-9, vntol ≥ alpha·1e-10, abstol ≥ beta·1e-5, maximum step ≤ 5e-4·tau.
    static func vacaskTolerances(_ o: NgspiceOptions, _ s: ChipScaling) -> (reltol: Double, vntol: Double, abstol: Double, maxStep: Double) {
        let t = o.tolerances(s)
        return (max(t.reltol, 1e-9), max(t.vntol, s.alpha * 1e-10), max(t.abstol, s.beta * 1e-5), min(o.maxStep, 5e-4))
    }

    /// The analysis name (and rawfile base) for a netlist: its base name with every character other than a
    /// letter, digit or `_` replaced by `_`, prefixed with `tran_`.
    static func analysisName(_ url: URL) -> String {
        "tran_" + String(url.deletingPathExtension().lastPathComponent.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") ? $0 : "_" })
    }

    /// The rawfile a netlist written here produces: `tran_<netlist base>.raw` beside it.
    public static func rawfile(forNetlist url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(analysisName(url) + ".raw")
    }

    /// Writes one netlist with a copy of the circuit per plan (nets `s<j>_n<k>` when `batched`) and the edge
    /// module beside it; returns where the rawfile will be.
    @discardableResult
    public static func write(plans: [CircuitPlan], batched: Bool, to url: URL, options: NgspiceOptions = NgspiceOptions()) throws -> NgspiceNetlist {
        guard let plan = plans.first else { throw EmitError.invalid("batch", "holds no sample; give at least one input") }
        try CircuitPlan.checkBatch(plans)
        try NgspiceBehavioralWriter.check(options, plan)
        let s = plan.scaling
        let network = plan.network
        let module = VerilogAWriter.moduleName(network.family)
        let va = url.deletingLastPathComponent().appendingPathComponent(module + ".va")
        // Rewrite the module only when it changed, so that concurrent runs sharing it do not recompile it.
        let text = VerilogAWriter.edgeModule(network.family, scaling: s)
        if (try? String(contentsOf: va, encoding: .utf8)) != text {
            try VerilogAWriter.writeEdgeModule(network.family, scaling: s, to: va)
        }
        let analysis = analysisName(url)
        let raw = url.deletingLastPathComponent().appendingPathComponent(analysis + ".raw")
        let f = TextSink.format
        try writeText(to: url) { out in
            try out.line("kn-toolkit behavioral netlist for VACASK (Verilog-A edge module \(module).va)")
            for l in s.headerLines() + plan.modelLines(source: options.source) { try out.line("// " + l) }
            for (j, p) in plans.enumerated() {
                try out.line("// initial state\(batched ? " of sample \(j)" : "") (model units, nodes 1..\(p.nodeCount)): \(p.initialState)")
            }
            try out.line("// results: rawfile \(raw.lastPathComponent); node value in model units = (V(net) - V_CM)/alpha")
            try out.line("ground 0")
            try out.line("load \"capacitor.osdi\"")
            try out.line("load \"\(module).osdi\"")
            try out.line("model cap capacitor")
            try out.line("model vsource vsource")
            try out.line("model kn_edge \(module) alpha=\(f(s.alpha)) beta=\(f(s.beta)) vcm=\(f(s.vcm))")
            try out.line("vcm (n0 0) vsource dc=\(f(s.vcm))")
            for sup in s.supplies { try out.line("v\(sup.name) (\(sup.name) 0) vsource dc=\(f(sup.volts))") }
            let ramp = options.gateRamp * s.tau
            for l in network.layers.indices {
                let pts = NgspiceBehavioralWriter.gatePoints(plan, layer: l, ramp: ramp).split(separator: " ").joined(separator: ", ")
                try out.line("vg\(l) (g\(l) 0) vsource dc=0 type=\"pwl\" wave=[\(pts)]")
            }
            var ics: [String] = []
            for (j, p) in plans.enumerated() {
                let tag = batched ? j : nil
                let prefix = tag.map { "\($0)_" } ?? ""
                let nets = (0...plan.nodeCount).map { CircuitPlan.netName($0, sample: tag) }
                for n in 1...max(p.nodeCount, 1) where n <= p.nodeCount {
                    try out.line("c\(prefix)\(n) (\(nets[n]) 0) cap c=\(f(s.capacitance))")
                    ics.append("\"\(nets[n])\", \(f(s.volts(p.initialState[n - 1])))")
                }
                for (l, layer) in network.layers.enumerated() {
                    let pm = layer.parameters, e = layer.edgeCount, rows = pm.rows
                    for k in 0..<e {
                        try out.write("e\(prefix)\(l)_\(k) (\(nets[Int(layer.edges.src[k])]) \(nets[Int(layer.edges.des[k])]) g\(l)) kn_edge p0=")
                        try out.number(pm.values[k])
                        if rows > 1 { try out.write(" p1="); try out.number(pm.values[e + k]) }
                        if rows > 2 { try out.write(" p2="); try out.number(pm.values[2 * e + k]) }
                        try out.line("")
                    }
                }
            }
            let t = vacaskTolerances(options, s)
            let tmax = t.maxStep * s.tau
            try out.line("control")
            try out.line("  options tran_method=\"\(options.method.rawValue)\" reltol=\(f(t.reltol)) vntol=\(f(t.vntol)) abstol=\(f(t.abstol))")
            try out.line("  analysis \(analysis) tran step=\(f(tmax)) stop=\(f(plan.anchorTimes.last!)) maxstep=\(f(tmax)) icmode=\"uic\" ic={\(ics.joined(separator: ", "))}")
            try out.line("endc")
        }
        return NgspiceNetlist(url: url, rawfile: raw, plans: plans, batched: batched)
    }
}
