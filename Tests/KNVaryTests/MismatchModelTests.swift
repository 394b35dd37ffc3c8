import Foundation
import KNModel
import Testing
@testable import KNVary

@Suite struct MismatchModelTests {
    /// σ of the tanh cell's offset from Pelgrom's law by hand: two input devices of 4 × 2 µm, each with
    /// σ(VT) = A_VT/√(2WL) and σ(β) = A_β/√(2WL), moving the argument by ∓1/(2nU_T) per volt and ±1/2 per Δβ/β.
    @Test func offsetSigmaFollowsPelgromThroughTheInputPair() throws {
        let net = try Fixtures.network(family: .shiftTanh2)
        let process = try Fixtures.sky130()
        let cells = AssumedCellTopology(family: .shiftTanh2)
        let model = MismatchModel(network: net, cells: cells, mismatch: process)
        let area = 4.0 * 2.0
        let sVT = process.nmos.aVTmVum * 1e-3 / (2 * area).squareRoot()
        let sB = process.nmos.aBetaPercentUm * 1e-2 / (2 * area).squareRoot()
        let nUT = 1.3 * 1.380649e-23 * 300.15 / 1.602176634e-19
        let expected = (2 * pow(sVT / (2 * nUT), 2) + 2 * pow(0.5 * sB, 2)).squareRoot()
        let sigma = model.sigma(layer: 0, edge: 0)[.offset]!
        #expect(abs(sigma - expected) < 1e-12 * expected)
        // The draws have that spread (20 000 chips: the sample σ is within 3 % with overwhelming probability).
        let n = 20_000
        let draws = (0..<n).map { model.draw(seed: 11, index: $0).layers[1].offset[3] }
        let mean = draws.reduce(0, +) / Double(n)
        let sd = (draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)).squareRoot()
        #expect(abs(sd / expected - 1) < 0.03, "sample σ \(sd), Pelgrom σ \(expected)")
        #expect(abs(mean) < 5 * expected / Double(n).squareRoot())
    }

    @Test func sampleDrawDependsOnlyOnSeedAndIndex() throws {
        let net = try Fixtures.network(family: .shiftTanh2)
        let model = MismatchModel(network: net, cells: AssumedCellTopology(family: .shiftTanh2), mismatch: try Fixtures.sky130())
        let forward = (0..<20).map { model.draw(seed: 5, index: $0) }
        let backward = (0..<20).reversed().map { model.draw(seed: 5, index: $0) }.reversed()
        #expect(Array(forward) == Array(backward))
        #expect(forward[3] != forward[4])
        #expect(model.draw(seed: 6, index: 3) != forward[3])
    }

    @Test func copyMismatchComesFromTheTwoOutputMirrors() throws {
        // ε = m_des − m_src: four mirror devices of 8 × 4 µm (two NMOS, two PMOS), each ΔVT weighted by gm/ID.
        let net = try Fixtures.network(family: .shiftTanh2)
        let process = try Fixtures.sky130()
        let model = MismatchModel(network: net, cells: AssumedCellTopology(family: .shiftTanh2, mirrorGmOverId: 12), mismatch: process)
        func dev(_ p: PelgromPair) -> Double {
            let s = p.deviceSigma(areaUm2: 32)
            return pow(12 * s.vt, 2) + pow(s.beta, 2)
        }
        let expected = (2 * dev(process.nmos) + 2 * dev(process.pmos)).squareRoot()
        #expect(abs(model.sigma(layer: 0, edge: 0)[.copy]! - expected) < 1e-12)
    }
}
