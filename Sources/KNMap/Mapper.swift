import Foundation
import KNModel
import KNProcess

/// What the user may fix instead of letting the mapper choose.
public struct MapOptions: Sendable, Hashable {
    /// Volts per model unit.
    public var alpha: Double?
    /// Amperes per model unit.
    public var beta: Double?
    /// Node capacitance, farads.
    public var capacitance: Double?
    /// Voltage of model 0, volts.
    public var vcm: Double?
    /// Half the node voltage window, volts.
    public var swing: Double?
    /// The largest edge current the automatic β aims at (99th percentile over edges), amperes.
    public var edgeCurrentTarget: Double = 1e-6
    /// The tanh amplitude when β is automatic, amperes.
    public var tanhAmplitude: Double = 100e-9
    /// kT/C noise as a fraction of the swing that the automatic capacitance aims at (it also stays below 1 %
    /// of the median node's RMS voltage).
    public var noiseFraction: Double = 1e-3
    /// Load resistance of the tanh cell, ohms.
    public var tanhLoad: Double = 500e3
    /// A voltage scale per layer and node (``Scaling/nodeAlpha``): nil chooses it for relu cells, whose front
    /// ends need inputs of tens of millivolts; a given ``alpha`` turns it off.
    public var scalePerNode: Bool?
    /// The largest ratio between two node scales (and so between two node capacitances).
    public var maximumScaleRatio: Double = 1000
    /// The shortest time per model time unit a layer may have, seconds: an automatic β stays below
    /// `C·α/minimumTau`, so that the cells (tens of nanoseconds to settle at nanoampere currents) follow.
    public var minimumTau: Double = 10e-9
    /// The largest share of a node's capacitance the cells' input gates may take (``CellLoading``): an
    /// automatic C rises until the capacitor carries the rest.
    public var cellLoadFraction: Double = 0.25
    /// How many times the slowest cell's settling estimate (``CellLoading``) each layer's tau must be: an
    /// automatic C rises until it is. Ten twomoon tanh2 cells (a 2-node sub-network, `kn-map verify --flow
    /// ngspice-transistor --characterized`) follow the model on their fitted laws within 0.011 model units at a
    /// ratio of 5, 0.025 at 1.9 and 0.14 at 0.19: the lag of the triode stacks.
    public var settlingRatio: Double = 10
    /// The current mismatch σ(ΔI/I) each device of a cell's current mirrors (tails, bias diodes, output copies)
    /// may have, from Pelgrom's A_VT at weak inversion (``DeviceCatalog/matchingFingers(_:_:sigma:)``): the
    /// mapper scales each mirror's fingers until it does. nil (the default) sizes the mirrors for their currents
    /// only: one finger at tens of nanoamperes, 10–15 % per device on sky130, which makes an edge's gain and
    /// amplitude depend nonlinearly on its mismatch. At 0.03 the twomoon cells respond linearly to the full
    /// foundry mismatch, but two-input tanh cells driven by ±0.2 V inputs lose accuracy (README, `map`).
    public var mirrorMismatch: Double? = nil

    public init(alpha: Double? = nil, beta: Double? = nil, capacitance: Double? = nil, vcm: Double? = nil, swing: Double? = nil) {
        self.alpha = alpha
        self.beta = beta
        self.capacitance = capacitance
        self.vcm = vcm
        self.swing = swing
    }
}

/// Errors of the mapper; each names the place and the fix.
public enum MapError: Error, CustomStringConvertible {
    case unsupported(family: String, fix: String)
    case invalid(String, fix: String)
    /// A cell's ngspice sweep cannot be read back (``IndexSweepError``), named by its layer and edge.
    case sweep(layer: Int, edge: Int, IndexSweepError)

    public var description: String {
        switch self {
        case let .unsupported(family, fix): return "edge family \(family) has no transistor cell yet. Fix: \(fix)"
        case let .invalid(what, fix): return "\(what). Fix: \(fix)"
        case let .sweep(layer, edge, error): return "layer \(layer) edge \(edge): \(error)"
        }
    }
}

