import Foundation
import Testing
import KNModel
import KNProcess
import KNSimulate
import KNTestSupport
@testable import KNMap

@Suite("Mapping and scaling")
struct MapperTests {
    /// Automatic alpha puts the largest sampled node voltage at swing/1.1; tau = C·alpha/beta; every edge gets
    /// a cell and every node a capacitor of the chosen C.
    @Test func twomoonScalingFollowsTheSampledRange() throws {
        guard let network = try upstreamNetwork("twomoon") else { print(SharedData.missingReason); return }
        let (catalog, _) = try catalog("sky130")
        let samples = try OperatingSamples.simulate(network: network, inputs: try referenceInputs("twomoon"))
        let circuit = try Mapper(catalog: catalog).map(network: network, samples: samples)
        let s = circuit.scaling
        #expect(abs(s.alpha * samples.maximumMagnitude * 1.1 - s.swing) < 1e-12)
        #expect(abs(s.tau - s.capacitance * s.alpha / s.beta) <= 1e-15 * s.tau)
        #expect(circuit.layers.map(\.cells.count) == [300, 300])
        #expect(circuit.nodeCapacitors.count == 2)
        for c in circuit.nodeCapacitors { #expect(abs(c.nodeCapacitance(layer: 0) / s.capacitance - 1) < 0.01) }
        // Layer windows tile the forward pass.
        #expect(circuit.layers[0].startSeconds == 0 && abs(circuit.layers[1].endSeconds - 1.0 * s.tau) < 1e-18)
    }

    /// An edge that carries no current (switched off by retraining) gets no cell; the others keep their edge
    /// numbers and their sizes.
    @Test func switchedOffEdgesGetNoCell() throws {
        guard let network = try upstreamNetwork("twomoon") else { print(SharedData.missingReason); return }
        let (catalog, _) = try catalog("sky130")
        var pruned = network
        for e in [0, 7, 150] { for r in 0..<3 { pruned.layers[1].parameters[r, e] = 0 } }
        let samples = try OperatingSamples.simulate(network: network, inputs: try referenceInputs("twomoon"))
        let mapper = Mapper(catalog: catalog)
        let circuit = try mapper.map(network: pruned, samples: samples)
        #expect(circuit.layers.map(\.cells.count) == [300, 297])
        #expect(pruned.cellCounts == [300, 297])
        let edges = Set(circuit.layers[1].cells.edge.map(Int.init))
        #expect(!edges.contains(0) && !edges.contains(7) && !edges.contains(150) && edges.count == 297)
        // A user's LAYER:EDGE names the edge: edge 8 of layer 1 is row 6 now; edge 7 has no cell to pick.
        #expect(try MapPipeline.validate([FidelityRunner.Pick(layer: 1, row: 8), FidelityRunner.Pick(layer: 0, row: 8)], in: circuit)
                == [FidelityRunner.Pick(layer: 1, row: 6), FidelityRunner.Pick(layer: 0, row: 8)])
        #expect {
            try MapPipeline.validate([FidelityRunner.Pick(layer: 1, row: 7)], in: circuit)
        } throws: { "\($0)".contains("1:7") && "\($0)".contains("no cell") }
        // At one scaling, every remaining edge's cell is the cell it had before.
        let (name, law) = try Mapper.cellFamily(network.family)
        let kind = mapper.kind(named: name)
        let before = mapper.sizeLayers(network, samples: samples, kind: kind, law: law, scaling: circuit.scaling)[1].layer.cells
        let after = mapper.sizeLayers(pruned, samples: samples, kind: kind, law: law, scaling: circuit.scaling)[1].layer.cells
        for e in [1, 8, 151, 299] {
            let a = try #require(after.edge.firstIndex(of: Int32(e))), b = try #require(before.edge.firstIndex(of: Int32(e)))
            #expect(after.cell(a).fingers == before.cell(b).fingers && after.cell(a).bias == before.cell(b).bias)
        }
    }

    /// The node capacitance carries the cells' input gates (every layer's, at most a quarter of the node) and
    /// is large enough that tau is ten times the slowest cell's settling; a user C too small for either is
    /// listed, by layer and by node, with the C that would do.
    @Test func nodeCapacitanceCarriesTheCellLoadAndSettling() throws {
        guard let network = try upstreamNetwork("twomoon") else { print(SharedData.missingReason); return }
        let (catalog, _) = try catalog("sky130")
        let samples = try OperatingSamples.simulate(network: network, inputs: try referenceInputs("twomoon"))
        let circuit = try Mapper(catalog: catalog).map(network: network, samples: samples)
        let s = circuit.scaling, options = MapOptions()
        // Each node's load is every cell input gate bound to it: fingers × Cgg per finger of the input devices.
        let kind = try #require(circuit.cellKinds.first)
        let cgg = try #require(catalog.gateCapacitance[.n]?[.input])
        var load = [0.0, 0.0]
        for layer in circuit.layers {
            for c in 0..<layer.cells.count {
                let cell = layer.cells.cell(c)
                for (p, port) in kind.cellPorts.enumerated() {
                    let node = cell.ports[p] == .src ? cell.src : cell.ports[p] == .des ? cell.des : 0
                    guard node > 0 else { continue }
                    for (i, slot) in kind.slots.enumerated() where slot.gate == port { load[node - 1] += Double(cell.fingers[i]) * cgg }
                }
            }
        }
        for node in circuit.nodeCapacitors {
            let cells = try #require(node.cellCapacitance)
            #expect(abs(cells / load[node.node - 1] - 1) < 1e-9)
            #expect(cells > 1e-10, "300 cells per layer hang hundreds of pF on each twomoon node")
            #expect(cells <= options.cellLoadFraction * node.nodeCapacitance(layer: 0) * 1.001)
            #expect(abs(node.nodeCapacitance(layer: 0) / s.capacitance - 1) < 0.01)
        }
        for layer in circuit.layers {
            let settling = try #require(layer.settlingSeconds)
            #expect(settling > 0)
            #expect(s.tau(layer: layer.index) >= 0.999 * options.settlingRatio * settling)
        }
        #expect(!circuit.issues.contains { $0.quantity.contains("tau") || $0.quantity.contains("cell gate") })
        let small = try Mapper(catalog: catalog, options: MapOptions(capacitance: 1e-12)).map(network: network, samples: samples)
        #expect(small.issues.filter { $0.quantity.hasPrefix("tau per model time unit") }.map(\.layer) == [0, 1])
        let loaded = small.issues.filter { $0.quantity.contains("cell gate capacitance") }
        #expect(loaded.count == 2 && loaded.allSatisfy { $0.fix.contains("--cap") })
    }

    /// A fixed alpha too large for the range puts nodes on the rails: the report lists them and the clamped
    /// model shows the outputs move.
    @Test func railNodesAreReportedAndClipped() throws {
        guard let network = try upstreamNetwork("twomoon") else { print(SharedData.missingReason); return }
        let (catalog, _) = try catalog("sky130")
        var pipeline = MapPipeline(catalog: catalog, options: MapOptions(alpha: 0.03))
        pipeline.fidelityEdges = 0
        let (_, report) = try pipeline.run(network: network, inputs: try referenceInputs("twomoon"))
        #expect(!report.railNodes.isEmpty)
        #expect(report.railNodes.allSatisfy { $0.magnitude > $0.limit && abs($0.limit - 0.2 / 0.03) < 1e-9 })
        let clipping = try #require(report.clipping)
        #expect(clipping.maxOutputChange > 0.1)
    }

    /// Weights the process cannot realise are listed by edge with the limit and a fix, never clipped silently.
    @Test func unrealisableDegenerationIsListedByEdge() throws {
        guard let network = try upstreamNetwork("twomoon") else { print(SharedData.missingReason); return }
        let (catalog, _) = try catalog("sky130")
        let samples = try OperatingSamples.simulate(network: network, inputs: try referenceInputs("twomoon"))
        // alpha 50x smaller than automatic: every weight needs a degeneration below the triode stack's range.
        let automatic = try Mapper(catalog: catalog).map(network: network, samples: samples).scaling.alpha
        let circuit = try Mapper(catalog: catalog, options: MapOptions(alpha: automatic / 1000)).map(network: network, samples: samples)
        #expect(circuit.issues.count > 100)
        let issue = try #require(circuit.issues.first { $0.quantity.contains("degeneration") })
        #expect(issue.edge >= 0 && issue.limit.contains("triode stack") && !issue.fix.isEmpty)
    }

    /// A tanh weight so small that the largest degeneration stack would realise more than twice it is left out
    /// (both of its front end's gates on V_CM, no tails), and listed with the reason; twomoon's layer 0 edge 37
    /// (p0 = 3e-4, where the largest stack gives about 0.005) is one.
    @Test func tinyTanhWeightsAreLeftOutAndListed() throws {
        guard let network = try upstreamNetwork("twomoon") else { print(SharedData.missingReason); return }
        let (catalog, _) = try catalog("sky130")
        let samples = try OperatingSamples.simulate(network: network, inputs: try referenceInputs("twomoon"))
        let circuit = try Mapper(catalog: catalog).map(network: network, samples: samples)
        let leftOut = circuit.issues.filter { $0.limit.contains("left out") }
        #expect(leftOut.contains { $0.layer == 0 && $0.edge == 37 && $0.quantity == "degeneration of input s (ohm)" })
        let kind = try #require(circuit.cellKinds.first)
        for issue in leftOut {
            let cells = circuit.layers[issue.layer].cells
            let c = try #require((0..<cells.count).first { Int(cells.edge[$0]) == issue.edge })
            let cell = cells.cell(c)
            let (first, tail) = issue.quantity.contains("input s") ? (2, "ifs") : (4, "ifd")
            #expect(cell.ports[first] == .vcm && cell.ports[first + 1] == .vcm, "layer \(issue.layer) edge \(issue.edge)")
            #expect(cell.bias[kind.biasIndex(tail)] == 0)
            #expect(issue.fix.contains("raise --alpha"))
        }
        // Weights the stack realises within twice are built and listed with what was realised.
        #expect(circuit.issues.allSatisfy { !$0.quantity.contains("degeneration") || $0.limit.contains("left out") || $0.limit.contains("realised") })
    }

    /// The sign of a relu edge picks which node is sunk and which is sourced; the sign of each weight picks
    /// which device of its front end the node drives; the scales of src and des set each front end's G.
    @Test func reluSignSelectsTheOutputOrientation() throws {
        let (catalog, _) = try catalog("sky130")
        let mapper = Mapper(catalog: catalog)
        let kind = mapper.kind(named: "relu2")
        // src at 10 mV/unit, des at 20 mV/unit.
        let scaling = Scaling(alpha: 0.02, beta: 100e-9, capacitance: 1e-12, vcm: 1, vdd: 1.8, swing: 0.2,
                              nodeAlpha: [[0.01, 0.02]])
        var issues: [MappingIssue] = []
        for (p1, sink, source) in [(0.5, PortBinding.src, PortBinding.des), (-0.5, .des, .src)] {
            let law = try Mapper.cellFamily(.shiftRelu1).law(0.1, p1, 0)
            let place = EdgePlace(layer: 0, edge: 0, src: 1, des: 2, p0: 0.1, p1: p1, p2: 0, law: law,
                                  srcRange: (-5, 5), desRange: (-5, 5))
            let cell = mapper.sizeRelu(place, scaling: scaling, kind: kind, correction: .identity, issues: &issues)
            // vs − vd: src drives device 1 of front end S, des drives device 2 of front end D.
            #expect(cell.ports == [.src, .vcm, .vcm, .des, sink, source])
            // G_u = beta_c·|w_u|/alpha_u with beta_c = beta·|p1|/r (r the output finger ratio), within the stack grid.
            let betaC = cell.design[2], ratio = cell.design[3]
            #expect(abs(betaC * ratio - 100e-9 * 0.5) < 1e-15)
            #expect(abs(cell.design[0] / (betaC / 0.01) - 1) < 0.02)
            #expect(abs(cell.design[1] / (betaC / 0.02) - 1) < 0.02)
            // The knee vs − vd = p0 > 0 is an offset current beta_c·p0 sunk from node x.
            #expect(abs(cell.bias[kind.biasIndex("ioffn")] - betaC * 0.1) < 1e-15 && cell.bias[kind.biasIndex("ioffp")] == 0)
        }
        #expect(issues.isEmpty)
    }

    /// A small |p1| is realised with a larger internal current and a dividing output ratio, not a clipped resistor.
    @Test func smallReluSlopeUsesAnOutputRatio() throws {
        let (catalog, _) = try catalog("sky130")
        let mapper = Mapper(catalog: catalog)
        let kind = mapper.kind(named: "relu2")
        let scaling = Scaling(alpha: 0.02, beta: 10e-9, capacitance: 1e-12, vcm: 1, vdd: 1.8, swing: 0.2)
        var issues: [MappingIssue] = []
        let law = try Mapper.cellFamily(.shiftRelu1).law(0.0, 0.02, 0)
        let place = EdgePlace(layer: 0, edge: 0, src: 1, des: 2, p0: 0, p1: 0.02, p2: 0, law: law, srcRange: (-5, 5), desRange: (-5, 5))
        let cell = mapper.sizeRelu(place, scaling: scaling, kind: kind, correction: .identity, issues: &issues)
        #expect(issues.isEmpty, "\(issues)")
        #expect(cell.design[3] < 1)
        // The copies divide as stacks of one-finger units; the diode stays as narrow as its own current allows.
        let dx = kind.slotIndex("DX"), diode = cell.fingers[dx]
        for name in ["NS", "NP"] {
            let slot = kind.slotIndex(name), cascode = kind.slotIndex(name + "C")
            #expect(cell.fingers[slot] == 1 && cell.series[slot] > 1, "\(name)")
            #expect(abs(Double(cell.fingers[slot]) / Double(diode * cell.series[slot]) - cell.design[3]) < 1e-12, "\(name)")
            #expect(cell.fingers[cascode] == 1 && kind.units(cascode, series: cell.series[cascode]) == 1, "\(name)C is one device")
        }
        #expect(cell.fingers[kind.slotIndex("DXC")] == diode)
        #expect(cell.series[dx] == 1, "the diode is not a stack")
        #expect(Double(diode) < 1 / cell.design[3], "a finger ratio would have made the diode 1/r fingers wide")
    }

    /// An edge that passes its knee by a tenth of a unit on the samples, at tens of µV per unit, needs front ends
    /// thousands of times its rectifier's current: it is listed, with the window it uses; one that reaches well
    /// past its knee is not.
    @Test func reluEdgesBarelyPastTheirKneeAreListed() throws {
        let (catalog, _) = try catalog("sky130")
        let mapper = Mapper(catalog: catalog)
        let kind = mapper.kind(named: "relu2")
        let scaling = Scaling(alpha: 42e-6, beta: 1e-9, capacitance: 1e-12, vcm: 1, vdd: 1.8, swing: 0.2)
        let law = try Mapper.cellFamily(.shiftRelu1).law(0.0, 0.01, 0)
        func issues(reaching high: Double?) -> [MappingIssue] {
            var place = EdgePlace(layer: 0, edge: 0, src: 1, des: 0, p0: 0, p1: 0.01, p2: 0, law: law,
                                  srcRange: (-3000, 60), desRange: (0, 0))
            place.visited = high.map { (-3000, $0) }
            var issues: [MappingIssue] = []
            _ = mapper.sizeRelu(place, scaling: scaling, kind: kind, correction: .identity, issues: &issues)
            return issues.filter { $0.quantity.hasPrefix("front-end current") }
        }
        let barely = issues(reaching: 0.01)
        #expect(barely.count == 1)
        #expect((barely.first?.value ?? 0) > mapper.maximumTailRatio)
        #expect(barely.first?.fix.contains("0.01 units") == true, "\(barely)")
        #expect(issues(reaching: 50).isEmpty)
        #expect(issues(reaching: nil).isEmpty, "without visited points the cell is sized from its ranges alone")
        #expect(issues(reaching: -1).isEmpty, "an edge that never conducts on the samples is off, not imprecise")
    }

    /// A relu front end whose input spans thousands of units below a knee it passes by one unit is linear only
    /// down to where the argument can still reach −top; a cell with a negative branch needs the whole span.
    @Test func reluFrontEndsClipBelowTheKnee() throws {
        let (catalog, _) = try catalog("sky130")
        let mapper = Mapper(catalog: catalog)
        let kind = mapper.kind(named: "relu2")
        let scaling = Scaling(alpha: 0.01, beta: 1e-9, capacitance: 1e-9, vcm: 1, vdd: 1.8, swing: 0.2)
        var issues: [MappingIssue] = []
        // Tails per ampere of internal scale, and the cell.
        func size(_ family: EdgeFamily) throws -> (s: Double, d: Double, cell: Cell) {
            let law = try Mapper.cellFamily(family).law(0.1, 0.5, 0)
            let place = EdgePlace(layer: 0, edge: 0, src: 1, des: 2, p0: 0.1, p1: 0.5, p2: 0, law: law,
                                  srcRange: (-150, 0.6), desRange: (-0.5, 190))
            let cell = mapper.sizeRelu(place, scaling: scaling, kind: kind, correction: .identity, issues: &issues)
            let betaC = cell.design[2]
            return (cell.bias[kind.biasIndex("ifs")] / betaC, cell.bias[kind.biasIndex("ifd")] / betaC, cell)
        }
        // x = vs − vd − 0.1 tops at 1.0; x ≥ −1 needs vs ≥ −1 − 0.4 and −vd ≥ −1 − 0.5.
        let shares = [(low: -150.0, high: 0.6), (low: -190.0, high: 0.5)]
        #expect(abs(mapper.frontEndReach(shares, input: 0, top: 1, clips: true) - 1.4) < 1e-12)
        #expect(abs(mapper.frontEndReach(shares, input: 1, top: 1, clips: true) - 1.5) < 1e-12)
        #expect(mapper.frontEndReach(shares, input: 1, top: 1, clips: false) == 190)
        let relu = try size(.shiftRelu1), leaky = try size(.shiftLeakyRelu1)
        // The leaky cell builds its negative branch and needs the whole reach; the relu's tails fall to the floor
        // that keeps 1/gm below the degeneration (27× and 34× less here).
        #expect(leaky.cell.fingers[kind.slotIndex("DY")] > 0 && relu.cell.fingers[kind.slotIndex("DY")] == 0)
        #expect(relu.s < leaky.s / 20 && relu.d < leaky.d / 20, "\(relu.s) \(relu.d) against \(leaky.s) \(leaky.d)")
        #expect(issues.isEmpty, "\(issues)")
    }

    /// Every current mirror of a sized cell is scaled as a whole until its smallest device meets the matching
    /// target (the ratios stay); the stacked relu diode and the tanh loads' sinks and sources keep their sizing.
    @Test func mirrorsAreSizedForMatching() throws {
        let (catalog, _) = try catalog("sky130")
        let sigma = 0.03
        var options = MapOptions()
        options.mirrorMismatch = sigma
        let mapper = Mapper(catalog: catalog, options: options)
        var plain = options
        plain.mirrorMismatch = nil
        let unmatched = Mapper(catalog: catalog, options: plain)
        let tanh = mapper.kind(named: "tanh2")
        let names = Mapper.mirrorGroups(tanh).map { $0.map { tanh.slots[$0].name } }
        #expect(names.contains(["TD1", "TD2", "BD"]) && names.contains(["TQ", "BQ"]) && names.contains(["PL", "PLO", "PLN"]))
        #expect(!names.joined().contains { ["MS1", "QL", "FP", "RS", "PLC"].contains($0) })
        #expect(!names.joined().contains { ["ON", "OP", "BO", "SP", "SN"].contains($0) }, "sinks and sources on the loads keep their sizing")
        let relu = mapper.kind(named: "relu2")
        let reluNames = Mapper.mirrorGroups(relu).map { $0.map { relu.slots[$0].name } }.joined()
        #expect(reluNames.contains("TD1") && !reluNames.contains("DX"), "the stacked rectifier diode keeps its sizing")

        let scaling = Scaling(alpha: 0.01, beta: 100e-9, capacitance: 1e-9, vcm: 1, vdd: 1.8, swing: 0.2)
        let law = try Mapper.cellFamily(.shiftTanh2).law(0.8, -1.3, 0.2)
        let place = EdgePlace(layer: 0, edge: 0, src: 1, des: 2, p0: 0.8, p1: -1.3, p2: 0.2, law: law,
                              srcRange: (-20, 20), desRange: (-20, 20))
        var issues: [MappingIssue] = []
        let matched = mapper.size(place, kind: tanh, scaling: scaling, correction: .identity, issues: &issues)
        let base = unmatched.size(place, kind: tanh, scaling: scaling, correction: .identity, issues: &issues)
        for group in Mapper.mirrorGroups(tanh) {
            let present = group.filter { base.fingers[$0] > 0 }
            guard let first = present.first else { continue }
            let factor = matched.fingers[first] / base.fingers[first]
            for m in present {
                #expect(matched.fingers[m] == factor * base.fingers[m], "\(tanh.slots[m].name) keeps its group's ratio")
                let slot = tanh.slots[m]
                let area = Double(matched.fingers[m]) * slot.fingerWidthUm * slot.lengthUm
                let gm = try #require(catalog.weakInversionGmOverID[slot.polarity]?[slot.role])
                let mismatch = gm * (catalog.thresholdMismatch[slot.polarity] ?? 1) / area.squareRoot()
                #expect(mismatch <= sigma * 1.0001 || matched.fingers[m] * 2 > mapper.maximumMatchedFingers,
                        "\(slot.name): \(mismatch)")
            }
        }
        for (i, slot) in tanh.slots.enumerated() where ![.tail, .diode, .mirror].contains(slot.role) {
            #expect(matched.fingers[i] == base.fingers[i], "\(slot.name) is not a mirror")
        }
        #expect(matched.bias == base.bias && matched.series == base.series)
    }

    /// Chosen fidelity edges must be in the circuit; one that is not is refused with the range that would do.
    @Test func chosenFidelityEdgesAreChecked() throws {
        guard let network = try upstreamNetwork("twomoon") else { print(SharedData.missingReason); return }
        let (catalog, _) = try catalog("sky130")
        let samples = try OperatingSamples.simulate(network: network, inputs: try referenceInputs("twomoon"))
        let circuit = try Mapper(catalog: catalog).map(network: network, samples: samples)
        let good = [FidelityRunner.Pick(layer: 1, row: 299), FidelityRunner.Pick(layer: 0, row: 0)]
        #expect(try MapPipeline.validate(good, in: circuit) == good)
        for (bad, text) in [(FidelityRunner.Pick(layer: 2, row: 0), "0..<2"), (FidelityRunner.Pick(layer: 0, row: 300), "0..<300")] {
            #expect {
                try MapPipeline.validate([bad], in: circuit)
            } throws: { "\($0)".contains(text) && "\($0)".contains("\(bad.layer):\(bad.row)") }
        }
    }
}
