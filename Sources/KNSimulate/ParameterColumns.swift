import KNModel

/// A parameter value type the kernel loop reads: checkpoint parameters are float32 values, and keeping them
/// as `Float` halves the memory traffic of the right-hand side while converting exactly to `Double`.
protocol ParameterElement {
    var double: Double { get }
}

extension Float: ParameterElement {
    @inline(__always) var double: Double { Double(self) }
}

extension Double: ParameterElement {
    @inline(__always) var double: Double { self }
}

/// A layer's parameter rows p0, p1, p2 as separate columns. Stored as `Float` when every value is exactly a
/// float32 (all upstream checkpoints), else as `Double`; both give the same float64 arithmetic.
enum ParameterColumns: Sendable {
    case float32([Float], [Float], [Float])
    case float64([Double], [Double], [Double])

    init(_ p: ParameterMatrix) {
        let e = p.columns
        func row(_ r: Int) -> [Double] { r < p.rows ? Array(p.row(r)) : [Double](repeating: 0, count: e) }
        let exactInFloat = p.values.allSatisfy { Double(Float($0)) == $0 }
        if exactInFloat {
            self = .float32(row(0).map(Float.init), row(1).map(Float.init), row(2).map(Float.init))
        } else {
            self = .float64(row(0), row(1), row(2))
        }
    }

    /// The parameters of edge `e` in float64.
    subscript(e: Int) -> (Double, Double, Double) {
        switch self {
        case let .float32(a, b, c): return (Double(a[e]), Double(b[e]), Double(c[e]))
        case let .float64(a, b, c): return (a[e], b[e], c[e])
        }
    }
}
