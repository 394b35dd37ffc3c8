import Foundation
import KNModel

/// The transient integration method of SPICE (`.options method=`).
public enum IntegrationMethod: String, Codable, Sendable {
    case trap
    case gear
}

/// The encoding of a SPICE rawfile.
public enum RawfileEncoding: String, Codable, Sendable {
    case binary
    case ascii
}

/// Simulator settings for a behavioral ngspice netlist, in model units where a time is asked for.
public struct NgspiceOptions: Hashable, Codable, Sendable {
    /// `.options reltol`.
    public var reltol: Double
    /// `.options vntol` in volts; `nil` means `alpha·1e-8` (1e-8 model units).
    public var vntol: Double?
    /// `.options abstol` in amperes; `nil` means `beta·1e-8`.
    public var abstol: Double?
    /// The largest time step, in model time units (the circuit value is `maxStep·tau`).
    public var maxStep: Double
    /// The width of a layer's gate ramp, in model time units. Gates cross over symmetrically around each
    /// switching time `t_k·tau`, so the integral of every gate equals its ideal window; the node voltages at
    /// the anchor itself are off by at most `gateRamp/8·|Δi|` model units.
    public var gateRamp: Double
    /// `.options method`.
    public var method: IntegrationMethod
    /// Start the transient with `uic` (no operating point). Off by default: ngspice then computes the t = 0
    /// point with every node forced to its `.ic` value, which stores the anchor-0 state in the rawfile (with
    /// `uic`, ngspice 39 stores no t = 0 point).
    public var useInitialConditions: Bool
    /// The rawfile encoding the control block writes.
    public var rawfileEncoding: RawfileEncoding
    /// A description of the source model for the header (a checkpoint path, say).
    public var source: String?

    public init(reltol: Double = 1e-7, vntol: Double? = nil, abstol: Double? = nil, maxStep: Double = 1e-3,
                gateRamp: Double = 1e-6, method: IntegrationMethod = .gear, useInitialConditions: Bool = false,
                rawfileEncoding: RawfileEncoding = .binary, source: String? = nil) {
        self.reltol = reltol
        self.vntol = vntol
        self.abstol = abstol
        self.maxStep = maxStep
        self.gateRamp = gateRamp
        self.method = method
        self.useInitialConditions = useInitialConditions
        self.rawfileEncoding = rawfileEncoding
        self.source = source
    }
}

/// How a netlist writes the edges.
public enum NgspiceEdgeView: Hashable, Sendable {
    /// One B-source per edge (stock ngspice 39 and later).
    case bSources
    /// One OSDI instance per edge of the compiled Verilog-A edge module (ngspice 46 with OSDI). `library` is
    /// the `.osdi` file as the netlist names it (ngspice resolves a relative path against the netlist's folder).
    case osdi(library: String)
}

/// A written ngspice netlist and where its control block puts the results.
public struct NgspiceNetlist: Sendable {
    /// The netlist file.
    public let url: URL
    /// The rawfile the control block writes (next to the netlist).
    public let rawfile: URL
    /// The circuit the netlist describes.
    public let plan: CircuitPlan
}

