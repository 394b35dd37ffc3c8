import Foundation

/// Where the unpickler finds the raw bytes of a storage named by a persistent id.
protocol StorageSource {
    /// The checkpoint path, for messages.
    var path: String { get }
    /// The entry that holds the pickle, for messages (`archive/data.pkl`).
    var pickleEntry: String { get }
    /// True when the storages are big endian.
    var bigEndian: Bool { get }
    /// The number of bytes present for storage `key`, or nil when there is no such storage.
    func storageByteCount(_ key: String) -> UInt64?
    /// The bytes of storage `key`.
    func storageBytes(_ key: String) throws(ImportError) -> Data
}

extension TorchArchive: StorageSource {
    var pickleEntry: String { entryName("data.pkl") }
    func storageByteCount(_ key: String) -> UInt64? { size(of: "data/" + key) }
    func storageBytes(_ key: String) throws(ImportError) -> Data { try read("data/" + key) }
}
