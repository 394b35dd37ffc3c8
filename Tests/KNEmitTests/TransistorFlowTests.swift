import Foundation
import KNEmit
import KNMap
import KNModel
import KNProcess
import KNTestSupport
import Testing

/// The transistor-level flow on real ngspice and the installed sky130 models: a twomoon sub-network (10 edges of
/// layer 0 over layer 0's span), mapped with every cell calibrated, simulated from two reference inputs and compared
/// with the model integrated exactly.
@Suite("Transistor-level verification on sky130", .serialized)
struct TransistorFlowTests {
    /// Edges of twomoon's layer 0 in the sub-network: every 30th, 10 of them (node 2 first appears after edge 50),
    /// few enough that calibrating every cell stays within a few minutes of CI.
    static let edges = 10
    static let stride = 30
    static var ngspice: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/ngspice") }

    /// The node capacitors are what the mapper says: a sky130 MIM unit charged by 1 nA in ngspice has the
    /// capacitance of ``CapacitorOption/capacitance(sideUm:)`` (area and fringe of the effective side), and one
    /// instance of 25 units as the writer places them (m and the model's unit count) has 25 times it.
    @Test(.enabled(if: ngspice, "ngspice is not installed"))
    func mimUnitsHaveTheMappedCapacitance() throws {
        let (catalog, root) = try TransistorSupport.catalog("sky130")
        let process = catalog.process
        let option = try #require(process.capacitors.first)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kn-mim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var lines = ["* MIM unit capacitance"] + process.netlistPreamble(corner: process.defaultCorner, root: root)
        lines += option.files.map { ".include \"\(process.absolutePath(of: $0, in: root))\"" }
        let sides = [2.0, 7.195, 30.0]
        for (k, side) in sides.enumerated() {
            lines += ["I\(k) 0 a\(k) dc 1e-9", "XC\(k) a\(k) 0 \(option.model) w=\(side) l=\(side)"]
        }
        let count = try #require(option.unitCountParameter)
        lines += ["Im 0 am dc 25e-9", "XCm am 0 \(option.model) w=30 l=30 \(count)=25 m=25"]
        lines += [".ic " + (sides.indices.map { "v(a\($0))=0" } + ["v(am)=0"]).joined(separator: " "), ".control", "tran 1n 100n 0 1n uic",
                  ] + sides.indices.map { "meas tran va\($0) find v(a\($0)) at=100n" }
                  + ["meas tran vam find v(am) at=100n", "quit 0", ".endc", ".end"]
        let netlist = dir.appendingPathComponent("mim.cir")
        try lines.joined(separator: "\n").write(to: netlist, atomically: true, encoding: .utf8)
        let run = try NgspiceRunner(timeout: 300, spiceinit: TransistorVerifier.spiceinit).run(netlist)
        for (k, side) in sides.enumerated() {
            let line = try #require(run.logText.split(separator: "\n").first { $0.hasPrefix("va\(k) ") })
            let volts = try #require(Double(line.split(separator: "=").last!.trimmingCharacters(in: .whitespaces)))
            let measured = 1e-9 * 100e-9 / volts
            #expect(abs(measured / option.capacitance(sideUm: side) - 1) < 0.005, "side \(side) µm: ngspice \(measured) F, formula \(option.capacitance(sideUm: side)) F")
            #expect(abs(option.side(capacitance: option.capacitance(sideUm: side)) - side) < 1e-9)
        }
        let line = try #require(run.logText.split(separator: "\n").first { $0.hasPrefix("vam ") })
        let volts = try #require(Double(line.split(separator: "=").last!.trimmingCharacters(in: .whitespaces)))
        #expect(abs(25e-9 * 100e-9 / volts / (25 * option.capacitance(sideUm: 30)) - 1) < 0.005, "25 units in one instance: \(volts) V")
    }

