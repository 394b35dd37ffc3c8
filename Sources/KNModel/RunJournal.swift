import Foundation

/// The finished items of a long run (Monte Carlo chips, measured edges): one JSON file per item in a folder,
/// written atomically the moment the item ends, so that a stopped run resumes at the first unfinished item.
///
/// Every file carries the `Run` it belongs to, the settings that make two runs' items interchangeable; an item is
/// reused only when its run matches exactly, and a file of another run is refused, never mixed in.
public struct RunJournal<Run: Codable & Equatable & Sendable, Item: Codable & Sendable>: Sendable {
    public let folder: URL
    public let run: Run
    /// Item files are `<prefix><name>.json`.
    public let prefix: String
    /// What an item is, for messages ("a finished chip").
    public let what: String
    /// What the run's settings are, for the message about another run's file ("circuit, inputs or seed").
    public let settings: String

    struct Entry: Codable {
        var run: Run
        var item: Item
    }

    /// Opens the journal in `folder` (created if needed). Without `resume`, the item files of any earlier run are
    /// removed first.
    public init(folder: URL, run: Run, prefix: String, what: String, settings: String, resume: Bool) throws {
        self.folder = folder
        self.run = run
        self.prefix = prefix
        self.what = what
        self.settings = settings
        let fm = FileManager.default
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        if !resume {
            for file in try fm.contentsOfDirectory(atPath: folder.path) where file.hasPrefix(prefix) && file.hasSuffix(".json") {
                try fm.removeItem(at: folder.appendingPathComponent(file))
            }
        }
    }

    /// The file of item `name`.
    public func url(_ name: String) -> URL { folder.appendingPathComponent("\(prefix)\(name).json") }

    /// The finished item `name`, or nil when it has not finished. Throws when its file cannot be read or belongs to
    /// another run, naming the file and the fix.
    public func finished(_ name: String) throws(ModelError) -> Item? {
        let url = url(name)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let entry: Entry
        do {
            entry = try JSONDecoder.nonConforming.decode(Entry.self, from: Data(contentsOf: url))
        } catch {
            throw .invalid(url.path, "is not \(what) (\(error)); delete it, or run without --resume")
        }
        guard entry.run == run else {
            throw .invalid(url.path, "belongs to a different run (\(settings) differ); run without --resume to start over, or with the original options")
        }
        return entry.item
    }

    /// Records a finished item (atomically).
    public func store(_ item: Item, as name: String) throws {
        try AtomicFile.write(try JSONEncoder.nonConforming().encode(Entry(run: run, item: item)), to: url(name))
    }
}
