import Foundation
import KNProcess

/// Writes cells as ngspice subcircuits on a process's device models, by walking the ``CellKind`` slots and
/// the per-cell sizes.
///
/// A slot of `f` fingers is one instance with `w = f × finger width` and `nf = f` (the models bin on the
/// finger width, so `f` fingers carry exactly `f` times the current of one; the PDK multiplier is never
/// used). A slot of `s` series units (a resistor, or a dividing copy) is `s` such instances in a chain.
public struct SpiceCellWriter: Sendable {
    public var process: ProcessDescription
    public var kind: CellKind
    /// Lifted model cards: with them the transistors are `M` lines naming their bins (a nominal netlist,
    /// ``KNProcess/PrebinnedModels``); without, instances of the foundry's subcircuits.
    public var prebinned: PrebinnedModels?

    public init(process: ProcessDescription, kind: CellKind, prebinned: PrebinnedModels? = nil) {
        self.process = process
        self.kind = kind
        self.prebinned = prebinned
    }

    /// The subcircuit's port order: the cell ports, then the global ones.
    public var portOrder: [String] { kind.cellPorts + kind.globalPorts }

    /// The subcircuit parameter that carries bias slot `slot`'s current when biases are parameters: `b_<name>`.
    public func biasParameter(_ slot: Int) -> String { "b_" + kind.biases[slot].name }

    /// `.subckt name ports…` … `.ends`.
    ///
    /// With `biasParameters`, every nonzero bias reference reads its current from the subcircuit parameter
    /// ``biasParameter(_:)`` (declared with the cell's value as default), so cells that differ only in their
    /// bias currents share one subcircuit and each instance passes its own currents.
    ///
    /// A `perturbation` shifts one slot's threshold or scales its current factor (every unit of a resistor stack):
    /// what ``CellBench`` measures the mismatch sensitivities with.
    public func subcircuit(name: String, cell: Cell, biasParameters: Bool = false,
                           perturbation: SlotPerturbation? = nil) throws -> [String] {
        let used = kind.biases.indices.filter { cell.bias[$0] > 0 }
        var header = ".subckt \(name) \(portOrder.joined(separator: " "))"
        if biasParameters, !used.isEmpty {
            header += " params: " + used.map { "\(biasParameter($0))=\(String(format: "%.9g", cell.bias[$0]))" }.joined(separator: " ")
        }
        var lines = [header]
        let fingerWidth = kind.slots.first?.fingerWidthUm ?? 1
        for (i, slot) in kind.slots.enumerated() where cell.fingers[i] > 0 {
            let device = try process.device(polarity: slot.polarity)
            let f = cell.fingers[i]
            let units = kind.units(i, series: cell.series[i])
            for unit in 0..<units {
                let drain = unit == 0 ? slot.drain : "\(slot.name.lowercased())_\(unit)"
                let source = unit == units - 1 ? slot.source : "\(slot.name.lowercased())_\(unit + 1)"
                let instance = units == 1 ? slot.name : "\(slot.name)_\(unit + 1)"
                var gate = slot.gate, drainTerminal = drain
                if let perturbation, perturbation.slot == i {
                    let tag = "\(instance.lowercased())_pt"
                    switch perturbation.change {
                    case let .threshold(volts):
                        // ΔVT > 0 lowers |I|: the gate sees vg − ΔVT (nfet) or vg + ΔVT (pfet).
                        gate = "g\(tag)"
                        let shift = slot.polarity == .n ? -volts : volts
                        lines.append("Vg\(tag) \(gate) \(slot.gate) dc \(String(format: "%.9g", shift))")
                    case let .currentFactor(fraction):
                        // Δβ/β: a current-controlled source adds `fraction` times the drain current in parallel.
                        drainTerminal = "d\(tag)"
                        lines.append("Vd\(tag) \(drain) \(drainTerminal) dc 0")
                        lines.append("Fd\(tag) \(drain) \(source) Vd\(tag) \(String(format: "%.9g", fraction))")
                    }
                }
                lines.append(try device.instanceLine(name: instance, drain: drainTerminal, gate: gate, source: source, bulk: slot.bulk,
                                                     widthUm: Double(f) * (slot.fingerWidthUm > 0 ? slot.fingerWidthUm : fingerWidth),
                                                     lengthUm: slot.lengthUm, fingers: f, prebinned: prebinned))
            }
        }
        for (b, slot) in kind.biases.enumerated() where cell.bias[b] > 0 {
            let value = biasParameters ? "{\(biasParameter(b))}" : String(format: "%.9g", cell.bias[b])
            switch slot.direction {
            case .fromVDD: lines.append("I\(slot.name) vdd \(slot.net) dc \(value)")
            case .toVSS: lines.append("I\(slot.name) \(slot.net) vss dc \(value)")
            }
        }
        lines.append(".ends \(name)")
        return lines
    }
}

/// A small change of one device slot of a cell, for measuring how the cell's effective parameters move with it.
public struct SlotPerturbation: Sendable, Hashable, Codable {
    public enum Change: Sendable, Hashable, Codable {
        /// A threshold shift ΔVT (volts; positive lowers the magnitude of the current), as a series gate source.
        case threshold(Double)
        /// A current-factor change Δβ/β (fraction), as a parallel current-controlled source.
        case currentFactor(Double)
    }
    /// The slot index in the ``CellKind``.
    public var slot: Int
    public var change: Change

    public init(slot: Int, change: Change) {
        self.slot = slot
        self.change = change
    }
}
