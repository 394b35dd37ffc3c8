import Foundation

/// Where the foundry model files live: `$KN_PDK_ROOT`, else
/// `${XDG_DATA_HOME:-$HOME/.local/share}/kn-toolkit/pdk`. Each process unpacks into `<root>/<name>/`.
public struct PDKRoot: Sendable, Hashable {
    public var url: URL

    public init(url: URL) { self.url = url }

    /// The root the environment selects, exactly as `flows/pdk-install.sh` computes it.
    public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) -> PDKRoot {
        if let explicit = environment["KN_PDK_ROOT"], !explicit.isEmpty {
            return PDKRoot(url: URL(fileURLWithPath: explicit))
        }
        let data: String
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty {
            data = xdg
        } else {
            data = (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        }
        return PDKRoot(url: URL(fileURLWithPath: data).appendingPathComponent("kn-toolkit/pdk"))
    }
}

extension ProcessDescription {
    /// The folder the model paths of this description are relative to.
    public func modelDirectory(in root: PDKRoot) -> URL {
        root.url.appendingPathComponent(name).appendingPathComponent(source.modelRoot)
    }

    /// The absolute path of a model file.
    public func absolutePath(of file: ModelFile, in root: PDKRoot) -> String {
        modelDirectory(in: root).appendingPathComponent(file.path).path
    }

    /// Checks that the wheel recorded in this description is installed under `root` and that every
    /// model file of every corner and capacitor exists.
    ///
    /// - Throws: ``ProcessError/modelsNotInstalled(process:missing:fix:)`` naming the first missing file.
    public func verifyInstalled(in root: PDKRoot) throws {
        let fix = "run `flows/pdk-install.sh \(name)` (or `kn-map pdk install \(name)`); KN_PDK_ROOT selects the folder"
        let marker = root.url.appendingPathComponent(name).appendingPathComponent(".kn-installed")
        guard let recorded = try? String(contentsOf: marker, encoding: .utf8) else {
            throw ProcessError.modelsNotInstalled(process: name, missing: marker.path, fix: fix)
        }
        guard recorded.trimmingCharacters(in: .whitespacesAndNewlines) == source.sha256 else {
            throw ProcessError.modelsNotInstalled(process: name,
                missing: "\(marker.path) records another archive than \(source.archive)", fix: fix)
        }
        let files = corners.flatMap(\.files) + capacitors.flatMap(\.files)
        for file in files {
            let path = absolutePath(of: file, in: root)
            guard FileManager.default.fileExists(atPath: path) else {
                throw ProcessError.modelsNotInstalled(process: name, missing: path, fix: fix)
            }
        }
    }

    /// The lines every ngspice netlist for this process starts with: options, parameters (with the
    /// mismatch switch on when `mismatch` is true) and the model files of `corner`.
    public func netlistPreamble(corner: Corner, root: PDKRoot, mismatch: Bool = false) -> [String] {
        var lines = ["* \(name) models, corner \(corner.name), mismatch \(mismatch ? "on" : "off") (\(source.package) \(source.version))"]
        lines += options.map { ".option \($0.name)=\($0.value)" }
        lines += parameters.map { parameter in
            let value = (mismatch && parameter.role == .mismatchSwitch) ? (parameter.onValue ?? parameter.value) : parameter.value
            return ".param \(parameter.name)=\(Self.spiceNumber(value))"
        }
        lines += corner.files.map { file in
            let path = absolutePath(of: file, in: root)
            if let section = file.section { return ".lib \"\(path)\" \(section)" }
            return ".include \"\(path)\""
        }
        return lines
    }

    static func spiceNumber(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%.10g", value)
    }
}

/// Runs `flows/pdk-install.sh`, the one installer of foundry models (CI runs it too).
public struct ModelInstaller: Sendable {
    /// The script, usually `<repository>/flows/pdk-install.sh`.
    public var script: URL
    public var root: PDKRoot

    public init(script: URL, root: PDKRoot = .resolve()) {
        self.script = script
        self.root = root
    }

    /// Installs (or verifies) the named processes; returns the script's output.
    ///
    /// - Throws: ``ProcessError/modelsNotInstalled(process:missing:fix:)`` carrying the script's output
    ///   when the script is missing or fails.
    @discardableResult
    public func install(_ names: [String]) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: script.path) else {
            throw ProcessError.modelsNotInstalled(process: names.joined(separator: ", "), missing: script.path,
                fix: "run from a kn-toolkit checkout; the installer is flows/pdk-install.sh")
        }
        let process = Foundation.Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path] + names
        var environment = ProcessInfo.processInfo.environment
        environment["KN_PDK_ROOT"] = root.url.path
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw ProcessError.modelsNotInstalled(process: names.joined(separator: ", "),
                missing: "installer exited with status \(process.terminationStatus)", fix: text)
        }
        return text
    }
}
