import Foundation
import KNModel
import KNSimulate

/// Fits one cell's measured currents with a ``KNSimulate/CommonEdgeLaw``:
/// `i_d = A_d·act(z) + c_d` entering des and `i_s = A_s·act(z) + c_s` leaving src, with
/// `z = w_s·vs + w_d·vd + b + w_s2·vs² + w_d2·vd² + w_s3·vs³ + w_d3·vd³`.
///
/// What the transistor cells do, and which parameter holds it: the tanh cell's weak-inversion pair gives the
/// shape; its tail current and the two output copies set `A_s` and `A_d` (amplitude and copy errors); the
/// degenerated transconductors set `w_s` and `w_d` (each input's gain error) and, at the ends of the node swing
/// where they compress, the quadratic and cubic terms (on twomoon's sky130 cells a linear argument leaves up
/// to 1.2 % NRMSE on edges whose des node swings ±20 units, the cubic one 0.1 %; the nonlinear terms are kept only
/// when they lower the cross-validated error, so a cell they would overfit keeps a linear argument); the p2 sink and the input
/// pairs' offsets give `b`; the cascoded outputs' leakage gives `c_s`, `c_d`. The relu cell's rectifier gives the
/// knee: a slope (`A·w`), a knee position (`b`), a rounded knee (`knee`, used only when it lowers the squared
/// error by a clear margin, ``kneeImprovement``) and a leakage (`c_s`, `c_d`).
///
/// The fit is Levenberg–Marquardt from the edge's own law, on both currents at every operating point, with a
/// weak pull (``priorWeight``) towards the edge's own law. The pull only matters along directions the
/// measurement cannot see: amplitude against argument gain when no point reaches saturation, `w_s` against
/// `w_d` when the two voltages move together, a relu's scale against its slope. Deterministic.
public struct EdgeLawFitter: Sendable {
    /// Weight of the pull towards the edge's own law, relative to the current range per point: a parameter
    /// that moves by its own scale costs as much as a residual of this fraction of the range at every point.
    public var priorWeight = 1e-3
    /// A soft relu knee is kept when it lowers the sum of squares below this fraction of the hard relu's.
    public var kneeImprovement = 0.8

    public init() {}

    /// The law fitted to one cell's measurement, and how well it and the edge's own law match it.
    public struct Fit: Sendable, Hashable {
        public var law: CommonEdgeLaw
        public var points: Int
        /// RMS(law − measured) over both currents and every point / range of the ideal current (of the measured
        /// current where the ideal one does not vary; nil when neither varies: a relu that never turns on).
        public var nrmse: Double?
        /// The same for the edge's own law.
        public var idealNrmse: Double?
        /// Two-fold cross-validation: fitted to the even points and scored on the odd ones, and the reverse.
        public var validationNrmse: Double?
        /// RMS(law − measured) and RMS(ideal − measured) in model units.
        public var rms: Double
        public var idealRms: Double
    }

