import Foundation

/// How a cell's terminal currents follow the rate of change of its terminal voltages: the capacitance the cell
/// adds to the node capacitors, in model units, measured by a small-signal analysis at the cell's operating
/// points.
///
/// A cell draws `i_x = I_x(v) + Σ_y m_xy(v)·dv_y/dt` at terminal x ∈ {src, des} (current into the cell), with
///
/// `m_xy(v) = static_xy + lag_xy · g_xy(v)`,
///
/// where `g_xy = ∂I_x/∂v_y` is the conductance of the edge's law at v. The static part holds the gates, junctions
/// and overlaps the node sees; the lag part is the cell's delay behind its inputs: a cell whose output follows
/// its argument with a time constant τ_c draws `I(v(t − τ_c)) ≈ I(v) − τ_c·g·dv/dt`, a capacitance −τ_c·g
/// (so `lag` ≈ −τ_c in model time units). Entries are in units of the node capacitance (the mapped circuit's
/// C·α/α_y, which is 1 in the model): ``LayerKernel`` solves `(I + Σ_cells m(v))·dv/dt = F(v)`.
///
/// The node capacitance of the mapped circuit already counts an estimate of every cell's input gates
/// (the mapped circuit's node capacitors); ``staticPart`` is net of this cell's share, so adding the measured
/// capacitances does not count the gates twice.
public struct CellDynamics: Codable, Sendable, Hashable {
    /// Constant parts, in the order src←src, src←des, des←src, des←des (row: the terminal whose current, column:
    /// the terminal whose voltage moves), relative to the node capacitance.
    public var staticPart: [Double]
    /// Lag coefficients in the same order, model time units (multiplying the law's conductance `g_xy`).
    public var lag: [Double]
    /// Operating points the fit used.
    public var points: Int
    /// RMS of (fit − measured) over the points and entries, relative to the node capacitance.
    public var rms: Double

    public init(staticPart: [Double], lag: [Double], points: Int, rms: Double) {
        self.staticPart = staticPart
        self.lag = lag
        self.points = points
        self.rms = rms
    }

    /// Why the values cannot be used, or nil.
    public var problem: String? {
        guard staticPart.count == 4, lag.count == 4 else {
            return "staticPart and lag must have 4 entries each (src←src, src←des, des←src, des←des)"
        }
        guard (staticPart + lag + [rms]).allSatisfy(\.isFinite) else { return "holds a value that is not finite" }
        return nil
    }

    /// Entry `k` (0…3, the order of ``staticPart``) of `m(v)` for conductances `g` (same order).
    @inline(__always)
    public func capacitance(_ k: Int, conductance g: Double) -> Double { staticPart[k] + lag[k] * g }
}

extension CommonEdgeLaw {
    /// The conductances of the currents into the cell at its terminals, in ``CellDynamics``'s order: the src
    /// terminal draws `A_s·act(z) + c_s`, the des terminal `−(A_d·act(z) + c_d)`.
    public func terminalConductances(vs: Double, vd: Double) -> [Double] {
        let slope = activate(argument(vs: vs, vd: vd)).slope
        let (zs, zd) = argumentSlopes(vs: vs, vd: vd)
        return [As * slope * zs, As * slope * zd, -Ad * slope * zs, -Ad * slope * zd]
    }
}
