import Foundation
import KNModel
import KNProcess

/// How well one sized cell computes its edge: the target current and the ngspice current at the edge's
/// operating points, in model units (amperes / β).
public struct EdgeFidelity: Codable, Sendable {
    public var layer: Int
    public var edge: Int
    public var src: Int
    public var des: Int
    public var p0: Double
    public var p1: Double
    public var p2: Double
    /// The operating points (model units), sorted by the target argument.
    public var vs: [Double]
    public var vd: [Double]
    /// Target current i = g(vs, vd) and the simulated current entering des, model units.
    public var target: [Double]
    public var simulated: [Double]
    /// The largest difference between the current leaving src and the current entering des, model units.
    public var kclMismatch: Double
    /// RMS(simulated − target) / (max target − min target); nil when the target does not vary (an edge whose
    /// relu stays off over its operating range).
    public var nrmse: Double?
    /// The correction the cell was built with.
    public var correction: CellCorrection
    /// The simulated current leaving src, model units (nil in reports written before it was recorded).
    public var simulatedSrc: [Double]? = nil
    /// Extra points measured for the calibration fit only (not scored): evenly spaced along the line from the
    /// operating point with the smallest argument to the one with the largest.
    public var sweep: CalibrationSweep?

    /// The measured edge's layer and index.
    public var address: EdgeAddress { EdgeAddress(layer: layer, edge: edge) }
}

/// Points a cell is measured at for its calibration, between its extreme operating points.
public struct CalibrationSweep: Codable, Sendable {
    public var vs: [Double]
    public var vd: [Double]
    /// Simulated current entering des, model units.
    public var simulated: [Double]
}

/// Median, 95th percentile and worst NRMSE of a set of edges.
public struct FidelitySummary: Codable, Sendable {
    public var edges: Int
    /// Edges whose target current does not vary over their operating range (not in the statistics).
    public var inactive: Int
    public var median: Double
    public var p95: Double
    public var worst: Double
    public var worstEdge: String

    public init(_ results: [EdgeFidelity]) {
        let scored = results.compactMap { r in r.nrmse.map { ($0, "layer \(r.layer) edge \(r.edge)") } }
        edges = results.count
        inactive = results.count - scored.count
        let q = CharacterizationSummary.Quantiles(scored)
        median = q.median
        p95 = q.p95
        worst = q.worst
        worstEdge = q.worstEdge
    }
}

/// Runs sampled cells through ngspice on the real models, many cells per run, and calibrates them.
///
/// Each cell gets its own src and des nodes, driven by B-sources that step through the edge's operating
/// points as one swept variable goes 0, 1, 2, …; zero-volt sources measure the current leaving src and
/// entering des. The swept variable steps as a transient staircase, read at the end of each hold, or as a DC
/// sweep (``IndexSweep``, ``transientSweeps``).
public struct FidelityRunner: Sendable {
    public var mapper: Mapper
    public var root: PDKRoot
    public var ngspice: Ngspice
    /// Operating points per edge.
    public var pointsPerEdge: Int = 24
    /// Cells per ngspice run.
    public var batchSize: Int = 60
    /// Calibration passes (each one ngspice run after the first measurement).
    public var passes: Int = 3
    /// Extra calibration points per edge, evenly spaced between its extreme operating points: a relu edge that
    /// conducts at one or two operating points still gets its knee and slope fitted.
    public var sweepPoints: Int = 16
    /// Sweep the benches as transient staircases (``IndexSweep/staircase(hold:)``) rather than DC transfer curves:
    /// about ten times faster on the sky130 cells. A bench whose staircase did not settle or did not finish runs
    /// again as a DC sweep.
    public var transientSweeps = true
    /// A staircase point's hold, in multiples of the slowest cell's settling estimate in its layer
    /// (``MappedLayer/settlingSeconds``). The cost hardly depends on it (ngspice's step grows geometrically once
    /// the cell has settled): on sky130 relu2 cells, holds of 10, 36, 180 and 1800 estimates all took the same
    /// time and left 7.5e-4, 2.3e-5, 4e-6 and 1.3e-8 of the current's range between the staircase and the DC sweep.
    public var holdPerSettling = 1000.0
    /// The hold for layers of circuits mapped without settling estimates, seconds.
    public var defaultHold = 0.1

    public init(mapper: Mapper, root: PDKRoot, ngspice: Ngspice) {
        self.mapper = mapper
        self.root = root
        self.ngspice = ngspice
    }

