import Foundation
import Testing
import KNTestSupport
@testable import KNProcess

@Suite("gm/ID lookup against direct ngspice operating points", .serialized)
struct GmIDLookupTests {
    /// For 20 random (L, gm/ID, ID, VDS, VSB) per device type, the lookup's ID, gm and gds match an
    /// ngspice `op` of the sized device on the real foundry models within 1 %.
    @Test("lookup matches ngspice op within 1 % at 20 random bias points per device", arguments: ["sky130", "gf180mcu"])
    func lookupMatchesDirectSimulation(processName: String) throws {
        let (process, root) = try installedProcess(processName)
        let tableURL = Repository.pdk.appendingPathComponent("\(processName).gmid.json")
        let table = try GmIDTable.read(from: tableURL)
        let lookup = GmIDLookup(table: table)
        let characterizer = Characterizer(process: process, root: root, ngspice: try Ngspice.locate())
        var generator = SplitMix64(state: processName == "sky130" ? 130 : 180)
        let vdd = process.vdd.nominal

        var sized: [OperatingPoint] = []
        for device in process.devices {
            let lengths = try table.device(device.id).lengthsUm
            while sized.filter({ $0.device == device.id }).count < 20 {
                let length = lengths.randomElement(using: &generator)!
                let vds = Double.random(in: 0.25 * vdd...0.9 * vdd, using: &generator)
                let vsb = Double.random(in: 0...(table.vsb.last! * 0.9), using: &generator)
                let gmOverID = Double.random(in: 5...18, using: &generator)
                let current = pow(10, Double.random(in: -7 ... -4, using: &generator))
                // A target beyond what this L and bias reach is a legitimate refusal; draw again.
                guard let point = try? lookup.size(device: device.id, lengthUm: length, gmOverID: gmOverID,
                                                   current: current, vds: vds, vsb: vsb) else { continue }
                #expect(abs(point.gmOverID - gmOverID) < 1e-6 * gmOverID)
                sized.append(point)
            }
        }
        // Simulate one finger at the solved bias; the device is `fingers` such fingers in parallel.
        let simulated = try characterizer.simulate(sized.map {
            BiasPoint(device: $0.device, lengthUm: $0.lengthUm, widthUm: table.fingerWidthUm,
                      vgs: $0.vgs, vds: $0.vds, vsb: $0.vsb)
        })
        var worst = (id: 0.0, gm: 0.0, gds: 0.0)
        defer { print("\(processName): largest lookup errors over \(sized.count) points: ID \(worst.id * 100) %, gm \(worst.gm * 100) %, gds \(worst.gds * 100) %") }
        for (point, reference) in zip(sized, simulated) {
            let context = "\(processName) \(point.device) L=\(point.lengthUm) VGS=\(point.vgs) VDS=\(point.vds) VSB=\(point.vsb)"
            let idError = abs(point.id / (reference.id * point.fingers) - 1)
            let gmError = abs(point.gm / (reference.gm * point.fingers) - 1)
            let gdsError = abs(point.gds / (reference.gds * point.fingers) - 1)
            worst = (max(worst.id, idError), max(worst.gm, gmError), max(worst.gds, gdsError))
            #expect(idError < 0.01, "ID off by \(idError * 100) % at \(context)")
            #expect(gmError < 0.01, "gm off by \(gmError * 100) % at \(context)")
            #expect(gdsError < 0.01, "gds off by \(gdsError * 100) % at \(context)")
        }
    }
}

@Suite("Reports for kn-map pdk show and plot")
struct ProcessReportTests {
    @Test("the summary names the models, limits and both kinds of mismatch coefficients")
    func summaryListsDevices() throws {
        let process = try ProcessDescription.load(contentsOf: Repository.description("gf180mcu"))
        let text = process.report(root: PDKRoot(url: URL(fileURLWithPath: "/nonexistent-kn-root")))
        #expect(text.contains("NOT installed (run flows/pdk-install.sh gf180mcu)"))
        #expect(text.contains("nmos_3p3 (nfet_03v3)"))
        #expect(text.contains("A_VT model file 7.148 mV·µm"))
        #expect(text.contains("measured A_VT"))
        #expect(text.contains("pairs × 4 geometries)"))
        #expect(text.contains("V_CM 1.65 V"))
    }

    @Test("chart data rises in ID/W as gm/ID falls, for every length")
    func chartDataIsOrdered() throws {
        let table = try GmIDTable.read(from: Repository.pdk.appendingPathComponent("sky130.gmid.json"))
        let lookup = GmIDLookup(table: table)
        let csv = try lookup.chartCSV(device: "nfet", vds: 0.9)
        let rows = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",").compactMap { Double($0) } }
        #expect(rows.count == table.devices[0].lengths.count * (table.vgs.count - 1))
        // Above threshold + 0.1 V, a higher VGS means more current density and a lower gm/ID.
        for (previous, row) in zip(rows, rows.dropFirst()) where row[0] == previous[0] && previous[1] > previous[7] + 0.1 {
            #expect(row[2] > previous[2])
            #expect(row[3] < previous[3])
        }
    }
}
