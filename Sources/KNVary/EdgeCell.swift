import Foundation
import KNModel

/// The effective parameters through which transistor mismatch moves an edge's current law.
///
/// Every edge family is written as `i = A · act(w_s·vs + w_d·vd + b)` (see ``AffineEdge``). Mismatch changes it to
/// - `offset` (o): added to the activation argument, in the argument's own units (tanh argument units for the
///   tanh families, model volts for the relu families and the conductance);
/// - `gain` (g): relative error of the voltage weights (`w_s`, `w_d` scale by 1 + g; for ShiftRelu1,
///   ShiftLeakyRelu1 and Conductance, whose weight is the output scale p1 or p0, the output scales by 1 + g);
/// - `amplitude` (a): relative error of the current that leaves `src`;
/// - `copy` (ε): the current entering `des` is (1 + ε) times the current leaving `src` (separate output mirrors).
public enum EffectiveParameter: String, Codable, CaseIterable, Sendable {
    case offset, gain, amplitude, copy
}

/// The transistor type of a sized device.
public enum DeviceType: String, Codable, Sendable {
    case nmos, pmos
}

/// How one effective parameter moves with one device's threshold and current-factor mismatch.
public struct Sensitivity: Codable, Hashable, Sendable {
    public var parameter: EffectiveParameter
    /// ∂parameter / ∂ΔVT, per volt.
    public var perVolt: Double
    /// ∂parameter / ∂(Δβ/β).
    public var perRelativeBeta: Double

    public init(_ parameter: EffectiveParameter, perVolt: Double, perRelativeBeta: Double) {
        self.parameter = parameter
        self.perVolt = perVolt
        self.perRelativeBeta = perRelativeBeta
    }
}

/// One sized transistor of an edge cell, with its role and its sensitivities.
///
/// A device of `fingers` parallel fingers is one PDK instance of total width ``widthUm``: its mismatch is one draw
/// for the whole gate area W·L (the average of the fingers' independent draws), so ``widthUm`` is the sum of the
/// finger widths and ``sensitivities`` are those of the whole device.
public struct SizedDevice: Codable, Hashable, Sendable {
    public var role: String
    public var type: DeviceType
    /// Total width (every finger), µm.
    public var widthUm: Double
    public var lengthUm: Double
    /// Parallel fingers of the instance (1 when not recorded).
    public var fingers: Int
    public var sensitivities: [Sensitivity]
    /// The device's gate-referred σ (volts) measured at its operating point, when known: it then replaces the
    /// Pelgrom σ(ΔVT), and σ(Δβ/β) is taken as zero (it is part of the measured gate-referred σ).
    public var operatingSigmaVT: Double?

    public init(role: String, type: DeviceType, widthUm: Double, lengthUm: Double, fingers: Int = 1,
                sensitivities: [Sensitivity], operatingSigmaVT: Double? = nil) {
        self.role = role
        self.type = type
        self.widthUm = widthUm
        self.lengthUm = lengthUm
        self.fingers = fingers
        self.sensitivities = sensitivities
        self.operatingSigmaVT = operatingSigmaVT
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(role: try c.decode(String.self, forKey: .role), type: try c.decode(DeviceType.self, forKey: .type),
                  widthUm: try c.decode(Double.self, forKey: .widthUm), lengthUm: try c.decode(Double.self, forKey: .lengthUm),
                  fingers: try c.decodeIfPresent(Int.self, forKey: .fingers) ?? 1,
                  sensitivities: try c.decode([Sensitivity].self, forKey: .sensitivities),
                  operatingSigmaVT: try c.decodeIfPresent(Double.self, forKey: .operatingSigmaVT))
    }

    /// The gate area W·L in µm².
    public var areaUm2: Double { widthUm * lengthUm }
}

/// The sized devices that realise one edge. The mapper (KNMap) fills these per edge; until it does,
/// ``AssumedCellTopology`` supplies a documented default.
public struct EdgeCell: Codable, Hashable, Sendable {
    public var name: String
    public var devices: [SizedDevice]

