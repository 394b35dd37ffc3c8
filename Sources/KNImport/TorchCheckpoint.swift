import Foundation
import KNModel

/// A PyTorch checkpoint (`torch.save` zip format) read without Python: its state dict as named tensors.
///
/// ```swift
/// let checkpoint = try TorchCheckpoint.read(URL(fileURLWithPath: "model.pth"))
/// let param = checkpoint["circuit.layer_list.0.model.param"]   // shape [3, 300], float32 promoted to Double
/// ```
/// The reader is a safe unpickler: it resolves only `collections.OrderedDict`, `torch._utils._rebuild_tensor_v2`,
/// `torch._utils._rebuild_parameter` and the torch storage classes, and executes nothing. Every size in the file
/// is checked against the bytes present before anything is allocated.
public struct TorchCheckpoint: Sendable {
    /// The tensors in the order the state dict holds them.
    public var tensors: [(key: String, tensor: Tensor)]
    /// The folder name inside the zip (`archive` for the published checkpoints).
    public var archiveFolder: String
    /// True when the file's `byteorder` record says `big`.
    public var bigEndian: Bool

    /// The keys in state-dict order.
    public var keys: [String] { tensors.map(\.key) }

    /// The tensor stored under `key`.
    public subscript(key: String) -> Tensor? { tensors.first { $0.key == key }?.tensor }

    /// The state dict as a dictionary (unordered; use `tensors` for the order).
    public var dictionary: [String: Tensor] {
        Dictionary(tensors.map { ($0.key, $0.tensor) }, uniquingKeysWith: { a, _ in a })
    }

    /// Reads a checkpoint written by `torch.save(model.state_dict(), path)`.
    ///
    /// - Throws: `ImportError` naming the file, the zip entry or pickle byte offset, the problem and the fix.
    public static func read(_ url: URL) throws(ImportError) -> TorchCheckpoint {
        let archive = try TorchArchive(url: url)
        // data.pkl of a state dict is small; cap it at the file size (it cannot be larger when stored).
        let pickle = try archive.read("data.pkl", limit: archive.fileSize)
        var limits = TorchUnpickler.Limits()
        limits.tensorElements = Int(clamping: max(archive.fileSize, 1 << 20))
        // torch stores every entry uncompressed, so its distinct storages together fit in the file; allow a
        // deflated archive 8 times that (and 8 MiB) before calling it a zip bomb.
        limits.storageBytes = max(archive.fileSize, 1 << 20).multipliedReportingOverflow(by: 8).partialValue
        var unpickler = TorchUnpickler(pickle: pickle, source: archive, limits: limits)
        let root = try unpickler.run()
        let location = archive.pickleEntry
        guard let items = unpickler.dictItems(root) else {
            throw ImportError(.pickle, file: archive.path, location: location,
                              problem: "holds a \(root.typeName), not a state dict",
                              fix: "save the weights with torch.save(model.state_dict(), path)")
        }
        var tensors: [(key: String, tensor: Tensor)] = []
        for (k, v) in items {
            guard case .string(let key) = k else {
                throw ImportError(.pickle, file: archive.path, location: location,
                                  problem: "the state dict has a \(k.typeName) key; state dict keys are strings",
                                  fix: "save the weights with torch.save(model.state_dict(), path)")
            }
            guard let tensor = unpickler.tensor(v) else {
                throw ImportError(.pickle, file: archive.path, location: "\(location), key '\(key)'",
                                  problem: "the value is a \(v.typeName), not a tensor, so this is not a plain state dict",
                                  fix: "save only the weights with torch.save(model.state_dict(), path)")
            }
            tensors.append((key, tensor))
        }
        return TorchCheckpoint(tensors: tensors, archiveFolder: archive.prefix, bigEndian: archive.bigEndian)
    }
}
