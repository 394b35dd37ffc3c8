import Foundation
import Testing
import KNModel
import KNProcess
import KNSimulate
import KNTestSupport
@testable import KNMap

/// Calibrated twomoon tanh cells on sky130, measured in ngspice on the foundry models and fitted: the fitted law
/// must describe each cell better than the edge's own law does, and the simulator must run with it.
@Suite("Characterized cells on the foundry models", .serialized)
struct CharacterizationTests {
    /// twomoon mapped onto sky130 with `cells` sampled cells calibrated and characterized, or nil without the
    /// shared data.
    static func mappedTwomoon(cells: Int, seed: UInt64, dynamicsPoints: Int? = nil) throws
        -> (network: Network, catalog: DeviceCatalog, root: PDKRoot, inputs: [[Double]], outcome: MapPipeline.Outcome)?
    {
        guard let network = try upstreamNetwork("twomoon") else { print(SharedData.missingReason); return nil }
        let (catalog, root) = try catalog("sky130")
        var pipeline = MapPipeline(catalog: catalog)
        pipeline.root = root
        pipeline.fidelityEdges = cells
        pipeline.characterizeEdges = cells
        pipeline.dynamicsPoints = dynamicsPoints
        pipeline.seed = seed
        let inputs = try referenceInputs("twomoon")
        return (network, catalog, root, inputs, try pipeline.map(network: network, inputs: inputs))
    }

    @Test func twomoonCellsAreCharacterizedOnSky130() throws {
        guard let (network, _, _, inputs, outcome) = try Self.mappedTwomoon(cells: 6, seed: 5, dynamicsPoints: 5) else { return }
        print(outcome.report.summary)
        let characterized = try #require(outcome.characterized)
        let fidelity = try #require(outcome.report.fidelity)
        let listed = characterized.layers.flatMap { layer in layer.edges.map { (layer.index, $0) } }
        #expect(listed.count == 6)
        #expect(characterized.networkDigest == CharacterizedEdges.digest(of: network))
        for (layer, edge) in listed {
            #expect(edge.status == .fitted, "layer \(layer) edge \(edge.edge): \(edge.note ?? "")")
            #expect(edge.points >= 24)
            let fit = try #require(edge.nrmse), ideal = try #require(edge.idealNrmse)
            let validation = try #require(edge.validationNrmse)
            // The same cells were calibrated: their des-current NRMSE against the ideal law is the fidelity report's.
            let calibrated = try #require(fidelity.edges.first { $0.layer == layer && $0.edge == edge.edge }?.nrmse)
            print("layer \(layer) edge \(edge.edge): fit \(fit), cross-validated \(validation), ideal \(ideal), fidelity \(calibrated)")
            #expect(fit < ideal && fit < calibrated)
            #expect(fit < 0.005 && validation < 0.01)
            // Cells are not ideal: their two outputs differ and carry offsets.
            #expect(edge.law.As != edge.law.Ad)
        }
        // The compiled simulator runs the characterized network; its outputs move, but not by much.
        let ideal = try Simulator(network: network, options: SimulationOptions(method: .exact)).run(batch: inputs)
        let chip = try Simulator(network: network, options: SimulationOptions(method: .exact, edges: .characterized(characterized)))
            .run(batch: inputs)
        let change = zip(ideal, chip).map { maxAbsDifference($0.states.last!, $1.states.last!) }.max() ?? 0
        print("largest output change with 6 characterized edges: \(change)")
        #expect(change > 0 && change < 0.1)

        // Every cell's capacitances were measured, and they move the outputs far less than the laws do.
        #expect(listed.allSatisfy { $0.1.dynamics?.points == 5 })
        #expect(CharacterizationSummary(characterized).summaryLines.last?.contains("capacitances measured for 6 of 6 edges") == true)
        var options = SimulationOptions(method: .exact, edges: .characterized(characterized))
        options.cellCapacitances = false
        let still = try Simulator(network: network, options: options).run(batch: inputs)
        let dynamic = zip(chip, still).map { maxAbsDifference($0.states.last!, $1.states.last!) }.max() ?? 0
        print("largest output change from 6 cells' capacitances: \(dynamic)")
        #expect(dynamic > 0 && dynamic < 0.01)
    }

