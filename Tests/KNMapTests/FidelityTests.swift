import Foundation
import Testing
import KNModel
import KNProcess
import KNSimulate
import KNTestSupport
@testable import KNMap

/// Sized cells against their edges: ngspice DC sweeps on the installed foundry models at each edge's own
/// operating points (from simulating the reference inputs), after the calibration passes.
@Suite("Cell fidelity on the foundry models", .serialized)
struct FidelityTests {
    @Test func twomoonTanhCellsMatchTheirEdgesOnSky130() throws {
        guard let network = try upstreamNetwork("twomoon") else { print(SharedData.missingReason); return }
        let (catalog, root) = try catalog("sky130")
        var pipeline = MapPipeline(catalog: catalog)
        pipeline.root = root
        pipeline.fidelityEdges = 20
        pipeline.seed = 7
        let (circuit, report) = try pipeline.run(network: network, inputs: try referenceInputs("twomoon"))
        print(report.summary)
        let fidelity = try #require(report.fidelity)
        #expect(fidelity.after.edges == 20 && fidelity.after.inactive == 0)
        #expect(fidelity.after.median <= 0.01)
        #expect(fidelity.after.p95 <= 0.03)
        // The currents leaving src and entering des agree (the output stage keeps KCL).
        #expect(fidelity.edges.allSatisfy { $0.kclMismatch < 0.01 })
        #expect(circuit.layers.map(\.cells.count) == [300, 300])
    }

    @Test func mnistReluCellsMatchTheirEdgesOnSky130() throws {
        guard let network = try upstreamNetwork("mnist") else { print(SharedData.missingReason); return }
        guard let reference = try SharedData.reference("mnist"), let inputs = reference["inputs_float"] as? [[Double]] else {
            Issue.record("reference/mnist.json has no inputs_float"); return
        }
        let (catalog, root) = try catalog("sky130")
        var pipeline = MapPipeline(catalog: catalog)
        pipeline.root = root
        pipeline.fidelityEdges = 20
        pipeline.seed = 11
        let (_, report) = try pipeline.run(network: network, inputs: Array(inputs.prefix(1)))
        print(report.summary)
        for edge in report.fidelity?.edges ?? [] { print(edge.layer, edge.edge, edge.p0, edge.p1, edge.nrmse ?? -1, edge.correction) }
        let fidelity = try #require(report.fidelity)
        #expect(fidelity.after.edges - fidelity.after.inactive >= 5)
        #expect(fidelity.after.median <= 0.02)
        #expect(report.timings["map"]! < 30)
    }
}
