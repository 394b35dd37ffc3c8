import Foundation

/// A small dense Levenberg–Marquardt least-squares solver (Marquardt's diagonal scaling), deterministic:
/// the same problem gives the same answer bit for bit.
///
/// It minimises `Σ r_i(θ)²` for a handful of parameters, given the residuals and their Jacobian rows. A step
/// is taken only when it lowers the cost, so the result is never worse than the start.
struct LevenbergMarquardt {
    var maxIterations = 200
    /// Stop when a successful step lowers the cost by less than this fraction.
    var relativeTolerance = 1e-12

    /// The residuals at θ and, row by row, their derivatives with respect to θ.
    typealias Model = ([Double]) -> (residuals: [Double], jacobian: [[Double]])

    struct Result {
        var parameters: [Double]
        var cost: Double
        var iterations: Int
    }

    /// - Parameter project: maps a trial point back into the feasible set (e.g. a knee ≥ 0).
    func minimize(from start: [Double], project: ([Double]) -> [Double] = { $0 }, _ model: Model) -> Result {
        var theta = project(start)
        var (r, j) = model(theta)
        var cost = r.reduce(0) { $0 + $1 * $1 }
        guard cost.isFinite else { return Result(parameters: theta, cost: cost, iterations: 0) }
        let n = theta.count
        var lambda = 1e-3
        var iterations = 0
        while iterations < maxIterations {
            iterations += 1
            var jtj = [Double](repeating: 0, count: n * n), jtr = [Double](repeating: 0, count: n)
            for (row, ri) in zip(j, r) {
                for p in 0..<n where row[p] != 0 {
                    jtr[p] += row[p] * ri
                    for q in 0..<n { jtj[p * n + q] += row[p] * row[q] }
                }
            }
            var improved = false
            while lambda < 1e16 {
                var a = jtj
                for p in 0..<n { a[p * n + p] += lambda * max(jtj[p * n + p], 1e-300) }
                guard let step = Self.solve(a, jtr.map { -$0 }, n) else { lambda *= 4; continue }
                let trial = project(zip(theta, step).map { $0 + $1 })
                let (rt, jt) = model(trial)
                let trialCost = rt.reduce(0) { $0 + $1 * $1 }
                if trialCost.isFinite && trialCost < cost {
                    let gain = cost - trialCost
                    theta = trial; r = rt; j = jt
                    let previous = cost
                    cost = trialCost
                    lambda = max(lambda / 3, 1e-12)
                    improved = true
                    if gain <= relativeTolerance * previous { return Result(parameters: theta, cost: cost, iterations: iterations) }
                    break
                }
                lambda *= 4
            }
            if !improved { break }
        }
        return Result(parameters: theta, cost: cost, iterations: iterations)
    }

    /// Solves the n×n system `a·x = b` (row-major) by Gaussian elimination with partial pivoting; nil when singular.
    static func solve(_ a: [Double], _ b: [Double], _ n: Int) -> [Double]? {
        var m = a, x = b
        for c in 0..<n {
            var pivot = c
            for r in (c + 1)..<max(c + 1, n) where abs(m[r * n + c]) > abs(m[pivot * n + c]) { pivot = r }
            guard abs(m[pivot * n + c]) > 1e-300 else { return nil }
            if pivot != c {
                for k in 0..<n { m.swapAt(c * n + k, pivot * n + k) }
                x.swapAt(c, pivot)
            }
            for r in (c + 1)..<max(c + 1, n) {
                let f = m[r * n + c] / m[c * n + c]
                guard f != 0 else { continue }
                for k in c..<n { m[r * n + k] -= f * m[c * n + k] }
                x[r] -= f * x[c]
            }
        }
        for c in stride(from: n - 1, through: 0, by: -1) {
            var s = x[c]
            for k in (c + 1)..<max(c + 1, n) { s -= m[c * n + k] * x[k] }
            x[c] = s / m[c * n + c]
        }
        return x.allSatisfy(\.isFinite) ? x : nil
    }
}
