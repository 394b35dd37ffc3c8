import Foundation
import KNModel
import KNProcess

/// A KirchhoffNet mapped onto transistor cells of one process: plain data that every writer walks.
///
/// The circuit has, for every layer, one cell per edge that carries current (``CellTable``; an edge that
/// carries no current at any voltage has none), a capacitor on every network node
/// (``NodeCapacitor``), the V_CM reference that stands for model ground (node 0), the global bias
/// references (``Reference``), the layer switches (``LayerSwitch``) and the ``Scaling`` that ties model
/// units to volts, amperes and seconds. The only ideal elements are the supplies and the bias references;
/// ``idealElements`` lists every one of them.
///
/// Each cell's topology is its ``CellKind`` (shared by all cells of a family, documented in
/// `templates/cells/`); what varies per cell is the sizes (fingers, series units) of each device slot,
/// the bias currents and the port bindings.
public struct MappedCircuit: Codable, Sendable {
    /// `kn-mapped-circuit-2` (version 2 stores the cell columns as base64 binary, see ``CellTable``).
    public var format: String = "kn-mapped-circuit-2"
    /// The process (`sky130`, `gf180mcu`) and its corner.
    public var process: String
    public var corner: String
    /// The edge family (`ShiftTanh2`, ...).
    public var family: String
    public var scaling: Scaling
    /// Supply rails (ideal voltage sources).
    public var supplies: [Rail]
    /// The V_CM reference and the cascode bias references (ideal voltage sources).
    public var references: [Reference]
    /// The cell kinds used, with their device slots (topology).
    public var cellKinds: [CellKind]
    /// One entry per network layer.
    public var layers: [MappedLayer]
    /// One capacitor per network node (nodes 1...N of the widest layer).
    public var nodeCapacitors: [NodeCapacitor]
    /// Transmission gates that enable each layer's cells during its time window.
    public var switches: [LayerSwitch]
    /// Parameters that could not be realised within the process limits, by edge.
    public var issues: [MappingIssue]

    /// Every ideal element of the circuit: the supplies, the voltage references, and one bias current
    /// reference per nonzero bias slot of every cell (counted, not listed one by one).
    public var idealElements: [IdealElement] {
        var elements = supplies.map { IdealElement(kind: "voltage source", name: $0.name, purpose: "supply rail", value: $0.volts, count: 1) }
        elements += references.map { IdealElement(kind: "voltage source", name: $0.name, purpose: $0.purpose, value: $0.volts, count: 1) }
        for kind in cellKinds {
            for (slot, bias) in kind.biases.enumerated() {
                var count = 0
                for layer in layers where layer.cells.kind == kind.name {
                    count += layer.cells.biasCurrents(slot: slot).reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
                }
                if count > 0 {
                    elements.append(IdealElement(kind: "current source", name: "\(kind.name).\(bias.name)",
                                                 purpose: "per-cell bias reference: \(bias.purpose)", value: nil, count: count))
                }
            }
        }
        return elements
    }

    /// Total number of MOSFET fingers (each finger one characterized-width device, series units counted).
    public var fingerCount: Int {
        layers.reduce(0) { $0 + $1.cells.fingerTotal }
    }

    /// Edges whose cell needs nothing outside the process limits (no ``MappingIssue`` names them).
    public var realizableEdges: Int {
        layers.reduce(0) { $0 + $1.cells.count } - unrealizable.count
    }

    /// The edges some ``MappingIssue`` names.
    public var unrealizable: Set<EdgeAddress> {
        Set(issues.filter { $0.edge >= 0 }.map { EdgeAddress(layer: $0.layer, edge: $0.edge) })
    }

    /// Gate area of every transistor finger (W·L, series units counted), µm²: the active area before layout.
    public var gateAreaUm2: Double {
        var total = 0.0
        for layer in layers {
            guard let kind = cellKinds.first(where: { $0.name == layer.cells.kind }) else { continue }
            let table = layer.cells
            for c in 0..<table.count {
                for (s, slot) in kind.slots.enumerated() {
                    let i = c * table.slotCount + s
                    total += Double(table.fingers[i]) * Double(table.series[i]) * slot.fingerWidthUm * slot.lengthUm
                }
            }
        }
        return total
    }

