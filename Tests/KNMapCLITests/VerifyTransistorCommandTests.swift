import Foundation
import KNModel
import KNTestSupport
import Testing

/// `kn-map verify --flow ngspice-transistor` on a four-edge network, against real ngspice and the sky130 models.
@Suite(.serialized) struct VerifyTransistorCommandTests {
    static var ngspice: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/ngspice") }

    /// Two nodes, four ShiftTanh2 edges (one to model ground), one layer over [0, 0.5].
    static func tinyModel() throws -> (dir: URL, model: String, inputs: String) {
        let dir = try temporaryFolder()
        let layer = Layer(generator: nil, edges: EdgeList(src: [1, 2, 0, 1], des: [2, 1, 1, 0]),
                          parameters: ParameterMatrix(rows: 3, columns: 4, values: [0.9, -0.6, 0, 0.4,
                                                                                     0.3, 0.8, 0.7, 0,
                                                                                     0.2, -0.1, 0.5, 0.3]))
        let network = Network(family: .shiftTanh2, layers: [layer], anchors: [0, 0.5], block: .plain, fill: .zeros)
        let model = dir.appendingPathComponent("tiny.knm")
        try ModelFile.write(network, to: model)
        let inputs = dir.appendingPathComponent("inputs.csv")
        try Data("0.8,-0.5\n".utf8).write(to: inputs)
        return (dir, model.path, inputs.path)
    }

    @Test func theFlowIsListedAndNeedsAProcessOrACircuit() throws {
        let help = try KNMapRun.run(["verify", "--help"])
        #expect(help.stdout.contains("ngspice-transistor") && help.stdout.contains("--circuit") && help.stdout.contains("--pdk"))
        let flow = try KNMapRun.run(["flow", "run", "--help"])
        #expect(flow.stdout.contains("ngspice-transistor"))
        let (dir, model, inputs) = try Self.tinyModel()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bare = try KNMapRun.run(["verify", model, "--flow", "ngspice-transistor", "--inputs", inputs])
        #expect(bare.status == 64)
        #expect(bare.stderr.contains("--pdk NAME") && bare.stderr.contains("--circuit FILE"))
        let misplaced = try KNMapRun.run(["verify", model, "--flow", "ngspice39-bsource", "--pdk", "sky130", "--inputs", inputs])
        #expect(misplaced.status == 64)
    }

    /// A circuit mapped from another model is refused with the place and the fix.
    @Test func aCircuitOfAnotherModelIsRefused() throws {
        let (dir, model, inputs) = try Self.tinyModel()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (exampleDir, example, _) = try EmitCommandTests.exampleModel()
        defer { try? FileManager.default.removeItem(at: exampleDir) }
        let mapped = try KNMapRun.run(["map", example, "--pdk", "sky130", "--fidelity-edges", "0", "-o", exampleDir.appendingPathComponent("m").path])
        #expect(mapped.status == 0, "\(mapped.stderr)")
        let run = try KNMapRun.run(["verify", model, "--flow", "ngspice-transistor", "--inputs", inputs,
                                    "--circuit", exampleDir.appendingPathComponent("m/circuit.json").path])
        #expect(run.status != 0)
        #expect(run.stderr.contains("circuit.layers") && run.stderr.contains("kn-map map"), "\(run.stderr)")
    }

