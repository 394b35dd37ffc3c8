import Foundation
import KNModel

/// Why a simulator run failed. Every case names the netlist and carries the last lines of the log.
public enum FlowError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The simulator binary was not found.
    case simulatorMissing(name: String, searched: [String], fix: String)
    /// The run took longer than the timeout and was stopped.
    case timeout(netlist: String, seconds: Double, logTail: [String])
    /// The simulator reported that the analysis did not converge.
    case nonConvergence(netlist: String, logTail: [String])
    /// The simulator exited with an error status or a signal.
    case crashed(netlist: String, status: Int32, signal: Bool, logTail: [String])
    /// The run finished but left no usable results.
    case noResults(netlist: String, problem: String, logTail: [String])

    public var description: String {
        func tail(_ t: [String]) -> String { t.isEmpty ? "" : "\nlast log lines:\n" + t.map { "  " + $0 }.joined(separator: "\n") }
        switch self {
        case let .simulatorMissing(name, searched, fix):
            return "\(name) not found" + (searched.isEmpty ? "" : " (searched \(searched.joined(separator: ", ")))") + "; \(fix)"
        case let .timeout(netlist, seconds, t):
            return "\(netlist): the simulation did not finish within \(seconds) s and was stopped; raise the timeout or shorten the run" + tail(t)
        case let .nonConvergence(netlist, t):
            return "\(netlist): the simulation did not converge; loosen reltol or the maximum step, or check the parameters for huge gains" + tail(t)
        case let .crashed(netlist, status, signal, t):
            let what: String, fix: String
            if signal {
                what = "was killed by signal \(status)"
                fix = "it crashed or was killed; check that it runs (`ngspice -v`) and that the machine has memory to spare, then run the netlist by hand (`ngspice -b \(netlist)`)"
            } else if status < 0 {
                what = "could not be started"
                fix = "check that the path is an executable ngspice"
            } else {
                what = "exited with status \(status)"
                fix = "read the log (\(netlist).log) for the first error ngspice reports and fix the netlist or its includes"
            }
            return "\(netlist): the simulator \(what); \(fix)" + tail(t)
        case let .noResults(netlist, problem, t):
            return "\(netlist): \(problem); read the log (\(netlist).log) for the first error and fix the netlist" + tail(t)
        }
    }
}

/// One finished simulator run.
public struct SimulatorRun: Sendable {
    /// The netlist that ran.
    public let netlist: URL
    /// The log file (standard output and standard error).
    public let log: URL
    /// Wall-clock seconds.
    public let seconds: Double
    /// The whole log text.
    public let logText: String
}

/// Runs ngspice in batch mode on a netlist whose `.control` block writes a rawfile and ends with `quit 0`.
///
/// The run happens in the netlist's folder: a `.spiceinit` with `set num_threads=1` is written there first
/// (ngspice reads it from the working directory), the log goes to `<netlist>.log`, and the process is stopped
/// after `timeout` seconds.
public struct NgspiceRunner: Sendable {
    /// The ngspice binary; `nil` searches `PATH` for `ngspice`.
    public var executable: URL?
    /// Seconds before the run is stopped.
    public var timeout: Double
    /// Lines of `.spiceinit` (ngspice commands).
    public var spiceinit: [String]

    public init(executable: URL? = nil, timeout: Double = 600, spiceinit: [String] = ["set num_threads=1"]) {
        self.executable = executable
        self.timeout = timeout
        self.spiceinit = spiceinit
    }

