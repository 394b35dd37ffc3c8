import Foundation
import KNMap
import KNModel
import KNProcess
import KNTestSupport
import Testing
@testable import KNEmit

/// The transistor netlist's text, without running ngspice: a two-layer ShiftTanh2 network on three nodes
/// mapped onto sky130, with a per-node scale that falls at layer 1 and so a capacitor bank on node 2.
@Suite("Transistor netlist text")
struct TransistorNetlistTests {
    /// Layer 0: 1→2, 0→1, 2→0 (edges touching model ground); layer 1: 2→1, 1→2, 3→1 (node 3 joins).
    static func network() -> Network {
        let l0 = Layer(generator: nil, edges: EdgeList(src: [1, 0, 2], des: [2, 1, 0]),
                       parameters: ParameterMatrix(rows: 3, columns: 3, values: [0.8, 0, 1.2, -0.5, 0.4, 0, 0.1, -0.2, 0.3]))
        let l1 = Layer(generator: nil, edges: EdgeList(src: [2, 1, 3], des: [1, 2, 1]),
                       parameters: ParameterMatrix(rows: 3, columns: 3, values: [1.1, -0.7, 0.6, 0.3, 0.5, -0.9, 0, 0.2, -0.1]))
        return Network(family: .shiftTanh2, layers: [l0, l1], anchors: [0, 0.5, 1], block: .plain, fill: .zeros)
    }

    /// The mapped circuit with node 2's scale halved at layer 1 and the matching bank (as the mapper's per-node
    /// scaling would build it).
    /// Every test shares one mapped circuit.
    static let mapped = Result { try mapCircuit() }

    static func circuit() throws -> (MappedCircuit, ProcessDescription, PDKRoot) { try mapped.get() }

    static func mapCircuit() throws -> (MappedCircuit, ProcessDescription, PDKRoot) {
        let (catalog, root) = try TransistorSupport.catalog("sky130")
        let net = network()
        let samples = try OperatingSamples.simulate(network: net, inputs: [[0.5, -1, 0], [-1.5, 0.7, 0], [2, 1, 0]])
        var circuit = try Mapper(catalog: catalog).map(network: net, samples: samples)
        let a = circuit.scaling.alpha
        circuit.scaling.nodeAlpha = [[a, a, a], [a, a / 2, a]]
        let base = circuit.nodeCapacitors[1]
        circuit.nodeCapacitors[1].banks = [CapacitorBank(layer: 1, capacitance: base.capacitance, sideUm: base.sideUm, units: base.units)]
        return (circuit, catalog.process, root)
    }

    static func written(_ inputs: [Double], options: TransistorNetlistOptions = TransistorNetlistOptions(),
                        cards: TransistorModelCards? = nil) throws -> (String, TransistorNetlist, MappedCircuit) {
        let (circuit, process, root) = try circuit()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kn-transistor-text-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let netlist = try TransistorNetlistWriter.write(circuit, process: process, root: root, inputs: inputs,
                                                        to: dir.appendingPathComponent("t.cir"), options: options, cards: cards)
        return (try String(contentsOf: netlist.url, encoding: .utf8), netlist, circuit)
    }

