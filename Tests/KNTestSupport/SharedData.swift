import Foundation

/// Locates `../shared` (the upstream checkpoints and reference outputs that sit beside the repository) and the
/// built `kn-map` binary, for tests.
public enum SharedData {
    /// The `shared` folder: the first ancestor of this source file that has a `shared/upstream` child.
    /// `nil` in a clone outside the team, where tests that need it skip and say why.
    public static let folder: URL? = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("shared")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("upstream").path) {
                return candidate
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }()

    /// Why tests that need `shared/` are skipped.
    public static let missingReason = "../shared (upstream checkpoints and reference outputs) is not beside this clone; skipping"

    /// `shared/upstream/<experiment>/model.pth` and `config.yaml`.
    public static func upstream(_ experiment: String) -> (checkpoint: URL, config: URL)? {
        guard let dir = folder?.appendingPathComponent("upstream/\(experiment)") else { return nil }
        return (dir.appendingPathComponent("model.pth"), dir.appendingPathComponent("config.yaml"))
    }

    /// `shared/reference/<experiment>.json`, parsed.
    public static func reference(_ experiment: String) throws -> [String: Any]? {
        guard let url = folder?.appendingPathComponent("reference/\(experiment).json") else { return nil }
        return try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
    }

    /// The repository root (the folder holding Package.swift).
    public static let repositoryRoot: URL = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir
    }()

    /// The `kn-map` executable built beside the test bundle.
    public static var knMapBinary: URL {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = runner.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("kn-map")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return runner.deletingLastPathComponent().appendingPathComponent("kn-map")
    }
}
