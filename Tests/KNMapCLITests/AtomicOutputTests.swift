import Foundation
import KNModel
import KNTestSupport
import Testing

/// Every file `kn-map` writes appears whole or not at all: it is written to a temporary file beside it and
/// renamed, and SIGINT or SIGTERM in the middle removes the temporary file and exits with 130 or 143.
@Suite(.serialized) struct AtomicOutputTests {
    /// A simulation whose output is large (200 samples × 2,000 trajectory rows: about 30 MB of CSV) but quick to
    /// compute (dopri5), so that the write and its fsync last long enough to be interrupted in the middle.
    static func bigOutput(_ model: URL, _ out: URL, samples: Int = 200) -> [String] {
        ["simulate", model.path, "--samples", String(samples), "--seed", "1", "--method", "dopri5", "--trajectory"]
            + (1..<2000).map { String(Double($0) / 2000) } + ["-o", out.path]
    }

    /// The example network imported into `dir/ex.knm`.
    static func exampleModel(in dir: URL) throws -> URL {
        let example = dir.appendingPathComponent("example")
        #expect(try KNMapRun.run(["example", "-o", example.path]).status == 0)
        let model = dir.appendingPathComponent("ex.knm")
        #expect(try KNMapRun.run(["import", example.appendingPathComponent("model.pth").path,
                                  example.appendingPathComponent("config.yaml").path, "-o", model.path]).status == 0)
        return model
    }

    /// The temporary files of `name` in `dir` (AtomicFile names them `.<name>.tmp-<pid>-…`).
    static func temporaries(of name: String, in dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasPrefix(".\(name).tmp-") }
    }

    struct Outcome {
        var status: Int32
        var reason: Process.TerminationReason
        var stderr: String
        /// True when the temporary output had appeared before the signal was sent.
        var signalledWhileWriting: Bool
    }

    /// Runs `kn-map arguments` and sends `signal` as soon as a temporary file of `output` appears (`whileWriting`),
    /// or after `delay` seconds otherwise.
    static func interrupt(_ arguments: [String], output: URL, signal: Int32, whileWriting: Bool,
                          delay: Double = 0.3) throws -> Outcome {
        let process = Process()
        process.executableURL = SharedData.knMapBinary
        process.arguments = arguments
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("kn-map-stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let start = Date()
        var sawTemporary = false
        while process.isRunning && Date().timeIntervalSince(start) < 300 {
            if whileWriting {
                if !temporaries(of: output.lastPathComponent, in: output.deletingLastPathComponent()).isEmpty {
                    sawTemporary = true
                    kill(process.processIdentifier, signal)
                    break
                }
                usleep(200)
            } else if Date().timeIntervalSince(start) >= delay {
                kill(process.processIdentifier, signal)
                break
            } else {
                usleep(1000)
            }
        }
        process.waitUntilExit()
        try err.close()
        let stderr = String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        try FileManager.default.removeItem(at: errURL)
        return Outcome(status: process.terminationStatus, reason: process.terminationReason, stderr: stderr,
                       signalledWhileWriting: sawTemporary)
    }

    static func name(_ signal: Int32) -> String { signal == SIGINT ? "SIGINT" : "SIGTERM" }

    @Test(arguments: [SIGTERM, SIGINT])
    func aSignalDuringTheWriteKeepsThePreviousFileAndRemovesTheTemporary(signal: Int32) throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Self.exampleModel(in: dir)
        let out = dir.appendingPathComponent("out.csv")
        let previous = "previous output\n"
        try Data(previous.utf8).write(to: out)
        let outcome = try Self.interrupt(Self.bigOutput(model, out), output: out, signal: signal, whileWriting: true)
        #expect(outcome.signalledWhileWriting, "the temporary output never appeared")
        #expect(outcome.reason == .exit && outcome.status == 128 + signal, "status \(outcome.status), \(outcome.stderr)")
        #expect(outcome.stderr.hasPrefix("kn-map: stopped by \(Self.name(signal)); removed the unfinished \(dir.path)/.out.csv.tmp-"),
                "\(outcome.stderr)")
        #expect(try String(contentsOf: out, encoding: .utf8) == previous, "the previous file was replaced or damaged")
        #expect(Self.temporaries(of: "out.csv", in: dir).isEmpty)
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func aSignalBeforeTheWriteLeavesNoFile(signal: Int32) throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Self.exampleModel(in: dir)
        let out = dir.appendingPathComponent("out.json")
        // 5,000 samples at the exact method's 1e-10 take seconds: the signal comes while integrating.
        let outcome = try Self.interrupt(["simulate", model.path, "--samples", "5000", "-o", out.path],
                                         output: out, signal: signal, whileWriting: false)
        #expect(outcome.reason == .exit && outcome.status == 128 + signal, "status \(outcome.status), \(outcome.stderr)")
        #expect(outcome.stderr == "kn-map: stopped by \(Self.name(signal))\n")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(Self.temporaries(of: "out.json", in: dir).isEmpty)
    }

    /// Signals at many moments of one run (while integrating, writing, renaming or after): the output is always
    /// absent or whole, never partial, and no temporary file is left.
    @Test func signalsAtAnyMomentLeaveTheOutputWholeOrAbsent() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Self.exampleModel(in: dir)
        // The whole output, from an uninterrupted run with the same seed.
        let reference = dir.appendingPathComponent("reference.csv")
        #expect(try KNMapRun.run(Self.bigOutput(model, reference, samples: 100)).status == 0)
        let whole = try Data(contentsOf: reference)
        var outcomes: [Int32] = []
        for (i, delay) in [0.02, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0, 1.3, 1.8].enumerated() {
            let out = dir.appendingPathComponent("out\(i).csv")
            let outcome = try Self.interrupt(Self.bigOutput(model, out, samples: 100), output: out,
                                             signal: i % 2 == 0 ? SIGTERM : SIGINT, whileWriting: false, delay: delay)
            outcomes.append(outcome.status)
            #expect([0, 130, 143].contains(outcome.status), "status \(outcome.status): \(outcome.stderr)")
            if FileManager.default.fileExists(atPath: out.path) {
                #expect(try Data(contentsOf: out) == whole, "delay \(delay): a partial or different file")
            }
            #expect(Self.temporaries(of: out.lastPathComponent, in: dir).isEmpty, "delay \(delay)")
        }
        #expect(outcomes.contains { $0 != 0 }, "no run was interrupted: \(outcomes)")
    }

    @Test func anInterruptedExampleLeavesNeitherHalfACheckpointNorItsZipStaging() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("ex")
        for delay in [0.0, 0.005, 0.01, 0.02, 0.04] {
            try? FileManager.default.removeItem(at: folder)
            let outcome = try Self.interrupt(["example", "-o", folder.path], output: folder.appendingPathComponent("model.pth"),
                                             signal: SIGTERM, whileWriting: false, delay: delay)
            #expect([0, 143].contains(outcome.status), "status \(outcome.status): \(outcome.stderr)")
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            #expect(names.allSatisfy { $0 == "config.yaml" || $0 == "model.pth" }, "left behind: \(names)")
            if names.contains("model.pth") {
                // A whole checkpoint imports.
                let run = try KNMapRun.run(["import", folder.appendingPathComponent("model.pth").path,
                                            folder.appendingPathComponent("config.yaml").path, "-o", dir.appendingPathComponent("x.knm").path])
                #expect(run.status == 0, "\(run.stderr)")
            }
        }
    }

    // MARK: The library side

    @Test func aWriteThatFailsLeavesTheDestinationAndNoTemporary() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("net.knm")
        try Data("old".utf8).write(to: url)
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try AtomicFile.write(to: url) { handle in
                try handle.write(contentsOf: Data(repeating: 7, count: 1 << 20))
                throw Stop()
            }
        }
        #expect(try Data(contentsOf: url) == Data("old".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["net.knm"])
    }

    @Test func removingTemporariesTakesOnlyThisProcesssFilesForThatOutput() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("out.csv")
        let mine = dir.appendingPathComponent(AtomicFile.temporaryPrefix(for: url) + "123")
        let staging = dir.appendingPathComponent(AtomicFile.temporaryPrefix(for: url) + "zip")
        let otherProcess = dir.appendingPathComponent(".out.csv.tmp-\(getpid() + 1)-5")
        let otherOutput = dir.appendingPathComponent(AtomicFile.temporaryPrefix(for: dir.appendingPathComponent("b.csv")) + "9")
        for f in [url, mine, staging, otherProcess, otherOutput] { try Data("x".utf8).write(to: f) }
        let removed = AtomicFile.removeTemporaryFiles(for: url)
        #expect(Set(removed) == [mine.path, staging.path])
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)) ==
                ["out.csv", otherProcess.lastPathComponent, otherOutput.lastPathComponent])
    }
}
