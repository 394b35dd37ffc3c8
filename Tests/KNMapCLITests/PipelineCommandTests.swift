import Foundation
import KNTestSupport
import Testing

/// The user-facing commands, run as a user runs them.
struct PipelineCommandTests {
    @Test func exampleImportInspectSimulateRunEndToEnd() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try KNMapRun.importedExample(in: dir)
        let inspect = try KNMapRun.run(["inspect", model, "--tau", "1e-7"])
        #expect(inspect.status == 0)
        #expect(inspect.stdout.contains("60 edges"))
        #expect(inspect.stdout.contains("forward pass 1e-07 s"))
        let out = dir.appendingPathComponent("out.json").path
        let sim = try KNMapRun.run(["simulate", model, "--samples", "4", "--seed", "3", "-o", out])
        #expect(sim.status == 0, "\(sim.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as! [String: Any]
        let outputs = json["outputs"] as! [[[Double]]]
        #expect(outputs.count == 4 && outputs[0].count == 3 && outputs[0][0].count == 2)
    }

    /// `kn-map simulate --method exact` on the real twomoon checkpoint reproduces the shared reference
    /// (outputs and log-density, both directions) within 1e-6 at every anchor.
    @Test(arguments: ["twomoon", "2spirals"])
    func simulateCommandMatchesReference(experiment: String) throws {
        guard let files = SharedData.upstream(experiment), let ref = try SharedData.reference(experiment) else {
            print(SharedData.missingReason); return
        }
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("net.knm").path
        #expect(try KNMapRun.run(["import", files.checkpoint.path, files.config.path, "-o", model]).status == 0)
        let inputs = dir.appendingPathComponent("inputs.json")
        try JSONSerialization.data(withJSONObject: ["inputs": ref["inputs"]!]).write(to: inputs)
        for (flag, key) in [("", "forward"), ("--reverse", "reverse")] {
            let out = dir.appendingPathComponent("\(key).json").path
            let args = ["simulate", model, "--inputs", inputs.path, "--method", "exact", "-o", out] + (flag.isEmpty ? [] : [flag])
            let run = try KNMapRun.run(args)
            #expect(run.status == 0, "\(run.stderr)")
            let got = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as! [String: Any]
            let states = got["outputs"] as! [[[Double]]], logp = got["logp"] as! [[Double]]
            let wantStates = ref["outputs_\(key)"] as! [[[Double]]], wantLogp = ref["logp_diff_\(key)"] as! [[Double]]
            var worst = 0.0
            for s in wantStates.indices {
                for k in wantStates[s].indices {
                    for n in wantStates[s][k].indices { worst = max(worst, abs(states[s][k][n] - wantStates[s][k][n])) }
                    worst = max(worst, abs(logp[s][k] - wantLogp[s][k]))
                }
            }
            #expect(worst < 1e-6, "\(experiment) \(key): worst difference \(worst)")
        }
    }
}

/// `kn-map subnet` cuts edges out of a model file as a user runs it.
struct SubnetCommandTests {
    /// Every 7th edge of the example's layer 1 becomes a one-layer model that simulates; asking for more edges
    /// than the layer has, or for no layer, fails naming the model and the fix, and writes nothing.
    @Test func cutsEdgesAndRefusesImpossiblePicks() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try KNMapRun.importedExample(in: dir)
        let sub = dir.appendingPathComponent("sub.knm").path
        let cut = try KNMapRun.run(["subnet", model, "--layer", "1", "--first", "8", "--stride", "7", "-o", sub])
        #expect(cut.status == 0, "\(cut.stderr)")
        #expect(cut.stdout.contains("8 edges of layer 1"))
        let inspect = try KNMapRun.run(["inspect", sub])
        #expect(inspect.stdout.contains("8 edges"), "\(inspect.stdout)")
        let out = dir.appendingPathComponent("out.csv").path
        let sim = try KNMapRun.run(["simulate", sub, "--samples", "2", "--seed", "1", "-o", out])
        #expect(sim.status == 0, "\(sim.stderr)")

        let tooMany = dir.appendingPathComponent("too-many.knm").path
        let refused = try KNMapRun.run(["subnet", model, "--layer", "1", "--first", "10", "--stride", "7", "-o", tooMany])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains(model) && refused.stderr.contains("lower --first or --stride"), "\(refused.stderr)")
        let noLayer = try KNMapRun.run(["subnet", model, "--layer", "5", "--edge", "0", "-o", tooMany])
        #expect(noLayer.status != 0)
        #expect(noLayer.stderr.contains("layer 5") && noLayer.stderr.contains("pick one of them"), "\(noLayer.stderr)")
        let noLayerFirst = try KNMapRun.run(["subnet", model, "--layer", "5", "--first", "3", "-o", tooMany])
        #expect(noLayerFirst.status != 0)
        #expect(noLayerFirst.stderr.contains("layer 5") && noLayerFirst.stderr.contains("pick one of them"), "\(noLayerFirst.stderr)")
        #expect(!FileManager.default.fileExists(atPath: tooMany))
    }
}
