import Foundation
import Testing
@testable import KNProcess

@Suite("Pelgrom coefficients from an ngspice Monte Carlo with the foundry mismatch on")
struct MismatchTests {
    @Test("the chi-square quantiles match statistical tables")
    func chiSquareQuantiles() {
        // Reference values: chi-square tables (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.4).
        #expect(abs(MismatchFit.chiSquareQuantile(probability: 0.975, degreesOfFreedom: 100) - 129.561) < 0.05)
        #expect(abs(MismatchFit.chiSquareQuantile(probability: 0.025, degreesOfFreedom: 100) - 74.222) < 0.05)
        #expect(abs(MismatchFit.chiSquareQuantile(probability: 0.975, degreesOfFreedom: 30) - 46.979) < 0.05)
    }

    /// gf180mcu's model file gives each device delvto ~ N(0, 0.7071·par_vth·1e-6/sqrt(Leff·Weff)) with
    /// Leff = L − 0.15 µm and Weff = W + 0.1 µm, so a pair has σ(ΔVT)·sqrt(WL) = par_vth·sqrt(WL/(Leff·Weff)).
    /// The Monte Carlo must reproduce that per geometry; 300 pairs put 99.9 % of estimates within ±12 %.
    @Test("gf180mcu pair mismatch follows the model file's delvto formula at every geometry")
    func gf180MatchesModelFormula() throws {
        let (process, root) = try installedProcess("gf180mcu")
        let characterizer = Characterizer(process: process, root: root, ngspice: try Ngspice.locate())
        var fits: [MismatchFit] = []
        for (id, parVth) in [("nfet", 7.148), ("pfet", 6.66)] {
            let fit = try characterizer.fitMismatch(device: id, pairs: 300, seed: 1)
            fits.append(fit)
            #expect(fit.geometries.count == Characterizer.mismatchGeometries.count)
            for geometry in fit.geometries {
                let w = geometry.widthUm, l = geometry.lengthUm
                let expected = parVth * (w * l / ((l - 0.15) * (w + 0.1))).squareRoot()
                #expect(abs(geometry.aVT / expected - 1) < 0.12,
                        "\(id) W=\(w) L=\(l): A_VT \(geometry.aVT) mV·µm, model file \(expected)")
                // The model applies no beta mismatch (mis_k is unused); what remains is VT leaking
                // into the two-point slope, far below the 0.7 %·µm the file's par_k would give.
                #expect(geometry.aBeta < 0.3)
            }
            #expect(fit.aVT.lower < fit.aVT.value && fit.aVT.value < fit.aVT.upper)
        }

        // Recording the fits into a copy of the description keeps it schema-valid and round-trips.
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("gf180mcu.xml")
        try FileManager.default.copyItem(at: Repository.description("gf180mcu"), to: copy)
        try FileManager.default.copyItem(at: Repository.schema, to: directory.appendingPathComponent("kn-pdk.xsd"))
        try Characterizer.record(fits, lookupTable: "gf180mcu.gmid.json", in: copy)
        try Characterizer.record(fits, lookupTable: "gf180mcu.gmid.json", in: copy)   // replaces, not appends
        let reloaded = try ProcessDescription.load(contentsOf: copy)
        #expect(reloaded.lookupTablePath == "gf180mcu.gmid.json")
        let text = try String(contentsOf: copy, encoding: .utf8)
        #expect(text.components(separatedBy: "<characterizedMismatch").count == 3)
        for fit in fits {
            let recorded = try #require(try reloaded.device(fit.device).characterizedMismatch)
            #expect(abs(recorded.aVT.value / fit.aVT.value - 1) < 1e-3)
            #expect(abs(recorded.aBeta.upper / fit.aBeta.upper - 1) < 1e-3)
            #expect(recorded.perGeometry.count == fit.geometries.count)
            #expect(recorded.pairsPerGeometry == 300)
        }
    }

    @Test("the committed descriptions carry characterized coefficients for every MOSFET")
    func committedDescriptionsAreCharacterized() throws {
        for name in ["sky130", "gf180mcu"] {
            let process = try ProcessDescription.load(contentsOf: Repository.description(name))
            #expect(process.lookupTablePath == "\(name).gmid.json")
            for device in process.devices {
                let mismatch = try #require(device.characterizedMismatch, "\(name) \(device.id) not characterized")
                #expect(mismatch.perGeometry.count == mismatch.geometries)
                #expect(mismatch.aVT.value > 1 && mismatch.aVT.value < 30)
            }
        }
    }
}
