import Foundation
import KNModel
import Testing
@testable import KNVary

@Suite struct NoiseTests {
    /// A resistor's thermal noise (4kTG) on a node capacitor must give kT/C: checks the model-unit scaling
    /// σ² = S/(2β²τ) of the SDE against the closed form.
    @Test func resistorNoiseGivesKTOverC() {
        let noise = NoiseModel()
        let s = noise.scale
        let conductance = 2e-6  // siemens
        let modelConductance = conductance * s.voltsPerUnit / s.amperesPerUnit
        let sigma = noise.diffusion(density: 4 * s.kT * conductance)
        let stationary = sigma * sigma / (2 * modelConductance)
        let kTC = s.kT / s.capacitance / (s.voltsPerUnit * s.voltsPerUnit)
        #expect(abs(stationary / kTC - 1) < 1e-12)
        #expect(abs(noise.samplingSigma - kTC.squareRoot()) < 1e-15)
    }

    /// An Ornstein–Uhlenbeck node: one conductance edge g from node 1 to ground with the cell's thermal noise
    /// and kT/C sampling on the input. Mean v0·e^{−gt} and variance σ²/(2g)·(1 − e^{−2gt}) + σ_s²·e^{−2gt}.
    @Test func linearNodeMatchesOrnsteinUhlenbeck() throws {
        let g = 3.0
        let layer = Layer(generator: nil, edges: EdgeList(src: [1], des: [0]),
                          parameters: ParameterMatrix(rows: 3, columns: 1, values: [g, 0, 0]))
        let net = Network(family: .conductance, layers: [layer], anchors: [0, 1], block: .plain)
        // A noisy chip: small β and C so that the noise is large next to the RK4 error.
        let scale = ChipScale(voltsPerUnit: 0.03, amperesPerUnit: 1e-12, capacitance: 1e-15)
        let noise = NoiseModel(scale: scale, excessFactor: 4, flickerCorner: 0)
        let sigma = noise.diffusion(density: noise.thermalDensity(amplitude: g))
        let sampling = noise.samplingSigma
        let integrator = try FixedStepIntegrator(network: net, stepsPerUnit: 512)
        let n = 6000
        let v0 = 0.8
        let y = try integrator.outputs(inputs: [[Double]](repeating: [v0], count: n), mismatch: nil, noise: noise,
                                       noiseGenerator: SeededGenerator(seed: 42)).map { $0[0] }
        let mean = y.reduce(0, +) / Double(n)
        let variance = y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        let t = 1.0
        let expectedMean = v0 * exp(-g * t)
        let expectedVariance = sigma * sigma / (2 * g) * (1 - exp(-2 * g * t)) + sampling * sampling * exp(-2 * g * t)
        #expect(abs(mean - expectedMean) < 5 * (expectedVariance / Double(n)).squareRoot())
        // The sample variance has relative standard deviation √(2/n) ≈ 1.8 %.
        #expect(abs(variance / expectedVariance - 1) < 0.08, "variance \(variance), closed form \(expectedVariance)")
        // Reproducible from the seed.
        let again = try integrator.outputs(inputs: [[v0], [v0]], mismatch: nil, noise: noise, noiseGenerator: SeededGenerator(seed: 42))
        #expect(again[0][0] == y[0] && again[1][0] == y[1])
    }
}
