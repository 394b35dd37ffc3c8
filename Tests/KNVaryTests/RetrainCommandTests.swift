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
}