/// Maps a network onto cells of one process.
///
/// ```swift
/// let catalog = try DeviceCatalog(process: process, lookup: lookup)
/// let samples = try OperatingSamples.simulate(network: net, inputs: inputs)
/// let mapped = try Mapper(catalog: catalog).map(network: net, samples: samples)
/// print(mapped.circuit.scaling.tau, mapped.circuit.issues.count)
/// ```
public struct Mapper: Sendable {
    public var catalog: DeviceCatalog
    public var options: MapOptions

    public init(catalog: DeviceCatalog, options: MapOptions = MapOptions()) {
        self.catalog = catalog
        self.options = options
    }

    /// The cell kind a family maps to, and how the family's parameters (p0, p1, p2) become that cell's law:
    /// tanh2 computes `tanh(w0·vs + w1·vd + w2)`, relu2 computes `A·relu(w0·vs + w1·vd + w2)`.
    public static func cellFamily(_ family: EdgeFamily) throws -> (kind: String, law: @Sendable (Double, Double, Double) -> CellLaw) {
        switch family {
        case .shiftTanh2, .device(negation: false, activation: .tanh):
            return ("tanh2", { CellLaw(w0: $0, w1: $1, w2: $2) })
        case .shiftTanh1, .device(negation: true, activation: .tanh):
            // tanh(p1·(vs − vd) + p0) = tanh(p1·vs − p1·vd + p0).
            return ("tanh2", { p0, p1, _ in CellLaw(w0: p1, w1: -p1, w2: p0) })
        case .shiftRelu1:
            // p1·relu(vs − vd − p0).
            return ("relu2", { p0, p1, _ in CellLaw(w0: 1, w1: -1, w2: -p0, amplitude: p1) })
        case .shiftRelu2, .device(negation: false, activation: .relu):
            return ("relu2", { CellLaw(w0: $0, w1: $1, w2: $2) })
        case .device(negation: true, activation: .relu):
            return ("relu2", { p0, p1, _ in CellLaw(w0: p1, w1: -p1, w2: p0) })
        case .shiftLeakyRelu1:
            return ("relu2", { p0, p1, _ in CellLaw(w0: 1, w1: -1, w2: -p0, amplitude: p1, leak: 0.01) })
        case .shiftLeakyRelu2, .device(negation: false, activation: .leakyRelu):
            return ("relu2", { CellLaw(w0: $0, w1: $1, w2: $2, leak: 0.01) })
        case .device(negation: true, activation: .leakyRelu):
            return ("relu2", { p0, p1, _ in CellLaw(w0: p1, w1: -p1, w2: p0, leak: 0.01) })
        case .conductance:
            // p0·(vs − vd) = p0·(relu(x) − relu(−x)), x = vs − vd.
            return ("relu2", { p0, _, _ in CellLaw(w0: 1, w1: -1, w2: 0, amplitude: p0, leak: 1) })
        case .device(negation: false, activation: .identity):
            return ("relu2", { CellLaw(w0: $0, w1: $1, w2: $2, leak: 1) })
        case .device(negation: true, activation: .identity):
            return ("relu2", { p0, p1, _ in CellLaw(w0: p1, w1: -p1, w2: p0, leak: 1) })
        default:
            throw MapError.unsupported(family: family.description,
                fix: "map ShiftTanh1/2, ShiftRelu1/2, ShiftLeakyRelu1/2, Conductance or Device(tanh/relu/leaky_relu/identity) networks, or simulate this one behaviorally (kn-map simulate)")
        }
    }

    public func kind(named name: String) -> CellKind {
        name == "tanh2" ? CellLibrary.tanh2(catalog) : CellLibrary.relu2(catalog)
    }

