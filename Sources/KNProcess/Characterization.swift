import Foundation

/// The bias grid of a gm/ID characterization, in magnitudes (volts) and micrometres.
public struct CharacterizationGrid: Sendable, Hashable {
    public var lengthsUm: [Double]
    public var vgsStep: Double
    public var vgsMax: Double
    public var vds: [Double]
    public var vsb: [Double]
    public var fingerWidthUm: Double

    public init(lengthsUm: [Double], vgsStep: Double, vgsMax: Double, vds: [Double], vsb: [Double], fingerWidthUm: Double) {
        self.lengthsUm = lengthsUm
        self.vgsStep = vgsStep
        self.vgsMax = vgsMax
        self.vds = vds
        self.vsb = vsb
        self.fingerWidthUm = fingerWidthUm
    }

    /// The |VGS| points, 0 … vgsMax.
    public var vgs: [Double] {
        let count = Int((vgsMax / vgsStep).rounded())
        return (0...count).map { (Double($0) * vgsStep * 1e9).rounded() / 1e9 }
    }

    /// The grid kn-toolkit uses for a process: lengths from the minimum to 8 µm, |VGS| and |VDS| up to
    /// the nominal supply, |VSB| up to half of it, 1 µm fingers.
    public static func standard(for process: ProcessDescription) -> CharacterizationGrid {
        let vdd = process.vdd.nominal
        let lMin = process.devices.map(\.length.minimum).max() ?? 0.15
        let lengths = [lMin] + [0.25, 0.5, 1, 2, 4, 8].filter { $0 > lMin * 1.05 }
        // Dense where gds changes fastest (the triode-saturation transition), coarser above 0.8 V.
        let vds = ([0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.1, 2.4, 2.7, 3.0, 3.3]
            .filter { $0 < vdd - 1e-9 }) + [vdd]
        let vsb = (0...6).map { (Double($0) * vdd / 12 * 1000).rounded() / 1000 }
        return CharacterizationGrid(lengthsUm: lengths, vgsStep: 0.05, vgsMax: vdd, vds: vds, vsb: vsb, fingerWidthUm: 1.0)
    }
}

/// Builds gm/ID tables and fits Pelgrom coefficients by running ngspice on the real foundry models.
public struct Characterizer: Sendable {
    public var process: ProcessDescription
    public var root: PDKRoot
    public var ngspice: Ngspice

    public init(process: ProcessDescription, root: PDKRoot, ngspice: Ngspice) {
        self.process = process
        self.root = root
        self.ngspice = ngspice
    }

    /// Runs the DC sweeps for every MOSFET of the process and returns the table.
    ///
    /// One netlist per device holds one finger per length, all sharing ideal gate, drain and bulk
    /// sources; a DC sweep of the gate is run for every (|VSB|, |VDS|) pair.
    public func gmIDTable(grid: CharacterizationGrid? = nil, corner cornerName: String? = nil) throws -> GmIDTable {
        let grid = grid ?? .standard(for: process)
        try process.verifyInstalled(in: root)
        let corner = try cornerName.map { try process.corner(named: $0) } ?? process.defaultCorner
        let simulator = try ngspice.version()
        let directory = try Ngspice.workDirectory(prefix: "kn-gmid-\(process.name)")
        defer { Ngspice.removeWorkDirectory(directory) }

        var devices: [DeviceCurves] = []
        for device in process.devices {
            devices.append(try sweep(device: device, grid: grid, corner: corner,
                                     directory: directory.appendingPathComponent(device.id)))
        }
        return GmIDTable(
            format: "kn-gmid-1",
            documentation: GmIDTable.fileDocumentation,
            process: process.name, corner: corner.name,
            temperatureCelsius: process.nominalTemperatureCelsius,
            simulator: simulator, models: "\(process.source.package) \(process.source.version)",
            fingerWidthUm: grid.fingerWidthUm, vgs: grid.vgs, vds: grid.vds, vsb: grid.vsb, devices: devices)
    }

