import Foundation
import KNModel

/// Writes a network as a behavioral Xyce netlist.
///
/// **Not simulated.** No Xyce binary can be installed on the machines kn-toolkit is developed on; the netlist
/// follows the Xyce Reference Guide rule by rule (`flows/xyce-behavioral.md` lists each rule with its source,
/// and the tests check every rule on generated netlists). Run it with `Xyce NETLIST.cir`; the `.PRINT TRAN
/// FORMAT=RAW` line writes `<netlist>.raw`, which ``Rawfile`` and ``Verification`` read like ngspice's.
///
/// The circuit is the one ``NgspiceBehavioralWriter`` writes (same nets, gates, capacitors and edge currents);
/// what differs is the dialect: B-source expressions in braces (`I={…}`), PWL sources without parentheses, no
/// `.control` block (Xyce has none) but `.TRAN`, `.PRINT TRAN`, and `.OPTIONS TIMEINT` for the tolerances,
/// the method and breakpoints at every anchor.
public enum XyceWriter {
    /// Writes the netlist of `plan` to `url` and returns where the rawfile will be.
    @discardableResult
    public static func write(_ plan: CircuitPlan, to url: URL, options: NgspiceOptions = NgspiceOptions()) throws -> NgspiceNetlist {
        try write(plans: [plan], batched: false, to: url, options: options)
    }

    /// Writes one netlist with a copy of the circuit per plan (nets `s<j>_n<k>`), like the ngspice batch.
    @discardableResult
    public static func write(batch: [CircuitPlan], to url: URL, options: NgspiceOptions = NgspiceOptions()) throws -> NgspiceNetlist {
        try write(plans: batch, batched: true, to: url, options: options)
    }

    static func write(plans: [CircuitPlan], batched: Bool, to url: URL, options: NgspiceOptions) throws -> NgspiceNetlist {
        guard let plan = plans.first else { throw EmitError.invalid("batch", "holds no sample; give at least one input") }
        try CircuitPlan.checkBatch(plans)
        try NgspiceBehavioralWriter.check(options, plan)
        let raw = url.deletingPathExtension().appendingPathExtension("raw")
        let s = plan.scaling
        let tau = s.tau
        let network = plan.network
        let f = TextSink.format
        try writeText(to: url) { out in
            // The first line of a netlist is its title.
            try out.line("* kn-toolkit behavioral netlist for Xyce (B-sources) -- NOT SIMULATED: no Xyce was available where it was generated")
            for l in s.headerLines() + plan.modelLines(source: options.source) { try out.line("* " + l) }
            if batched {
                try out.line("* batch of \(plans.count) samples: sample j has the nets s<j>_n1..s<j>_n\(plan.nodeCount); n0, the supplies and the gates are shared")
            }
            for (j, p) in plans.enumerated() {
                try out.line("* initial state\(batched ? " of sample \(j)" : "") (model units, nodes 1..\(p.nodeCount)): \(p.initialState)")
            }
            try out.line("* results: rawfile \(raw.lastPathComponent) (.PRINT TRAN FORMAT=RAW); node value in model units = (V(net) - V_CM)/alpha")
            try out.line("")
            try out.line("Vcm n0 0 DC \(f(s.vcm))")
            for sup in s.supplies { try out.line("V\(sup.name) \(sup.name) 0 DC \(f(sup.volts))") }
            for j in plans.indices {
                let tag = batched ? j : nil
                let prefix = tag.map { "\($0)_" } ?? ""
                for n in 1...max(plan.nodeCount, 1) where n <= plan.nodeCount {
                    try out.line("C\(prefix)\(n) \(CircuitPlan.netName(n, sample: tag)) 0 \(f(s.capacitance))")
                }
            }
            try out.line("")
            try out.line("* layer gates: 1 while the layer conducts, 0 otherwise; ramps of \(f(options.gateRamp * tau)) s centred on the switching times")
            for l in network.layers.indices {
                try out.line("Vg\(l) g\(l) 0 PWL \(NgspiceBehavioralWriter.gatePoints(plan, layer: l, ramp: options.gateRamp * tau))")
            }
            let vcm = f(s.vcm), alpha = f(s.alpha), beta = f(s.beta)
            for j in plans.indices {
                let tag = batched ? j : nil
                let prefix = tag.map { "\($0)_" } ?? ""
                let nets = (0...plan.nodeCount).map { CircuitPlan.netName($0, sample: tag) }
                let value = ["0"] + nets.dropFirst().map { "(V(\($0))-\(vcm))/\(alpha)" }
                for (l, layer) in network.layers.enumerated() {
                    try out.line("")
                    try out.line("* \(batched ? "sample \(j), " : "")layer \(l): \(layer.edgeCount) edges, conducts in [\(f(plan.anchorTimes[l])), \(f(plan.anchorTimes[l + 1]))) s")
                    let p = layer.parameters
                    let e = layer.edgeCount
                    let rows = p.rows
                    for k in 0..<e {
                        let a = Int(layer.edges.src[k]), b = Int(layer.edges.des[k])
                        let p0 = p.values[k], p1 = rows > 1 ? p.values[e + k] : 0, p2 = rows > 2 ? p.values[2 * e + k] : 0
                        let g = BehavioralExpression.current(network.family, vs: value[a], vd: value[b],
                                                             p0: p0, p1: p1, p2: p2, dialect: .spice)
                        try out.line("B\(prefix)\(l)_\(k) \(nets[a]) \(nets[b]) I={\(beta)*V(g\(l))*\(g)}")
                    }
                }
            }
            try out.line("")
            for (j, p) in plans.enumerated() {
                let tag = batched ? j : nil
                for n in 0..<p.nodeCount {
                    try out.line(".IC V(\(CircuitPlan.netName(n + 1, sample: tag)))=\(f(s.volts(p.initialState[n])))")
                }
            }
            let vntol = options.tolerances(s).vntol
            let tstop = plan.anchorTimes.last!
            let tmax = options.maxStep * tau
            try out.line(".OPTIONS TIMEINT METHOD=\(options.method.rawValue) RELTOL=\(f(options.reltol)) ABSTOL=\(f(vntol))")
            let inner = plan.anchorTimes.dropFirst().dropLast()
            if !inner.isEmpty {
                try out.line(".OPTIONS TIMEINT BREAKPOINTS=" + inner.map(f).joined(separator: ","))
            }
            try out.line(".TRAN \(f(tmax)) \(f(tstop)) 0 \(f(tmax))")
            try out.line(".PRINT TRAN FORMAT=RAW FILE=\(raw.lastPathComponent)")
            var vectors: [String] = []
            for j in plans.indices {
                for n in 1...max(plan.nodeCount, 1) where n <= plan.nodeCount {
                    vectors.append("V(\(CircuitPlan.netName(n, sample: batched ? j : nil)))")
                }
            }
            var i = 0
            while i < vectors.count {
                try out.line("+ " + vectors[i..<min(i + 8, vectors.count)].joined(separator: " "))
                i += 8
            }
            try out.line(".END")
        }
        return NgspiceNetlist(url: url, rawfile: raw, plans: plans, batched: batched)
    }
}
