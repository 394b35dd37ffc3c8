import Foundation

/// What the cells hang on the nodes and how fast they follow them: the estimates behind the node capacitors
/// and the time scale that ``Mapper/map(network:samples:corner:)`` chooses.
///
/// - **Node load.** Only a cell's outputs are switched per layer; its input gates stay on their nodes in every
///   layer. So each node carries the gate capacitance of every input device, of every layer, whose gate port
///   binds to it: fingers × Cgg of one finger at the role's operating point (the process's gm/ID table). The
///   node capacitor is the MIM part of the node capacitance; the cells' part is this load.
/// - **Settling.** A cell follows its inputs through its current mirrors and its triode resistors. Each
///   signal mirror node (a diode-connected device that no bias reference feeds) settles with `C/gm`, where C is
///   every gate on that net (every unit of a stacked copy) and gm the diode's. A triode stack of `s` units in
///   series is a distributed RC line:
///   each unit's gate capacitance hangs on the channel, so its Elmore delay is `s²·R_u·C_u/2` (R_u, C_u of one
///   unit; parallel fingers cancel), which grows with the square of the stack. A cell's estimate is the sum over
///   its signal mirror nodes and stacks (parallel paths counted once each, so it errs long); a layer's is its
///   slowest cell's.
public struct CellLoading: Sendable, Hashable {
    /// Gate capacitance of the cells on node n (index n − 1), farads.
    public var nodeGateCapacitance: [Double]
    /// Per layer: the slowest cell's settling estimate, seconds.
    public var layerSettling: [Double]

    public init(nodeGateCapacitance: [Double], layerSettling: [Double]) {
        self.nodeGateCapacitance = nodeGateCapacitance
        self.layerSettling = layerSettling
    }

    /// The load and settling of the sized cells of `layers` on nodes 1…`nodeCount`.
    public init(layers: [MappedLayer], kinds: [CellKind], nodeCount: Int, catalog: DeviceCatalog) {
        var load = [Double](repeating: 0, count: nodeCount)
        var settling: [Double] = []
        for layer in layers {
            let table = layer.cells
            guard let kind = kinds.first(where: { $0.name == table.kind }) else { settling.append(0); continue }
            let model = LoadingModel(kind: kind, catalog: catalog)
            let slots = table.slotCount
            var slowest = 0.0
            for c in 0..<table.count {
                let fingers = table.fingers[(c * slots)..<((c + 1) * slots)]
                let base = fingers.startIndex
                let series = table.series[(c * slots)..<((c + 1) * slots)]
                for (node, farads) in model.terminalGates(table, cell: c) where node > 0 && Int(node) <= nodeCount {
                    load[Int(node) - 1] += farads
                }
                var cell = 0.0
                for stack in model.stacks where fingers[base + stack.slot] > 0 {
                    let s = Double(series[base + stack.slot])
                    cell += s * s * stack.unitRC / (Double.pi * Double.pi)
                }
                for mirror in model.mirrors where fingers[base + mirror.diode] > 0 {
                    // A stacked copy hangs the gates of all its units on the net.
                    var gates = 0.0
                    for gate in mirror.gates {
                        let units = kind.units(gate.slot, series: Int(series[base + gate.slot]))
                        gates += Double(fingers[base + gate.slot]) * Double(units) * gate.farads
                    }
                    cell += gates / (Double(fingers[base + mirror.diode]) * mirror.gmPerFinger)
                }
                slowest = max(slowest, cell)
            }
            settling.append(slowest)
        }
        self.init(nodeGateCapacitance: load, layerSettling: settling)
    }

    /// The gate capacitance that cell `row` of `table` hangs on its src and on its des terminal, farads: its share
    /// of ``nodeGateCapacitance``.
    public static func terminalGateCapacitance(row: Int, of table: CellTable, kind: CellKind,
                                               catalog: DeviceCatalog) -> (src: Double, des: Double) {
        var src = 0.0, des = 0.0
        let model = LoadingModel(kind: kind, catalog: catalog)
        for (port, farads) in model.portLoads(table, cell: row) {
            switch port {
            case .src: src += farads
            case .des: des += farads
            default: break
            }
        }
        return (src, des)
    }
}

/// Per cell kind: which slots' gates sit on each input port and on each signal mirror net.
private struct LoadingModel {
    /// (cell port index, [(slot, Cgg per finger)]) for the ports that some gate connects to.
    var portGates: [(Int, [(slot: Int, farads: Double)])] = []
    /// The signal mirror nodes: the diode slot, its gm per finger and the gates on its net.
    var mirrors: [(diode: Int, gmPerFinger: Double, gates: [(slot: Int, farads: Double)])] = []
    /// The triode stacks: the slot and R·C of one unit.
    var stacks: [(slot: Int, unitRC: Double)] = []

    /// Per input port of cell `c` that binds to src or des: the port's binding and the farads of its gates.
    func portLoads(_ table: CellTable, cell c: Int) -> [(PortBinding, Double)] {
        let slots = table.slotCount, ports = table.portCount
        let base = c * slots
        return portGates.compactMap { port, gates in
            guard let binding = PortBinding(rawValue: table.ports[c * ports + port]), binding == .src || binding == .des else {
                return nil
            }
            return (binding, gates.reduce(0) { $0 + Double(table.fingers[base + $1.slot]) * $1.farads })
        }
    }

    /// The same per node: (the node the port binds to, farads).
    func terminalGates(_ table: CellTable, cell c: Int) -> [(Int32, Double)] {
        portLoads(table, cell: c).map { binding, farads in (binding == .src ? table.src[c] : table.des[c], farads) }
    }

    init(kind: CellKind, catalog: DeviceCatalog) {
        func gates(on net: String) -> [(slot: Int, farads: Double)] {
            kind.slots.indices.filter { kind.slots[$0].gate == net }.map { i in
                let s = kind.slots[i]
                return (i, catalog.gateCapacitance[s.polarity]?[s.role] ?? 0)
            }
        }
        for (p, port) in kind.cellPorts.enumerated() {
            let on = gates(on: port)
            if !on.isEmpty { portGates.append((p, on)) }
        }
        for (i, slot) in kind.slots.enumerated() where slot.role == .resistor {
            let unit = slot.polarity == .n ? catalog.nResistorUnit : catalog.pResistorUnit
            stacks.append((i, unit * (catalog.gateCapacitance[slot.polarity]?[.resistor] ?? 0)))
        }
        let biasNets = Set(kind.biases.map(\.net))
        for (i, slot) in kind.slots.enumerated() where slot.role == .diode && !biasNets.contains(slot.gate) {
            let perFinger = (catalog.gmOverID[slot.polarity]?[.diode] ?? 0) * (catalog.density[slot.polarity]?[.diode] ?? 0)
            guard perFinger > 0 else { continue }
            mirrors.append((i, perFinger, gates(on: slot.gate)))
        }
    }
}