    @Test func headerStatesTheScalingAndIdealElementsAreSourcesOnly() throws {
        let (text, _, circuit) = try Self.written([0.5, -1])
        let s = circuit.scaling
        for needle in ["alpha = \(s.alpha) V/unit", "beta = \(s.beta) A/unit", "C = \(s.capacitance) F", "tau = \(s.tau) s",
                       "V_CM = \(s.vcm) V", "supplies: vdd = 1.8 V, vss = 0.0 V", "per-node scales"] {
            #expect(text.contains(needle), "header lacks \(needle)")
        }
        // Foundry models and the capacitor's model files are loaded.
        #expect(text.contains("sky130_fd_pr__nfet_01v8__tt.pm3.spice") && text.contains("sky130_fd_pr__cap_mim_m3_1.model.spice"))
        // Independent sources: supplies, references, switch drive; current sources: the cells' bias references only.
        // The circuit part (the control block's commands are not elements).
        let lines = text.split(separator: "\n").map(String.init).prefix { $0 != ".control" }
        #expect(lines.count < text.split(separator: "\n").count)
        let voltageSources = lines.filter { $0.hasPrefix("V") }.map { String($0.split(separator: " ")[0]) }
        #expect(Set(voltageSources) == ["Vvdd", "Vvss", "Vvcm", "Vvbnc", "Vvbpc", "Ven0", "Venb0", "Ven1", "Venb1",
                                        "Vrs1", "Vrsb1", "Vjn1", "Vjnb1"])
        let elementKinds = Set(lines.filter { !$0.hasPrefix("*") && !$0.hasPrefix(".") && !$0.hasPrefix("+") && !$0.isEmpty }.map { $0.first! })
        #expect(elementKinds.isSubset(of: ["V", "X", "I", "M"]), "unexpected element kinds \(elementKinds)")
        #expect(!text.lowercased().contains(" uic"))
    }

    /// A nominal netlist writes sky130's bin cards once and names each transistor's bin; the subcircuit form (and
    /// every netlist with a mismatch seed) instantiates the foundry's wrappers. The ngspice run of both forms is
    /// compared in the transistor flow tests.
    @Test func nominalNetlistsNameEachTransistorsBin() throws {
        let (text, netlist, _) = try Self.written([0.5, -1])
        let lines = text.split(separator: "\n").map(String.init)
        #expect(text.contains("* transistor models: pre-binned"))
        // The cards: 180 nfet and 108 pfet bins, once, after the wrapper's instance defaults.
        let cards = lines.filter { $0.hasPrefix(".model sky130_fd_pr__") }
        #expect(lines.filter { $0.hasPrefix(".model sky130_fd_pr__nfet_01v8__model.") }.count == 180)
        #expect(lines.filter { $0.hasPrefix(".model sky130_fd_pr__pfet_01v8__model.") }.count == 108)
        #expect(Set(cards).count == cards.count)
        #expect(text.contains("\n.param l=1 w=1 mult=1\n"))
        // Every transistor is an M line naming one of those cards, with the wrapper's zero layout parameters.
        let defined = Set(cards.map { String($0.split(separator: " ")[1]) })
        let mosfets = lines.filter { $0.hasPrefix("M") }
        #expect(mosfets.count >= netlist.statistics.mosfets / 2)
        for line in mosfets {
            let tokens = line.split(separator: " ").map(String.init)
            #expect(defined.contains(tokens[5]), "\(line) names no card")
            #expect(line.hasSuffix(" ad=0 as=0 pd=0 ps=0 nrd=0 nrs=0 sa=0 sb=0 sd=0"))
        }
        #expect(!lines.contains { $0.contains(" sky130_fd_pr__nfet_01v8 w=") || $0.contains(" sky130_fd_pr__pfet_01v8 w=") })
        // A 2 µm wide nfet of 2 fingers, 0.5 µm long, bins on its 1 µm finger: the card whose limits hold 1e-6 and 5e-7.
        let (_, process, root) = try Self.circuit()
        let lifted = try PrebinnedModels(process: process, corner: process.defaultCorner, root: root)
        let bin = try lifted.bin(of: try process.device(polarity: .n), widthUm: 2, lengthUm: 0.5, fingers: 2)
        #expect(bin.contains(length: 5e-7, width: 1e-6) && !bin.contains(length: 5e-7, width: 2e-6))
        #expect(throws: ProcessError.self) { try lifted.bin(of: try process.device(polarity: .n), widthUm: 2, lengthUm: 500, fingers: 1) }

        for options in [TransistorNetlistOptions(prebinned: false), TransistorNetlistOptions(mismatchSeed: 3)] {
            let (wrapped, _, _) = try Self.written([0.5, -1], options: options)
            #expect(!wrapped.contains(".model sky130_fd_pr__") && wrapped.contains(" sky130_fd_pr__nfet_01v8 w="))
            #expect(wrapped.contains("* transistor models: foundry subcircuits"))
        }

        // Cards decided once for a run write the same netlist; cards decided for the other mismatch setting are refused.
        let nominal = TransistorModelCards(process: process, corner: process.defaultCorner, root: root, mismatch: false)
        #expect(try Self.written([0.5, -1], cards: nominal).0 == text)
        #expect(throws: EmitError.self) { try Self.written([0.5, -1], options: TransistorNetlistOptions(mismatchSeed: 3), cards: nominal) }
        let drawn = TransistorModelCards(process: process, corner: process.defaultCorner, root: root, mismatch: true)
        #expect(drawn.prebinned == nil && drawn.summary.hasSuffix("mismatch is drawn per instance"))
        #expect(throws: EmitError.self) { try Self.written([0.5, -1], cards: drawn) }
    }

    /// Nodesets name only the nets every cell of a kind names alike: not the ports, not the inner nets of stacks.
    @Test func nodesetsNameTheCellsOwnNets() throws {
        let typical = CellNodesets(volts: ["tanh2": ["tq": 0.31, "bq": 0.56, "src": 1.0, "rd_1": 0.5]])
        let (text, _, circuit) = try Self.written([0.5, -1], options: TransistorNetlistOptions(start: .nodesets(typical)))
        let lines = text.split(separator: "\n").map(String.init)
        let nodesets = lines.filter { $0.hasPrefix(".nodeset") }
        #expect(nodesets.count == lines.filter { $0.hasPrefix(".subckt kn_tanh2_") }.count)
        #expect(nodesets.allSatisfy { $0 == ".nodeset v(bq)=0.56 v(tq)=0.31" || $0 == ".nodeset v(tq)=0.31 v(bq)=0.56" })
        // Each sits inside its subcircuit, just before .ends.
        for (i, line) in lines.enumerated() where line.hasPrefix(".nodeset") { #expect(lines[i + 1].hasPrefix(".ends kn_tanh2_")) }
        #expect(text.contains("* operating-point start:"))
        #expect(CellNodesets.pay(for: circuit))
        let (none, _, _) = try Self.written([0.5, -1])
        #expect(!none.contains(".nodeset"))
    }

    /// A settle phase turns the typical nets into pull sources that vanish before anchor 0, holds the nodes at
    /// their inputs meanwhile, keeps every switch open and moves the anchors later by the phase.
    @Test func settlePhasePullsFadeBeforeTheNetworkStarts() throws {
        let typical = CellNodesets(volts: ["tanh2": ["tq": 0.31, "bq": 0.56, "src": 1.0]])
        let phase = SettlePhase(duration: 0.05)
        let (text, netlist, circuit) = try Self.written([0.5, -1], options: TransistorNetlistOptions(start: .settle(typical, phase)))
        let (plain, plainNetlist, _) = try Self.written([0.5, -1])
        let lines = text.split(separator: "\n").map(String.init)
        let settle = 0.05 * circuit.shortestTau
        #expect(netlist.schedule.settle == settle)
        #expect(zip(netlist.schedule.anchorTimes, plainNetlist.schedule.anchorTimes).allSatisfy { abs($0 - $1 - settle) < 1e-15 })
        // Every subcircuit pulls its two typical nets (not the port src), and nothing else is a nodeset.
        let fadeEnd = String(format: "%.9g", 0.5 * settle)
        let pulls = lines.filter { $0.hasPrefix("Bpull") }
        #expect(pulls.count == 2 * lines.filter { $0.hasPrefix(".subckt kn_tanh2_") }.count)
        #expect(pulls.contains("Bpull0 tq 0 I=0.001*max(0,1-time/\(fadeEnd))*max(0,1-time/\(fadeEnd))*(v(tq)-0.31)")
                || pulls.contains("Bpull1 tq 0 I=0.001*max(0,1-time/\(fadeEnd))*max(0,1-time/\(fadeEnd))*(v(tq)-0.31)"))
        #expect(!text.contains(".nodeset") && !plain.contains("Bpull") && !plain.contains("Bhold"))
        // The input drive holds both input nodes (and node 3, at V_CM) until one ramp before anchor 0.
        let holds = lines.filter { $0.hasPrefix("Bhold") }
        #expect(holds.count == 3 && holds[0].hasPrefix("Bhold1 n1 0 I=0.01*min(1,max(0,(\(String(format: "%.9g", settle - netlist.schedule.ramp))-time)/"))
        // The pulls and the hold are exactly zero from anchor 0 on, by their formulas.
        let s = circuit.scaling
        #expect(holds[0].hasSuffix("*(v(n1)-\(String(format: "%.12g", s.vcm + s.alpha(layer: 0, node: 1) * 0.5)))"))
        // Layer 0's switches are open until the phase ends and cross over at anchor 0.
        let en0 = try #require(lines.first { $0.hasPrefix("Ven0 ") })
        #expect(en0.hasPrefix("Ven0 en0 0 PWL(0.0 0.0 ") && en0.contains(" \(TextSink.format(netlist.schedule.anchorTimes[0])) 0.9 "))
        #expect(text.contains("* settle phase: [0, \(settle)) s"))
        // A phase that leaves no time between the pulls and the switches is refused with its place.
        #expect(throws: EmitError.self) {
            try Self.written([0.5, -1], options: TransistorNetlistOptions(start: .settle(typical, SettlePhase(duration: 0.0015, fade: 0.5))))
        }
        #expect(throws: EmitError.self) {
            try Self.written([0.5, -1], options: TransistorNetlistOptions(start: .settle(typical, SettlePhase(duration: 0.05, fade: 1))))
        }
    }

    @Test func initialConditionsHoldTheInputsAtTheLayerZeroScale() throws {
        let (text, netlist, circuit) = try Self.written([0.5, -1])
        let s = circuit.scaling
        let f = { (v: Double) in TextSink.format(v) }
        #expect(text.contains(".ic v(n1)=\(f(s.vcm + s.alpha(layer: 0, node: 1) * 0.5)) v(n2)=\(f(s.vcm + s.alpha(layer: 0, node: 2) * -1)) v(n3)=\(f(s.vcm))"))
        // The bank starts at V_CM.
        #expect(text.contains("v(bk2_0)=\(f(s.vcm))"))
        #expect(netlist.initialState == [0.5, -1, 0])
        #expect(netlist.stateWidths == [2, 2, 3])
        // Too many inputs are refused with the place.
        let (c, process, root) = try Self.circuit()
        #expect(throws: EmitError.self) {
            try TransistorNetlistWriter.write(c, process: process, root: root, inputs: [1, 2, 3, 4], to: FileManager.default.temporaryDirectory.appendingPathComponent("never.cir"))
        }
    }

    @Test func nodeCapacitorsAndBanksAreUnitsWithResetAndJoinGates() throws {
        let (text, _, circuit) = try Self.written([0.5, -1])
        let lines = text.split(separator: "\n").map(String.init)
        for cap in circuit.nodeCapacitors {
            // One instance stands for the node's units: m for the circuit, mf for sky130's mismatch draw.
            let units = lines.filter { $0.hasPrefix("XC\(cap.node) ") }
            #expect(units.count == 1)
            #expect(units.allSatisfy { $0.contains(" n\(cap.node) vss sky130_fd_pr__cap_mim_m3_1 w=") })
            #expect(units.allSatisfy { $0.hasSuffix(" mf=\(cap.units) m=\(cap.units)") })
        }
        let bankUnits = lines.filter { $0.hasPrefix("XC2_b0 ") }
        #expect(bankUnits.count == 1)
        #expect(bankUnits.allSatisfy { $0.contains(" bk2_0 vss sky130_fd_pr__cap_mim_m3_1 ") })
        #expect(bankUnits.allSatisfy { $0.hasSuffix(" mf=\(circuit.nodeCapacitors[1].banks[0].units) m=\(circuit.nodeCapacitors[1].banks[0].units)") })
        let reset = try #require(lines.first { $0.hasPrefix("XR2_0 ") })
        let join = try #require(lines.first { $0.hasPrefix("XJ2_0 ") })
        #expect(reset.hasPrefix("XR2_0 bk2_0 vcm rs1 rsb1 vdd vss kn_tgate"))
        #expect(join.hasPrefix("XJ2_0 bk2_0 n2 jn1 jnb1 vdd vss kn_tgate"))
        // Nodes without banks have none.
        #expect(!lines.contains { $0.hasPrefix("XR1_") || $0.hasPrefix("XJ1_") || $0.hasPrefix("XR3_") })
        // The reset opens before the anchor, the join closes after it.
        let schedule = try TransistorSchedule(circuit, switchRamp: TransistorNetlistOptions().switchRamp)
        let t1 = schedule.anchorTimes[1]
        #expect(schedule.reset(layer: 1).allSatisfy { $0.0 < t1 || $0.1 == 0 })
        #expect(schedule.join(layer: 1).allSatisfy { $0.0 <= t1 ? $0.1 == 0 : true })
    }

    @Test func everyCellOutputHasALayerSwitchAndADumpGate() throws {
        let (text, netlist, circuit) = try Self.written([0.5, -1])
        let lines = text.split(separator: "\n").map(String.init)
        let kind = circuit.cellKinds[0]
        #expect(kind.outputPorts == ["src", "des"])
        var expectedGates = 0
        for layer in circuit.layers {
            for c in 0..<layer.cells.count {
                let cell = layer.cells.cell(c)
                let instance = try #require(lines.first { $0.hasPrefix("XL\(layer.index)_\(c) ") })
                let nets = instance.split(separator: " ").map(String.init)
                // Ports: src des as1 as2 ad1 ad2 vdd vss vbnc vbpc, then the subcircuit.
                for (p, node) in [(1, cell.src), (2, cell.des)] {
                    let port = kind.cellPorts[p - 1]
                    if node == 0 {
                        #expect(nets[p] == "vcm", "layer \(layer.index) cell \(c): output \(port) on node 0 goes to vcm directly")
                    } else {
                        #expect(nets[p] == "x\(layer.index)_\(c)_\(port)")
                        let main = lines.filter { $0.hasPrefix("XS\(layer.index)_\(c)_") && $0.contains(" x\(layer.index)_\(c)_\(port) n\(node) en\(layer.index) enb\(layer.index) vdd vss kn_tgate") }
                        let dump = lines.filter { $0.hasPrefix("XD\(layer.index)_\(c)_") && $0.contains(" x\(layer.index)_\(c)_\(port) vcm enb\(layer.index) en\(layer.index) vdd vss kn_tgate") }
                        #expect(main.count == 1 && dump.count == 1, "layer \(layer.index) cell \(c) output \(port)")
                        expectedGates += 2
                    }
                }
                // Inputs sit on the nodes (or vcm).
                for p in 2..<kind.cellPorts.count {
                    let node: Int = switch cell.ports[p] { case .src: cell.src; case .des: cell.des; case .vcm: 0 }
                    #expect(nets[p + 1] == (node == 0 ? "vcm" : "n\(node)"))
                }
                #expect(Array(nets[7...10]) == ["vdd", "vss", "vbnc", "vbpc"])
            }
        }
        #expect(netlist.statistics.transmissionGates == expectedGates + 2)  // + the bank's reset and join
        #expect(netlist.statistics.cells == 6)
        #expect(netlist.statistics.cellSubcircuits <= 6 && netlist.statistics.cellSubcircuits >= 1)
        // Layer 1's enable crosses half the supply exactly at anchor 1 and stays high to the end.
        let t1 = TextSink.format(netlist.schedule.anchorTimes[1])
        let en1 = try #require(lines.first { $0.hasPrefix("Ven1 ") })
        #expect(en1.contains(" \(t1) 0.9 "))
        #expect(en1.hasSuffix("\(TextSink.format(netlist.schedule.anchorTimes[2])) 1.8)"))
        #expect(text.contains("tran ") && text.contains("write t.raw") && text.contains("save v(n1) v(n2) v(n3)"))
    }

    /// Anchor k reads the voltage with the scale of the layer that just ended.
    @Test func readbackUsesTheScaleOfTheLayerThatEnded() throws {
        let (_, netlist, circuit) = try Self.written([0.5, -1])
        let s = circuit.scaling
        let times = netlist.schedule.anchorTimes
        // Three stored points exactly at the anchors, node 2 at +10 mV from V_CM at anchors 1 and 2.
        let volts: [[Double]] = [[s.vcm + 0.005, s.vcm - 0.01, s.vcm], [s.vcm, s.vcm + 0.01, s.vcm], [s.vcm, s.vcm + 0.01, s.vcm + 0.002]]
        var real: [Double] = []
        for (k, t) in times.enumerated() { real += [t] + volts[k] }
        let plot = RawPlot(title: "t", date: "", plotName: "Transient Analysis", flags: ["real"],
                           variables: [RawVariable(name: "time", type: "time")] + (1...3).map { RawVariable(name: "v(n\($0))", type: "voltage") },
                           pointCount: times.count, real: real, imaginary: [])
        let values = try TransistorReadback.anchorValues(plot, netlist: netlist, scaling: s, path: "t.raw")
        #expect(values.map(\.count) == [2, 2, 3])
        #expect(abs(values[1][1] - 0.01 / s.alpha(layer: 0, node: 2)) < 1e-9)
        #expect(abs(values[2][1] - 0.01 / s.alpha(layer: 1, node: 2)) < 1e-9)
        #expect(abs(values[2][1] - 2 * values[1][1]) < 1e-9)
        #expect(abs(values[2][2] - 0.002 / s.alpha) < 1e-9)
    }
}