    /// The admittance bench against what is known of the cells: its conductances are the slopes of the law fitted
    /// to the DC currents (the drive's sign and the units are right), and a terminal's own capacitance holds at
    /// least the gates the mapper counted on it (an output terminal adds its mirror's drains: up to 7 times as
    /// much on these cells).
    @Test func cellAdmittanceMatchesTheFittedLawsSlopes() throws {
        guard let (network, catalog, root, inputs, outcome) = try Self.mappedTwomoon(cells: 2, seed: 11) else { return }
        let circuit = outcome.circuit, characterized = try #require(outcome.characterized)
        let runner = FidelityRunner(mapper: Mapper(catalog: catalog), root: root, ngspice: try Ngspice.locate())
        let picks = FidelityRunner.sample(circuit, count: 2, seed: 11)
        let samples = try OperatingSamples.simulate(network: network, inputs: inputs)
        let measured = try runner.measureAdmittances(circuit, network: network, samples: samples, picks: picks, points: 6)
        let s = circuit.scaling
        for (a, pick) in zip(measured, picks) {
            #expect(a.failure == nil && a.conductance.count == 6)
            let law = try #require(characterized.layers[a.layer].edges.first { $0.edge == a.edge }).law
            let nodes = [a.src, a.des]
            for (j, (vs, vd)) in zip(a.vs, a.vd).enumerated() {
                let g = law.terminalConductances(vs: vs, vd: vd)
                for k in 0..<4 where nodes[k % 2] != 0 {
                    let slope = g[k] * s.beta(layer: a.layer) / s.alpha(layer: a.layer, node: nodes[k % 2])
                    let scale = a.conductance.map { $0.map(abs).max()! }.max()!
                    #expect(abs(a.conductance[j][k] - slope) < 0.05 * scale, "layer \(a.layer) edge \(a.edge) point \(j) entry \(k): \(a.conductance[j][k]) S measured, \(slope) S from the law")
                }
            }
            let gates = CellLoading.terminalGateCapacitance(row: pick.row, of: circuit.layers[pick.layer].cells,
                                                            kind: circuit.cellKinds[0], catalog: catalog)
            for (x, farads) in [(0, gates.src), (3, gates.des)] where nodes[x == 0 ? 0 : 1] != 0 && farads > 0 {
                let own = a.capacitance.map { $0[x] }
                print("layer \(a.layer) edge \(a.edge) entry \(x): \(own.map { String(format: "%.3g", $0) }) F measured, \(farads) F counted")
                #expect(own.allSatisfy { $0 > 0.5 * farads && $0 < 20 * farads })
            }
        }
    }

    @Test func fitsAreWrittenOnlyForMeasuredEdgesAndFallBackWithAReason() throws {
        guard let network = try upstreamNetwork("twomoon") else { print(SharedData.missingReason); return }
        let layer = network.layers[0]
        let p = layer.parameters
        let ideal = CommonEdgeLaw.ideal(family: .shiftTanh2, p0: p[0, 3], p1: p[1, 3], p2: p[2, 3])
        // A measurement of edge 3 with only the des current (as reports written before src was recorded).
        let vs = (0..<10).map { Double($0) / 3 - 1.5 }, vd = vs.map { -$0 }
        let current = zip(vs, vd).map { 0.98 * ideal.currents(vs: $0, vd: $1).des + 0.001 }
        var m = EdgeFidelity(layer: 0, edge: 3, src: Int(layer.edges.src[3]), des: Int(layer.edges.des[3]), p0: p[0, 3],
                             p1: p[1, 3], p2: p[2, 3], vs: vs, vd: vd, target: current, simulated: current, kclMismatch: 0,
                             nrmse: nil, correction: .identity)
        let runner = FidelityRunner(mapper: Mapper(catalog: try catalog("sky130").0), root: PDKRoot.resolve(), ngspice: try Ngspice.locate())
        let characterizer = EdgeCharacterizer(runner: runner)
        let scaling = Scaling(alpha: 0.01, beta: 1e-7, capacitance: 1e-13, vcm: 1, vdd: 1.8, swing: 0.2)
        var edges = characterizer.fit([m], network: network, scaling: scaling, source: "test")
        #expect(edges.layers[0].edges.map(\.status) == [.ideal])
        #expect(edges.layers[0].edges[0].note?.contains("src") == true)
        m.simulatedSrc = current
        edges = characterizer.fit([m], network: network, scaling: scaling, source: "test")
        let fitted = edges.layers[0].edges[0]
        #expect(fitted.status == .fitted && edges.layers[1].edges.isEmpty)
        // The points do not saturate, so only the currents they show are pinned down: the law reproduces them.
        let worst = zip(zip(vs, vd), current).map { abs(fitted.law.currents(vs: $0.0, vd: $0.1).des - $1) }.max()!
        #expect(worst < 1e-4 && fitted.nrmse! < 1e-4 && fitted.idealNrmse! > 1e-3)
        // Unlisted edges keep the family's law.
        let laws = edges.laws(layer: 0, network: network)
        #expect(laws[3] == fitted.law && laws[4] == CommonEdgeLaw.ideal(family: .shiftTanh2, p0: p[0, 4], p1: p[1, 4], p2: p[2, 4]))
    }
}

func maxAbsDifference(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
