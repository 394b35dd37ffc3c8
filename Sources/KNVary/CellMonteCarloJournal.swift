import Foundation
import KNMap
import KNModel

/// The finished edges of a running ``CellMonteCarlo``: one JSON file per edge in a folder, written atomically as
/// soon as the edge's Monte Carlo ends, so that a stopped run resumes at the first unfinished edge.
///
/// Each file carries the ``Run`` it belongs to; an edge is reused only when the run matches exactly (the same
/// circuit and model bytes, samples, seed, mismatch scale, sweep points and operating inputs). The tolerance is not
/// part of the run: a reused edge is judged again against the current one.
public struct CellMonteCarloJournal: Sendable {
    /// What makes two runs' edges interchangeable.
    public struct Run: Sendable, Codable, Hashable {
        public var format = "kn-cell-mc-edge-1"
        /// FNV-1a 64 of the circuit file and of the model file.
        public var circuitDigest: String
        public var modelDigest: String
        public var samples: Int
        public var seed: Int
        public var mismatchScale: Double
        public var points: Int
        public var inputs: Int

        public init(circuitDigest: String, modelDigest: String, samples: Int, seed: Int, mismatchScale: Double,
                    points: Int, inputs: Int) {
            self.circuitDigest = circuitDigest
            self.modelDigest = modelDigest
            self.samples = samples
            self.seed = seed
            self.mismatchScale = mismatchScale
            self.points = points
            self.inputs = inputs
        }
    }

    struct Entry: Codable {
        var run: Run
        var comparison: EdgeMismatchComparison
    }

    public let folder: URL
    public let run: Run

    /// Opens the journal in `folder`. Without `resume`, the edge files of any earlier run are removed first.
    public init(folder: URL, run: Run, resume: Bool) throws {
        self.folder = folder
        self.run = run
        let fm = FileManager.default
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        if !resume {
            for name in try fm.contentsOfDirectory(atPath: folder.path) where Self.isEdgeFile(name) {
                try fm.removeItem(at: folder.appendingPathComponent(name))
            }
        }
    }

    /// The file of one picked edge.
    public func url(for pick: FidelityRunner.Pick) -> URL {
        folder.appendingPathComponent("layer\(pick.layer)-row\(pick.row).json")
    }

    static func isEdgeFile(_ name: String) -> Bool { name.hasPrefix("layer") && name.hasSuffix(".json") }

    /// The finished comparison of `pick`, judged against `tolerance`; nil when the edge has not finished.
    /// Throws when the file belongs to a different run or cannot be read, naming the file and the fix.
    public func finished(_ pick: FidelityRunner.Pick, tolerance: Double) throws -> EdgeMismatchComparison? {
        let url = url(for: pick)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let entry: Entry
        do {
            entry = try JSONDecoder.nonConforming.decode(Entry.self, from: Data(contentsOf: url))
        } catch {
            throw VaryError.invalid(url.path, "is not a finished mc-cells edge (\(error)); delete it, or run without --resume")
        }
        guard entry.run == run else {
            throw VaryError.invalid(url.path, "belongs to a different run (circuit, model, samples, seed, mismatch scale, points or inputs differ); run without --resume to start over, or with the original options")
        }
        var comparison = entry.comparison
        for k in comparison.parameters.indices { comparison.parameters[k].judge(tolerance: tolerance) }
        return comparison
    }

    /// Records a finished edge (atomically).
    public func store(_ comparison: EdgeMismatchComparison, for pick: FidelityRunner.Pick) throws {
        let encoder = JSONEncoder.nonConforming()
        try AtomicFile.write(try encoder.encode(Entry(run: run, comparison: comparison)), to: url(for: pick))
    }
}
