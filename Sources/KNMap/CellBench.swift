import Foundation
import KNModel
import KNProcess

/// Sweeps many copies of one mapped cell in ngspice over the edge's operating range: the nominal cell, copies
/// with one slot perturbed (``SlotPerturbation``), or copies that each draw the foundry's mismatch.
///
/// All copies share the two B-sources that step src and des along the sweep line (from the operating point with
/// the smallest argument to the one with the largest, ``points`` points); each copy has its own zero-volt sources
/// that measure the current leaving src and entering des. With the process's mismatch switch on, every PDK
/// instance draws its own mismatch (`agauss` per instance), so `n` copies are `n` Monte Carlo samples of the cell;
/// each netlist (``copiesPerNetlist`` copies) gets its own `.option seed`, so a run is reproducible.
public struct CellBench: Sendable {
    public var runner: FidelityRunner
    /// Points on the sweep line.
    public var points = 16
    /// Cell copies per netlist (one ngspice circuit; the netlists of one cell run in turn in one ngspice process).
    /// One: with DC sweeps the weak-inversion cells need gmin stepping at most points, and its cost grows faster
    /// than the matrix (sky130 tanh2 cells, 4 points: 1 copy 0.25 s, 10 copies 4 s, 40 copies 34 s); with the
    /// staircases more copies per netlist save nothing either (40 points: 10 netlists of 1 copy 4.3 s, 1 of 10
    /// copies 4.6 s).
    public var copiesPerNetlist = 1
    /// Multiplies the process's mismatch switch when the mismatch is on (sky130's models multiply every `agauss`
    /// mismatch term by it, so 0.25 draws a quarter of the foundry σ): to check the mismatch model where the cells
    /// respond linearly.
    public var mismatchScale = 1.0
    /// Mismatch copies of each device in ``deviceSigmas(_:cell:voltages:seed:)``.
    public var deviceSamples = 200

    public init(runner: FidelityRunner) { self.runner = runner }

    /// The currents of every copy at every sweep point, model units.
    public struct Sweep: Sendable, Hashable, Codable {
        public var vs: [Double]
        public var vd: [Double]
        /// Per copy: the current leaving src at each point.
        public var src: [[Double]]
        /// Per copy: the current entering des at each point.
        public var des: [[Double]]
        /// The probed node voltages of the first copy at each point, by vector name.
        public var probes: [String: [Double]] = [:]
    }

    /// The bench netlists' preamble, with the mismatch switch scaled by ``mismatchScale`` when the mismatch is on.
    func preamble(_ circuit: MappedCircuit, mismatch: Bool, condition: ProcessCondition? = nil) throws -> [String] {
        let lines = try runner.benchPreamble(circuit, mismatch: mismatch, condition: condition)
        guard mismatch, mismatchScale != 1, let switchParameter = runner.mapper.catalog.process.mismatchSwitch else { return lines }
        let prefix = ".param \(switchParameter.name)="
        let value = (switchParameter.onValue ?? 1) * mismatchScale
        return lines.map { $0.hasPrefix(prefix) ? prefix + String(format: "%.9g", value) : $0 }
    }

    /// The sweep line of a cell: `points` evenly spaced points from its operating point with the smallest argument
    /// to the one with the largest.
    public func sweepLine(_ circuit: MappedCircuit, network: Network, samples: OperatingSamples,
                          pick: FidelityRunner.Pick) -> (vs: [Double], vd: [Double]) {
        let cell = circuit.layers[pick.layer].cells.cell(pick.row)
        var wide = runner
        wide.pointsPerEdge = .max
        let operating = wide.operatingPoints(network: network, samples: samples, layer: pick.layer, cell: cell)
        guard let first = operating.first, let last = operating.last else { return ([], []) }
        let f = (0..<points).map { Double($0) / Double(max(points - 1, 1)) }
        return (f.map { first.0 + $0 * (last.0 - first.0) }, f.map { first.1 + $0 * (last.1 - first.1) })
    }

    /// Sweeps `copies` of the picked cell: nil is the cell as sized, a perturbation changes one slot. With
    /// `mismatchSeed`, the foundry mismatch is on and netlist `j` of the run uses seed `mismatchSeed + j`. With
    /// `condition`, the cell runs at that corner and temperature instead of the circuit's corner at the process's
    /// nominal temperature.
    public func sweep(_ circuit: MappedCircuit, network: Network, samples: OperatingSamples, pick: FidelityRunner.Pick,
                      copies: [SlotPerturbation?], mismatchSeed: Int? = nil, probes: [String] = [],
                      condition: ProcessCondition? = nil) throws -> Sweep {
        try runner.withSweeps {
            try sweep(circuit, network: network, samples: samples, pick: pick, copies: copies, mismatchSeed: mismatchSeed,
                      probes: probes, condition: condition, transient: $0)
        }
    }

