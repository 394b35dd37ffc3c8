import Foundation

/// A device's operating point, as the mapper needs it. Currents, conductances and capacitances are
/// for the whole device (all fingers); voltages are magnitudes.
public struct OperatingPoint: Sendable, Hashable {
    public var device: String
    public var lengthUm: Double
    /// Total width, µm (``fingers`` × the table's finger width).
    public var widthUm: Double
    /// Number of parallel fingers of the characterized width (not rounded; the mapper rounds).
    public var fingers: Double
    public var vgs: Double
    public var vds: Double
    public var vsb: Double
    public var id: Double
    public var gm: Double
    public var gds: Double
    public var vth: Double
    public var vdsat: Double
    public var cgg: Double

    /// Current density |ID|/W in A/µm.
    public var idPerWidth: Double { id / widthUm }
    public var gmOverID: Double { gm / id }
    public var gdsOverID: Double { gds / id }
    /// Intrinsic gain gm/gds.
    public var intrinsicGain: Double { gm / gds }
    /// Transit frequency gm / (2π Cgg), Hz.
    public var transitFrequency: Double { gm / (2 * Double.pi * cgg) }
}

/// Answers sizing questions from a measured ``GmIDTable``.
///
/// Interpolation: cubic Lagrange through the four nearest grid points in each of |VGS|, |VDS| and
/// |VSB| (separably), on the logarithm of the positive quantities `id`, `gm`, `gds` and `cgg`. Gate
/// lengths are not interpolated: the foundry models are binned in L, so L must be one of the
/// characterized lengths.
public struct GmIDLookup: Sendable {
    public var table: GmIDTable

    public init(table: GmIDTable) { self.table = table }

    /// Sizes a device: the |VGS| at which one finger has the requested gm/ID at the given |VDS| and
    /// |VSB|, then the width that carries `current`, with every small-signal quantity.
    ///
    /// - Parameters:
    ///   - device: `nfet` / `pfet` (or the model name).
    ///   - lengthUm: one of the characterized lengths.
    ///   - gmOverID: target gm/ID in 1/V.
    ///   - current: |ID| in amperes.
    ///   - vds: |VDS| in volts.
    ///   - vsb: |VSB| in volts.
    /// - Throws: ``ProcessError/outOfRange(what:value:range:fix:)`` when L is not characterized, a bias
    ///   lies outside the grid or the gm/ID cannot be reached.
    public func size(device: String, lengthUm: Double, gmOverID: Double, current: Double,
                     vds: Double, vsb: Double = 0) throws -> OperatingPoint {
        let curves = try curves(device: device, lengthUm: lengthUm)
        try check("|VDS|", vds, table.vds)
        try check("|VSB|", vsb, table.vsb)
        guard current > 0 else {
            throw ProcessError.outOfRange(what: "|ID|", value: current, range: Double.leastNonzeroMagnitude...Double.infinity,
                                          fix: "give a positive drain current in amperes")
        }
        let vgs = try solveVGS(curves: curves, device: device, gmOverID: gmOverID, vds: vds, vsb: vsb)
        let finger = evaluate(curves, vgs: vgs, vds: vds, vsb: vsb)
        let fingers = current / finger.id
        return OperatingPoint(
            device: device, lengthUm: curves.lengthUm, widthUm: fingers * table.fingerWidthUm, fingers: fingers,
            vgs: vgs, vds: vds, vsb: vsb, id: current, gm: finger.gm * fingers, gds: finger.gds * fingers,
            vth: finger.vth, vdsat: finger.vdsat, cgg: finger.cgg * fingers)
    }

    /// The operating point of a device of width `widthUm` at a given bias.
    public func operatingPoint(device: String, lengthUm: Double, widthUm: Double,
                               vgs: Double, vds: Double, vsb: Double = 0) throws -> OperatingPoint {
        let curves = try curves(device: device, lengthUm: lengthUm)
        try check("|VGS|", vgs, table.vgs)
        try check("|VDS|", vds, table.vds)
        try check("|VSB|", vsb, table.vsb)
        let finger = evaluate(curves, vgs: vgs, vds: vds, vsb: vsb)
        let fingers = widthUm / table.fingerWidthUm
        return OperatingPoint(
            device: device, lengthUm: curves.lengthUm, widthUm: widthUm, fingers: fingers,
            vgs: vgs, vds: vds, vsb: vsb, id: finger.id * fingers, gm: finger.gm * fingers,
            gds: finger.gds * fingers, vth: finger.vth, vdsat: finger.vdsat, cgg: finger.cgg * fingers)
    }

