import Foundation
import KNModel

/// The checkpoint of a running Monte Carlo: a JSON-lines file whose first line is the run's configuration and
/// shard, and every further line one finished ``SampleRecord``. Records are appended with one `write` each, so
/// a killed run leaves at most one partial last line, which resuming ignores.
public final class MonteCarloCheckpoint: @unchecked Sendable {
    public let url: URL
    public private(set) var records: [Int: SampleRecord] = [:]
    private let handle: FileHandle
    private let lock = NSLock()

    struct Header: Codable, Equatable {
        var format = "kn-map-mc-checkpoint-1"
        var configuration: MonteCarloConfiguration
        var shard: Shard?
    }

    /// Opens the checkpoint at `url`. With `resume`, an existing file must belong to the same run
    /// (configuration and shard) and its records are loaded; without it, any existing file is replaced.
    public init(url: URL, configuration: MonteCarloConfiguration, shard: Shard?, resume: Bool) throws {
        self.url = url
        let header = Header(configuration: configuration, shard: shard)
        let fm = FileManager.default
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        if resume, fm.fileExists(atPath: url.path) {
            let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            // The last element is empty when the file ends with a newline, else a partial record: drop it.
            lines.removeLast()
            guard let first = lines.first,
                  let old = try? JSONDecoder().decode(Header.self, from: Data(first.utf8)) else {
                throw VaryError.invalid(url.path, "is not a kn-map mc checkpoint; delete it or run without --resume")
            }
            guard old == header else {
                throw VaryError.invalid(url.path, "belongs to a different run (model, seed, samples, inputs, options or shard differ); run without --resume to start over, or with the original options")
            }
            for (k, line) in lines.dropFirst().enumerated() {
                guard let r = try? JSONDecoder().decode(SampleRecord.self, from: Data(line.utf8)) else {
                    throw VaryError.invalid("\(url.path) line \(k + 2)", "is not a sample record; delete the checkpoint and rerun")
                }
                records[r.index] = r
            }
            // Rewrite the file without a trailing partial line, then append.
            var clean = Data()
            for line in lines { clean.append(Data(line.utf8)); clean.append(0x0A) }
            try AtomicWrite.data(clean, to: url)
        } else {
            var data = try enc.encode(header)
            data.append(0x0A)
            try AtomicWrite.data(data, to: url)
        }
        guard let h = FileHandle(forUpdatingAtPath: url.path) else {
            throw VaryError.invalid(url.path, "cannot open the checkpoint for appending; check that the folder is writable")
        }
        h.seekToEndOfFile()
        handle = h
    }

    deinit { try? handle.close() }

    /// Appends one finished record (one `write` call).
    public func append(_ r: SampleRecord) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        var line = try enc.encode(r)
        line.append(0x0A)
        lock.lock(); defer { lock.unlock() }
        try handle.write(contentsOf: line)
        records[r.index] = r
    }

    /// Removes the checkpoint (after the final result was written).
    public func remove() {
        try? handle.close()
        try? FileManager.default.removeItem(at: url)
    }
}

enum AtomicWrite {
    static func data(_ d: Data, to url: URL) throws { try AtomicFile.write(d, to: url) }
}
