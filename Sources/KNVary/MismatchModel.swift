import Foundation
import KNModel
import KNProcess

/// Pelgrom coefficients of one device type: for a pair of devices of gate area W·L,
/// σ(ΔVT) = A_VT/√(WL) and σ(Δβ/β) = A_β/√(WL); a single device deviates by 1/√2 of that.
public struct PelgromPair: Codable, Hashable, Sendable {
    /// A_VT in mV·µm.
    public var aVTmVum: Double
    /// A_β in %·µm.
    public var aBetaPercentUm: Double
    /// Where the numbers come from.
    public var source: String
    /// Coefficients measured at particular sizes (W, L in µm); a device of exactly such a size uses them
    /// (sky130's nfet does not follow one Pelgrom line across sizes).
    public var perGeometry: [GeometryCoefficients]

    public struct GeometryCoefficients: Codable, Hashable, Sendable {
        public var widthUm: Double, lengthUm: Double, aVTmVum: Double, aBetaPercentUm: Double
        public init(widthUm: Double, lengthUm: Double, aVTmVum: Double, aBetaPercentUm: Double) {
            self.widthUm = widthUm; self.lengthUm = lengthUm; self.aVTmVum = aVTmVum; self.aBetaPercentUm = aBetaPercentUm
        }
    }

    public init(aVTmVum: Double, aBetaPercentUm: Double, source: String, perGeometry: [GeometryCoefficients] = []) {
        self.aVTmVum = aVTmVum
        self.aBetaPercentUm = aBetaPercentUm
        self.source = source
        self.perGeometry = perGeometry
    }

    /// The coefficients for a W × L device: the per-size measurement when there is one for exactly that size,
    /// else the pooled fit.
    public func coefficients(widthUm w: Double, lengthUm l: Double) -> (aVT: Double, aBeta: Double) {
        if let g = perGeometry.first(where: { abs($0.widthUm - w) < 1e-9 && abs($0.lengthUm - l) < 1e-9 }) {
            return (g.aVTmVum, g.aBetaPercentUm)
        }
        return (aVTmVum, aBetaPercentUm)
    }

    /// σ of one device's ΔVT (volts) and Δβ/β for a W × L device (µm).
    public func deviceSigma(widthUm w: Double, lengthUm l: Double) -> (vt: Double, beta: Double) {
        let c = coefficients(widthUm: w, lengthUm: l)
        let k = 1 / (2 * w * l).squareRoot()
        return (c.aVT * 1e-3 * k, c.aBeta * 1e-2 * k)
    }
}

/// The mismatch coefficients of a process for NMOS and PMOS devices.
public struct ProcessMismatch: Codable, Hashable, Sendable {
    public var process: String
    public var nmos: PelgromPair
    public var pmos: PelgromPair

    public init(process: String, nmos: PelgromPair, pmos: PelgromPair) {
        self.process = process
        self.nmos = nmos
        self.pmos = pmos
    }

    /// The measured (characterized) coefficients of the process description when it has them, else the model
    /// file's own coefficients.
    public init(_ description: ProcessDescription) throws {
        func pair(_ polarity: Polarity) throws -> PelgromPair {
            let d = try description.device(polarity: polarity)
            if let c = d.characterizedMismatch {
                return PelgromPair(aVTmVum: c.aVT.value, aBetaPercentUm: c.aBeta.value,
                                   source: "\(description.name) \(d.id): characterized (\(c.simulator), \(c.corner), \(c.pairsPerGeometry) pairs × \(c.geometries) sizes; per-size values where a device has a characterized size)",
                                   perGeometry: c.perGeometry.map {
                                       .init(widthUm: $0.widthUm, lengthUm: $0.lengthUm, aVTmVum: $0.aVT, aBetaPercentUm: $0.aBeta)
                                   })
            }
            return PelgromPair(aVTmVum: d.modelMismatch.aVTmVum, aBetaPercentUm: d.modelMismatch.aBetaPercentUm ?? 0,
                               source: "\(description.name) \(d.id): model-file coefficients (not characterized)")
        }
        self.init(process: description.name, nmos: try pair(.n), pmos: try pair(.p))
    }

    public func pair(_ type: DeviceType) -> PelgromPair { type == .nmos ? nmos : pmos }

    /// Reads the coefficients of the process description `pdk/<name>.xml` at `file`.
    public static func load(processFile file: URL) throws -> ProcessMismatch {
        try ProcessMismatch(ProcessDescription.load(contentsOf: file))
    }
}

/// A global shift of every edge's effective parameters (a process corner or a temperature offset), added to the
/// local mismatch. The toolkit does not derive corner shifts from the foundry corners yet: they are given by
/// the user (`--global offset=…,gain=…,amplitude=…,copy=…`) and reported as such.
public struct GlobalShift: Codable, Hashable, Sendable {
    public var offset = 0.0, gain = 0.0, amplitude = 0.0, copy = 0.0
    public init(offset: Double = 0, gain: Double = 0, amplitude: Double = 0, copy: Double = 0) {
        self.offset = offset; self.gain = gain; self.amplitude = amplitude; self.copy = copy
    }
    public var isZero: Bool { offset == 0 && gain == 0 && amplitude == 0 && copy == 0 }
}

