import Foundation
import KNModel

/// A layer's edges in the common form (``CommonEdgeLaw``) as columns, for ``LayerKernel``: the right-hand side,
/// the trace and the Jacobian of a network whose edges follow characterized laws.
///
/// The activation is chosen once per evaluation, as for the families (``EdgeLaw``): a layer whose edges all share
/// one activation (tanh, hard relu, identity) runs a loop specialised for it; soft relu knees and mixed
/// activations run a loop that reads the activation per edge.
struct CharacterizedColumns: Sendable {
    enum Shape: Sendable { case tanh, relu, softRelu, identity, mixed }

    let shape: Shape
    let ws: [Double], wd: [Double], b: [Double]
    let As: [Double], Ad: [Double], cs: [Double], cd: [Double]
    let knee: [Double]
    let activations: [Activation]
    /// The diagonal Jacobian coefficients per edge, with 1/C: `∂(dv_des/dt)/∂v_des = slope·A_d·traceDes` and
    /// `∂(dv_src/dt)/∂v_src = −slope·A_s·traceSrc` (for a self-loop both terminals are the same node, so both
    /// weights count; at ground they are 0).
    let traceDes: [Double], traceSrc: [Double]

    init(laws: [CommonEdgeLaw], src: [Int32], des: [Int32], inverseCapacitance: [Double]?) {
        ws = laws.map(\.ws); wd = laws.map(\.wd); b = laws.map(\.b)
        As = laws.map(\.As); Ad = laws.map(\.Ad); cs = laws.map(\.cs); cd = laws.map(\.cd)
        knee = laws.map(\.knee)
        activations = laws.map(\.activation)
        let first = laws.first?.activation ?? .identity
        let uniform = laws.allSatisfy { $0.activation == first }
        let anyKnee = laws.contains { $0.knee > 0 }
        switch (uniform, first, anyKnee) {
        case (true, .tanh, _): shape = .tanh
        case (true, .relu, false): shape = .relu
        case (true, .relu, true): shape = .softRelu
        case (true, .identity, _): shape = .identity
        default: shape = .mixed
        }
        var tD = [Double](repeating: 0, count: laws.count), tS = tD
        for k in laws.indices {
            let s = Int(src[k]), d = Int(des[k])
            let loop = s == d
            if d != 0 { tD[k] = (loop ? ws[k] + wd[k] : wd[k]) * (inverseCapacitance?[d] ?? 1) }
            if s != 0 { tS[k] = (loop ? ws[k] + wd[k] : ws[k]) * (inverseCapacitance?[s] ?? 1) }
        }
        traceDes = tD
        traceSrc = tS
    }

    /// Adds every edge's currents into `acc` (node-indexed, ground at 0); returns the Jacobian trace when asked.
    @inline(__always)
    func accumulate(src: [Int32], des: [Int32], _ aux: UnsafeMutablePointer<Double>, _ acc: UnsafeMutablePointer<Double>,
                    _ trace: Bool) -> Double {
        switch shape {
        case .tanh: return accumulate(TanhActivation(), src, des, aux, acc, trace)
        case .relu: return accumulate(ReluActivation(), src, des, aux, acc, trace)
        case .identity: return accumulate(IdentityActivation(), src, des, aux, acc, trace)
        case .softRelu:
            return knee.withUnsafeBufferPointer { k in
                accumulate(SoftReluActivation(knee: k.baseAddress!), src, des, aux, acc, trace)
            }
        case .mixed:
            return knee.withUnsafeBufferPointer { k in activations.withUnsafeBufferPointer { a in
                accumulate(MixedActivation(knee: k.baseAddress!, activation: a.baseAddress!), src, des, aux, acc, trace)
            } }
        }
    }

    /// The hot loop: gather, argument, activation, two scaled and offset currents scattered.
    @inline(__always)
    private func accumulate<A: EdgeActivation>(_ act: A, _ src: [Int32], _ des: [Int32], _ aux: UnsafeMutablePointer<Double>,
                                               _ acc: UnsafeMutablePointer<Double>, _ trace: Bool) -> Double {
        src.withUnsafeBufferPointer { s in des.withUnsafeBufferPointer { d in
        ws.withUnsafeBufferPointer { ws in wd.withUnsafeBufferPointer { wd in b.withUnsafeBufferPointer { b in
        As.withUnsafeBufferPointer { As in Ad.withUnsafeBufferPointer { Ad in
        cs.withUnsafeBufferPointer { cs in cd.withUnsafeBufferPointer { cd in
            let count = s.count
            if !trace {
                for e in 0..<count {
                    let si = Int(s[e]), di = Int(d[e])
                    let a = act.value(ws[e] * aux[si] + wd[e] * aux[di] + b[e], e)
                    acc[di] += Ad[e] * a + cd[e]
                    acc[si] -= As[e] * a + cs[e]
                }
                return 0
            }
            return traceDes.withUnsafeBufferPointer { tD in traceSrc.withUnsafeBufferPointer { tS in
                var tr = 0.0
                for e in 0..<count {
                    let si = Int(s[e]), di = Int(d[e])
                    let (a, slope) = act.valueAndSlope(ws[e] * aux[si] + wd[e] * aux[di] + b[e], e)
                    acc[di] += Ad[e] * a + cd[e]
                    acc[si] -= As[e] * a + cs[e]
                    tr += slope * (Ad[e] * tD[e] - As[e] * tS[e])
                }
                return tr
            } }
        } } } } } } } } }
    }

