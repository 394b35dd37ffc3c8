import Foundation
import KNMap
import KNProcess

extension MappedCircuit {
    /// The shortest seconds per unit of model time over the layers (each layer may have its own beta).
    var shortestTau: Double { layers.indices.map { scaling.tau(layer: $0) }.min() ?? scaling.tau }
}

/// A mapped circuit checked for what the transistor netlist needs, with its initial node voltages.
struct TransistorCircuitPlan {
    let circuit: MappedCircuit
    /// Nodes 1…nodeCount (the widest layer).
    let nodeCount: Int
    /// Model values of nodes 1…nodeCount at t = 0.
    let initialState: [Double]
    /// Volts of nodes 1…nodeCount at t = 0: `vcm + alpha(0, k)·x_k`.
    let initialVolts: [Double]
    /// See ``TransistorNetlist/stateWidths``.
    let stateWidths: [Int]
    /// The layers at whose start some capacitor bank joins its node.
    let bankLayers: [Int]
    /// The capacitor model of the node capacitors.
    let capacitorModel: String
    let cellCount: Int

    init(_ circuit: MappedCircuit, process: ProcessDescription, inputs: [Double]) throws(EmitError) {
        self.circuit = circuit
        guard circuit.process == process.name else {
            throw .invalid("circuit.process", "is \(circuit.process) but the process description is \(process.name); pass --pdk \(circuit.process)")
        }
        guard let first = circuit.layers.first else { throw .invalid("circuit.layers", "is empty; map a network with at least one layer") }
        for (l, layer) in circuit.layers.enumerated() where layer.index != l {
            throw .invalid("circuit.layers[\(l)]", "has index \(layer.index); the layers must be numbered 0, 1, … in order")
        }
        nodeCount = circuit.layers.map(\.nodeCount).max() ?? 0
        let capacitorNodes = circuit.nodeCapacitors.map(\.node).sorted()
        guard capacitorNodes == (nodeCount > 0 ? Array(1...nodeCount) : []) else {
            throw .invalid("circuit.nodeCapacitors", "covers nodes \(capacitorNodes.prefix(8))… but the layers use nodes 1…\(nodeCount); every node needs exactly one capacitor (re-map the network)")
        }
        let models = Set(circuit.nodeCapacitors.map(\.model))
        guard models.count <= 1 else { throw .unsupported("circuit.nodeCapacitors", "mixes capacitor models \(models.sorted()); one model per circuit is supported") }
        let model = models.first ?? ""
        capacitorModel = model
        if !model.isEmpty, !process.capacitors.contains(where: { $0.model == model }) {
            throw .invalid("circuit.nodeCapacitors", "use \(model), which \(process.fileURL.lastPathComponent) does not list; map with this process description")
        }
        for cap in circuit.nodeCapacitors {
            guard cap.units >= 1, cap.sideUm > 0, cap.sideUm.isFinite else {
                throw .invalid("circuit.nodeCapacitors[node \(cap.node)]", "has \(cap.units) units of side \(cap.sideUm) µm; re-map the network")
            }
            for (i, bank) in cap.banks.enumerated() where !(bank.layer >= 1 && bank.layer < circuit.layers.count && bank.units >= 1 && bank.sideUm > 0) {
                throw .invalid("circuit.nodeCapacitors[node \(cap.node)].banks[\(i)]", "joins at layer \(bank.layer) with \(bank.units) units of side \(bank.sideUm) µm; a bank joins at a layer 1…\(circuit.layers.count - 1) and has units")
            }
        }
        bankLayers = Set(circuit.nodeCapacitors.flatMap { $0.banks.map(\.layer) }).sorted()
        for name in ["vdd", "vss"] where !circuit.supplies.contains(where: { $0.name == name }) {
            throw .invalid("circuit.supplies", "has no rail \(name); re-map the network")
        }
        for name in ["vcm", "vbnc", "vbpc"] where !circuit.references.contains(where: { $0.name == name }) {
            throw .invalid("circuit.references", "has no reference \(name); re-map the network")
        }
        let width = first.nodeCount
        guard inputs.count <= width else {
            throw .invalid("inputs", "\(inputs.count) input values but the first layer has \(width) nodes")
        }
        if let bad = inputs.firstIndex(where: { !$0.isFinite }) {
            throw .invalid("inputs[\(bad)]", "is \(inputs[bad]); inputs must be finite")
        }
        initialState = inputs + [Double](repeating: 0, count: nodeCount - inputs.count)
        initialVolts = initialState.enumerated().map { circuit.scaling.volts($0.element, layer: 0, node: $0.offset + 1) }
        stateWidths = [width] + circuit.layers.map(\.nodeCount)
        cellCount = circuit.layers.reduce(0) { $0 + $1.cells.count }
        for (l, layer) in circuit.layers.enumerated() {
            _ = try kind(of: layer)
            guard circuit.switches.contains(where: { $0.layer == l }) else {
                throw .invalid("circuit.switches", "has no switch for layer \(l); re-map the network")
            }
        }
    }

    /// The cell kind of a layer's cells.
    func kind(of layer: MappedLayer) throws(EmitError) -> CellKind {
        guard let kind = circuit.cellKinds.first(where: { $0.name == layer.cells.kind }) else {
            throw .invalid("circuit.layers[\(layer.index)].cells.kind", "is \(layer.cells.kind), which circuit.cellKinds does not describe; re-map the network")
        }
        return kind
    }

    /// The header lines (without comment markers): scaling, supplies, references, schedule, counts.
    func headerLines(schedule: TransistorSchedule) -> [String] {
        let s = circuit.scaling
        var lines = [
            "scaling: V = V_CM + alpha*v, I = beta*i, node capacitance C, tau = C*alpha/beta",
            "alpha = \(s.alpha) V/unit",
            "beta = \(s.beta) A/unit",
            "C = \(s.capacitance) F",
            "tau = \(s.tau) s per unit of model time",
            "V_CM = \(s.vcm) V (model ground, node 0, is the net vcm); cells accept V_CM +- \(s.swing) V",
        ]
        if let betas = s.layerBeta {
            lines.append("per-layer beta = \(betas) A/unit, tau = \(betas.indices.map { s.tau(layer: $0) }) s (layer windows follow them)")
        }
        if s.nodeAlpha != nil {
            lines.append("per-node scales: node k during layer l is at V = V_CM + alpha(l, k)*v with alpha(l, k) = \(s.nodeAlpha!) V/unit (capacitor banks join at the layer starts)")
        }
        lines.append("supplies: " + circuit.supplies.map { "\($0.name) = \($0.volts) V" }.joined(separator: ", "))
        lines.append("references: " + circuit.references.map { "\($0.name) = \($0.volts) V (\($0.purpose))" }.joined(separator: ", "))
        lines.append("layers: \(circuit.layers.count), nodes per layer: \(circuit.layers.map(\.nodeCount)), cells per layer: \(circuit.layers.map(\.cells.count))")
        lines.append("anchors (circuit time, s): \(schedule.anchorTimes); layer k conducts during [anchor_k, anchor_k+1)")
        if schedule.settle > 0 {
            lines.append("settle phase: [0, \(schedule.settle)) s, every switch open and the nodes holding the input; the network's t = 0 is anchor 0; its pull (Bpull) and input-drive (Bhold) sources are simulation aids, exactly zero from anchor 0 on")
        }
        lines.append("ideal elements: the supplies, the references, the switch drive sources and one bias current per nonzero bias slot of each cell")
        return lines
    }
}
