import Foundation

/// A gm/ID lookup table measured with ngspice DC sweeps on the real foundry models.
///
/// File format `kn-gmid-1` (JSON, documented in `pdk/GMID.md`): one table per process and corner.
/// For every device and every gate length the table holds, for one finger of width
/// ``fingerWidthUm``, six quantities on the grid |VSB| × |VDS| × |VGS| (VGS varies fastest):
/// `id` (A, |ID|), `gm` (S), `gds` (S), `vth` (V, |VTH|), `vdsat` (V, |VDSAT|) and `cgg` (F).
/// All voltages are magnitudes measured from the source, so one layout serves n and p devices.
public struct GmIDTable: Codable, Sendable, Hashable {
    /// Always `kn-gmid-1`.
    public var format: String
    /// What the numbers mean, repeated inside the file for readers without this source.
    public var documentation: String
    public var process: String
    public var corner: String
    public var temperatureCelsius: Double
    /// ngspice version that produced the table.
    public var simulator: String
    /// Model package and version.
    public var models: String
    /// Width of the one finger the quantities belong to, µm. A device of width W is W / fingerWidthUm
    /// such fingers in parallel (the PDK multipliers do not scale current).
    public var fingerWidthUm: Double
    /// |VGS| grid, volts (uniform).
    public var vgs: [Double]
    /// |VDS| grid, volts.
    public var vds: [Double]
    /// |VSB| grid, volts.
    public var vsb: [Double]
    public var devices: [DeviceCurves]

    /// Index of a point in the flattened arrays.
    @inline(__always)
    public func index(vgs g: Int, vds d: Int, vsb s: Int) -> Int { (s * vds.count + d) * vgs.count + g }

    /// The curves of a device.
    public func device(_ id: String) throws -> DeviceCurves {
        guard let curves = devices.first(where: { $0.id == id || $0.model == id }) else {
            throw ProcessError.unknownName(file: "\(process) gm/ID table", kind: "device", name: id, known: devices.map(\.id))
        }
        return curves
    }

    /// Reads a table and checks its shape.
    public static func read(from url: URL) throws -> GmIDTable {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ProcessError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        let table: GmIDTable
        do { table = try JSONDecoder().decode(GmIDTable.self, from: data) } catch {
            throw ProcessError.invalidTable(file: url.path, message: "not a kn-gmid-1 JSON file (\(error))")
        }
        guard table.format == "kn-gmid-1" else {
            throw ProcessError.invalidTable(file: url.path, message: "format '\(table.format)' is not kn-gmid-1")
        }
        let count = table.vgs.count * table.vds.count * table.vsb.count
        for device in table.devices {
            for curve in device.lengths {
                for (name, values) in curve.quantities where values.count != count {
                    throw ProcessError.invalidTable(file: url.path,
                        message: "\(device.id) L=\(curve.lengthUm) µm: \(name) has \(values.count) values, the grid needs \(count)")
                }
            }
        }
        return table
    }

    /// Writes the table as JSON with sorted keys.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }
}

/// The measured curves of one device type at every characterized length.
public struct DeviceCurves: Codable, Sendable, Hashable {
    public var id: String
    public var model: String
    public var polarity: Polarity
    public var lengths: [LengthCurves]

    /// The characterized lengths, µm.
    public var lengthsUm: [Double] { lengths.map(\.lengthUm) }
}

/// Quantities of one finger at one gate length, flattened over |VSB| × |VDS| × |VGS|.
///
/// In the file each array is a base64 string of little-endian IEEE-754 float32 values (relative
/// precision 6e-8, far below the interpolation error), which keeps the table about five times smaller
/// than decimal text.
public struct LengthCurves: Codable, Sendable, Hashable {
    public var lengthUm: Double
    public var id: [Double]
    public var gm: [Double]
    public var gds: [Double]
    public var vth: [Double]
    public var vdsat: [Double]
    public var cgg: [Double]

    public init(lengthUm: Double, id: [Double], gm: [Double], gds: [Double], vth: [Double], vdsat: [Double], cgg: [Double]) {
        self.lengthUm = lengthUm
        self.id = id
        self.gm = gm
        self.gds = gds
        self.vth = vth
        self.vdsat = vdsat
        self.cgg = cgg
    }

    var quantities: [(String, [Double])] {
        [("id", id), ("gm", gm), ("gds", gds), ("vth", vth), ("vdsat", vdsat), ("cgg", cgg)]
    }

    enum CodingKeys: String, CodingKey { case lengthUm, id, gm, gds, vth, vdsat, cgg }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func floats(_ key: CodingKeys) throws -> [Double] {
            let text = try container.decode(String.self, forKey: key)
            guard let data = Data(base64Encoded: text), data.count % 4 == 0 else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container,
                    debugDescription: "\(key.rawValue) is not base64 of float32 values")
            }
            return data.withUnsafeBytes { raw in
                (0..<(data.count / 4)).map { Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))) }
            }
        }
        lengthUm = try container.decode(Double.self, forKey: .lengthUm)
        id = try floats(.id)
        gm = try floats(.gm)
        gds = try floats(.gds)
        vth = try floats(.vth)
        vdsat = try floats(.vdsat)
        cgg = try floats(.cgg)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        func encodeFloats(_ values: [Double], _ key: CodingKeys) throws {
            var data = Data(capacity: values.count * 4)
            for value in values {
                withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
            try container.encode(data.base64EncodedString(), forKey: key)
        }
        try container.encode(lengthUm, forKey: .lengthUm)
        try encodeFloats(id, .id)
        try encodeFloats(gm, .gm)
        try encodeFloats(gds, .gds)
        try encodeFloats(vth, .vth)
        try encodeFloats(vdsat, .vdsat)
        try encodeFloats(cgg, .cgg)
    }
}
