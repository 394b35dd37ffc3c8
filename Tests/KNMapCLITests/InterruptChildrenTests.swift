import Foundation
import KNTestSupport
import Testing

/// SIGINT in the middle of a fidelity run stops the ngspice processes kn-map started: a simulator never outlives
/// the command that started it.
@Suite(.serialized) struct InterruptChildrenTests {
    /// The process IDs whose parent is `parent` (from /proc).
    static func children(of parent: Int32) -> [(pid: Int32, name: String)] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, Int32(fields[1]) == parent else { return nil }
            return (pid, String(stat[stat.index(after: open)..<close]))
        }
    }

    static func descendants(of root: Int32) -> [(pid: Int32, name: String)] {
        var found: [(pid: Int32, name: String)] = [], queue = [root]
        while let pid = queue.popLast() {
            let next = children(of: pid)
            found += next
            queue += next.map(\.pid)
        }
        return found
    }

    @Test func mapStopsItsSimulatorsOnSIGINT() throws {
        guard FileManager.default.fileExists(atPath: "/proc/self/stat") else { print("no /proc: skipped"); return }
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try AtomicOutputTests.exampleModel(in: dir)
        let process = Process()
        process.executableURL = SharedData.knMapBinary
        process.arguments = ["map", model.path, "--pdk", "sky130", "--fidelity-edges", "30", "-o", dir.appendingPathComponent("m").path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait for ngspice to start under kn-map.
        var simulators: [Int32] = []
        let start = Date()
        while process.isRunning, Date().timeIntervalSince(start) < 240 {
            simulators = Self.descendants(of: process.processIdentifier).filter { $0.name.hasPrefix("ngspice") }.map(\.pid)
            if !simulators.isEmpty { break }
            usleep(20_000)
        }
        try #require(!simulators.isEmpty, "kn-map map never started ngspice")
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        // Every simulator it had started is gone (or a zombie about to be reaped by init).
        var alive: [Int32] = []
        for _ in 0..<100 {
            alive = simulators.filter { pid in
                guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                      let close = stat.lastIndex(of: ")") else { return false }
                return !stat[stat.index(after: close)...].hasPrefix(" Z")
            }
            if alive.isEmpty { break }
            usleep(50_000)
        }
        #expect(alive.isEmpty, "ngspice still running after kn-map stopped: \(alive)")
    }
}
