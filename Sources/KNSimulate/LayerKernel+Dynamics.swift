import Foundation

/// The measured cell capacitances of a layer (``CellDynamics``) as the kernel applies them: after the currents,
/// the right-hand side solves `(I + diag(1/C)·Σ_cells m(v))·dv/dt = F(v)` for dv/dt, where each cell stamps its
/// 2 × 2 matrix `m(v)` on the rows and columns of its terminals (ground terminals drop out, a self-loop folds all
/// four entries onto its node).
///
/// The matrix is dense over the layer's nodes and solved by Gaussian elimination with partial pivoting, so
/// this is meant for the node counts of circuits that are characterized cell by cell (tens of nodes), not for
/// mnist's hidden layer. The Jacobian and the trace that the kernel gives stay those of F: the capacitances
/// change dv/dt by a few percent, which Newton's iteration absorbs, and a log-density integrated with them
/// leaves out their share of the trace.
struct CellCapacitanceColumns: Sendable {
    /// Edges that carry capacitances, with their laws (for the conductances) and terminals.
    let edges: [Int]
    let laws: [CommonEdgeLaw]
    let dynamics: [CellDynamics]

    init?(dynamics: [CellDynamics?], laws: [CommonEdgeLaw]) {
        var edges = [Int](), kept = [CellDynamics](), keptLaws = [CommonEdgeLaw]()
        for (e, d) in dynamics.enumerated() {
            guard let d else { continue }
            edges.append(e)
            kept.append(d)
            keptLaws.append(laws[e])
        }
        guard !edges.isEmpty else { return nil }
        self.edges = edges
        self.laws = keptLaws
        self.dynamics = kept
    }

    /// Replaces `derivative[0..<n]` (F) by the solution of the capacitance-loaded system at the voltages `aux`
    /// (ground-augmented: aux[0] = 0, aux[k] = v_k).
    func solve(src: [Int32], des: [Int32], _ aux: UnsafePointer<Double>, _ derivative: UnsafeMutablePointer<Double>,
               nodeCount n: Int, inverseCapacitance: [Double]?) {
        var m = [Double](repeating: 0, count: n * n)
        for k in 0..<n { m[k * n + k] = 1 }
        for (j, e) in edges.enumerated() {
            let s = Int(src[e]), d = Int(des[e])
            let g = laws[j].terminalConductances(vs: aux[s], vd: aux[d])
            let nodes = [s, d]
            for x in 0..<2 where nodes[x] != 0 {
                let row = nodes[x], scale = inverseCapacitance?[row] ?? 1
                for y in 0..<2 where nodes[y] != 0 {
                    let k = 2 * x + y
                    m[(row - 1) * n + nodes[y] - 1] += dynamics[j].capacitance(k, conductance: g[k]) * scale
                }
            }
        }
        // Gaussian elimination with partial pivoting on [m | F].
        var b = (0..<n).map { derivative[$0] }
        for c in 0..<n {
            var p = c
            for r in (c + 1)..<max(n, c + 1) where abs(m[r * n + c]) > abs(m[p * n + c]) { p = r }
            if p != c {
                for k in 0..<n { m.swapAt(c * n + k, p * n + k) }
                b.swapAt(c, p)
            }
            let pivot = m[c * n + c]
            guard pivot != 0 else {
                // The cells' capacitances cancel the node capacitors: no dv/dt; the integrator stops on the NaN.
                for k in 0..<n { derivative[k] = .nan }
                return
            }
            for r in (c + 1)..<max(n, c + 1) {
                let f = m[r * n + c] / pivot
                guard f != 0 else { continue }
                for k in c..<n { m[r * n + k] -= f * m[c * n + k] }
                b[r] -= f * b[c]
            }
        }
        for c in stride(from: n - 1, through: 0, by: -1) {
            var v = b[c]
            for k in (c + 1)..<max(n, c + 1) { v -= m[c * n + k] * b[k] }
            b[c] = v / m[c * n + c]
        }
        for k in 0..<n { derivative[k] = b[k] }
    }
}
