import Foundation
import KNModel
import Testing
@testable import KNImport

/// Synthetic checkpoints from `Fixtures/make_fixtures.py`: newer pickle protocols, other dtypes, views with offsets
/// and strides, big-endian storages and other archive folder names. Expected values come from the script.
struct PickleFixtureTests {
    func check(_ pth: String, _ json: String, file: String = #filePath, line: Int = #line) throws -> TorchCheckpoint {
        let ckpt = try TorchCheckpoint.read(TestData.fixture(pth))
        let expected = try TestData.expected(json)
        #expect(ckpt.keys == expected.tensors.map(\.key))
        for want in expected.tensors {
            let got = try #require(ckpt[want.key])
            #expect(got.shape == want.shape, "\(want.key)")
            #expect(got.precision.rawValue == want.dtype, "\(want.key)")
            #expect(got.values.count == want.values.count, "\(want.key)")
            // Exact: each value is promoted from its dtype without rounding. Compare bit patterns (−0 and 0 differ).
            #expect(got.values.map(\.bitPattern) == want.values.map(\.bitPattern), "\(want.key)")
        }
        return ckpt
    }

    @Test func protocol4FromCPythonPicklerWithFourDtypesAndStridedViews() throws {
        let expected = try TestData.expected("proto4.expected.json")
        for op in ["FRAME", "MEMOIZE", "SHORT_BINUNICODE", "STACK_GLOBAL"] {
            #expect(expected.opcodes?.contains(op) == true, "fixture lacks \(op)")
        }
        let ckpt = try check("proto4.pth", "proto4.expected.json")
        #expect(ckpt.archiveFolder == "my-model.v2")
        #expect(!ckpt.bigEndian)
        let t = try #require(ckpt["bf16.transposed"])
        #expect(t.strides == [1, 3] && t.precision == .bfloat16)
        let s = try #require(ckpt["f64.strided"])
        #expect(s.storageOffset == 1 && s.strides == [5, 2])
        // f64.strided gathers storage elements 1, 3, 6, 8: π was at 0, so element 1 is −e.
        #expect(s.values.first == -M_E)
        #expect(ckpt["f64.scalar"]?.shape == [] && ckpt["f64.scalar"]?.values == [0x1p-1074])  // storage element 3: the smallest subnormal
        #expect(ckpt["f32.param"]?.requiresGrad == true)
        #expect(ckpt["f32.empty"]?.shape == [0, 5] && ckpt["f32.empty"]?.values.isEmpty == true)
    }

    @Test func protocol2WithMemoAbove255AndBigEndianStorages() throws {
        let expected = try TestData.expected("proto2_bigendian.expected.json")
        #expect(expected.opcodes?.contains("LONG_BINPUT") == true && expected.opcodes?.contains("LONG_BINGET") == true)
        let ckpt = try check("proto2_bigendian.pth", "proto2_bigendian.expected.json")
        #expect(ckpt.bigEndian)
        #expect(ckpt.tensors.count == 151)
        // Written big endian: layer i has dtype i % 4 (float32, float64, float16, bfloat16).
        #expect(ckpt["layer.148.weight"]?.values == [148, 148.25, 148.5])
        #expect(ckpt["layer.146.weight"]?.precision == .float16 && ckpt["layer.146.weight"]?.values == [146, 146.25, 146.5])
        #expect(ckpt["layer.147.weight"]?.precision == .bfloat16 && ckpt["layer.147.weight"]?.values == [3, 3.5, 4])
        #expect(ckpt["tied.weight"]?.values == [149, 149.25, 149.5])
        #expect(ckpt["tied.weight"]?.precision == .float64)
    }

    @Test func protocol5HandWrittenOpcodes() throws {
        let expected = try TestData.expected("proto5.expected.json")
        for op in ["BINUNICODE8", "LONG1", "LONG4", "NEWOBJ", "BINFLOAT", "LONG_BINPUT", "LONG_BINGET", "FRAME", "BUILD"] {
            #expect(expected.opcodes?.contains(op) == true, "fixture lacks \(op)")
        }
        let ckpt = try check("proto5.pth", "proto5.expected.json")
        #expect(ckpt.archiveFolder == "exported")
        #expect(ckpt["scale"]?.values == [0.5 * 999 - 3])
    }

    @Test func aTinyNetworkInTorchsExactLayoutImports() throws {
        let net = try CheckpointImporter.importNetwork(checkpoint: TestData.fixture("tiny.pth"),
                                                       config: TestData.fixture("tiny.yaml"))
        let expected = try TestData.expected("tiny.expected.json")
        #expect(net.layers.count == 2)
        for (l, layer) in net.layers.enumerated() {
            #expect(layer.parameters.rows == 3 && layer.parameters.columns == 12)
            #expect(layer.parameters.values == expected.tensors[l].values)
        }
    }
}
