import Foundation
import KNTestSupport
import Testing

/// `kn-map map` end to end on the shipped example network, without the ngspice fidelity run.
struct MapCommandTests {
    @Test(arguments: ["sky130", "gf180mcu"])
    func mapWritesCircuitAndReportForTheExample(pdk: String) throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try KNMapRun.importedExample(in: dir, name: "ex.knm")
        let out = dir.appendingPathComponent("mapped")
        let run = try KNMapRun.run(["map", model, "--pdk", pdk, "--fidelity-edges", "0", "-o", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        for name in ["circuit.json", "report.json", "report.txt"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
        }
        let circuit = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("circuit.json"))) as! [String: Any]
        #expect(circuit["format"] as? String == "kn-mapped-circuit-2")
        #expect(run.stdout.contains("τ") || run.stdout.contains("tau"), "\(run.stdout)")
    }

    @Test func unknownProcessIsRefused() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try KNMapRun.importedExample(in: dir, name: "ex.knm")
        let run = try KNMapRun.run(["map", model, "--pdk", "tsmc7", "-o", dir.appendingPathComponent("m").path])
        #expect(run.status != 0)
        #expect(run.stderr.contains("tsmc7"), "\(run.stderr)")
    }
}
