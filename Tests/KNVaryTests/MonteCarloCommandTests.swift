import Foundation
import KNModel
import KNSimulate
import KNTestSupport
import Testing
@testable import KNVary

/// The real `kn-map mc` binary: interrupted runs resume to the same result, shards merge to the same result.
@Suite(.serialized) struct MonteCarloCommandTests {
    let folder: URL
    let model: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("kn-vary-mc-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        model = folder.appendingPathComponent("net.knm")
        let net = try Fixtures.network(family: .shiftTanh2, numNode: 4, repeat: [6, 6], layers: 2, block: .plain, seed: 21)
        try ModelFile.write(net, to: model)
    }

    @discardableResult
    func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let p = Process()
        p.executableURL = SharedData.knMapBinary
        p.arguments = arguments
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func common(_ out: String) -> [String] {
        ["mc", model.path, "--samples", "400", "--seed", "7", "--steps", "16", "--input-count", "48",
         "--spec", "max-error<=0.05", "-o", folder.appendingPathComponent(out).path]
    }

    func read(_ name: String) throws -> Data { try Data(contentsOf: folder.appendingPathComponent(name)) }

    @Test func interruptedRunResumesToTheUninterruptedResult() throws {
        let full = try run(common("full.json"))
        #expect(full.status == 0, "\(full.stderr)")

        let p = Process()
        p.executableURL = SharedData.knMapBinary
        p.arguments = common("part.json")
        p.standardError = FileHandle.nullDevice
        try p.run()
        let checkpoint = folder.appendingPathComponent("part.checkpoint.jsonl")
        var lines = 0
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning && Date() < deadline {
            if let text = try? String(contentsOf: checkpoint, encoding: .utf8) {
                lines = text.split(separator: "\n").count
                if lines >= 20 { break }
            }
            usleep(2000)
        }
        try #require(p.isRunning, "the run finished before it could be interrupted; make it longer")
        p.interrupt()  // SIGINT
        p.waitUntilExit()
        // kn-map removes its unfinished outputs on SIGINT and exits with 128 + 2.
        #expect(p.terminationReason == .exit && p.terminationStatus == 130)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("part.json").path))
        let kept = try String(contentsOf: checkpoint, encoding: .utf8).split(separator: "\n").count - 1
        #expect(kept >= 19 && kept < 400, "checkpoint holds \(kept) samples")

        let resumed = try run(common("part.json") + ["--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming: "))
        #expect(!resumed.stderr.contains("\r"), "no progress bar when standard error is not a terminal")
        #expect(try read("part.json") == read("full.json"))
        #expect(try read("part.csv") == read("full.csv"))
        #expect(!FileManager.default.fileExists(atPath: checkpoint.path))
    }