/// Writes a network as a behavioral ngspice netlist that stock ngspice (39 and later) runs.
///
/// The netlist has one net `n<k>` per network node; `n0` is model ground, held at V_CM by an ideal source.
/// Every node `n1…nN` has a capacitor C to ground. Edge `e` of layer `l` is a B-source from `n<src>` to
/// `n<des>` (SPICE's current-source convention: the current leaves `src` and enters `des`) with
/// `I = beta·V(g<l>)·g(vs, vd)`, where `vs = (V(n<src>) − V_CM)/alpha` and the family formula is written out
/// with the edge's parameters inlined. The gate `g<l>` is a PWL source that is 1 while layer `l` conducts and 0
/// otherwise; its corners are breakpoints, so ngspice lands on every switching time. A `.control` block runs
/// the transient to `T·tau` and writes a rawfile. The text is streamed to disk through a 1 MiB buffer and
/// appears atomically.
public enum NgspiceBehavioralWriter {
    /// Writes the netlist of `plan` to `url` and returns where the rawfile will be.
    @discardableResult
    public static func write(_ plan: CircuitPlan, to url: URL, options: NgspiceOptions = NgspiceOptions(),
                             view: NgspiceEdgeView = .bSources) throws -> NgspiceNetlist {
        try check(options, plan)
        let raw = url.deletingPathExtension().appendingPathExtension("raw")
        let s = plan.scaling
        let tau = s.tau
        let network = plan.network
        try writeText(to: url) { out in
            switch view {
            case .bSources: try out.line("* kn-toolkit behavioral netlist for ngspice (B-sources)")
            case .osdi: try out.line("* kn-toolkit behavioral netlist for ngspice with OSDI (compiled Verilog-A edge module)")
            }
            for l in s.headerLines() + plan.modelLines(source: options.source) { try out.line("* " + l) }
            try out.line("* initial state (model units, nodes 1..\(plan.nodeCount)): \(plan.initialState)")
            try out.line("* results: rawfile \(raw.lastPathComponent); node k in model units = (V(n<k>) - V_CM)/alpha")
            try out.line("")
            try out.line("Vcm n0 0 DC \(TextSink.format(s.vcm))")
            for sup in s.supplies { try out.line("V\(sup.name) \(sup.name) 0 DC \(TextSink.format(sup.volts))") }
            for n in 1...max(plan.nodeCount, 1) where n <= plan.nodeCount {
                try out.line("C\(n) n\(n) 0 \(TextSink.format(s.capacitance))")
            }
            try out.line("")
            try out.line("* layer gates: 1 while the layer conducts, 0 otherwise; ramps of \(TextSink.format(options.gateRamp * tau)) s centred on the switching times")
            for l in network.layers.indices {
                try out.line("Vg\(l) g\(l) 0 PWL(\(gatePoints(plan, layer: l, ramp: options.gateRamp * tau)))")
            }
            // Model-unit terminal values, one text per node.
            let vcm = TextSink.format(s.vcm)
            let alpha = TextSink.format(s.alpha)
            var value = ["0"]
            if plan.nodeCount > 0 { value += (1...plan.nodeCount).map { "(V(n\($0))-\(vcm))/\(alpha)" } }
            let beta = TextSink.format(s.beta)
            let module = VerilogAWriter.moduleName(network.family)
            if case .osdi = view {
                try out.line("")
                try out.line(".model kn_edge \(module) alpha=\(alpha) beta=\(beta) vcm=\(vcm)")
            }
            for (l, layer) in network.layers.enumerated() {
                try out.line("")
                try out.line("* layer \(l): \(layer.edgeCount) edges, conducts in [\(TextSink.format(plan.anchorTimes[l])), \(TextSink.format(plan.anchorTimes[l + 1]))) s")
                let p = layer.parameters
                let e = layer.edgeCount
                let rows = p.rows
                let prefix = "*V(g\(l))*"
                for k in 0..<e {
                    let a = Int(layer.edges.src[k]), b = Int(layer.edges.des[k])
                    let p0 = p.values[k], p1 = rows > 1 ? p.values[e + k] : 0, p2 = rows > 2 ? p.values[2 * e + k] : 0
                    if case .osdi = view {
                        try out.write("N\(l)_\(k) n\(a) n\(b) g\(l) kn_edge p0=")
                        try out.number(p0)
                        if rows > 1 { try out.write(" p1="); try out.number(p1) }
                        if rows > 2 { try out.write(" p2="); try out.number(p2) }
                        try out.line("")
                        continue
                    }
                    let g = BehavioralExpression.current(network.family, vs: value[a], vd: value[b],
                                                         p0: p0, p1: p1, p2: p2, dialect: .spice)
                    try out.write("B\(l)_\(k) n\(a) n\(b) I=")
                    try out.write(beta)
                    try out.write(prefix)
                    try out.line(g)
                }
            }
            try out.line("")
            let ics = (0..<plan.nodeCount).map { "V(n\($0 + 1))=\(TextSink.format(s.volts(plan.initialState[$0])))" }
            var i = 0
            while i < ics.count {
                try out.line(".ic " + ics[i..<min(i + 8, ics.count)].joined(separator: " "))
                i += 8
            }
            let vntol = options.vntol ?? s.alpha * 1e-8
            let abstol = options.abstol ?? s.beta * 1e-8
            try out.line(".options reltol=\(TextSink.format(options.reltol)) vntol=\(TextSink.format(vntol)) abstol=\(TextSink.format(abstol)) method=\(options.method.rawValue)")
            let tstop = plan.anchorTimes.last!
            let tmax = options.maxStep * tau
            try out.line(".control")
            if case let .osdi(library) = view { try out.line("pre_osdi \(library)") }
            try out.line("set filetype=\(options.rawfileEncoding.rawValue)")
            try out.line("tran \(TextSink.format(tmax)) \(TextSink.format(tstop)) 0 \(TextSink.format(tmax))\(options.useInitialConditions ? " uic" : "")")
            try out.line("write \(raw.lastPathComponent)")
            try out.line("quit 0")
            try out.line(".endc")
            try out.line(".end")
        }
        return NgspiceNetlist(url: url, rawfile: raw, plan: plan)
    }

    static func check(_ o: NgspiceOptions, _ plan: CircuitPlan) throws(EmitError) {
        for (name, v) in [("reltol", o.reltol), ("maxStep", o.maxStep), ("gateRamp", o.gateRamp)] {
            guard v.isFinite, v > 0 else { throw .invalid("ngspice options.\(name)", "must be finite and positive, got \(v)") }
        }
        for (name, v) in [("vntol", o.vntol), ("abstol", o.abstol)] {
            if let v, !(v.isFinite && v > 0) { throw .invalid("ngspice options.\(name)", "must be finite and positive, got \(v)") }
        }
        let shortest = plan.network.spans.min() ?? 1
        guard o.gateRamp < shortest / 2 else {
            throw .invalid("ngspice options.gateRamp", "\(o.gateRamp) is not below half the shortest layer span (\(shortest)); make it smaller")
        }
    }

    /// The PWL corner list of layer `l`'s gate: symmetric crossovers of width `ramp` centred on the switching
    /// times, with a corner exactly at each switching time so that ngspice stores a point there.
    static func gatePoints(_ plan: CircuitPlan, layer l: Int, ramp: Double) -> String {
        let h = ramp / 2
        let (a, b) = plan.window(ofLayer: l)
        let last = l == plan.network.layers.count - 1
        var pts: [(Double, Double)] = []
        if l == 0 {
            pts.append((0, 1))
        } else {
            pts += [(0, 0), (a - h, 0), (a, 0.5), (a + h, 1)]
        }
        if !last {
            pts += [(b - h, 1), (b, 0.5), (b + h, 0)]
        } else {
            pts.append((b, 1))
        }
        return pts.map { "\(TextSink.format($0.0)) \(TextSink.format($0.1))" }.joined(separator: " ")
    }
}
