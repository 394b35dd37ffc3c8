import Foundation
import KNMap
import KNModel
import KNProcess

/// Writes a mapped circuit (``KNMap/MappedCircuit``) as one ngspice netlist on the foundry's transistor models,
/// started from one input sample.
///
/// What the netlist holds:
/// - the process's model files (``KNProcess/ProcessDescription/netlistPreamble(corner:root:mismatch:)``) and
///   those of its capacitor; in a nominal netlist also the foundry's MOSFET model cards, once, so that every
///   transistor is an `M` line naming its bin (``KNProcess/PrebinnedModels``, ``TransistorNetlistOptions/prebinned``);
/// - the ideal elements, and only those: the supplies `vdd`/`vss`, the references `vcm`, `vbnc`, `vbpc`, the
///   PWL sources that drive the switches (``TransistorSchedule``) and, inside the cells, one bias current
///   reference per nonzero bias slot;
/// - one subcircuit per distinct cell (cells whose device slots have the same fingers and series units share
///   it; the bias currents are subcircuit parameters, ``KNMap/SpiceCellWriter/subcircuit(name:cell:biasParameters:)``),
///   and one instance per edge whose input ports sit on the node nets `n<k>` (or on `vcm` for node 0 and
///   unused inputs);
/// - per output port of every cell (a port no gate of the cell connects to) a layer switch: a transmission
///   gate of the layer's ``KNMap/LayerSwitch`` size from the cell side `x<l>_<c>_<port>` to the node, driven by
///   `en<l>`/`enb<l>`, and a dump gate of the same size from the cell side to `vcm`, driven the other way, so
///   that an idle cell's output current flows into V_CM instead of driving its output to a rail;
///   outputs bound to node 0 connect to `vcm` directly;
/// - per node the capacitor units of ``KNMap/NodeCapacitor`` in parallel from `n<k>` to `vss` (`XC<k>`), and per
///   ``KNMap/CapacitorBank`` its units on a net `bk<k>_<i>` (`XC<k>_b<i>`) with a reset gate to `vcm` (`rs<l>`) and a join gate
///   to the node (`jn<l>`), both ``bankGateFingersPerUnit`` times the layer switch's fingers per capacitor
///   unit of the bank, so that a large bank settles quickly. The N units of a node or bank are one instance
///   with `m=N` (and the model's ``KNProcess/CapacitorOption/unitCountParameter`` = N, which keeps a mismatch
///   draw that of N units): the same circuit as N instances, without their 2·N internal nets;
/// - by ``TransistorNetlistOptions/start``, a `.nodeset` line in every cell subcircuit (``CellNodesets``), so that
///   the operating point starts next to its solution instead of at zero, or the pull sources of a settle phase
///   (``SettlePhase``: B-sources that are exactly zero from the middle of the phase on, before the network starts);
/// - `.ic v(n<k>)=vcm+alpha(0,k)·x_k` for every node (and V_CM for every bank): without `uic`, ngspice solves
///   the operating point with the nodes held there and releases them at t = 0;
/// - a `.control` block that saves only the node voltages, runs `tran` to the last anchor, writes a rawfile
///   next to the netlist and reports where the time went (`rusage all`, read by ``NgspiceUsage``).
///
/// The text streams to disk and appears atomically. Nets are lower case; every name the writer makes up
/// (`n<k>`, `x…`, `bk…`, `en<k>`, `enb<k>`, `rs<k>`, `jn<k>`) is distinct from the cells' local nets, which
/// live inside their subcircuits.
public enum TransistorNetlistWriter {
    /// Gate fingers of a bank's reset and join gates per capacitor unit of the bank.
    public static let bankGateFingersPerUnit = 4