    public init(name: String, devices: [SizedDevice]) {
        self.name = name
        self.devices = devices
    }
}

/// Supplies the cell of every edge. The mapper implements this with the cells it sized; ``AssumedCellTopology``
/// is the default.
public protocol EdgeCellProvider: Sendable {
    /// The cell of edge `edge` of layer `layer`.
    func cell(layer: Int, edge: Int) -> EdgeCell
    /// What the cells are, for reports (must say whether they are assumed or mapped).
    var provenance: String { get }
}

/// The default cell when no mapped circuit is available: **an assumed topology, not a sized circuit**.
///
/// Every edge is one cell of ten transistors:
/// - `inP`, `inN`: the NMOS input pair (W × L = `inputPair`). For the tanh and sigmoid activations it runs in weak
///   inversion, where the argument unit is 2·n·U_T of differential input, so ΔVT moves the argument by
///   ∓1/(2·n·U_T) per volt and Δβ/β by ±1/2. For relu families and the conductance the argument is in model
///   volts, α volts per unit: ∓1/α per volt, and Δβ/β by ±(n·U_T)/α.
/// - `degP`, `degN`: the degeneration devices that set the weights (triode, overdrive `degenerationOverdrive`):
///   gain moves by ±(Δβ/β − ΔVT/V_ov)/2 each.
/// - `tailRef`, `tail`: the NMOS tail-current mirror (amplitude), in the mirror inversion level `mirrorGmOverId`.
/// - `srcRef`, `srcOut`: the NMOS mirror that sinks the current from `src` (amplitude, and copy with −1).
/// - `desRef`, `desOut`: the PMOS mirror that sources the current into `des` (copy).
/// A mirror's output error is Δβ/β(out) − Δβ/β(ref) − (gm/ID)·(ΔVT(out) − ΔVT(ref)).
public struct AssumedCellTopology: EdgeCellProvider, Codable, Hashable {
    public var family: EdgeFamily
    /// Volts per model unit (α).
    public var voltsPerUnit: Double
    /// Thermal voltage times the weak-inversion slope factor n (volts), at the chip temperature.
    public var slopeThermalVoltage: Double
    /// gm/ID of the mirror devices (1/V).
    public var mirrorGmOverId: Double
    /// Overdrive of the triode degeneration devices (V).
    public var degenerationOverdrive: Double
    public var inputPair: (w: Double, l: Double) { (inputW, inputL) }
    public var inputW = 4.0, inputL = 2.0
    public var degenerationW = 2.0, degenerationL = 4.0
    public var mirrorW = 8.0, mirrorL = 4.0

    public init(family: EdgeFamily, voltsPerUnit: Double = 0.03, temperatureKelvin: Double = 300.15,
                slopeFactor: Double = 1.3, mirrorGmOverId: Double = 12, degenerationOverdrive: Double = 0.2) {
        self.family = family
        self.voltsPerUnit = voltsPerUnit
        self.slopeThermalVoltage = slopeFactor * Physics.boltzmann * temperatureKelvin / Physics.electronCharge
        self.mirrorGmOverId = mirrorGmOverId
        self.degenerationOverdrive = degenerationOverdrive
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.family == b.family && a.voltsPerUnit == b.voltsPerUnit && a.slopeThermalVoltage == b.slopeThermalVoltage
            && a.mirrorGmOverId == b.mirrorGmOverId && a.degenerationOverdrive == b.degenerationOverdrive
    }
    public func hash(into h: inout Hasher) { h.combine(family); h.combine(voltsPerUnit) }

    /// Whether the argument of the activation is in tanh units (a weak-inversion pair) rather than model volts.
    public var argumentIsPairUnits: Bool {
        switch family {
        case .shiftTanh1, .shiftTanh2: return true
        case let .device(_, activation): return activation == .tanh || activation == .sigmoid
        default: return false
        }
    }

