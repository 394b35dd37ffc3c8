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
        public var format = "kn-cell-mc-edge-2"
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

    let journal: RunJournal<Run, EdgeMismatchComparison>
    public var folder: URL { journal.folder }
    public var run: Run { journal.run }

    /// Opens the journal in `folder`. Without `resume`, the edge files of any earlier run are removed first.
    public init(folder: URL, run: Run, resume: Bool) throws {
        journal = try RunJournal(folder: folder, run: run, prefix: "layer", what: "a finished mc-cells edge",
                                 settings: "circuit, model, samples, seed, mismatch scale, points or inputs", resume: resume)
    }

    static func name(_ pick: FidelityRunner.Pick) -> String { "\(pick.layer)-row\(pick.row)" }

    /// The file of one picked edge.
    public func url(for pick: FidelityRunner.Pick) -> URL { journal.url(Self.name(pick)) }

    /// The finished comparison of `pick`, judged against `tolerance`; nil when the edge has not finished.
    /// Throws when the file belongs to a different run or cannot be read, naming the file and the fix.
    public func finished(_ pick: FidelityRunner.Pick, tolerance: Double) throws -> EdgeMismatchComparison? {
        guard var comparison = try journal.finished(Self.name(pick)) else { return nil }
        for k in comparison.parameters.indices { comparison.parameters[k].judge(tolerance: tolerance) }
        return comparison
    }

    /// Records a finished edge (atomically).
    public func store(_ comparison: EdgeMismatchComparison, for pick: FidelityRunner.Pick) throws {
        try journal.store(comparison, as: Self.name(pick))
    }
}
