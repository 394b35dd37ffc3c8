import Foundation
import KNImport
import KNModel
import Testing
@testable import KNSimulate

/// Checkpoints shaped like upstream's held-back ones (16-layer ShiftTanh1, a genmnist-like _mix_connect, every
/// other edge family, fill: repeat, residual, firstK/lastK projectors), imported from their config.yaml and
/// model.pth and compared with PyTorch's own float64 integration of upstream's code
/// (Fixtures/make_torch_reference.py; torchdiffeq dopri5 at 1e-12).
struct TorchReferenceTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/torch-reference")

    static let cases: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()

    struct Expected: Decodable {
        var inputs: [[Double]]
        var outputs_forward: [[[Double]]]
        var outputs_reverse: [[[Double]]]?
        var logp_forward: [[Double]]?
        var logp_reverse: [[Double]]?
        var projected_forward: [[Double]]
        var projected_reverse: [[Double]]?
    }

    @Test func everyCaseIsPresent() {
        #expect(Self.cases.count == 9, "\(Self.cases)")
    }

    @Test(arguments: cases)
    func importedNetworkMatchesPyTorch(name: String) throws {
        let dir = Self.folder.appendingPathComponent(name)
        let network = try CheckpointImporter.importNetwork(checkpoint: dir.appendingPathComponent("model.pth"),
                                                           config: dir.appendingPathComponent("config.yaml"))
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: dir.appendingPathComponent("expected.json")))
        let runs: [(Direction, [[[Double]]]?, [[Double]]?, [[Double]]?)] = [
            (.forward, expected.outputs_forward, expected.logp_forward, expected.projected_forward),
            (.reverse, expected.outputs_reverse, expected.logp_reverse, expected.projected_reverse),
        ]
        var worst = 0.0
        for (direction, states, logp, projected) in runs {
            guard let states, let projected else { continue }
            // Relu-type kinks are integrated most accurately by BDF (see README); smooth families by Adams.
            let smooth: Bool
            switch network.family {
            case .shiftTanh1, .shiftTanh2, .conductance: smooth = true
            case .device(_, let activation): smooth = activation != .relu && activation != .leakyRelu
            default: smooth = false
            }
            let method: IntegrationMethod = smooth ? .exact : .stiff
            let sim = try Simulator(network: network, options: SimulationOptions(method: method, direction: direction))
            let results = try sim.run(batch: expected.inputs)
            for (s, r) in results.enumerated() {
                #expect(r.states.count == states[s].count, "\(name) \(direction)")
                for k in 0..<min(r.states.count, states[s].count) {
                    // k = 0: the simulator reports the input after the first layer's padding; the reference the raw input.
                    let ours = k == 0 ? Array(r.states[0].prefix(states[s][0].count)) : r.states[k]
                    #expect(ours.count == states[s][k].count, "\(name) \(direction) sample \(s) anchor \(k)")
                    worst = max(worst, maxAbsDifference(ours, states[s][k]))
                    if let logp { worst = max(worst, abs(r.logDensity![k] - logp[s][k])) }
                }
                #expect(r.output.count == projected[s].count)
                worst = max(worst, maxAbsDifference(r.output, projected[s]))
            }
        }
        print("\(name): max |difference| to PyTorch = \(worst)")
        #expect(worst < 1e-6, "\(name): \(worst)")
    }
}
