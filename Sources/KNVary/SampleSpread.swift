import Foundation
import KNModel
import KNProcess

/// The mean and sample standard deviation of Monte Carlo values, with the σ's 95 % interval (χ², n − 1 degrees of
/// freedom).
struct SampleSpread {
    var mean: Double
    var sigma: Double
    var lower: Double
    var upper: Double
    /// The σ of a normal distribution with the samples' interquartile range (IQR / 1.349): what the core of the
    /// distribution says, whatever a few outlying samples do to ``sigma``.
    var robustSigma: Double
    /// Samples further than 5 ``robustSigma`` from the median.
    var outliers: Int

    init(_ values: [Double]) {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let dof = max(n - 1, 1)
        let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / dof).squareRoot()
        self.mean = mean
        sigma = sd
        lower = sd * (dof / MismatchFit.chiSquareQuantile(probability: 0.975, degreesOfFreedom: dof)).squareRoot()
        upper = sd * (dof / MismatchFit.chiSquareQuantile(probability: 0.025, degreesOfFreedom: dof)).squareRoot()
        let sorted = values.sorted()
        robustSigma = (sorted.sortedQuantile(0.75) - sorted.sortedQuantile(0.25)) / 1.349
        let median = sorted.sortedQuantile(0.5), reach = 5 * robustSigma
        outliers = values.filter { abs($0 - median) > reach }.count
    }
}
