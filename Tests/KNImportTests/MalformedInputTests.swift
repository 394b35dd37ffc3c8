import Foundation
import KNModel
import Testing
@testable import KNImport

/// Every malformed input is refused with one line naming the file, the place, the problem and the fix.
final class MalformedInputTests {
    /// The files one test writes; Swift Testing makes a new instance per test, and it removes them when done.
    let scratch: URL

    init() throws { scratch = try TestData.temporaryFolder() }

    deinit { try? FileManager.default.removeItem(at: scratch) }

    /// The message `body` throws, or a failure when it does not throw an `ImportError`.
    func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            Issue.record("no error was thrown")
        } catch let error as ImportError {
            #expect(!error.description.contains("\n"))
            return error.description
        } catch {
            Issue.record("unexpected error type \(type(of: error)): \(error)")
        }
        return nil
    }

    /// Writes `text` as config.yaml in a fresh folder.
    func config(_ text: String) throws -> URL {
        let url = scratch.appendingPathComponent("config.yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func tinyConfig(replacing old: String, with new: String) throws -> URL {
        let text = try String(contentsOf: TestData.fixture("tiny.yaml"), encoding: .utf8)
        precondition(text.contains(old), "tiny.yaml has no '\(old)'")
        return try config(text.replacingOccurrences(of: old, with: new))
    }

    // MARK: Zip container

    @Test func truncatedZipIsRefused() throws {
        let bytes = try Data(contentsOf: TestData.fixture("tiny.pth"))
        let url = scratch.appendingPathComponent("model.pth")
        try bytes.prefix(bytes.count - 200).write(to: url)
        #expect(message { _ = try TorchCheckpoint.read(url) } ==
            "\(url.path): is not a complete zip archive: no end-of-central-directory record (the file is truncated or damaged); check the path, copy the file again, or re-save it with torch.save(model.state_dict(), path)")
    }

    @Test func aFileThatIsNotAZipIsRefused() throws {
        let url = TestData.fixture("tiny.yaml")
        #expect(message { _ = try TorchCheckpoint.read(url) } ==
            "\(url.path): byte 0: does not start with a zip local header (PK\\x03\\x04), so it is not a torch checkpoint; pass the model.pth that torch.save wrote")
    }

    @Test func anEntryLargerThanTheFileIsRefusedBeforeAllocation() throws {
        let url = TestData.fixture("bomb_size.pth")
        #expect(message { _ = try TorchCheckpoint.read(url) } ==
            "\(url.path): central directory entry 0 at byte 210: its data would run from byte 64 to 2147483696, past the end of the 431-byte file; the file is damaged or is not a checkpoint; re-save it with torch.save")
    }

    @Test func aCorruptedStorageFailsItsCRC() throws {
        var bytes = try Data(contentsOf: TestData.fixture("tiny.pth"))
        let url = scratch.appendingPathComponent("model.pth")
        // tiny.pth: data/1 holds 144 bytes at a 64-aligned offset after data.pkl and data/0; flip a byte in it.
        let name = Data("archive/data/1".utf8)
        let header = try #require(bytes.range(of: name)).lowerBound - 30
        let extra = Int(bytes[header + 28]) | Int(bytes[header + 29]) << 8
        bytes[header + 30 + name.count + extra + 17] ^= 0x40
        try bytes.write(to: url)
        #expect(message { _ = try TorchCheckpoint.read(url) } ==
            "\(url.path): archive/data/1: cannot be extracted (CRC-32 mismatch); the file is damaged or is not a checkpoint; re-save it with torch.save")
    }

    @Test func aLegacyTorchFileIsRecognised() throws {
        let url = scratch.appendingPathComponent("old.pt")
        try Data([0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]).write(to: url)
        #expect(message { _ = try TorchCheckpoint.read(url) } ==
            "\(url.path): is a legacy (pre-1.6) torch file, not a zip checkpoint; re-save it with a current torch: torch.save(torch.load(path), path)")
    }

    // MARK: Pickle

    @Test func aTrainingCheckpointThatIsNotAStateDictIsRefused() throws {
        let url = TestData.fixture("not_state_dict.pth")
        #expect(message { _ = try TorchCheckpoint.read(url) } ==
            "\(url.path): archive/data.pkl, key 'epoch': the value is a int, not a tensor, so this is not a plain state dict; save only the weights with torch.save(model.state_dict(), path)")
    }

    @Test func unknownGlobalIsRefusedWithItsNameAndOffset() throws {
        let url = TestData.fixture("evil_global.pth")
        #expect(message { _ = try TorchCheckpoint.read(url) } ==
            "\(url.path): archive/data.pkl, byte 33: global os.system is not allowed: a checkpoint may reference only collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter and torch storage classes, so this file is not a plain state dict (or is malicious); load it in Python only if you trust it, and re-save just the weights with torch.save(model.state_dict(), path)")
    }

    @Test func aStorageClaimingATrillionElementsIsRefusedBeforeAllocation() throws {
        let url = TestData.fixture("huge_numel.pth")
        #expect(message { _ = try TorchCheckpoint.read(url) } ==
            "\(url.path): archive/data.pkl, byte 130: storage '0' declares 1000000000000 float32 elements (4000000000000 bytes) but its entry holds 16 bytes; the checkpoint is damaged or hostile; re-save it with torch.save")
    }

    @Test func aViewPastTheEndOfItsStorageIsRefused() throws {
        let url = TestData.fixture("out_of_bounds.pth")
        #expect(message { _ = try TorchCheckpoint.read(url) } ==
            "\(url.path): archive/data.pkl, byte 143: tensor on storage '0' of size (4, 4), stride (4, 1) at offset 0 reaches element 15, but the storage holds 12 elements; the checkpoint is damaged or hostile; re-save it with torch.save")
    }

    @Test func anIntegerStorageIsAnUnsupportedDtype() throws {
        let url = TestData.fixture("int64.pth")
        #expect(message { _ = try TorchCheckpoint.read(url) } ==
            "\(url.path): archive/data.pkl, byte 127: storage '0' has unsupported dtype int64 (torch.LongStorage); only float16, bfloat16, float32 and float64 parameters can be imported; convert the parameters to float before saving: torch.save({k: v.float() for k, v in sd.items()}, path)")
    }

    // MARK: Checkpoint against config

    @Test func shapeMismatchNamesBothShapes() throws {
        let yaml = try tinyConfig(replacing: "      - 1\n      - 1\n", with: "      - 2\n      - 1\n")
        let pth = TestData.fixture("tiny.pth")
        #expect(message { _ = try CheckpointImporter.importNetwork(checkpoint: pth, config: yaml) } ==
            "\(pth.path): circuit.layer_list.0.model.param: has shape (3, 12) but config.yaml's layer 0 (_fully_connect, ShiftTanh2) needs (3, 18); the checkpoint and config.yaml come from different runs; pass the config.yaml saved next to this model.pth")
    }

    @Test(.enabled(if: TestData.hasUpstream, "shared/upstream is not present above this worktree"))
    func twomoonWithAnEdgeCountTheConfigDoesNotGiveIsRefused() throws {
        let (pth, original) = TestData.experiment("twomoon")
        let text = try String(contentsOf: original, encoding: .utf8)
        // repeat [25, 25] → [25, 24]: 6 × 49 = 294 edges instead of 300 (first layer only).
        let changed = text.replacingOccurrences(of: "      - 25\n      - 25\n    name: _fully_connect\n  - args:",
                                                with: "      - 25\n      - 24\n    name: _fully_connect\n  - args:")
        #expect(changed != text)
        let yaml = try config(changed)
        #expect(message { _ = try CheckpointImporter.importNetwork(checkpoint: pth, config: yaml) } ==
            "\(pth.path): circuit.layer_list.0.model.param: has shape (3, 300) but config.yaml's layer 0 (_fully_connect, ShiftTanh2) needs (3, 294); the checkpoint and config.yaml come from different runs; pass the config.yaml saved next to this model.pth")
    }

    @Test func nanParameterNamesLayerRowAndEdge() throws {
        let pth = TestData.fixture("tiny_nan.pth")
        #expect(message { _ = try CheckpointImporter.importNetwork(checkpoint: pth, config: TestData.fixture("tiny.yaml")) } ==
            "\(pth.path): circuit.layer_list.1.model.param: layer 1, row 2 (p2), edge 5 is nan; every parameter must be finite; training diverged before this checkpoint was saved; use an earlier checkpoint")
    }

    @Test func anExtraKeyIsRefused() throws {
        let pth = TestData.fixture("tiny_extra_layer.pth")
        let yaml = TestData.fixture("tiny.yaml")
        #expect(message { _ = try CheckpointImporter.importNetwork(checkpoint: pth, config: yaml) } ==
            "\(pth.path): circuit.layer_list.2.model.param: is not part of the network config.yaml (\(yaml.path)) describes (2 layers); the checkpoint and config.yaml come from different runs; pass the config.yaml saved next to this model.pth")
    }

    @Test func aMissingKeyIsRefused() throws {
        let yaml = try tinyConfig(replacing: "  - 1.0\n", with: "  - 1.0\n  - 1.5\n")
            .deletingLastPathComponent().appendingPathComponent("config.yaml")
        let text = try String(contentsOf: yaml, encoding: .utf8)
            .replacingOccurrences(of: "simulation:", with: "  - args:\n      num_node: 3\n    name: _fully_connect\nsimulation:")
        try text.write(to: yaml, atomically: true, encoding: .utf8)
        let pth = TestData.fixture("tiny.pth")
        #expect(message { _ = try CheckpointImporter.importNetwork(checkpoint: pth, config: yaml) } ==
            "\(pth.path): circuit.layer_list.2.model.param: is missing, but config.yaml (\(yaml.path)) has 3 layers; the checkpoint and config.yaml come from different runs; pass the config.yaml saved next to this model.pth")
    }

    // MARK: config.yaml

    @Test func missingTEndIsRefused() throws {
        let yaml = try tinyConfig(replacing: "  t_end:\n  - 0.0\n  - 0.5\n  - 1.0\n", with: "")
        #expect(message { _ = try CheckpointImporter.importNetwork(checkpoint: TestData.fixture("tiny.pth"), config: yaml) } ==
            "\(yaml.path): line 19, simulation: t_end is missing; add simulation.t_end with the 3 layer boundaries, e.g. [0.0, 0.5, 1.0]")
    }

    @Test func tEndCountMustBeLayersPlusOne() throws {
        let yaml = try tinyConfig(replacing: "  - 1.0\n", with: "")
        #expect(message { _ = try UpstreamConfig.read(yaml) } ==
            "\(yaml.path): line 24, simulation.t_end: has 2 values but network.net_struct has 2 layers; it needs 3 (t_0 … t_2); give one boundary more than there are layers")
    }

    @Test func aNonNumericToleranceIsRefusedWithItsKey() throws {
        let yaml = try tinyConfig(replacing: "tol: 1e-4", with: "tol: fast")
        #expect(message { _ = try UpstreamConfig.read(yaml) } ==
            "\(yaml.path): line 28, simulation.tol: is 'fast', which is not a number; write a number such as 1.0e-4")
    }

    @Test func aNonIntegerGeneratorArgumentIsRefusedWithItsKey() throws {
        let yaml = try tinyConfig(replacing: "      num_node: 3\n    name: _fully_connect\nsimulation", with: "      num_node: 3.0\n    name: _fully_connect\nsimulation")
        #expect(message { _ = try UpstreamConfig.read(yaml) } ==
            "\(yaml.path): line 17, network.net_struct[1].args.num_node: is '3.0', expected an integer; write a whole number")
    }

    @Test func anUnknownGeneratorArgumentIsRefusedWithItsName() throws {
        let yaml = try tinyConfig(replacing: "      num_node: 3\n    name: _fully_connect\nsimulation", with: "      num_nodes: 3\n    name: _fully_connect\nsimulation")
        #expect(message { _ = try UpstreamConfig.read(yaml) } ==
            "\(yaml.path): line 17, network.net_struct[1].args.num_nodes: _fully_connect has no argument 'num_nodes'; its arguments are num_node, include_gnd, repeat; remove or rename it; upstream would fail with a TypeError")
    }

    @Test func anUnknownBenchNeedsAnExplicitBlockKind() throws {
        let yaml = try tinyConfig(replacing: "test_bench: twomoon", with: "test_bench: my_dataset")
        let pth = TestData.fixture("tiny.pth")
        #expect(message { _ = try CheckpointImporter.importNetwork(checkpoint: pth, config: yaml) } ==
            "\(yaml.path): test_bench: 'my_dataset' is not a known upstream test bench, so the block kind (plain CircuitBlock or log-density AugCircuitBlock) is unknown; pass the block kind explicitly (plain for classification, augmented for generation/density)")
        let net = try CheckpointImporter.importNetwork(checkpoint: pth, config: yaml, block: .plain)
        #expect(net.block == .plain && net.testBench == "my_dataset")
    }

    @Test func invalidYamlSyntaxNamesTheLine() throws {
        let yaml = try tinyConfig(replacing: "    name: ShiftTanh2", with: "    name: [ShiftTanh2")
        let text = message { _ = try UpstreamConfig.read(yaml) }
        #expect(text?.hasPrefix("\(yaml.path): line ") == true)
        #expect(text?.contains("is not valid YAML") == true)
    }
}