    /// Four edges on two nodes with a node capacitance (1 nF) far above what the cells hang on a node (about
    /// 0.5 pF per cell): here the circuit must follow the model to within the cells' static accuracy, which
    /// checks the netlist (switches, initial state, scales, read-back) independently of the mapper's choice of C.
    @Test(.enabled(if: ngspice, "ngspice is not installed"))
    func cellsOnLargeNodeCapacitorsFollowTheModel() throws {
        let layer = Layer(generator: nil, edges: EdgeList(src: [1, 2, 0, 1], des: [2, 1, 1, 0]),
                          parameters: ParameterMatrix(rows: 3, columns: 4, values: [0.9, -0.6, 0, 0.4,
                                                                                     0.3, 0.8, 0.7, 0,
                                                                                     0.2, -0.1, 0.5, 0.3]))
        let network = Network(family: .shiftTanh2, layers: [layer], anchors: [0, 0.5], block: .plain, fill: .zeros)
        let (catalog, root) = try TransistorSupport.catalog("sky130")
        var pipeline = MapPipeline(catalog: catalog, options: MapOptions(capacitance: 1e-9))
        pipeline.root = root
        pipeline.fidelityEdges = network.edgeCount
        let (circuit, report) = try pipeline.run(network: network, inputs: MapPipeline.defaultInputs(for: network, count: 16, seed: 1))
        print(report.summary)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kn-transistor-\(UUID().uuidString)")
        defer { if ProcessInfo.processInfo.environment["KN_KEEP_NGSPICE"] == nil { try? FileManager.default.removeItem(at: folder) } }
        let result = try TransistorVerifier.verify(circuit: circuit, network: network, process: catalog.process, root: root,
                                                   inputs: [[0.8, -0.5]], folder: folder, tolerance: 0.05, processes: 1)
        print(result.table())
        let sample = try #require(result.samples.first)
        #expect(sample.maxPerAnchor[0] < 1e-3)
        // ngspice reports where the run's time went, and the table shows it.
        let usage = try #require(sample.usage)
        #expect(usage.timepoints > 0 && usage.setupSeconds > 0 && usage.transientSeconds > 0)
        #expect(result.table().contains("ngspice time (rusage)"))
        // The model moves node 1 by 0.135 units (node 2 by 0.018): staying put would fail.
        #expect(zip(sample.expected[1], sample.expected[0]).map { abs($0 - $1) }.max()! > 0.1)
        #expect(result.worstRMS <= 0.05, "worst rms \(result.worstRMS)")

        // The foundry's subcircuits give the same circuit as the pre-binned default: the same Newton iterations
        // and the same node values (measured: 1.7e-14 V over the whole transient).
        let wrapped = try TransistorVerifier.verify(circuit: circuit, network: network, process: catalog.process, root: root,
                                                    inputs: [[0.8, -0.5]], folder: folder.appendingPathComponent("subcircuits"),
                                                    tolerance: 0.05, options: TransistorNetlistOptions(prebinned: false), processes: 1)
        let other = try #require(wrapped.samples.first)
        let difference = zip(sample.measured.joined(), other.measured.joined()).map { abs($0 - $1) }.max() ?? .infinity
        #expect(difference < 1e-9, "pre-binned and subcircuit forms differ by \(difference) units")
        #expect(sample.usage?.iterations == other.usage?.iterations)
        print(String(format: "set-up: pre-binned %.2f s, foundry subcircuits %.2f s", usage.setupSeconds, other.usage?.setupSeconds ?? .nan))

        // Without the typical cells' nodesets, ngspice reaches the same operating point by gmin stepping: the same
        // result to the convergence tolerance, at many more iterations (measured: 2,246 instead of 227).
        let cold = try TransistorVerifier.verify(circuit: circuit, network: network, process: catalog.process, root: root,
                                                 inputs: [[0.8, -0.5]], folder: folder.appendingPathComponent("cold"),
                                                 tolerance: 0.05, options: TransistorNetlistOptions(start: .cold), processes: 1)
        let coldSample = try #require(cold.samples.first)
        let coldDifference = zip(sample.measured.joined(), coldSample.measured.joined()).map { abs($0 - $1) }.max() ?? .infinity
        #expect(coldDifference < 1e-4, "the nodesets moved the result by \(coldDifference) units")
        let warm = usage.iterations, coldIterations = try #require(coldSample.usage?.iterations)
        #expect(warm * 3 < coldIterations, "iterations with nodesets \(warm), without \(coldIterations)")
        print("iterations: with the typical cells' nodesets \(warm), from zero \(coldIterations)")

        // A settle phase holds the same typical nets with pulls that fade out before the network starts: the same
        // result, read at anchors that moved later by the phase.
        let settled = try TransistorVerifier.verify(circuit: circuit, network: network, process: catalog.process, root: root,
                                                    inputs: [[0.8, -0.5]], folder: folder.appendingPathComponent("settle"), tolerance: 0.05,
                                                    options: TransistorNetlistOptions(start: .settle(CellNodesets(), SettlePhase())), processes: 1)
        let settledSample = try #require(settled.samples.first)
        let settleDifference = zip(sample.measured.joined(), settledSample.measured.joined()).map { abs($0 - $1) }.max() ?? .infinity
        print("settle phase: \(settledSample.usage?.iterations ?? -1) iterations, result moved by \(settleDifference) units")
        #expect(settleDifference < 1e-4, "the settle phase moved the result by \(settleDifference) units")
    }

