import Foundation
import KNProcess

/// The device choices of one process, all read from its measured gm/ID table (``GmIDLookup``): gate length
/// and gm/ID per role, the current one finger carries at that gm/ID (so a device of current I has
/// `round(I / density)` fingers and every device of a role runs at the same gate voltage), the triode
/// resistor units, the cascode bias voltages and the tanh scale V_t of a weak-inversion pair.
public struct DeviceCatalog: Sendable {
    public var process: ProcessDescription
    public var lookup: GmIDLookup
    public var vdd: Double

    /// Length and finger width of a role.
    public struct Geometry: Sendable, Hashable {
        public var lengthUm: Double
        public var fingerWidthUm: Double
    }

    /// Gate length per role (µm), one of the characterized lengths.
    public var lengths: [DeviceSlot.Role: Double]
    /// Target gm/ID per role and polarity.
    public var gmOverID: [Polarity: [DeviceSlot.Role: Double]] = [:]
    /// The largest gm/ID at each role's length (weak inversion): the worst case of a device's current mismatch
    /// per volt of threshold mismatch.
    public var weakInversionGmOverID: [Polarity: [DeviceSlot.Role: Double]] = [:]
    /// Pelgrom's A_VT per polarity, V·µm: the process's characterized value, else the model file's.
    public var thresholdMismatch: [Polarity: Double] = [:]
    /// Drain current of one finger at the role's gm/ID, amperes.
    public var density: [Polarity: [DeviceSlot.Role: Double]] = [:]
    /// The gate–source voltage of a role's devices at that density.
    public var vgs: [Polarity: [DeviceSlot.Role: Double]] = [:]
    /// Gate capacitance Cgg of one finger at each role's operating point (for `.resistor`, the triode unit's),
    /// farads.
    public var gateCapacitance: [Polarity: [DeviceSlot.Role: Double]] = [:]
    /// nfet triode unit (degeneration): chord resistance at VGS = vdd − 0.5 V, VSB = 0.5 V, ohms.
    public var nResistorUnit: Double
    /// pfet triode unit (load): small-signal resistance 1/gds and DC current at |VDS| = ``loadDrop`` per unit.
    public var pResistorUnit: Double
    public var pResistorCurrent: Double
    /// The DC drop across each load unit at x = 0, volts.
    public var loadDrop: Double
    /// Cascode gate voltages.
    public var vbnc: Double
    public var vbpc: Double
    /// The voltage a weak-inversion pair needs for tanh(1): ΔI = IT·tanh(ΔV / V_t), V_t = 2/(gm/ID).
    public var tanhScale: Double

    public var fingerWidthUm: Double { lookup.table.fingerWidthUm }

    /// The catalog of the process description `<name>.xml` at `file`, with the gm/ID table `<name>.gmid.json`
    /// beside it (as `pdk/` holds them).
    public init(processFile file: URL) throws {
        let name = file.deletingPathExtension().lastPathComponent
        let table = try GmIDTable.read(from: file.deletingLastPathComponent().appendingPathComponent("\(name).gmid.json"))
        try self.init(process: try ProcessDescription.load(contentsOf: file), lookup: GmIDLookup(table: table))
    }

