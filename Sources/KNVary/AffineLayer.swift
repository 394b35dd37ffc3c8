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
    /// The characterized cells' terms beyond the affine law (compression, output offsets, knee), or nil.
    let cell: CellLawErrors.Layer?

    var edgeCount: Int { src.count }

    /// The family's law with the effective-parameter deviations applied (see ``EffectiveParameter``), and with
    /// `errors` the characterized cells' errors on top (see ``CellLawErrors``).
    init(layer: Layer, family: EdgeFamily, deviations d: EdgeDeviations?, errors: CellLawErrors.Layer? = nil) {
        let e = layer.edgeCount
        nodeCount = layer.nodeCount
        src = layer.edges.src
        des = layer.edges.des
        ws = [Double](repeating: 0, count: e); wd = ws; b = ws; As = ws; Ad = ws
        activation = Self.activation(of: family)
        for k in 0..<e {
            let o = d?.offset[k] ?? 0, g = d?.gain[k] ?? 0, a = d?.amplitude[k] ?? 0, c = d?.copy[k] ?? 0
            let (p0, p1, p2) = layer.edgeParameters(k)
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
            if let x = errors {
                ws[k] = x.ratioWs[k] * ws[k] + x.addWs[k]
                wd[k] = x.ratioWd[k] * wd[k] + x.addWd[k]
                b[k] += x.offset[k]
                As[k] = x.ratioAs[k] * As[k] + x.addAs[k]
                Ad[k] = x.ratioAd[k] * Ad[k] + x.addAd[k]
            }
        }
        cell = errors.flatMap { $0.hasNonAffineTerms ? $0 : nil }
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
    /// adding into `grad` (the layer's `(P, columns)` row-major parameter matrix; edges that share a parameter
    /// column add into the same entries).
    /// With `errors`, the cells' ratios scale the gradient first (their differences do not depend on the parameters).
    static func chain(family: EdgeFamily, layer: Layer, deviations d: EdgeDeviations?, errors: CellLawErrors.Layer? = nil,
                      bars: EdgeBars, into grad: inout [Double]) {
        var bars = bars
        if let x = errors {
            for k in 0..<layer.edgeCount {
                bars.ws[k] *= x.ratioWs[k]; bars.wd[k] *= x.ratioWd[k]
                bars.As[k] *= x.ratioAs[k]; bars.Ad[k] *= x.ratioAd[k]
            }
        }
        let n = layer.parameters.columns
        for k in 0..<layer.edgeCount {
            let c = Int(layer.edges.parameterIndex[k])
            let g = d?.gain[k] ?? 0, a = d?.amplitude[k] ?? 0, cp = d?.copy[k] ?? 0
            switch form(of: family) {
            case .difference:
                grad[c] += bars.b[k]
                grad[n + c] += (1 + g) * (bars.ws[k] - bars.wd[k])
            case .weighted:
                grad[c] += (1 + g) * bars.ws[k]
                grad[n + c] += (1 + g) * bars.wd[k]
                grad[2 * n + c] += bars.b[k]
            case .shiftedScaled:
                grad[c] -= bars.b[k]
                grad[n + c] += (1 + a) * (1 + g) * (bars.As[k] + (1 + cp) * bars.Ad[k])
            case .conductance:
                grad[c] += (1 + a) * (1 + g) * (bars.As[k] + (1 + cp) * bars.Ad[k])
            }
        }
    }

    /// `dv/dt` for nodes 1…N from the voltages `v` (N values) into `f` (N values). `aux` holds N + 1 values.
    @inline(__always)
    func rightHandSide(_ v: UnsafePointer<Double>, _ f: UnsafeMutablePointer<Double>, _ aux: UnsafeMutablePointer<Double>) {
        if let cell { return cellRightHandSide(cell, v, f, aux) }
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
        if let cell { return cellPullback(cell, v, c, vBar, weight: weight, bars: &bars, aux) }
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
    /// Applies the activation to `count` values in place.
    func apply(_ z: UnsafeMutablePointer<Double>, _ count: Int)
}

extension ActivationFunction {
    @inline(__always) func apply(_ z: UnsafeMutablePointer<Double>, _ count: Int) {
        for k in 0..<count { z[k] = value(z[k]) }
    }
}
struct TanhActivation: ActivationFunction {
    @inline(__always) func value(_ x: Double) -> Double { fastTanh(x) }
    @inline(__always) func apply(_ z: UnsafeMutablePointer<Double>, _ count: Int) {
        var k = 0
        let raw = UnsafeMutableRawPointer(z)
        while k + 4 <= count {
            let x = raw.loadUnaligned(fromByteOffset: 8 * k, as: SIMD4<Double>.self)
            raw.storeBytes(of: fastTanh4(x), toByteOffset: 8 * k, as: SIMD4<Double>.self)
            k += 4
        }
        while k < count { z[k] = fastTanh(z[k]); k += 1 }
    }
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

/// tanh from a branch-free exp: tanh(x) = sign(x)·(1 − t)/(1 + t), t = e^{−2|x|}, with e^y from a Cody–Waite
/// reduction, a degree-13 Taylor polynomial and 2^n assembled in the exponent bits. Absolute error below 4e-16
/// (checked against the C library in the tests); written without calls so that loops over it vectorise.
@inline(__always)
func fastTanh(_ x: Double) -> Double {
    let a = min(abs(x), 19.0)
    let y = -2 * a
    let magic = 6_755_399_441_055_744.0  // 1.5·2^52: adding it rounds to an integer held in the low bits
    let shifted = y * 1.442_695_040_888_963_4 + magic
    let n = shifted - magic
    let r = (y - n * 0.693_147_180_369_123_82) - n * 1.908_214_929_270_587_7e-10
    var p = 1.0 / 6_227_020_800
    p = p * r + 1.0 / 479_001_600
    p = p * r + 1.0 / 39_916_800
    p = p * r + 1.0 / 3_628_800
    p = p * r + 1.0 / 362_880
    p = p * r + 1.0 / 40_320
    p = p * r + 1.0 / 5_040
    p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let k = Int64(bitPattern: shifted.bitPattern &- magic.bitPattern)
    let t = p * Double(bitPattern: UInt64(bitPattern: (k &+ 1023) << 52))
    let m = (1 - t) / (1 + t)
    return x < 0 ? -m : m
}

/// ``fastTanh(_:)`` on four lanes, with the same operations in the same order (bit for bit the same results).
@inline(__always)
func fastTanh4(_ x: SIMD4<Double>) -> SIMD4<Double> {
    let a = pointwiseMin(x.replacing(with: -x, where: x .< 0), SIMD4(repeating: 19.0))
    let y = -2 * a
    let magic = SIMD4<Double>(repeating: 6_755_399_441_055_744.0)
    let shifted = y * 1.442_695_040_888_963_4 + magic
    let n = shifted - magic
    let r = (y - n * 0.693_147_180_369_123_82) - n * 1.908_214_929_270_587_7e-10
    var p = SIMD4<Double>(repeating: 1.0 / 6_227_020_800)
    p = p * r + 1.0 / 479_001_600
    p = p * r + 1.0 / 39_916_800
    p = p * r + 1.0 / 3_628_800
    p = p * r + 1.0 / 362_880
    p = p * r + 1.0 / 40_320
    p = p * r + 1.0 / 5_040
    p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let bits = unsafeBitCast(shifted, to: SIMD4<UInt64>.self) &- unsafeBitCast(magic, to: SIMD4<UInt64>.self)
    let scale = unsafeBitCast((bits &+ 1023) &<< 52, to: SIMD4<Double>.self)
    let t = p * scale
    let m = (1 - t) / (1 + t)
    return m.replacing(with: -m, where: x .< 0)
}

extension AffineLayer {
    /// `dv/dt` for B inputs at once, node-major (`v[(n−1)·B + b]`, nodes 1…N), into `f` (same layout).
    /// Per input the operations and their order are those of ``rightHandSide(_:_:_:)``, so the results are
    /// bit for bit the same.
    func batchRightHandSide(_ v: UnsafePointer<Double>, _ f: UnsafeMutablePointer<Double>, batch: Int,
                            _ z: UnsafeMutablePointer<Double>) {
        switch activation {
        case .tanh: batchRHS(TanhActivation(), v, f, batch, z)
        case .relu: batchRHS(ReluActivation(), v, f, batch, z)
        case .identity: batchRHS(IdentityActivation(), v, f, batch, z)
        default: batchRHS(AnyActivation(a: activation), v, f, batch, z)
        }
    }

    @inline(__always)
    private func batchRHS<A: ActivationFunction>(_ act: A, _ v: UnsafePointer<Double>, _ f: UnsafeMutablePointer<Double>,
                                                 _ B: Int, _ z: UnsafeMutablePointer<Double>) {
        f.update(repeating: 0, count: nodeCount * B)
        src.withUnsafeBufferPointer { s in des.withUnsafeBufferPointer { d in
        ws.withUnsafeBufferPointer { ws in wd.withUnsafeBufferPointer { wd in b.withUnsafeBufferPointer { b in
        As.withUnsafeBufferPointer { As in Ad.withUnsafeBufferPointer { Ad in
            for e in 0..<s.count {
                let si = Int(s[e]), di = Int(d[e])
                let w1 = ws[e], w2 = wd[e], c = b[e]
                // Ground contributes w·0 = 0 exactly as in the single-input kernel.
                if si != 0 && di != 0 {
                    let vs = v + (si - 1) * B, vd = v + (di - 1) * B
                    for k in 0..<B { z[k] = w1 * vs[k] + w2 * vd[k] + c }
                } else if si != 0 {
                    let vs = v + (si - 1) * B
                    for k in 0..<B { z[k] = w1 * vs[k] + w2 * 0 + c }
                } else if di != 0 {
                    let vd = v + (di - 1) * B
                    for k in 0..<B { z[k] = w1 * 0 + w2 * vd[k] + c }
                } else {
                    continue
                }
                act.apply(z, B)
                if di != 0 {
                    let a = Ad[e], fd = f + (di - 1) * B
                    for k in 0..<B { fd[k] += a * z[k] }
                }
                if si != 0 {
                    let a = As[e], fs = f + (si - 1) * B
                    for k in 0..<B { fs[k] -= a * z[k] }
                }
            }
        } } } } } } }
    }
}
