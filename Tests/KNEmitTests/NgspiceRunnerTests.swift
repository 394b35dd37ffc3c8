import Foundation
import Testing
@testable import KNEmit

/// The runner's failures: each names the netlist and carries the end of the log.
@Suite struct NgspiceRunnerTests {
    func netlist(_ name: String, _ body: String) throws -> URL {
        let url = try Fixtures.temporaryFolder(name).appendingPathComponent("\(name).cir")
        try Data(body.utf8).write(to: url)
        return url
    }

    @Test func missingBinaryIsNamed() throws {
        let url = try netlist("missing", "* x\n.end\n")
        #expect {
            _ = try NgspiceRunner(executable: URL(fileURLWithPath: "/nonexistent/ngspice")).run(url)
        } throws: { error in
            guard case let .simulatorMissing(name, _, fix) = error as? FlowError else { return false }
            return name == "/nonexistent/ngspice" && fix.contains("apt-get install ngspice")
        }
    }

    @Test func finiteTimeBlowUpIsNonConvergence() throws {
        // dv/dt = v², v(0) = 1 has no solution past t = 1.
        let url = try netlist("blowup", """
        * blow-up
        C1 n1 0 1
        B1 0 n1 I=V(n1)*V(n1)
        .ic V(n1)=1
        .control
        tran 1m 2 0 1m
        write blowup.raw
        quit 0
        .endc
        .end

        """)
        #expect {
            _ = try Fixtures.ngspice.run(url)
        } throws: { error in
            guard case let .nonConvergence(path, tail) = error as? FlowError else { return false }
            return path == url.path && tail.contains { $0.lowercased().contains("timestep too small") }
        }
    }

    /// A singular-matrix warning during the operating point, after which ngspice goes on (measured in a sky130
    /// mismatch draw: the warning, then a complete transient), is no failure; a singular matrix that ends the run is.
    @Test func aSingularMatrixWarningIsNoFailure() {
        let recovered = "warning: singular matrix:  check node m.xs0_50_0.xn.msky130_fd_pr__nfet_01v8#dbody\nno. of data rows : 113\nngspice-46 done\n"
        #expect(!NgspiceRunner.reportsNonConvergence(recovered))
        #expect(NgspiceRunner.reportsNonConvergence("singular matrix\ndoanalyses: transient op failed\n"))
        #expect(NgspiceRunner.reportsNonConvergence("error: singular matrix:  check node n1\n"))
        #expect(NgspiceRunner.reportsNonConvergence(recovered + "gmin stepping failed\n"))
    }

    @Test func nonZeroExitIsACrashWithTheStatus() throws {
        let url = try netlist("exit3", "* exit\nR1 a 0 1\nV1 a 0 1\n.control\nop\nquit 3\n.endc\n.end\n")
        #expect {
            _ = try Fixtures.ngspice.run(url)
        } throws: { error in
            guard case let .crashed(path, status, signal, _) = error as? FlowError else { return false }
            return path == url.path && status == 3 && !signal
        }
    }

    @Test func longRunIsStoppedAtTheTimeout() throws {
        let url = try netlist("slow", """
        * a transient with far too many steps
        R1 a b 1k
        C1 b 0 1n
        V1 a 0 SIN(0 1 1k)
        .control
        tran 1e-12 10 0 1e-12
        quit 0
        .endc
        .end

        """)
        let start = Date()
        var runner = Fixtures.ngspice
        runner.timeout = 2
        #expect {
            _ = try runner.run(url)
        } throws: { error in
            guard case let .timeout(path, seconds, _) = error as? FlowError else { return false }
            return path == url.path && seconds == 2
        }
        #expect(Date().timeIntervalSince(start) < 15)
    }

    @Test func writesSpiceinitWithOneThread() throws {
        let url = try netlist("init", "* op\nR1 a 0 1\nV1 a 0 1\n.control\nop\nquit 0\n.endc\n.end\n")
        let run = try Fixtures.ngspice.run(url)
        let spiceinit = try String(contentsOf: url.deletingLastPathComponent().appendingPathComponent(".spiceinit"), encoding: .utf8)
        #expect(spiceinit == "set num_threads=1\n")
        #expect(run.logText.contains("ngspice"))
        #expect(FileManager.default.fileExists(atPath: run.log.path))
    }
}
