/// A square sparse matrix in compressed sparse column (CSC) form.
public struct SparseJacobian: Hashable, Sendable {
    public var dimension: Int
    /// `columnStarts[j] ..< columnStarts[j + 1]` index the entries of column j.
    public var columnStarts: [Int]
    /// The row of each entry (ascending within a column).
    public var rowIndices: [Int]
    public var values: [Double]

    /// The entry at (row, column), 0 where the pattern has none.
    public subscript(row: Int, column: Int) -> Double {
        for k in columnStarts[column]..<columnStarts[column + 1] where rowIndices[k] == row { return values[k] }
        return 0
    }
}

/// The nonzero pattern of a layer's Jacobian in CSC form, with every diagonal entry present (so that the
/// Newton matrix `I − γJ` keeps the pattern), and for each edge the four slots its partial derivatives go to.
struct JacobianPattern: Sendable {
    let dimension: Int
    let columnStarts: [Int64]
    let rowIndices: [Int64]
    /// `edgeSlots[4e + k]`: the entry index of (des, src), (des, des), (src, src), (src, des) for k = 0…3,
    /// or −1 when the entry touches ground or the edge is a self-loop.
    let edgeSlots: [Int32]

    /// - Parameter dimension: the integrator's state size (≥ N; the log-density augmentation adds one).
    init(kernel: LayerKernel, dimension: Int) {
        let e = kernel.edgeCount
        // Key (column, row) of state indices (node − 1) as column * dimension + row.
        var keys = [Int]()
        keys.reserveCapacity(4 * e + dimension)
        for j in 0..<dimension { keys.append(j * dimension + j) }
        func key(_ row: Int, _ col: Int) -> Int { (col - 1) * dimension + (row - 1) }
        for k in 0..<e {
            let s = Int(kernel.src[k]), d = Int(kernel.des[k])
            guard s != d else { continue }
            if d != 0 && s != 0 { keys.append(key(d, s)); keys.append(key(s, d)) }
            if d != 0 { keys.append(key(d, d)) }
            if s != 0 { keys.append(key(s, s)) }
        }
        keys.sort()
        var unique = [Int]()
        unique.reserveCapacity(keys.count)
        for k in keys where unique.last != k { unique.append(k) }
        var starts = [Int64](repeating: 0, count: dimension + 1)
        var rows = [Int64](repeating: 0, count: unique.count)
        for (i, k) in unique.enumerated() {
            starts[k / dimension + 1] += 1
            rows[i] = Int64(k % dimension)
        }
        for j in 0..<dimension { starts[j + 1] += starts[j] }
        func slot(_ row: Int, _ col: Int) -> Int32 {
            guard row != 0, col != 0 else { return -1 }
            let target = key(row, col)
            var lo = 0, hi = unique.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if unique[mid] < target { lo = mid + 1 } else { hi = mid }
            }
            return Int32(lo)
        }
        var slots = [Int32](repeating: -1, count: 4 * e)
        for k in 0..<e {
            let s = Int(kernel.src[k]), d = Int(kernel.des[k])
            guard s != d else { continue }
            slots[4 * k] = slot(d, s)
            slots[4 * k + 1] = slot(d, d)
            slots[4 * k + 2] = slot(s, s)
            slots[4 * k + 3] = slot(s, d)
        }
        self.dimension = dimension
        self.columnStarts = starts
        self.rowIndices = rows
        self.edgeSlots = slots
    }
}