    /// Chooses the scaling, sizes every edge's cell and the node capacitors, and lists what cannot be realised.
    public func map(network: Network, samples: OperatingSamples, corner: String? = nil) throws -> MappedCircuit {
        let (kindName, law) = try Self.cellFamily(network.family)
        let kind = kind(named: kindName)
        guard network.encoder == nil else {
            throw MapError.unsupported(family: "\(network.family.upstreamName) with an MLP encoder",
                fix: "the encoder is not a circuit; remove it from the config or compute it off-chip before the input nodes")
        }
        let nodeCount = network.layers.map(\.nodeCount).max() ?? 0
        let chosen = try chooseScaling(network: network, samples: samples, kind: kindName, law: law)
        // The cells sized at the chosen scales tell what they hang on the nodes and how fast they settle; the
        // node capacitance then rises to carry that load and to keep tau long against the settling, and the
        // cells are sized again when the realised capacitors moved the node scales (a scale per node).
        var layers = sizeLayers(network, samples: samples, kind: kind, law: law, scaling: chosen)
        let loading = CellLoading(layers: layers.map(\.layer), kinds: [kind], nodeCount: nodeCount, catalog: catalog)
        var scaling = chosen
        if options.capacitance == nil {
            scaling.capacitance = max(chosen.capacitance, productFloor(scaling: chosen, loading: loading) / chosen.alpha)
        }
        var issues: [MappingIssue] = []
        let capacitors = try nodeCapacitors(count: nodeCount, scaling: &scaling, layers: network.layers.count,
                                            load: loading.nodeGateCapacitance, issues: &issues)
        if scaling.nodeAlpha != chosen.nodeAlpha {
            layers = sizeLayers(network, samples: samples, kind: kind, law: law, scaling: scaling)
        }
        var clock = 0.0
        for l in layers.indices {
            let end = clock + (network.anchors[l + 1] - network.anchors[l]) * scaling.tau(layer: l)
            layers[l].layer.startSeconds = clock
            layers[l].layer.endSeconds = end
            layers[l].layer.settlingSeconds = loading.layerSettling[l]
            clock = end
        }
        issues += timeScaleIssues(scaling: scaling, loading: loading, capacitors: capacitors)
        issues += layers.flatMap(\.issues)
        let switches = layers.map(\.layer).map { layer in
            LayerSwitch(layer: layer.index, enable: "en\(layer.index)", enableBar: "enb\(layer.index)",
                        startSeconds: layer.startSeconds, endSeconds: layer.endSeconds, nfetFingers: 1, pfetFingers: 2,
                        lengthUm: catalog.process.devices.first?.length.minimum ?? 0.15, gateCount: 2 * layer.cells.count)
        }
        let cornerName = corner ?? catalog.process.defaultCorner.name
        return MappedCircuit(
            process: catalog.process.name, corner: cornerName, family: network.family.description, scaling: scaling,
            supplies: [Rail(name: "vdd", volts: catalog.vdd), Rail(name: "vss", volts: 0)],
            references: [
                Reference(name: "vcm", volts: scaling.vcm, purpose: "V_CM: model 0 and node 0"),
                Reference(name: "vbnc", volts: catalog.vbnc, purpose: "nfet cascode gate bias"),
                Reference(name: "vbpc", volts: catalog.vbpc, purpose: "pfet cascode gate bias"),
            ],
            cellKinds: [kind], layers: layers.map(\.layer), nodeCapacitors: capacitors, switches: switches, issues: issues)
    }

    /// Sizes one cell per edge that carries current, layer by layer, at `scaling`; each layer's list of what
    /// cannot be realised.
    /// The layers' times are left at zero.
    func sizeLayers(_ network: Network, samples: OperatingSamples, kind: CellKind, law: (Double, Double, Double) -> CellLaw,
                    scaling: Scaling) -> [(layer: MappedLayer, issues: [MappingIssue])] {
        let mirrors = mirrorPlan(kind)
        return network.layers.enumerated().map { l, layer in
            var issues: [MappingIssue] = []
            let ranges = samples.nodeRanges(layer: l, nodeCount: layer.nodeCount)
            var table = CellTable(kind: kind)
            let edges = layer.edges
            for e in 0..<edges.count {
                let raw = network.edgeParameters(layer: l, edge: e)
                // An edge that carries no current at any voltage (pruned in training, say) gets no cell.
                if network.family.carriesNoCurrent(p0: raw.p0, p1: raw.p1, p2: raw.p2) { continue }
                let src = Int(edges.src[e]), des = Int(edges.des[e])
                func range(_ node: Int) -> (Double, Double) { node == 0 ? (0, 0) : (ranges.min[node - 1], ranges.max[node - 1]) }
                let cellLaw = law(raw.p0, raw.p1, raw.p2)
                let place = EdgePlace(layer: l, edge: e, src: src, des: des, p0: raw.p0, p1: raw.p1, p2: raw.p2,
                                      law: cellLaw, srcRange: range(src), desRange: range(des),
                                      visited: samples.visitedArgument(layer: l, src: src, des: des, w0: cellLaw.w0, w1: cellLaw.w1))
                table.append(size(place, kind: kind, scaling: scaling, correction: .identity, mirrors: mirrors, issues: &issues))
            }
            return (MappedLayer(index: l, startSeconds: 0, endSeconds: 0, nodeCount: layer.nodeCount, cells: table), issues)
        }
    }

