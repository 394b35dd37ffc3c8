import Foundation
import KNTestSupport
import Testing

/// `kn-map verify` on the shipped example network, against real ngspice.
@Suite struct VerifyCommandTests {
    static var ngspice: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/ngspice") }

    @Test(.enabled(if: ngspice, "ngspice is not installed"))
    func verifyPassesWithinToleranceAndPrintsTheTable() throws {
        let (dir, model, inputs) = try EmitCommandTests.exampleModel()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try KNMapRun.run(["verify", model, "--flow", "ngspice39-bsource", "--inputs", inputs, "--keep", dir.appendingPathComponent("run").path])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        for needle in ["alpha = 0.03 V/unit", "V_CM = 1.0 V", "tau = C*alpha/beta = 3e-07 s", "anchor 2", "PASS"] {
            #expect(run.stdout.contains(needle), "verify output lacks \(needle):\n\(run.stdout)")
        }
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("run/verify-2.raw").path))
    }

    @Test(.enabled(if: ngspice, "ngspice is not installed"))
    func differencesBeyondTheToleranceExitNonZero() throws {
        let (dir, model, inputs) = try EmitCommandTests.exampleModel()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try KNMapRun.run(["verify", model, "--flow", "ngspice39-bsource", "--inputs", inputs, "--tolerance", "1e-15"])
        #expect(run.status == 1)
        #expect(run.stdout.contains("FAIL"))
    }

    @Test func xyceFlowIsNotAvailable() throws {
        let (dir, model, inputs) = try EmitCommandTests.exampleModel()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try KNMapRun.run(["verify", model, "--flow", "xyce", "--inputs", inputs])
        #expect(run.status == 3)
        #expect(run.stderr.contains("Xyce is not available here"))
    }
}
