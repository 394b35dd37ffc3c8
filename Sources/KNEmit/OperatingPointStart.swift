import Foundation
import KNMap

/// How ngspice reaches the operating point of a transistor netlist (``TransistorNetlistOptions/start``).
///
/// From all nets at zero, ngspice's Newton iteration fails on the mapped cells and dynamic gmin stepping takes
/// 1,700–3,600 iterations. Two starts avoid that, both from the typical internal voltages of each cell kind
/// (``CellNodesets``, one small operating point):
/// - ``nodesets(_:)``: a `.nodeset` line in every cell subcircuit. Few iterations, but ngspice pays for every
///   nodeset net on every iteration with a scan of all nodes, a cost that grows with the square of the circuit
///   (200 cells: 333 s for 16 iterations). Right for small circuits.
/// - ``settle(_:_:)``: a settle phase before the network's t = 0 (``SettlePhase``). The same typical voltages
///   are held by pull conductances that fade out over the phase, while the layer switches are open and the node
///   capacitors keep the input; the cells then settle in the transient. Each iteration costs what a transient
///   step costs, whatever the circuit's size: on the whole twomoon circuit (600 cells, 85,011 MOSFETs; sky130,
///   ngspice 46) the operating point takes 7.1 s instead of 5,042 s with nodesets, and a sample 8.5 minutes.
public enum OperatingPointStart: Hashable, Sendable, Codable {
    /// From zero: ngspice's Newton iteration and gmin stepping.
    case cold
    /// A `.nodeset` line with the typical nets in every cell subcircuit.
    case nodesets(CellNodesets)
    /// Pull conductances to the typical nets that fade out during a settle phase before the network starts.
    case settle(CellNodesets, SettlePhase)

    /// The settle phase, if this start has one.
    public var settlePhase: SettlePhase? {
        if case let .settle(_, phase) = self { return phase }
        return nil
    }

    /// Whether this start needs typical nets that it does not hold yet (a nodeset or settle start with none).
    public var needsTypical: Bool {
        switch self {
        case .cold: false
        case let .nodesets(n), let .settle(n, _): n.volts.isEmpty
        }
    }

    /// The start chosen for `circuit`, its typical nets still to be measured: nodesets up to
    /// ``CellNodesets/largestCircuit`` cells (where they pay), beyond them a settle phase `phase`.
    public static func automatic(for circuit: MappedCircuit, phase: SettlePhase = SettlePhase()) -> OperatingPointStart {
        CellNodesets.pay(for: circuit) ? .nodesets(CellNodesets()) : .settle(CellNodesets(), phase)
    }

    /// The start the verifier and the netlist Monte Carlo use for `circuit`: what was asked (`nil`:
    /// ``automatic(for:phase:)``), with its typical nets measured by `measure` when it needs them.
    public static func resolve(_ asked: OperatingPointStart?, for circuit: MappedCircuit,
                               measure: () throws -> CellNodesets) rethrows -> OperatingPointStart {
        let start = asked ?? automatic(for: circuit)
        guard start.needsTypical else { return start }
        switch start {
        case .cold: return .cold
        case .nodesets: return .nodesets(try measure())
        case let .settle(_, phase): return .settle(try measure(), phase)
        }
    }
}

/// The settle phase of a transistor netlist: circuit time `[0, duration·tau)` before the network's t = 0.
///
/// During the phase every layer switch is open (each cell's output flows into V_CM through its dump gate) and
/// the capacitor banks are held at V_CM.
/// - Each internal net of a cell with a typical voltage `V_typ` carries a pull current `G(t)·(V − V_typ)`, with
///   `G(t) = conductance·max(0, 1 − t/(fade·duration·tau))²`. At the operating point (t = 0) the pulls hold every
///   cell next to its typical state, so Newton converges in a few iterations; they fade smoothly to exactly zero
///   at `fade·duration·tau`, and the cells settle on their own for the rest of the phase.
/// - Each node is held at its input by the input drive, `G_hold(t)·(V − V_in)`, which fades the same way from
///   `fade·duration·tau` to exactly zero one switch ramp before anchor 0. Without it, the charge that the
///   settling cells couple through their input gates moves the nodes (measured on the 4-cell test circuit with
///   1 nF nodes: 1e-3 units).
///
/// From the end of the phase on every pull is exactly zero: they are simulation aids, not circuit elements.
/// Layer 0's switches then close, centred on `duration·tau`, which is the network's t = 0 (anchor 0).
public struct SettlePhase: Hashable, Sendable, Codable {
    /// The length of the phase, in model time units.
    public var duration: Double
    /// The fraction of the phase over which the pulls fade out.
    public var fade: Double
    /// The pull conductance at the operating point, siemens.
    public var conductance: Double
    /// The input drive's conductance on each node until the pulls are gone, siemens.
    public var holdConductance: Double

    /// A phase of `duration` model time units whose pulls of `conductance` siemens fade over its first `fade`,
    /// with the nodes held by `holdConductance` siemens until then.
    public init(duration: Double = 0.05, fade: Double = 0.5, conductance: Double = 1e-3, holdConductance: Double = 1e-2) {
        self.duration = duration
        self.fade = fade
        self.conductance = conductance
        self.holdConductance = holdConductance
    }

    /// The input drive's `Bhold<node>` line for a node held at `volts` during `schedule`'s settle phase, which
    /// fades from `fade·settle` to exactly zero at `settle − ramp`.
    func holdLine(node: Int, volts: Double, schedule: TransistorSchedule) -> String {
        let a = fade * schedule.settle, b = schedule.settle - schedule.ramp
        let w = "min(1,max(0,(\(String(format: "%.9g", b))-time)/\(String(format: "%.9g", b - a))))"
        return "Bhold\(node) n\(node) 0 I=\(String(format: "%.6g", holdConductance))*\(w)*\(w)*(v(n\(node))-\(String(format: "%.12g", volts)))"
    }

    /// Checks that the phase is usable.
    func validate() throws(EmitError) {
        guard duration.isFinite, duration > 0 else {
            throw .invalid("transistor options.start settle duration", "must be a positive number of model time units, got \(duration)")
        }
        guard fade.isFinite, fade > 0, fade < 1 else {
            throw .invalid("transistor options.start settle fade", "must lie strictly between 0 and 1 (the cells need time to settle after the pulls), got \(fade)")
        }
        for (name, g) in [("conductance", conductance), ("holdConductance", holdConductance)] {
            guard g.isFinite, g > 0 else {
                throw .invalid("transistor options.start settle \(name)", "must be a positive number of siemens, got \(g)")
            }
        }
    }
}

extension CellNodesets {
    /// The pull sources of `cell`'s typical nets for a settle phase whose pulls end at `fadeEnd` seconds:
    /// `Bpull<i> <net> 0 I=…` lines (B-sources on `time`), empty when no typical value is known.
    func pullLines(for cell: Cell, kind: CellKind, conductance: Double, fadeEnd: Double) -> [String] {
        guard let typical = volts[kind.name] else { return [] }
        let g = String(format: "%.6g", conductance), end = String(format: "%.9g", fadeEnd)
        return Self.nets(of: cell, kind: kind).compactMap { net in typical[net].map { (net, $0) } }
            .enumerated().map { i, entry in
                let fade = "max(0,1-time/\(end))"
                return "Bpull\(i) \(entry.0) 0 I=\(g)*\(fade)*\(fade)*(v(\(entry.0))-\(String(format: "%.6g", entry.1)))"
            }
    }
}