    /// The smallest C·α (coulombs per unit) that keeps the cells' gate load within ``MapOptions/cellLoadFraction``
    /// of every node's capacitance and every layer's tau at least ``MapOptions/settlingRatio`` times its
    /// slowest cell's settling.
    func productFloor(scaling: Scaling, loading: CellLoading) -> Double {
        var floor = 0.0
        for (n, load) in loading.nodeGateCapacitance.enumerated() where load > 0 {
            let largest = (0..<max(scaling.nodeAlpha?.count ?? 1, 1)).map { scaling.alpha(layer: $0, node: n + 1) }.max() ?? scaling.alpha
            floor = max(floor, load / options.cellLoadFraction * largest)
        }
        for (k, settling) in loading.layerSettling.enumerated() {
            floor = max(floor, scaling.beta(layer: k) * options.settlingRatio * settling)
        }
        return floor
    }

    /// What a user-fixed capacitance or β leaves short: layers whose tau is not ``MapOptions/settlingRatio``
    /// times their slowest cell's settling, and nodes whose cells' gates exceed ``MapOptions/cellLoadFraction``.
    func timeScaleIssues(scaling: Scaling, loading: CellLoading, capacitors: [NodeCapacitor]) -> [MappingIssue] {
        var issues: [MappingIssue] = []
        for (k, settling) in loading.layerSettling.enumerated() where settling > 0 {
            let tau = scaling.tau(layer: k)
            if tau < 0.999 * options.settlingRatio * settling {
                issues.append(MappingIssue(layer: k, edge: -1, quantity: "tau per model time unit (s)", value: tau,
                    limit: "\(options.settlingRatio)× the slowest cell's settling estimate \(settling) s",
                    fix: "raise --cap or lower --beta (or leave both to the mapper)"))
            }
        }
        for node in capacitors {
            let load = node.cellCapacitance ?? 0
            let total = node.nodeCapacitance(layer: 0)
            if load > 1.001 * options.cellLoadFraction * total {
                issues.append(MappingIssue(layer: -1, edge: -1, quantity: "node \(node.node) cell gate capacitance (F)", value: load,
                    limit: "\(options.cellLoadFraction) of the node capacitance \(total) F",
                    fix: "raise --cap to at least \(load / options.cellLoadFraction) F (or leave it to the mapper)"))
            }
        }
        return issues
    }

    // MARK: - Scaling

