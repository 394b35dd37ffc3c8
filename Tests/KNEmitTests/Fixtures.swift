import Foundation
import KNModel
import KNTestSupport
@testable import KNEmit

enum Fixtures {
    /// A 2-layer network on upstream's `_fully_connect(3, repeat=[r, r])` (N = 2 nodes, 12·r edges per layer),
    /// anchors [0, 0.5, 1], with parameters drawn uniformly from `ranges[p]` by a seeded generator.
    static func twoNodeNetwork(_ family: EdgeFamily, repeat r: Int = 2, seed: UInt64,
                               ranges: [(Double, Double)]) throws -> Network {
        let gen = TopologyGenerator.fullyConnect(numNode: 3, includeGround: true, repeat: [r, r])
        var rng = SplitMix64(state: seed)
        var layers: [Layer] = []
        for _ in 0..<2 {
            let edges = try gen.generate()
            let rows = family.parameterRows
            var values: [Double] = []
            for p in 0..<rows {
                for _ in 0..<edges.count { values.append(rng.uniform(ranges[p].0, ranges[p].1)) }
            }
            layers.append(Layer(generator: gen, edges: edges,
                                parameters: ParameterMatrix(rows: rows, columns: edges.count, values: values)))
        }
        return Network(family: family, layers: layers, anchors: [0, 0.5, 1], block: .plain)
    }

    /// The ngspice the behavioral tests run: `KN_NGSPICE` if set (e.g. a stock ngspice 39 next to an installed
    /// ngspice 46), else `ngspice` on PATH.
    static var ngspice: NgspiceRunner {
        NgspiceRunner(executable: ProcessInfo.processInfo.environment["KN_NGSPICE"].map { URL(fileURLWithPath: $0) },
                      timeout: 120)
    }

    /// A fresh temporary folder.
    static func temporaryFolder(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("kn-emit-tests-\(ProcessInfo.processInfo.processIdentifier)")
            .appendingPathComponent(name + "-" + UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// An independent reference: the KCL ODE integrated with fixed-step classical RK4 in model units.
///
/// The edge currents are written here from upstream's formulas (circuit_block.py), not taken from KNModel.
enum RK4Reference {
    static func current(_ family: EdgeFamily, _ vs: Double, _ vd: Double, _ p: [Double]) -> Double {
        switch family {
        case .shiftTanh2: return tanh(p[0] * vs + p[1] * vd + p[2])
        case .shiftTanh1: return tanh(p[1] * (vs - vd) + p[0])
        case .shiftRelu1: return p[1] * max(vs - vd - p[0], 0)
        case .shiftLeakyRelu1: let x = vs - vd - p[0]; return p[1] * (x > 0 ? x : 0.01 * x)
        case .conductance: return p[0] * (vs - vd)
        default: fatalError("the reference implements only the families the tests use")
        }
    }

    static func derivative(_ layer: Layer, _ family: EdgeFamily, _ x: [Double]) -> [Double] {
        var dx = [Double](repeating: 0, count: x.count)
        let e = layer.edgeCount
        let rows = layer.parameters.rows
        for k in 0..<e {
            let s = Int(layer.edges.src[k]), d = Int(layer.edges.des[k])
            let vs = s == 0 ? 0 : x[s - 1], vd = d == 0 ? 0 : x[d - 1]
            let p = (0..<rows).map { layer.parameters.values[$0 * e + k] }
            let i = current(family, vs, vd, p)
            if d != 0 { dx[d - 1] += i }
            if s != 0 { dx[s - 1] -= i }
        }
        return dx
    }

    /// The state at every anchor, with `stepsPerUnit` RK4 steps per unit time. Before each layer the state is
    /// padded with zeros or cut to the layer's N (upstream's `fill: zeros`).
    static func anchors(_ net: Network, inputs: [Double], stepsPerUnit: Int = 20_000) -> [[Double]] {
        var x = inputs + [Double](repeating: 0, count: max(0, net.layers[0].nodeCount - inputs.count))
        var out = [x]
        for (l, layer) in net.layers.enumerated() {
            let width = layer.nodeCount
            x = width > x.count ? x + [Double](repeating: 0, count: width - x.count) : Array(x.prefix(width))
            let span = net.anchors[l + 1] - net.anchors[l]
            let n = Int((span * Double(stepsPerUnit)).rounded())
            let h = span / Double(n)
            for _ in 0..<n {
                let k1 = derivative(layer, net.family, x)
                let k2 = derivative(layer, net.family, zip(x, k1).map { $0 + h / 2 * $1 })
                let k3 = derivative(layer, net.family, zip(x, k2).map { $0 + h / 2 * $1 })
                let k4 = derivative(layer, net.family, zip(x, k3).map { $0 + h * $1 })
                for i in x.indices { x[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) }
            }
            out.append(x)
        }
        return out
    }
}