    func sweep(_ circuit: MappedCircuit, network: Network, samples: OperatingSamples, pick: FidelityRunner.Pick,
               copies: [SlotPerturbation?], mismatchSeed: Int?, probes: [String], condition: ProcessCondition?,
               transient: Bool) throws -> Sweep {
        let cell = circuit.layers[pick.layer].cells.cell(pick.row)
        let line = sweepLine(circuit, network: network, samples: samples, pick: pick)
        guard line.vs.count >= 2 else {
            throw MapError.invalid("layer \(pick.layer) edge \(cell.edge) has fewer than two operating points",
                                   fix: "simulate more sample inputs")
        }
        let process = runner.mapper.catalog.process
        let writer = SpiceCellWriter(process: process, kind: circuit.cellKinds[0])
        let s = circuit.scaling
        let indexSweep = runner.indexSweep(circuit, layer: pick.layer, transient: transient)
        let preamble = try preamble(circuit, mismatch: mismatchSeed != nil, condition: condition)
            + indexSweep.sourceLines(count: line.vs.count)
        func pwl(_ values: [Double], node: Int) -> String {
            values.enumerated().map {
                "\($0.offset), \(String(format: "%.9g", s.volts($0.element, layer: pick.layer, node: node)))"
            }.joined(separator: ", ")
        }
        let directory = try Ngspice.workDirectory(prefix: "kn-cellbench")
        defer { Ngspice.removeWorkDirectory(directory) }
        var control = ["* kn-toolkit cell bench: layer \(pick.layer) edge \(cell.edge), \(copies.count) copies", ".control",
                       "set wr_singlescale"]
        let chunks = stride(from: 0, to: copies.count, by: max(1, copiesPerNetlist)).map {
            $0..<min($0 + max(1, copiesPerNetlist), copies.count)
        }
        for (j, chunk) in chunks.enumerated() {
            var lines = ["* layer \(pick.layer) edge \(cell.edge): copies \(chunk.lowerBound)..<\(chunk.upperBound)"]
            lines += preamble
            if let mismatchSeed { lines.append(".option seed=\(mismatchSeed + j)") }
            lines.append("Bs bs 0 V=pwl(V(sw), \(pwl(line.vs, node: cell.src)))")
            lines.append("Bd bd 0 V=pwl(V(sw), \(pwl(line.vd, node: cell.des)))")
            var defined: [SlotPerturbation?: String] = [:]
            for k in chunk {
                let name: String
                if let existing = defined[copies[k]] {
                    name = existing
                } else {
                    name = "c\(defined.count)"
                    defined[copies[k]] = name
                    lines += try writer.subcircuit(name: name, cell: cell, perturbation: copies[k])
                }
                lines.append("VIs\(k) bs ns\(k) dc 0")
                lines.append("VId\(k) bd nd\(k) dc 0")
                lines.append("X\(k) " + FidelityRunner.portNets(cell, src: "ns\(k)", des: "nd\(k)").joined(separator: " ") + " \(name)")
            }
            lines.append(".end")
            try (lines.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("k\(j).cir"),
                                                             atomically: true, encoding: .utf8)
            control += ["source k\(j).cir", indexSweep.analysis(count: line.vs.count)]
            control += stride(from: chunk.lowerBound, to: chunk.upperBound, by: 100).map { start in
                "wrdata w\(start).txt " + (start..<min(start + 100, chunk.upperBound)).map { "i(VIs\($0)) i(VId\($0))" }
                    .joined(separator: " ")
            }
            if j == 0 && !probes.isEmpty { control.append("wrdata probe.txt " + probes.map { "v(\($0))" }.joined(separator: " ")) }
            control.append("remcirc")
        }
        control += ["quit 0", ".endc", ".end"]
        try runner.ngspice.run(netlist: control.joined(separator: "\n") + "\n", name: "bench", in: directory)

        let beta = s.beta(layer: pick.layer)
        var src = [[Double]](), des = [[Double]]()
        for chunk in chunks {
            for start in stride(from: chunk.lowerBound, to: chunk.upperBound, by: 100) {
                let file = directory.appendingPathComponent("w\(start).txt")
                let width = min(100, chunk.upperBound - start)
                let rows = try indexSweep.points(Ngspice.readWrdata(file), count: line.vs.count, file: file)
                guard rows.count == line.vs.count, rows.allSatisfy({ $0.count == 1 + 2 * width }) else {
                    throw ProcessError.unexpectedSimulatorOutput(file: file.path,
                        message: "expected \(line.vs.count) rows of \(1 + 2 * width) columns for layer \(pick.layer) edge \(cell.edge)")
                }
                for c in 0..<width {
                    src.append(rows.map { $0[1 + 2 * c] / beta })
                    des.append(rows.map { -$0[2 + 2 * c] / beta })
                }
            }
        }
        var probed: [String: [Double]] = [:]
        if !probes.isEmpty {
            let file = directory.appendingPathComponent("probe.txt")
            let rows = try indexSweep.points(Ngspice.readWrdata(file), count: line.vs.count, file: file)
            for (i, name) in probes.enumerated() { probed[name] = rows.map { $0[1 + i] } }
        }
        return Sweep(vs: line.vs, vd: line.vd, src: src, des: des, probes: probed)
    }
}
