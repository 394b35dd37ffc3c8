import Foundation
import KNModel
import KNProcess
import KNSimulate

/// One cell's small-signal admittance at some of its operating points: how the currents into its src and des
/// terminals follow the terminal voltages, in phase (the conductances) and in quadrature (the capacitances).
public struct CellAdmittance: Sendable, Hashable {
    public var layer: Int
    public var edge: Int
    public var src: Int
    public var des: Int
    /// The operating points, model units.
    public var vs: [Double]
    public var vd: [Double]
    /// Per point the conductances ∂i_x/∂V_y (siemens) and the capacitances (farads), in ``CellDynamics``'s order
    /// src←src, src←des, des←src, des←des, for the currents into the cell.
    public var conductance: [[Double]]
    public var capacitance: [[Double]]
    /// The analysis frequency, hertz.
    public var frequency: Double
    /// Why the cell has no admittance (its operating point or analysis failed), or nil.
    public var failure: String?
}

extension FidelityRunner {
    /// The frequency of the admittance analysis of layer `layer`'s cells: a hundredth of the rate at which its
    /// slowest cell settles (``MappedLayer/settlingSeconds``), so every cell is in its quasi-static regime
    /// (`Y = G + jω·C` to first order), or 1 Hz for a circuit mapped without settling estimates.
    func admittanceFrequency(_ circuit: MappedCircuit, layer: Int) -> Double {
        guard let settling = circuit.layers[layer].settlingSeconds, settling > 0 else { return 1 }
        return 0.01 / (2 * Double.pi * settling)
    }

    /// Measures the admittance of the picked cells at `points` of their operating points each (spread evenly
    /// over the points ``operatingPoints(network:samples:layer:cell:)`` gives, sorted by argument), in
    /// `processes` concurrent ngspice processes.
    ///
    /// Each cell is instantiated twice on the same operating point: one copy with a 1 V AC drive in series with
    /// its src terminal, one with it in series with des. An operating point and an AC analysis at
    /// ``admittanceFrequency(_:layer:)`` per point give the four entries of the 2 × 2 admittance matrix.
    public func measureAdmittances(_ circuit: MappedCircuit, network: Network, samples: OperatingSamples, picks: [Pick],
                                   points: Int, processes: Int = ProcessInfo.processInfo.activeProcessorCount)
        throws -> [CellAdmittance]
    {
        let shards = Self.shards(picks, processes: processes)
        let results = try Self.concurrently(shards) { shard in
            var out = [CellAdmittance]()
            for start in stride(from: 0, to: shard.count, by: batchSize) {
                out += try admittanceBatch(circuit, network: network, samples: samples,
                                           picks: Array(shard[start..<min(start + batchSize, shard.count)]), points: points)
            }
            return out
        }
        return Array(results.joined())
    }

