import Foundation
import KNMap
import KNProcess

/// Where ngspice starts the operating point of a transistor netlist: typical voltages of each cell kind's
/// internal nets, written as a `.nodeset` line inside every cell subcircuit.
///
/// From all nets at zero, ngspice's Newton iteration fails on these cells, and dynamic gmin stepping then
/// takes 1,700–2,600 iterations at every circuit size (sky130, ngspice 46; the 4-cell test circuit 2,157), each
/// costing about a second on the 600 cells of twomoon. Started from the voltages of one representative cell
/// per kind, biased with its ports at V_CM, the same operating point takes 13 iterations, with the nodes held at
/// the sample's input. A nodeset only moves the start: ngspice releases it and converges to the same solution.
///
/// But ngspice pays for nodesets on every iteration of the operating point: for each net that has one it scans
/// every node of the circuit (`ZeroNoncurRow`), and the foundry's MOSFETs bring three internal body nodes each,
/// so that cost grows with the square of the circuit. Measured on twomoon cuts (sky130 tt, ngspice 46, operating
/// point and two steps): 50 cells 13 s with nodesets against 60 s from zero (2,361 iterations); 200 cells 347 s
/// (16 iterations of the operating point took 333 s) against 360 s from zero (3,614 iterations). So the
/// verifier and the netlist Monte Carlo use them up to ``largestCircuit`` cells and start larger circuits with a
/// settle phase whose pull sources hold the same typical nets (``OperatingPointStart``).
///
/// The representative of a kind is the cell with the most device slots and bias references in use, so that
/// its nets cover the others'. Only nets that every cell of a kind names alike get a value: the drains, gates
/// and sources of the device slots and the nets of the bias references, not the ports (those are node nets)
/// and not the inner nets of series stacks (their count differs from cell to cell).
public struct CellNodesets: Sendable, Hashable, Codable {
    /// The most cells for which nodesets pay (see above): a little over half the measured break-even.
    public static let largestCircuit = 100

    /// Whether nodesets speed up the operating point of `circuit` (at most ``largestCircuit`` cells).
    public static func pay(for circuit: MappedCircuit) -> Bool {
        circuit.layers.reduce(0) { $0 + $1.cells.count } <= largestCircuit
    }

    /// Per ``KNMap/CellKind`` name: internal net → volts.
    public var volts: [String: [String: Double]]

    public init(volts: [String: [String: Double]] = [:]) {
        self.volts = volts
    }

