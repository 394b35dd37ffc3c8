import Foundation
import KNMap
import KNModel
import KNProcess

/// The cells of a mapped circuit (`kn-map map`): for every edge, the sized devices of its cell with sensitivities
/// measured in ngspice on the foundry models (``KNMap/CellBench/sensitivities(_:network:samples:pick:)``).
///
/// Every PDK instance of a slot becomes one ``SizedDevice``: its total width (fingers × finger width), its length,
/// its fingers, and the slot's sensitivities (a resistor stack of `s` series instances gives `s` devices, each with
/// `1/s` of the slot's sensitivity, since each unit carries an equal share of the stack's voltage). A threshold
/// shift of the slot moves every one of its instances, so the slot's sensitivity is the sum of its instances'.
public struct MappedCellProvider: EdgeCellProvider {
    /// Sensitivities by layer and edge.
    public let cells: [Int: [Int: EdgeCell]]
    /// The cell of edges without a measurement (nil: every edge must have one).
    public let fallback: AssumedCellTopology?
    public let provenance: String

    /// - Parameters:
    ///   - sensitivities: the measured cells.
    ///   - network: the mapped network; each cell's sensitivities are taken as its edge's nodes see them
    ///     (``KNMap/CellSensitivities/seen(src:des:)``: a ground edge with a constant argument shifts one current).
    ///   - source: where the circuit comes from (for the provenance).
    public init(_ sensitivities: [CellSensitivities], network: Network, source: String, fallback: AssumedCellTopology? = nil) {
        var cells = [Int: [Int: EdgeCell]]()
        for s in sensitivities {
            var seen = s
            if network.layers.indices.contains(s.layer), network.layers[s.layer].edges.count > s.edge {
                let edges = network.layers[s.layer].edges
                seen = s.seen(src: Int(edges.src[s.edge]), des: Int(edges.des[s.edge]))
            }
            cells[s.layer, default: [:]][s.edge] = Self.cell(seen)
        }
        self.cells = cells
        self.fallback = fallback
        let count = sensitivities.count
        provenance = "MAPPED cells of \(source): \(count) cell\(count == 1 ? "" : "s") with device sensitivities measured in ngspice (ΔVT step \(CellBench.thresholdStep * 1e3) mV, Δβ/β step \(CellBench.currentFactorStep * 100) %, one-sided; a ground edge with a constant argument shifts its one current)"
            + (fallback.map { "; other edges: " + $0.provenance } ?? "")
    }

    /// Measures the sensitivities of the picked cells (every cell: `FidelityRunner.sample(circuit, count: .max)`) in
    /// `processes` concurrent ngspice processes. With a `journal`, each cell is stored there the moment it is
    /// measured and a cell it already holds is not measured again, so a stopped measurement resumes; a cell whose
    /// part is of another run (another circuit file, say) or unreadable is measured again and its part replaced.
    public static func measure<Run>(_ circuit: MappedCircuit, network: Network, operating: OperatingSamples, bench: CellBench,
                                    picks: [FidelityRunner.Pick], journal: RunJournal<Run, CellSensitivities>? = nil,
                                    processes: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> [CellSensitivities] {
        @Sendable func name(_ pick: FidelityRunner.Pick) -> String { "\(pick.layer)-\(pick.row)" }
        return try FidelityRunner.resuming(picks, processes: processes, finished: { try? journal?.finished(name($0)) }) { pick in
            let measured = try bench.sensitivities(circuit, network: network, samples: operating, pick: pick)
            try journal?.store(measured, as: name(pick))
            return measured
        }
    }

    /// The devices of one measured cell.
    ///
    /// Each device carries its gate-referred σ measured at its operating point, which the mismatch model uses instead
    /// of the Pelgrom coefficients; with `usePelgrom` it carries none (the process's coefficients apply).
    public static func cell(_ s: CellSensitivities, usePelgrom: Bool = false) -> EdgeCell {
        var devices: [SizedDevice] = []
        for slot in s.slots {
            let share = 1 / Double(slot.series)
            let sensitivities = zip(EffectiveParameter.allCases, zip(slot.perVolt.values, slot.perRelativeBeta.values)).map {
                Sensitivity($0, perVolt: share * $1.0, perRelativeBeta: share * $1.1)
            }
            for unit in 0..<slot.series {
                devices.append(SizedDevice(role: slot.series > 1 ? "\(slot.slot)_\(unit + 1)" : slot.slot,
                                           type: slot.polarity == .n ? .nmos : .pmos,
                                           widthUm: Double(slot.fingers) * slot.fingerWidthUm, lengthUm: slot.lengthUm,
                                           fingers: slot.fingers, sensitivities: sensitivities,
                                           operatingSigmaVT: usePelgrom ? nil : slot.operatingSigmaVT[unit]))
            }
        }
        return EdgeCell(name: "\(s.kind) layer \(s.layer) edge \(s.edge)", devices: devices)
    }

    public func cell(layer: Int, edge: Int) -> EdgeCell {
        if let c = cells[layer]?[edge] { return c }
        guard let fallback else { preconditionFailure("MappedCellProvider: no cell measured for layer \(layer) edge \(edge)") }
        return fallback.cell(layer: layer, edge: edge)
    }
}
