import Foundation
import Testing
import KNModel
import KNProcess
import KNSimulate
import KNTestSupport
@testable import KNMap

@Suite("Cell fidelity on the foundry models", .serialized)
struct FidelityTests {
    @Test func twomoonTanhCellsMatchTheirEdgesOnSky130() throws {
        guard let network = try upstreamNetwork("twomoon") else { print(SharedData.missingReason); return }
        let (catalog, root) = try catalog("sky130")
        let samples = try OperatingSamples.simulate(network: network, inputs: try referenceInputs("twomoon"))
        let mapper = Mapper(catalog: catalog)
        let circuit = try mapper.map(network: network, samples: samples)
        let runner = FidelityRunner(mapper: mapper, root: root, ngspice: try Ngspice.locate())
        let picks = FidelityRunner.sample(circuit, count: 20, seed: 7)
        let (_, before, after) = try runner.calibrate(circuit, network: network, samples: samples, picks: picks)
        let first = FidelitySummary(before), second = FidelitySummary(after)
        print("twomoon sky130 before: median \(first.median) p95 \(first.p95) worst \(first.worst)")
        print("twomoon sky130 after:  median \(second.median) p95 \(second.p95) worst \(second.worst) \(second.worstEdge)")
        for r in before { print("before", r.layer, r.edge, r.nrmse ?? -1, FidelityRunner.correction(from: r, kind: "tanh2")) }
        for r in after { print(r.layer, r.edge, r.p0, r.p1, r.p2, r.nrmse ?? -1, r.correction) }
        #expect(second.median <= 0.01)
        #expect(second.p95 <= 0.03)
    }
}