    /// Area of every node capacitor (all banks), µm².
    public var capacitorAreaUm2: Double {
        nodeCapacitors.reduce(0) { total, c in
            total + Double(c.units) * c.sideUm * c.sideUm + c.banks.reduce(0) { $0 + Double($1.units) * $1.sideUm * $1.sideUm }
        }
    }

    /// Supply current with every edge current at zero, amperes: each cell's bias references and the branches
    /// that mirror them (see ``CellKind/quiescentCurrent(bias:fingers:)``).
    public var quiescentCurrent: Double {
        var total = 0.0
        for layer in layers {
            guard let kind = cellKinds.first(where: { $0.name == layer.cells.kind }) else { continue }
            let table = layer.cells
            for c in 0..<table.count {
                total += kind.quiescentCurrent(bias: table.bias[(c * table.biasCount)..<((c + 1) * table.biasCount)],
                                               fingers: table.fingers[(c * table.slotCount)..<((c + 1) * table.slotCount)])
            }
        }
        return total
    }

    /// Static power: the supply times ``quiescentCurrent``, watts.
    public var staticPower: Double { (supplies.map(\.volts).max() ?? 0) * quiescentCurrent }
}

/// How model units become volts, amperes and seconds (DESIGN.md §3): `V = vcm + alpha·v`, `I = beta·i`,
/// node capacitance `capacitance`, and one model time unit lasts `tau = capacitance·alpha/beta` seconds.
/// A layer may have its own β (``layerBeta``) and then its own τ; ``MappedLayer`` states each layer's window
/// in seconds.
///
/// A network whose nodes span very different ranges (mnist: pixels within ±7 units in layer 0, hidden nodes
/// at 2.6e4 in layer 1) gets a voltage scale per layer and node, ``nodeAlpha``: node n during layer k sits
/// at `V = vcm + alpha(layer: k, node: n)·v`. Its capacitance is `capacitance·alpha/alpha(layer:node:)`, so
/// `C·α` (and with it `tau`) is the same on every node, and the model's KCL holds in model units with one
/// `beta`. Scales only fall from one layer to the next: at a layer boundary a node's capacitor bank adds
/// capacitors held at V_CM until then, and charge sharing divides `V − vcm` by exactly the ratio of the two
/// scales (see ``NodeCapacitor/banks``).
public struct Scaling: Codable, Sendable, Hashable {
    /// Volts per model unit: the largest scale of any node (the reference for ``capacitance`` and ``tau``).
    public var alpha: Double
    /// Amperes per model unit of edge current (layer 0's when ``layerBeta`` is set).
    public var beta: Double
    /// Amperes per model unit of edge current in each layer; nil: ``beta`` everywhere. A layer whose edges
    /// carry far smaller currents than another's gets a larger β, and with it a shorter `tau(layer:)`.
    public var layerBeta: [Double]?
    /// Node capacitance at the scale ``alpha``, farads.
    public var capacitance: Double
    /// Voltage of model 0 (and of node 0), volts.
    public var vcm: Double
    /// Supply voltage, volts.
    public var vdd: Double
    /// The node voltage window the cells accept: `vcm ± swing` volts.
    public var swing: Double
    /// Volts per model unit of node n (index n − 1) during layer k (`nodeAlpha[k]`); nil: ``alpha`` everywhere.
    /// Every entry is at most ``alpha`` and never rises from one layer to the next.
    public var nodeAlpha: [[Double]]?

    public init(alpha: Double, beta: Double, capacitance: Double, vcm: Double, vdd: Double, swing: Double,
                nodeAlpha: [[Double]]? = nil, layerBeta: [Double]? = nil) {
        self.alpha = alpha
        self.beta = beta
        self.layerBeta = layerBeta
        self.capacitance = capacitance
        self.vcm = vcm
        self.vdd = vdd
        self.swing = swing
        self.nodeAlpha = nodeAlpha
    }