    /// α from the node voltages, β from the edge currents, C from kT/C noise; user values win.
    ///
    /// One α for the whole network puts its largest |v| at the edge of the window. With a scale per layer and
    /// node (the default for relu cells, whose inputs must stay well above the front ends' overhead), node n
    /// in layer k gets `swing / (1.1·max|v|)` over that layer's samples, never more than in the layer before,
    /// and never more than ``MapOptions/maximumScaleRatio`` times the smallest scale (which bounds the ratio of
    /// node capacitances).
    func chooseScaling(network: Network, samples: OperatingSamples, kind: String,
                       law: (Double, Double, Double) -> CellLaw) throws -> Scaling {
        let vdd = catalog.vdd
        let vcm = options.vcm ?? catalog.process.commonModeVoltage
        let swing = options.swing ?? 0.2 * vdd / 1.8
        guard vcm - swing > 0, vcm + swing < vdd else {
            throw MapError.invalid("V_CM \(vcm) V ± swing \(swing) V leaves the supply 0…\(vdd) V", fix: "choose --vcm and swing inside the rails")
        }
        let largest = max(samples.maximumMagnitude, 1e-9)
        let width = network.layers.map(\.nodeCount).max() ?? 0
        let perNode = options.alpha == nil && (options.scalePerNode ?? (kind == "relu2"))
        var alpha = options.alpha ?? swing / (1.1 * largest)
        var nodeAlpha: [[Double]]? = nil
        if perNode {
            let floor = max(1, largest / options.maximumScaleRatio)
            var table: [[Double]] = []
            var previous = [Double](repeating: .infinity, count: width)
            for k in network.layers.indices {
                let r = samples.nodeRanges(layer: k, nodeCount: width)
                let row = (0..<width).map { n in min(previous[n], swing / (1.1 * max(abs(r.min[n]), abs(r.max[n]), floor))) }
                table.append(row)
                previous = row
            }
            alpha = table.joined().max() ?? alpha
            nodeAlpha = table
        }
        func scale(_ layer: Int, _ node: Int) -> Double {
            guard node > 0, let t = nodeAlpha else { return alpha }
            return t[layer][node - 1]
        }
        var beta = options.beta ?? options.tanhAmplitude
        var layerBeta: [Double]? = nil
        if options.beta == nil, kind != "tanh2" {
            // Per layer: the 99th percentile over its edges of the largest edge current (model units) seen in the
            // samples becomes edgeCurrentTarget amperes.
            var betas: [Double] = []
            for (l, layer) in network.layers.enumerated() {
                var peaks: [Double] = []
                let r = samples.nodeRanges(layer: l, nodeCount: layer.nodeCount)
                for e in 0..<layer.edgeCount {
                    let p = network.edgeParameters(layer: l, edge: e)
                    let f = law(p.p0, p.p1, p.p2)
                    let s = Int(layer.edges.src[e]), d = Int(layer.edges.des[e])
                    let vs = s == 0 ? (0.0, 0.0) : (r.min[s - 1], r.max[s - 1]), vd = d == 0 ? (0.0, 0.0) : (r.min[d - 1], r.max[d - 1])
                    let top = max(f.w0 * vs.0, f.w0 * vs.1) + max(f.w1 * vd.0, f.w1 * vd.1) + f.w2
                    peaks.append(abs(f.amplitude) * max(top, 0))
                }
                peaks.sort()
                let p99 = peaks.isEmpty ? 1 : max(peaks[min(peaks.count - 1, Int(0.99 * Double(peaks.count)))], 1e-12)
                betas.append(options.edgeCurrentTarget / p99)
            }
            beta = betas.first ?? 1e-7
            layerBeta = betas.count > 1 ? betas : nil
        }
        let kT = 1.380649e-23 * (catalog.process.nominalTemperatureCelsius + 273.15)
        // Noise: every node's kT/C voltage stays below noiseFraction·swing, and the median node's below 1 % (40 dB)
        // of its own RMS voltage. With C·α = K on every node, node (k, n) needs K ≥ kT·α/target².
        var swingBound = 0.0, rmsBounds: [Double] = []
        for (k, states) in samples.states.enumerated() {
            guard let count = states.first?.count, count > 0 else { continue }
            for n in 0..<count {
                let a = scale(k, n + 1)
                swingBound = max(swingBound, kT * a / pow(options.noiseFraction * swing, 2))
                let m = states.reduce(0) { $0 + (n < $1.count ? $1[n] * $1[n] : 0) } / Double(states.count)
                if m > 0 { rmsBounds.append(kT * a / pow(0.01 * a * m.squareRoot(), 2)) }
            }
        }
        rmsBounds.sort()
        let product = max(swingBound, rmsBounds.isEmpty ? 0 : rmsBounds[rmsBounds.count / 2], 50e-15 * alpha)
        let capacitance = options.capacitance ?? product / alpha
        if options.beta == nil, kind != "tanh2" {
            // Speed: no layer faster than minimumTau per model time unit.
            let ceiling = capacitance * alpha / options.minimumTau
            beta = min(beta, ceiling)
            layerBeta = layerBeta?.map { min($0, ceiling) }
        }
        for (name, value) in [("alpha", alpha), ("beta", (layerBeta ?? [beta]).min() ?? beta), ("capacitance", capacitance)]
            where !(value.isFinite && value > 0) {
            throw MapError.invalid("\(name) = \(value)", fix: "give a finite positive --\(name == "capacitance" ? "cap" : name)")
        }
        return Scaling(alpha: alpha, beta: beta, capacitance: capacitance, vcm: vcm, vdd: vdd, swing: swing,
                       nodeAlpha: nodeAlpha, layerBeta: layerBeta)
    }