    public init(process: ProcessDescription, lookup: GmIDLookup) throws {
        self.process = process
        self.lookup = lookup
        vdd = process.vdd.nominal
        let lengthsN = try lookup.table.device("nfet").lengthsUm
        func nearest(_ l: Double) -> Double { lengthsN.min { abs($0 - l) < abs($1 - l) } ?? l }
        lengths = [.input: nearest(1), .tanhPair: nearest(1), .tail: nearest(2), .diode: nearest(2), .mirror: nearest(2),
                   .cascode: nearest(1), .follower: nearest(1), .resistor: lengthsN.max() ?? 8]
        let n = try process.device(polarity: .n).id, p = try process.device(polarity: .p).id
        let vdsProbe = min(0.4, vdd / 4)
        for (polarity, device) in [(Polarity.n, n), (.p, p)] {
            var g: [DeviceSlot.Role: Double] = [:], d: [DeviceSlot.Role: Double] = [:], v: [DeviceSlot.Role: Double] = [:]
            var c: [DeviceSlot.Role: Double] = [:], weak: [DeviceSlot.Role: Double] = [:]
            for role in [DeviceSlot.Role.input, .tanhPair, .tail, .diode, .mirror, .cascode, .follower] {
                let l = lengths[role]!
                let maximum = try lookup.maximumGmOverID(device: device, lengthUm: l, vds: vdsProbe)
                weak[role] = maximum
                let target: Double
                switch role {
                case .input, .tanhPair: target = 0.92 * maximum
                case .follower: target = 0.8 * maximum
                default: target = min(15, 0.7 * maximum)
                }
                let op = try lookup.size(device: device, lengthUm: l, gmOverID: target, current: 1e-6, vds: vdsProbe)
                g[role] = op.gmOverID
                d[role] = 1e-6 / op.fingers
                v[role] = op.vgs
                c[role] = op.cgg / op.fingers
            }
            gmOverID[polarity] = g; density[polarity] = d; vgs[polarity] = v; gateCapacitance[polarity] = c
            weakInversionGmOverID[polarity] = weak
            let model = try process.device(polarity: polarity)
            thresholdMismatch[polarity] = (model.characterizedMismatch?.aVT.value ?? model.modelMismatch.aVTmVum) * 1e-3
        }
        // Degeneration unit: nfet, gate at vdd, source near vcm − VGS.
        let lr = lengths[.resistor]!
        let unitN = try lookup.operatingPoint(device: n, lengthUm: lr, widthUm: lookup.table.fingerWidthUm,
                                              vgs: vdd - 0.5, vds: 0.05, vsb: 0.5)
        nResistorUnit = 0.05 / unitN.id
        loadDrop = 0.1
        let unitP = try lookup.operatingPoint(device: p, lengthUm: lr, widthUm: lookup.table.fingerWidthUm,
                                              vgs: vdd, vds: loadDrop, vsb: 0)
        pResistorUnit = 1 / unitP.gds
        pResistorCurrent = unitP.id
        gateCapacitance[.n]![.resistor] = unitN.cgg
        gateCapacitance[.p]![.resistor] = unitP.cgg
        // Low-voltage cascodes: the mirror device keeps |VDS| = 0.2 V.
        let cascodeN = try lookup.size(device: n, lengthUm: lengths[.cascode]!, gmOverID: gmOverID[.n]![.cascode]!,
                                       current: 1e-6, vds: 0.3, vsb: 0.2)
        vbnc = 0.2 + cascodeN.vgs
        let cascodeP = try lookup.size(device: p, lengthUm: lengths[.cascode]!, gmOverID: gmOverID[.p]![.cascode]!,
                                       current: 1e-6, vds: 0.3, vsb: 0.2)
        vbpc = vdd - 0.2 - cascodeP.vgs
        tanhScale = 2 / gmOverID[.n]![.tanhPair]!
    }

    public func geometry(_ polarity: Polarity, _ role: DeviceSlot.Role) -> Geometry {
        Geometry(lengthUm: lengths[role] ?? 1, fingerWidthUm: lookup.table.fingerWidthUm)
    }

    /// Fingers for a current at a role's density (at least one; zero current: the slot is absent).
    public func fingers(_ polarity: Polarity, _ role: DeviceSlot.Role, current: Double) -> Int {
        guard current > 0 else { return 0 }
        return max(1, Int((current / density[polarity]![role]!).rounded()))
    }

    /// The fingers a device of `role` needs so that its current mismatch σ(ΔI/I) = (gm/ID)·A_VT/√(W·L) stays
    /// within `sigma` at the role's weak-inversion gm/ID, with ``thresholdMismatch``.
    public func matchingFingers(_ polarity: Polarity, _ role: DeviceSlot.Role, sigma: Double) -> Int {
        // The initializer fills both tables for every polarity and role, as it does `density`.
        let gm = weakInversionGmOverID[polarity]![role]!
        let geometry = geometry(polarity, role)
        let area = pow(gm * thresholdMismatch[polarity]! / sigma, 2)
        return max(1, Int((area / (geometry.lengthUm * geometry.fingerWidthUm)).rounded(.up)))
    }

    /// A triode stack (series units, parallel fingers) for a resistance, with the realised value.
    ///
    /// Searches series counts up to `maxUnits` for the ratio closest to `ohms / unit`.
    public func resistorStack(ohms: Double, unit: Double, maxUnits: Int = 400) -> (series: Int, fingers: Int, ohms: Double) {
        var best = (series: 1, fingers: 1, ohms: unit, error: Double.infinity)
        for series in 1...maxUnits {
            let fingers = max(1, Int((Double(series) * unit / ohms).rounded()))
            guard series * fingers <= maxUnits else { break }
            let value = unit * Double(series) / Double(fingers)
            let error = abs(value / ohms - 1)
            if error < best.error { best = (series, fingers, value, error) }
            if error < 0.002 { break }
        }
        return (best.series, best.fingers, best.ohms)
    }
}
