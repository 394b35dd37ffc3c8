import Foundation

/// Where kn-map finds the files it ships beside its source (`pdk/`, `flows/`, `templates/`): the folder named by
/// `KN_TOOLKIT_ROOT`, else the first ancestor of the executable that holds `pdk/kn-pdk.xsd` (a built checkout).
enum ToolkitFolders {
    static func root() throws -> URL {
        let fm = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["KN_TOOLKIT_ROOT"], !explicit.isEmpty {
            let url = URL(fileURLWithPath: explicit)
            guard fm.fileExists(atPath: url.appendingPathComponent("pdk/kn-pdk.xsd").path) else {
                throw ToolkitFolderError(message: "KN_TOOLKIT_ROOT=\(explicit) has no pdk/kn-pdk.xsd; point it at a kn-toolkit checkout")
            }
            return url
        }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while dir.path != "/" {
            if fm.fileExists(atPath: dir.appendingPathComponent("pdk/kn-pdk.xsd").path) { return dir }
            dir = dir.deletingLastPathComponent()
        }
        throw ToolkitFolderError(message: "cannot find the kn-toolkit checkout (pdk/, flows/) above \(CommandLine.arguments[0]); set KN_TOOLKIT_ROOT to it")
    }

    /// `pdk/<name>.xml`.
    static func processDescription(_ name: String) throws -> URL {
        let url = try root().appendingPathComponent("pdk/\(name).xml")
        guard FileManager.default.fileExists(atPath: url.path) else {
            let known = (try? FileManager.default.contentsOfDirectory(atPath: root().appendingPathComponent("pdk").path))?
                .filter { $0.hasSuffix(".xml") }.map { String($0.dropLast(4)) }.sorted() ?? []
            throw ToolkitFolderError(message: "no process description \(url.path); known processes: \(known.joined(separator: ", "))")
        }
        return url
    }
}

struct ToolkitFolderError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
