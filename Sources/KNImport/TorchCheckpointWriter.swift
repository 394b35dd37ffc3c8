import Foundation
import KNModel
import ZIPFoundation

/// Writes a state dict as a PyTorch zip checkpoint that `torch.load` reads (the format `torch.save` writes:
/// `archive/data.pkl` as a protocol-2 pickle of an `OrderedDict` of tensors, one storage per tensor under
/// `archive/data/<key>`, plus `archive/version` and `archive/byteorder`).
///
/// Used to hand networks back to PyTorch with upstream's keys (`circuit.layer_list.<l>.model.param`).
public enum TorchCheckpointWriter {
    /// One named tensor: a row-major matrix written as a contiguous `(rows, columns)` tensor.
    public struct Entry: Sendable {
        public var key: String
        public var matrix: ParameterMatrix
        public init(key: String, matrix: ParameterMatrix) {
            self.key = key
            self.matrix = matrix
        }
    }

    /// The state dict of a network's layers under upstream's keys.
    public static func stateDict(of network: Network) -> [Entry] {
        network.layers.enumerated().map { l, layer in
            Entry(key: "circuit.layer_list.\(l).model.param", matrix: layer.parameters)
        }
    }

    /// Writes `entries` to `url` atomically.
    public static func write(_ entries: [Entry], to url: URL) throws {
        let tmp = url.deletingLastPathComponent()
            .appendingPathComponent(AtomicFile.temporaryPrefix(for: url) + "zip")
        try? FileManager.default.removeItem(at: tmp)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let archive = try Archive(url: tmp, accessMode: .create)
        func add(_ name: String, _ data: Data) throws {
            try archive.addEntry(with: "archive/" + name, type: .file, uncompressedSize: Int64(data.count),
                                 compressionMethod: .none) { position, size in
                data.subdata(in: Int(position)..<(Int(position) + size))
            }
        }
        try add("data.pkl", pickle(entries))
        for (k, e) in entries.enumerated() {
            try add("data/\(k)", e.matrix.precision.encode(e.matrix.values))
        }
        try add("version", Data("3\n".utf8))
        try add("byteorder", Data("little".utf8))
        try AtomicFile.write(try Data(contentsOf: tmp), to: url)
    }

    /// The protocol-2 pickle of the state dict (storages referenced by persistent id).
    static func pickle(_ entries: [Entry]) -> Data {
        var p = PickleBuilder()
        p.op(0x80); p.byte(2)                                   // PROTO 2
        p.global("collections", "OrderedDict"); p.op(0x29); p.op(0x52)  // OrderedDict()
        p.op(0x28)                                              // MARK
        for (k, e) in entries.enumerated() {
            p.unicode(e.key)
            p.global("torch._utils", "_rebuild_tensor_v2")
            p.op(0x28)                                          // MARK (args)
            p.op(0x28)                                          // MARK (persistent id)
            p.unicode("storage")
            p.global("torch", storageClass(e.matrix.precision))
            p.unicode(String(k))
            p.unicode("cpu")
            p.int(e.matrix.values.count)
            p.op(0x74)                                          // TUPLE
            p.op(0x51)                                          // BINPERSID
            p.int(0)                                            // storage_offset
            p.int(e.matrix.rows); p.int(e.matrix.columns); p.op(0x86)   // size TUPLE2
            p.int(e.matrix.columns); p.int(1); p.op(0x86)               // stride TUPLE2
            p.op(0x89)                                          // requires_grad False
            p.global("collections", "OrderedDict"); p.op(0x29); p.op(0x52)  // backward_hooks
            p.op(0x74)                                          // TUPLE (6 args)
            p.op(0x52)                                          // REDUCE
        }
        p.op(0x75)                                              // SETITEMS
        p.op(0x2E)                                              // STOP
        return p.data
    }

    static func storageClass(_ precision: StoragePrecision) -> String {
        switch precision {
        case .float16: return "HalfStorage"
        case .bfloat16: return "BFloat16Storage"
        case .float32: return "FloatStorage"
        case .float64: return "DoubleStorage"
        }
    }
}

/// Appends pickle opcodes.
private struct PickleBuilder {
    var data = Data()
    mutating func op(_ code: UInt8) { data.append(code) }
    mutating func byte(_ b: UInt8) { data.append(b) }
    mutating func global(_ module: String, _ name: String) {
        op(0x63); data.append(contentsOf: Array("\(module)\n\(name)\n".utf8))
    }
    mutating func unicode(_ s: String) {
        let bytes = Array(s.utf8)
        op(0x58); le32(UInt32(bytes.count)); data.append(contentsOf: bytes)
    }
    mutating func int(_ v: Int) {
        if v >= 0 && v < 256 { op(0x4B); byte(UInt8(v)) }
        else if v >= 0 && v < 65536 { op(0x4D); byte(UInt8(v & 0xFF)); byte(UInt8(v >> 8)) }
        else { op(0x4A); le32(UInt32(bitPattern: Int32(v))) }
    }
    mutating func le32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
}
