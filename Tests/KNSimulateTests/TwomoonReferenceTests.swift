import Foundation
import KNModel
import Testing
@testable import KNSimulate

// TEMPORARY, TEST-ONLY: reads twomoon's two (3, 300) float32 parameter tensors straight from the STORED zip
// entries of upstream/twomoon/model.pth at the byte offsets that shared/upstream/FORMAT.md documents
// (data/0 at 704, data/1 at 4416). To be replaced by the KNImport checkpoint reader when it lands.
private enum TwomoonCheckpoint {
    static let offsets = [704, 4416]
    static let count = 900

    static func network(shared: URL) throws -> Network {
        let data = try Data(contentsOf: shared.appendingPathComponent("upstream/twomoon/model.pth"))
        guard data.count == 8487, data.prefix(4) == Data([0x50, 0x4B, 0x03, 0x04]) else {
            throw ModelError.unreadableModelFile(path: "twomoon/model.pth", problem: "not the 8487-byte zip FORMAT.md describes")
        }
        let generator = TopologyGenerator.fullyConnect(numNode: 3, includeGround: true, repeat: [25, 25])
        let edges = try generator.generate()
        let layers = offsets.map { offset -> Layer in
            let values = (0..<count).map { k -> Double in
                let b = data.subdata(in: (offset + 4 * k)..<(offset + 4 * k + 4))
                let bits = UInt32(b[b.startIndex]) | UInt32(b[b.startIndex + 1]) << 8
                    | UInt32(b[b.startIndex + 2]) << 16 | UInt32(b[b.startIndex + 3]) << 24
                return Double(Float(bitPattern: bits))
            }
            return Layer(generator: generator, edges: edges,
                         parameters: ParameterMatrix(rows: 3, columns: 300, values: values, precision: .float32))
        }
        return Network(family: .shiftTanh2, layers: layers, anchors: [0, 0.5, 1.0], block: .augmented,
                       solver: SolverSettings(method: "dopri5", tolerance: 1e-4, firstStep: 1e-3, minStep: 1e-6))
    }
}

private struct ReferenceFile: Decodable {
    var inputs: [[Double]]
    var outputs_forward: [[[Double]]]
    var outputs_reverse: [[[Double]]]
    var logp_diff_forward: [[Double]]
    var logp_diff_reverse: [[Double]]
    var t_forward: [Double]
    var t_reverse: [Double]
}

@Test func twomoonMatchesTheReferenceAtEveryAnchor() throws {
    guard let shared = Fixtures.sharedFolder() else {
        print("skipped: no folder with shared/reference above \(#filePath); the twomoon reference check needs ../shared")
        return
    }
    let net = try TwomoonCheckpoint.network(shared: shared)
    let ref = try JSONDecoder().decode(ReferenceFile.self,
                                       from: Data(contentsOf: shared.appendingPathComponent("reference/twomoon.json")))
    for direction in [Direction.forward, .reverse] {
        let sim = try Simulator(network: net, options: SimulationOptions(method: .exact, direction: direction))
        let results = try sim.run(batch: ref.inputs)
        let states = direction == .forward ? ref.outputs_forward : ref.outputs_reverse
        let logps = direction == .forward ? ref.logp_diff_forward : ref.logp_diff_reverse
        var worst = 0.0
        for (s, r) in results.enumerated() {
            #expect(r.anchorTimes == (direction == .forward ? ref.t_forward : ref.t_reverse))
            for k in 0..<states[s].count {
                let d = max(maxAbsDifference(r.states[k], states[s][k]), abs(r.logDensity![k] - logps[s][k]))
                worst = max(worst, d)
                #expect(d < 1e-6, "sample \(s), anchor \(k), \(direction)")
            }
        }
        print("twomoon \(direction): max |difference| to reference = \(worst), RHS evaluations sample 0 = \(results[0].rightHandSideEvaluations)")
    }
}