    private func sweep(device: DeviceModel, grid: CharacterizationGrid, corner: Corner, directory: URL) throws -> DeviceCurves {
        let sign = device.polarity == .n ? 1.0 : -1.0
        let lengths = grid.lengthsUm.filter { device.length.contains($0) }
        var lines = ["* kn-toolkit gm/ID characterization: \(process.name) \(device.model), corner \(corner.name)"]
        lines += process.netlistPreamble(corner: corner, root: root)
        lines.append(".temp \(process.nominalTemperatureCelsius)")
        lines.append("vg g 0 dc 0")
        lines.append("vd d 0 dc \(sign * grid.vds[0])")
        lines.append("vb b 0 dc 0")
        for (index, length) in lengths.enumerated() {
            lines.append(device.instanceLine(name: "L\(index)", drain: "d", gate: "g", source: "0", bulk: "b",
                                             widthUm: grid.fingerWidthUm, lengthUm: length))
        }
        let quantities = ["id", "gm", "gds", "vth", "vdsat", "cgg"]
        var vectors: [String] = []
        for index in lengths.indices {
            let path = device.internalDevicePath(instance: "\(device.instancePrefix)L\(index)")
            vectors += quantities.map { "@\(path)[\($0)]" }
        }
        lines.append(".control")
        lines.append("set wr_singlescale")
        lines += Ngspice.saveCommands(vectors)
        let vgsEnd = sign * grid.vgsMax, vgsStep = sign * grid.vgsStep
        var block = 0
        for vsb in grid.vsb {
            lines.append("alter vb dc = \(-sign * vsb)")
            for vds in grid.vds {
                lines.append("alter vd dc = \(sign * vds)")
                lines.append("dc vg 0 \(vgsEnd) \(vgsStep)")
                lines.append("wrdata sweep\(block).txt " + vectors.joined(separator: " "))
                block += 1
            }
        }
        lines.append("quit 0")
        lines.append(".endc")
        lines.append(".end")
        try ngspice.run(netlist: lines.joined(separator: "\n") + "\n", name: "sweep", in: directory)

        let vgsCount = grid.vgs.count
        let total = vgsCount * grid.vds.count * grid.vsb.count
        var curves = lengths.map { LengthCurves(lengthUm: $0, id: [], gm: [], gds: [], vth: [], vdsat: [], cgg: []) }
        for index in curves.indices {
            for keyPath in [\LengthCurves.id, \.gm, \.gds, \.vth, \.vdsat, \.cgg] {
                curves[index][keyPath: keyPath].reserveCapacity(total)
            }
        }
        for block in 0..<(grid.vds.count * grid.vsb.count) {
            let file = directory.appendingPathComponent("sweep\(block).txt")
            let rows = try Ngspice.readWrdata(file)
            guard rows.count == vgsCount, rows.allSatisfy({ $0.count == 1 + vectors.count }) else {
                throw ProcessError.unexpectedSimulatorOutput(file: file.path,
                    message: "expected \(vgsCount) rows of \(1 + vectors.count) columns, got \(rows.count) rows")
            }
            for row in rows {
                for index in curves.indices {
                    let base = 1 + index * quantities.count
                    curves[index].id.append(Self.rounded(abs(row[base])))
                    curves[index].gm.append(Self.rounded(row[base + 1]))
                    curves[index].gds.append(Self.rounded(row[base + 2]))
                    curves[index].vth.append(Self.rounded(abs(row[base + 3])))
                    curves[index].vdsat.append(Self.rounded(abs(row[base + 4])))
                    curves[index].cgg.append(Self.rounded(row[base + 5]))
                }
            }
        }
        return DeviceCurves(id: device.id, model: device.model, polarity: device.polarity, lengths: curves)
    }

    /// The table stores float32; values are passed through unchanged here.
    static func rounded(_ value: Double) -> Double { value }
}

extension GmIDTable {
    /// The explanation stored in every table file.
    public static let fileDocumentation = """
        kn-gmid-1: gm/ID lookup table measured by kn-toolkit (KNProcess.Characterizer) with ngspice DC sweeps \
        on the foundry models. For each device and gate length L (lengthUm), arrays id [A], gm [S], gds [S], \
        vth [V], vdsat [V], cgg [F] hold the values of ONE finger of width fingerWidthUm, at every point of \
        the grid |VSB| (vsb) x |VDS| (vds) x |VGS| (vgs), flattened with VGS fastest: \
        index = (iVSB * count(vds) + iVDS) * count(vgs) + iVGS. Voltages are magnitudes from the source \
        (pfet: VG, VD below the source, bulk above it). id and vth are magnitudes. Derived: ID/W = id / \
        fingerWidthUm, gm/ID = gm / id, fT = gm / (2 pi cgg). A device of width W is W / fingerWidthUm fingers \
        in parallel. See pdk/GMID.md.
        """
}
