import Foundation
import KNModel

extension ClippingCheck {
    /// Integrates each sample through the layers twice with fixed-step RK4 — once freely, once with every node
    /// clamped to ±`limit` model units (what the rails do) — and compares the final states (the outputs
    /// before any projector). Plain layers only (fill, no residual): others are not checked (nil).
    public static func run(network: Network, inputs: [[Double]], limit: Double, stepsPerLayer: Int = 200) -> ClippingCheck? {
        run(network: network, inputs: inputs, limit: { _, _ in limit }, stepsPerLayer: stepsPerLayer)
    }

    /// The same with a limit per layer and node (1...N), e.g. ``Scaling/modelLimit(layer:node:)``.
    public static func run(network: Network, inputs: [[Double]], limit: (_ layer: Int, _ node: Int) -> Double,
                           stepsPerLayer: Int = 200) -> ClippingCheck? {
        guard network.encoder == nil, network.residual == nil, !inputs.isEmpty else { return nil }
        var change = 0.0, agree = 0
        for input in inputs {
            let free = integrate(network, input, limit: { _, _ in .infinity }, steps: stepsPerLayer)
            let clamped = integrate(network, input, limit: limit, steps: stepsPerLayer)
            for (a, b) in zip(free, clamped) { change = max(change, abs(a - b)) }
            func argmax(_ v: [Double]) -> Int { v.indices.max { v[$0] < v[$1] } ?? 0 }
            if argmax(free) == argmax(clamped) { agree += 1 }
        }
        return ClippingCheck(samples: inputs.count, maxOutputChange: change, argmaxAgreement: Double(agree) / Double(inputs.count))
    }

    static func integrate(_ network: Network, _ input: [Double], limit: (Int, Int) -> Double, steps: Int) -> [Double] {
        var x = input
        for (l, layer) in network.layers.enumerated() {
            let n = layer.nodeCount
            if x.count < n { x += Array(repeating: 0, count: n - x.count) } else if x.count > n { x = Array(x.prefix(n)) }
            let h = (network.anchors[l + 1] - network.anchors[l]) / Double(steps)
            let family = network.family
            let edges = layer.edges
            func f(_ v: [Double]) -> [Double] {
                var d = Array(repeating: 0.0, count: n)
                for e in 0..<edges.count {
                    let s = Int(edges.src[e]), t = Int(edges.des[e])
                    let vs = s == 0 ? 0 : v[s - 1], vd = t == 0 ? 0 : v[t - 1]
                    let p = layer.edgeParameters(e)
                    let i = family.current(vs: vs, vd: vd, p0: p.p0, p1: p.p1, p2: p.p2).i
                    if s > 0 { d[s - 1] -= i }
                    if t > 0 { d[t - 1] += i }
                }
                return d
            }
            let limits = (0..<n).map { limit(l, $0 + 1) }
            func clamp(_ v: [Double]) -> [Double] { v.indices.map { min(max(v[$0], -limits[$0]), limits[$0]) } }
            for _ in 0..<steps {
                let k1 = f(x)
                let k2 = f(clamp(zip(x, k1).map { $0 + 0.5 * h * $1 }))
                let k3 = f(clamp(zip(x, k2).map { $0 + 0.5 * h * $1 }))
                let k4 = f(clamp(zip(x, k3).map { $0 + h * $1 }))
                x = clamp((0..<n).map { x[$0] + h / 6 * (k1[$0] + 2 * k2[$0] + 2 * k3[$0] + k4[$0]) })
            }
        }
        return x
    }
}
