import Foundation
import KNMap

/// Reads the node values of a transistor netlist's rawfile back in model units.
public enum TransistorReadback {
    /// The model value of nodes 1…`stateWidths[k]` at every anchor k of `netlist`.
    ///
    /// The voltage at anchor k (circuit time `t_k·tau`, a stored point: the switch drive has a corner there) maps
    /// to model units with the scale of the layer that has just ended, `scaling.modelValue(volts:layer: k − 1,
    /// node:)` (layer 0 for anchor 0). Between two stored points the voltage is interpolated linearly.
    public static func anchorValues(_ plot: RawPlot, netlist: TransistorNetlist, scaling: Scaling, path: String) throws(VerificationError) -> [[Double]] {
        guard let ti = plot.index(of: "time") else { throw .missing(path: path, what: "the time vector") }
        let time = plot.column(ti)
        guard let first = time.first, let last = time.last else { throw .missing(path: path, what: "every time point") }
        let nv = plot.variables.count
        let span = max(netlist.schedule.anchorTimes.last ?? 0, 1e-300)
        let slack = 1e-9 * span
        var out: [[Double]] = []
        for (k, t) in netlist.schedule.anchorTimes.enumerated() {
            guard t >= first - slack, t <= last + slack else {
                throw .missing(path: path, what: "the time point of anchor \(k) (t = \(t) s; stored times run from \(first) to \(last) s; the run stopped early)")
            }
            var lo = 0, hi = time.count - 1
            while lo < hi { let mid = (lo + hi) / 2; if time[mid] < t { lo = mid + 1 } else { hi = mid } }
            let j = lo
            let layer = max(k - 1, 0)
            var row: [Double] = []
            for node in stride(from: 1, through: netlist.stateWidths[k], by: 1) {
                guard let c = plot.voltageIndex(of: "n\(node)") else { throw .missing(path: path, what: "the vector v(n\(node))") }
                let v: Double
                if abs(time[j] - t) <= slack || j == 0 {
                    v = plot.real[j * nv + c]
                } else {
                    let w = (t - time[j - 1]) / (time[j] - time[j - 1])
                    v = plot.real[(j - 1) * nv + c] * (1 - w) + plot.real[j * nv + c] * w
                }
                row.append(scaling.modelValue(volts: v, layer: layer, node: node))
            }
            out.append(row)
        }
        return out
    }
}
