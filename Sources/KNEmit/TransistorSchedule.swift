import Foundation
import KNMap

/// The switch drive of a transistor netlist: when each layer's transmission gates conduct and when each
/// capacitor bank is released from V_CM and joined to its node, as PWL corner lists in seconds and volts.
///
/// - Layer k's enable `en<k>` is at vdd during the layer's window (``KNMap/MappedLayer``) and at 0 otherwise,
///   with ramps of width `r = switchRamp·tau` (the shortest tau of any layer) centred on the switching times (a corner lies exactly on each, so the simulator
///   stores a point at every anchor). Layer 0 is on from t = 0; the last layer stays on at the end.
///   `enb<k>` is its complement.
/// - A bank that joins its node at layer k is held at V_CM by its reset gate (`rs<k>`) until `t_k − 2r`, floats
///   from `t_k − r`, and its join gate (`jn<k>`) closes over `[t_k, t_k + r]`, after the anchor value at `t_k`
///   has been stored (that value belongs to the scale of layer k − 1).
/// - With a ``SettlePhase`` every anchor moves later by the phase (`settle` seconds), and layer 0 turns on like
///   the others, centred on anchor 0; before it every switch is open.
public struct TransistorSchedule: Sendable, Hashable {
    /// Circuit time of every anchor, seconds (`settle + (t_k − t_0)·tau`).
    public let anchorTimes: [Double]
    /// The settle phase before anchor 0, seconds (0 without one).
    public let settle: Double
    /// The ramp width, seconds.
    public let ramp: Double
    /// The high level of every drive signal (vdd), volts.
    public let high: Double

    /// The schedule of `circuit`'s layers, with ramps of `switchRamp` model time units, after a settle phase of
    /// `settle` model time units (of the shortest tau; 0 for none).
    public init(_ circuit: MappedCircuit, switchRamp: Double, settle: Double = 0) throws(EmitError) {
        guard let first = circuit.layers.first else { throw .invalid("circuit.layers", "is empty; map a network with at least one layer") }
        let times = [first.startSeconds] + circuit.layers.map(\.endSeconds)
        for k in 1..<times.count where !(times[k] > times[k - 1]) {
            throw .invalid("circuit.layers[\(k - 1)]", "ends at \(times[k]) s, not after its start \(times[k - 1]) s; re-map the network")
        }
        let ramp = switchRamp * circuit.shortestTau
        let shortest = zip(times.dropFirst(), times).map { $0 - $1 }.min() ?? .infinity
        guard 4 * ramp < shortest else {
            throw .invalid("transistor options.switchRamp", "\(switchRamp) model time units is not below a quarter of the shortest layer span (\(shortest / circuit.shortestTau)); make it smaller")
        }
        let settle = settle * circuit.shortestTau
        guard settle == 0 || settle > ramp else {
            throw .invalid("transistor options.start settle duration", "\(settle / circuit.shortestTau) model time units is not longer than a switch ramp (\(switchRamp)); make it longer")
        }
        self.anchorTimes = times.map { $0 - first.startSeconds + settle }
        self.settle = settle
        self.ramp = ramp
        self.high = circuit.scaling.vdd
    }

    /// The number of layers.
    public var layerCount: Int { anchorTimes.count - 1 }

    /// Corners of `en<layer>` (`complement`: `enb<layer>`).
    public func enable(layer l: Int, complement: Bool = false) -> [(Double, Double)] {
        let h = ramp / 2, a = anchorTimes[l], b = anchorTimes[l + 1]
        var pts: [(Double, Double)] = l == 0 && settle == 0 ? [(0, 1)] : [(0, 0), (a - h, 0), (a, 0.5), (a + h, 1)]
        if l < layerCount - 1 {
            pts += [(b - h, 1), (b, 0.5), (b + h, 0)]
        } else {
            pts.append((b, 1))
        }
        return scaled(pts, complement)
    }

    /// Corners of `rs<layer>`: the reset of the banks that join at `layer` (≥ 1).
    public func reset(layer l: Int, complement: Bool = false) -> [(Double, Double)] {
        let a = anchorTimes[l]
        return scaled([(0, 1), (a - 2 * ramp, 1), (a - ramp, 0), (anchorTimes.last!, 0)], complement)
    }

    /// Corners of `jn<layer>`: the join of the banks that join at `layer` (≥ 1).
    public func join(layer l: Int, complement: Bool = false) -> [(Double, Double)] {
        let a = anchorTimes[l]
        return scaled([(0, 0), (a, 0), (a + ramp, 1), (max(anchorTimes.last!, a + 2 * ramp), 1)], complement)
    }

    /// The PWL argument list of a corner list.
    public static func pwl(_ points: [(Double, Double)]) -> String {
        points.map { "\(TextSink.format($0.0)) \(TextSink.format($0.1))" }.joined(separator: " ")
    }

    private func scaled(_ points: [(Double, Double)], _ complement: Bool) -> [(Double, Double)] {
        points.map { ($0.0, (complement ? 1 - $0.1 : $0.1) * high) }
    }
}
