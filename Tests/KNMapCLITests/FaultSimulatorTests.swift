import Foundation
import KNEmit
import KNTestSupport
import Testing

/// Simulator faults, with the real ngspice (and, for a crash, a real process that kills itself): each is reported
/// with the failing netlist's path, the last lines of the simulator's log and a suggested fix, and a stuck
/// simulator is stopped at the runner's timeout.
@Suite struct FaultSimulatorTests {
    /// A netlist in a fresh folder.
    func netlist(_ name: String, _ body: String) throws -> URL {
        let url = try temporaryFolder().appendingPathComponent("\(name).cir")
        try Data(body.utf8).write(to: url)
        return url
    }

    /// The error `body` throws, as a `FlowError`.
    func flowError(_ body: () throws -> Void) -> FlowError? {
        do {
            try body()
            Issue.record("the run succeeded")
        } catch let error as FlowError {
            return error
        } catch {
            Issue.record("unexpected error \(type(of: error)): \(error)")
        }
        return nil
    }

    static let ngspiceInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/ngspice")

    @Test func aMissingSimulatorBinaryIsNamedWithTheInstallCommand() throws {
        let url = try netlist("missing", "* nothing\nR1 a 0 1\n.end\n")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let error = flowError { _ = try NgspiceRunner(executable: URL(fileURLWithPath: "/opt/nowhere/ngspice")).run(url) }
        #expect(error?.description ==
            "/opt/nowhere/ngspice not found (searched /opt/nowhere/ngspice); the file does not exist or is not executable; install ngspice (`apt-get install ngspice`) or pass the right path")
        #expect(!FileManager.default.fileExists(atPath: url.path + ".log"), "nothing ran, so no log")
    }

    @Test(.enabled(if: ngspiceInstalled, "ngspice is not installed (flows/install-deps.sh installs it)"))
    func anOperatingPointWithoutSolutionIsNonConvergenceWithTheLogTail() throws {
        // A 1 mA source into a node that an exponential sink pulls the wrong way: no operating point exists, and
        // ngspice goes through gmin and source stepping before giving up.
        let url = try netlist("noconv", """
        * no operating point
        I1 0 n1 1m
        B1 n1 0 I=-exp(40*V(n1))*1e-3
        R1 n1 n2 1
        C1 n2 0 1p
        .control
        op
        write noconv.raw
        quit 0
        .endc
        .end

        """)
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let error = try #require(flowError { _ = try NgspiceRunner(timeout: 60).run(url) })
        guard case let .nonConvergence(path, tail) = error else { Issue.record("got \(error)"); return }
        #expect(path == url.path)
        #expect(tail.contains("op simulation(s) aborted"), "\(tail)")
        let text = error.description
        #expect(text.hasPrefix("\(url.path): the simulation did not converge; loosen reltol or the maximum step, or check the parameters for huge gains\nlast log lines:\n"))
        #expect(text.hasSuffix(tail.map { "  " + $0 }.joined(separator: "\n")), "\(text)")
    }

    @Test(.enabled(if: ngspiceInstalled, "ngspice is not installed (flows/install-deps.sh installs it)"))
    func aControlLoopThatNeverEndsIsStoppedAtTheTimeout() throws {
        let url = try netlist("forever-\(UUID().uuidString.prefix(8))", """
        * a .control loop that never ends
        R1 a 0 1
        V1 a 0 1
        .control
        echo looping for ever
        let i = 0
        while i >= 0
        let i = i + 1
        end
        quit 0
        .endc
        .end

        """)
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let start = Date()
        let error = try #require(flowError { _ = try NgspiceRunner(timeout: 2).run(url) })
        let elapsed = Date().timeIntervalSince(start)
        guard case let .timeout(path, seconds, tail) = error else { Issue.record("got \(error)"); return }
        #expect(path == url.path && seconds == 2)
        #expect(elapsed >= 2 && elapsed < 10, "stopped after \(elapsed) s")
        #expect(tail.contains("looping for ever"), "\(tail)")
        #expect(error.description.hasPrefix("\(url.path): the simulation did not finish within 2.0 s and was stopped; raise the timeout or shorten the run\nlast log lines:\n"))
        // The simulator is gone, not left running in the background.
        #expect(Self.processes(mentioning: url.lastPathComponent).isEmpty)
    }

    @Test func aSimulatorThatKillsItselfIsACrashWithTheSignal() throws {
        let url = try netlist("crash", "* crash\nR1 a 0 1\n.end\n")
        let dir = url.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fake = dir.appendingPathComponent("fake-ngspice")
        try Data("#!/bin/sh\necho \"reading $2\"\necho \"about to crash\" >&2\nkill -SEGV $$\n".utf8).write(to: fake)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
        let error = try #require(flowError { _ = try NgspiceRunner(executable: fake, timeout: 30).run(url) })
        guard case let .crashed(path, status, signal, tail) = error else { Issue.record("got \(error)"); return }
        #expect(path == url.path && status == SIGSEGV && signal)
        #expect(tail == ["reading crash.cir", "about to crash"])
        #expect(error.description == """
            \(url.path): the simulator was killed by signal 11; it crashed or was killed; check that it runs (`ngspice -v`) and that the machine has memory to spare, then run the netlist by hand (`ngspice -b \(url.path)`)
            last log lines:
              reading crash.cir
              about to crash
            """)
    }

    @Test func aSimulatorThatExitsWithAnErrorIsReportedWithItsStatusAndLog() throws {
        let url = try netlist("fails", "* fails\nR1 a 0 1\n.end\n")
        let dir = url.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fake = dir.appendingPathComponent("fake-ngspice")
        try Data("#!/bin/sh\necho \"line 1: unknown device\" >&2\nexit 7\n".utf8).write(to: fake)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
        let error = try #require(flowError { _ = try NgspiceRunner(executable: fake, timeout: 30).run(url) })
        #expect(error.description == """
            \(url.path): the simulator exited with status 7; read the log (\(url.path).log) for the first error ngspice reports and fix the netlist or its includes
            last log lines:
              line 1: unknown device
            """)
    }

    @Test func aSimulatorThatCannotBeStartedSaysSo() throws {
        let url = try netlist("noexec", "* x\nR1 a 0 1\n.end\n")
        let dir = url.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A folder: executable bits, but nothing the kernel can start.
        let folder = dir.appendingPathComponent("ngspice-folder")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let error = try #require(flowError { _ = try NgspiceRunner(executable: folder, timeout: 30).run(url) })
        guard case let .crashed(path, status, signal, _) = error else { Issue.record("got \(error)"); return }
        #expect(path == url.path && status == -1 && !signal)
        #expect(error.description.hasPrefix("\(url.path): the simulator could not be started; check that the path is an executable ngspice\nlast log lines:\n"), "\(error.description)")
        #expect(error.description.contains("Permission denied"), "the log says why: \(error.description)")
    }

    /// Processes whose command line mentions `text` (from /proc).
    static func processes(mentioning text: String) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ").contains(text)
        }
    }
}
