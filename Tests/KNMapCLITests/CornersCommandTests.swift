import Foundation
import KNTestSupport
import Testing

/// `kn-map corners`: a mapped cell swept in ngspice on sky130's corner models and at another temperature, its
/// shifts extracted against its own law at the reference, and the network run with them.
@Suite(.serialized) struct CornersCommandTests {
    @Test(.enabled(if: VerifyTransistorCommandTests.ngspice, "ngspice is not installed"))
    func cornersAndTemperatureMoveTheCellAndTheRunResumes() throws {
        let (dir, model, inputs) = try NetlistMonteCarloCommandTests.oneEdgeModel()
        defer { try? FileManager.default.removeItem(at: dir) }
        let chip = dir.appendingPathComponent("chip").path
        let mapped = try KNMapRun.run(["map", model, "--pdk", "sky130", "--fidelity-edges", "0", "-o", chip])
        #expect(mapped.status == 0, "\(mapped.stderr)")
        let out = dir.appendingPathComponent("corners")
        let arguments = ["corners", model, chip, "--corner", "tt", "--corner", "ss", "--temperature", "27", "--temperature", "85",
                         "--inputs", inputs, "-o", out.path]
        let run = try KNMapRun.run(arguments)
        print(run.stdout, run.stderr)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("report.json"))) as? [String: Any])
        #expect(report["format"] as? String == "kn-corners-1")
        let reference = try #require(report["reference"] as? [String: Any])
        #expect(reference["corner"] as? String == "tt" && reference["temperatureCelsius"] as? Double == 27)
        let conditions = try #require(report["conditions"] as? [[String: Any]])
        // tt at 27 °C is the reference, so it is not a condition; the others keep the order asked for.
        let names = conditions.compactMap { c -> String? in
            guard let condition = c["condition"] as? [String: Any], let corner = condition["corner"] as? String,
                  let celsius = condition["temperatureCelsius"] as? Double else { return nil }
            return "\(corner)@\(Int(celsius))"
        }
        #expect(names == ["tt@85", "ss@27", "ss@85"], "\(names)")
        func shift(_ c: Int, _ parameter: String) throws -> Double {
            let shifts = try #require(conditions[c]["shifts"] as? [[String: Any]])
            return try #require(shifts.first { $0["parameter"] as? String == parameter }?["mean"] as? Double)
        }
        // The tanh pair's slope is 1/(n·kT/q): from 300 K to 358 K it falls by 16 %, and the triode loads and
        // degeneration, whose ratio sets the argument, do not undo it.
        let hot = try shift(0, "gain")
        #expect(hot < -0.08 && hot > -0.6, "gain shift at tt 85 °C: \(hot)")
        for c in conditions.indices {
            // This cell still computes its law at every condition asked for, so each has a read-out error.
            #expect((conditions[c]["brokenCells"] as? [String])?.isEmpty == true, "\(names[c])")
            let error = try #require(conditions[c]["meanError"] as? Double)
            #expect(error > 1e-4 && error.isFinite, "\(names[c]): read-out error \(error)")
        }
        // Every condition moves the cell, and a slow corner does not move it like a hotter die.
        #expect(try abs(shift(1, "gain")) > 0.01 || abs(shift(1, "offset")) > 0.01)
        #expect(try shift(1, "gain") != shift(0, "gain"))
        // Resumed: the cell comes from OUT/cells, and the report is the same.
        let again = try KNMapRun.run(arguments + ["--resume"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("taken from the journal"), "\(again.stderr)")
        let rows = { (text: String) in text.split(separator: "\n").filter { $0.contains("°C") || $0.hasPrefix("   ") }.map(String.init) }
        #expect(rows(again.stdout) == rows(run.stdout) && !rows(run.stdout).isEmpty)
        // A Monte Carlo at a measured condition: every chip carries that condition's shift, and the result says so.
        let mc = dir.appendingPathComponent("mc.json").path
        let atSlow = try KNMapRun.run(["mc", model, "--samples", "20", "--inputs", inputs, "--corners", out.appendingPathComponent("report.json").path,
                                       "--condition", "ss", "-o", mc])
        #expect(atSlow.status == 0 && atSlow.stderr.contains("every chip at sky130 ss 27 °C"), "\(atSlow.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: mc))) as? [String: Any])
        let configuration = try #require(result["configuration"] as? [String: Any])
        #expect((configuration["condition"] as? String)?.contains("ss 27 °C") == true, "\(configuration)")
        let missing = try KNMapRun.run(["mc", model, "--samples", "2", "--inputs", inputs, "--corners", out.appendingPathComponent("report.json").path,
                                        "--condition", "ff@27", "-o", mc])
        #expect(missing.status != 0 && missing.stderr.contains("tt@85, ss@27, ss@85"), "\(missing.stderr)")
        // Retraining at the condition needs sampled chips: the linearised chip loss cannot see a fixed shift.
        let reportPath = out.appendingPathComponent("report.json").path, retrained = dir.appendingPathComponent("r.knm").path
        let linearised = try KNMapRun.run(["retrain", model, "--inputs", inputs, "--corners", reportPath, "--condition", "ss", "-o", retrained])
        #expect(linearised.status != 0 && linearised.stderr.contains("--sampled"), "\(linearised.stderr)")
        let sampled = try KNMapRun.run(["retrain", model, "--inputs", inputs, "--corners", reportPath, "--condition", "ss", "--sampled",
                                        "--iterations", "5", "--eval-chips", "0", "-o", retrained])
        #expect(sampled.status == 0, "\(sampled.stderr)")
        // Only the reference asked for, or a corner the process does not have: refused, naming the fix.
        let none = try KNMapRun.run(["corners", model, chip, "--corner", "tt", "--inputs", inputs, "-o", out.path])
        #expect(none.status != 0 && none.stderr.contains("reference"), "\(none.stderr)")
        let unknown = try KNMapRun.run(["corners", model, chip, "--corner", "xx", "--inputs", inputs, "-o", out.path])
        #expect(unknown.status != 0 && unknown.stderr.contains("xx") && unknown.stderr.contains("ff"), "\(unknown.stderr)")
    }
}