    public var provenance: String {
        "ASSUMED default cell topology (no mapped circuit): NMOS input pair \(inputW)×\(inputL) µm, triode degeneration \(degenerationW)×\(degenerationL) µm (V_ov \(degenerationOverdrive) V), NMOS tail and src mirrors and PMOS des mirror \(mirrorW)×\(mirrorL) µm (gm/ID \(mirrorGmOverId) /V); argument units: \(argumentIsPairUnits ? String(format: "2·n·U_T = %.1f mV", 2e3 * slopeThermalVoltage) : String(format: "α = %.1f mV", 1e3 * voltsPerUnit))"
    }

    public func cell(layer: Int, edge: Int) -> EdgeCell {
        let (sV, sB): (Double, Double) = argumentIsPairUnits
            ? (1 / (2 * slopeThermalVoltage), 0.5)
            : (1 / voltsPerUnit, slopeThermalVoltage / voltsPerUnit)
        let m = mirrorGmOverId
        let d = 1 / degenerationOverdrive
        func mirror(_ p: EffectiveParameter, _ sign: Double, out: Bool) -> Sensitivity {
            let s = out ? 1.0 : -1.0
            return Sensitivity(p, perVolt: -sign * s * m, perRelativeBeta: sign * s)
        }
        let devices = [
            SizedDevice(role: "inP", type: .nmos, widthUm: inputW, lengthUm: inputL,
                        sensitivities: [Sensitivity(.offset, perVolt: -sV, perRelativeBeta: sB)]),
            SizedDevice(role: "inN", type: .nmos, widthUm: inputW, lengthUm: inputL,
                        sensitivities: [Sensitivity(.offset, perVolt: sV, perRelativeBeta: -sB)]),
            SizedDevice(role: "degP", type: .nmos, widthUm: degenerationW, lengthUm: degenerationL,
                        sensitivities: [Sensitivity(.gain, perVolt: -d / 2, perRelativeBeta: 0.5)]),
            SizedDevice(role: "degN", type: .nmos, widthUm: degenerationW, lengthUm: degenerationL,
                        sensitivities: [Sensitivity(.gain, perVolt: -d / 2, perRelativeBeta: 0.5)]),
            SizedDevice(role: "tailRef", type: .nmos, widthUm: mirrorW, lengthUm: mirrorL,
                        sensitivities: [mirror(.amplitude, 1, out: false)]),
            SizedDevice(role: "tail", type: .nmos, widthUm: mirrorW, lengthUm: mirrorL,
                        sensitivities: [mirror(.amplitude, 1, out: true)]),
            SizedDevice(role: "srcRef", type: .nmos, widthUm: mirrorW, lengthUm: mirrorL,
                        sensitivities: [mirror(.amplitude, 1, out: false), mirror(.copy, -1, out: false)]),
            SizedDevice(role: "srcOut", type: .nmos, widthUm: mirrorW, lengthUm: mirrorL,
                        sensitivities: [mirror(.amplitude, 1, out: true), mirror(.copy, -1, out: true)]),
            SizedDevice(role: "desRef", type: .pmos, widthUm: mirrorW, lengthUm: mirrorL,
                        sensitivities: [mirror(.copy, 1, out: false)]),
            SizedDevice(role: "desOut", type: .pmos, widthUm: mirrorW, lengthUm: mirrorL,
                        sensitivities: [mirror(.copy, 1, out: true)]),
        ]
        return EdgeCell(name: "assumed-\(family.upstreamName)", devices: devices)
    }

    enum CodingKeys: String, CodingKey {
        case family, voltsPerUnit, slopeThermalVoltage, mirrorGmOverId, degenerationOverdrive
        case inputW, inputL, degenerationW, degenerationL, mirrorW, mirrorL
    }
}

/// Physical constants (SI).
public enum Physics {
    public static let boltzmann = 1.380_649e-23
    public static let electronCharge = 1.602_176_634e-19
}
