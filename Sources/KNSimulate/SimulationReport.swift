import Foundation
import KNModel

/// Simulation results in the layouts `kn-map simulate` writes: CSV rows per sample and anchor, or JSON in the
/// layout of the reference files (`outputs[s][k]` = state after k layers).
public struct SimulationReport: Sendable {
    public var inputs: SampleTable
    public var results: [SimulationResult]

    public init(inputs: SampleTable, results: [SimulationResult]) {
        self.inputs = inputs
        self.results = results
    }

    /// CSV: `sample,k,time,logp,v1..vN`; `k = output` rows hold the projected read-out, `k = trajectory`
    /// rows the requested trajectory points.
    public func csv() -> String {
        let width = results.flatMap { $0.states.map(\.count) + [$0.output.count] + $0.trajectory.map(\.state.count) }.max() ?? 0
        var out = "sample,k,time,logp," + (1...max(width, 1)).map { "v\($0)" }.joined(separator: ",") + "\n"
        func row(_ s: Int, _ k: String, _ t: Double?, _ logp: Double?, _ v: [Double]) {
            out += "\(s),\(k),\(t.map { "\($0)" } ?? ""),\(logp.map { "\($0)" } ?? "")"
            for x in v { out += ",\(x)" }
            out += String(repeating: ",", count: max(width - v.count, 0)) + "\n"
        }
        for (s, r) in results.enumerated() {
            for (k, state) in r.states.enumerated() {
                row(s, String(k), r.anchorTimes[k], r.logDensity?[k], state)
            }
            for p in r.trajectory { row(s, "trajectory", p.time, p.logDensity, p.state) }
            if r.output != r.states.last! || r.outputShape.count > 1 { row(s, "output", nil, nil, r.output) }
        }
        return out
    }

    /// JSON with `inputs`, `anchors[s]`, `outputs[s][k]`, `logp[s][k]`, `projected[s]`, `projectedShape`,
    /// `trajectory[s]` and solver statistics.
    public func json() throws -> Data {
        struct Point: Encodable { var time: Double; var layer: Int; var state: [Double]; var logp: Double? }
        struct Body: Encodable {
            var inputs: [[Double]]
            var anchors: [[Double]]
            var outputs: [[[Double]]]
            var logp: [[Double]]?
            var projected: [[Double]]
            var projectedShape: [Int]
            var trajectory: [[Point]]
            var rhsEvaluations: [Int]
            var steps: [Int]
        }
        let body = Body(inputs: inputs.samples, anchors: results.map(\.anchorTimes), outputs: results.map(\.states),
                        logp: results.first?.logDensity == nil ? nil : results.map { $0.logDensity ?? [] },
                        projected: results.map(\.output), projectedShape: results.first?.outputShape ?? [],
                        trajectory: results.map { $0.trajectory.map { Point(time: $0.time, layer: $0.layer, state: $0.state, logp: $0.logDensity) } },
                        rhsEvaluations: results.map(\.rightHandSideEvaluations), steps: results.map(\.steps))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(body)
    }
}
