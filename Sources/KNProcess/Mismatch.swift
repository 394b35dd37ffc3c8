import Foundation

/// Mismatch of one geometry: sample standard deviations over its pairs.
public struct GeometryMismatch: Sendable, Hashable {
    public var widthUm: Double
    public var lengthUm: Double
    public var pairs: Int
    /// σ(ΔVT) of a pair, volts.
    public var sigmaDeltaVT: Double
    /// σ(Δβ/β) of a pair (fraction).
    public var sigmaDeltaBeta: Double

    /// σ(ΔVT)·√(WL) in mV·µm.
    public var aVT: Double { sigmaDeltaVT * 1e3 * (widthUm * lengthUm).squareRoot() }
    /// σ(Δβ/β)·√(WL) in %·µm.
    public var aBeta: Double { sigmaDeltaBeta * 100 * (widthUm * lengthUm).squareRoot() }
}

/// Pelgrom coefficients fitted from a Monte Carlo of device pairs.
public struct MismatchFit: Sendable, Hashable {
    public var device: String
    public var geometries: [GeometryMismatch]
    /// A_VT in mV·µm with its 95 % confidence interval.
    public var aVT: Estimate
    /// A_β in %·µm with its 95 % confidence interval.
    public var aBeta: Estimate
    public var simulator: String
    public var corner: String

    /// The fit as stored in the process description.
    public var characterized: CharacterizedMismatch {
        CharacterizedMismatch(aVT: aVT, aBeta: aBeta, pairsPerGeometry: geometries.map(\.pairs).min() ?? 0,
                              geometries: geometries.count, simulator: simulator, corner: corner,
                              perGeometry: geometries)
    }

    /// Pools per-geometry variances under Pelgrom's law σ² = A²/(WL): A² is the (n−1)-weighted mean of
    /// σ²·WL, and the 95 % interval follows from the χ² distribution with Σ(n−1) degrees of freedom.
    static func pelgrom(_ geometries: [GeometryMismatch], _ coefficient: (GeometryMismatch) -> Double) -> Estimate {
        let dof = geometries.reduce(0.0) { $0 + Double($1.pairs - 1) }
        let pooled = geometries.reduce(0.0) { $0 + Double($1.pairs - 1) * pow(coefficient($1), 2) } / dof
        let value = pooled.squareRoot()
        let upperQuantile = chiSquareQuantile(probability: 0.975, degreesOfFreedom: dof)
        let lowerQuantile = chiSquareQuantile(probability: 0.025, degreesOfFreedom: dof)
        return Estimate(value: value, lower: value * (dof / upperQuantile).squareRoot(),
                        upper: value * (dof / lowerQuantile).squareRoot())
    }

    /// Wilson–Hilferty approximation of the χ² quantile (relative error below 1e-3 for ν ≥ 30).
    public static func chiSquareQuantile(probability: Double, degreesOfFreedom nu: Double) -> Double {
        let z = probability > 0.5 ? 1.959963984540054 : -1.959963984540054
        precondition(abs(abs(probability - 0.5) - 0.475) < 1e-12, "only the 2.5 % and 97.5 % quantiles are tabulated")
        let a = 2 / (9 * nu)
        return nu * pow(1 - a + z * a.squareRoot(), 3)
    }
}

extension Characterizer {
    /// The geometries (W, L in µm) of the mismatch Monte Carlo: areas from 0.5 to 32 µm².
    public static let mismatchGeometries: [(Double, Double)] = [(1, 0.5), (2, 1), (4, 2), (8, 4)]

