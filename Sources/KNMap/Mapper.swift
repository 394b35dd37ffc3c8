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

    public var description: String {
        switch self {
        case let .unsupported(family, fix): return "edge family \(family) has no transistor cell yet. Fix: \(fix)"
        case let .invalid(what, fix): return "\(what). Fix: \(fix)"
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

    /// The cell kind a family maps to, and the family's parameters rewritten for that cell (p0, p1, p2).
    public static func cellFamily(_ family: EdgeFamily) throws -> (kind: String, rewrite: @Sendable (Double, Double, Double) -> (Double, Double, Double)) {
        switch family {
        case .shiftTanh2, .device(negation: false, activation: .tanh):
            return ("tanh2", { ($0, $1, $2) })
        case .shiftTanh1, .device(negation: true, activation: .tanh):
            // tanh(p1·(vs − vd) + p0) = tanh(p1·vs − p1·vd + p0).
            return ("tanh2", { p0, p1, _ in (p1, -p1, p0) })
        case .shiftRelu1:
            return ("relu1", { ($0, $1, $2) })
        default:
            throw MapError.unsupported(family: family.description,
                fix: "map ShiftTanh1/2, Device(tanh) or ShiftRelu1 networks, or simulate this one behaviorally (kn-map simulate)")
        }
    }

    public func kind(named name: String) -> CellKind {
        name == "tanh2" ? CellLibrary.tanh2(catalog) : CellLibrary.relu1(catalog)
    }

    /// Chooses the scaling, sizes every edge's cell and the node capacitors, and lists what cannot be realised.
    public func map(network: Network, samples: OperatingSamples, corner: String? = nil) throws -> MappedCircuit {
        let (kindName, rewrite) = try Self.cellFamily(network.family)
        let kind = kind(named: kindName)
        guard network.encoder == nil else {
            throw MapError.unsupported(family: "\(network.family.upstreamName) with an MLP encoder",
                fix: "the encoder is not a circuit; remove it from the config or compute it off-chip before the input nodes")
        }
        let scaling = try chooseScaling(network: network, samples: samples, kind: kindName, rewrite: rewrite)
        var issues: [MappingIssue] = []
        var layers: [MappedLayer] = []
        let tau = scaling.tau
        for (l, layer) in network.layers.enumerated() {
            let ranges = samples.nodeRanges(layer: l, nodeCount: layer.nodeCount)
            var table = CellTable(kind: kind)
            let edges = layer.edges
            for e in 0..<edges.count {
                let column = Int(edges.parameterIndex[e])
                let raw = (layer.parameters[0, column], layer.parameters.rows > 1 ? layer.parameters[1, column] : 0,
                           layer.parameters.rows > 2 ? layer.parameters[2, column] : 0)
                let (p0, p1, p2) = rewrite(raw.0, raw.1, raw.2)
                let src = Int(edges.src[e]), des = Int(edges.des[e])
                func range(_ node: Int) -> (Double, Double) { node == 0 ? (0, 0) : (ranges.min[node - 1], ranges.max[node - 1]) }
                let place = EdgePlace(layer: l, edge: e, src: src, des: des, p0: p0, p1: p1, p2: p2,
                                      srcRange: range(src), desRange: range(des))
                let cell = kindName == "tanh2"
                    ? sizeTanh(place, scaling: scaling, kind: kind, correction: .identity, issues: &issues)
                    : sizeRelu(place, scaling: scaling, kind: kind, correction: .identity, issues: &issues)
                table.append(cell)
            }
            layers.append(MappedLayer(index: l, startSeconds: (network.anchors[l] - network.anchors[0]) * tau,
                                      endSeconds: (network.anchors[l + 1] - network.anchors[0]) * tau,
                                      nodeCount: layer.nodeCount, cells: table))
        }
        let nodeCount = network.layers.map(\.nodeCount).max() ?? 0
        let capacitors = try nodeCapacitors(count: nodeCount, capacitance: scaling.capacitance, issues: &issues)
        let switches = layers.map { layer in
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
            cellKinds: [kind], layers: layers, nodeCapacitors: capacitors, switches: switches, issues: issues)
    }

    // MARK: - Scaling

    /// α from the largest node voltage, β from the edge currents, C from kT/C noise; user values win.
    func chooseScaling(network: Network, samples: OperatingSamples, kind: String,
                       rewrite: (Double, Double, Double) -> (Double, Double, Double)) throws -> Scaling {
        let vdd = catalog.vdd
        let vcm = options.vcm ?? catalog.process.commonModeVoltage
        let swing = options.swing ?? 0.2 * vdd / 1.8
        guard vcm - swing > 0, vcm + swing < vdd else {
            throw MapError.invalid("V_CM \(vcm) V ± swing \(swing) V leaves the supply 0…\(vdd) V", fix: "choose --vcm and swing inside the rails")
        }
        let largest = max(samples.maximumMagnitude, 1e-9)
        let alpha = options.alpha ?? swing / (1.1 * largest)
        let beta: Double
        if let b = options.beta {
            beta = b
        } else if kind == "tanh2" {
            beta = options.tanhAmplitude
        } else {
            // 99th percentile over edges of the largest edge current (model units) seen in the samples.
            var peaks: [Double] = []
            for (l, layer) in network.layers.enumerated() {
                let r = samples.nodeRanges(layer: l, nodeCount: layer.nodeCount)
                for e in 0..<layer.edgeCount {
                    let c = Int(layer.edges.parameterIndex[e])
                    let (p0, p1, _) = rewrite(layer.parameters[0, c], layer.parameters[1, c], 0)
                    let s = Int(layer.edges.src[e]), d = Int(layer.edges.des[e])
                    let smax = s == 0 ? 0 : r.max[s - 1], dmin = d == 0 ? 0 : r.min[d - 1]
                    peaks.append(abs(p1) * max(smax - dmin - p0, 0))
                }
            }
            peaks.sort()
            let p99 = peaks.isEmpty ? 1 : max(peaks[min(peaks.count - 1, Int(0.99 * Double(peaks.count)))], 1e-12)
            beta = options.edgeCurrentTarget / p99
        }
        let kT = 1.380649e-23 * (catalog.process.nominalTemperatureCelsius + 273.15)
        // Noise target: the smaller of noiseFraction·swing and 1 % (40 dB) of the median node's RMS voltage.
        var rms: [Double] = []
        for states in samples.states {
            guard let width = states.first?.count, width > 0 else { continue }
            for n in 0..<width {
                let m = states.reduce(0) { $0 + (n < $1.count ? $1[n] * $1[n] : 0) } / Double(states.count)
                if m > 0 { rms.append(m.squareRoot()) }
            }
        }
        rms.sort()
        let medianVolts = rms.isEmpty ? swing : alpha * rms[rms.count / 2]
        let noiseTarget = min(options.noiseFraction * swing, 0.01 * medianVolts)
        let capacitance = options.capacitance ?? max(50e-15, kT / (noiseTarget * noiseTarget))
        for (name, value) in [("alpha", alpha), ("beta", beta), ("capacitance", capacitance)] where !(value.isFinite && value > 0) {
            throw MapError.invalid("\(name) = \(value)", fix: "give a finite positive --\(name == "capacitance" ? "cap" : name)")
        }
        return Scaling(alpha: alpha, beta: beta, capacitance: capacitance, vcm: vcm, vdd: vdd, swing: swing)
    }

    // MARK: - Node capacitors

    func nodeCapacitors(count: Int, capacitance: Double, issues: inout [MappingIssue]) throws -> [NodeCapacitor] {
        guard let option = catalog.process.capacitors.first else { return [] }
        let area = capacitance / option.densityFPerUm2
        var units = 1
        var side = area.squareRoot()
        if side > option.maxSideUm {
            units = Int((area / (option.maxSideUm * option.maxSideUm)).rounded(.up))
            side = (area / Double(units)).squareRoot()
        }
        if side < option.minSideUm {
            issues.append(MappingIssue(layer: -1, edge: -1, quantity: "node capacitor side (µm)", value: side,
                limit: "the \(option.model) minimum side \(option.minSideUm) µm",
                fix: "raise --cap to at least \(option.minSideUm * option.minSideUm * option.densityFPerUm2) F"))
        }
        if units > 1000 {
            issues.append(MappingIssue(layer: -1, edge: -1, quantity: "node capacitance (F)", value: capacitance,
                limit: "\(units) \(option.model) units of \(option.maxSideUm) µm per node (more than 1000)",
                fix: "the kT/C target follows the median node's RMS voltage at this alpha; accept more noise with --cap, or raise alpha (per-node alpha is not built yet)"))
        }
        let snapped = (side / 0.005).rounded() * 0.005
        return (1...max(count, 1)).prefix(count).map {
            NodeCapacitor(node: $0, capacitance: Double(units) * snapped * snapped * option.densityFPerUm2,
                          model: option.model, sideUm: snapped, units: units)
        }
    }
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
    /// Min and max of v_src and v_des over the samples (model units).
    public var srcRange: (Double, Double)
    public var desRange: (Double, Double)

    public static func == (a: EdgePlace, b: EdgePlace) -> Bool {
        a.layer == b.layer && a.edge == b.edge && a.p0 == b.p0 && a.p1 == b.p1 && a.p2 == b.p2
            && a.srcRange == b.srcRange && a.desRange == b.desRange
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