    /// Fits the measured currents at the operating points (model units).
    /// - Parameters:
    ///   - desCurrent: the current entering des at each point; `srcCurrent`: the current leaving src.
    ///   - ideal: the edge's own law (start point and pull).
    public func fit(vs: [Double], vd: [Double], desCurrent: [Double], srcCurrent: [Double], ideal: CommonEdgeLaw) -> Fit {
        let n = vs.count
        precondition(vd.count == n && desCurrent.count == n && srcCurrent.count == n, "EdgeLawFitter: point arrays differ in length")
        let data = Points(vs: vs, vd: vd, des: desCurrent, src: srcCurrent)
        let target = zip(vs, vd).map { ideal.currents(vs: $0, vd: $1).des }
        // The NRMSE's denominator: the range of the ideal current, or of the measured one where the ideal current does
        // not vary (a relu the cell turns on where the edge would not).
        func spread(_ values: [Double]) -> Double? {
            let r = (values.max() ?? 0) - (values.min() ?? 0)
            let scale = Swift.max(abs(values.max() ?? 0), abs(values.min() ?? 0), 1e-300)
            return r > 1e-6 * scale && r > 0 ? r : nil
        }
        let normaliser = spread(target) ?? spread(desCurrent)
        let range = normaliser ?? 0
        let active = normaliser != nil
        // The linear argument and the one with each input's quadratic and cubic terms; the nonlinear one is kept only
        // when it predicts the points it was not fitted to better (two-fold cross-validation).
        let linear = fitLaw(data, ideal: ideal, currentScale: currentScale(data, range: range), cubic: false)
        var law = linear
        var validation: Double? = nil
        if active && n >= 8 {
            let even = data.subset { $0 % 2 == 0 }, odd = data.subset { $0 % 2 == 1 }
            func crossValidated(_ cubic: Bool, knee: Bool) -> Double {
                let fitEven = fitLaw(even, ideal: ideal, currentScale: currentScale(even, range: range), knee: knee, cubic: cubic)
                let fitOdd = fitLaw(odd, ideal: ideal, currentScale: currentScale(odd, range: range), knee: knee, cubic: cubic)
                return ((odd.sse(fitEven) + even.sse(fitOdd)) / Double(2 * n)).squareRoot() / range
            }
            let nonlinear = fitLaw(data, ideal: ideal, currentScale: currentScale(data, range: range), cubic: true)
            let linearScore = crossValidated(false, knee: linear.knee > 0)
            let nonlinearScore = crossValidated(true, knee: nonlinear.knee > 0)
            if nonlinearScore < linearScore {
                law = nonlinear
                validation = nonlinearScore
            } else {
                validation = linearScore
            }
        }
        let rms = data.rms(law), idealRms = data.rms(ideal)
        return Fit(law: law, points: n, nrmse: active ? rms / range : nil, idealNrmse: active ? idealRms / range : nil,
                   validationNrmse: validation, rms: rms, idealRms: idealRms)
    }

    /// The current scale the pull is measured against: the ideal range, or the measured currents' spread when the
    /// ideal current does not vary.
    private func currentScale(_ data: Points, range: Double) -> Double {
        let measured = (data.des + data.src).map(abs).max() ?? 0
        return Swift.max(range, measured, 1e-12)
    }

    /// The least-squares law; `knee` nil: the relu knee is tried and kept if it pays, true/false: forced; `cubic`: the
    /// argument's quadratic and cubic terms are fitted (else they keep the ideal law's values, 0).
    func fitLaw(_ data: Points, ideal: CommonEdgeLaw, currentScale: Double, knee: Bool? = nil, cubic: Bool = true) -> CommonEdgeLaw {
        guard data.count > 0 else { return ideal }
        let hard = solve(data, ideal: ideal, currentScale: currentScale, withKnee: false, cubic: cubic)
        guard ideal.activation == .relu, knee != false else { return hard }
        let soft = solve(data, ideal: ideal, currentScale: currentScale, withKnee: true, cubic: cubic)
        if knee == true { return soft }
        return data.sse(soft) < kneeImprovement * data.sse(hard) ? soft : hard
    }