/// Per layer, per edge: the σ of each device's ΔVT and Δβ/β, and the linear map from the device deviations to
/// the effective parameters. Drawing a sample draws every device and propagates it.
public struct MismatchModel: Sendable {
    public let mismatch: ProcessMismatch
    public let provenance: String
    public let global: GlobalShift
    /// Per-edge deterministic shifts added to every draw (a process corner measured cell by cell, ``kn-map
    /// corners``), or nil.
    public let base: MismatchInstance?
    /// Scales every σ (1 = the process; 0 = nominal). Used for sensitivity sweeps.
    public let scale: Double
    /// The effective parameters that vary (the others are drawn but held at zero, so a run restricted to some
    /// components sees the same draws for them as a full run): to find which mismatch dominates.
    public let components: Set<EffectiveParameter>
    /// Per layer: for every edge, a flat list of (σ_vt, σ_β, offsetV, offsetB, gainV, gainB, ampV, ampB, copyV, copyB)
    /// per device.
    let terms: [[[DeviceTerm]]]
    let edgeCounts: [Int]
    /// Per layer, per edge: the edge carries no current (switched off, no cell on the chip), so it does not vary.
    let absent: [[Bool]]

    struct DeviceTerm: Sendable {
        var sigmaVT: Double, sigmaBeta: Double
        var s: [Double]  // 8 sensitivities: (offset, gain, amplitude, copy) × (perVolt, perRelativeBeta)
    }

    public init(network: Network, cells: EdgeCellProvider, mismatch: ProcessMismatch,
                global: GlobalShift = GlobalShift(), base: MismatchInstance? = nil, scale: Double = 1,
                components: Set<EffectiveParameter> = Set(EffectiveParameter.allCases)) {
        self.components = components
        self.mismatch = mismatch
        self.provenance = cells.provenance
        self.global = global
        self.base = base
        self.scale = scale
        var terms = [[[DeviceTerm]]]()
        absent = network.layers.indices.map { l in (0..<network.layers[l].edgeCount).map { network.carriesNoCurrent(layer: l, edge: $0) } }
        for (l, layer) in network.layers.enumerated() {
            var layerTerms = [[DeviceTerm]]()
            layerTerms.reserveCapacity(layer.edgeCount)
            for e in 0..<layer.edgeCount {
                // A switched-off edge has no cell (a mapped circuit has none to give).
                layerTerms.append(absent[l][e] ? [] : Self.terms(cells.cell(layer: l, edge: e), mismatch: mismatch))
            }
            terms.append(layerTerms)
        }
        self.terms = terms
        self.edgeCounts = network.layers.map(\.edgeCount)
    }

    static func terms(_ cell: EdgeCell, mismatch: ProcessMismatch) -> [DeviceTerm] {
        cell.devices.map { d in
            var sig = mismatch.pair(d.type).deviceSigma(widthUm: d.widthUm, lengthUm: d.lengthUm)
            if let measured = d.operatingSigmaVT { sig = (measured, 0) }
            var s = [Double](repeating: 0, count: 8)
            for x in d.sensitivities {
                let k = EffectiveParameter.allCases.firstIndex(of: x.parameter)!
                s[2 * k] += x.perVolt
                s[2 * k + 1] += x.perRelativeBeta
            }
            return DeviceTerm(sigmaVT: sig.vt, sigmaBeta: sig.beta, s: s)
        }
    }

    static func sigma(_ terms: [DeviceTerm], scale: Double) -> [EffectiveParameter: Double] {
        var out = [EffectiveParameter: Double]()
        for (k, p) in EffectiveParameter.allCases.enumerated() {
            var v = 0.0
            for t in terms {
                v += pow(t.s[2 * k] * t.sigmaVT, 2) + pow(t.s[2 * k + 1] * t.sigmaBeta, 2)
            }
            out[p] = scale * v.squareRoot()
        }
        return out
    }

    /// The standard deviation of each effective parameter of edge `e` of layer `l` (devices independent).
    public func sigma(layer l: Int, edge e: Int) -> [EffectiveParameter: Double] {
        Self.sigma(terms[l][e], scale: absent[l][e] ? 0 : scale)
    }

    /// The standard deviation of each effective parameter of one cell (devices independent, ΔVT and Δβ/β of each
    /// device independent), with the process's Pelgrom coefficients.
    public static func sigma(cell: EdgeCell, mismatch: ProcessMismatch) -> [EffectiveParameter: Double] {
        sigma(terms(cell, mismatch: mismatch), scale: 1)
    }