    // MARK: - Node capacitors

    /// Builds every node's capacitor banks from the process's capacitor option. The node capacitance the
    /// scaling asks for is the capacitor's plus the cells' gate `load` (farads per node, index node − 1), so
    /// the capacitor carries the difference. With a scale per node the realised capacitances (on the capacitor
    /// grid) set the final scales: `alpha(k, n) = C·alpha / C(k, n)`, so charge sharing at each boundary
    /// changes the scale exactly and `tau` stays the same on every node.
    func nodeCapacitors(count: Int, scaling: inout Scaling, layers: Int, load: [Double] = [],
                        issues: inout [MappingIssue]) throws -> [NodeCapacitor] {
        guard let option = catalog.process.capacitors.first, count > 0 else { return [] }
        // With one scale a capacitor below the smallest unit is an issue (the realised C is larger than asked);
        // with a scale per node the realised capacitances set the scales, so a rounded-up bank is exact.
        let flagSmall = scaling.nodeAlpha == nil
        func build(_ asked: Double, node: Int, layer: Int) -> (side: Double, units: Int, farads: Double) {
            let farads = max(asked, option.capacitance(sideUm: option.minSideUm) * 1e-3)
            let area = farads / option.densityFPerUm2
            var units = 1
            var side = area.squareRoot()
            if side > option.maxSideUm {
                units = Int((area / (option.maxSideUm * option.maxSideUm)).rounded(.up))
                side = (area / Double(units)).squareRoot()
            }
            if side < option.minSideUm, flagSmall {
                issues.append(MappingIssue(layer: layer, edge: -1, quantity: "node \(node) capacitor side (µm)", value: side,
                    limit: "the \(option.model) minimum side \(option.minSideUm) µm",
                    fix: "raise --cap to at least \(option.minSideUm * option.minSideUm * option.densityFPerUm2 + cells(node)) F"))
                side = option.minSideUm
            }
            // The unit's side from its share of the capacitance, fringe included (the area estimate above only
            // picks the number of units).
            let fitted = side < option.minSideUm ? side : option.side(capacitance: farads / Double(units))
            let snapped = max((fitted / 0.005).rounded() * 0.005, option.minSideUm)
            return (snapped, units, Double(units) * option.capacitance(sideUm: snapped))
        }
        func cells(_ node: Int) -> Double { node - 1 < load.count ? load[node - 1] : 0 }
        func estimate(_ node: Int) -> Double? { load.isEmpty ? nil : cells(node) }
        let product = scaling.capacitance * scaling.alpha
        guard var table = scaling.nodeAlpha else {
            return (1...count).map { n in
                let unit = build(scaling.capacitance - cells(n), node: n, layer: -1)
                if unit.units > 1000 {
                    issues.append(MappingIssue(layer: -1, edge: -1, quantity: "node \(n) capacitance (F)", value: scaling.capacitance,
                        limit: "\(unit.units) \(option.model) units of \(option.maxSideUm) µm per node (more than 1000)",
                        fix: "the kT/C target follows the median node's RMS voltage at this alpha; accept more noise with --cap, or leave --alpha to the mapper (a scale per node)"))
                }
                return NodeCapacitor(node: n, capacitance: unit.farads, model: option.model, sideUm: unit.side, units: unit.units,
                                     cellCapacitance: estimate(n))
            }
        }
        var capacitors: [NodeCapacitor] = []
        for n in 1...count {
            let base = build(product / table[0][n - 1] - cells(n), node: n, layer: 0)
            var node = NodeCapacitor(node: n, capacitance: base.farads, model: option.model, sideUm: base.side, units: base.units,
                                     cellCapacitance: estimate(n))
            table[0][n - 1] = product / node.nodeCapacitance(layer: 0)
            for k in 1..<max(layers, 1) {
                let before = node.nodeCapacitance(layer: k - 1)
                let wanted = product / table[k][n - 1] - before
                if wanted > 1e-3 * before {
                    let bank = build(wanted, node: n, layer: k)
                    node.banks.append(CapacitorBank(layer: k, capacitance: bank.farads, sideUm: bank.side, units: bank.units))
                }
                table[k][n - 1] = product / node.nodeCapacitance(layer: k)
            }
            capacitors.append(node)
        }
        scaling.nodeAlpha = table
        return capacitors
    }
}

