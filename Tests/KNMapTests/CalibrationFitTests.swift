import Foundation
import Testing
@testable import KNMap

@Suite("Calibration fits")
struct CalibrationFitTests {
    /// A two-input tanh2 cell of the twomoon sub-network measured 1.9 times too steep: plain Gauss–Newton from
    /// g = 1 runs into saturation and gives up, which left the cell uncalibrated (21 % NRMSE). The fit recovers
    /// amplitude, gain and offset from the same kind of curve.
    @Test(arguments: [(0.985, 1.91, -0.039), (1.02, 0.8, 0.2), (0.9, 3.2, -0.5)])
    func tanhFitRecoversSteepAndShallowCells(amplitude: Double, gain: Double, offset: Double) throws {
        let grid: [Double] = (0..<40).map { (k: Int) -> Double in -0.64 + 1.32 * Double(k) / 39 }
        let sweep: [Double] = (0..<16).map { (k: Int) -> Double in -1.2 + 2.4 * Double(k) / 15 }
        let xs = grid + sweep
        let ys: [Double] = xs.map { (x: Double) -> Double in amplitude * Foundation.tanh(gain * x + offset) }
        let fit = try #require(FidelityRunner.tanhFit(xs, ys))
        #expect(abs(fit.amplitude - amplitude) < 1e-6)
        #expect(abs(fit.gain - gain) < 1e-6)
        #expect(abs(fit.offset - offset) < 1e-6)
    }

    /// Points on the nearly linear part pin gain and offset only; the amplitude stays 1.
    @Test func tanhFitKeepsTheAmplitudeOnTheLinearPart() throws {
        let xs: [Double] = (0..<20).map { (k: Int) -> Double in -0.3 + 0.6 * Double(k) / 19 }
        let ys: [Double] = xs.map { (x: Double) -> Double in Foundation.tanh(1.3 * x + 0.05) }
        let fit = try #require(FidelityRunner.tanhFit(xs, ys))
        #expect(fit.amplitude == 1)
        #expect(abs(fit.gain - 1.3) < 1e-6 && abs(fit.offset - 0.05) < 1e-6)
    }

    /// A leaky relu cell whose points all lie on its leak, as layer 0 edge 12 of the ShiftLeakyRelu2 fixture:
    /// 0.685 of the leak's slope, with the knee a whole unit beyond the points (x from −1.13 to −0.68). Fitted
    /// only with knees near the points, the cell stayed uncalibrated at 16.6 % NRMSE.
    @Test func reluFitFindsAKneeFarBeyondLeakOnlyPoints() throws {
        let xs: [Double] = (0..<24).map { (k: Int) -> Double in -1.13 + 0.45 * Double(k) / 23 }
        let ys: [Double] = xs.map { (x: Double) -> Double in 0.685 * 0.01 * (x - 0.334) }
        let fit = try #require(FidelityRunner.reluFit(xs, ys, leak: 0.01))
        #expect(abs(fit.slope - 0.685) < 1e-6)
        #expect(abs(fit.shift + 0.334) < 1e-6)
    }

    /// A relu whose points all conduct fits as the line they lie on, its knee below them.
    @Test func reluFitFindsAKneeFarBelowConductingPoints() throws {
        let xs: [Double] = (0..<16).map { (k: Int) -> Double in 2 + Double(k) / 15 }
        let ys: [Double] = xs.map { (x: Double) -> Double in 1.1 * (x + 5) }
        let fit = try #require(FidelityRunner.reluFit(xs, ys))
        #expect(abs(fit.slope - 1.1) < 1e-6)
        #expect(abs(fit.shift - 5) < 1e-6)
    }

    /// Points that pass the knee keep the knee the grid finds.
    @Test func reluFitKeepsAKneeInsideThePoints() throws {
        let xs: [Double] = (0..<40).map { (k: Int) -> Double in -1 + 2 * Double(k) / 39 }
        let ys: [Double] = xs.map { (x: Double) -> Double in 0.9 * max(x - 0.2, 0.01 * (x - 0.2)) }
        let fit = try #require(FidelityRunner.reluFit(xs, ys, leak: 0.01))
        #expect(abs(fit.slope - 0.9) < 1e-4)
        #expect(abs(fit.shift + 0.2) < 1e-4)
    }
}
