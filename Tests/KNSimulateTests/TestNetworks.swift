import Foundation
import KNModel
import KNTestSupport

enum Fixtures {
    /// A layer of `generator` with uniform parameters in [−scale, scale).
    static func layer(_ generator: TopologyGenerator, family: EdgeFamily, seed: UInt64, scale: Double = 0.5) throws -> Layer {
        let edges = try generator.generate()
        var rng = SplitMix64(seed: seed)
        let rows = family.parameterRows
        let values = (0..<(rows * edges.count)).map { _ in rng.uniform(-scale, scale) }
        return Layer(generator: generator, edges: edges,
                     parameters: ParameterMatrix(rows: rows, columns: edges.count, values: values))
    }

    /// A fully connected network of `layers` layers on `numNode` nodes (ground included).
    static func network(family: EdgeFamily, numNode: Int = 3, repeat rep: [Int] = [2, 2], layers: Int = 2,
                        anchors: [Double]? = nil, block: BlockKind = .augmented, seed: UInt64 = 1,
                        scale: Double = 0.5) throws -> Network {
        let g = TopologyGenerator.fullyConnect(numNode: numNode, includeGround: true, repeat: rep)
        let ls = try (0..<layers).map { try layer(g, family: family, seed: seed &+ UInt64($0) &* 7919, scale: scale) }
        let a = anchors ?? (0...layers).map { Double($0) * 0.5 }
        return Network(family: family, layers: ls, anchors: a, block: block)
    }

    /// A layer of single-node conductances to ground: node n decays as v_n(t) = v_n(0)·exp(−g_n t).
    static func decayLayer(conductances g: [Double]) -> Layer {
        let n = g.count
        let edges = EdgeList(src: (1...n).map { Int32($0) }, des: [Int32](repeating: 0, count: n))
        let values = g + [Double](repeating: 0, count: 2 * n)
        return Layer(generator: nil, edges: edges, parameters: ParameterMatrix(rows: 3, columns: n, values: values))
    }
}

/// An independent reference integrator: classic RK4 with a fixed step, Richardson-extrapolated over h and h/2,
/// on the KCL right-hand side written directly from `EdgeFamily.current` (per node sums, no shared code with
/// the simulator). The state carries logp as its last entry, with the trace from the same partials.
enum Reference {
    static func derivative(_ layer: Layer, _ family: EdgeFamily, _ y: [Double], capacitance: [Double]?) -> [Double] {
        let n = y.count - 1
        func volt(_ k: Int32) -> Double { k == 0 ? 0 : y[Int(k) - 1] }
        var dv = [Double](repeating: 0, count: n)
        var trace = 0.0
        let p = layer.parameters
        for e in 0..<layer.edgeCount {
            let s = layer.edges.src[e], d = layer.edges.des[e]
            let r = family.current(vs: volt(s), vd: volt(d), p0: p[0, e], p1: p.rows > 1 ? p[1, e] : 0,
                                   p2: p.rows > 2 ? p[2, e] : 0)
            if d != 0 { dv[Int(d) - 1] += r.i }
            if s != 0 { dv[Int(s) - 1] -= r.i }
            // ∂(dv_n)/∂v_n summed over n: a self-loop's in and out currents cancel.
            if s != d {
                if d != 0 { trace += r.dvd / (capacitance?[Int(d) - 1] ?? 1) }
                if s != 0 { trace -= r.dvs / (capacitance?[Int(s) - 1] ?? 1) }
            }
        }
        if let c = capacitance { for k in 0..<n { dv[k] /= c[k] } }
        return dv + [-trace]
    }

    static func rk4(_ layer: Layer, _ family: EdgeFamily, _ y0: [Double], from t0: Double, to t1: Double,
                    steps: Int, capacitance: [Double]?) -> [Double] {
        let h = (t1 - t0) / Double(steps)
        var y = y0
        func axpy(_ a: Double, _ x: [Double], _ y: [Double]) -> [Double] { zip(x, y).map { a * $0 + $1 } }
        for _ in 0..<steps {
            let k1 = derivative(layer, family, y, capacitance: capacitance)
            let k2 = derivative(layer, family, axpy(h / 2, k1, y), capacitance: capacitance)
            let k3 = derivative(layer, family, axpy(h / 2, k2, y), capacitance: capacitance)
            let k4 = derivative(layer, family, axpy(h, k3, y), capacitance: capacitance)
            for k in y.indices { y[k] += h / 6 * (k1[k] + 2 * k2[k] + 2 * k3[k] + k4[k]) }
        }
        return y
    }

    /// RK4 at `steps` and `2·steps`, Richardson-extrapolated: (16·y_{h/2} − y_h) / 15.
    static func solve(_ layer: Layer, _ family: EdgeFamily, _ y0: [Double], from t0: Double, to t1: Double,
                      steps: Int, capacitance: [Double]? = nil) -> [Double] {
        let coarse = rk4(layer, family, y0, from: t0, to: t1, steps: steps, capacitance: capacitance)
        let fine = rk4(layer, family, y0, from: t0, to: t1, steps: 2 * steps, capacitance: capacitance)
        return zip(fine, coarse).map { (16 * $0 - $1) / 15 }
    }
}

func maxAbsDifference(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "compared arrays differ in length: \(a.count) vs \(b.count)")
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