    /// The largest gm/ID a device reaches at this length and bias (weak inversion).
    public func maximumGmOverID(device: String, lengthUm: Double, vds: Double, vsb: Double = 0) throws -> Double {
        let curves = try curves(device: device, lengthUm: lengthUm)
        return table.vgs.indices.dropFirst().map { index in
            let point = evaluate(curves, vgs: table.vgs[index], vds: vds, vsb: vsb)
            return point.gm / point.id
        }.max() ?? 0
    }

    // MARK: - Internals

    struct FingerValues {
        var id, gm, gds, vth, vdsat, cgg: Double
    }

    private func curves(device: String, lengthUm: Double) throws -> LengthCurves {
        let deviceCurves = try table.device(device)
        guard let curves = deviceCurves.lengths.first(where: { abs($0.lengthUm - lengthUm) <= 1e-6 * max(1, lengthUm) }) else {
            let lengths = deviceCurves.lengthsUm
            throw ProcessError.outOfRange(what: "L of \(device) (µm)", value: lengthUm,
                range: (lengths.min() ?? 0)...(lengths.max() ?? 0),
                fix: "use a characterized length: \(lengths.map { String($0) }.joined(separator: ", ")) µm")
        }
        return curves
    }

    private func check(_ what: String, _ value: Double, _ grid: [Double]) throws {
        guard let low = grid.first, let high = grid.last, value >= low - 1e-12, value <= high + 1e-12 else {
            throw ProcessError.outOfRange(what: what, value: value, range: (grid.first ?? 0)...(grid.last ?? 0),
                                          fix: "stay inside the characterized grid or recharacterize with a wider one")
        }
    }

    /// Finds |VGS| with gm/ID = target on the falling (moderate-to-strong inversion) branch.
    private func solveVGS(curves: LengthCurves, device: String, gmOverID target: Double,
                          vds: Double, vsb: Double) throws -> Double {
        func ratio(_ vgs: Double) -> Double {
            let point = evaluate(curves, vgs: vgs, vds: vds, vsb: vsb)
            return point.gm / point.id
        }
        let grid = table.vgs
        // Walk down from the highest VGS to the first grid interval whose gm/ID brackets the target.
        var upper = grid.count - 1
        var upperRatio = ratio(grid[upper])
        if upperRatio > target {
            throw ProcessError.outOfRange(what: "gm/ID of \(device) (1/V)", value: target,
                range: upperRatio...(try maximumGmOverID(device: device, lengthUm: curves.lengthUm, vds: vds, vsb: vsb)),
                fix: "ask for a larger gm/ID; at |VGS| = \(grid[upper]) V the device only reaches \(upperRatio)")
        }
        while upper > 1 {
            let lower = upper - 1
            let lowerRatio = ratio(grid[lower])
            if lowerRatio >= target {
                var a = grid[lower], b = grid[upper]
                for _ in 0..<60 {
                    let middle = 0.5 * (a + b)
                    if ratio(middle) >= target { a = middle } else { b = middle }
                }
                return 0.5 * (a + b)
            }
            if lowerRatio < upperRatio { break }   // gm/ID peaked: the target is above the maximum
            upper = lower
            upperRatio = lowerRatio
        }
        let maximum = try maximumGmOverID(device: device, lengthUm: curves.lengthUm, vds: vds, vsb: vsb)
        throw ProcessError.outOfRange(what: "gm/ID of \(device) (1/V)", value: target, range: 0...maximum,
                                      fix: "ask for a gm/ID below the weak-inversion limit \(maximum) at this L and bias")
    }