    /// One sampled edge: its layer and row in the layer's cell table.
    public struct Pick: Sendable, Hashable {
        public var layer: Int
        public var row: Int
        public init(layer: Int, row: Int) { self.layer = layer; self.row = row }
    }

    /// `count` edges spread evenly over all layers (deterministic for a seed).
    public static func sample(_ circuit: MappedCircuit, count: Int, seed: UInt64 = 1) -> [Pick] {
        var all: [Pick] = []
        for layer in circuit.layers { for row in 0..<layer.cells.count { all.append(Pick(layer: layer.index, row: row)) } }
        guard count < all.count else { return all }
        var generator = SplitMix(seed: seed)
        var chosen = Set<Int>()
        while chosen.count < count { chosen.insert(Int(generator.next() % UInt64(all.count))) }
        return chosen.sorted().map { all[$0] }
    }

    /// Measures, corrects each cell's gain and offset from the measurement, rebuilds it and measures again.
    ///
    /// - Returns: the circuit with the calibrated cells, and both measurements.
    public func calibrate(_ circuit: MappedCircuit, network: Network, samples: OperatingSamples, picks: [Pick])
        throws -> (circuit: MappedCircuit, before: [EdgeFidelity], after: [EdgeFidelity])
    {
        let before = try measure(circuit, network: network, samples: samples, picks: picks)
        var calibrated = circuit
        var last = before
        // Each pass corrects every cell from its latest measurement; each edge keeps the cell whose
        // measurement was best (the correction model is approximate and can overshoot).
        var best = before
        var bestCells = picks.map { circuit.layers[$0.layer].cells.cell($0.row) }
        func score(_ r: EdgeFidelity) -> Double { r.nrmse ?? .infinity }
        let law = try Mapper.cellFamily(network.family).law
        for _ in 0..<max(1, passes) {
            var built: [Cell] = []
            for (pick, result) in zip(picks, last) {
                let correction = Self.correction(from: result, law: law(result.p0, result.p1, result.p2), kind: circuit.cellKinds[0].name)
                var issues: [MappingIssue] = []
                let cell = try rebuild(circuit, network: network, samples: samples, pick: pick, correction: correction, issues: &issues)
                calibrated.layers[pick.layer].cells.replace(pick.row, with: cell)
                built.append(cell)
            }
            last = try measure(calibrated, network: network, samples: samples, picks: picks)
            for i in picks.indices where score(last[i]) < score(best[i]) {
                best[i] = last[i]
                bestCells[i] = built[i]
            }
        }
        for (pick, cell) in zip(picks, bestCells) { calibrated.layers[pick.layer].cells.replace(pick.row, with: cell) }
        return (calibrated, before, best)
    }

    /// Rebuilds one cell with a correction.
    func rebuild(_ circuit: MappedCircuit, network: Network, samples: OperatingSamples, pick: Pick,
                 correction: CellCorrection, issues: inout [MappingIssue]) throws -> Cell {
        let old = circuit.layers[pick.layer].cells.cell(pick.row)
        let layer = network.layers[pick.layer]
        let ranges = samples.nodeRanges(layer: pick.layer, nodeCount: layer.nodeCount)
        func range(_ node: Int) -> (Double, Double) { node == 0 ? (0, 0) : (ranges.min[node - 1], ranges.max[node - 1]) }
        let law = try Mapper.cellFamily(network.family).law(old.p0, old.p1, old.p2)
        let place = EdgePlace(layer: pick.layer, edge: old.edge, src: old.src, des: old.des, p0: old.p0, p1: old.p1, p2: old.p2,
                              law: law, srcRange: range(old.src), desRange: range(old.des),
                              visited: samples.visitedArgument(layer: pick.layer, src: old.src, des: old.des, w0: law.w0, w1: law.w1))
        return mapper.size(place, kind: circuit.cellKinds[0], scaling: circuit.scaling, correction: correction, issues: &issues)
    }

