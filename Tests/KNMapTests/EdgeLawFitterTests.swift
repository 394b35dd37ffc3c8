import Foundation
import Testing
import KNModel
import KNSimulate
import KNTestSupport
@testable import KNMap

/// Operating points spread over a box, as a cell's src and des voltages move independently.
private func points(_ count: Int, seed: UInt64, vs: ClosedRange<Double>, vd: ClosedRange<Double>) -> ([Double], [Double]) {
    var rng = SplitMix64(seed: seed)
    let a = (0..<count).map { _ in rng.uniform(vs.lowerBound, vs.upperBound) }
    let b = (0..<count).map { _ in rng.uniform(vd.lowerBound, vd.upperBound) }
    return (a, b)
}

/// A synthetic measurement: the currents of `truth` at the points.
private func measure(_ truth: CommonEdgeLaw, _ vs: [Double], _ vd: [Double]) -> (des: [Double], src: [Double]) {
    let c = zip(vs, vd).map { truth.currents(vs: $0, vd: $1) }
    return (c.map(\.des), c.map(\.src))
}

private func expectClose(_ fitted: CommonEdgeLaw, _ truth: CommonEdgeLaw, _ tolerance: Double) {
    for (name, (a, b)) in zip(CommonEdgeLaw.valueNames, zip(fitted.values, truth.values)) {
        #expect(abs(a - b) <= tolerance * max(1, abs(b)), "\(name): fitted \(a), true \(b)")
    }
}

@Suite("Fitting the common edge law")
struct EdgeLawFitterTests {
    @Test func tanhCellParametersAreRecovered() {
        // A tanh2 cell with every error a cell has: amplitude and copy errors, both weights off, an argument offset and
        // output offsets. Points reach saturation, so amplitude and gain are separable.
        let ideal = CommonEdgeLaw.ideal(family: .shiftTanh2, p0: 0.8, p1: -0.6, p2: 0.2)
        let truth = CommonEdgeLaw(activation: .tanh, ws: 0.8 * 0.93, wd: -0.6 * 1.06, b: 0.2 + 0.04, As: 0.97, Ad: 1.02,
                                  cs: 0.004, cd: -0.003)
        let (vs, vd) = points(40, seed: 3, vs: -3...3, vd: -3...3)
        let m = measure(truth, vs, vd)
        let fit = EdgeLawFitter().fit(vs: vs, vd: vd, desCurrent: m.des, srcCurrent: m.src, ideal: ideal)
        // The weak pull towards the ideal law biases exact data by a few 1e-6.
        expectClose(fit.law, truth, 2e-5)
        #expect(fit.nrmse! < 2e-6)
        #expect(fit.idealNrmse! > 0.01)
        #expect(fit.validationNrmse! < 1e-4)
        #expect(fit.points == 40)
    }

    @Test func compressingTransconductorsAreRecovered() {
        // The des input swings ±20 units and its transconductor compresses: cubic and quadratic terms in vd.
        let ideal = CommonEdgeLaw.ideal(family: .shiftTanh2, p0: -0.32, p1: 0.18, p2: -0.015)
        let truth = CommonEdgeLaw(activation: .tanh, ws: -0.34, wd: 0.19, b: 0.08, As: 0.998, Ad: 0.997, cs: 2e-4, cd: -7e-4,
                                  ws2: 1.3e-3, wd2: -8e-4, ws3: 6e-6, wd3: -2e-6)
        let (vs, vd) = points(40, seed: 12, vs: -8...9, vd: -23...23)
        let m = measure(truth, vs, vd)
        let fit = EdgeLawFitter().fit(vs: vs, vd: vd, desCurrent: m.des, srcCurrent: m.src, ideal: ideal)
        #expect(fit.nrmse! < 1e-4 && fit.validationNrmse! < 1e-3)
        #expect(fit.idealNrmse! > 0.01)
        let worst = zip(vs, vd).map { abs(fit.law.argument(vs: $0, vd: $1) - truth.argument(vs: $0, vd: $1)) }.max()!
        #expect(worst < 1e-3)
        #expect(abs(fit.law.wd3 - truth.wd3) < 1e-7 && abs(fit.law.wd2 - truth.wd2) < 1e-5)
    }

