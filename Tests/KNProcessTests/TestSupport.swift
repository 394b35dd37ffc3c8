import Foundation
@testable import KNProcess

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

/// Loads `pdk/<name>.xml` and makes sure its models are installed, through the project's own
/// installer (`flows/pdk-install.sh`, idempotent). Throws with the installer's output when the
/// models are absent and cannot be installed, so such tests fail rather than pass silently.
func installedProcess(_ name: String) throws -> (ProcessDescription, PDKRoot) {
    let process = try ProcessDescription.load(contentsOf: Repository.description(name))
    let root = PDKRoot.resolve()
    if (try? process.verifyInstalled(in: root)) == nil {
        let installer = ModelInstaller(script: Repository.root.appendingPathComponent("flows/pdk-install.sh"), root: root)
        try installer.install([name])
    }
    try process.verifyInstalled(in: root)
    return (process, root)
}