    /// The law of edge `e` as a value.
    func law(_ e: Int) -> CommonEdgeLaw {
        CommonEdgeLaw(activation: activations[e], knee: knee[e], ws: ws[e], wd: wd[e], b: b[e], As: As[e], Ad: Ad[e],
                      cs: cs[e], cd: cd[e])
    }

    /// Adds every edge's partial derivatives into the Jacobian values at the slots of `pattern`, divided by the
    /// row node's capacitance. The des row gains `A_d·slope·(w_s, w_d)`, the src row loses `A_s·slope·(w_s, w_d)`;
    /// a self-loop puts `(A_d − A_s)·slope·(w_s + w_d)` on its node's diagonal.
    func fillJacobian(src: [Int32], des: [Int32], _ aux: UnsafeMutablePointer<Double>, pattern: JacobianPattern,
                      inverseCapacitance: [Double]?, values: UnsafeMutablePointer<Double>) {
        for e in 0..<src.count {
            let si = Int(src[e]), di = Int(des[e])
            let slope = law(e).activate(ws[e] * aux[si] + wd[e] * aux[di] + b[e]).slope
            let gd = slope * Ad[e], gs = slope * As[e]
            let invD = inverseCapacitance?[di] ?? 1, invS = inverseCapacitance?[si] ?? 1
            if si == di {
                if si != 0 { values[pattern.diagonalSlot(si)] += (gd - gs) * (ws[e] + wd[e]) * invD }
                continue
            }
            let k = 4 * e
            let slot = pattern.edgeSlots
            if slot[k] >= 0 { values[Int(slot[k])] += gd * ws[e] * invD }           // (des, src)
            if slot[k + 1] >= 0 { values[Int(slot[k + 1])] += gd * wd[e] * invD }   // (des, des)
            if slot[k + 2] >= 0 { values[Int(slot[k + 2])] -= gs * ws[e] * invS }   // (src, src)
            if slot[k + 3] >= 0 { values[Int(slot[k + 3])] -= gs * wd[e] * invS }   // (src, des)
        }
    }
}

extension JacobianPattern {
    /// The entry index of node n's diagonal (every diagonal entry is in the pattern).
    func diagonalSlot(_ node: Int) -> Int {
        let j = node - 1
        var lo = Int(columnStarts[j]), hi = Int(columnStarts[j + 1])
        while lo < hi {
            let mid = (lo + hi) / 2
            if rowIndices[mid] < Int64(j) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

/// An activation as the characterized loop sees it: per edge, so that knees and mixed layers fit the same loop.
protocol EdgeActivation {
    func value(_ z: Double, _ e: Int) -> Double
    func valueAndSlope(_ z: Double, _ e: Int) -> (Double, Double)
}

struct TanhActivation: EdgeActivation {
    @inline(__always) func value(_ z: Double, _ e: Int) -> Double { Foundation.tanh(z) }
    @inline(__always) func valueAndSlope(_ z: Double, _ e: Int) -> (Double, Double) {
        let t = Foundation.tanh(z)
        return (t, 1 - t * t)
    }
}

/// relu with PyTorch's relu'(0) = 0.
struct ReluActivation: EdgeActivation {
    @inline(__always) func value(_ z: Double, _ e: Int) -> Double { z > 0 ? z : 0 }
    @inline(__always) func valueAndSlope(_ z: Double, _ e: Int) -> (Double, Double) { z > 0 ? (z, 1) : (0, 0) }
}

struct IdentityActivation: EdgeActivation {
    @inline(__always) func value(_ z: Double, _ e: Int) -> Double { z }
    @inline(__always) func valueAndSlope(_ z: Double, _ e: Int) -> (Double, Double) { (z, 1) }
}

/// relu with a per-edge knee (0: hard).
struct SoftReluActivation: EdgeActivation {
    let knee: UnsafePointer<Double>
    @inline(__always) func value(_ z: Double, _ e: Int) -> Double { valueAndSlope(z, e).0 }
    @inline(__always) func valueAndSlope(_ z: Double, _ e: Int) -> (Double, Double) {
        let k = knee[e]
        if k > 0 { return CommonEdgeLaw.softRelu(z, knee: k) }
        return z > 0 ? (z, 1) : (0, 0)
    }
}

/// Any activation per edge, with the relu knee.
struct MixedActivation: EdgeActivation {
    let knee: UnsafePointer<Double>
    let activation: UnsafePointer<Activation>
    @inline(__always) func value(_ z: Double, _ e: Int) -> Double { valueAndSlope(z, e).0 }
    @inline(__always) func valueAndSlope(_ z: Double, _ e: Int) -> (Double, Double) {
        let a = activation[e], k = knee[e]
        if a == .relu && k > 0 { return CommonEdgeLaw.softRelu(z, knee: k) }
        let r = a.valueAndSlope(z)
        return (r.value, r.slope)
    }
}
