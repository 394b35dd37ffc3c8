import Foundation
import Testing
@testable import KNVary

/// The spread statistics of the netlist Monte Carlo comparison.
@Suite("Output spread comparison")
struct OutputSpreadComparisonTests {
    /// 49 chips from a normal distribution and one tipped far away: σ follows the tipped chip, the IQR-based σ
    /// stays with the core, and the tipped chip is counted.
    @Test func robustSigmaIgnoresATippedChip() throws {
        // A deterministic normal sample: the inverse CDF at evenly spaced probabilities, σ = 2.
        let core = (1...49).map { 2 * inverseNormal((Double($0) - 0.5) / 49) + 8 }
        let chips = core + [-7]
        let spread = SampleSpread(chips)
        #expect(abs(spread.robustSigma / 2 - 1) < 0.1, "\(spread.robustSigma)")
        #expect(spread.sigma > 2.8, "\(spread.sigma)")
        #expect(spread.outliers == 1)
        #expect(SampleSpread(core).outliers == 0)

        let comparison = try OutputSpreadComparison(netlist: chips.map { [[$0]] }, fast: core.map { [[$0]] }, tolerance: 0.25, seed: 1,
                                                    process: "sky130", corner: "tt", netlistSecondsPerChip: 500,
                                                    fastSecondsPerChip: 1e-3, cells: "test")
        let row = try #require(comparison.outputs.first)
        #expect(!row.within && row.netlistOutliers == 1 && row.fastOutliers == 0)
        #expect(abs(row.fastRobustSigma / row.netlistRobustSigma - 1) < 0.1)
        #expect(comparison.text.contains("1 of 50"))
    }

    /// Acklam's rational approximation of the standard normal quantile (relative error below 1.2e-9).
    func inverseNormal(_ p: Double) -> Double {
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        if p < 0.02425 {
            let q = (-2 * log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        if p > 1 - 0.02425 { return -inverseNormal(1 - p) }
        let q = p - 0.5, r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }
}