    /// Ten twomoon edges with the mapper's own scaling: C carries the cells' gate load and keeps tau ten times
    /// the cells' settling estimate. Every cell is calibrated and characterized, so the circuit is compared with
    /// the model on the laws fitted to its cells (what the netlist adds: switches, capacitors, settling) and
    /// with the trained network (what the cells add as well).
    @Test(.enabled(if: ngspice, "ngspice is not installed"))
    func twomoonSubNetworkFollowsTheModel() throws {
        guard let network = try TransistorSupport.layer0Edges("twomoon", count: Self.edges, stride: Self.stride) else { print(SharedData.missingReason); return }
        #expect(network.layers[0].nodeCount == 2 && network.edgeCount == Self.edges)
        let (catalog, root) = try TransistorSupport.catalog("sky130")
        var pipeline = MapPipeline(catalog: catalog)
        pipeline.root = root
        pipeline.fidelityEdges = network.edgeCount
        pipeline.characterizeEdges = network.edgeCount
        let mapStart = Date()
        let outcome = try pipeline.map(network: network, inputs: MapPipeline.defaultInputs(for: network, count: 16, seed: 1))
        let (circuit, report) = (outcome.circuit, outcome.report)
        print(report.summary)
        print(String(format: "map with calibration and characterization of all %d cells: %.1f s", network.edgeCount, Date().timeIntervalSince(mapStart)))
        let laws = try #require(outcome.characterized)
        let inputs = Array(try TransistorSupport.referenceInputs("twomoon").prefix(2))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kn-transistor-\(UUID().uuidString)")
        defer { if ProcessInfo.processInfo.environment["KN_KEEP_NGSPICE"] == nil { try? FileManager.default.removeItem(at: folder) } }
        let process = catalog.process
        let result = try TransistorVerifier.verify(circuit: circuit, network: network, process: process, root: root, inputs: inputs,
                                                   folder: folder, tolerance: 0.05, characterized: (laws, 0.01),
                                                   processes: 2) { print($0) }
        print(result.table())
        #expect(result.samples.count == 2)
        // Anchor 0 is the input held during the operating point.
        for r in result.samples {
            #expect(r.maxPerAnchor[0] < 1e-3, "anchor 0 of sample \(r.sample) is not the input: \(r.measured[0]) vs \(r.expected[0])")
            #expect(r.measured.allSatisfy { $0.allSatisfy(\.isFinite) })
        }
        // The model moves the nodes by tenths of a unit in the window: a circuit that stayed put would fail.
        for r in result.samples { #expect(zip(r.expected[1], r.expected[0]).map { abs($0 - $1) }.max()! > 0.1) }
        let characterized = try #require(result.worstCharacterizedRMS)
        #expect(characterized <= 0.01, "rms against the characterized model \(characterized)")
        #expect(result.worstRMS <= 0.05, "worst rms \(result.worstRMS)")
    }
}
