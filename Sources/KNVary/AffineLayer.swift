import Foundation
import KNModel

/// One layer with every edge written in the common form `i = act(w_s·vs + w_d·vd + b)`, where the current
/// leaving `src` is `A_s·i` and the current entering `des` is `A_d·i`. Every edge family maps onto this form
/// (see ``init(layer:family:deviations:)``), so mismatch, noise and the adjoint need one kernel only.
struct AffineLayer: Sendable {
    let nodeCount: Int
    let src: [Int32]
    let des: [Int32]
    var ws: [Double], wd: [Double], b: [Double], As: [Double], Ad: [Double]
    let activation: Activation

    var edgeCount: Int { src.count }

    /// The family's law with the effective-parameter deviations applied (see ``EffectiveParameter``).
    init(layer: Layer, family: EdgeFamily, deviations d: EdgeDeviations?) {
        let e = layer.edgeCount
        let p = layer.parameters
        nodeCount = layer.nodeCount
        src = layer.edges.src
        des = layer.edges.des
        ws = [Double](repeating: 0, count: e); wd = ws; b = ws; As = ws; Ad = ws
        activation = Self.activation(of: family)
        for k in 0..<e {
            let o = d?.offset[k] ?? 0, g = d?.gain[k] ?? 0, a = d?.amplitude[k] ?? 0, c = d?.copy[k] ?? 0
            let p0 = p[0, k], p1 = p[1, k], p2 = p.rows > 2 ? p[2, k] : 0
            var amp = 1 + a
            switch Self.form(of: family) {
            case .difference:        // act((1+g)·p1·(vs − vd) + p0)
                ws[k] = (1 + g) * p1; wd[k] = -(1 + g) * p1; b[k] = p0 + o
            case .weighted:          // act((1+g)·(p0·vs + p1·vd) + p2)
                ws[k] = (1 + g) * p0; wd[k] = (1 + g) * p1; b[k] = p2 + o
            case .shiftedScaled:     // (1+g)·p1·act(vs − vd − p0)
                ws[k] = 1; wd[k] = -1; b[k] = -p0 + o; amp *= (1 + g) * p1
            case .conductance:       // (1+g)·p0·(vs − vd)
                ws[k] = 1; wd[k] = -1; b[k] = o; amp *= (1 + g) * p0
            }
            As[k] = amp
            Ad[k] = amp * (1 + c)
        }
    }

    enum Form { case difference, weighted, shiftedScaled, conductance }

    static func form(of family: EdgeFamily) -> Form {
        switch family {
        case .shiftTanh1: return .difference
        case .shiftTanh2, .shiftRelu2, .shiftLeakyRelu2: return .weighted
        case .shiftRelu1, .shiftLeakyRelu1: return .shiftedScaled
        case .conductance: return .conductance
        case .device(let negation, _): return negation ? .difference : .weighted
        }
    }

    static func activation(of family: EdgeFamily) -> Activation {
        switch family {
        case .shiftTanh1, .shiftTanh2: return .tanh
        case .shiftRelu1, .shiftRelu2: return .relu
        case .shiftLeakyRelu1, .shiftLeakyRelu2: return .leakyRelu
        case .conductance: return .identity
        case .device(_, let a): return a
        }
    }

    /// Chains the gradient with respect to (w_s, w_d, b, A_s, A_d) of each edge back to the parameter rows,
    /// adding into `grad` (a `(P, E)` row-major array).
    static func chain(family: EdgeFamily, layer: Layer, deviations d: EdgeDeviations?, bars: EdgeBars,
                      into grad: inout [Double]) {
        let e = layer.edgeCount
        let p = layer.parameters
        for k in 0..<e {
            let g = d?.gain[k] ?? 0, a = d?.amplitude[k] ?? 0, c = d?.copy[k] ?? 0
            switch form(of: family) {
            case .difference:
                grad[k] += bars.b[k]
                grad[e + k] += (1 + g) * (bars.ws[k] - bars.wd[k])
            case .weighted:
                grad[k] += (1 + g) * bars.ws[k]
                grad[e + k] += (1 + g) * bars.wd[k]
                grad[2 * e + k] += bars.b[k]
            case .shiftedScaled:
                grad[k] -= bars.b[k]
                grad[e + k] += (1 + a) * (1 + g) * (bars.As[k] + (1 + c) * bars.Ad[k])
            case .conductance:
                grad[k] += (1 + a) * (1 + g) * (bars.As[k] + (1 + c) * bars.Ad[k])
            }
        }
        _ = p
    }

