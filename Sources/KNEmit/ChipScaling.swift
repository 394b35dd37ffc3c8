/// A supply rail stated in an emitted netlist (and driven by an ideal source there).
public struct Supply: Hashable, Codable, Sendable {
    /// The net name, e.g. `vdd`.
    public var name: String
    /// The rail voltage in volts.
    public var volts: Double

    public init(name: String, volts: Double) {
        self.name = name
        self.volts = volts
    }
}

/// How model units become volts, amperes and seconds on a chip.
///
/// A node voltage `v` in model units is `V = vcm + alpha·v` volts; an edge current `i` in model units is
/// `I = beta·i` amperes; every network node carries a capacitance `capacitance` to the reference. KCL
/// `C·dV/dt = ΣI` then reads `dv/dt = (beta / (capacitance·alpha))·Σi`, so one unit of model time lasts
/// ``tau`` `= capacitance·alpha/beta` seconds. Layer `k`, which upstream integrates over
/// `[t_k, t_{k+1}]`, conducts during `[(t_k − t_0)·tau, (t_{k+1} − t_0)·tau)` in the circuit.
///
/// Example: `capacitance = 1 pF`, `alpha = 0.1 V`, `beta = 1 µA` give `tau = 100 ns`.
public struct ChipScaling: Hashable, Codable, Sendable {
    /// Volts per model unit of voltage.
    public var alpha: Double
    /// Amperes per model unit of current.
    public var beta: Double
    /// Node capacitance in farads.
    public var capacitance: Double
    /// The common-mode voltage that stands for model value 0 (and for model ground, node 0).
    public var vcm: Double
    /// The supply rails of the chip (stated in headers; behavioral views drive them with ideal sources).
    public var supplies: [Supply]

    public init(alpha: Double, beta: Double, capacitance: Double, vcm: Double, supplies: [Supply] = []) {
        self.alpha = alpha
        self.beta = beta
        self.capacitance = capacitance
        self.vcm = vcm
        self.supplies = supplies
    }

    /// The behavioral default: α = 0.1 V, β = 1 µA, C = 1 pF (τ = 100 ns), V_CM = 0.9 V, one 1.8 V supply.
    public static let behavioralDefault = ChipScaling(alpha: 0.1, beta: 1e-6, capacitance: 1e-12, vcm: 0.9,
                                                      supplies: [Supply(name: "vdd", volts: 1.8)])

    /// The chip default of DESIGN.md §3, measured on a sky130 cell prototype: α = 30 mV/unit (|v| ≤ 6 stays
    /// inside the headroom), β = 100 nA/unit, C = 1 pF, V_CM = 1.0 V, one 1.8 V supply `vdd`; τ = 300 ns.
    /// `kn-map emit` and `kn-map verify` use it unless told otherwise.
    public static let standard = ChipScaling(alpha: 0.03, beta: 1e-7, capacitance: 1e-12, vcm: 1.0,
                                             supplies: [Supply(name: "vdd", volts: 1.8)])

    /// Seconds per unit of model time: `capacitance·alpha/beta`.
    public var tau: Double { capacitance * alpha / beta }

    /// The node voltage in volts for a model value.
    @inlinable
    public func volts(_ model: Double) -> Double { vcm + alpha * model }

    /// The model value of a node voltage in volts.
    @inlinable
    public func modelValue(volts: Double) -> Double { (volts - vcm) / alpha }

    /// Checks that every quantity is finite and positive (V_CM finite) and that supply names are SPICE-safe.
    public func validate() throws(EmitError) {
        for (name, value) in [("alpha", alpha), ("beta", beta), ("capacitance", capacitance)] {
            guard value.isFinite, value > 0 else {
                throw .invalid("scaling.\(name)", "must be finite and positive, got \(value)")
            }
        }
        guard vcm.isFinite else { throw .invalid("scaling.vcm", "must be finite, got \(vcm)") }
        guard tau.isFinite, tau > 0 else {
            throw .invalid("scaling", "tau = C·alpha/beta = \(tau) s is not a usable time scale; choose C, alpha, beta so that it is finite and positive")
        }
        var seen = Set<String>()
        for s in supplies {
            guard !s.name.isEmpty, s.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }),
                  s.name.first!.isLetter else {
                throw .invalid("scaling.supplies", "supply name '\(s.name)' must start with a letter and use only letters, digits and '_'")
            }
            guard s.volts.isFinite else { throw .invalid("scaling.supplies.\(s.name)", "voltage must be finite, got \(s.volts)") }
            guard seen.insert(s.name.lowercased()).inserted else {
                throw .invalid("scaling.supplies", "supply '\(s.name)' is listed twice")
            }
            guard !Self.reservedNet(s.name) else {
                throw .invalid("scaling.supplies", "supply name '\(s.name)' collides with a network net (n<k>, u<k>, s<j>_n<k>, g<k>); rename it")
            }
        }
    }

    /// Names the emitted netlists use for network nodes (`n<k>`, `s<j>_n<k>`), model-unit nets (`u<k>`,
    /// `s<j>_u<k>`) and layer gates (`g<k>`).
    static func reservedNet(_ name: String) -> Bool {
        var lower = name.lowercased()
        if lower.first == "s", let u = lower.firstIndex(of: "_"), lower[lower.index(after: lower.startIndex)..<u].allSatisfy(\.isNumber),
           u > lower.index(after: lower.startIndex) {
            lower = String(lower[lower.index(after: u)...])
            guard lower.first == "n" || lower.first == "u" else { return false }
        }
        guard let first = lower.first, first == "n" || first == "g" || first == "u" else { return false }
        let rest = lower.dropFirst()
        return !rest.isEmpty && rest.allSatisfy(\.isNumber)
    }

    /// The header lines every emitted file carries (without comment markers).
    func headerLines() -> [String] {
        var lines = [
            "scaling: V = V_CM + alpha*v, I = beta*i, node capacitance C, tau = C*alpha/beta",
            "alpha = \(alpha) V/unit",
            "beta = \(beta) A/unit",
            "C = \(capacitance) F",
            "tau = \(tau) s per unit of model time",
            "V_CM = \(vcm) V (model ground, node 0, is the net n0 held at V_CM)",
        ]
        if supplies.isEmpty {
            lines.append("supplies: none")
        } else {
            lines.append("supplies: " + supplies.map { "\($0.name) = \($0.volts) V" }.joined(separator: ", "))
        }
        return lines
    }
}