    /// One ngspice run of the picked cells' admittance benches.
    func admittanceBatch(_ circuit: MappedCircuit, network: Network, samples: OperatingSamples, picks: [Pick],
                         points: Int) throws -> [CellAdmittance] {
        let process = mapper.catalog.process
        let kind = circuit.cellKinds[0]
        let writer = SpiceCellWriter(process: process, kind: kind)
        let s = circuit.scaling
        let preamble = try benchPreamble(circuit)
        let directory = try Ngspice.workDirectory(prefix: "kn-admittance")
        defer { Ngspice.removeWorkDirectory(directory) }
        var control = ["* kn-toolkit cell admittance: \(picks.count) \(kind.name) cells", ".control", "set wr_singlescale"]
        var chosen = [[(Double, Double)]](), cells = [Cell]()
        for (k, pick) in picks.enumerated() {
            let cell = circuit.layers[pick.layer].cells.cell(pick.row)
            let all = operatingPoints(network: network, samples: samples, layer: pick.layer, cell: cell)
            let ops = Self.spread(all, count: points)
            cells.append(cell); chosen.append(ops)
            var lines = ["* layer \(pick.layer) edge \(cell.edge): admittance"]
            lines += preamble + IndexSweep.dc.sourceLines(count: ops.count)
            lines += try writer.subcircuit(name: "c\(k)", cell: cell)
            // pwl needs two points; a single operating point is held flat.
            lines += Self.drives(k, cell: cell, layer: pick.layer, points: ops.count == 1 ? ops + ops : ops, scaling: s)
            // Copy a: AC on src; copy b: AC on des. A 1 V source from bs to ns makes ns move by −1 V.
            lines.append("VIsa\(k) bs\(k) nsa\(k) dc 0 ac 1")
            lines.append("VIda\(k) bd\(k) nda\(k) dc 0")
            lines.append("Xa\(k) " + Self.portNets(cell, src: "nsa\(k)", des: "nda\(k)").joined(separator: " ") + " c\(k)")
            lines.append("VIsb\(k) bs\(k) nsb\(k) dc 0")
            lines.append("VIdb\(k) bd\(k) ndb\(k) dc 0 ac 1")
            lines.append("Xb\(k) " + Self.portNets(cell, src: "nsb\(k)", des: "ndb\(k)").joined(separator: " ") + " c\(k)")
            lines.append(".end")
            try (lines.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("c\(k).cir"),
                                                             atomically: true, encoding: .utf8)
            let f = String(format: "%.6g", admittanceFrequency(circuit, layer: pick.layer))
            control += ["source c\(k).cir", "unset appendwrite", "let j = 0", "while j < \(ops.count)",
                        "alter vsw dc = j", "ac lin 1 \(f) \(f)",
                        "wrdata y\(k).txt i(VIsa\(k)) i(VIda\(k)) i(VIsb\(k)) i(VIdb\(k))",
                        "set appendwrite", "let j = j + 1", "end", "remcirc"]
        }
        control += ["quit 0", ".endc", ".end"]
        try ngspice.run(netlist: control.joined(separator: "\n") + "\n", name: "admittance", in: directory)
        return picks.enumerated().map { k, pick in
            let cell = cells[k], ops = chosen[k]
            var result = CellAdmittance(layer: pick.layer, edge: cell.edge, src: cell.src, des: cell.des,
                                        vs: ops.map(\.0), vd: ops.map(\.1), conductance: [], capacitance: [],
                                        frequency: admittanceFrequency(circuit, layer: pick.layer), failure: nil)
            let file = directory.appendingPathComponent("y\(k).txt")
            guard let rows = try? Ngspice.readWrdata(file), rows.count == ops.count, rows.allSatisfy({ $0.count >= 9 }) else {
                result.failure = "ngspice gave no admittance at every one of its \(ops.count) operating points (\(file.lastPathComponent))"
                return result
            }
            let omega = 2 * Double.pi * result.frequency
            // Columns: frequency, then (re, im) of i(VIsa), i(VIda), i(VIsb), i(VIdb), which are src←src, des←src,
            // src←des and des←des; reordered to src←src, src←des, des←src, des←des. The drive moves its terminal
            // by −1 V, so Y = −i.
            for row in rows {
                let order = [1, 5, 3, 7]
                result.conductance.append(order.map { -row[$0] })
                result.capacitance.append(order.map { -row[$0 + 1] / omega })
            }
            if let bad = (result.conductance + result.capacitance).joined().first(where: { !$0.isFinite }) {
                result.failure = "ngspice gave a non-finite admittance (\(bad))"
            }
            return result
        }
    }

    /// `count` of `points` spread evenly from the first to the last (all of them when there are fewer).
    static func spread<T>(_ points: [T], count: Int) -> [T] {
        guard points.count > count, count > 1 else { return count == 1 && !points.isEmpty ? [points[points.count / 2]] : points }
        return (0..<count).map { j in points[Int((Double(j) * Double(points.count - 1) / Double(count - 1)).rounded())] }
    }
}
