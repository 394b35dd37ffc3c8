import Foundation

/// Simulator settings for a transistor-level netlist of a mapped circuit (``TransistorNetlistWriter``).
///
/// Times are in model time units (the netlist multiplies them by `tau`), voltages in volts, currents in
/// amperes. The tolerances are those of a transistor circuit, not of the behavioral netlists (whose 1e-11
/// would stall a weak-inversion circuit): `vntol` is 1e-4 model units, and the maximum step 5e-3 tau puts at
/// least 100 points in a layer of half a time unit. Gear's method damps the steps at the switch edges.
public struct TransistorNetlistOptions: Hashable, Codable, Sendable {
    /// `.options reltol`.
    public var reltol: Double
    /// `.options vntol` in volts; `nil` means 1e-4 of the largest node scale `alpha` (1e-4 model units).
    public var vntol: Double?
    /// `.options abstol` in amperes; `nil` means 1e-6 of `beta`.
    public var abstol: Double?
    /// The largest time step, in model time units.
    public var maxStep: Double
    /// The width of every switch-drive ramp (layer enables, bank reset and join), in model time units. The layer
    /// enables cross over symmetrically around each switching time `t_k·tau`.
    public var switchRamp: Double
    /// `.options method`.
    public var method: IntegrationMethod
    /// `.options klu`: the KLU sparse solver instead of ngspice's default SPARSE 1.3 (measured on 15 tanh2 cells:
    /// the operating point and an AC sweep took 18 s of CPU with KLU, 30 s with SPARSE).
    public var klu: Bool
    /// The rawfile encoding the control block writes.
    public var rawfileEncoding: RawfileEncoding
    /// A description of the source model for the header (a model file name, say).
    public var source: String?
    /// With a seed, the foundry's per-device mismatch is switched on (the process's mismatch switch) and drawn
    /// from `.option seed=`: one chip of a netlist Monte Carlo. The same seed gives the same chip whatever the
    /// input, because the draws follow the netlist's instance order, which the input does not change.
    public var mismatchSeed: Int?
    /// Whether a nominal netlist (no ``mismatchSeed``) names each transistor's model bin itself, with the foundry's
    /// cards written once at the top level (``KNProcess/PrebinnedModels``), instead of instantiating the foundry's
    /// wrapper subcircuits. The same circuit, without ngspice's set-up time that grows with the square of the
    /// transistor count on sky130. A process whose cards cannot be shared keeps its subcircuits, and the header
    /// says why. A netlist with a mismatch seed always keeps them: each instance draws its own mismatch.
    public var prebinned: Bool
    /// How ngspice reaches the operating point (``OperatingPointStart``). `nil` means: ``TransistorVerifier`` and
    /// the netlist Monte Carlo measure the typical cells and choose (``OperatingPointStart/resolve(_:for:measure:)``),
    /// and a netlist written directly starts cold.
    public var start: OperatingPointStart?

    public init(reltol: Double = 1e-4, vntol: Double? = nil, abstol: Double? = nil, maxStep: Double = 5e-3,
                switchRamp: Double = 1e-3, method: IntegrationMethod = .gear, klu: Bool = true,
                rawfileEncoding: RawfileEncoding = .binary, source: String? = nil, mismatchSeed: Int? = nil,
                prebinned: Bool = true, start: OperatingPointStart? = nil) {
        self.reltol = reltol
        self.vntol = vntol
        self.abstol = abstol
        self.maxStep = maxStep
        self.switchRamp = switchRamp
        self.method = method
        self.klu = klu
        self.rawfileEncoding = rawfileEncoding
        self.source = source
        self.mismatchSeed = mismatchSeed
        self.prebinned = prebinned
        self.start = start
    }

    /// Checks that every setting is finite and positive.
    func validate() throws(EmitError) {
        for (name, v) in [("reltol", reltol), ("maxStep", maxStep), ("switchRamp", switchRamp)] {
            guard v.isFinite, v > 0 else { throw .invalid("transistor options.\(name)", "must be finite and positive, got \(v)") }
        }
        for (name, v) in [("vntol", vntol), ("abstol", abstol)] {
            if let v, !(v.isFinite && v > 0) { throw .invalid("transistor options.\(name)", "must be finite and positive, got \(v)") }
        }
        if let phase = start?.settlePhase {
            try phase.validate()
            guard phase.duration * (1 - phase.fade) > switchRamp else {
                throw .invalid("transistor options.start settle", "leaves \(phase.duration * (1 - phase.fade)) model time units between the end of the pulls and layer 0's switches, not more than a switch ramp (\(switchRamp)); make the phase longer or the fade shorter")
            }
        }
        if let mismatchSeed, mismatchSeed < 1 {
            throw .invalid("transistor options.mismatchSeed", "must be a positive integer (ngspice's .option seed), got \(mismatchSeed)")
        }
    }
}