    /// The correction that cancels the gain and offset a measurement shows.
    static func correction(from r: EdgeFidelity, law: CellLaw, kind: String) -> CellCorrection {
        var c = r.correction
        let vs = r.vs + (r.sweep?.vs ?? []), vd = r.vd + (r.sweep?.vd ?? [])
        let simulated = r.simulated + (r.sweep?.simulated ?? [])
        let xs = zip(vs, vd).map { law.argument(vs: $0, vd: $1) }
        if kind == "tanh2" {
            // Fit simulated = A·tanh(g·x + b) (x includes w2) by Gauss–Newton from A = 1, g = 1, b = 0.
            guard let fit = tanhFit(xs, simulated) else { return c }
            // Realised argument = g·(p0·vs + p1·vd) + g·(p2 + c.offset) + sys; the offset path is assumed to
            // share the gain error g, so b = g·c.offset + sys.
            let g = fit.gain
            let system = fit.offset - g * c.offset
            c.gain /= g
            c.offset = (law.w2 - system) / g - law.w2
            c.amplitude /= fit.amplitude
            return c
        } else {
            // sign·simulated = |A|·act(g·(w·v) + b + offset + sys) with realised gain g (act: relu with the law's
            // leak below the knee); fit S·act(x + O) against
            // the ideal argument x = w·v + b over every point (the knee may sit anywhere in the range, even where
            // the target is off): g = S/|A| and sys = g·(O + b) − b − offset.
            let sign: Double = law.amplitude >= 0 ? 1 : -1
            let magnitude = abs(law.amplitude)
            guard magnitude > 0, let fit = reluFit(xs, simulated.map { sign * $0 }, leak: law.leak), fit.slope > 0 else { return c }
            let g = fit.slope / magnitude
            c.offset = -(g * (fit.shift + law.w2) - law.w2 - c.offset)
            c.gain /= g
            return c
        }
    }

    /// Least-squares S·act(x + O) through the points, act(u) = u above zero and leak·u below: for each knee
    /// position on a fine grid over the points' range the best S is closed-form; the best knee is refined by
    /// golden-section search. Nil when fewer than two points conduct at the best fit.
    static func reluFit(_ xs: [Double], _ ys: [Double], leak: Double = 0) -> (slope: Double, shift: Double)? {
        guard let low = xs.min(), let high = xs.max(), high > low else { return nil }
        func best(_ shift: Double) -> (slope: Double, error: Double, on: Int) {
            func act(_ u: Double) -> Double { u > 0 ? u : leak * u }
            var ry = 0.0, rr = 0.0, on = 0
            for (x, y) in zip(xs, ys) where act(x + shift) != 0 {
                let r = act(x + shift)
                ry += r * y; rr += r * r; on += 1
            }
            let slope = rr > 0 ? max(ry / rr, 0) : 0
            var error = 0.0
            for (x, y) in zip(xs, ys) { let f = slope * act(x + shift) - y; error += f * f }
            return (slope, error, on)
        }
        let span = high - low
        var shift = -high, lowest = Double.infinity
        for j in 0...400 {
            let candidate = -(low - 0.5 * span + 2 * span * Double(j) / 400)
            let b = best(candidate)
            if b.error < lowest { lowest = b.error; shift = candidate }
        }
        var a = shift - 2 * span / 400, b = shift + 2 * span / 400
        let ratio = (5.0.squareRoot() - 1) / 2
        for _ in 0..<60 {
            let c = b - ratio * (b - a), d = a + ratio * (b - a)
            if best(c).error < best(d).error { b = d } else { a = c }
        }
        shift = (a + b) / 2
        var result = best(shift)
        // Points all on one side of the knee lie on a line, whose knee may sit far beyond the grid (an edge that
        // only ever uses its leak, or never leaves its linear part): the least-squares line's shift, when every
        // point conducts there or (with a leak) every point is on the leak.
        if let line = lineFit(xs, ys), line.slope > 0 {
            let lineShift = line.intercept / line.slope
            if lineShift >= -low || (leak > 0 && lineShift <= -high) {
                let candidate = best(lineShift)
                if candidate.error < result.error { result = candidate; shift = lineShift }
            }
        }
        guard result.on >= 2, result.slope > 0 else { return nil }
        return (result.slope, shift)
    }

    /// The least-squares line y = slope·x + intercept through the points; nil when the xs do not spread.
    static func lineFit(_ xs: [Double], _ ys: [Double]) -> (slope: Double, intercept: Double)? {
        let n = Double(xs.count)
        guard n >= 2 else { return nil }
        let mx = xs.reduce(0, +) / n, my = ys.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0
        for (x, y) in zip(xs, ys) { sxy += (x - mx) * (y - my); sxx += (x - mx) * (x - mx) }
        guard sxx > 0 else { return nil }
        let slope = sxy / sxx
        return (slope, my - slope * mx)
    }

