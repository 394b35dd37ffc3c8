import Foundation
import KNSimulate

/// How far one copy of a cell is from the nominal cell, in the effective parameters that mismatch moves:
/// `offset` (added to the activation argument, in the argument's units), `gain` (relative error of the argument's
/// input terms), `amplitude` (relative error of the current leaving src) and `copy` (the current entering des is
/// `1 + copy` times what the nominal cell's des/src ratio makes of the current leaving src).
public struct EffectiveDeviation: Sendable, Hashable, Codable {
    public var offset: Double
    public var gain: Double
    public var amplitude: Double
    public var copy: Double

    public init(offset: Double, gain: Double, amplitude: Double, copy: Double) {
        self.offset = offset; self.gain = gain; self.amplitude = amplitude; self.copy = copy
    }

    /// offset, gain, amplitude, copy.
    public var values: [Double] { [offset, gain, amplitude, copy] }

    public static func - (a: Self, b: Self) -> Self {
        Self(offset: a.offset - b.offset, gain: a.gain - b.gain, amplitude: a.amplitude - b.amplitude, copy: a.copy - b.copy)
    }
}

/// Extracts the ``EffectiveDeviation`` of one cell copy from its currents over a sweep, against the law fitted to
/// the nominal copy.
///
/// With the nominal law `i_s = A_s·act(z) + c_s`, `i_d = A_d·act(z) + c_d`, a copy is fitted (Levenberg–Marquardt,
/// from zero, both currents at every point, residuals relative to the nominal current range) with
/// `z' = b + o + (1 + g)·(z − b)`, `i_s = A_s·(1 + a_s)·act(z') + c_s` and `i_d = A_d·(1 + a_d)·act(z') + c_d`:
/// offset `o`, gain `g`, amplitude `a_s`, and copy `(1 + a_d)/(1 + a_s) − 1`. The leakage terms stay nominal.
public struct CellParameterExtractor: Sendable {
    /// The law of the nominal copy.
    public var nominal: CommonEdgeLaw

    public init(nominal: CommonEdgeLaw) { self.nominal = nominal }

    /// Fits the nominal copy's currents with ``EdgeLawFitter``, starting from the edge's own law.
    public init(vs: [Double], vd: [Double], src: [Double], des: [Double], ideal: CommonEdgeLaw) {
        nominal = EdgeLawFitter().fit(vs: vs, vd: vd, desCurrent: des, srcCurrent: src, ideal: ideal).law
    }

    /// The deviation of one copy measured at (vs, vd) (model units, the nominal copy's sweep).
    public func extract(vs: [Double], vd: [Double], src: [Double], des: [Double]) -> EffectiveDeviation {
        fit(vs: vs, vd: vd, src: src, des: des).deviation
    }

    /// The deviation of one copy and how well the deviated law reproduces its currents: the RMS of the fit's
    /// residuals over both currents at every point, relative to the nominal copy's current range. A copy that no
    /// longer computes its law (a cell out of its operating region) shows a large residual.
    public func fit(vs: [Double], vd: [Double], src: [Double], des: [Double]) -> (deviation: EffectiveDeviation, residual: Double) {
        let n = vs.count
        precondition(vd.count == n && src.count == n && des.count == n, "CellParameterExtractor: point arrays differ in length")
        let law = nominal
        let z = zip(vs, vd).map { law.argument(vs: $0, vd: $1) }
        let currents = zip(vs, vd).map { law.currents(vs: $0, vd: $1) }
        let all = currents.flatMap { [$0.src, $0.des] }
        let scale = max((all.max() ?? 0) - (all.min() ?? 0), 1e-300)
        let fit = LevenbergMarquardt().minimize(from: [0, 0, 0, 0]) { theta in
            let (o, g, aS, aD) = (theta[0], theta[1], theta[2], theta[3])
            var residuals = [Double](), jacobian = [[Double]]()
            residuals.reserveCapacity(2 * n)
            jacobian.reserveCapacity(2 * n)
            for j in 0..<n {
                let u = z[j] - law.b
                let (value, slope) = law.activate(law.b + o + (1 + g) * u)
                let ks = law.As * (1 + aS), kd = law.Ad * (1 + aD)
                residuals.append((ks * value + law.cs - src[j]) / scale)
                jacobian.append([ks * slope / scale, ks * slope * u / scale, law.As * value / scale, 0])
                residuals.append((kd * value + law.cd - des[j]) / scale)
                jacobian.append([kd * slope / scale, kd * slope * u / scale, 0, law.Ad * value / scale])
            }
            return (residuals, jacobian)
        }
        let p = fit.parameters
        return (EffectiveDeviation(offset: p[0], gain: p[1], amplitude: p[2], copy: (1 + p[3]) / (1 + p[2]) - 1),
                (fit.cost / Double(max(2 * n, 1))).squareRoot())
    }
}
