import Foundation
import KNTestSupport

/// Runs the built `kn-map` binary and captures what a user would see.
struct KNMapRun {
    var status: Int32
    var stdout: String
    var stderr: String

    @discardableResult
    static func run(_ arguments: [String], in folder: URL? = nil) throws -> KNMapRun {
        let process = Process()
        process.executableURL = SharedData.knMapBinary
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = folder }
        // Output goes to files, so a large output can never block the child on a full pipe.
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let outURL = dir.appendingPathComponent("stdout"), errURL = dir.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        defer { try? out.close(); try? err.close() }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let outData = try Data(contentsOf: outURL), errData = try Data(contentsOf: errURL)
        return KNMapRun(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                        stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// A fresh temporary folder, removed by the caller.
func temporaryFolder() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kn-map-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}
