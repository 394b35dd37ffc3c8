import Foundation
import KNProcess

/// The topology of a cell: its ports, its device slots with their connections, and its bias slots.
///
/// Every cell of a kind has the same slots; a slot with zero fingers is absent in that cell (for instance
/// the front end of an input that is node 0). Nets are local to the cell except the global ones
/// (`vdd`, `vss`, `vcm`, `vbnc`, `vbpc`) and the per-cell ports in ``cellPorts``, which each cell binds to
/// `src`, `des` or `vcm` (``PortBinding``). The SPICE form of each kind, with the same slot names, is
/// `templates/cells/<template>`; `CellTemplateTests` checks that both agree.
public struct CellKind: Codable, Sendable, Hashable {
    /// `tanh2`, `relu2`.
    public var name: String
    /// The template file in `templates/cells/`.
    public var template: String
    /// One paragraph: what the cell computes and how.
    public var summary: String
    /// Ports bound per cell (each to the cell's src node, des node or vcm).
    public var cellPorts: [String]
    /// Global nets the cell connects to.
    public var globalPorts: [String]
    public var slots: [DeviceSlot]
    public var biases: [BiasSlot]
    /// Names of the per-cell design values (``CellTable/design``), with units.
    public var designValues: [String]

    /// The index of a slot by name.
    public func slotIndex(_ name: String) -> Int {
        guard let index = slots.firstIndex(where: { $0.name == name }) else { preconditionFailure("no slot \(name) in \(self.name)") }
        return index
    }

    /// The current a cell of this kind draws from the supply with its edge current at zero, from its bias
    /// references and device sizes: each reference flows once through its diode, and the branches that copy it
    /// add their own. relu2: the references, two tails per front end, the loads' copies X1 and Y2 (one tail
    /// sum each), the offset copy, and with a negative branch its copies Y1 and XN2 and its offset copy.
    /// tanh2: the references, two tails per front end, the bypass pair, the offset sink, both followers, the
    /// tanh tail and the four output copies of its halves.
    public func quiescentCurrent(bias: ArraySlice<Double>, fingers: ArraySlice<Int32>) -> Double {
        let values = Array(bias), sizes = Array(fingers)
        func b(_ name: String) -> Double { biases.firstIndex { $0.name == name }.map { values[$0] } ?? 0 }
        func present(_ slot: String) -> Bool { slots.firstIndex { $0.name == slot }.map { sizes[$0] > 0 } ?? false }
        let references = values.reduce(0, +)
        switch name {
        case "relu2":
            let tails = b("ifs") + b("ifd")
            var total = references + 2 * tails + 2 * tails + b("ioffn") + b("ioffp")
            if present("Y1") { total += 2 * tails + b("ioffyn") + b("ioffyp") }
            return total
        case "tanh2":
            return references + 2 * (b("ifs") + b("ifd")) + 2 * b("isrc") + b("ioff") + 2 * b("ifol") + b("itail") + 2 * b("itail")
        default:
            return references
        }
    }

    /// The PDK instances slot `slot` is built from in a cell with `series` units there: the units of a stack
    /// (``DeviceSlot/stacks``), else one.
    public func units(_ slot: Int, series: Int) -> Int {
        slots[slot].stacks ? max(1, series) : 1
    }

    public func biasIndex(_ name: String) -> Int {
        guard let index = biases.firstIndex(where: { $0.name == name }) else { preconditionFailure("no bias \(name) in \(self.name)") }
        return index
    }
}

/// One transistor position of a cell.
public struct DeviceSlot: Codable, Sendable, Hashable {
    public enum Role: String, Codable, Sendable {
        /// Gate on a node or V_CM: a transconductor input.
        case input
        /// Weak-inversion pair that forms the tanh.
        case tanhPair
        /// Tail or bias current sink/source (a mirror output).
        case tail
        /// Diode-connected mirror input.
        case diode
        /// Mirror output.
        case mirror
        /// Cascode (gate at vbnc / vbpc).
        case cascode
        /// Triode device used as a resistor (series stack of units).
        case resistor
        /// Source follower (level shift).
        case follower
    }

    public var name: String
    public var polarity: Polarity
    public var drain: String
    public var gate: String
    public var source: String
    public var bulk: String
    public var role: Role
    /// Gate length, µm (chosen per circuit from the characterized lengths).
    public var lengthUm: Double
    /// Width of one finger, µm.
    public var fingerWidthUm: Double
    /// What the slot does.
    public var purpose: String
    /// Whether the slot may be a series stack of units (``Cell/series``): the triode resistors, and the copies
    /// of a two-level diode, which divide by stacking (a copy s units long carries 1/s of the diode's current
    /// at one finger each, so the diode stays narrow and its node high at small currents).
    public var stacks: Bool

    public init(name: String, polarity: Polarity, drain: String, gate: String, source: String, bulk: String, role: Role,
                lengthUm: Double, fingerWidthUm: Double, purpose: String, stacks: Bool? = nil) {
        self.name = name
        self.polarity = polarity
        self.drain = drain
        self.gate = gate
        self.source = source
        self.bulk = bulk
        self.role = role
        self.lengthUm = lengthUm
        self.fingerWidthUm = fingerWidthUm
        self.purpose = purpose
        self.stacks = stacks ?? (role == .resistor)
    }

    private enum CodingKeys: String, CodingKey {
        case name, polarity, drain, gate, source, bulk, role, lengthUm, fingerWidthUm, purpose, stacks
    }

    /// Decodes a slot; one written before copies could stack stacks only when it is a resistor.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(name: c.decode(String.self, forKey: .name), polarity: c.decode(Polarity.self, forKey: .polarity),
                      drain: c.decode(String.self, forKey: .drain), gate: c.decode(String.self, forKey: .gate),
                      source: c.decode(String.self, forKey: .source), bulk: c.decode(String.self, forKey: .bulk),
                      role: c.decode(Role.self, forKey: .role), lengthUm: c.decode(Double.self, forKey: .lengthUm),
                      fingerWidthUm: c.decode(Double.self, forKey: .fingerWidthUm), purpose: c.decode(String.self, forKey: .purpose),
                      stacks: c.decodeIfPresent(Bool.self, forKey: .stacks))
    }
}

/// An ideal bias current reference of a cell: it feeds the diode-connected device on `net`.
public struct BiasSlot: Codable, Sendable, Hashable {
    public var name: String
    /// The diode net the current flows into (`fromVDD`) or out of (`toVSS`).
    public var net: String
    public var direction: Direction
    public var purpose: String

    public enum Direction: String, Codable, Sendable {
        /// Current flows from vdd into `net` (feeds an nfet diode).
        case fromVDD
        /// Current flows from `net` to vss (feeds a pfet diode).
        case toVSS
    }
}

/// What a per-cell port connects to.
public enum PortBinding: UInt8, Codable, Sendable {
    case src = 0, des = 1, vcm = 2
}
