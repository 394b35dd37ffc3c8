import Foundation
import KNMap
import Testing
@testable import KNVary

/// The per-edge journal that lets a stopped `mc-cells` run resume.
@Suite struct CellMonteCarloJournalTests {
    let run = CellMonteCarloJournal.Run(circuitDigest: "0123", modelDigest: "4567", samples: 200, seed: 1,
                                        mismatchScale: 1, points: 16, inputs: 16)

    func comparison(ratioOf measured: [Double], predicted: Double) -> EdgeMismatchComparison {
        let p = ParameterComparison(parameter: .gain, predicted: predicted, pelgromPredicted: predicted, measured: measured,
                                    contributors: ["BS 60 %"], tolerance: 0.2)
        return EdgeMismatchComparison(layer: 1, edge: 7, devices: 40, points: 16, parameters: [p])
    }

    func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("knjournal-\(UUID().uuidString)")
    }

    @Test func finishedEdgesComeBackJudgedAgainstTheCurrentTolerance() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pick = FidelityRunner.Pick(layer: 1, row: 7)
        let journal = try CellMonteCarloJournal(folder: folder, run: run, resume: false)
        #expect(try journal.finished(pick, tolerance: 0.2) == nil)
        // Measured σ 1 (values ±1 around 0), predicted 1.25: outside ±20 %, inside ±30 %.
        let edge = comparison(ratioOf: [-1, 1, -1, 1, -1, 1, -1, 1, -1, 1].map { $0 * (9.0 / 10).squareRoot() }, predicted: 1.25)
        #expect(!edge.parameters[0].within)
        try journal.store(edge, for: pick)
        let again = try CellMonteCarloJournal(folder: folder, run: run, resume: true)
        #expect(try again.finished(pick, tolerance: 0.2) == edge)
        let looser = try #require(try again.finished(pick, tolerance: 0.3))
        #expect(looser.parameters[0].within)
        #expect(looser.parameters[0].ratio == edge.parameters[0].ratio)
        // Another pick of the same run has not finished.
        #expect(try again.finished(FidelityRunner.Pick(layer: 1, row: 8), tolerance: 0.2) == nil)
    }

    @Test func anotherRunsEdgesAreRefusedOnResumeAndClearedOtherwise() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pick = FidelityRunner.Pick(layer: 0, row: 3)
        try CellMonteCarloJournal(folder: folder, run: run, resume: false)
            .store(comparison(ratioOf: [0.1, -0.2, 0.3, -0.1, 0.2], predicted: 0.2), for: pick)
        var other = run
        other.samples = 100
        let resumed = try CellMonteCarloJournal(folder: folder, run: other, resume: true)
        #expect {
            _ = try resumed.finished(pick, tolerance: 0.2)
        } throws: { error in
            "\(error)".contains("layer0-row3.json") && "\(error)".contains("different run")
        }
        // A garbled file is named too.
        try Data("{".utf8).write(to: resumed.url(for: pick))
        #expect {
            _ = try resumed.finished(pick, tolerance: 0.2)
        } throws: { error in "\(error)".contains("layer0-row3.json") && "\(error)".contains("without --resume") }
        // Without --resume the old edges are removed and the new run starts empty.
        let fresh = try CellMonteCarloJournal(folder: folder, run: other, resume: false)
        #expect(try fresh.finished(pick, tolerance: 0.2) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }
}
