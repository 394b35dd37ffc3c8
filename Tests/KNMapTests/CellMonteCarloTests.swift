import Foundation
import Synchronization
import Testing
import KNModel
import KNProcess
import KNSimulate
import KNTestSupport
import KNVary
@testable import KNMap

/// The mismatch model of mapped cells against an ngspice Monte Carlo of the same cells with sky130's foundry
/// mismatch switched on (2 calibrated twomoon cells × 40 samples).
@Suite("Mismatch of mapped cells against a foundry Monte Carlo", .serialized)
struct CellMonteCarloTests {
    @Test func predictedSigmaAgreesWithTheFoundryMonteCarloOfTwomoonCells() throws {
        guard let network = try upstreamNetwork("twomoon") else { print(SharedData.missingReason); return }
        let (catalog, root) = try catalog("sky130")
        var options = MapOptions()
        options.mirrorMismatch = 0.03
        var pipeline = MapPipeline(catalog: catalog, options: options)
        pipeline.root = root
        pipeline.fidelityEdges = 2
        pipeline.seed = 3
        let inputs = try referenceInputs("twomoon")
        let outcome = try pipeline.map(network: network, inputs: inputs)
        let operating = try OperatingSamples.simulate(network: network, inputs: inputs)
        var bench = CellBench(runner: FidelityRunner(mapper: Mapper(catalog: catalog, options: options), root: root, ngspice: try Ngspice.locate()))
        bench.points = 10
        bench.deviceSamples = 100
        // The full foundry σ: with the mirrors sized for matching (MapOptions.mirrorMismatch, set above) the cells
        // respond linearly to it, which is what the model assumes.
        var check = CellMonteCarlo(bench: bench, mismatch: try ProcessMismatch(catalog.process))
        check.samples = 40
        check.seed = 2
        let picks = FidelityRunner.sample(outcome.circuit, count: 2, seed: 3)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("knmc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = CellMonteCarloJournal.Run(circuitDigest: "c", modelDigest: "m", samples: check.samples, seed: check.seed,
                                            mismatchScale: 1, points: bench.points, inputs: inputs.count)
        let report = try check.run(outcome.circuit, network: network, operating: operating, picks: picks,
                                   journal: try CellMonteCarloJournal(folder: folder, run: run, resume: false))
        print(report.text)
        // A resumed run takes every finished edge from the journal (no ngspice) and reports exactly the same.
        let measured = Mutex(0)
        let resumed = try check.run(outcome.circuit, network: network, operating: operating, picks: picks,
                                    journal: try CellMonteCarloJournal(folder: folder, run: run, resume: true)) { _, now in
            if now { measured.withLock { $0 += 1 } }
        }
        #expect(resumed.edges == report.edges)
        #expect(measured.withLock { $0 } == 0)
        #expect(report.edges.count == 2)
        for edge in report.edges {
            for p in edge.parameters {
                // 40 samples pin σ down to about ±22 % (95 %): the prediction must lie inside the measured interval
                // widened by the model's 20 % tolerance.
                let agrees = p.predicted >= 0.8 * p.lower && p.predicted <= 1.2 * p.upper
                #expect(agrees, "layer \(edge.layer) edge \(edge.edge) \(p.parameter): predicted \(p.predicted), measured \(p.measured) [\(p.lower), \(p.upper)]")
                #expect(p.measured > 0 && p.predicted > 0)
            }
        }
        // Every PDK instance is one device of the model (a twomoon tanh2 cell has dozens, most of them resistor units).
        #expect(report.edges.allSatisfy { $0.devices > 30 })
    }
}