    @Test func reluCellWithSoftKneeAndLeakageIsRecovered() {
        // ShiftRelu1 p0 = 0.3, p1 = 1.5: the cell's slope is 4 % low, the knee sits 0.02 late and is rounded over 0.05,
        // and both outputs leak.
        let ideal = CommonEdgeLaw.ideal(family: .shiftRelu1, p0: 0.3, p1: 1.5, p2: 0)
        let truth = CommonEdgeLaw(activation: .relu, knee: 0.05, ws: 1, wd: -1, b: -0.32, As: 1.5 * 0.96, Ad: 1.5 * 0.95,
                                  cs: 2e-3, cd: -1e-3)
        let (vs, vd) = points(48, seed: 8, vs: -1...1.5, vd: -1...1)
        let m = measure(truth, vs, vd)
        let fit = EdgeLawFitter().fit(vs: vs, vd: vd, desCurrent: m.des, srcCurrent: m.src, ideal: ideal)
        // The relu's scale is free (A·relu(w·x) = A·w·relu(x)); compare the currents, and the scale-free parameters.
        #expect(fit.law.knee > 0)
        #expect(abs(fit.law.b / fit.law.ws - truth.b / truth.ws) < 1e-4)
        #expect(abs(fit.law.knee / fit.law.ws - truth.knee) < 1e-4)
        #expect(abs(fit.law.Ad * fit.law.ws - truth.Ad) < 1e-4 && abs(fit.law.As * fit.law.ws - truth.As) < 1e-4)
        #expect(abs(fit.law.cd - truth.cd) < 1e-5 && abs(fit.law.cs - truth.cs) < 1e-5)
        #expect(fit.nrmse! < 1e-5)
    }

    @Test func reluKneeFarFromTheEdgesOwnIsFound() {
        // The cell's knee sits 1.4 units earlier than the edge's: at the edge's own law every point is on the flat side,
        // where nothing pulls the knee.
        let ideal = CommonEdgeLaw.ideal(family: .shiftRelu1, p0: 1.6, p1: 2, p2: 0)
        let truth = CommonEdgeLaw(activation: .relu, ws: 1, wd: -1, b: -0.2, As: 1.9, Ad: 1.9, cs: 1e-3, cd: 1e-3)
        let (vs, vd) = points(40, seed: 4, vs: -0.5...1, vd: -0.5...0.5)
        let m = measure(truth, vs, vd)
        let fit = EdgeLawFitter().fit(vs: vs, vd: vd, desCurrent: m.des, srcCurrent: m.src, ideal: ideal)
        #expect((fit.nrmse ?? 1) < 1e-5, "\(fit.law)")
        #expect((fit.idealNrmse ?? 0) > 0.1)
        // The hard relu alone (no knee to lend a slope) finds it too, from its shifted starts.
        let data = EdgeLawFitter.Points(vs: vs, vd: vd, des: m.des, src: m.src)
        let hard = EdgeLawFitter().fitLaw(data, ideal: ideal, currentScale: 2, knee: false)
        #expect(hard.knee == 0 && data.rms(hard) < 1e-5, "\(hard)")
    }

    @Test func hardReluKeepsAHardKnee() {
        let ideal = CommonEdgeLaw.ideal(family: .shiftRelu1, p0: -0.2, p1: -0.7, p2: 0)
        let truth = CommonEdgeLaw(activation: .relu, ws: 1, wd: -1, b: 0.25, As: -0.72, Ad: -0.69)
        let (vs, vd) = points(40, seed: 21, vs: -1...1, vd: -1...1)
        let m = measure(truth, vs, vd)
        let fit = EdgeLawFitter().fit(vs: vs, vd: vd, desCurrent: m.des, srcCurrent: m.src, ideal: ideal)
        #expect(fit.law.knee == 0)
        #expect(fit.nrmse! < 1e-6)
    }

    @Test func directionsThePointsCannotSeeStayAtTheEdgesOwnLaw() {
        // vs and vd move together (vd = 0.5·vs) and never leave tanh's linear part: only w_s·vs + w_d·vd and the product
        // A·w are seen. The fit must match the measurement and keep the unseen split and scale near the ideal law.
        let ideal = CommonEdgeLaw.ideal(family: .shiftTanh2, p0: 0.1, p1: 0.05, p2: 0)
        let truth = CommonEdgeLaw(activation: .tanh, ws: 0.1 * 1.05, wd: 0.05 * 1.05, b: 0.01, As: 1, Ad: 1)
        let vs = (0..<24).map { -2 + 4 * Double($0) / 23 }, vd = vs.map { 0.5 * $0 }
        let m = measure(truth, vs, vd)
        let fit = EdgeLawFitter().fit(vs: vs, vd: vd, desCurrent: m.des, srcCurrent: m.src, ideal: ideal)
        #expect(fit.nrmse! < 1e-4)
        #expect(abs(fit.law.ws / fit.law.wd - 2) < 0.05)
        #expect(abs(fit.law.Ad - 1) < 0.1)
    }

    @Test func levenbergMarquardtSolvesAndNeverWorsens() {
        // Rosenbrock as least squares: r = (1 − x, 10·(y − x²)), minimum at (1, 1).
        let result = LevenbergMarquardt().minimize(from: [-1.2, 1]) { t in
            ([1 - t[0], 10 * (t[1] - t[0] * t[0])], [[-1, 0], [-20 * t[0], 10]])
        }
        #expect(abs(result.parameters[0] - 1) < 1e-8 && abs(result.parameters[1] - 1) < 1e-8)
        #expect(LevenbergMarquardt.solve([0, 1, 1, 0], [2, 3], 2) == [3, 2])
        #expect(LevenbergMarquardt.solve([1, 2, 2, 4], [1, 1], 2) == nil)
    }
}
