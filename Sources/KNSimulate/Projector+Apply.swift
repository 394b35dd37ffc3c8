import KNModel

/// A value with a shape, as the projectors see it: a vector `[D]` or a matrix `[rows, columns]`, row-major.
struct ShapedValues {
    var values: [Double]
    var shape: [Int]

    var columns: Int { shape.last ?? 0 }
    var rows: Int { shape.count == 2 ? shape[0] : 1 }
}

extension Projector {
    /// Applies the read-out as upstream's `LastNet`, `FirstNet`, `ReshapeNet` or `FeedForwardNet` does to a
    /// batch of one sample. Slicing follows PyTorch: `lastK`/`firstK` with K larger than the width keep the
    /// whole width, and `last0` keeps everything (`x[..., -0:]`).
    func apply(to x: ShapedValues) throws(SimulationError) -> ShapedValues {
        let c = x.columns, r = x.rows
        switch self {
        case .last(let k):
            let keep = (k == 0 || k > c) ? c : k
            var out = [Double]()
            for row in 0..<r { out += x.values[(row * c + c - keep)..<(row * c + c)] }
            return ShapedValues(values: out, shape: x.shape.count == 2 ? [r, keep] : [keep])
        case .first(let k):
            let keep = min(k, c)
            var out = [Double]()
            for row in 0..<r { out += x.values[(row * c)..<(row * c + keep)] }
            return ShapedValues(values: out, shape: x.shape.count == 2 ? [r, keep] : [keep])
        case .reshape(let k):
            guard r == 1 else {
                throw .projector(keyword, "needs a single row (x.view(\(k), D / \(k)) of one sample) but the value has shape \(x.shape); put reshape\(k) first in the projector list")
            }
            guard k > 0, c % k == 0 else {
                throw .projector(keyword, "the width \(c) is not a multiple of \(k); choose K dividing the last layer's node count")
            }
            let m = c / k
            var out = [Double](repeating: 0, count: c)
            // view(K, M) then transpose: out[i][j] = x[j * M + i], shape [M, K].
            for i in 0..<m { for j in 0..<k { out[i * k + j] = x.values[j * m + i] } }
            return ShapedValues(values: out, shape: [m, k])
        case .mlp(let net):
            guard let inWidth = net.widths.first, inWidth == c else {
                throw .projector(keyword, "expects \(net.widths.first ?? 0) inputs but the value has \(c) columns")
            }
            var out = [Double]()
            for row in 0..<r { out += net.apply(Array(x.values[(row * c)..<(row * c + c)])) }
            let w = net.widths.last ?? 0
            return ShapedValues(values: out, shape: x.shape.count == 2 ? [r, w] : [w])
        }
    }
}

extension Network {
    /// The read-out of a final state (the last layer's node values): the projectors applied in order, flattened
    /// row-major, as ``Simulator`` returns it in `SimulationResult.output`.
    public func readOut(_ state: [Double]) throws(SimulationError) -> [Double] {
        var out = ShapedValues(values: state, shape: [state.count])
        for p in projectors { out = try p.apply(to: out) }
        return out.values
    }
}
