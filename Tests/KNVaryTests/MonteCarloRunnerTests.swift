import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import KNModel
import Testing
@testable import KNVary

@Suite struct MonteCarloRunnerTests {
    /// An IDX file written byte by byte (the MNIST layout: magic 00 00 08 rank, big-endian sizes, bytes).
    @Test func idxImagesAndLabelsAreRead() throws {
        let folder = FileManager.default.temporaryDirectory
        let images = folder.appendingPathComponent("kn-vary-\(getpid())-images-idx3-ubyte")
        let labels = folder.appendingPathComponent("kn-vary-\(getpid())-labels-idx1-ubyte")
        defer { try? FileManager.default.removeItem(at: images); try? FileManager.default.removeItem(at: labels) }
        try Data([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 255, 51, 102]).write(to: images)
        try Data([0, 0, 8, 1, 0, 0, 0, 2, 7, 3]).write(to: labels)
        let t = try DataFile.read(images)
        #expect(t.rows == 2 && t.columns == 2)
        #expect(t.values == [0, 1, 0.2, 0.4])
        #expect(try DataFile.labels(labels) == [7, 3])
        try Data([0, 0, 8, 3, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 2, 0]).write(to: images)
        #expect(throws: VaryError.self) { try DataFile.read(images) }
    }

    /// Labels equal to the nominal argmax give nominal accuracy 1; chips without mismatch (σ scale 0) reproduce
    /// the nominal read-out exactly; with mismatch every chip deviates.
    @Test func metricsAgainstTheNominalCircuit() throws {
        let net = try Fixtures.network(family: .shiftTanh2, numNode: 4, repeat: [3, 3], block: .plain, seed: 5)
        let inputs = (0..<24).map { k in (0..<3).map { j in cos(Double(5 * k + j)) } }
        let integrator = try FixedStepIntegrator(network: net, stepsPerUnit: 16)
        let nominal = try integrator.outputs(inputs: inputs, mismatch: nil)
        let labels = nominal.map(argmax)
        let process = try Fixtures.sky130()
        let zero = MismatchModel(network: net, cells: AssumedCellTopology(family: .shiftTanh2), mismatch: process, scale: 0)
        let quiet = try MonteCarloRunner(integrator: integrator, mismatch: zero, noise: nil, inputs: inputs, labels: labels, seed: 1)
        #expect(quiet.nominalAccuracy == 1)
        let r0 = try quiet.record(3)
        #expect(r0.maxError == 0 && r0.accuracy == 1)
        let full = MismatchModel(network: net, cells: AssumedCellTopology(family: .shiftTanh2), mismatch: process, scale: 3)
        let noisy = try MonteCarloRunner(integrator: integrator, mismatch: full, noise: nil, inputs: inputs, labels: labels, seed: 1)
        let records = try noisy.run(indices: 0..<8, done: [:], finished: { _ in }, progress: { _ in })
        #expect(records.map(\.index) == Array(0..<8))
        #expect(records.allSatisfy { $0.meanError > 0 && $0.maxError >= $0.rmsError && $0.rmsError >= $0.meanError })
        #expect(records == (0..<8).map { try! noisy.record($0) })
    }

    @Test func energyDistanceOfShiftedPointSets() {
        // Two single points at distance d: 2d − 0 − 0.
        #expect(abs(energyDistance([[0, 0]], [[3, 4]]) - 10) < 1e-12)
        #expect(energyDistance([[1, 2], [3, 4]], [[1, 2], [3, 4]]) == 0)
    }

    @Test func chartsAreWellFormedSVG() throws {
        let net = try Fixtures.network(family: .shiftTanh2, block: .augmented)
        let integrator = try FixedStepIntegrator(network: net, stepsPerUnit: 8)
        let model = MismatchModel(network: net, cells: AssumedCellTopology(family: .shiftTanh2), mismatch: try Fixtures.sky130())
        let runner = try MonteCarloRunner(integrator: integrator, mismatch: model, noise: nil,
                                          inputs: SampleTable.standardNormal(rows: 16, columns: 2, seed: 1).samples, labels: nil, seed: 2)
        #expect(runner.generative)
        let records = try runner.run(indices: 0..<10, done: [:], finished: { _ in }, progress: { _ in })
        let config = MonteCarloConfiguration(model: "m", modelDigest: "0", samples: 10, seed: 2, inputs: "i", inputsDigest: "0",
                                             inputCount: 16, stepsPerUnit: 8, integratorDeviation: 0, process: "sky130",
                                             mismatchSource: [], cells: model.provenance, sigmaScale: 1,
                                             components: EffectiveParameter.allCases, global: GlobalShift(), noise: nil,
                                             spec: [try SpecCondition(parsing: "max-error<=0.01")], labelled: false,
                                             nominalAccuracy: nil, nominalPoints: runner.nominal, chipZeroPoints: try runner.chipOutputs(0))
        let result = MonteCarloResult(configuration: config, shard: nil, records: records)
        let charts = result.charts()
        #expect(Set(charts.map(\.suffix)) == ["-error", "-yield", "-scatter"])
        for (suffix, svg) in charts {
            let parser = XMLParser(data: Data(svg.utf8))
            #expect(parser.parse(), "\(suffix) is not well-formed XML")
        }
        #expect(result.yield == Double(records.filter { $0.maxError <= 0.01 }.count) / 10)
    }
}