    @Test func shardsMergeToTheUnshardedResult() throws {
        let full = try run(common("whole.json"))
        #expect(full.status == 0, "\(full.stderr)")
        var parts = [String]()
        for i in [2, 0, 1] {
            let name = "shard-\(i).json"
            let r = try run(common(name) + ["--shard", "\(i)/3"])
            #expect(r.status == 0, "\(r.stderr)")
            parts.append(folder.appendingPathComponent(name).path)
        }
        let merged = try run(["mc", "merge"] + parts + ["-o", folder.appendingPathComponent("merged.json").path])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(try read("merged.json") == read("whole.json"))
        // A missing shard is refused with the count and the fix.
        let missing = try run(["mc", "merge"] + parts.dropLast() + ["-o", folder.appendingPathComponent("bad.json").path])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("missing"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("bad.json").path))
        let result = try MonteCarloResult.read(from: folder.appendingPathComponent("whole.json"))
        #expect(result.records.map(\.index) == Array(0..<400))
        #expect(result.yield != nil)
    }

    @Test func resumingWithDifferentOptionsIsRefused() throws {
        let p = Process()
        p.executableURL = SharedData.knMapBinary
        p.arguments = common("other.json")
        p.standardError = FileHandle.nullDevice
        try p.run()
        let checkpoint = folder.appendingPathComponent("other.checkpoint.jsonl")
        while p.isRunning && !FileManager.default.fileExists(atPath: checkpoint.path) { usleep(1000) }
        p.interrupt()
        p.waitUntilExit()
        try #require(FileManager.default.fileExists(atPath: checkpoint.path), "the run ended before writing its checkpoint")
        var args = common("other.json") + ["--resume"]
        args[args.firstIndex(of: "7")!] = "8"
        let r = try run(args)
        #expect(r.status != 0)
        #expect(r.stderr.contains("different run"))
    }

    @Test func slurmFlowRunsShardsAndMergesLocally() throws {
        let whole = try run(common("single.json"))
        #expect(whole.status == 0, "\(whole.stderr)")
        let out = folder.appendingPathComponent("slurm")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [SharedData.repositoryRoot.appendingPathComponent("flows/slurm-mc.sh").path, "--local",
                       model.path, "400", "7", "4", out.path, "--",
                       "--steps", "16", "--input-count", "48", "--spec", "max-error<=0.05"]
        var env = ProcessInfo.processInfo.environment
        env["KN_MAP"] = SharedData.knMapBinary.path
        p.environment = env
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(text)")
        #expect(try Data(contentsOf: out.appendingPathComponent("mc.json")) == read("single.json"))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("mc-yield.svg").path))
    }

    /// `kn-map mc --characterized` runs every chip on the characterized cells, with the mismatch on top: the chip
    /// without mismatch is the fixed-step integrator with the cells' errors, measured against the ideal read-out of
    /// --target; `--against nominal` measures the spread alone; a file of another network is refused by name.
    @Test func chipsCarryTheCharacterizedCells() throws {
        let original = try ModelFile.read(from: model)
        var predistorted = original
        for k in predistorted.layers[0].parameters.values.indices where k % 5 == 0 {
            predistorted.layers[0].parameters.values[k] *= 1.05
        }
        let pre = folder.appendingPathComponent("pre.knm"), cells = folder.appendingPathComponent("characterized.json")
        try ModelFile.write(predistorted, to: pre)
        var characterization = cellLikeCharacterization(predistorted, seed: 3)
        // Capacitances in the file are not the fixed-step integrator's: the run says so and uses the laws.
        characterization.layers[0].edges[0].dynamics = CellDynamics(staticPart: [0.01, 0, 0, 0.01], lag: [0, 0, 0, 0], points: 4, rms: 0)
        try characterization.write(to: cells)
        func mc(_ out: String, _ extra: [String]) throws -> (status: Int32, stderr: String) {
            try run(["mc", pre.path, "--samples", "24", "--seed", "5", "--steps", "16", "--input-count", "16",
                     "--characterized", cells.path, "-o", folder.appendingPathComponent(out).path] + extra)
        }

        let quiet = try mc("quiet.json", ["--target", model.path, "--sigma-scale", "0"])
        try #require(quiet.status == 0, "\(quiet.stderr)")
        #expect(quiet.stderr.contains("every chip on the characterized cells of \(cells.path)"), "\(quiet.stderr)")
        #expect(quiet.stderr.contains("also holds the cells' capacitances; the fixed-step integrator carries the cells' laws only"), "\(quiet.stderr)")
        #expect(quiet.stderr.contains("errors against the ideal read-out of \(model.path)"), "\(quiet.stderr)")
        let inputs = SampleTable.standardNormal(rows: 16, columns: original.inputWidth, seed: 1).samples
        let errors = try CellLawErrors(characterized: characterization, network: predistorted)
        let chip = try FixedStepIntegrator(network: predistorted, stepsPerUnit: 16, cellErrors: errors).outputs(inputs: inputs, mismatch: nil)
        let ideal = try FixedStepIntegrator(network: original, stepsPerUnit: 16).outputs(inputs: inputs, mismatch: nil)
        let expected: [Double] = zip(chip, ideal).map { a, b in
            var d = 0.0
            for (x, z) in zip(a, b) { d += (x - z) * (x - z) }
            return d.squareRoot()
        }
        let expectedMean = expected.reduce(0, +) / Double(expected.count)
        let result = try MonteCarloResult.read(from: folder.appendingPathComponent("quiet.json"))
        let nominal = try #require(result.configuration.nominalChip)
        #expect(expectedMean > 1e-3, "the cells and the pre-distortion move the read-out")
        #expect(abs(nominal.meanError - expectedMean) < 1e-12 && abs(nominal.maxError - expected.max()!) < 1e-12)
        #expect(result.records.allSatisfy { abs($0.meanError - expectedMean) < 1e-12 }, "without mismatch every chip is the nominal chip")

        let spread = try mc("spread.json", ["--against", "nominal"])
        try #require(spread.status == 0, "\(spread.stderr)")
        let alone = try MonteCarloResult.read(from: folder.appendingPathComponent("spread.json"))
        #expect(alone.configuration.reference == nil && alone.configuration.nominalChip == nil)
        #expect(alone.configuration.characterized?.hasPrefix(cells.path) == true)
        let errorsAlone = alone.records.map(\.meanError)
        #expect(errorsAlone.allSatisfy { $0 > 0 } && Set(errorsAlone).count == errorsAlone.count, "every chip draws its own mismatch")
        let both = try mc("both.json", [])
        try #require(both.status == 0, "\(both.stderr)")
        let total = try MonteCarloResult.read(from: folder.appendingPathComponent("both.json"))
        #expect(total.configuration.reference?.contains(pre.path) == true, "the default target is MODEL")
        #expect(total.summary["mean-error"]!.mean != alone.summary["mean-error"]!.mean)

        try cellLikeCharacterization(original, seed: 3).write(to: cells)
        let refused = try mc("refused.json", [])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("\(cells.path): do not belong to this model"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("refused.json").path))
    }
}
