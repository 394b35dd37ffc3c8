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
///
/// The defaults reach 1e-4 model units at every anchor on the published checkpoints (measured: twomoon and
/// 2spirals against `Simulator` `.exact`, errors up to 6e-5). SPICE's tolerances are relative to the node
/// voltages, which sit near V_CM, while model units are `alpha` volts: 1e-4 units at alpha = 30 mV is 3 µV on
/// about 1 V. Hence the tight `reltol`, a charge tolerance `chgtol` far below any node charge, `trtol = 1`,
/// and the trapezoidal rule (ngspice's gear stays at first order when the step is capped; trap measured 2×
/// more accurate per time point on twomoon).
public struct NgspiceOptions: Hashable, Codable, Sendable {
    /// `.options reltol`.
    public var reltol: Double
    /// `.options vntol` in volts; `nil` means `alpha·1e-11` (1e-11 model units).
    public var vntol: Double?
    /// `.options abstol` in amperes; `nil` means `beta·1e-11`.
    public var abstol: Double?
    /// `.options chgtol` in coulombs; `nil` means `C·alpha·1e-12`.
    public var chgtol: Double?
    /// `.options trtol` (the truncation-error overestimate factor; SPICE's default is 7).
    public var trtol: Double
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

    public init(reltol: Double = 1e-11, vntol: Double? = nil, abstol: Double? = nil, chgtol: Double? = nil,
                trtol: Double = 1, maxStep: Double = 1e-2, gateRamp: Double = 1e-6, method: IntegrationMethod = .trap,
                useInitialConditions: Bool = false, rawfileEncoding: RawfileEncoding = .binary, source: String? = nil) {
        self.reltol = reltol
        self.vntol = vntol
        self.abstol = abstol
        self.chgtol = chgtol
        self.trtol = trtol
        self.maxStep = maxStep
        self.gateRamp = gateRamp
        self.method = method
        self.useInitialConditions = useInitialConditions
        self.rawfileEncoding = rawfileEncoding
        self.source = source
    }