    /// Seconds per unit of model time (layer 0's when ``layerBeta`` is set).
    public var tau: Double { capacitance * alpha / beta }

    /// Amperes per model unit of edge current during `layer`.
    public func beta(layer: Int) -> Double {
        guard let table = layerBeta, layer >= 0, layer < table.count else { return beta }
        return table[layer]
    }

    /// Seconds per unit of model time during `layer`: `capacitance·alpha/beta(layer:)`.
    public func tau(layer: Int) -> Double { capacitance * alpha / beta(layer: layer) }
    /// Volts of a model value at the scale ``alpha``.
    public func volts(_ v: Double) -> Double { vcm + alpha * v }
    /// The largest |v| (model units) inside the window at the scale ``alpha``.
    public var modelLimit: Double { swing / alpha }

    /// Volts per model unit of `node` (1...N; node 0, the reference, answers ``alpha``) during `layer`.
    @inlinable
    public func alpha(layer: Int, node: Int) -> Double {
        guard node > 0, let table = nodeAlpha, layer >= 0, layer < table.count, node <= table[layer].count else { return alpha }
        return table[layer][node - 1]
    }

    /// Volts of model value `v` on `node` during `layer`.
    @inlinable
    public func volts(_ v: Double, layer: Int, node: Int) -> Double { vcm + alpha(layer: layer, node: node) * v }

    /// The model value of `node`'s voltage during `layer`.
    @inlinable
    public func modelValue(volts: Double, layer: Int, node: Int) -> Double { (volts - vcm) / alpha(layer: layer, node: node) }

    /// The largest |v| (model units) of `node` inside the window during `layer`.
    public func modelLimit(layer: Int, node: Int) -> Double { swing / alpha(layer: layer, node: node) }

    /// The capacitance of `node` during `layer`: `capacitance·alpha/alpha(layer:node:)`, so that every node has
    /// the same `C·α` and the same `tau`.
    public func capacitance(layer: Int, node: Int) -> Double { capacitance * alpha / alpha(layer: layer, node: node) }
}

/// A supply rail.
public struct Rail: Codable, Sendable, Hashable {
    public var name: String
    public var volts: Double
}

/// An ideal voltage reference (V_CM, cascode biases).
public struct Reference: Codable, Sendable, Hashable {
    /// Net name, e.g. `vcm`, `vbnc`.
    public var name: String
    public var volts: Double
    public var purpose: String
}

/// One ideal element, for the list every report prints.
public struct IdealElement: Codable, Sendable, Hashable {
    public var kind: String
    public var name: String
    public var purpose: String
    /// Volts for voltage sources; nil for per-cell currents (they differ per cell).
    public var value: Double?
    public var count: Int
}

/// The cells of one layer, the time window in which they conduct, and the layer's nodes.
public struct MappedLayer: Codable, Sendable {
    public var index: Int
    /// The window `[start, end)` in seconds (`(t_k − t_0)·tau`).
    public var startSeconds: Double
    public var endSeconds: Double
    /// Network nodes the layer uses (1...nodeCount).
    public var nodeCount: Int
    public var cells: CellTable
    /// The slowest cell's settling estimate, seconds (``CellLoading``); absent in circuits mapped before it was
    /// estimated.
    public var settlingSeconds: Double? = nil
}