    /// Finds the binary: `executable`, or `ngspice` on `PATH`.
    public func resolveExecutable() throws(FlowError) -> URL {
        if let executable {
            guard FileManager.default.isExecutableFile(atPath: executable.path) else {
                throw .simulatorMissing(name: executable.path, searched: [executable.path],
                                        fix: "the file does not exist or is not executable; install ngspice (`apt-get install ngspice`) or pass the right path")
            }
            return executable
        }
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        for d in dirs {
            let candidate = URL(fileURLWithPath: d).appendingPathComponent("ngspice")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw .simulatorMissing(name: "ngspice", searched: dirs,
                                fix: "install it with `apt-get install ngspice` (ngspice 39 runs the behavioral netlists; flows/ngspice46-osdi.sh installs ngspice 46 with OSDI)")
    }

    /// Runs `netlist` and returns the log; throws ``FlowError`` on a missing binary, timeout, non-convergence
    /// or crash.
    public func run(_ netlist: URL) throws -> SimulatorRun {
        let binary = try resolveExecutable()
        let dir = netlist.deletingLastPathComponent()
        try AtomicFile.write(Data((spiceinit.joined(separator: "\n") + "\n").utf8), to: dir.appendingPathComponent(".spiceinit"))
        let log = URL(fileURLWithPath: netlist.path + ".log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        defer { try? logHandle.close() }

        let process = Process()
        // ngspice writes its log through stdio, which buffers whole blocks into a file: run it line-buffered
        // (coreutils' stdbuf) so that a run stopped at the timeout still leaves its last lines in the log.
        let stdbuf = URL(fileURLWithPath: "/usr/bin/stdbuf")
        let lineBuffered = FileManager.default.isExecutableFile(atPath: stdbuf.path)
        process.executableURL = lineBuffered ? stdbuf : binary
        process.arguments = (lineBuffered ? ["-oL", "-eL", binary.path] : []) + ["-b", netlist.lastPathComponent]
        process.currentDirectoryURL = dir
        process.standardOutput = logHandle
        process.standardError = logHandle
        process.standardInput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        let start = Date()
        do { try process.run() } catch {
            throw FlowError.crashed(netlist: netlist.path, status: -1, signal: false,
                                    logTail: ["cannot start \(binary.path): \(error.localizedDescription)"])
        }
        if done.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            if done.wait(timeout: .now() + 1) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                done.wait()
            }
            throw FlowError.timeout(netlist: netlist.path, seconds: timeout, logTail: Self.tail(of: log))
        }
        let seconds = Date().timeIntervalSince(start)
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        let lines = Self.tail(text)
        if lineBuffered, [126, 127].contains(process.terminationStatus), lines.first?.contains("stdbuf:") == true {
            // stdbuf could not execute the simulator (not a program, or not found).
            throw FlowError.crashed(netlist: netlist.path, status: -1, signal: false, logTail: lines)
        }
        if process.terminationReason == .uncaughtSignal {
            throw FlowError.crashed(netlist: netlist.path, status: process.terminationStatus, signal: true, logTail: lines)
        }
        let lower = text.lowercased()
        if Self.reportsNonConvergence(lower) {
            throw FlowError.nonConvergence(netlist: netlist.path, logTail: lines)
        }
        if process.terminationStatus != 0 {
            throw FlowError.crashed(netlist: netlist.path, status: process.terminationStatus, signal: false, logTail: lines)
        }
        if let mark = Self.errorMarks.first(where: lower.contains) {
            throw FlowError.noResults(netlist: netlist.path, problem: "ngspice reported '\(mark)'", logTail: lines)
        }
        return SimulatorRun(netlist: netlist, log: log, seconds: seconds, logText: text)
    }

    /// Log phrases with which ngspice reports a failed transient or operating point.
    static let nonConvergenceMarks = ["timestep too small", "no convergence", "transient op failed",
                                      "gmin stepping failed", "source stepping failed"]

    /// Whether a (lower-cased) log reports a failed analysis: one of ``nonConvergenceMarks``, or a singular matrix
    /// that is not a warning. ngspice warns of a singular matrix during the operating-point iterations (a MOSFET's
    /// body node of a mismatch draw, say) and then goes on by gmin stepping; if that fails too, its own mark
    /// follows, so the warning alone is no failure.
    static func reportsNonConvergence(_ lower: String) -> Bool {
        nonConvergenceMarks.contains(where: lower.contains)
            || lower.split(whereSeparator: \.isNewline).contains { $0.contains("singular matrix") && !$0.hasPrefix("warning") }
    }

    /// Log phrases with which ngspice reports a netlist it could not run.
    static let errorMarks = ["error on line", "error: ", "unknown subckt", "could not find a valid modelname",
                             "fatal error"]

    static func tail(of url: URL, lines n: Int = 15) -> [String] {
        tail((try? String(contentsOf: url, encoding: .utf8)) ?? "", lines: n)
    }

    /// The last `n` non-empty lines; carriage returns also end a line (ngspice rewrites its progress line
    /// `Reference value : …` with them, which would otherwise make one line of a whole transient).
    static func tail(_ text: String, lines n: Int = 15) -> [String] {
        Array(text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
            .suffix(n).map(String.init))
    }
}