    /// Runs an ngspice Monte Carlo of device pairs with the foundry mismatch switched on and fits
    /// Pelgrom coefficients.
    ///
    /// Every instance of a PDK subcircuit draws its own mismatch parameters (`agauss` is evaluated per
    /// instance), so one netlist with 2·`pairs` devices per geometry is one Monte Carlo sample of every
    /// pair. VT is the BSIM4 threshold ngspice reports (`vth`); β comes from the slope of ID between two
    /// gate voltages in the linear region (|VDS| = 50 mV), 0.3 V and 0.5 V above the nominal threshold.
    /// `.option seed` makes the run reproducible.
    public func fitMismatch(device id: String, pairs: Int = 200, seed: Int = 1,
                            geometries: [(Double, Double)] = Characterizer.mismatchGeometries) throws -> MismatchFit {
        try process.verifyInstalled(in: root)
        guard let mismatchSwitch = process.mismatchSwitch else {
            throw ProcessError.inconsistent(file: process.fileURL.path, line: 0,
                message: "the process has no parameter with role=\"mismatchSwitch\"",
                fix: "name the model files' mismatch switch in <models>")
        }
        let device = try process.device(id)
        let corner = process.defaultCorner
        let sign = device.polarity == .n ? 1.0 : -1.0
        // Nominal threshold of the largest geometry sets the gate voltages.
        let probe = try simulate([BiasPoint(device: id, lengthUm: geometries.last!.1, widthUm: geometries.last!.0,
                                            vgs: process.vdd.nominal / 2, vds: 0.05, vsb: 0)])
        let vgs1 = probe[0].vth + 0.3, vgs2 = probe[0].vth + 0.5
        let vds = 0.05

        var lines = ["* kn-toolkit mismatch Monte Carlo: \(process.name) \(device.model), \(mismatchSwitch.name) on"]
        lines += process.netlistPreamble(corner: corner, root: root, mismatch: true)
        lines.append(".option seed=\(seed)")
        lines.append(".temp \(process.nominalTemperatureCelsius)")
        lines.append("vg g 0 dc \(sign * vgs1)")
        lines.append("vd d 0 dc \(sign * vds)")
        var names: [String] = []
        for (gIndex, geometry) in geometries.enumerated() {
            for k in 0..<(2 * pairs) {
                let name = "G\(gIndex)D\(k)"
                lines.append(device.instanceLine(name: name, drain: "d", gate: "g", source: "0", bulk: "0",
                                                 widthUm: geometry.0, lengthUm: geometry.1))
                names.append(device.internalDevicePath(instance: device.instancePrefix + name))
            }
        }
        let vectors = names.flatMap { ["@\($0)[id]", "@\($0)[vth]"] }
        lines += [".control", "set wr_singlescale"] + Ngspice.saveCommands(vectors) + [
                  "dc vg \(sign * vgs1) \(sign * vgs2) \(sign * (vgs2 - vgs1))"]
        let perFile = 200
        for start in stride(from: 0, to: vectors.count, by: perFile) {
            lines.append("wrdata mc\(start / perFile).txt " + vectors[start..<min(start + perFile, vectors.count)].joined(separator: " "))
        }
        lines += ["quit 0", ".endc", ".end"]
        let directory = try Ngspice.workDirectory(prefix: "kn-mc-\(process.name)")
        defer { Ngspice.removeWorkDirectory(directory) }
        try ngspice.run(netlist: lines.joined(separator: "\n") + "\n", name: "mc", in: directory)

        var columns: [[Double]] = []   // per vector: values at vgs1, vgs2
        for start in stride(from: 0, to: vectors.count, by: perFile) {
            let file = directory.appendingPathComponent("mc\(start / perFile).txt")
            let rows = try Ngspice.readWrdata(file)
            let width = min(perFile, vectors.count - start)
            guard rows.count == 2, rows.allSatisfy({ $0.count == 1 + width }) else {
                throw ProcessError.unexpectedSimulatorOutput(file: file.path, message: "expected 2 rows of \(1 + width) columns")
            }
            for column in 1...width { columns.append([rows[0][column], rows[1][column]]) }
        }

        var results: [GeometryMismatch] = []
        for (gIndex, geometry) in geometries.enumerated() {
            var deltaVT: [Double] = [], deltaBeta: [Double] = []
            for pair in 0..<pairs {
                func extract(_ k: Int) -> (vt: Double, beta: Double) {
                    let base = 2 * (gIndex * 2 * pairs + k)
                    let id1 = abs(columns[base][0]), id2 = abs(columns[base][1])
                    return (abs(columns[base + 1][0]), (id2 - id1) / ((vgs2 - vgs1) * vds))
                }
                let a = extract(2 * pair), b = extract(2 * pair + 1)
                deltaVT.append(a.vt - b.vt)
                deltaBeta.append(2 * (a.beta - b.beta) / (a.beta + b.beta))
            }
            results.append(GeometryMismatch(widthUm: geometry.0, lengthUm: geometry.1, pairs: pairs,
                                            sigmaDeltaVT: Self.standardDeviation(deltaVT),
                                            sigmaDeltaBeta: Self.standardDeviation(deltaBeta)))
        }
        return MismatchFit(device: id, geometries: results,
                           aVT: MismatchFit.pelgrom(results, \.aVT), aBeta: MismatchFit.pelgrom(results, \.aBeta),
                           simulator: try ngspice.version(), corner: corner.name)
    }

    static func standardDeviation(_ values: [Double]) -> Double {
        let mean = values.reduce(0, +) / Double(values.count)
        return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot()
    }
}