    /// Maps the model (every cell calibrated), runs the netlist, prints the table; the exit status follows
    /// the tolerance; --keep leaves the netlist, log and rawfile.
    @Test(.enabled(if: ngspice, "ngspice is not installed"))
    func mapsSimulatesAndJudgesByTheTolerance() throws {
        let (dir, model, inputs) = try Self.tinyModel()
        defer { try? FileManager.default.removeItem(at: dir) }
        let keep = dir.appendingPathComponent("run")
        let loose = try KNMapRun.run(["verify", model, "--flow", "ngspice-transistor", "--pdk", "sky130", "--inputs", inputs,
                                      "--tolerance", "1e6", "--keep", keep.path])
        #expect(loose.status == 0, "\(loose.stdout)\n\(loose.stderr)")
        for needle in ["flow ngspice-transistor: sky130 tt", "every one of 4 cells calibrated", "alpha = ", "tau = C*alpha/beta",
                       "anchor 1 rms / max", "PASS: worst rms"] {
            #expect(loose.stdout.contains(needle), "verify output lacks \(needle):\n\(loose.stdout)")
        }
        for file in ["transistor-0.cir", "transistor-0.raw", "transistor-0.cir.log", "circuit.json"] {
            #expect(FileManager.default.fileExists(atPath: keep.appendingPathComponent(file).path), "--keep lacks \(file)")
        }
        // The kept netlist runs again through `kn-map flow run ngspice-transistor`.
        let again = try KNMapRun.run(["flow", "run", "ngspice-transistor", keep.appendingPathComponent("transistor-0.cir").path])
        #expect(again.status == 0, "\(again.stderr)")
        // The kept circuit is used as it is (no mapping), and a tolerance below the difference fails.
        let strict = try KNMapRun.run(["verify", model, "--flow", "ngspice-transistor", "--circuit", keep.appendingPathComponent("circuit.json").path,
                                       "--inputs", inputs, "--tolerance", "1e-12", "--details"])
        #expect(strict.status == 1, "\(strict.stdout)\n\(strict.stderr)")
        #expect(strict.stdout.contains("FAIL: worst rms") && !strict.stdout.contains("calibrated"))
        // --details lists every node's circuit and model value; their RMS at the last anchor is the table's.
        let values = strict.stdout.split(separator: "\n").drop { !$0.hasPrefix("node values") }.dropFirst()
            .prefix { $0.hasPrefix("  ") }.map { $0.split(separator: " ").compactMap { Double($0) } }
        let last = values.filter { $0.count >= 5 && $0[1] == 1 }
        try #require(!last.isEmpty, "\(strict.stdout)")
        let rms = (last.map { ($0[3] - $0[4]) * ($0[3] - $0[4]) }.reduce(0, +) / Double(last.count)).squareRoot()
        #expect(strict.stdout.contains(String(format: "%10.3e", rms)), "rms \(rms) of the listed values is not in the table:\n\(strict.stdout)")
        // The same numbers as the first run: the circuit and the simulation are deterministic.
        let rows = { (text: String) in text.split(separator: "\n").filter { $0.hasPrefix("     0 ") }.map { $0.split(separator: " ").dropFirst(2).joined(separator: " ") } }
        #expect(rows(strict.stdout) == rows(loose.stdout) && !rows(loose.stdout).isEmpty)
        // --start settle writes a settle phase (the 4-cell flow test bounds what it changes); a phase of no length is refused.
        let circuit = keep.appendingPathComponent("circuit.json").path
        let keepSettle = dir.appendingPathComponent("settle")
        let settled = try KNMapRun.run(["verify", model, "--flow", "ngspice-transistor", "--circuit", circuit, "--inputs", inputs,
                                        "--tolerance", "1e6", "--start", "settle", "--keep", keepSettle.path])
        #expect(settled.status == 0, "\(settled.stdout)\n\(settled.stderr)")
        let netlist = try String(contentsOf: keepSettle.appendingPathComponent("transistor-0.cir"), encoding: .utf8)
        #expect(netlist.contains("\nBpull0 ") && netlist.contains("\nBhold1 n1 0 I=") && netlist.contains("* settle phase: [0, "))
        let none = try KNMapRun.run(["verify", model, "--flow", "ngspice-transistor", "--circuit", circuit, "--inputs", inputs, "--settle", "0"])
        #expect(none.status == 64 && none.stderr.contains("--settle must be a positive number"), "\(none.stderr)")
        // --target compares the same circuit with another network's outputs; one of other anchors is refused.
        var other = try ModelFile.read(from: URL(fileURLWithPath: model))
        other.layers[0].parameters.values[0] += 0.3
        let target = dir.appendingPathComponent("target.knm")
        try ModelFile.write(other, to: target)
        let retargeted = try KNMapRun.run(["verify", model, "--flow", "ngspice-transistor", "--circuit", circuit, "--inputs", inputs,
                                           "--tolerance", "1e6", "--target", target.path])
        #expect(retargeted.status == 0, "\(retargeted.stdout)\n\(retargeted.stderr)")
        #expect(rows(retargeted.stdout) != rows(loose.stdout) && !rows(retargeted.stdout).isEmpty)
        #expect(retargeted.stdout.contains("at the outputs (against --target; the states between anchors are not judged)"), "\(retargeted.stdout)")
        #expect(loose.stdout.contains("at the outputs (anchor 1): rms median ") && loose.stdout.contains("1 of 1 samples within 1.000e+06"))
        other.anchors = [0, 0.7]
        try ModelFile.write(other, to: target)
        let mismatched = try KNMapRun.run(["verify", model, "--flow", "ngspice-transistor", "--circuit", circuit, "--inputs", inputs,
                                           "--target", target.path])
        #expect(mismatched.status != 0 && mismatched.stderr.contains("target: has anchors [0.0, 0.7]"), "\(mismatched.stderr)")
    }
}
