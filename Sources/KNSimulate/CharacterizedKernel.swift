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
    /// Whether any edge's argument has quadratic or cubic terms (else the linear loop runs).
    let nonlinear: Bool
    let ws: [Double], wd: [Double], b: [Double]
    let ws2: [Double], wd2: [Double], ws3: [Double], wd3: [Double]
    let As: [Double], Ad: [Double], cs: [Double], cd: [Double]
    let knee: [Double]
    let activations: [Activation]
    /// The diagonal Jacobian coefficients of a linear argument per edge, with 1/C:
    /// `∂(dv_des/dt)/∂v_des = slope·A_d·traceDes` and `∂(dv_src/dt)/∂v_src = −slope·A_s·traceSrc` (for a
    /// self-loop both terminals are the same node, so both weights count; at ground they are 0).
    let traceDes: [Double], traceSrc: [Double]
    /// For nonlinear arguments: 1/C of des and src (0 at ground) and 1 for a self-loop, else 0.
    let inverseDes: [Double], inverseSrc: [Double], selfLoop: [Double]

    init(laws: [CommonEdgeLaw], src: [Int32], des: [Int32], inverseCapacitance: [Double]?) {
        ws = laws.map(\.ws); wd = laws.map(\.wd); b = laws.map(\.b)
        ws2 = laws.map(\.ws2); wd2 = laws.map(\.wd2); ws3 = laws.map(\.ws3); wd3 = laws.map(\.wd3)
        As = laws.map(\.As); Ad = laws.map(\.Ad); cs = laws.map(\.cs); cd = laws.map(\.cd)
        knee = laws.map(\.knee)
        activations = laws.map(\.activation)
        nonlinear = laws.contains { $0.isNonlinear }
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
        var tD = [Double](repeating: 0, count: laws.count), tS = tD, iD = tD, iS = tD, loops = tD
        for k in laws.indices {
            let s = Int(src[k]), d = Int(des[k])
            let loop = s == d
            if d != 0 { iD[k] = inverseCapacitance?[d] ?? 1 }
            if s != 0 { iS[k] = inverseCapacitance?[s] ?? 1 }
            if loop { loops[k] = 1 }
            if d != 0 { tD[k] = (loop ? ws[k] + wd[k] : wd[k]) * iD[k] }
            if s != 0 { tS[k] = (loop ? ws[k] + wd[k] : ws[k]) * iS[k] }
        }
        traceDes = tD
        traceSrc = tS
        inverseDes = iD
        inverseSrc = iS
        selfLoop = loops
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

    @inline(__always)
    private func accumulate<A: EdgeActivation>(_ act: A, _ src: [Int32], _ des: [Int32], _ aux: UnsafeMutablePointer<Double>,
                                               _ acc: UnsafeMutablePointer<Double>, _ trace: Bool) -> Double {
        ws.withUnsafeBufferPointer { ws in wd.withUnsafeBufferPointer { wd in b.withUnsafeBufferPointer { b in
            let linear = LinearArgument(ws: ws.baseAddress!, wd: wd.baseAddress!, b: b.baseAddress!)
            guard nonlinear else { return accumulate(act, linear, src, des, aux, acc, trace) }
            return ws2.withUnsafeBufferPointer { ws2 in wd2.withUnsafeBufferPointer { wd2 in
            ws3.withUnsafeBufferPointer { ws3 in wd3.withUnsafeBufferPointer { wd3 in
                accumulate(act, CubicArgument(linear: linear, ws2: ws2.baseAddress!, wd2: wd2.baseAddress!,
                                              ws3: ws3.baseAddress!, wd3: wd3.baseAddress!), src, des, aux, acc, trace)
            } } } }
        } } }
    }

    /// The hot loop: gather, argument, activation, two scaled and offset currents scattered.
    @inline(__always)
    private func accumulate<A: EdgeActivation, Z: EdgeArgument>(
        _ act: A, _ argument: Z, _ src: [Int32], _ des: [Int32], _ aux: UnsafeMutablePointer<Double>,
        _ acc: UnsafeMutablePointer<Double>, _ trace: Bool
    ) -> Double {
        src.withUnsafeBufferPointer { s in des.withUnsafeBufferPointer { d in
        As.withUnsafeBufferPointer { As in Ad.withUnsafeBufferPointer { Ad in
        cs.withUnsafeBufferPointer { cs in cd.withUnsafeBufferPointer { cd in
            let count = s.count
            if !trace {
                for e in 0..<count {
                    let si = Int(s[e]), di = Int(d[e])
                    let a = act.value(argument.value(e, aux[si], aux[di]), e)
                    acc[di] += Ad[e] * a + cd[e]
                    acc[si] -= As[e] * a + cs[e]
                }
                return 0
            }
            if Z.isLinear {
                return traceDes.withUnsafeBufferPointer { tD in traceSrc.withUnsafeBufferPointer { tS in
                    var tr = 0.0
                    for e in 0..<count {
                        let si = Int(s[e]), di = Int(d[e])
                        let (a, slope) = act.valueAndSlope(argument.value(e, aux[si], aux[di]), e)
                        acc[di] += Ad[e] * a + cd[e]
                        acc[si] -= As[e] * a + cs[e]
                        // Grouped as the family loops group it, so a law equal to its family's gives the same trace.
                        tr += slope * Ad[e] * tD[e] - slope * As[e] * tS[e]
                    }
                    return tr
                } }
            }
            return inverseDes.withUnsafeBufferPointer { iD in inverseSrc.withUnsafeBufferPointer { iS in
            selfLoop.withUnsafeBufferPointer { loop in
                var tr = 0.0
                for e in 0..<count {
                    let si = Int(s[e]), di = Int(d[e])
                    let vs = aux[si], vd = aux[di]
                    let (a, slope) = act.valueAndSlope(argument.value(e, vs, vd), e)
                    acc[di] += Ad[e] * a + cd[e]
                    acc[si] -= As[e] * a + cs[e]
                    let (zs, zd) = argument.slopes(e, vs, vd)
                    tr += slope * Ad[e] * (zd + loop[e] * zs) * iD[e] - slope * As[e] * (zs + loop[e] * zd) * iS[e]
                }
                return tr
            } } }
        } } } } } }
    }

    /// The law of edge `e` as a value.
    func law(_ e: Int) -> CommonEdgeLaw {
        CommonEdgeLaw(activation: activations[e], knee: knee[e], ws: ws[e], wd: wd[e], b: b[e], As: As[e], Ad: Ad[e],
                      cs: cs[e], cd: cd[e], ws2: ws2[e], wd2: wd2[e], ws3: ws3[e], wd3: wd3[e])
    }

    /// Adds every edge's partial derivatives into the Jacobian values at the slots of `pattern`, divided by the
    /// row node's capacitance. The des row gains `A_d·slope·(∂z/∂vs, ∂z/∂vd)`, the src row loses
    /// `A_s·slope·(∂z/∂vs, ∂z/∂vd)`; a self-loop puts `(A_d − A_s)·slope·(∂z/∂vs + ∂z/∂vd)` on its node's diagonal.
    func fillJacobian(src: [Int32], des: [Int32], _ aux: UnsafeMutablePointer<Double>, pattern: JacobianPattern,
                      inverseCapacitance: [Double]?, values: UnsafeMutablePointer<Double>) {
        for e in 0..<src.count {
            let si = Int(src[e]), di = Int(des[e])
            let l = law(e)
            let vs = aux[si], vd = aux[di]
            let slope = l.activate(l.argument(vs: vs, vd: vd)).slope
            let (zs, zd) = l.argumentSlopes(vs: vs, vd: vd)
            let gd = slope * Ad[e], gs = slope * As[e]
            let invD = inverseCapacitance?[di] ?? 1, invS = inverseCapacitance?[si] ?? 1
            if si == di {
                if si != 0 { values[pattern.diagonalSlot(si)] += (gd - gs) * (zs + zd) * invD }
                continue
            }
            let k = 4 * e
            let slot = pattern.edgeSlots
            if slot[k] >= 0 { values[Int(slot[k])] += gd * zs * invD }           // (des, src)
            if slot[k + 1] >= 0 { values[Int(slot[k + 1])] += gd * zd * invD }   // (des, des)
            if slot[k + 2] >= 0 { values[Int(slot[k + 2])] -= gs * zs * invS }   // (src, src)
            if slot[k + 3] >= 0 { values[Int(slot[k + 3])] -= gs * zd * invS }   // (src, des)
        }
    }
}

