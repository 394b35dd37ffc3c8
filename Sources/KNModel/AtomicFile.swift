import Foundation

/// Writes files so that they appear whole or not at all: the bytes go to a temporary file in the same
/// folder, which is then renamed over the destination.
public enum AtomicFile {
    /// Held while a temporary file is created or renamed into place, and for good by ``stopWriting()``: an
    /// interrupted process's cleanup never races a write's last step.
    private static let gate = NSLock()

    /// Stops every write at its next step (creating its temporary file or renaming it into place) until the
    /// process exits; a rename already under way finishes first. An interrupted process calls this before it
    /// removes its temporary files, so that none appears or lands after the removal. Irreversible.
    public static func stopWriting() {
        gate.lock()
    }

    /// The name every temporary file for `url` of this process starts with: `.<name>.tmp-<pid>-`, in `url`'s
    /// folder. A process that is interrupted removes them with ``removeTemporaryFiles(for:)``.
    public static func temporaryPrefix(for url: URL) -> String {
        ".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-"
    }

    /// Removes this process's unfinished temporary files for `url` (those named with ``temporaryPrefix(for:)``),
    /// leaving `url` itself and other processes' files alone. Returns the paths it removed.
    @discardableResult
    public static func removeTemporaryFiles(for url: URL) -> [String] {
        let dir = url.deletingLastPathComponent()
        let prefix = temporaryPrefix(for: url)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(prefix) {
            let path = dir.appendingPathComponent(name).path
            if unlink(path) == 0 { removed.append(path) }
        }
        return removed
    }

    /// Removes this process's unfinished temporary files for any file in `folder` (an output folder whose file
    /// names are not known in advance). Returns the paths it removed.
    @discardableResult
    public static func removeTemporaryFiles(inFolder folder: URL) -> [String] {
        let marker = ".tmp-\(ProcessInfo.processInfo.processIdentifier)-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(".") && name.contains(marker) {
            let path = folder.appendingPathComponent(name).path
            if unlink(path) == 0 { removed.append(path) }
        }
        return removed
    }

    /// Writes `data` to `url` atomically.
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { handle in try handle.write(contentsOf: data) }
    }

    /// Streams content to `url` atomically: `body` writes to the handle of a temporary file, which replaces `url`
    /// only if `body` returns normally. On any error the temporary file is removed and `url` is untouched.
    public static func write(to url: URL, _ body: (FileHandle) throws -> Void) throws {
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(temporaryPrefix(for: url) + String(UInt32.random(in: 0...UInt32.max)))
        gate.lock()
        let created = FileManager.default.createFile(atPath: tmp.path, contents: nil)
        gate.unlock()
        guard created else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path,
                NSLocalizedDescriptionKey: "cannot create a file in \(dir.path); check that the folder exists and is writable"])
        }
        do {
            let handle = try FileHandle(forWritingTo: tmp)
            defer { try? handle.close() }
            try body(handle)
            try handle.synchronize()
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        }
        gate.lock()
        defer { gate.unlock() }
        if rename(tmp.path, url.path) != 0 {
            let code = errno
            try? FileManager.default.removeItem(at: tmp)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path,
                NSLocalizedDescriptionKey: "cannot move the finished file into place at \(url.path): \(String(cString: strerror(code)))"])
        }
    }
}
