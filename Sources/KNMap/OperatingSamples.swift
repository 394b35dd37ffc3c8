import Foundation
import KNModel
import KNSimulate

/// Node voltages (model units) the network visits while it computes: for each layer, the states at the
/// layer's start, at evenly spaced times inside its window and at its end, for every sample input.
///
/// The mapper sizes each cell for the voltages its edge actually sees, and the fidelity check sweeps each
/// sampled cell through exactly these operating points.
public struct OperatingSamples: Sendable {
    /// `states[layer][point]`: the state vector (nodes 1...N of that layer) at one visited point.
    public var states: [[[Double]]]
    /// Sample inputs used.
    public var inputCount: Int
    /// Simulation wall time, seconds.
    public var seconds: Double

    public init(states: [[[Double]]], inputCount: Int, seconds: Double) {
        self.states = states
        self.inputCount = inputCount
        self.seconds = seconds
    }

    /// Simulates `inputs` forward with `method` and records `pointsPerLayer` interior points per layer.
    public static func simulate(network: Network, inputs: [[Double]], pointsPerLayer: Int = 8,
                                method: IntegrationMethod = .dopri5) throws -> OperatingSamples {
        let start = Date()
        var times: [Double] = []
        for k in 0..<network.layers.count {
            let t0 = network.anchors[k], t1 = network.anchors[k + 1]
            for j in 1...max(1, pointsPerLayer) { times.append(t0 + (t1 - t0) * Double(j) / Double(pointsPerLayer + 1)) }
        }
        let options = SimulationOptions(method: method, direction: .forward, logDensity: false, trajectoryTimes: times)
        let simulator = try Simulator(network: network, options: options)
        let results = try simulator.run(batch: inputs)
        var states = Array(repeating: [[Double]](), count: network.layers.count)
        for result in results {
            for k in network.layers.indices {
                states[k].append(result.states[k])
                for point in result.trajectory where point.layer == k { states[k].append(point.state) }
                states[k].append(result.states[k + 1])
            }
        }
        return OperatingSamples(states: states, inputCount: inputs.count, seconds: Date().timeIntervalSince(start))
    }

    /// The value of node `node` (0 = ground) in a state vector.
    @inline(__always)
    static func value(_ state: [Double], _ node: Int) -> Double {
        node == 0 || node > state.count ? 0 : state[node - 1]
    }

    /// Per-node minimum and maximum of one layer (index n − 1 for node n).
    public func nodeRanges(layer: Int, nodeCount: Int) -> (min: [Double], max: [Double]) {
        var low = Array(repeating: Double.infinity, count: nodeCount)
        var high = Array(repeating: -Double.infinity, count: nodeCount)
        for state in states[layer] {
            for n in 0..<min(nodeCount, state.count) {
                low[n] = Swift.min(low[n], state[n]); high[n] = Swift.max(high[n], state[n])
            }
        }
        for n in 0..<nodeCount where !low[n].isFinite { low[n] = 0; high[n] = 0 }
        return (low, high)
    }

    /// The (vs, vd) pairs edge (src, des) sees in a layer.
    public func points(layer: Int, src: Int, des: Int) -> [(vs: Double, vd: Double)] {
        states[layer].map { (Self.value($0, src), Self.value($0, des)) }
    }

    /// The smallest and largest `w0·v_src + w1·v_des` that edge (src, des) sees in a layer: the input part of its
    /// argument at the same visited points (jointly, not each node at its own extreme).
    public func visitedArgument(layer: Int, src: Int, des: Int, w0: Double, w1: Double) -> (low: Double, high: Double) {
        var low = Double.infinity, high = -Double.infinity
        for state in states[layer] {
            let x = w0 * Self.value(state, src) + w1 * Self.value(state, des)
            low = Swift.min(low, x); high = Swift.max(high, x)
        }
        return low <= high ? (low, high) : (0, 0)
    }

    /// The largest |v| over all layers and nodes.
    public var maximumMagnitude: Double {
        states.joined().reduce(0) { m, s in Swift.max(m, s.reduce(0) { Swift.max($0, abs($1)) }) }
    }

    /// Whether any node leaves the window `±scaling.modelLimit(layer:node:)` in any layer.
    public func exceeds(_ scaling: Scaling) -> Bool {
        for (k, layer) in states.enumerated() {
            for state in layer {
                for (i, v) in state.enumerated() where abs(v) > scaling.modelLimit(layer: k, node: i + 1) { return true }
            }
        }
        return false
    }
}