    /// Interpolates one finger's quantities at a bias point.
    ///
    /// |VGS| and |VDS| are interpolated directly. Across |VSB| the body effect mostly shifts the
    /// threshold, so each |VSB| plane of the stencil is read at the same gate overdrive: at
    /// |VGS| + VTH(plane) − VTH(query). The planes' values are then combined with Lagrange weights in
    /// sqrt(2 phi_F + VSB). This keeps the error of a coarse |VSB| grid below 0.1 % where a plain
    /// interpolation across a device moving from moderate into weak inversion errs by percent.
    func evaluate(_ curves: LengthCurves, vgs: Double, vds: Double, vsb: Double) -> FingerValues {
        let d = Self.stencil(log(vds), table.vds.map { log($0) })
        let s = Self.stencil(Self.bodyCoordinate(vsb), table.vsb.map(Self.bodyCoordinate))
        let g = Self.stencil(vgs, table.vgs)
        // Threshold at the query, interpolated plainly (it is smooth in all three voltages).
        var vthQuery = 0.0
        for (si, sw) in s { vthQuery += sw * plane(curves.vth, si: si, g: g, d: d, logarithmic: false) }

        var result = FingerValues(id: 0, gm: 0, gds: 0, vth: vthQuery, vdsat: 0, cgg: 0)
        var logs = (id: 0.0, gm: 0.0, gds: 0.0, cgg: 0.0)
        var positive = (id: true, gm: true, gds: true, cgg: true)
        var linear = (id: 0.0, gm: 0.0, gds: 0.0, cgg: 0.0)
        let low = table.vgs.first ?? 0, high = table.vgs.last ?? 0
        for (si, sw) in s {
            let vthPlane = plane(curves.vth, si: si, g: g, d: d, logarithmic: false)
            let aligned = min(max(vgs + vthPlane - vthQuery, low), high)
            let ga = Self.stencil(aligned, table.vgs)
            let id = plane(curves.id, si: si, g: ga, d: d, logarithmic: true)
            let gm = plane(curves.gm, si: si, g: ga, d: d, logarithmic: true)
            let gds = plane(curves.gds, si: si, g: ga, d: d, logarithmic: true)
            let cgg = plane(curves.cgg, si: si, g: ga, d: d, logarithmic: true)
            result.vdsat += sw * plane(curves.vdsat, si: si, g: ga, d: d, logarithmic: false)
            linear.id += sw * id; linear.gm += sw * gm; linear.gds += sw * gds; linear.cgg += sw * cgg
            if id > 0 { logs.id += sw * log(id) } else { positive.id = false }
            if gm > 0 { logs.gm += sw * log(gm) } else { positive.gm = false }
            if gds > 0 { logs.gds += sw * log(gds) } else { positive.gds = false }
            if cgg > 0 { logs.cgg += sw * log(cgg) } else { positive.cgg = false }
        }
        result.id = positive.id ? exp(logs.id) : linear.id
        result.gm = positive.gm ? exp(logs.gm) : linear.gm
        result.gds = positive.gds ? exp(logs.gds) : linear.gds
        result.cgg = positive.cgg ? exp(logs.cgg) : linear.cgg
        return result
    }

    /// Interpolates `values` on the |VSB| plane `si` over |VGS| and |VDS| (on logarithms of positive values).
    private func plane(_ values: [Double], si: Int, g: [(Int, Double)], d: [(Int, Double)], logarithmic: Bool) -> Double {
        var useLog = logarithmic
        if logarithmic {
            outer: for (di, _) in d { for (gi, _) in g where values[table.index(vgs: gi, vds: di, vsb: si)] <= 0 {
                useLog = false; break outer
            } }
        }
        var total = 0.0
        for (di, dw) in d {
            for (gi, gw) in g {
                let value = values[table.index(vgs: gi, vds: di, vsb: si)]
                total += dw * gw * (useLog ? log(value) : value)
            }
        }
        return useLog ? exp(total) : total
    }

    /// sqrt(2 phi_F + VSB) with 2 phi_F = 0.8 V, the coordinate the body effect is smooth in.
    static func bodyCoordinate(_ vsb: Double) -> Double { (0.8 + vsb).squareRoot() }

    /// Indices and Lagrange weights of the (up to) four grid points around `x`.
    static func stencil(_ x: Double, _ grid: [Double]) -> [(Int, Double)] {
        let n = grid.count
        guard n > 1 else { return [(0, 1)] }
        var upper = grid.firstIndex { $0 >= x } ?? (n - 1)
        upper = max(1, upper)
        if abs(grid[upper] - x) < 1e-15 { return [(upper, 1)] }
        if abs(grid[upper - 1] - x) < 1e-15 { return [(upper - 1, 1)] }
        let count = min(4, n)
        var start = upper - 2
        start = max(0, min(start, n - count))
        let indices = Array(start..<(start + count))
        return indices.map { i in
            var weight = 1.0
            for j in indices where j != i { weight *= (x - grid[j]) / (grid[i] - grid[j]) }
            return (i, weight)
        }
    }
}
