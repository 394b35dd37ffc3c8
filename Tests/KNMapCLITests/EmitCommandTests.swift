import Foundation
import KNTestSupport
import Testing

/// `kn-map emit` and `kn-map flow run`, run as a user runs them, on the shipped example network.
@Suite struct EmitCommandTests {
    /// Writes the example network and a 3-sample inputs file into a fresh folder.
    static func exampleModel() throws -> (dir: URL, model: String, inputs: String) {
        let dir = try temporaryFolder()
        let model = try KNMapRun.importedExample(in: dir)
        let inputs = dir.appendingPathComponent("inputs.csv")
        try Data("0.5,-0.25\n-1.0,0.75\n0.1,0.2\n".utf8).write(to: inputs)
        return (dir, model, inputs.path)
    }

    @Test func helpShowsFormatsLayoutAndExamples() throws {
        let help = try KNMapRun.run(["emit", "--help"])
        #expect(help.status == 0)
        for needle in ["ngspice-osdi", "verilog-a", "xyce", "--sample", "--batch", "sample0.cir", "Examples:", "--alpha", "--vcm"] {
            #expect(help.stdout.contains(needle), "emit --help lacks \(needle)")
        }
        let flow = try KNMapRun.run(["flow", "run", "--help"])
        #expect(flow.stdout.contains("ngspice39-bsource") && flow.stdout.contains("Xyce is not available"))
    }

    @Test func oneSampleOneFileWithTheScalingInHeaderAndOutput() throws {
        let (dir, model, inputs) = try Self.exampleModel()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("s1.cir")
        let run = try KNMapRun.run(["emit", model, "--format", "ngspice", "--inputs", inputs, "--sample", "1",
                                    "--alpha", "0.05", "-o", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("alpha = 0.05 V/unit") && run.stdout.contains("V_CM = 1.0 V") && run.stdout.contains("beta = 1e-07"))
        let text = try String(contentsOf: out, encoding: .utf8)
        #expect(text.contains("* alpha = 0.05 V/unit") && text.contains("* C = 1e-12 F"))
        // Sample 1 is (-1.0, 0.75): V = 1.0 + 0.05·v.
        #expect(text.contains(".ic V(n1)=0.95 V(n2)=1.0375"))
    }

    @Test func allSamplesGoToAFolderOneNetlistEach() throws {
        let (dir, model, inputs) = try Self.exampleModel()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("netlists")
        let run = try KNMapRun.run(["emit", model, "--format", "ngspice-osdi", "--inputs", inputs, "-o", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(files == ["kn_shifttanh2.va", "sample0.cir", "sample1.cir", "sample2.cir"])
        let batch = dir.appendingPathComponent("batch.cir")
        #expect(try KNMapRun.run(["emit", model, "--format", "ngspice", "--inputs", inputs, "--batch", "-o", batch.path]).status == 0)
        #expect(try String(contentsOf: batch, encoding: .utf8).contains("V(s2_n2)="))
    }

    @Test func xyceNetlistSaysItWasNotSimulated() throws {
        let (dir, model, inputs) = try Self.exampleModel()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("x.cir")
        let run = try KNMapRun.run(["emit", model, "--format", "xyce", "--inputs", inputs, "--sample", "0", "-o", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Xyce is not available here"))
        #expect(try String(contentsOf: out, encoding: .utf8).hasPrefix("* kn-toolkit behavioral netlist for Xyce (B-sources) -- NOT SIMULATED"))
        let flow = try KNMapRun.run(["flow", "run", "xyce", out.path])
        #expect(flow.status == 3)
        #expect(flow.stderr.contains("Xyce is not available here"))
    }

    @Test func badSampleIndexAndMissingInputsAreRefused() throws {
        let (dir, model, inputs) = try Self.exampleModel()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("bad.cir").path
        let bad = try KNMapRun.run(["emit", model, "--format", "ngspice", "--inputs", inputs, "--sample", "7", "-o", out])
        #expect(bad.status != 0 && bad.stderr.contains("holds 3 sample(s)"))
        #expect(!FileManager.default.fileExists(atPath: out))
        let none = try KNMapRun.run(["emit", model, "--format", "ngspice", "-o", out])
        #expect(none.status != 0 && none.stderr.contains("--inputs FILE is needed"))
        let scale = try KNMapRun.run(["emit", model, "--format", "ngspice", "--inputs", inputs, "--sample", "0", "--alpha", "-1", "-o", out])
        #expect(scale.status != 0 && scale.stderr.contains("alpha"))
    }

    /// A VACASK netlist from `emit` runs with `flow run vacask`, which compiles the edge module beside it.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").contains {
        FileManager.default.isExecutableFile(atPath: "\($0)/vacask") } == true, "vacask is not installed"))
    func vacaskNetlistRunsInFlowRun() throws {
        let (dir, model, inputs) = try Self.exampleModel()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("v1.sim")
        let emit = try KNMapRun.run(["emit", model, "--format", "vacask", "--inputs", inputs, "--sample", "1", "-o", out.path])
        #expect(emit.status == 0, "\(emit.stderr)")
        #expect(emit.stdout.contains("kn_shifttanh2.va"))
        let run = try KNMapRun.run(["flow", "run", "vacask", out.path, "--timeout", "120"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("rawfile: \(dir.appendingPathComponent("tran_v1.raw").path)"))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/ngspice"), "ngspice is not installed"))
    func flowRunRunsAnEmittedNetlist() throws {
        let (dir, model, inputs) = try Self.exampleModel()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("s0.cir")
        #expect(try KNMapRun.run(["emit", model, "--format", "ngspice", "--inputs", inputs, "--sample", "0", "-o", out.path]).status == 0)
        let run = try KNMapRun.run(["flow", "run", "ngspice39-bsource", out.path, "--timeout", "120"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("rawfile: \(dir.appendingPathComponent("s0.raw").path)"))
    }
}