    /// Least-squares A·tanh(g·x + b) through the points; nil when the points do not pin g and b down
    /// (all saturated, or too few on the slope).
    static func tanhFit(_ xs: [Double], _ ys: [Double]) -> (amplitude: Double, gain: Double, offset: Double)? {
        let onSlope = zip(xs, ys).filter { abs($0.1) < 0.9 }.count
        guard onSlope >= 3 else { return nil }
        // Where the points never leave the nearly linear part of tanh, amplitude and gain are not separable:
        // keep the amplitude and fit gain and offset only.
        let fitAmplitude = ys.contains { abs($0) > 0.8 }
        // Levenberg–Marquardt from A = 1, g = 1, b = 0: a steep cell (g near 2) sends plain Gauss–Newton into
        // saturation, where its normal equations are singular.
        let fit = LevenbergMarquardt().minimize(from: fitAmplitude ? [1, 1, 0] : [1, 0]) { theta in
            let (a, g, b) = fitAmplitude ? (theta[0], theta[1], theta[2]) : (1.0, theta[0], theta[1])
            var residuals: [Double] = [], jacobian: [[Double]] = []
            for (x, y) in zip(xs, ys) {
                let t = Foundation.tanh(g * x + b), s = 1 - t * t
                residuals.append(a * t - y)
                jacobian.append(fitAmplitude ? [t, a * s * x, a * s] : [s * x, s])
            }
            return (residuals, jacobian)
        }.parameters
        let (a, g, b) = fitAmplitude ? (fit[0], fit[1], fit[2]) : (1.0, fit[0], fit[1])
        guard a > 0.5, a < 2, g > 0.25, g < 4, abs(b) < 5 else { return nil }
        return (a, g, b)
    }

    /// The conductance ngspice puts across every junction in the cell measurements, siemens (its default,
    /// 1e-12 S, reads as ~1 pA of output leakage per device at a node near 1 V).
    static var measurementGmin: Double { 1e-15 }

    /// Simulates the picked cells at their operating points.
    public func measure(_ circuit: MappedCircuit, network: Network, samples: OperatingSamples, picks: [Pick]) throws -> [EdgeFidelity] {
        var results: [EdgeFidelity] = []
        for start in stride(from: 0, to: picks.count, by: batchSize) {
            let batch = Array(picks[start..<min(start + batchSize, picks.count)])
            results += try measureBatch(circuit, network: network, samples: samples, picks: batch)
        }
        return results
    }

    /// The models of the circuit's corner (mismatch switched on when asked), the temperature, the supply, V_CM, the
    /// cascode references and the sweep variable `sw`: the start of every netlist that measures cells.
    func benchPreamble(_ circuit: MappedCircuit, mismatch: Bool = false, condition: ProcessCondition? = nil) throws -> [String] {
        let process = mapper.catalog.process
        try process.verifyInstalled(in: root)
        let corner = try process.corner(named: condition?.corner ?? circuit.corner)
        let s = circuit.scaling
        func reference(_ name: String) throws -> Double {
            guard let r = circuit.references.first(where: { $0.name == name }) else {
                throw MapError.invalid("the circuit has no reference \(name)", fix: "map the network again with kn-map map")
            }
            return r.volts
        }
        // ngspice's default gmin (1e-12 S across every junction) would add about a picoampere per device at
        // the nodes, which is the whole current range of the smallest relu edges; the chip has no gmin.
        return process.netlistPreamble(corner: corner, root: root, mismatch: mismatch) + [
            ".option gmin=\(Self.measurementGmin)",
            ".temp \(condition?.temperatureCelsius ?? process.nominalTemperatureCelsius)",
            "vdd vdd 0 dc \(s.vdd)", "vcm vcm 0 dc \(s.vcm)",
            "vbnc vbnc 0 dc \(try reference("vbnc"))", "vbpc vbpc 0 dc \(try reference("vbpc"))"]
    }

    /// How a bench of layer `layer`'s cells steps its sweep source: a staircase held ``holdPerSettling`` times the
    /// layer's settling estimate (``defaultHold`` without one), or a DC sweep when `transient` is false.
    func indexSweep(_ circuit: MappedCircuit, layer: Int, transient: Bool) -> IndexSweep {
        guard transient else { return .dc }
        guard let settling = circuit.layers[layer].settlingSeconds, settling > 0 else { return .staircase(hold: defaultHold) }
        return .staircase(hold: holdPerSettling * settling)
    }

    /// Runs `body` with transient sweeps when ``transientSweeps`` is on, and again with DC sweeps when a staircase
    /// did not settle or did not reach its last point (for benches that stand or fall together: ``CellBench``).
    func withSweeps<T>(_ body: (_ transient: Bool) throws -> T) throws -> T {
        guard transientSweeps else { return try body(false) }
        do {
            return try body(true)
        } catch is IndexSweepError {
            return try body(false)
        }
    }