    /// `dv/dt` for nodes 1…N from the voltages `v` (N values) into `f` (N values). `aux` holds N + 1 values.
    @inline(__always)
    func rightHandSide(_ v: UnsafePointer<Double>, _ f: UnsafeMutablePointer<Double>, _ aux: UnsafeMutablePointer<Double>) {
        switch activation {
        case .tanh: rhs(TanhActivation(), v, f, aux)
        case .relu: rhs(ReluActivation(), v, f, aux)
        case .identity: rhs(IdentityActivation(), v, f, aux)
        default: rhs(AnyActivation(a: activation), v, f, aux)
        }
    }

    @inline(__always)
    private func rhs<A: ActivationFunction>(_ act: A, _ v: UnsafePointer<Double>, _ f: UnsafeMutablePointer<Double>,
                                            _ aux: UnsafeMutablePointer<Double>) {
        let n = nodeCount
        aux[0] = 0
        (aux + 1).update(from: v, count: n)
        let acc = f - 1  // acc[node] for node ≥ 1; node 0 goes to the sink below
        f.update(repeating: 0, count: n)
        src.withUnsafeBufferPointer { s in des.withUnsafeBufferPointer { d in
        ws.withUnsafeBufferPointer { ws in wd.withUnsafeBufferPointer { wd in b.withUnsafeBufferPointer { b in
        As.withUnsafeBufferPointer { As in Ad.withUnsafeBufferPointer { Ad in
            for e in 0..<s.count {
                let si = Int(s[e]), di = Int(d[e])
                let i = act.value(ws[e] * aux[si] + wd[e] * aux[di] + b[e])
                if di != 0 { acc[di] += Ad[e] * i }
                if si != 0 { acc[si] -= As[e] * i }
            }
        } } } } } } }
    }

    /// Vector–Jacobian product at voltages `v`: adds `(∂f/∂v)ᵀ·c` to `vBar` and the gradient of `cᵀ·f` with
    /// respect to each edge's (w_s, w_d, b, A_s, A_d), scaled by `weight`, to `bars`.
    func pullback(_ v: UnsafePointer<Double>, _ c: UnsafePointer<Double>, _ vBar: UnsafeMutablePointer<Double>,
                  weight: Double, bars: inout EdgeBars, _ aux: UnsafeMutablePointer<Double>) {
        let n = nodeCount
        aux[0] = 0
        (aux + 1).update(from: v, count: n)
        for e in 0..<src.count {
            let si = Int(src[e]), di = Int(des[e])
            let vs = aux[si], vd = aux[di]
            let (a, slope) = activation.valueAndSlope(ws[e] * vs + wd[e] * vd + b[e])
            let cd = di != 0 ? c[di - 1] : 0, cs = si != 0 ? c[si - 1] : 0
            let q = Ad[e] * cd - As[e] * cs
            let zBar = slope * q
            bars.Ad[e] += weight * a * cd
            bars.As[e] -= weight * a * cs
            bars.ws[e] += weight * zBar * vs
            bars.wd[e] += weight * zBar * vd
            bars.b[e] += weight * zBar
            if si != 0 { vBar[si - 1] += zBar * ws[e] }
            if di != 0 { vBar[di - 1] += zBar * wd[e] }
        }
    }
}

/// Gradients with respect to each edge's (w_s, w_d, b, A_s, A_d).
struct EdgeBars {
    var ws: [Double], wd: [Double], b: [Double], As: [Double], Ad: [Double]
    init(count: Int) {
        ws = [Double](repeating: 0, count: count); wd = ws; b = ws; As = ws; Ad = ws
    }
}

protocol ActivationFunction {
    func value(_ x: Double) -> Double
}
struct TanhActivation: ActivationFunction {
    @inline(__always) func value(_ x: Double) -> Double { Foundation.tanh(x) }
}
struct ReluActivation: ActivationFunction {
    @inline(__always) func value(_ x: Double) -> Double { x > 0 ? x : 0 }
}
struct IdentityActivation: ActivationFunction {
    @inline(__always) func value(_ x: Double) -> Double { x }
}
struct AnyActivation: ActivationFunction {
    let a: Activation
    @inline(__always) func value(_ x: Double) -> Double { a.valueAndSlope(x).value }
}
