import Foundation
import KNImport
import KNModel
import KNTestSupport
import Testing
@testable import KNVary

@Suite struct RetrainCommandTests {
    /// `kn-map retrain` writes a model file and a state dict with upstream's keys holding the same parameters,
    /// and the parameters moved.
    @Test func retrainWritesModelAndTorchStateDict() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kn-vary-retrain-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let original = try Fixtures.network(family: .shiftTanh2, numNode: 3, repeat: [3, 3], layers: 2, block: .augmented, seed: 4)
        let model = folder.appendingPathComponent("net.knm")
        try ModelFile.write(original, to: model)
        let p = Process()
        p.executableURL = SharedData.knMapBinary
        p.arguments = ["retrain", model.path, "--iterations", "4", "--chips", "2", "--batch", "8", "--input-count", "16",
                       "--eval-chips", "4", "--eval-inputs", "16", "--steps", "16",
                       "-o", folder.appendingPathComponent("new.knm").path, "--pth", folder.appendingPathComponent("new.pth").path,
                       "--report", folder.appendingPathComponent("report.json").path]
        let err = Pipe()
        p.standardError = err
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "\(text)")
        let retrained = try ModelFile.read(from: folder.appendingPathComponent("new.knm"))
        let state = try TorchCheckpoint.read(folder.appendingPathComponent("new.pth"))
        #expect(state.keys == (0..<2).map { CheckpointImporter.parameterKey(layer: $0) })
        for l in 0..<2 {
            let m = try #require(state[CheckpointImporter.parameterKey(layer: l)]?.matrix())
            #expect(m.rows == 3 && m.columns == original.layers[l].edgeCount)
            #expect(m.values == retrained.layers[l].parameters.values)
            #expect(m.values != original.layers[l].parameters.values)
        }
        let report = try JSONDecoder().decode(RetrainEvaluation.self, from: Data(contentsOf: folder.appendingPathComponent("report.json")))
        #expect(report.chips == 4 && report.inputs == 16)
        #expect(report.nominalShift > 0)
    }

    /// `kn-map retrain --characterized` trains against the cells of a characterized.json, reports their nominal
    /// error before and after, and refuses a file of another network with its path named.
    @Test func retrainAgainstCharacterizedCells() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kn-vary-retrain-cells-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let original = try Fixtures.network(family: .shiftTanh2, numNode: 3, repeat: [2, 2], layers: 2, block: .augmented, seed: 4)
        let model = folder.appendingPathComponent("net.knm"), cells = folder.appendingPathComponent("characterized.json")
        try ModelFile.write(original, to: model)
        try cellLikeCharacterization(original, seed: 2).write(to: cells)
        func retrain(_ extra: [String]) throws -> (status: Int32, text: String) {
            let p = Process()
            p.executableURL = SharedData.knMapBinary
            p.arguments = ["retrain", model.path, "--iterations", "60", "--batch", "16", "--input-count", "32", "--learning-rate", "3e-3",
                           "--sigma-scale", "0", "--eval-chips", "1", "--eval-inputs", "32", "--steps", "16",
                           "-o", folder.appendingPathComponent("new.knm").path] + extra
            let err = Pipe()
            p.standardError = err
            try p.run()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return (p.terminationStatus, text)
        }
        let run = try retrain(["--characterized", cells.path, "--report", folder.appendingPathComponent("report.json").path])
        try #require(run.status == 0, "\(run.text)")
        #expect(run.text.contains("against the characterized cells of \(cells.path): \(original.layers.map(\.edgeCount).reduce(0, +)) fitted laws"))
        #expect(run.text.contains("characterized cells without mismatch: mean |y_nominal − y_original|"))
        let report = try JSONDecoder().decode(RetrainEvaluation.self, from: Data(contentsOf: folder.appendingPathComponent("report.json")))
        let before = try #require(report.originalNominalError), after = try #require(report.retrainedNominalError)
        #expect(after < 0.5 * before, "\(before) → \(after)")

        var other = original
        other.layers[1].parameters.values[3] += 0.25
        try cellLikeCharacterization(other, seed: 2).write(to: cells)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("new.knm"))
        let refused = try retrain(["--characterized", cells.path])
        #expect(refused.status != 0)
        #expect(refused.text.contains("\(cells.path): do not belong to this model"), "\(refused.text)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("new.knm").path))
    }
}
