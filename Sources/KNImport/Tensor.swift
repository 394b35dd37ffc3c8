import KNModel

/// A tensor read from a checkpoint, promoted exactly to `Double`.
///
/// `values` holds the elements in row-major order of `shape`, gathered through the checkpoint's storage offset
/// and strides; `precision` is the storage's dtype, so that every value is known to be exactly representable in it.
public struct Tensor: Hashable, Sendable {
    /// The size of each dimension (`tensor.shape`); empty for a scalar.
    public var shape: [Int]
    /// The strides (in elements) the tensor had over its storage, as pickled; nil for a tensor made here.
    public var strides: [Int]?
    /// The storage offset (in elements) the tensor had, as pickled.
    public var storageOffset: Int
    /// The dtype of the storage.
    public var precision: StoragePrecision
    /// The elements in row-major order; `values.count` is the product of `shape`.
    public var values: [Double]
    /// `requires_grad` as pickled (parameters are saved with `False` in a state dict).
    public var requiresGrad: Bool

    /// Creates a tensor; `values.count` must equal the product of `shape`.
    public init(shape: [Int], strides: [Int]? = nil, storageOffset: Int = 0, precision: StoragePrecision,
                values: [Double], requiresGrad: Bool = false) {
        precondition(values.count == shape.reduce(1, *), "Tensor: \(values.count) values for shape \(shape)")
        self.shape = shape
        self.strides = strides
        self.storageOffset = storageOffset
        self.precision = precision
        self.values = values
        self.requiresGrad = requiresGrad
    }

    /// The number of elements.
    public var count: Int { values.count }

    /// The shape as Python prints it: `(3, 300)`, `(10,)`, `()`.
    public var shapeDescription: String { Self.describe(shape) }

    /// Formats a shape as a Python tuple.
    public static func describe(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    /// The element at a multi-index (row-major).
    public subscript(_ index: Int...) -> Double {
        precondition(index.count == shape.count, "Tensor: \(index.count) indices for \(shape.count) dimensions")
        var flat = 0
        for (i, n) in zip(index, shape) { flat = flat * n + i }
        return values[flat]
    }

    /// The tensor as a `ParameterMatrix` (`(rows, columns)`; a vector becomes one row).
    public func matrix() -> ParameterMatrix? {
        switch shape.count {
        case 2: return ParameterMatrix(rows: shape[0], columns: shape[1], values: values, precision: precision)
        case 1: return ParameterMatrix(rows: 1, columns: shape[0], values: values, precision: precision)
        default: return nil
        }
    }
}
