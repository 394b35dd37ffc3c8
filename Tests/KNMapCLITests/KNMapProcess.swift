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

    /// Writes the shipped example checkpoint into `folder` and imports it as `folder/<name>`, as a user does
    /// (`kn-map example`, then `kn-map import`); returns the model file's path.
    static func importedExample(in folder: URL, name: String = "example.knm") throws -> String {
        let written = try run(["example", "-o", folder.path])
        guard written.status == 0 else { throw CLIFailure(command: "kn-map example", stderr: written.stderr) }
        let model = folder.appendingPathComponent(name).path
        let imported = try run(["import", folder.appendingPathComponent("model.pth").path,
                                folder.appendingPathComponent("config.yaml").path, "-o", model])
        guard imported.status == 0 else { throw CLIFailure(command: "kn-map import", stderr: imported.stderr) }
        return model
    }
}

/// A set-up command of a test failed.
struct CLIFailure: Error, CustomStringConvertible {
    var command: String
    var stderr: String
    var description: String { "\(command) failed: \(stderr)" }
}

/// A fresh temporary folder, removed by the caller.
func temporaryFolder() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kn-map-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}
