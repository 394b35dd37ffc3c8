import Foundation
import KNTestSupport
import Testing

/// `kn-map map --characterize-edges` and `kn-map simulate --edges characterized` as a user runs them, on twomoon,
/// sky130 and ngspice with the foundry models.
@Suite("Characterized edges through the command line", .serialized)
struct CharacterizeCommandTests {
    @Test func mapCharacterizesAndSimulateRunsTheCharacterizedNetwork() throws {
        guard let files = SharedData.upstream("twomoon"), let ref = try SharedData.reference("twomoon") else {
            print(SharedData.missingReason); return
        }
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("twomoon.knm").path
        #expect(try KNMapRun.run(["import", files.checkpoint.path, files.config.path, "-o", model]).status == 0)
        let out = dir.appendingPathComponent("chip")
        let map = try KNMapRun.run(["map", model, "--pdk", "sky130", "--fidelity-edges", "4", "--characterize-edges", "4",
                                    "--seed", "3", "-o", out.path])
        #expect(map.status == 0, "\(map.stderr)")
        #expect(map.stdout.contains("characterized edges: 4"), "\(map.stdout)")
        let file = out.appendingPathComponent("characterized.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
        #expect(json["format"] as? String == "kn-characterized-edges-1")
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("report.json"))) as! [String: Any]
        #expect(report["characterization"] != nil)

        let inputs = dir.appendingPathComponent("inputs.json")
        try JSONSerialization.data(withJSONObject: ["inputs": ref["inputs"]!]).write(to: inputs)
        var outputs: [String: [[[Double]]]] = [:]
        for edges in ["ideal", "characterized"] {
            let result = dir.appendingPathComponent("\(edges).json").path
            var args = ["simulate", model, "--inputs", inputs.path, "--edges", edges, "-o", result]
            if edges == "characterized" { args += ["--characterized", file.path] }
            let run = try KNMapRun.run(args)
            #expect(run.status == 0, "\(run.stderr)")
            let got = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: result))) as! [String: Any]
            outputs[edges] = got["outputs"] as? [[[Double]]]
        }
        let ideal = try #require(outputs["ideal"]), chip = try #require(outputs["characterized"])
        #expect(ideal.count == 16 && chip.count == 16)
        var change = 0.0
        for s in 0..<16 { for n in ideal[s].last!.indices { change = max(change, abs(ideal[s].last![n] - chip[s].last![n])) } }
        #expect(change > 0 && change < 0.1, "largest change \(change)")

        // The same circuit characterized again from its folder, two cells at 12 points: the same edges, the same law
        // family, and the file ties to the model.
        let again = dir.appendingPathComponent("again.json")
        let characterize = try KNMapRun.run(["characterize", model, out.path, "--edges", "2", "--points", "12", "--seed", "3",
                                             "-o", again.path])
        #expect(characterize.status == 0, "\(characterize.stderr)")
        #expect(characterize.stdout.contains("2 cells measured and fitted"), "\(characterize.stdout)")
        let second = try JSONSerialization.jsonObject(with: Data(contentsOf: again)) as! [String: Any]
        #expect(second["networkDigest"] as? String == json["networkDigest"] as? String)
        let listed = (second["layers"] as! [[String: Any]]).flatMap { $0["edges"] as! [[String: Any]] }
        #expect(listed.count == 2 && listed.allSatisfy { $0["status"] as? String == "fitted" && $0["points"] as? Int == 12 })

        // Misuse is refused with the fix: no file, and a file of another network.
        let missing = try KNMapRun.run(["simulate", model, "--inputs", inputs.path, "--edges", "characterized"])
        #expect(missing.status != 0 && missing.stderr.contains("--characterized"), "\(missing.stderr)")
        let example = try KNMapRun.importedExample(in: dir)
        let wrong = try KNMapRun.run(["simulate", example, "--samples", "2", "--edges", "characterized", "--characterized", file.path])
        #expect(wrong.status != 0 && wrong.stderr.contains(file.path) && wrong.stderr.contains("do not belong"), "\(wrong.stderr)")
    }
}
