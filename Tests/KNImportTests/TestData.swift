import Foundation
import KNTestSupport

/// Locates the test data: the fixtures beside this file, and the published upstream checkpoints in `shared/upstream`,
/// found by walking up from this file (worktrees sit at different depths).
enum TestData {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ name: String) -> URL { fixtures.appendingPathComponent(name) }

    /// `…/shared/upstream`, or nil (with the reason printed) when the clone has no `shared/` beside it.
    static let upstream: URL? = {
        guard let shared = SharedData.folder else {
            print("KNImportTests: \(SharedData.missingReason)")
            return nil
        }
        return shared.appendingPathComponent("upstream")
    }()

    static var hasUpstream: Bool { upstream != nil }

    static func experiment(_ name: String) -> (checkpoint: URL, config: URL) {
        let dir = upstream!.appendingPathComponent(name)
        return (dir.appendingPathComponent("model.pth"), dir.appendingPathComponent("config.yaml"))
    }

    /// The expected tensors a fixture's generator script wrote (`<name>.expected.json`).
    struct Expected: Decodable {
        struct Entry: Decodable {
            var key: String
            var shape: [Int]
            var dtype: String
            var values: [Double]
        }
        var tensors: [Entry]
        var opcodes: [String]?
    }

    static func expected(_ name: String) throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: fixture(name)))
    }

    /// A fresh temporary folder.
    static func temporaryFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("knimport-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Reads float32 little-endian values straight from the file bytes at the data offset of zip entry `name`,
    /// found from its local header (30 + name length + local extra length), without any zip or pickle library.
    static func rawFloat32(file: URL, entry name: String, count: Int) throws -> [Double] {
        let bytes = [UInt8](try Data(contentsOf: file))
        let needle = [UInt8](name.utf8)
        var i = 30
        while i + needle.count <= bytes.count {
            if bytes[i..<(i + needle.count)].elementsEqual(needle), bytes[(i - 30)..<(i - 26)].elementsEqual([0x50, 0x4B, 3, 4]) {
                let extra = Int(bytes[i - 2]) | Int(bytes[i - 1]) << 8
                let start = i + needle.count + extra
                return (0..<count).map { k in
                    let o = start + 4 * k
                    let bits = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
                    return Double(Float(bitPattern: bits))
                }
            }
            i += 1
        }
        throw CocoaError(.fileReadCorruptFile)
    }
}