    /// The `.options` values in SPICE units for `scaling`: reltol, vntol, abstol, chgtol, trtol.
    func tolerances(_ s: ChipScaling) -> (reltol: Double, vntol: Double, abstol: Double, chgtol: Double, trtol: Double) {
        (reltol, vntol ?? s.alpha * 1e-11, abstol ?? s.beta * 1e-11, chgtol ?? s.capacitance * s.alpha * 1e-12, trtol)
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
    /// The circuits the netlist describes, one per sample (a single plan for a one-sample netlist).
    public let plans: [CircuitPlan]
    /// Whether the nets carry a sample prefix (`s<j>_n<k>`, a batch of copies) or not (`n<k>`).
    public let batched: Bool

    /// The first (or only) circuit.
    public var plan: CircuitPlan { plans[0] }

    /// The sample index to name the nets of sample `j` with (`nil` in a one-sample netlist).
    public func sampleTag(_ j: Int) -> Int? { batched ? j : nil }
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
///
/// A batch (``write(batch:to:options:view:)``) holds one independent copy of the network per sample in the
/// same netlist: sample `j` has the nets `s<j>_n1…s<j>_nN` and the instances `B<j>_<l>_<e>`; the reference
/// `n0`, the supplies and the layer gates are shared. One simulator run then covers every sample (the copies
/// share the time steps, which only makes each copy's steps finer).
public enum NgspiceBehavioralWriter {
    /// Writes the netlist of `plan` to `url` and returns where the rawfile will be.
    @discardableResult
    public static func write(_ plan: CircuitPlan, to url: URL, options: NgspiceOptions = NgspiceOptions(),
                             view: NgspiceEdgeView = .bSources) throws -> NgspiceNetlist {
        try write(plans: [plan], batched: false, to: url, options: options, view: view)
    }

    /// Writes one netlist that simulates every plan of `batch` (the same network and scaling, different inputs)
    /// as separate copies with distinct net names.
    @discardableResult
    public static func write(batch: [CircuitPlan], to url: URL, options: NgspiceOptions = NgspiceOptions(),
                             view: NgspiceEdgeView = .bSources) throws -> NgspiceNetlist {
        try write(plans: batch, batched: true, to: url, options: options, view: view)
    }

    static func write(plans: [CircuitPlan], batched: Bool, to url: URL, options: NgspiceOptions,
                      view: NgspiceEdgeView) throws -> NgspiceNetlist {
        guard let plan = plans.first else { throw EmitError.invalid("batch", "holds no sample; give at least one input") }
        try CircuitPlan.checkBatch(plans)
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
            if batched {
                try out.line("* batch of \(plans.count) samples: sample j has the nets s<j>_n1..s<j>_n\(plan.nodeCount); n0, the supplies and the gates are shared")
            }
            for (j, p) in plans.enumerated() {
                try out.line("* initial state\(batched ? " of sample \(j)" : "") (model units, nodes 1..\(p.nodeCount)): \(p.initialState)")
            }
            let example = CircuitPlan.netName(1, sample: batched ? 0 : nil)
            try out.line("* results: rawfile \(raw.lastPathComponent); node value in model units = (V(\(example)) - V_CM)/alpha")
            try out.line("")
            try out.line("Vcm n0 0 DC \(TextSink.format(s.vcm))")
            for sup in s.supplies { try out.line("V\(sup.name) \(sup.name) 0 DC \(TextSink.format(sup.volts))") }
            for j in plans.indices {
                let tag = batched ? j : nil
                let prefix = tag.map { "\($0)_" } ?? ""
                for n in 1...max(plan.nodeCount, 1) where n <= plan.nodeCount {
                    try out.line("C\(prefix)\(n) \(CircuitPlan.netName(n, sample: tag)) 0 \(TextSink.format(s.capacitance))")
                }
            }
            try out.line("")
            try out.line("* layer gates: 1 while the layer conducts, 0 otherwise; ramps of \(TextSink.format(options.gateRamp * tau)) s centred on the switching times")
            for l in network.layers.indices {
                try out.line("Vg\(l) g\(l) 0 PWL(\(gatePoints(plan, layer: l, ramp: options.gateRamp * tau)))")
            }
            let vcm = TextSink.format(s.vcm)
            let alpha = TextSink.format(s.alpha)
            let beta = TextSink.format(s.beta)
            let module = VerilogAWriter.moduleName(network.family)
            if case .osdi = view {
                try out.line("")
                try out.line(".model kn_edge \(module) alpha=\(alpha) beta=\(beta) vcm=\(vcm)")
            }
            if case .bSources = view, plan.nodeCount > 0 {
                try out.line("")
                try out.line("* model-unit nets: V(u<k>) = (V(n<k>) - V_CM)/alpha, read by the B-sources")
                let gain = TextSink.format(1 / s.alpha)
                for j in plans.indices {
                    let tag = batched ? j : nil
                    let prefix = tag.map { "\($0)_" } ?? ""
                    for n in 1...plan.nodeCount {
                        try out.line("Eu\(prefix)\(n) \(CircuitPlan.unitNetName(n, sample: tag)) 0 \(CircuitPlan.netName(n, sample: tag)) n0 \(gain)")
                    }
                }
            }
            for j in plans.indices {
                let tag = batched ? j : nil
                let prefix = tag.map { "\($0)_" } ?? ""
                let nets = (0...plan.nodeCount).map { CircuitPlan.netName($0, sample: tag) }
                // Model-unit terminal values, one text per node ("0" for model ground).
                let value = ["0"] + (0..<plan.nodeCount).map { "V(\(CircuitPlan.unitNetName($0 + 1, sample: tag)))" }
                for (l, layer) in network.layers.enumerated() {
                    try out.line("")
                    try out.line("* \(batched ? "sample \(j), " : "")layer \(l): \(layer.edgeCount) edges, conducts in [\(TextSink.format(plan.anchorTimes[l])), \(TextSink.format(plan.anchorTimes[l + 1]))) s")
                    let p = layer.parameters
                    let e = layer.edgeCount
                    let rows = p.rows
                    func params(_ k: Int) -> (Double, Double, Double) {
                        (p.values[k], rows > 1 ? p.values[e + k] : 0, rows > 2 ? p.values[2 * e + k] : 0)
                    }
                    if case .osdi = view {
                        for k in 0..<e {
                            let a = Int(layer.edges.src[k]), b = Int(layer.edges.des[k])
                            let (p0, p1, p2) = params(k)
                            try out.write("N\(prefix)\(l)_\(k) \(nets[a]) \(nets[b]) g\(l) kn_edge p0=")
                            try out.number(p0)
                            if rows > 1 { try out.write(" p1="); try out.number(p1) }
                            if rows > 2 { try out.write(" p2="); try out.number(p2) }
                            try out.line("")
                        }
                        continue
                    }
                    // One B-source per (src, des) pair carrying the sum of that pair's edge currents: ngspice's
                    // cost per B-source instance is large, its cost per term small.
                    for group in parallelGroups(layer.edges) {
                        let k0 = group[0]
                        let a = Int(layer.edges.src[k0]), b = Int(layer.edges.des[k0])
                        try out.write("B\(prefix)\(l)_\(k0) \(nets[a]) \(nets[b]) I=")
                        try out.write(beta)
                        try out.write("*V(g\(l))*")
                        if group.count == 1 {
                            let (p0, p1, p2) = params(k0)
                            try out.line(BehavioralExpression.current(network.family, vs: value[a], vd: value[b], p0: p0, p1: p1, p2: p2, dialect: .spice))
                            continue
                        }
                        try out.line("(")
                        for (t, k) in group.enumerated() {
                            let (p0, p1, p2) = params(k)
                            try out.write(t == 0 ? "+ " : "+ + ")
                            try out.line(BehavioralExpression.current(network.family, vs: value[a], vd: value[b], p0: p0, p1: p1, p2: p2, dialect: .spice))
                        }
                        try out.line("+ )")
                    }
                }
            }
            try out.line("")
            for (j, p) in plans.enumerated() {
                let tag = batched ? j : nil
                let ics = (0..<p.nodeCount).map { "V(\(CircuitPlan.netName($0 + 1, sample: tag)))=\(TextSink.format(s.volts(p.initialState[$0])))" }
                var i = 0
                while i < ics.count {
                    try out.line(".ic " + ics[i..<min(i + 8, ics.count)].joined(separator: " "))
                    i += 8
                }
            }
            let t = options.tolerances(s)
            let f = TextSink.format
            try out.line(".options reltol=\(f(t.reltol)) vntol=\(f(t.vntol)) abstol=\(f(t.abstol)) chgtol=\(f(t.chgtol)) trtol=\(f(t.trtol)) method=\(options.method.rawValue)")
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
        return NgspiceNetlist(url: url, rawfile: raw, plans: plans, batched: batched)
    }

    /// The edges of a layer grouped by their (src, des) pair, each group in edge order, groups in order of first
    /// appearance. Parallel edges between the same two nodes add their currents.
    static func parallelGroups(_ edges: EdgeList) -> [[Int]] {
        var index: [Int64: Int] = [:]
        var groups: [[Int]] = []
        for k in 0..<edges.count {
            let key = Int64(edges.src[k]) << 32 | Int64(edges.des[k])
            if let g = index[key] {
                groups[g].append(k)
            } else {
                index[key] = groups.count
                groups.append([k])
            }
        }
        return groups
    }

    static func check(_ o: NgspiceOptions, _ plan: CircuitPlan) throws(EmitError) {
        for (name, v) in [("reltol", o.reltol), ("trtol", o.trtol), ("maxStep", o.maxStep), ("gateRamp", o.gateRamp)] {
            guard v.isFinite, v > 0 else { throw .invalid("ngspice options.\(name)", "must be finite and positive, got \(v)") }
        }
        for (name, v) in [("vntol", o.vntol), ("abstol", o.abstol), ("chgtol", o.chgtol)] {
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