    /// The B-sources `Bs<k>` and `Bd<k>` that put `cell`'s src and des nets `bs<k>`, `bd<k>` at operating point j
    /// (model units, in volts of `layer`) while the index source `sw` is at j.
    static func drives(_ k: Int, cell: Cell, layer: Int, points: [(Double, Double)], scaling s: Scaling) -> [String] {
        func pwl(_ values: [Double], node: Int) -> String {
            values.enumerated().map {
                "\($0.offset), \(String(format: "%.9g", s.volts($0.element, layer: layer, node: node)))"
            }.joined(separator: ", ")
        }
        return ["Bs\(k) bs\(k) 0 V=pwl(V(sw), \(pwl(points.map(\.0), node: cell.src)))",
                "Bd\(k) bd\(k) 0 V=pwl(V(sw), \(pwl(points.map(\.1), node: cell.des)))"]
    }

    /// The nets a cell's ports connect to: `src`/`des` bindings to the given nets, the rest to vcm, then the globals.
    static func portNets(_ cell: Cell, src: String, des: String) -> [String] {
        cell.ports.map { binding -> String in
            switch binding {
            case .src: return src
            case .des: return des
            case .vcm: return "vcm"
            }
        } + ["vdd", "0", "vbnc", "vbpc"]
    }

    func operatingPoints(network: Network, samples: OperatingSamples, layer: Int, cell: Cell) -> [(Double, Double)] {
        var points = samples.points(layer: layer, src: cell.src, des: cell.des)
        // Sorted by the cell's argument (monotone in the current of every cell kind).
        if let law = try? Mapper.cellFamily(network.family).law(cell.p0, cell.p1, cell.p2) {
            points.sort { law.argument(vs: $0.vs, vd: $0.vd) < law.argument(vs: $1.vs, vd: $1.vd) }
        }
        guard points.count > pointsPerEdge else { return points.map { ($0.vs, $0.vd) } }
        return (0..<pointsPerEdge).map { j in
            let p = points[Int((Double(j) * Double(points.count - 1) / Double(pointsPerEdge - 1)).rounded())]
            return (p.vs, p.vd)
        }
    }

    /// Measures a batch with transient staircases when ``transientSweeps`` is on, and the cells whose staircase did
    /// not settle or did not finish again with a DC sweep.
    func measureBatch(_ circuit: MappedCircuit, network: Network, samples: OperatingSamples, picks: [Pick]) throws -> [EdgeFidelity] {
        var results = try measureBatch(circuit, network: network, samples: samples, picks: picks, transient: transientSweeps)
        let unsettled = results.indices.filter { if case .failure = results[$0] { return true } else { return false } }
        if transientSweeps, !unsettled.isEmpty {
            let again = try measureBatch(circuit, network: network, samples: samples, picks: unsettled.map { picks[$0] },
                                         transient: false)
            for (i, result) in zip(unsettled, again) { results[i] = result }
        }
        return try zip(picks, results).map { pick, result in
            switch result {
            case .success(let fidelity): return fidelity
            case .failure(let error):
                throw MapError.sweep(layer: pick.layer, edge: circuit.layers[pick.layer].cells.cell(pick.row).edge, error)
            }
        }
    }

