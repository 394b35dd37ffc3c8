import Foundation
import KNModel
import Testing
@testable import KNImport

/// The three checkpoints published with the KirchhoffNet paper, imported end to end.
@Suite(.enabled(if: TestData.hasUpstream, "shared/upstream is not present above this worktree"))
struct UpstreamCheckpointTests {
    @Test func twomoonImportsTwoShiftTanh2LayersOf300Edges() throws {
        let (pth, yaml) = TestData.experiment("twomoon")
        let net = try CheckpointImporter.importNetwork(checkpoint: pth, config: yaml)
        #expect(net.family == .shiftTanh2)
        #expect(net.layers.count == 2)
        #expect(net.block == .augmented)
        #expect(net.anchors == [0, 0.5, 1.0])
        #expect(net.solver == SolverSettings(method: "dopri5", tolerance: 1e-4, firstStep: 1e-3, minStep: 1e-6, stepSize: 1e-6))
        #expect(net.fill == nil && net.residual == nil && net.encoder == nil && net.projectors.isEmpty)
        #expect(net.testBench == "twomoon")
        for layer in net.layers {
            #expect(layer.parameters.rows == 3 && layer.parameters.columns == 300)
            #expect(layer.parameters.precision == .float32)
            #expect(layer.nodeCount == 2)
            #expect(layer.generator == .fullyConnect(numNode: 3, includeGround: true, repeat: [25, 25]))
        }
        // TOPOLOGY.md's edge order for n = 3: (0,1)×r0, (1,0)×r1, (0,2)×r0, (2,0)×r1, (1,0)×r0, …
        let e = net.layers[0].edges
        #expect(Array(e.src[0..<25]) == Array(repeating: 0, count: 25) && Array(e.des[0..<25]) == Array(repeating: 1, count: 25))
        #expect(e.src[25] == 1 && e.des[25] == 0 && e.src[50] == 0 && e.des[50] == 2 && e.src[100] == 1 && e.des[100] == 0)
        #expect(e.src[299] == 1 && e.des[299] == 2)
    }

    @Test func twomoonParametersEqualTheBytesAtTheOffsetsFormatMdGives() throws {
        let (pth, yaml) = TestData.experiment("twomoon")
        let net = try CheckpointImporter.importNetwork(checkpoint: pth, config: yaml)
        // FORMAT.md: data/0 at byte 704 and data/1 at byte 4416, 3600 bytes each, param[p][e] = f32le(data[(p*E+e)*4]).
        let bytes = [UInt8](try Data(contentsOf: pth))
        for (l, start) in [704, 4416].enumerated() {
            for p in 0..<3 {
                for e in 0..<300 {
                    let o = start + (p * 300 + e) * 4
                    let bits = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
                    let want = Double(Float(bitPattern: bits))
                    if net.layers[l].parameters[p, e] != want {
                        Issue.record("layer \(l) p\(p) edge \(e): \(net.layers[l].parameters[p, e]) != \(want)")
                        return
                    }
                }
            }
        }
        #expect(net.layers.allSatisfy { $0.parameters.values.allSatisfy { abs($0) <= 1.42 } })
    }

    @Test func twoSpiralsImportsEightLayersOf120Edges() throws {
        let pth = TestData.experiment("2spirals").checkpoint
        let net = try CheckpointImporter.importNetwork(folder: pth.deletingLastPathComponent())
        #expect(net.layers.count == 8)
        #expect(net.block == .augmented)
        #expect(net.anchors == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6])
        for (l, layer) in net.layers.enumerated() {
            #expect(layer.parameters.rows == 3 && layer.parameters.columns == 120)
            #expect(layer.nodeCount == 2)
            let raw = try TestData.rawFloat32(file: pth, entry: "archive/data/\(l)", count: 360)
            #expect(layer.parameters.values == raw, "layer \(l)")
        }
    }

    @Test func mnistImportsTwoMixConnectLayersOf834Nodes() throws {
        let (pth, yaml) = TestData.experiment("mnist")
        let net = try CheckpointImporter.importNetwork(checkpoint: pth, config: yaml)
        #expect(net.family == .shiftRelu1)
        #expect(net.block == .plain)
        #expect(net.fill == .zeros)
        #expect(net.projectors == [.last(10)])
        #expect(net.anchors == [0, 1, 2])
        #expect(net.solver.tolerance == 1e-3 && net.solver.firstStep == 1e-2 && net.solver.minStep == 1e-5)
        for (l, layer) in net.layers.enumerated() {
            #expect(layer.parameters.rows == 2 && layer.parameters.columns == 230_068)
            #expect(layer.nodeCount == 834)
            // TOPOLOGY.md: 150000 patch edges, then 784 × (node→0, 0→node), then 50 hidden nodes × 785 × 2.
            #expect(layer.edges.src[150_000] == 1 && layer.edges.des[150_000] == 0)
            #expect(layer.edges.src[150_001] == 0 && layer.edges.des[150_001] == 1)
            #expect(layer.edges.src[151_568] == 0 && layer.edges.des[151_568] == 785)
            #expect(layer.edges.src[230_067] == 834 && layer.edges.des[230_067] == 784)
            let raw = try TestData.rawFloat32(file: pth, entry: "archive/data/\(l)", count: 2 * 230_068)
            #expect(layer.parameters.values == raw, "layer \(l)")
        }
    }

    @Test func theCheckpointReaderKeepsStateDictOrderAndMetadata() throws {
        let ckpt = try TorchCheckpoint.read(TestData.experiment("2spirals").checkpoint)
        #expect(ckpt.keys == (0..<8).map { "circuit.layer_list.\($0).model.param" })
        #expect(ckpt.archiveFolder == "archive")
        #expect(!ckpt.bigEndian)
        let t = try #require(ckpt["circuit.layer_list.3.model.param"])
        #expect(t.shape == [3, 120] && t.strides == [120, 1] && t.storageOffset == 0 && t.precision == .float32)
    }
}