/// An edge's activation argument as the characterized loop computes it.
protocol EdgeArgument {
    /// Whether `∂z/∂v` are the constant weights (the precomputed trace weights apply).
    static var isLinear: Bool { get }
    func value(_ e: Int, _ vs: Double, _ vd: Double) -> Double
    func slopes(_ e: Int, _ vs: Double, _ vd: Double) -> (Double, Double)
}

/// `w_s·vs + w_d·vd + b`, rounded as the family laws round it.
struct LinearArgument: EdgeArgument {
    let ws: UnsafePointer<Double>, wd: UnsafePointer<Double>, b: UnsafePointer<Double>
    static var isLinear: Bool { true }
    @inline(__always) func value(_ e: Int, _ vs: Double, _ vd: Double) -> Double { ws[e] * vs + wd[e] * vd + b[e] }
    @inline(__always) func slopes(_ e: Int, _ vs: Double, _ vd: Double) -> (Double, Double) { (ws[e], wd[e]) }
}

/// The linear argument plus each input's quadratic and cubic terms.
struct CubicArgument: EdgeArgument {
    let linear: LinearArgument
    let ws2: UnsafePointer<Double>, wd2: UnsafePointer<Double>, ws3: UnsafePointer<Double>, wd3: UnsafePointer<Double>
    static var isLinear: Bool { false }
    @inline(__always) func value(_ e: Int, _ vs: Double, _ vd: Double) -> Double {
        linear.value(e, vs, vd) + ((ws2[e] + ws3[e] * vs) * vs * vs + (wd2[e] + wd3[e] * vd) * vd * vd)
    }
    @inline(__always) func slopes(_ e: Int, _ vs: Double, _ vd: Double) -> (Double, Double) {
        (linear.ws[e] + (2 * ws2[e] + 3 * ws3[e] * vs) * vs, linear.wd[e] + (2 * wd2[e] + 3 * wd3[e] * vd) * vd)
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