    /// One ngspice run of the picked cells: per cell its measurement, or why its sweep cannot be used.
    func measureBatch(_ circuit: MappedCircuit, network: Network, samples: OperatingSamples, picks: [Pick],
                      transient: Bool) throws -> [Result<EdgeFidelity, IndexSweepError>] {
        let process = mapper.catalog.process
        let corner = try process.corner(named: circuit.corner)
        let kind = circuit.cellKinds[0]
        let writer = SpiceCellWriter(process: process, kind: kind)
        let s = circuit.scaling
        // Each cell is its own small circuit (a weak-inversion cell needs gmin stepping at some sweep points,
        // which costs far more in one large matrix); one ngspice process sources them in turn.
        let preamble = try benchPreamble(circuit)
        let directory = try Ngspice.workDirectory(prefix: "kn-fidelity")
        defer { Ngspice.removeWorkDirectory(directory) }
        var cells: [Cell] = [], points: [[(Double, Double)]] = [], sweeps: [IndexSweep] = []
        var control = ["* kn-toolkit cell fidelity: \(picks.count) \(kind.name) cells, \(process.name) \(corner.name)",
                       ".control", "set wr_singlescale"]
        for (k, pick) in picks.enumerated() {
            let cell = circuit.layers[pick.layer].cells.cell(pick.row)
            let operating = operatingPoints(network: network, samples: samples, layer: pick.layer, cell: cell)
            var ops = operating
            if let first = operating.first, let last = operating.last, sweepPoints > 1 {
                for j in 0..<sweepPoints {
                    let f = Double(j) / Double(sweepPoints - 1)
                    ops.append((first.0 + f * (last.0 - first.0), first.1 + f * (last.1 - first.1)))
                }
            }
            let sweep = indexSweep(circuit, layer: pick.layer, transient: transient)
            cells.append(cell); points.append(operating); sweeps.append(sweep)
            var lines = ["* layer \(pick.layer) edge \(cell.edge): \(network.family.upstreamName) p = \(cell.p0), \(cell.p1), \(cell.p2)"]
            lines += preamble + sweep.sourceLines(count: ops.count)
            lines += try writer.subcircuit(name: "c\(k)", cell: cell)
            lines += Self.drives(k, cell: cell, layer: pick.layer, points: ops, scaling: s)
            lines.append("VIs\(k) bs\(k) ns\(k) dc 0")
            lines.append("VId\(k) bd\(k) nd\(k) dc 0")
            lines.append("Xc\(k) " + Self.portNets(cell, src: "ns\(k)", des: "nd\(k)").joined(separator: " ") + " c\(k)")
            lines.append(".end")
            try (lines.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("c\(k).cir"), atomically: true, encoding: .utf8)
            control += ["source c\(k).cir", sweep.analysis(count: ops.count),
                        "wrdata f\(k).txt i(VIs\(k)) i(VId\(k))", "remcirc"]
        }
        control += ["quit 0", ".endc", ".end"]
        try ngspice.run(netlist: control.joined(separator: "\n") + "\n", name: "fidelity", in: directory)
        var results: [Result<EdgeFidelity, IndexSweepError>] = []
        for (k, pick) in picks.enumerated() {
            let file = directory.appendingPathComponent("f\(k).txt")
            let cell = cells[k], ops = points[k]
            let n = ops.count
            let extra = ops.isEmpty || sweepPoints < 2 ? 0 : sweepPoints
            let rows: [[Double]]
            do {
                rows = try sweeps[k].points(Ngspice.readWrdata(file), count: n + extra, file: file)
            } catch let error as IndexSweepError {
                results.append(.failure(error))
                continue
            }
            // Sweep point j is row j (the sweep runs 0, 1, …, count − 1).
            let beta = s.beta(layer: pick.layer)
            let drawn = (0..<n).map { rows[$0][1] / beta }
            let delivered = (0..<n).map { -rows[$0][2] / beta }
            let target = ops.map { network.family.current(vs: $0.0, vd: $0.1, p0: cell.p0, p1: cell.p1, p2: cell.p2).i }
            let range = (target.max() ?? 0) - (target.min() ?? 0)
            var squared = 0.0
            for j in 0..<n { squared += pow(delivered[j] - target[j], 2) }
            let rms = (squared / Double(max(n, 1))).squareRoot()
            let scale = max(abs(target.max() ?? 0), abs(target.min() ?? 0), 1e-300)
            let nrmse: Double? = range > 1e-6 * scale && range > 0 ? rms / range : nil
            let mismatch = zip(drawn, delivered).map { abs($0 - $1) }.max() ?? 0
            var sweep: CalibrationSweep? = nil
            if extra > 0, let first = ops.first, let last = ops.last {
                let fractions = (0..<extra).map { Double($0) / Double(extra - 1) }
                sweep = CalibrationSweep(vs: fractions.map { first.0 + $0 * (last.0 - first.0) },
                                         vd: fractions.map { first.1 + $0 * (last.1 - first.1) },
                                         simulated: (n..<(n + extra)).map { -rows[$0][2] / beta })
            }
            results.append(.success(EdgeFidelity(layer: pick.layer, edge: cell.edge, src: cell.src, des: cell.des,
                                        p0: cell.p0, p1: cell.p1, p2: cell.p2, vs: ops.map(\.0), vd: ops.map(\.1),
                                        target: target, simulated: delivered, kclMismatch: mismatch, nrmse: nrmse,
                                        correction: cell.correction(kind: kind), simulatedSrc: drawn, sweep: sweep)))
        }
        return results
    }
}

/// A small deterministic generator (SplitMix64) for edge sampling.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
