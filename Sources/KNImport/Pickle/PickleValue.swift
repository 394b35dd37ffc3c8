import KNModel

/// A value on the stack of the safe unpickler.
///
/// Containers live in the unpickler's arena and are referred to by index, so a list that is memoised and then
/// appended to is the same list wherever it is referenced (as in Python), and no value nests recursively.
enum PickleValue: Hashable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes(Int)
    case tuple(Int)
    case list(Int)
    case dict(Int)
    case global(AllowedGlobal)
    case storage(Int)
    case tensor(Int)

    /// The Python type name, for messages.
    var typeName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global(let g): return g.qualifiedName
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }
}

/// The only globals the unpickler resolves. Anything else is refused, so loading a checkpoint runs no code.
enum AllowedGlobal: Hashable {
    case orderedDict
    case rebuildTensorV2
    case rebuildParameter
    /// A torch storage class (`torch.FloatStorage`, …); only the floating-point ones can be imported.
    case storageClass(String)

    /// Resolves `module.name`, or nil when it is not allowed.
    init?(module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch", _) where Self.storageClassNames.contains(name): self = .storageClass(name)
        default: return nil
        }
    }

    var qualifiedName: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .storageClass(let name): return "torch." + name
        }
    }

    /// The storage classes torch pickles (one per dtype).
    static let storageClassNames: Set<String> = [
        "FloatStorage", "DoubleStorage", "HalfStorage", "BFloat16Storage",
        "LongStorage", "IntStorage", "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage",
        "ComplexFloatStorage", "ComplexDoubleStorage", "QInt8Storage", "QUInt8Storage", "QInt32Storage",
        "QUInt4x2Storage", "QUInt2x4Storage", "Float8_e4m3fnStorage", "Float8_e5m2Storage",
        "UInt16Storage", "UInt32Storage", "UInt64Storage",
    ]

    /// The precision of a floating-point storage class, or nil for the others.
    static func precision(ofStorage name: String) -> StoragePrecision? {
        switch name {
        case "FloatStorage": return .float32
        case "DoubleStorage": return .float64
        case "HalfStorage": return .float16
        case "BFloat16Storage": return .bfloat16
        default: return nil
        }
    }

    /// The torch dtype a storage class holds, for messages.
    static func dtype(ofStorage name: String) -> String {
        let table: [String: String] = [
            "LongStorage": "int64", "IntStorage": "int32", "ShortStorage": "int16", "CharStorage": "int8",
            "ByteStorage": "uint8", "BoolStorage": "bool", "ComplexFloatStorage": "complex64",
            "ComplexDoubleStorage": "complex128", "QInt8Storage": "qint8", "QUInt8Storage": "quint8",
            "QInt32Storage": "qint32", "QUInt4x2Storage": "quint4x2", "QUInt2x4Storage": "quint2x4",
            "Float8_e4m3fnStorage": "float8_e4m3fn", "Float8_e5m2Storage": "float8_e5m2",
            "UInt16Storage": "uint16", "UInt32Storage": "uint32", "UInt64Storage": "uint64",
        ]
        return table[name] ?? name
    }
}