/// The law a cell realises, in the cell's own form: tanh2 computes `tanh(w0·vs + w1·vd + w2)`, relu2
/// computes `amplitude·(relu(x) − leak·relu(−x))` with `x = w0·vs + w1·vd + w2` (see ``Mapper/cellFamily(_:)``).
public struct CellLaw: Sendable, Hashable {
    public var w0: Double
    public var w1: Double
    public var w2: Double
    /// The output scale of relu2 (its sign picks the output orientation); 1 for tanh2.
    public var amplitude: Double
    /// The slope of relu2 below the knee: 0 (relu), 0.01 (leaky relu), 1 (linear).
    public var leak: Double

    public init(w0: Double, w1: Double, w2: Double, amplitude: Double = 1, leak: Double = 0) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.amplitude = amplitude
        self.leak = leak
    }

    /// The argument `w0·vs + w1·vd + w2`.
    public func argument(vs: Double, vd: Double) -> Double { w0 * vs + w1 * vd + w2 }
}

/// One edge with its operating range, as the sizing functions see it.
public struct EdgePlace: Sendable, Hashable {
    public var layer: Int
    public var edge: Int
    public var src: Int
    public var des: Int
    public var p0: Double
    public var p1: Double
    public var p2: Double
    /// The law the cell realises for these parameters.
    public var law: CellLaw
    /// Min and max of v_src and v_des over the samples (model units).
    public var srcRange: (Double, Double)
    public var desRange: (Double, Double)
    /// Min and max of the argument's input part `w0·v_src + w1·v_des` over the samples, jointly
    /// (``OperatingSamples/visitedArgument(layer:src:des:w0:w1:)``); nil when not known. The ranges above
    /// bound it, but both nodes seldom sit at their extremes at once.
    public var visited: (low: Double, high: Double)? = nil

    public static func == (a: EdgePlace, b: EdgePlace) -> Bool {
        a.layer == b.layer && a.edge == b.edge && a.p0 == b.p0 && a.p1 == b.p1 && a.p2 == b.p2
            && a.srcRange == b.srcRange && a.desRange == b.desRange
            && a.visited?.low == b.visited?.low && a.visited?.high == b.visited?.high
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(layer); hasher.combine(edge) }
}

/// A per-edge correction from a calibration pass: multiply the gain, shift the argument.
public struct CellCorrection: Sendable, Hashable, Codable {
    /// Multiplies the realised weight (tanh argument or relu slope).
    public var gain: Double
    /// Added to the argument (tanh, model units) or to the knee (relu, model units of vs − vd).
    public var offset: Double
    /// Multiplies the output amplitude (tanh tail current).
    public var amplitude: Double = 1

    public init(gain: Double, offset: Double, amplitude: Double = 1) {
        self.gain = gain
        self.offset = offset
        self.amplitude = amplitude
    }

    public static let identity = CellCorrection(gain: 1, offset: 0)
}
