import Foundation
import KNProcess

/// The mismatch of each device of a cell where it works: its gate-referred σ at its own operating point.
///
/// Pelgrom's ΔVT (the model threshold) is not all a device's gate sees: sky130's models also draw `voff` per instance,
/// which moves the current like a threshold shift in weak inversion and hardly at all in strong inversion (a 1 × 2 µm
/// nfet diode: 4.1 mV at 100–465 nA, 5.4 mV at 17 nA, against 3.5 mV from the characterized A_VT). So every PDK
/// instance of a cell is measured alone: ``CellBench/deviceSamples`` copies held at the instance's terminal voltages
/// (the nominal cell at the middle of its sweep) with the foundry mismatch on, and σ(ΔI/I)/(g_m/I) is its
/// gate-referred σ. It carries the device's threshold and current-factor mismatch together at that bias.
extension CellBench {
    /// One PDK instance of a cell: its slot, its unit in a series stack, and its terminal nets (d, g, s, b).
    struct Instance {
        var slot: Int
        var unit: Int
        var nets: [String]
    }

    static func instances(_ kind: CellKind, _ cell: Cell) -> [Instance] {
        var out: [Instance] = []
        for (i, slot) in kind.slots.enumerated() where cell.fingers[i] > 0 {
            let units = kind.units(i, series: cell.series[i])
            for unit in 0..<units {
                let drain = unit == 0 ? slot.drain : "\(slot.name.lowercased())_\(unit)"
                let source = unit == units - 1 ? slot.source : "\(slot.name.lowercased())_\(unit + 1)"
                out.append(Instance(slot: i, unit: unit, nets: [drain, slot.gate, source, slot.bulk]))
            }
        }
        return out
    }

    /// The ngspice vector of a cell net in the first copy (`X0` on `ns0`/`nd0`), nil for ground.
    static func vector(_ net: String, _ kind: CellKind, _ cell: Cell) -> String? {
        if net == "vss" { return nil }
        if let port = kind.cellPorts.firstIndex(of: net) {
            switch cell.ports[port] {
            case .src: return "ns0"
            case .des: return "nd0"
            case .vcm: return "vcm"
            }
        }
        if kind.globalPorts.contains(net) { return net }
        return "x0.\(net)"
    }

    /// The vectors to probe in the nominal sweep for ``deviceSigmas(_:cell:voltages:seed:)``.
    static func probeVectors(_ kind: CellKind, _ cell: Cell) -> [String] {
        var seen = Set<String>(), out: [String] = []
        for instance in instances(kind, cell) {
            for net in instance.nets { if let v = vector(net, kind, cell), seen.insert(v).inserted { out.append(v) } }
        }
        return out
    }

    /// The gate-referred σ (volts) of every instance of `cell` (slot order, stack units in order) at the terminal
    /// voltages `voltages` (by probe vector), from ``deviceSamples`` mismatch copies each (a stack's middle
    /// unit for every unit of the stack).
    func deviceSigmas(_ circuit: MappedCircuit, cell: Cell, voltages: [String: Double], seed: Int) throws -> [Double] {
        let kind = circuit.cellKinds[0]
        let process = runner.mapper.catalog.process
        let all = Self.instances(kind, cell)
        // A stack's units share a geometry and (all but the top unit of a copy) sit in triode at similar biases:
        // its middle unit stands for all of them (a twomoon cell has up to a hundred such units and a few dozen other devices).
        func middle(_ i: Instance) -> Int { max(1, cell.series[i.slot]) / 2 }
        let list = all.filter { !kind.slots[$0.slot].stacks || $0.unit == middle($0) }
        // One small circuit per device (its own seed), sourced in turn: ngspice looks vectors up one by one, so a
        // single circuit of every copy of every device spends its time in `wrdata`.
        let preamble = try preamble(circuit, mismatch: true)
        let step = 1e-3
        let directory = try Ngspice.workDirectory(prefix: "kn-devicespread")
        defer { Ngspice.removeWorkDirectory(directory) }
        var control = ["* kn-toolkit device mismatch at the operating point: edge \(cell.edge)", ".control", "set wr_singlescale"]
        for (u, instance) in list.enumerated() {
            let slot = kind.slots[instance.slot]
            let device = try process.device(polarity: slot.polarity)
            let v = instance.nets.map { net in Self.vector(net, kind, cell).flatMap { voltages[$0] } ?? 0 }
            // A raised gate (nfet) or a lowered one (pfet) raises |I|: the step measures g_m/I.
            let sign = slot.polarity == .n ? 1.0 : -1.0
            var lines = ["* \(slot.name) unit \(instance.unit)"] + preamble
            lines += [".option seed=\(seed + u)", "vdel del 0 dc 0",
                      "Vg g gd dc \(String(format: "%.9g", v[1]))", "Eg gd 0 del 0 \(sign)",
                      "Vs s 0 dc \(String(format: "%.9g", v[2]))", "Vb b 0 dc \(String(format: "%.9g", v[3]))",
                      "Vd d 0 dc \(String(format: "%.9g", v[0]))"]
            for k in 0..<deviceSamples {
                lines.append("Vm\(k) d d\(k) dc 0")
                var line = device.instanceLine(name: "M\(k)", drain: "d\(k)", gate: "g", source: "s", bulk: "b",
                                               widthUm: Double(cell.fingers[instance.slot]) * slot.fingerWidthUm, lengthUm: slot.lengthUm)
                if let nf = device.fingers { line += " \(nf)=\(cell.fingers[instance.slot])" }
                lines.append(line)
            }
            lines.append(".end")
            try (lines.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("u\(u).cir"), atomically: true, encoding: .utf8)
            control += ["source u\(u).cir", "dc vdel 0 \(step) \(step)"]
            control += stride(from: 0, to: deviceSamples, by: 100).map { start in
                "wrdata m\(u)_\(start).txt " + (start..<min(start + 100, deviceSamples)).map { "i(Vm\($0))" }.joined(separator: " ")
            }
            control.append("remcirc")
        }
        control += ["quit 0", ".endc", ".end"]
        try runner.ngspice.run(netlist: control.joined(separator: "\n") + "\n", name: "spread", in: directory)
        var columns: [(Double, Double)] = []
        for u in list.indices {
            for start in stride(from: 0, to: deviceSamples, by: 100) {
                let file = directory.appendingPathComponent("m\(u)_\(start).txt")
                let rows = try Ngspice.readWrdata(file)
                let width = min(100, deviceSamples - start)
                guard rows.count == 2, rows.allSatisfy({ $0.count == 1 + width }) else {
                    throw ProcessError.unexpectedSimulatorOutput(file: file.path, message: "expected 2 rows of \(1 + width) columns")
                }
                for c in 1...width { columns.append((abs(rows[0][c]), abs(rows[1][c]))) }
            }
        }
        let measured = list.indices.map { u -> Double in
            let samples = columns[(u * deviceSamples)..<((u + 1) * deviceSamples)]
            let n = Double(samples.count)
            let mean = samples.reduce(0) { $0 + $1.0 } / n
            let sd = (samples.reduce(0) { $0 + ($1.0 - mean) * ($1.0 - mean) } / (n - 1)).squareRoot()
            let gmOverI = samples.reduce(0) { $0 + ($1.1 - $1.0) / max($1.0, 1e-300) } / n / step
            return gmOverI > 0 && mean > 0 ? sd / mean / gmOverI : 0
        }
        return all.map { i in measured[list.firstIndex { $0.slot == i.slot && ($0.unit == i.unit || kind.slots[i.slot].stacks) }!] }
    }
}
