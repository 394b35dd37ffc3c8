import Foundation

/// Helpers shared by the libFuzzer harnesses (each harness is one file in `Fuzz/Harnesses` that defines
/// `LLVMFuzzerTestOneInput`; `flows/fuzz.sh` compiles it with this file against the instrumented modules).
enum FuzzInput {
    /// A scratch folder in memory (`/dev/shm` when present) private to this fuzzer process.
    static let folder: URL = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let url = URL(fileURLWithPath: base).appendingPathComponent("kn-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// The input bytes as `Data`.
    static func data(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> Data {
        count == 0 ? Data() : Data(bytes: bytes, count: count)
    }

    /// Writes the input to `<folder>/input.<ext>` (for readers that take a path) and returns its URL.
    static func file(_ bytes: UnsafePointer<UInt8>, _ count: Int, extension ext: String) -> URL {
        let url = folder.appendingPathComponent("input." + ext)
        try? data(bytes, count).write(to: url)
        return url
    }

}
