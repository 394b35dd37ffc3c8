import Foundation

/// A bias point to simulate directly (magnitudes, like the gm/ID table).
public struct BiasPoint: Sendable, Hashable {
    public var device: String
    public var lengthUm: Double
    public var widthUm: Double
    public var vgs: Double
    public var vds: Double
    public var vsb: Double

    public init(device: String, lengthUm: Double, widthUm: Double, vgs: Double, vds: Double, vsb: Double) {
        self.device = device
        self.lengthUm = lengthUm
        self.widthUm = widthUm
        self.vgs = vgs
        self.vds = vds
        self.vsb = vsb
    }
}

/// Small-signal values ngspice reports for one device at its operating point.
public struct SimulatedOperatingPoint: Sendable, Hashable {
    public var id: Double
    public var gm: Double
    public var gds: Double
    public var vth: Double
    public var cgg: Double
}

extension Characterizer {
    /// Simulates every bias point with an ngspice operating-point analysis (`op`), each device with its
    /// own ideal sources, all in one netlist. Independent of any table: this is the reference the
    /// lookup is checked against.
    public func simulate(_ points: [BiasPoint], corner cornerName: String? = nil) throws -> [SimulatedOperatingPoint] {
        try process.verifyInstalled(in: root)
        let corner = try cornerName.map { try process.corner(named: $0) } ?? process.defaultCorner
        var lines = ["* kn-toolkit direct operating points: \(process.name), corner \(corner.name)"]
        lines += process.netlistPreamble(corner: corner, root: root)
        lines.append(".temp \(process.nominalTemperatureCelsius)")
        var vectors: [String] = []
        for (index, point) in points.enumerated() {
            let device = try process.device(point.device)
            let sign = device.polarity == .n ? 1.0 : -1.0
            lines.append("vg\(index) g\(index) 0 dc \(sign * point.vgs)")
            lines.append("vd\(index) d\(index) 0 dc \(sign * point.vds)")
            lines.append("vb\(index) b\(index) 0 dc \(-sign * point.vsb)")
            lines.append(device.instanceLine(name: "P\(index)", drain: "d\(index)", gate: "g\(index)", source: "0",
                                             bulk: "b\(index)", widthUm: point.widthUm, lengthUm: point.lengthUm))
            let path = device.internalDevicePath(instance: "\(device.instancePrefix)P\(index)")
            vectors += ["id", "gm", "gds", "vth", "cgg"].map { "@\(path)[\($0)]" }
        }
        lines += [".control", "set wr_singlescale"] + Ngspice.saveCommands(vectors) + ["op"]
        // wrdata lines stay short: one file per device.
        for index in points.indices {
            lines.append("wrdata op\(index).txt " + vectors[(index * 5)..<(index * 5 + 5)].joined(separator: " "))
        }
        lines += ["quit 0", ".endc", ".end"]
        let directory = try Ngspice.workDirectory(prefix: "kn-op-\(process.name)")
        defer { Ngspice.removeWorkDirectory(directory) }
        try ngspice.run(netlist: lines.joined(separator: "\n") + "\n", name: "op", in: directory)
        return try points.indices.map { index in
            let file = directory.appendingPathComponent("op\(index).txt")
            let rows = try Ngspice.readWrdata(file)
            guard let row = rows.first, row.count == 6 else {
                throw ProcessError.unexpectedSimulatorOutput(file: file.path, message: "expected one row of 6 columns")
            }
            return SimulatedOperatingPoint(id: abs(row[1]), gm: row[2], gds: row[3], vth: abs(row[4]), cgg: row[5])
        }
    }
}