/// A node capacitor built from the process's capacitor option, as one bank per layer.
///
/// Bank 0 is always on the node. Bank k > 0 (present when the node's scale falls at layer k, see
/// ``Scaling/nodeAlpha``) is held at V_CM by a reset transmission gate until the layer-k boundary
/// (`LayerSwitch.startSeconds` of layer k), when the reset opens and a second gate joins it to the node:
/// charge sharing then divides `V − vcm` by (C before)/(C after) = alpha(k)/alpha(k − 1), which is the change
/// of scale, so the model value is continuous. With one scale for the whole network every node has bank 0 only.
public struct NodeCapacitor: Codable, Sendable, Hashable {
    /// Network node (1...N).
    public var node: Int
    /// Farads of bank 0 (the capacitance during layer 0).
    public var capacitance: Double
    /// The capacitor model (e.g. `sky130_fd_pr__cap_mim_m3_1`) and bank 0's unit side in µm and unit count.
    public var model: String
    public var sideUm: Double
    public var units: Int
    /// The banks that join the node at later layers (empty with one scale).
    public var banks: [CapacitorBank]
    /// The gate capacitance the cells hang on the node, farads (``CellLoading``); the node's capacitance is
    /// the capacitor's plus this. Absent in circuits mapped before it was estimated.
    public var cellCapacitance: Double?

    public init(node: Int, capacitance: Double, model: String, sideUm: Double, units: Int, banks: [CapacitorBank] = [],
                cellCapacitance: Double? = nil) {
        self.node = node
        self.capacitance = capacitance
        self.model = model
        self.sideUm = sideUm
        self.units = units
        self.banks = banks
        self.cellCapacitance = cellCapacitance
    }

    /// Capacitor farads on the node during `layer` (bank 0 plus every bank joined by then).
    public func capacitance(layer: Int) -> Double {
        banks.reduce(capacitance) { $0 + ($1.layer <= layer ? $1.capacitance : 0) }
    }

    /// The node's whole capacitance during `layer`: the capacitor's and the cells'.
    public func nodeCapacitance(layer: Int) -> Double { capacitance(layer: layer) + (cellCapacitance ?? 0) }

    /// Farads of every bank together (the area the node takes).
    public var totalCapacitance: Double { banks.reduce(capacitance) { $0 + $1.capacitance } }
}

/// Capacitors that join a node at the start of a layer (see ``NodeCapacitor``).
public struct CapacitorBank: Codable, Sendable, Hashable {
    /// The layer at whose start the bank joins the node.
    public var layer: Int
    /// Farads of the bank.
    public var capacitance: Double
    /// Unit side in µm and number of units.
    public var sideUm: Double
    public var units: Int

    public init(layer: Int, capacitance: Double, sideUm: Double, units: Int) {
        self.layer = layer
        self.capacitance = capacitance
        self.sideUm = sideUm
        self.units = units
    }
}

/// A transmission gate that connects a layer's cells to the nodes during the layer's window.
///
/// Each cell's output stage connects to its `src`/`des` nodes through one gate per terminal; the gates
/// of layer k are driven by `enable` (high in `[startSeconds, endSeconds)`) and its complement.
public struct LayerSwitch: Codable, Sendable, Hashable {
    public var layer: Int
    /// Net name of the enable signal and its complement.
    public var enable: String
    public var enableBar: String
    public var startSeconds: Double
    public var endSeconds: Double
    /// nfet and pfet of each gate: fingers and length.
    public var nfetFingers: Int
    public var pfetFingers: Int
    public var lengthUm: Double
    /// Number of gates (two per cell).
    public var gateCount: Int
}

/// A parameter the mapper could not realise, with the edge, the limit it breaks and the fix.
public struct MappingIssue: Codable, Sendable, Hashable, CustomStringConvertible {
    public var layer: Int
    public var edge: Int
    /// What was asked (e.g. `degeneration resistance`, `node range`).
    public var quantity: String
    public var value: Double
    /// The limit it breaks, in words with numbers.
    public var limit: String
    /// What the user can change.
    public var fix: String

    public var description: String {
        "layer \(layer) edge \(edge): \(quantity) = \(String(format: "%.4g", value)) breaks \(limit); fix: \(fix)"
    }
}

/// An edge of a network named by its layer and its index in that layer, written `layer:edge`.
public struct EdgeAddress: Hashable, Sendable, CustomStringConvertible {
    public var layer: Int
    public var edge: Int

    public init(layer: Int, edge: Int) {
        self.layer = layer
        self.edge = edge
    }

    public var description: String { "\(layer):\(edge)" }
}
