import Foundation
import KNModel
import Testing
@testable import KNImport

/// Checkpoints written by a real `torch.save` (torch 2.15; see Fixtures/make_torch_fixtures.py), each compared
/// with the tensors torch itself read back from the same file.
struct TorchSavedCheckpointTests {
    struct Expected: Decodable {
        struct Entry: Decodable { var shape: [Int]; var dtype: String; var values: [Double] }
        var keys: [String]
        var tensors: [String: Entry]
    }

    static let names = ["protocol2-float32", "protocol4-float32", "protocol4-float16", "protocol4-bfloat16",
                        "protocol4-float64", "protocol2-strided"]

    @Test(arguments: names)
    func readsWhatTorchSaveWrote(name: String) throws {
        let folder = TestData.fixture("torch-saved")
        let expected = try JSONDecoder().decode(Expected.self,
            from: Data(contentsOf: folder.appendingPathComponent("\(name).expected.json")))
        let checkpoint = try TorchCheckpoint.read(folder.appendingPathComponent("\(name).pth"))
        #expect(checkpoint.keys == expected.keys)
        for key in expected.keys {
            let tensor = try #require(checkpoint[key])
            let want = expected.tensors[key]!
            #expect(tensor.shape == want.shape, "\(name) \(key)")
            #expect(tensor.values == want.values, "\(name) \(key)")
        }
    }

    /// The `.pth` writer's output reads back exactly (torch.load reading it is checked by the baseline script).
    @Test(arguments: [StoragePrecision.float32, .float64, .float16, .bfloat16])
    func writerRoundTripsThroughTheReader(precision: StoragePrecision) throws {
        let dir = try TestData.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let values = (0..<12).map { Double($0) * 0.25 - 1.5 }
        let entry = TorchCheckpointWriter.Entry(key: "circuit.layer_list.0.model.param",
            matrix: ParameterMatrix(rows: 3, columns: 4, values: values, precision: precision))
        let url = dir.appendingPathComponent("w.pth")
        try TorchCheckpointWriter.write([entry], to: url)
        let back = try TorchCheckpoint.read(url)
        #expect(back.keys == [entry.key])
        #expect(back[entry.key]?.shape == [3, 4])
        #expect(back[entry.key]?.values == values)
        #expect(back[entry.key]?.precision == precision)
    }

    @Test func exampleCheckpointImportsAsItsConfigSays() throws {
        let dir = try TestData.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try ExampleCheckpoint.write(to: dir)
        let net = try CheckpointImporter.importNetwork(checkpoint: dir.appendingPathComponent("model.pth"),
                                                       config: dir.appendingPathComponent("config.yaml"))
        #expect(net.layers.map(\.edgeCount) == [60, 60])
        #expect(net.family == .shiftTanh2)
        #expect(net.block == .augmented)
        #expect(net.layers.map(\.parameters) == ExampleCheckpoint.parameters())
    }
}
