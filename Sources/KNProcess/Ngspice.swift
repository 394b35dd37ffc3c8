import Foundation

/// Runs ngspice in batch mode on a netlist written to a work directory.
///
/// Each run writes `.spiceinit` next to the netlist with `set num_threads=1`, `set ngbehavior=hsa`
/// and `set ng_nomodcheck` (DESIGN.md §4), so the foundry models parse as intended and runs stay on
/// one core. The control block of every netlist ends with `quit 0`.
public struct Ngspice: Sendable {
    /// The ngspice executable.
    public var executable: URL

    public init(executable: URL) { self.executable = executable }

    /// Finds ngspice: `$KN_NGSPICE`, else the first `ngspice` on `PATH`.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Ngspice {
        if let explicit = environment["KN_NGSPICE"], !explicit.isEmpty {
            return Ngspice(executable: URL(fileURLWithPath: explicit))
        }
        for directory in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("ngspice")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return Ngspice(executable: candidate) }
        }
        throw ProcessError.simulationFailed(netlist: "(none)", status: -1,
            output: "ngspice not found on PATH. Fix: apt-get install ngspice (or set KN_NGSPICE)")
    }

    /// The contents of the `.spiceinit` written next to every netlist.
    public static let spiceInit = """
        set num_threads=1
        set ngbehavior=hsa
        set ng_nomodcheck

        """

    /// ngspice's version line, e.g. `ngspice-39`.
    public func version() throws -> String {
        let directory = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try run(netlist: "* version\n.control\nversion -s\nquit 0\n.endc\n.end\n", name: "version", in: directory)
        let line = output.split(separator: "\n").first { $0.contains("ngspice-") }
        guard let line, let range = line.range(of: #"ngspice-[0-9A-Za-z.+~-]+"#, options: .regularExpression) else {
            return "ngspice (unknown version)"
        }
        return String(line[range])
    }

    /// Writes `netlist` as `<name>.cir` (and `.spiceinit`) into `directory`, runs `ngspice -b` there and
    /// returns its standard output.
    ///
    /// - Throws: ``ProcessError/simulationFailed(netlist:status:output:)`` with the tail of the output
    ///   when ngspice exits non-zero or reports a fatal error.
    @discardableResult
    public func run(netlist: String, name: String, in directory: URL) throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("\(name).cir")
        try netlist.write(to: file, atomically: true, encoding: .utf8)
        try Self.spiceInit.write(to: directory.appendingPathComponent(".spiceinit"), atomically: true, encoding: .utf8)

        let process = Foundation.Process()
        process.executableURL = executable
        process.arguments = ["-b", file.lastPathComponent]
        process.currentDirectoryURL = directory
        let logURL = directory.appendingPathComponent("\(name).log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        defer { try? log.close() }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let output = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        // ngspice reports control-block failures (an unknown vector, an over-long `save`) on the log
        // and still exits 0; such a run must not be trusted.
        let fatal = output.split(separator: "\n").contains { line in
            line.contains("fatal error in ngspice") || line.hasPrefix("Error") || line.contains("too many args")
                || line.contains("no such vector")
        }
        if process.terminationStatus != 0 || fatal {
            let tail = output.split(separator: "\n", omittingEmptySubsequences: false).suffix(40).joined(separator: "\n")
            throw ProcessError.simulationFailed(netlist: file.path, status: process.terminationStatus, output: tail)
        }
        return output
    }

    /// Removes a job directory, unless `KN_KEEP_NGSPICE` is set (then netlists, logs and data stay
    /// for inspection).
    public static func removeWorkDirectory(_ directory: URL) {
        guard ProcessInfo.processInfo.environment["KN_KEEP_NGSPICE"] == nil else { return }
        try? FileManager.default.removeItem(at: directory)
    }

    /// A fresh directory for one simulation job.
    public static func workDirectory(prefix: String = "kn-ngspice") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `save` commands for `vectors`, a limited number per line (ngspice ignores a `save` with too
    /// many arguments; successive `save` commands accumulate).
    public static func saveCommands(_ vectors: [String], perLine: Int = 100) -> [String] {
        stride(from: 0, to: vectors.count, by: perLine).map {
            "save " + vectors[$0..<min($0 + perLine, vectors.count)].joined(separator: " ")
        }
    }

    /// Reads a file written by `wrdata` with `set wr_singlescale`: one row per point, the scale first.
    ///
    /// - Returns: rows of numbers (scale column included).
    public static func readWrdata(_ url: URL) throws -> [[Double]] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ProcessError.unexpectedSimulatorOutput(file: url.path, message: "ngspice wrote no data file")
        }
        var rows: [[Double]] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard !fields.isEmpty else { continue }
            let numbers = fields.compactMap { Double($0) }
            guard numbers.count == fields.count else { continue }   // a header line
            rows.append(numbers)
        }
        guard !rows.isEmpty else {
            throw ProcessError.unexpectedSimulatorOutput(file: url.path, message: "the data file has no numeric rows")
        }
        return rows
    }
}