    /// Writes the netlist of `circuit` started from `inputs` (model units of nodes 1…, at most N of layer 0;
    /// missing trailing values are 0) to `url`. A run that writes several netlists passes `cards`, decided once
    /// for the circuit's corner and these options; without, the writer decides (and reads the model files) itself.
    ///
    /// - Throws: ``EmitError`` when the circuit, the inputs or the options are inconsistent (with the place and
    ///   the fix), `ProcessError` when a device or corner is not in the process description.
    @discardableResult
    public static func write(_ circuit: MappedCircuit, process: ProcessDescription, root: PDKRoot, inputs: [Double],
                             to url: URL, options: TransistorNetlistOptions = TransistorNetlistOptions(),
                             cards: TransistorModelCards? = nil) throws -> TransistorNetlist {
        try options.validate()
        if options.mismatchSeed != nil, process.mismatchSwitch == nil {
            throw EmitError.invalid("process \(process.name)", "has no mismatch switch (a parameter with role mismatchSwitch in pdk/\(process.name).xml), so a netlist Monte Carlo would draw no mismatch; add it, or run without a mismatch seed")
        }
        let plan = try TransistorCircuitPlan(circuit, process: process, inputs: inputs)
        let schedule = try TransistorSchedule(circuit, switchRamp: options.switchRamp, settle: options.start?.settlePhase?.duration ?? 0)
        let corner = try process.corner(named: circuit.corner)
        let nfet = try process.device(polarity: .n), pfet = try process.device(polarity: .p)
        let raw = url.deletingPathExtension().appendingPathExtension("raw")
        let s = circuit.scaling
        let f = TextSink.format
        var stats = TransistorNetlist.Statistics(cells: 0, cellSubcircuits: 0, mosfets: 0, transmissionGates: 0, capacitorUnits: 0, biasSources: 0)
        let cards = cards ?? TransistorModelCards(process: process, corner: corner, root: root, mismatch: options.mismatchSeed != nil,
                                                  preferPrebinned: options.prebinned)
        guard cards.mismatch == (options.mismatchSeed != nil) else {
            throw EmitError.invalid("transistor model cards", "were decided \(cards.mismatch ? "with" : "without") mismatch but the netlist is written \(cards.mismatch ? "without" : "with") a mismatch seed; decide them with the netlists' own mismatch setting")
        }
        let prebinned = cards.prebinned
        let subcircuits = try TransistorSubcircuits(circuit, process: process, prebinned: prebinned, start: options.start,
                                                   schedule: schedule)
        stats.cellSubcircuits = subcircuits.count

        try writeText(to: url) { out in
            // Header.
            try out.line("* kn-toolkit transistor-level netlist for ngspice: \(circuit.family) on \(process.name) (\(process.foundry)), corner \(corner.name), foundry models")
            if let source = options.source { try out.line("* source model: \(source)") }
            for l in plan.headerLines(schedule: schedule) { try out.line("* " + l) }
            try out.line("* results: rawfile \(raw.lastPathComponent) (node voltages only); model value at anchor k = (V(n<i>) - V_CM)/alpha(layer k-1, i)")
            try out.line("")
            for line in process.netlistPreamble(corner: corner, root: root, mismatch: options.mismatchSeed != nil) { try out.line(line) }
            try out.line(cards.headerLine)
            if let prebinned { for line in prebinned.lines { try out.line(line) } }
            if let seed = options.mismatchSeed { try out.line(".option seed=\(seed)") }
            if let option = process.capacitors.first(where: { $0.model == plan.capacitorModel }) {
                for file in option.files {
                    let path = process.absolutePath(of: file, in: root)
                    try out.line(file.section.map { ".lib \"\(path)\" \($0)" } ?? ".include \"\(path)\"")
                }
            }
            try out.line(".temp \(f(process.nominalTemperatureCelsius))")
            try out.line("")

            // Ideal sources.
            try out.line("* supplies and references (ideal voltage sources)")
            for line in idealReferenceLines(circuit) { try out.line(line) }
            try out.line("")
            try out.line("* switch drive (ideal PWL sources): ramps of \(f(schedule.ramp)) s")
            for l in 0..<schedule.layerCount {
                try out.line("Ven\(l) en\(l) 0 PWL(\(TransistorSchedule.pwl(schedule.enable(layer: l))))")
                try out.line("Venb\(l) enb\(l) 0 PWL(\(TransistorSchedule.pwl(schedule.enable(layer: l, complement: true))))")
            }
            for l in plan.bankLayers {
                try out.line("Vrs\(l) rs\(l) 0 PWL(\(TransistorSchedule.pwl(schedule.reset(layer: l))))")
                try out.line("Vrsb\(l) rsb\(l) 0 PWL(\(TransistorSchedule.pwl(schedule.reset(layer: l, complement: true))))")
                try out.line("Vjn\(l) jn\(l) 0 PWL(\(TransistorSchedule.pwl(schedule.join(layer: l))))")
                try out.line("Vjnb\(l) jnb\(l) 0 PWL(\(TransistorSchedule.pwl(schedule.join(layer: l, complement: true))))")
            }
            try out.line("")

            // Transmission gates: one subcircuit per size.
            let fingerWidth = circuit.cellKinds.first?.slots.first?.fingerWidthUm ?? 1
            var gates: [String: String] = [:]
            func gate(nfetFingers: Int, pfetFingers: Int, lengthUm: Double) throws -> String {
                let key = "\(nfetFingers)_\(pfetFingers)_\(lengthUm)"
                if let name = gates[key] { return name }
                let name = "kn_tgate\(gates.count)"
                gates[key] = name
                try out.line(".subckt \(name) a b en enb vdd vss")
                for (device, tag, g, bulk, fingers) in [(nfet, "N", "en", "vss", nfetFingers), (pfet, "P", "enb", "vdd", pfetFingers)] {
                    try out.line(try device.instanceLine(name: tag, drain: "a", gate: g, source: "b", bulk: bulk,
                                                         widthUm: Double(fingers) * fingerWidth, lengthUm: lengthUm,
                                                         fingers: fingers, prebinned: prebinned))
                }
                try out.line(".ends \(name)")
                return name
            }
            try out.line("* transmission gates (nfet gate en, pfet gate enb)")
            var layerGate: [Int: String] = [:]
            for sw in circuit.switches {
                layerGate[sw.layer] = try gate(nfetFingers: sw.nfetFingers, pfetFingers: sw.pfetFingers, lengthUm: sw.lengthUm)
            }
            try out.line("")

            // Cell subcircuits.
            try out.line("* cell subcircuits: \(subcircuits.count) distinct sizings of \(plan.cellCount) cells (bias currents are parameters)")
            switch options.start {
            case let .nodesets(typical)? where !typical.volts.isEmpty:
                try out.line("* operating-point start: each subcircuit's .nodeset holds the internal nets of a typical cell of its kind, ports at V_CM")
            case let .settle(typical, phase)? where !typical.volts.isEmpty:
                try out.line("* operating-point start: settle phase of \(f(schedule.settle)) s before anchor 0, switches open; each subcircuit's Bpull sources")
                try out.line("* pull its internal nets to those of a typical cell of its kind (ports at V_CM) with \(f(phase.conductance)) S at t = 0,")
                try out.line("* fading to exactly zero at \(f(phase.fade * schedule.settle)) s: simulation aids, not circuit elements")
            default: break
            }
            for lines in subcircuits.definitions { for line in lines { try out.line(line) } }
            try out.line("")

            // Node capacitors and banks.
            let capacitor = process.capacitors.first { $0.model == plan.capacitorModel }
            try out.line("* node capacitors: \(plan.capacitorModel) units in parallel from each node to vss, one instance of m units")
            let capTerminals = capacitor?.terminals.count ?? 2
            guard capTerminals == 2 else {
                throw EmitError.unsupported("capacitor \(plan.capacitorModel)", "has \(capTerminals) terminals; the writer places two-terminal capacitors only")
            }
            func capacitors(_ name: String, net: String, units: Int, sideUm: Double) throws {
                guard units > 0 else { return }
                let side = String(format: "%.6g", sideUm)
                let count = capacitor?.unitCountParameter.map { " \($0)=\(units)" } ?? ""
                try out.line("XC\(name) \(net) vss \(plan.capacitorModel) w=\(side) l=\(side)\(count) m=\(units)")
                stats.capacitorUnits += units
            }
            for cap in circuit.nodeCapacitors {
                try capacitors("\(cap.node)", net: "n\(cap.node)", units: cap.units, sideUm: cap.sideUm)
                for (i, bank) in cap.banks.enumerated() {
                    let net = "bk\(cap.node)_\(i)"
                    try capacitors("\(cap.node)_b\(i)", net: net, units: bank.units, sideUm: bank.sideUm)
                    guard let sw = circuit.switches.first(where: { $0.layer == bank.layer }) else {
                        throw EmitError.invalid("circuit.nodeCapacitors[node \(cap.node)].banks[\(i)]", "joins at layer \(bank.layer), which has no switch; re-map the network")
                    }
                    let scale = Self.bankGateFingersPerUnit * max(1, bank.units)
                    let name = try gate(nfetFingers: sw.nfetFingers * scale, pfetFingers: sw.pfetFingers * scale, lengthUm: sw.lengthUm)
                    try out.line("XR\(cap.node)_\(i) \(net) vcm rs\(bank.layer) rsb\(bank.layer) vdd vss \(name)")
                    try out.line("XJ\(cap.node)_\(i) \(net) n\(cap.node) jn\(bank.layer) jnb\(bank.layer) vdd vss \(name)")
                    stats.transmissionGates += 2
                    stats.mosfets += 4
                }
            }
            try out.line("")

            // Cells and their layer switches.
            for layer in circuit.layers {
                let kind = try plan.kind(of: layer)
                let outputs = Set(kind.outputPorts)
                guard let tgate = layerGate[layer.index] else {
                    throw EmitError.invalid("circuit.switches", "has no switch for layer \(layer.index); re-map the network")
                }
                try out.line("* layer \(layer.index): \(layer.cells.count) \(kind.name) cells, conduct in [\(f(schedule.anchorTimes[layer.index])), \(f(schedule.anchorTimes[layer.index + 1]))) s")
                for c in 0..<layer.cells.count {
                    let cell = layer.cells.cell(c)
                    let (subckt, writer) = subcircuits.subcircuit(of: cell, kind: kind)
                    var nets: [String] = []
                    var switched: [(String, String)] = []
                    for (p, port) in kind.cellPorts.enumerated() {
                        let node: Int
                        switch cell.ports[p] {
                        case .src: node = cell.src
                        case .des: node = cell.des
                        case .vcm: node = 0
                        }
                        let net = node == 0 ? "vcm" : "n\(node)"
                        if outputs.contains(port) && node != 0 {
                            let side = "x\(layer.index)_\(c)_\(port)"
                            nets.append(side)
                            switched.append((side, net))
                        } else {
                            nets.append(net)
                        }
                    }
                    nets += kind.globalPorts
                    var line = "XL\(layer.index)_\(c) " + nets.joined(separator: " ") + " " + subckt
                    for b in kind.biases.indices where cell.bias[b] > 0 {
                        line += " \(writer.biasParameter(b))=\(String(format: "%.9g", cell.bias[b]))"
                        stats.biasSources += 1
                    }
                    try out.line(line)
                    for (k, (side, net)) in switched.enumerated() {
                        try out.line("XS\(layer.index)_\(c)_\(k) \(side) \(net) en\(layer.index) enb\(layer.index) vdd vss \(tgate)")
                        try out.line("XD\(layer.index)_\(c)_\(k) \(side) vcm enb\(layer.index) en\(layer.index) vdd vss \(tgate)")
                        stats.transmissionGates += 2
                        stats.mosfets += 4
                    }
                    stats.mosfets += kind.slots.indices.reduce(0) { $0 + (cell.fingers[$1] > 0 ? kind.units($1, series: cell.series[$1]) : 0) }
                    stats.cells += 1
                }
                try out.line("")
            }

            if let phase = options.start?.settlePhase {
                try out.line("* input drive during the settle phase (simulation aid): holds each node at its input, fading to exactly zero at \(f(schedule.settle - schedule.ramp)) s")
                for (k, volts) in plan.initialVolts.enumerated() { try out.line(phase.holdLine(node: k + 1, volts: volts, schedule: schedule)) }
                try out.line("")
            }

            // Initial state.
            var ics = plan.initialVolts.enumerated().map { "v(n\($0.offset + 1))=\(f($0.element))" }
            for cap in circuit.nodeCapacitors { for i in cap.banks.indices { ics.append("v(bk\(cap.node)_\(i))=\(f(s.vcm))") } }
            try out.line("* initial state (model units): \(plan.initialState)")
            for start in stride(from: 0, to: ics.count, by: 8) {
                try out.line(".ic " + ics[start..<min(start + 8, ics.count)].joined(separator: " "))
            }
            let vntol = options.vntol ?? s.alpha * 1e-4
            let abstol = options.abstol ?? circuit.layers.indices.map { s.beta(layer: $0) }.reduce(s.beta, min) * 1e-6
            try out.line(".options \(options.klu ? "klu " : "")reltol=\(f(options.reltol)) vntol=\(f(vntol)) abstol=\(f(abstol)) method=\(options.method.rawValue)")
            let tstop = schedule.anchorTimes.last!
            let tmax = min(options.maxStep * circuit.shortestTau, tstop)
            try out.line(".control")
            try out.line("set filetype=\(options.rawfileEncoding.rawValue)")
            for line in Ngspice.saveCommands((1...max(plan.nodeCount, 1)).prefix(plan.nodeCount).map { "v(n\($0))" }) { try out.line(line) }
            try out.line("tran \(f(tmax)) \(f(tstop)) 0 \(f(tmax))")
            try out.line("write \(raw.lastPathComponent)")
            try out.line("rusage all")
            try out.line("quit 0")
            try out.line(".endc")
            try out.line(".end")
        }
        return TransistorNetlist(url: url, rawfile: raw, schedule: schedule, stateWidths: plan.stateWidths,
                                 initialState: plan.initialState, statistics: stats)
    }
}

extension TransistorNetlistWriter {
    /// The supplies and the references of `circuit` as ideal voltage sources: `V<name> <name> 0 DC <volts>`.
    static func idealReferenceLines(_ circuit: MappedCircuit) -> [String] {
        (circuit.supplies.map { ($0.name, $0.volts) } + circuit.references.map { ($0.name, $0.volts) })
            .map { "V\($0.0) \($0.0) 0 DC \(TextSink.format($0.1))" }
    }
}

extension CellKind {
    /// The per-cell ports that no gate of the cell connects to: the ports the cell drives a current into
    /// (`src`, `des` of `tanh2`; `osnk`, `osrc` of `relu1`). Every other per-cell port is an input.
    public var outputPorts: [String] {
        let gates = Set(slots.map(\.gate))
        return cellPorts.filter { !gates.contains($0) }
    }
}
