import Foundation
import KNModel

/// The chip's units (DESIGN.md §3): V = V_CM + α·v, I = β·i, node capacitance C, so one model time unit is
/// τ = C·α/β seconds.
public struct ChipScale: Codable, Hashable, Sendable {
    /// α, volts per model unit.
    public var voltsPerUnit: Double
    /// β, amperes per model unit.
    public var amperesPerUnit: Double
    /// C, farads per node.
    public var capacitance: Double
    /// Chip temperature in kelvin.
    public var temperatureKelvin: Double

    /// The sky130 prototype's numbers (DESIGN.md §3): α = 30 mV, β = 100 nA, C = 1 pF, 27 °C.
    public init(voltsPerUnit: Double = 0.03, amperesPerUnit: Double = 100e-9, capacitance: Double = 1e-12,
                temperatureKelvin: Double = 300.15) {
        self.voltsPerUnit = voltsPerUnit
        self.amperesPerUnit = amperesPerUnit
        self.capacitance = capacitance
        self.temperatureKelvin = temperatureKelvin
    }

    /// τ = C·α/β, seconds per model time unit.
    public var tau: Double { capacitance * voltsPerUnit / amperesPerUnit }
    /// kT in joules.
    public var kT: Double { Physics.boltzmann * temperatureKelvin }
}

/// Circuit noise in model units.
///
/// - **Thermal/shot** noise of each cell: a white current with one-sided density S = 2·q·I_cell·F, where
///   I_cell = β·|A_s| is the cell's output current scale and F (`excessFactor`, default 4: the input-pair branch, the
///   tail and the two output mirror devices, each 2qI in weak inversion) counts the devices whose noise reaches the
///   output. It leaves `src` and enters `des` like the signal. A white current of density S on a node gives the SDE
///   dv = f dt + σ dW with σ² = S / (2·β²·τ) in model units.
/// - **Flicker** noise: over one forward pass (T·τ, well below the 1/f corner period) the 1/f current is a
///   slowly drifting offset; it is modelled as a constant current per edge and pass with variance
///   S·f_c·ln(f_hi/f_lo), f_c the flicker corner (`flickerCorner`), f_hi = 1/(2·T·τ), f_lo = 1/`observationTime`.
/// - **kT/C**: the input voltages are sampled onto the node capacitors with variance kT/C, i.e. kT/(C·α²) in model units.
public struct NoiseModel: Codable, Hashable, Sendable {
    public var scale: ChipScale
    public var excessFactor: Double
    /// Flicker corner frequency in Hz (0: no flicker noise).
    public var flickerCorner: Double
    /// The time over which flicker noise is observed (the lowest frequency 1/T_obs), seconds.
    public var observationTime: Double
    public var thermal: Bool
    public var sampling: Bool

    public init(scale: ChipScale = ChipScale(), excessFactor: Double = 4, flickerCorner: Double = 0,
                observationTime: Double = 1, thermal: Bool = true, sampling: Bool = true) {
        self.scale = scale
        self.excessFactor = excessFactor
        self.flickerCorner = flickerCorner
        self.observationTime = observationTime
        self.thermal = thermal
        self.sampling = sampling
    }

    /// White current density (A²/Hz, one-sided) of a cell whose output current scale is `amplitude` model units.
    public func thermalDensity(amplitude: Double) -> Double {
        2 * Physics.electronCharge * scale.amperesPerUnit * abs(amplitude) * excessFactor
    }

    /// σ of the SDE diffusion (model units per √(model time)) for a white current of one-sided density `s`.
    public func diffusion(density s: Double) -> Double {
        (s / (2 * scale.amperesPerUnit * scale.amperesPerUnit * scale.tau)).squareRoot()
    }

    /// σ of the kT/C sampling noise on each input voltage, model units.
    public var samplingSigma: Double {
        sampling ? (scale.kT / scale.capacitance).squareRoot() / scale.voltsPerUnit : 0
    }

    /// σ of the per-pass flicker offset current (model units) of a cell with white density `s`, for a pass of
    /// `duration` model time units.
    public func flickerSigma(density s: Double, duration: Double) -> Double {
        guard flickerCorner > 0 else { return 0 }
        let fHigh = 1 / (2 * duration * scale.tau), fLow = 1 / observationTime
        guard fHigh > fLow else { return 0 }
        return (s * flickerCorner * log(fHigh / fLow)).squareRoot() / scale.amperesPerUnit
    }
}

/// The noise of one simulated chip: per layer and edge, the diffusion σ and the flicker σ, and a generator.
struct NoiseSource {
    var rng: SeededGenerator
    let diffusion: [[Double]]
    let flicker: [[Double]]
    let samplingSigma: Double

    init(model: NoiseModel, layers: [AffineLayer], duration: Double, rng: SeededGenerator) {
        self.rng = rng
        var dif = [[Double]](), fl = [[Double]]()
        for layer in layers {
            let s = layer.As.map { model.thermalDensity(amplitude: $0) }
            dif.append(model.thermal ? s.map { model.diffusion(density: $0) } : s.map { _ in 0 })
            fl.append(s.map { model.flickerSigma(density: $0, duration: duration) })
        }
        diffusion = dif
        flicker = fl
        samplingSigma = model.samplingSigma
    }
}
