import Foundation
import Testing
@testable import KNProcess

@Suite("gm/ID characterization sweeps on the real foundry models")
struct CharacterizationTests {
    /// A small grid swept with DC sweeps must give, at every grid point, what an independent ngspice
    /// `op` of that single bias gives: this pins the sign conventions (pfet), the flattening order and
    /// the parsing of the sweep files.
    @Test("sweep values equal direct operating points at every point of a small grid", arguments: ["sky130", "gf180mcu"])
    func sweepMatchesOperatingPoints(processName: String) throws {
        let (process, root) = try installedProcess(processName)
        let characterizer = Characterizer(process: process, root: root, ngspice: try Ngspice.locate())
        let vdd = process.vdd.nominal
        let lengths = [process.devices[0].length.minimum, 2.0]
        let grid = CharacterizationGrid(lengthsUm: lengths, vgsStep: vdd / 4, vgsMax: vdd,
                                        vds: [0.1, vdd / 2], vsb: [0, vdd / 4], fingerWidthUm: 2)
        let table = try characterizer.gmIDTable(grid: grid)
        #expect(table.vgs.count == 5)
        #expect(table.devices.map(\.id) == process.devices.map(\.id))

        var points: [BiasPoint] = []
        var expected: [(Double, Double, Double)] = []
        for device in table.devices {
            for curves in device.lengths {
                for (si, vsb) in table.vsb.enumerated() {
                    for (di, vds) in table.vds.enumerated() {
                        for (gi, vgs) in table.vgs.enumerated() where vgs > 0.3 * vdd {
                            let index = table.index(vgs: gi, vds: di, vsb: si)
                            points.append(BiasPoint(device: device.id, lengthUm: curves.lengthUm, widthUm: 2,
                                                    vgs: vgs, vds: vds, vsb: vsb))
                            expected.append((curves.id[index], curves.gm[index], curves.gds[index]))
                        }
                    }
                }
            }
        }
        let simulated = try characterizer.simulate(points)
        for ((point, reference), value) in zip(zip(points, simulated), expected) {
            let context = "\(point.device) L=\(point.lengthUm) VGS=\(point.vgs) VDS=\(point.vds) VSB=\(point.vsb)"
            #expect(abs(value.0 / reference.id - 1) < 1e-4, "ID \(value.0) vs \(reference.id) at \(context)")
            #expect(abs(value.1 / reference.gm - 1) < 1e-4, "gm \(value.1) vs \(reference.gm) at \(context)")
            #expect(abs(value.2 / reference.gds - 1) < 1e-4, "gds \(value.2) vs \(reference.gds) at \(context)")
        }
    }

    /// Physics every MOSFET table must obey: ID rises with |VGS| above threshold, and gm/ID never exceeds
    /// the weak-inversion limit 1/(n U_T) with n ≥ 1, i.e. 1/U_T ≈ 38.7 /V at 27 °C.
    @Test("committed tables obey the weak-inversion gm/ID limit and rise with VGS", arguments: ["sky130", "gf180mcu"])
    func committedTablesArePhysical(processName: String) throws {
        let table = try GmIDTable.read(from: Repository.pdk.appendingPathComponent("\(processName).gmid.json"))
        let thermalVoltage = 1.380649e-23 * (273.15 + table.temperatureCelsius) / 1.602176634e-19
        #expect(table.process == processName)
        #expect(table.devices.count == 2)
        for device in table.devices {
            for curves in device.lengths {
                for si in table.vsb.indices {
                    for di in table.vds.indices {
                        for gi in 1..<table.vgs.count {
                            let index = table.index(vgs: gi, vds: di, vsb: si)
                            let ratio = curves.gm[index] / curves.id[index]
                            #expect(ratio < 1 / thermalVoltage, "\(device.id) L=\(curves.lengthUm): gm/ID \(ratio)")
                            if table.vgs[gi] > curves.vth[index] + 0.1 {
                                #expect(curves.id[index] > curves.id[index - 1])
                            }
                        }
                    }
                }
            }
        }
    }
}
