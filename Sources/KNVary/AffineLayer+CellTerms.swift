import Foundation
import KNSimulate

extension AffineLayer {
    /// The activation with an edge's rectifier knee (the soft relu of ``KNSimulate/CommonEdgeLaw``).
    @inline(__always)
    func activate(_ z: Double, knee: Double) -> (value: Double, slope: Double) {
        knee > 0 && activation == .relu ? CommonEdgeLaw.softRelu(z, knee: knee) : activation.valueAndSlope(z)
    }

    /// Edge `e`'s inputs as its cell's transconductors see them: `v + k2·v² + k3·v³` for src and for des.
    @inline(__always)
    func compressed(_ x: CellLawErrors.Layer, _ e: Int, vs: Double, vd: Double) -> (src: Double, des: Double) {
        (vs + (x.ks2[e] + x.ks3[e] * vs) * vs * vs, vd + (x.kd2[e] + x.kd3[e] * vd) * vd * vd)
    }

    /// ``rightHandSide(_:_:_:)`` with the characterized cells' terms: each input compressed as
    /// `v + k2·v² + k3·v³` before its weight, the knee, and the output offsets `c_s`, `c_d`.
    func cellRightHandSide(_ x: CellLawErrors.Layer, _ v: UnsafePointer<Double>, _ f: UnsafeMutablePointer<Double>,
                           _ aux: UnsafeMutablePointer<Double>) {
        aux[0] = 0
        (aux + 1).update(from: v, count: nodeCount)
        f.update(repeating: 0, count: nodeCount)
        let acc = f - 1
        for e in 0..<edgeCount {
            let si = Int(src[e]), di = Int(des[e])
            let vs = aux[si], vd = aux[di]
            let (us, ud) = compressed(x, e, vs: vs, vd: vd)
            let a = activate(ws[e] * us + wd[e] * ud + b[e], knee: x.knee[e]).value
            if di != 0 { acc[di] += Ad[e] * a + x.cd[e] }
            if si != 0 { acc[si] -= As[e] * a + x.cs[e] }
        }
    }

    /// ``pullback(_:_:_:weight:bars:_:)`` of ``cellRightHandSide(_:_:_:_:)``. The cells' terms are fixed, so
    /// only (w_s, w_d, b, A_s, A_d) receive gradients.
    func cellPullback(_ x: CellLawErrors.Layer, _ v: UnsafePointer<Double>, _ c: UnsafePointer<Double>,
                      _ vBar: UnsafeMutablePointer<Double>, weight: Double, bars: inout EdgeBars,
                      _ aux: UnsafeMutablePointer<Double>) {
        aux[0] = 0
        (aux + 1).update(from: v, count: nodeCount)
        for e in 0..<edgeCount {
            let si = Int(src[e]), di = Int(des[e])
            let vs = aux[si], vd = aux[di]
            let (us, ud) = compressed(x, e, vs: vs, vd: vd)
            let (a, slope) = activate(ws[e] * us + wd[e] * ud + b[e], knee: x.knee[e])
            let cd = di != 0 ? c[di - 1] : 0, cs = si != 0 ? c[si - 1] : 0
            let zBar = slope * (Ad[e] * cd - As[e] * cs)
            bars.Ad[e] += weight * a * cd
            bars.As[e] -= weight * a * cs
            bars.ws[e] += weight * zBar * us
            bars.wd[e] += weight * zBar * ud
            bars.b[e] += weight * zBar
            if si != 0 { vBar[si - 1] += zBar * ws[e] * (1 + (2 * x.ks2[e] + 3 * x.ks3[e] * vs) * vs) }
            if di != 0 { vBar[di - 1] += zBar * wd[e] * (1 + (2 * x.kd2[e] + 3 * x.kd3[e] * vd) * vd) }
        }
    }
}
