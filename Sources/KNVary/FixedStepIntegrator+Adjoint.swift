import Foundation
import KNModel
import KNSimulate

extension FixedStepIntegrator {
    /// The discrete adjoint of the RK4 forward pass: the exact gradient of `loss(output)` with respect to every
    /// parameter of the network as this integrator computes it (not an approximation of the ODE adjoint).
    ///
    /// - Parameters:
    ///   - input: one input (before the encoder).
    ///   - mismatch: the chip's deviations (held fixed; the gradient is with respect to the trained parameters).
    ///   - loss: the loss of the read-out and its gradient.
    /// - Returns: the loss and, per layer, the gradient as a `(P, E)` row-major array.
    public func gradient(input: [Double], mismatch: MismatchInstance?,
                         loss: ([Double]) -> (value: Double, gradient: [Double])) throws(SimulationError)
        -> (loss: Double, output: [Double], gradient: [[Double]]) {
        let r = try adjoint(input: input, mismatch: mismatch, loss: loss)
        var grads = [[Double]]()
        for (l, layer) in network.layers.enumerated() {
            var g = [Double](repeating: 0, count: layer.parameters.values.count)
            AffineLayer.chain(family: network.family, layer: layer, deviations: mismatch?.layers[l],
                              errors: cellErrors?.layers[l], bars: r.bars[l], into: &g)
            grads.append(g)
        }
        return (r.loss, r.output, grads)
    }

    /// The adjoint pass: the loss, the read-out, and the gradient with respect to every edge's
    /// (w_s, w_d, b, A_s, A_d), with the affine layers of the chip.
    func adjoint(input: [Double], mismatch: MismatchInstance?,
                 loss: ([Double]) -> (value: Double, gradient: [Double])) throws(SimulationError)
        -> (loss: Double, output: [Double], bars: [EdgeBars], layers: [AffineLayer]) {
        let affine = layers(mismatch)
        var tape: Tape? = Tape()
        var noise: NoiseSource? = nil
        let y = try forward(input: input, layers: affine, noise: &noise, tape: &tape)
        let t = tape!
        let (value, gy) = loss(y)
        var xbar = [Double](repeating: 0, count: t.finalWidth)
        for (j, s) in t.projectorMap.enumerated() where s >= 0 { xbar[s] += gy[j] }
        var bars = affine.map { EdgeBars(count: $0.edgeCount) }
        var storeBar: [Double]? = nil
        let maxN = affine.map(\.nodeCount).max() ?? 0
        var work = [Double](repeating: 0, count: 14 * maxN + 1)
        for i in stride(from: affine.count - 1, through: 0, by: -1) {
            if network.block == .plain, let r = network.residual {
                if i == r[1] { storeBar = xbar }
                if i == r[0], let s = storeBar { for k in xbar.indices { xbar[k] += s[k] } }
            }
            let layer = affine[i]
            let h = simulator.spans[i] / Double(layerSteps[i])
            for s in stride(from: t.steps[i].count - 1, through: 0, by: -1) {
                rk4Pullback(layer, t.steps[i][s], h, &xbar, &bars[i], &work)
            }
            var back = [Double](repeating: 0, count: t.incomingWidth[i])
            for (j, m) in t.maps[i].enumerated() where m >= 0 && j < xbar.count { back[m] += xbar[j] }
            xbar = back
        }
        return (value, y, bars, affine)
    }

    /// Reverse-mode of one RK4 step from `start`: maps the cotangent of the step's end (`lambda`, first N entries)
    /// to the cotangent of its start and adds the parameter gradient to `bars`.
    func rk4Pullback(_ layer: AffineLayer, _ start: [Double], _ h: Double, _ lambda: inout [Double],
                     _ bars: inout EdgeBars, _ work: inout [Double]) {
        let n = layer.nodeCount
        if work.count < 14 * n + 1 { work = [Double](repeating: 0, count: 14 * n + 1) }
        start.withUnsafeBufferPointer { xb in lambda.withUnsafeMutableBufferPointer { lb in
        work.withUnsafeMutableBufferPointer { wb in
            let x0 = xb.baseAddress!, lam = lb.baseAddress!
            let k1 = wb.baseAddress!, k2 = k1 + n, k3 = k2 + n, u2 = k3 + n, u3 = u2 + n, u4 = u3 + n
            let kb1 = u4 + n, kb2 = kb1 + n, kb3 = kb2 + n, kb4 = kb3 + n, ub = kb4 + n, ybar = ub + n
            let tmp = ybar + n, aux = tmp + n
            // Recompute the stages.
            layer.rightHandSide(x0, k1, aux)
            for j in 0..<n { u2[j] = x0[j] + 0.5 * h * k1[j] }
            layer.rightHandSide(u2, k2, aux)
            for j in 0..<n { u3[j] = x0[j] + 0.5 * h * k2[j] }
            layer.rightHandSide(u3, k3, aux)
            for j in 0..<n { u4[j] = x0[j] + h * k3[j] }
            // Cotangents of the stage derivatives.
            for j in 0..<n {
                ybar[j] = lam[j]
                kb1[j] = h / 6 * lam[j]; kb2[j] = h / 3 * lam[j]; kb3[j] = h / 3 * lam[j]; kb4[j] = h / 6 * lam[j]
            }
            func pull(_ u: UnsafePointer<Double>, _ c: UnsafeMutablePointer<Double>) {
                ub.update(repeating: 0, count: n)
                layer.pullback(u, c, ub, weight: 1, bars: &bars, aux)
            }
            pull(u4, kb4)
            for j in 0..<n { ybar[j] += ub[j]; kb3[j] += h * ub[j] }
            pull(u3, kb3)
            for j in 0..<n { ybar[j] += ub[j]; kb2[j] += 0.5 * h * ub[j] }
            pull(u2, kb2)
            for j in 0..<n { ybar[j] += ub[j]; kb1[j] += 0.5 * h * ub[j] }
            pull(x0, kb1)
            for j in 0..<n { lam[j] = ybar[j] + ub[j] }
            _ = tmp
        } } }
    }
}
