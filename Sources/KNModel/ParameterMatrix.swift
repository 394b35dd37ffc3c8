/// The storage precision of a checkpoint tensor, kept so that a round trip is lossless.
public enum StoragePrecision: String, Codable, Sendable {
    case float16, bfloat16, float32, float64

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .float16, .bfloat16: return 2
        case .float32: return 4
        case .float64: return 8
        }
    }
}

/// A `(rows, columns)` row-major matrix of parameters, held in float64 (promoted exactly from its storage
/// precision, which is recorded).
public struct ParameterMatrix: Hashable, Codable, Sendable {
    public var rows: Int
    public var columns: Int
    /// Row-major values: `values[r * columns + c]`.
    public var values: [Double]
    /// The precision the values came in (every value is exactly representable in it).
    public var precision: StoragePrecision

    public init(rows: Int, columns: Int, values: [Double], precision: StoragePrecision = .float64) {
        precondition(values.count == rows * columns, "ParameterMatrix: \(values.count) values for \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.values = values
        self.precision = precision
    }

    /// Row `r` as a slice.
    public func row(_ r: Int) -> ArraySlice<Double> { values[(r * columns)..<((r + 1) * columns)] }

    @inlinable
    public subscript(row: Int, column: Int) -> Double {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// The first non-finite value, as (row, column, value), if any.
    public func firstNonFinite() -> (row: Int, column: Int, value: Double)? {
        guard let i = values.firstIndex(where: { !$0.isFinite }) else { return nil }
        return (i / columns, i % columns, values[i])
    }
}