    /// The covariance of edge `e`'s effective parameters (offset, gain, amplitude, copy), row-major 4 × 4,
    /// from its devices (independent ΔVT and Δβ/β), masked to the varying components.
    public func covariance(layer l: Int, edge e: Int) -> [Double] {
        var c = [Double](repeating: 0, count: 16)
        if absent[l][e] { return c }
        let keep = EffectiveParameter.allCases.map { components.contains($0) ? 1.0 : 0.0 }
        for t in terms[l][e] {
            for i in 0..<4 {
                for j in 0..<4 {
                    c[4 * i + j] += keep[i] * keep[j] * scale * scale
                        * (t.s[2 * i] * t.s[2 * j] * t.sigmaVT * t.sigmaVT + t.s[2 * i + 1] * t.s[2 * j + 1] * t.sigmaBeta * t.sigmaBeta)
                }
            }
        }
        return c
    }

    /// The generator of sample `index`: it depends only on (seed, index), so any subset of samples, in any
    /// order, on any machine, draws the same values.
    public static func generator(seed: UInt64, index: Int) -> SeededGenerator {
        var z = seed ^ 0x6B4E_5641_5259_0001
        z = (z ^ (z >> 31)) &* 0xBF58_476D_1CE4_E5B9
        return SeededGenerator(seed: z &+ UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15)
    }

    /// Draws the mismatch of sample `index`: every device of every edge in layer and edge order.
    public func draw(seed: UInt64, index: Int) -> MismatchInstance {
        var rng = Self.generator(seed: seed, index: index)
        return draw(using: &rng)
    }

    /// Draws one mismatch instance from `rng`.
    public func draw(using rng: inout SeededGenerator) -> MismatchInstance {
        var layers = [EdgeDeviations]()
        for (l, layerTerms) in terms.enumerated() {
            var dev = EdgeDeviations(count: edgeCounts[l])
            for (e, devices) in layerTerms.enumerated() {
                var o = global.offset, g = global.gain, a = global.amplitude, c = global.copy
                if let b = base?.layers[l] { o += b.offset[e]; g += b.gain[e]; a += b.amplitude[e]; c += b.copy[e] }
                for t in devices {
                    let dv = scale * t.sigmaVT * rng.nextNormal()
                    let db = scale * t.sigmaBeta * rng.nextNormal()
                    o += t.s[0] * dv + t.s[1] * db
                    g += t.s[2] * dv + t.s[3] * db
                    a += t.s[4] * dv + t.s[5] * db
                    c += t.s[6] * dv + t.s[7] * db
                }
                // A switched-off edge has no devices on the chip, so neither the global shift nor a corner reaches it.
                if absent[l][e] { continue }
                dev.offset[e] = components.contains(.offset) ? o : 0
                dev.gain[e] = components.contains(.gain) ? g : 0
                dev.amplitude[e] = components.contains(.amplitude) ? a : 0
                dev.copy[e] = components.contains(.copy) ? c : 0
            }
            layers.append(dev)
        }
        return MismatchInstance(layers: layers)
    }
}

/// The effective-parameter deviations of every edge of one layer.
public struct EdgeDeviations: Hashable, Sendable {
    public var offset: [Double]
    public var gain: [Double]
    public var amplitude: [Double]
    public var copy: [Double]

    public init(count: Int) {
        offset = [Double](repeating: 0, count: count)
        gain = offset; amplitude = offset; copy = offset
    }
}

/// One Monte Carlo sample of the whole network's mismatch (one chip).
public struct MismatchInstance: Hashable, Sendable {
    public var layers: [EdgeDeviations]

    public init(layers: [EdgeDeviations]) { self.layers = layers }

    /// The mirrored chip: every deviation negated (an antithetic sample: it cancels the part of a sampled
    /// gradient that is linear in the deviations).
    public var negated: MismatchInstance {
        MismatchInstance(layers: layers.map { d in
            var n = d
            n.offset = d.offset.map { -$0 }; n.gain = d.gain.map { -$0 }
            n.amplitude = d.amplitude.map { -$0 }; n.copy = d.copy.map { -$0 }
            return n
        })
    }

    /// No mismatch at all.
    public static func nominal(_ network: Network) -> MismatchInstance {
        MismatchInstance(layers: network.layers.map { EdgeDeviations(count: $0.edgeCount) })
    }
}

extension MismatchInstance {
    /// The chip with no deviation on the edges of `network` that carry no current: a switched-off edge has no
    /// cell, so it has nothing to mismatch.
    public func switchingOff(in network: Network) -> MismatchInstance {
        var out = self
        for l in layers.indices where l < network.layers.count {
            for e in 0..<network.layers[l].edgeCount where network.carriesNoCurrent(layer: l, edge: e) {
                out.layers[l].offset[e] = 0; out.layers[l].gain[e] = 0
                out.layers[l].amplitude[e] = 0; out.layers[l].copy[e] = 0
            }
        }
        return out
    }
}
