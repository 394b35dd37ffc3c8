import Foundation
import KNModel
import KNTestSupport
import Testing

/// `kn-map mc-netlist`: the ngspice Monte Carlo of a whole transistor-level circuit (foundry mismatch on, sky130)
/// against the fast Monte Carlo, on a one-edge network with five chips (the CI version of the 60-edge, 50-chip
/// check).
@Suite(.serialized) struct NetlistMonteCarloCommandTests {
    /// One node, one ShiftTanh2 edge from it to model ground (a single-input cell), one layer over [0, 0.5], one
    /// input: measuring a two-input twomoon cell's sensitivities takes minutes, this cell's much less.
    static func oneEdgeModel() throws -> (dir: URL, model: String, inputs: String) {
        let dir = try temporaryFolder()
        let layer = Layer(generator: nil, edges: EdgeList(src: [1], des: [0]),
                          parameters: ParameterMatrix(rows: 3, columns: 1, values: [1.2, 0.3, 0.4]))
        let network = Network(family: .shiftTanh2, layers: [layer], anchors: [0, 0.5], block: .plain, fill: .zeros)
        let model = dir.appendingPathComponent("one.knm")
        try ModelFile.write(network, to: model)
        let inputs = dir.appendingPathComponent("inputs.csv")
        try Data("0.8\n".utf8).write(to: inputs)
        return (dir, model.path, inputs.path)
    }

    @Test(.enabled(if: VerifyTransistorCommandTests.ngspice, "ngspice is not installed"))
    func theNetlistSpreadAgreesWithTheFastMonteCarloAndResumes() throws {
        let (dir, model, inputs) = try Self.oneEdgeModel()
        defer { try? FileManager.default.removeItem(at: dir) }
        let chip = dir.appendingPathComponent("chip").path
        // Calibrated cells: the fast Monte Carlo varies the trained network, so the circuit must compute it (on
        // four uncalibrated cells, 10 % NRMSE each, the netlist σ was 0.6 times the calibrated circuit's).
        let mapped = try KNMapRun.run(["map", model, "--pdk", "sky130", "--fidelity-edges", "1", "-o", chip])
        #expect(mapped.status == 0, "\(mapped.stderr)")
        let out = dir.appendingPathComponent("mc")
        let arguments = ["mc-netlist", model, chip, "--inputs", inputs, "--chips", "5", "--fast-chips", "400", "--seed", "3", "--device-samples", "20",
                         "--tolerance", "10", "-o", out.path]
        let run = try KNMapRun.run(arguments)
        print(run.stdout, run.stderr)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("report.json"))) as? [String: Any])
        #expect(report["format"] as? String == "kn-netlist-mc-1")
        let outputs = try #require(report["outputs"] as? [[String: Any]])
        #expect(outputs.count == 1)
        for o in outputs {
            let netlist = try #require(o["netlistSigma"] as? Double), fast = try #require(o["fastSigma"] as? Double)
            let lower = try #require(o["netlistLower"] as? Double), upper = try #require(o["netlistUpper"] as? Double)
            // The mismatch is on in the netlists (their chips differ), and the fast Monte Carlo's σ lies in the
            // 95 % interval of five ngspice chips, widened by the 25 % the 50-chip check allows.
            #expect(netlist > 1e-4, "the ngspice chips do not differ: σ \(netlist)")
            #expect(fast >= 0.75 * lower && fast <= 1.25 * upper, "fast σ \(fast), ngspice σ \(netlist) [\(lower), \(upper)]")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("chips").path).filter { $0.hasSuffix(".json") }.count == 5)
        // Resumed: every chip comes from OUT/chips and the cells from DIR/sensitivities.json (no ngspice run), and the ngspice side of the report is the same.
        let again = try KNMapRun.run(arguments + ["--resume"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.components(separatedBy: "taken from").count - 1 == 5, "\(again.stderr)")
        #expect(again.stderr.contains("read the sensitivities of 1 cell from"), "\(again.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("chip/sensitivities.json").path))
        let rows = { (text: String) in text.split(separator: "\n").filter { $0.hasPrefix("    0 ") }.map { $0.prefix(50) } }
        #expect(rows(again.stdout) == rows(run.stdout) && !rows(run.stdout).isEmpty)
        // A stopped measurement resumes from DIR/sensitivities.parts/: with the cache gone and the cell there as a
        // part (its kind renamed, to tell it from a new measurement), the cell is taken from the part.
        let cacheURL = dir.appendingPathComponent("chip/sensitivities.json")
        var cache = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: cacheURL)) as? [String: Any])
        var cell = try #require((cache["cells"] as? [[String: Any]])?.first)
        cell["kind"] = "tanh2-from-part"
        let parts = dir.appendingPathComponent("chip/sensitivities.parts")
        try FileManager.default.createDirectory(at: parts, withIntermediateDirectories: true)
        let part: [String: Any] = ["run": ["circuitDigest": cache["circuitDigest"]!, "deviceSamples": cache["deviceSamples"]!], "item": cell]
        try JSONSerialization.data(withJSONObject: part).write(to: parts.appendingPathComponent("cell-\(cell["layer"]!)-0.json"))
        try FileManager.default.removeItem(at: cacheURL)
        let parted = try KNMapRun.run(arguments + ["--resume"])
        #expect(parted.status == 0, "\(parted.stderr)")
        cache = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: cacheURL)) as? [String: Any])
        #expect((cache["cells"] as? [[String: Any]])?.first?["kind"] as? String == "tanh2-from-part")
        #expect(!FileManager.default.fileExists(atPath: parts.path), "the parts are removed once the cache is written")
        // A judged tolerance below the spread's agreement fails with exit status 1.
        let strict = try KNMapRun.run(Array(arguments.dropLast(4)) + ["--tolerance", "1e-9", "-o", out.path, "--resume"])
        #expect(strict.status == 1 && strict.stdout.contains("FAIL"), "\(strict.stdout)")
    }
}
