import Foundation

/// Paths into the repository, found from this file's location.
enum Repository {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let pdk = root.appendingPathComponent("pdk")
    static let schema = pdk.appendingPathComponent("kn-pdk.xsd")
    static func description(_ name: String) -> URL { pdk.appendingPathComponent("\(name).xml") }
}

/// A fresh temporary directory, removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("kn-process-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
