import Foundation
import KNModel
import KNSimulate

extension AffineLayer {
    /// ∂(read-out component)/∂(offset, gain, amplitude, copy) of every edge at zero mismatch, from the adjoint's
    /// gradient with respect to (w_s, w_d, b, A_s, A_d): four values per edge.
    func deviationGradient(_ bars: EdgeBars, form: Form) -> [Double] {
        var d = [Double](repeating: 0, count: 4 * edgeCount)
        for e in 0..<edgeCount {
            let amp = bars.As[e] * As[e] + bars.Ad[e] * Ad[e]
            d[4 * e] = bars.b[e]
            switch form {
            case .difference, .weighted: d[4 * e + 1] = bars.ws[e] * ws[e] + bars.wd[e] * wd[e]
            case .shiftedScaled, .conductance: d[4 * e + 1] = amp
            }
            d[4 * e + 2] = amp
            d[4 * e + 3] = bars.Ad[e] * Ad[e]
        }
        return d
    }
}

extension Retrainer {
    /// The linearised expected chip loss and its exact gradient, without sampling chips.
    ///
    /// To first order in the deviations δ, a chip's read-out is y(θ, 0) + J·δ, so the mean squared chip deviation
    /// is Σ_j g_jᵀ Σ g_j with g_j = ∂y_j/∂δ (one adjoint pass per read-out component) and Σ the per-edge covariance
    /// of (offset, gain, amplitude, copy) from the devices. Its gradient 2·∇_θ(g_j · v_j) with v_j = Σ g_j held
    /// fixed is the derivative of ∇_θ y_j along the chip δ = v_j, taken by a central difference of two adjoint
    /// passes on the chips ±h·v_j/‖v_j‖∞. Per input that is 1 + 3 × (read-out width) adjoint passes.
    /// The returned loss is the nominal loss times `nominalWeight` plus the penalty, averaged over `batch`.
    public func penaltyLossAndGradient(parameters values: [[Double]], batch: [Int]) throws
        -> (loss: Double, penalty: Double, gradient: [[Double]]) {
        let net = network(with: values)
        let integrator = try FixedStepIntegrator(network: net, stepsPerUnit: stepsPerUnit, cellErrors: cellErrors)
        let forms = net.layers.map { _ in AffineLayer.form(of: net.family) }
        // A switched-off edge has no cell, so nothing of it varies.
        let covariance = net.layers.indices.map { l in
            (0..<net.layers[l].edgeCount).map {
                net.carriesNoCurrent(layer: l, edge: $0) ? [Double](repeating: 0, count: 16) : mismatch.covariance(layer: l, edge: $0)
            }
        }
        let sums = GradientSums(shape: values.map(\.count))
        let penaltySum = GradientSums(shape: [1])
        let weight = 1 / Double(batch.count)
        let h = 1e-4
        DispatchQueue.concurrentPerform(iterations: batch.count) { b in
            let k = batch[b]
            do {
                let nominal = try integrator.gradient(input: inputs[k], mismatch: nil) { self.loss($0, k) }
                sums.add(nominal.loss * options.nominalWeight, nominal.gradient, weight: weight * options.nominalWeight)
                for j in nominal.output.indices {
                    let unit: ([Double]) -> (value: Double, gradient: [Double]) = { y in
                        var g = [Double](repeating: 0, count: y.count)
                        g[j] = 1
                        return (y[j], g)
                    }
                    let a = try integrator.adjoint(input: inputs[k], mismatch: nil, loss: unit)
                    var chip = MismatchInstance.nominal(net)
                    var penalty = 0.0, vmax = 0.0
                    for l in a.layers.indices {
                        let d = a.layers[l].deviationGradient(a.bars[l], form: forms[l])
                        for e in 0..<a.layers[l].edgeCount {
                            let c = covariance[l][e]
                            var v = [0.0, 0.0, 0.0, 0.0]
                            for r in 0..<4 { for q in 0..<4 { v[r] += c[4 * r + q] * d[4 * e + q] } }
                            for r in 0..<4 { penalty += d[4 * e + r] * v[r]; vmax = max(vmax, abs(v[r])) }
                            chip.layers[l].offset[e] = v[0]; chip.layers[l].gain[e] = v[1]
                            chip.layers[l].amplitude[e] = v[2]; chip.layers[l].copy[e] = v[3]
                        }
                    }
                    penaltySum.add(penalty, [[penalty]], weight: weight)
                    guard vmax > 0 else { continue }
                    var plus = chip, minus = chip
                    for l in chip.layers.indices {
                        let s = h / vmax
                        plus.layers[l].offset = chip.layers[l].offset.map { $0 * s }
                        plus.layers[l].gain = chip.layers[l].gain.map { $0 * s }
                        plus.layers[l].amplitude = chip.layers[l].amplitude.map { $0 * s }
                        plus.layers[l].copy = chip.layers[l].copy.map { $0 * s }
                        minus.layers[l] = plus.layers[l]
                        minus.layers[l].offset = plus.layers[l].offset.map { -$0 }
                        minus.layers[l].gain = plus.layers[l].gain.map { -$0 }
                        minus.layers[l].amplitude = plus.layers[l].amplitude.map { -$0 }
                        minus.layers[l].copy = plus.layers[l].copy.map { -$0 }
                    }
                    let gp = try integrator.gradient(input: inputs[k], mismatch: plus, loss: unit).gradient
                    let gm = try integrator.gradient(input: inputs[k], mismatch: minus, loss: unit).gradient
                    // ∇θ P_j = 2·vmax·(gp − gm)/(2h)
                    let f = vmax / h
                    let g = zip(gp, gm).map { zip($0.0, $0.1).map { ($0.0 - $0.1) * f } }
                    sums.add(penalty, g, weight: weight)
                }
            } catch {
                sums.fail(error)
            }
        }
        if let e = sums.error { throw e }
        return (sums.loss, penaltySum.gradient[0][0], sums.gradient)
    }
}
