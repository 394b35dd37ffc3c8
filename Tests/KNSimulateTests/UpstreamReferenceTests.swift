import Foundation
import KNImport
import KNModel
import KNTestSupport
import Testing
@testable import KNSimulate

/// An upstream checkpoint from `shared/upstream`, imported with KNImport.
private struct UpstreamCheckpoint {
    var experiment: String

    static let twomoon = UpstreamCheckpoint(experiment: "twomoon")
    static let twoSpirals = UpstreamCheckpoint(experiment: "2spirals")

    func network() throws -> Network? {
        guard let files = SharedData.upstream(experiment) else { return nil }
        return try CheckpointImporter.importNetwork(checkpoint: files.checkpoint, config: files.config)
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
    var f32time: Float32Runs

    struct Float32Runs: Decodable {
        var outputs_forward: [[[Double]]]
        var outputs_reverse: [[[Double]]]
        var logp_diff_forward: [[Double]]
        var logp_diff_reverse: [[Double]]
    }
}

/// Runs `checkpoint` on the reference inputs and returns the largest difference to the reference states and logp.
private func compare(_ checkpoint: UpstreamCheckpoint, spans: SpanMode, method: IntegrationMethod = .exact,
                     tolerance: Double) throws -> Double? {
    guard let shared = SharedData.folder, let net = try checkpoint.network() else {
        print("\(checkpoint.experiment): \(SharedData.missingReason)")
        return nil
    }
    let ref = try JSONDecoder().decode(ReferenceFile.self, from: Data(contentsOf: shared.appendingPathComponent("reference/\(checkpoint.experiment).json")))
    var worst = 0.0
    for direction in [Direction.forward, .reverse] {
        let sim = try Simulator(network: net, options: SimulationOptions(method: method, direction: direction, spans: spans))
        let results = try sim.run(batch: ref.inputs)
        let forward = direction == .forward
        let states = spans == .exact ? (forward ? ref.outputs_forward : ref.outputs_reverse)
                                     : (forward ? ref.f32time.outputs_forward : ref.f32time.outputs_reverse)
        let logps = spans == .exact ? (forward ? ref.logp_diff_forward : ref.logp_diff_reverse)
                                    : (forward ? ref.f32time.logp_diff_forward : ref.f32time.logp_diff_reverse)
        for (s, r) in results.enumerated() {
            #expect(r.anchorTimes == (forward ? ref.t_forward : ref.t_reverse))
            #expect(r.states.count == states[s].count)
            for k in 0..<min(r.states.count, states[s].count) {
                let d = max(maxAbsDifference(r.states[k], states[s][k]), abs(r.logDensity![k] - logps[s][k]))
                worst = max(worst, d)
                #expect(d < tolerance, "\(checkpoint.experiment) sample \(s), anchor \(k), \(direction), \(spans) spans")
            }
        }
    }
    print("\(checkpoint.experiment) \(method) \(spans) spans: max |difference| to reference = \(worst)")
    return worst
}

@Test func twomoonMatchesTheReferenceAtEveryAnchor() throws {
    _ = try compare(.twomoon, spans: .exact, tolerance: 1e-6)
}

@Test func twoSpiralsMatchesTheReferenceWithExactAndFloat32Spans() throws {
    _ = try compare(.twoSpirals, spans: .exact, tolerance: 1e-6)
    _ = try compare(.twoSpirals, spans: .float32, tolerance: 1e-6)
}

@Test func dopri5StaysWithinItsToleranceOfTheTwomoonReference() throws {
    // rtol = atol = 1e-4 as in the config: the states differ from the exact solution, but not grossly.
    guard let worst = try compare(.twomoon, spans: .float32, method: .dopri5, tolerance: 1e-1) else { return }
    #expect(worst > 1e-8)
}

private struct MnistReference: Decodable {
    var inputs_float: [[Double]]
    var logits: [[Double]]
    var argmax: [Int]
    var state_after_layer0: [[Double]]
}

/// mnist (2 × 230,068 ShiftRelu1 edges, 834 nodes): the 10 logits of the 4 reference images within 1e-4, and the
/// full state after layer 0 within 1e-4. BDF + KLU at 1e-10 is the accurate method on relu networks (kinks).
@Test func mnistLogitsMatchTheReference() throws {
    guard let shared = SharedData.folder, let files = SharedData.upstream("mnist") else {
        print("mnist: \(SharedData.missingReason)"); return
    }
    let net = try CheckpointImporter.importNetwork(checkpoint: files.checkpoint, config: files.config)
    let ref = try JSONDecoder().decode(MnistReference.self,
                                       from: Data(contentsOf: shared.appendingPathComponent("reference/mnist.json")))
    let sim = try Simulator(network: net, options: SimulationOptions(method: .stiff(relativeTolerance: 1e-10, absoluteTolerance: 1e-10)))
    let results = try sim.run(batch: ref.inputs_float)
    var worstLogit = 0.0, worstState = 0.0
    for (s, r) in results.enumerated() {
        #expect(r.outputShape == [10])
        worstLogit = max(worstLogit, maxAbsDifference(r.output, ref.logits[s]))
        worstState = max(worstState, maxAbsDifference(r.states[1], ref.state_after_layer0[s]))
        #expect(r.output.indices.max { r.output[$0] < r.output[$1] } == ref.argmax[s])
    }
    print("mnist stiff 1e-10: max |logit difference| = \(worstLogit), max |state after layer 0 difference| = \(worstState)")
    #expect(worstLogit < 1e-4)
    #expect(worstState < 1e-4)
}