    /// Measures the typical nets of every cell kind of `circuit` with one ngspice operating point (all
    /// representatives side by side, their ports at V_CM), in `folder/typical-operating-point.cir`. `cards` is the
    /// run's decision on the transistor models (a nominal one; decided here when not given).
    ///
    /// - Throws: ``FlowError`` when ngspice fails, ``RawfileError``/``VerificationError`` when its results cannot
    ///   be read, `ProcessError` for a device the process does not describe.
    public static func measure(circuit: MappedCircuit, process: ProcessDescription, root: PDKRoot, folder: URL,
                               runner: NgspiceRunner, cards: TransistorModelCards? = nil) throws -> CellNodesets {
        let corner = try process.corner(named: circuit.corner)
        let cards = cards ?? TransistorModelCards(process: process, corner: corner, root: root, mismatch: false)
        guard !cards.mismatch else {
            throw EmitError.invalid("transistor model cards", "were decided with mismatch; the typical cells are nominal, so decide them without")
        }
        let prebinned = cards.prebinned
        var representatives: [(kind: CellKind, cell: Cell)] = []
        for kind in circuit.cellKinds {
            var best: (cell: Cell, used: Int)?
            for layer in circuit.layers where layer.cells.kind == kind.name {
                for c in 0..<layer.cells.count {
                    let cell = layer.cells.cell(c)
                    let used = cell.fingers.filter { $0 > 0 }.count + cell.bias.filter { $0 > 0 }.count
                    if used > (best?.used ?? -1) { best = (cell, used) }
                }
            }
            if let best { representatives.append((kind, best.cell)) }
        }
        guard !representatives.isEmpty else { return CellNodesets() }

        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("typical-operating-point.cir")
        let rawfile = url.deletingPathExtension().appendingPathExtension("raw")
        try writeText(to: url) { out in
            try out.line("* kn-toolkit: typical operating point of each cell kind (ports at V_CM), the start of the transistor netlists' operating point")
            for line in process.netlistPreamble(corner: corner, root: root) { try out.line(line) }
            try out.line(cards.headerLine)
            if let prebinned { for line in prebinned.lines { try out.line(line) } }
            try out.line(".temp \(TextSink.format(process.nominalTemperatureCelsius))")
            for line in TransistorNetlistWriter.idealReferenceLines(circuit) { try out.line(line) }
            for (kind, cell) in representatives {
                let writer = SpiceCellWriter(process: process, kind: kind, prebinned: prebinned)
                for line in try writer.subcircuit(name: "kn_typical_\(kind.name)", cell: cell) { try out.line(line) }
                let ports = kind.cellPorts.map { _ in "vcm" } + kind.globalPorts
                try out.line("X\(kind.name) " + ports.joined(separator: " ") + " kn_typical_\(kind.name)")
            }
            try out.line(".options klu")
            try out.line(".control")
            try out.line("op")
            try out.line("write \(rawfile.lastPathComponent)")
            try out.line("quit 0")
            try out.line(".endc")
            try out.line(".end")
        }
        try? FileManager.default.removeItem(at: rawfile)
        let run = try runner.run(url)
        guard FileManager.default.fileExists(atPath: rawfile.path) else {
            throw FlowError.noResults(netlist: url.path, problem: "the operating point wrote no rawfile \(rawfile.lastPathComponent)",
                                      logTail: NgspiceRunner.tail(run.logText))
        }
        let file = try Rawfile(contentsOf: rawfile)
        guard let plot = file.plot(named: "operating") ?? file.plots.first, plot.pointCount >= 1 else {
            throw VerificationError.missing(path: rawfile.path, what: "the operating-point plot")
        }
        var volts: [String: [String: Double]] = [:]
        for (kind, cell) in representatives {
            var nets: [String: Double] = [:]
            for net in Self.nets(of: cell, kind: kind) {
                let name = "x\(kind.name.lowercased()).\(net)"
                guard let i = plot.index(of: name) ?? plot.index(of: "v(\(name))") else { continue }
                nets[net] = plot.real[i]
            }
            volts[kind.name] = nets
        }
        return CellNodesets(volts: volts)
    }

    /// The nets of `cell` a nodeset may name: drains, gates and sources of the slots in use and the nets of the
    /// nonzero bias references, lower case, without the ports and the inner nets of series stacks.
    static func nets(of cell: Cell, kind: CellKind) -> [String] {
        let ports = Set((kind.cellPorts + kind.globalPorts).map { $0.lowercased() })
        var nets: [String] = []
        func add(_ net: String) {
            let n = net.lowercased()
            if !ports.contains(n), !nets.contains(n) { nets.append(n) }
        }
        for (i, slot) in kind.slots.enumerated() where cell.fingers[i] > 0 {
            add(slot.drain)
            add(slot.gate)
            add(slot.source)
        }
        for (b, slot) in kind.biases.enumerated() where cell.bias[b] > 0 { add(slot.net) }
        return nets
    }

    /// `.nodeset v(net)=… …` for the nets of `cell` that this holds a voltage for, or `nil`.
    func line(for cell: Cell, kind: CellKind) -> String? {
        guard let typical = volts[kind.name] else { return nil }
        let entries = Self.nets(of: cell, kind: kind).compactMap { net in typical[net].map { "v(\(net))=\(String(format: "%.6g", $0))" } }
        return entries.isEmpty ? nil : ".nodeset " + entries.joined(separator: " ")
    }
}