    /// Parameter order: w_s, w_d, b, A_s, A_d, c_s, c_d, w_s2, w_d2, w_s3, w_d3 (, knee).
    private func solve(_ data: Points, ideal: CommonEdgeLaw, currentScale: Double, withKnee: Bool, cubic: Bool) -> CommonEdgeLaw {
        let z0 = zip(data.vs, data.vd).map { ideal.argument(vs: $0, vd: $1) }
        let zSpread = Swift.max((z0.max() ?? 0) - (z0.min() ?? 0), 1e-6)
        let wScale = Swift.max(abs(ideal.ws), abs(ideal.wd), 1e-9)
        let aScale = Swift.max(abs(ideal.As), abs(ideal.Ad), 1e-12)
        // A nonlinear term that moves the argument by the linear term's size at the end of the range is one scale.
        let sRange = Swift.max(data.vs.map(abs).max() ?? 0, 1e-6), dRange = Swift.max(data.vd.map(abs).max() ?? 0, 1e-6)
        var start = [ideal.ws, ideal.wd, ideal.b, ideal.As, ideal.Ad, ideal.cs, ideal.cd,
                     ideal.ws2, ideal.wd2, ideal.ws3, ideal.wd3]
        var scales = [wScale, wScale, zSpread, aScale, aScale, currentScale, currentScale,
                      wScale / sRange, wScale / dRange, wScale / (sRange * sRange), wScale / (dRange * dRange)]
        let kneeIndex = start.count
        if withKnee {
            start.append(0.05 * zSpread)
            scales.append(zSpread)
        }
        let prior = start.enumerated().map { $0.offset == kneeIndex ? 0 : $0.element }
        let pull = priorWeight * currentScale * Double(2 * data.count).squareRoot()
        let p = start.count
        func law(_ t: [Double]) -> CommonEdgeLaw {
            CommonEdgeLaw(activation: ideal.activation, knee: withKnee ? t[kneeIndex] : 0, ws: t[0], wd: t[1], b: t[2],
                          As: t[3], Ad: t[4], cs: t[5], cd: t[6], ws2: t[7], wd2: t[8], ws3: t[9], wd3: t[10])
        }
        let model: LevenbergMarquardt.Model = { t in
            let l = law(t)
            var r: [Double] = [], j: [[Double]] = []
            r.reserveCapacity(2 * data.count + p)
            j.reserveCapacity(2 * data.count + p)
            for k in 0..<data.count {
                let vs = data.vs[k], vd = data.vd[k]
                let z = l.argument(vs: vs, vd: vd)
                let (a, slope) = l.activate(z)
                var kneeSlope = 0.0
                if withKnee {
                    let u = z / l.knee
                    kneeSlope = CommonEdgeLaw.softRelu(u, knee: 1).value - u * slope
                }
                // ∂z/∂(w_s, w_d, b, w_s2, w_d2, w_s3, w_d3).
                // Without the nonlinear terms their columns are 0: only their pull acts, and it holds them in place.
                let q: Double = cubic ? 1 : 0
                let dz = [vs, vd, 1, q * vs * vs, q * vd * vd, q * vs * vs * vs, q * vd * vd * vd]
                r.append(l.Ad * a + l.cd - data.des[k])
                let gd = l.Ad * slope, gs = l.As * slope
                var rowD = [gd * dz[0], gd * dz[1], gd, 0, a, 0, 1, gd * dz[3], gd * dz[4], gd * dz[5], gd * dz[6]]
                if withKnee { rowD.append(l.Ad * kneeSlope) }
                j.append(rowD)
                r.append(l.As * a + l.cs - data.src[k])
                var rowS = [gs * dz[0], gs * dz[1], gs, a, 0, 1, 0, gs * dz[3], gs * dz[4], gs * dz[5], gs * dz[6]]
                if withKnee { rowS.append(l.As * kneeSlope) }
                j.append(rowS)
            }
            for q in 0..<p {
                let w = pull / scales[q]
                r.append(w * (t[q] - prior[q]))
                var row = [Double](repeating: 0, count: p)
                row[q] = w
                j.append(row)
            }
            return (r, j)
        }
        let kneeFloor = 1e-6 * zSpread
        func project(_ t: [Double]) -> [Double] {
            guard withKnee else { return t }
            var u = t
            u[kneeIndex] = Swift.max(u[kneeIndex], kneeFloor)
            return u
        }
        // A relu whose knee the cell has moved can start with every point on the flat side, where nothing pulls
        // the knee: start also from knees shifted by half and all of the argument's spread, keep the best.
        let shifts: [Double] = ideal.activation == .tanh || ideal.activation == .identity ? [0] : [0, -0.5, 0.5, -1, 1]
        var best: LevenbergMarquardt.Result? = nil
        for shift in shifts {
            var from = start
            from[2] += shift * zSpread
            let result = LevenbergMarquardt().minimize(from: from, project: project, model)
            if best == nil || result.cost < best!.cost { best = result }
        }
        let fitted = law(best!.parameters)
        return fitted.problem == nil ? fitted : ideal
    }

    /// Operating points and the two measured currents.
    struct Points {
        var vs: [Double], vd: [Double], des: [Double], src: [Double]
        var count: Int { vs.count }

        func subset(_ keep: (Int) -> Bool) -> Points {
            let idx = (0..<count).filter(keep)
            return Points(vs: idx.map { vs[$0] }, vd: idx.map { vd[$0] }, des: idx.map { des[$0] }, src: idx.map { src[$0] })
        }

        /// Σ over points of both squared current errors.
        func sse(_ law: CommonEdgeLaw) -> Double {
            var s = 0.0
            for k in 0..<count {
                let c = law.currents(vs: vs[k], vd: vd[k])
                s += (c.des - des[k]) * (c.des - des[k]) + (c.src - src[k]) * (c.src - src[k])
            }
            return s
        }

        func rms(_ law: CommonEdgeLaw) -> Double { count == 0 ? 0 : (sse(law) / Double(2 * count)).squareRoot() }
    }
}
