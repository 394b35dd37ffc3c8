import Foundation
import KNTestSupport
import Testing

/// `kn-map pdk` on the committed process descriptions and gm/ID tables.
struct PDKCommandTests {
    @Test(arguments: ["sky130", "gf180mcu"])
    func showSummarisesTheDescription(pdk: String) throws {
        let run = try KNMapRun.run(["pdk", "show", pdk])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("A_VT"))
        #expect(run.stdout.contains("V_CM"))
    }

    @Test func plotWritesAChartWithOneCurvePerLength() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let svg = dir.appendingPathComponent("nfet.svg"), csv = dir.appendingPathComponent("nfet.csv")
        #expect(try KNMapRun.run(["pdk", "plot", "sky130", "--device", "nfet", "--vds", "0.9", "-o", svg.path]).status == 0)
        let text = try String(contentsOf: svg, encoding: .utf8)
        #expect(text.hasPrefix("<svg"))
        let lengths = try JSONSerialization.jsonObject(with: Data(contentsOf: SharedData.repositoryRoot
            .appendingPathComponent("pdk/sky130.gmid.json"))) as! [String: Any]
        let devices = lengths["devices"] as! [[String: Any]]
        let nfetLengths = (devices.first { $0["id"] as? String == "nfet" }!["lengths"] as! [Any]).count
        #expect(text.components(separatedBy: "<polyline").count - 1 == 3 * nfetLengths)
        #expect(try KNMapRun.run(["pdk", "plot", "sky130", "--vds", "0.9", "-o", csv.path]).status == 0)
        #expect(try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").count > 10)
    }

    @Test func unknownProcessIsNamed() throws {
        let run = try KNMapRun.run(["pdk", "show", "tsmc7"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("tsmc7") && run.stderr.contains("sky130"), "\(run.stderr)")
    }
}
