import Dispatch
import Foundation
import KNModel

/// A command that writes files. Its outputs are known from its arguments before it runs, so that the entry point
/// can remove their unfinished temporary files if the run is interrupted.
protocol WritesFiles {
    /// The files this invocation writes (each one through `AtomicFile`).
    var outputFiles: [URL] { get }
}

/// Owned by `KNMapCommand.main` for the life of the process: on SIGINT or SIGTERM it removes this process's
/// unfinished temporary files of the running command's outputs and exits with 128 + the signal number (130 for
/// SIGINT, 143 for SIGTERM). Outputs are written to a temporary file and renamed, so an interrupted run leaves each
/// output as it was before (or absent), never half written.
///
/// The signals are taken through dispatch sources, so the cleanup runs on an ordinary thread, not in a signal
/// handler, while the command goes on until the process exits. Child processes get the default actions back.
final class InterruptCleanup: @unchecked Sendable {
    private let lock = NSLock()
    private var outputs: [URL] = []
    private var sources: [DispatchSourceSignal] = []

    init(signals: [Int32] = [SIGINT, SIGTERM]) {
        for number in signals {
            // A handler that does nothing keeps the default action away; the dispatch source does the work. Not
            // SIG_IGN: an ignored signal stays ignored in the programs kn-map starts (ngspice), which then could
            // not be stopped.
            signal(number, { _ in })
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { self.stop(signal: number) }
            source.resume()
            sources.append(source)
        }
    }

    /// Adds files whose temporary files are removed on interruption.
    func watch(_ files: [URL]) {
        lock.lock()
        defer { lock.unlock() }
        outputs += files
    }

    /// Ends the process with the command's error, unless an interruption is being handled: then the error may
    /// come from its removing a file the command was using, and the interruption ends the process (130 or 143).
    func exit(withError error: any Error, _ report: (any Error) -> Never) -> Never {
        lock.lock()  // never returns while stop(signal:) runs; it holds the lock until the process exits
        report(error)
    }

    private func stop(signal number: Int32) -> Never {
        lock.lock()  // held until the process ends: no output can be added while the files are removed
        AtomicFile.stopWriting()  // nor can a temporary file appear or be renamed into place meanwhile
        var removed: [String] = []
        for url in outputs {
            removed += AtomicFile.removeTemporaryFiles(for: url)
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue {
                removed += AtomicFile.removeTemporaryFiles(inFolder: url)
            }
        }
        let stopped = Self.terminateDescendants()
        let name = number == SIGINT ? "SIGINT" : number == SIGTERM ? "SIGTERM" : "signal \(number)"
        var detail = removed.isEmpty ? "" : "; removed the unfinished \(removed.joined(separator: ", "))"
        if !stopped.isEmpty { detail += "; stopped \(stopped.count) simulator process\(stopped.count == 1 ? "" : "es") (\(stopped.map(String.init).joined(separator: ", ")))" }
        FileHandle.standardError.write(Data("kn-map: stopped by \(name)\(detail)\n".utf8))
        _exit(128 + number)
    }

    /// Sends SIGTERM to every process this one started, directly or through wrappers (`timeout`, `stdbuf`,
    /// ngspice), found through the parent links in /proc; a simulator must not outlive the run that started it.
    /// Returns their process IDs (empty where /proc is not available).
    static func terminateDescendants() -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var children: [Int32: [Int32]] = [:]
        for entry in entries {
            guard let pid = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // Fields after the command name: state, ppid, ...
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { children[parent, default: []].append(pid) }
        }
        var found: [Int32] = [], queue = children[getpid()] ?? []
        while let pid = queue.popLast() {
            found.append(pid)
            queue += children[pid] ?? []
        }
        for pid in found { kill(pid, SIGTERM) }
        // ngspice may finish its current point first or catch SIGTERM: after a grace second, SIGKILL what is left.
        for _ in 0..<20 where found.contains(where: { kill($0, 0) == 0 && !isZombie($0) }) { usleep(50_000) }
        for pid in found where kill(pid, 0) == 0 && !isZombie(pid) { kill(pid, SIGKILL) }
        return found
    }

    /// Whether a process has exited and waits for its parent (state Z in /proc/<pid>/stat).
    private static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(after: close)...].hasPrefix(" Z")
    }
}

extension ExampleCommand: WritesFiles {
    var outputFiles: [URL] {
        let folder = URL(fileURLWithPath: output)
        return [folder.appendingPathComponent("config.yaml"), folder.appendingPathComponent("model.pth")]
    }
}

extension ImportCommand: WritesFiles {
    var outputFiles: [URL] { [outputURL] }
}

extension SimulateCommand: WritesFiles {
    var outputFiles: [URL] { output.map { [URL(fileURLWithPath: $0)] } ?? [] }
}

extension ImportBench: WritesFiles {
    var outputFiles: [URL] { [scratchModel] }
}

extension EmitCommand: WritesFiles {
    /// The netlist file, or the output folder (whose files' temporary files sit inside it).
    var outputFiles: [URL] { [URL(fileURLWithPath: output)] }
}

extension PDKCommand.Plot: WritesFiles {
    var outputFiles: [URL] { [URL(fileURLWithPath: output)] }
}

extension MapCommand: WritesFiles {
    /// The output folder (circuit.json, report.json, report.txt, characterized.json; their temporary files sit inside it).
    var outputFiles: [URL] { [URL(fileURLWithPath: output)] }
}
