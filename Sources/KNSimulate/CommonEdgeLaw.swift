import Foundation
import KNModel

/// One edge's current law in the common form every cell is characterized in:
///
/// - current entering `des`: `i_d = A_d·act(z) + c_d`
/// - current leaving `src`:  `i_s = A_s·act(z) + c_s`
/// - with the argument `z = w_s·vs + w_d·vd + b + w_s2·vs² + w_d2·vd² + w_s3·vs³ + w_d3·vd³`.
///
/// `act` is ``activation``; for `relu` a positive ``knee`` makes it the soft relu
/// `knee·softplus(z/knee)` (a rectifier's rounded knee: it equals relu(z) to within `knee·e^{−|z|/knee}`).
/// Every edge family is a special case with `A_s = A_d`, `c_s = c_d = 0` and a linear argument
/// (``ideal(family:p0:p1:p2:)``); a transistor cell adds amplitude and copy errors (`A_s ≠ A_d`), weight errors,
/// an argument offset, small output offsets, and the compression of its input transconductors at the ends of the
/// node swing (the quadratic and cubic terms, one pair per input).
public struct CommonEdgeLaw: Codable, Sendable, Hashable {
    public var activation: Activation
    /// Width of the soft relu knee in argument units (0: the hard relu). Only `relu` may have a knee.
    public var knee: Double
    /// Weights of the src and des voltages and the bias of the activation argument.
    public var ws: Double
    public var wd: Double
    public var b: Double
    /// Quadratic and cubic terms of each input's contribution to the argument (0 for a linear transconductor).
    public var ws2: Double = 0
    public var wd2: Double = 0
    public var ws3: Double = 0
    public var wd3: Double = 0
    /// Output gains of the current leaving src and the current entering des.
    public var As: Double
    public var Ad: Double
    /// Output offsets of the current leaving src and the current entering des (model units).
    public var cs: Double
    public var cd: Double

    public init(activation: Activation, knee: Double = 0, ws: Double, wd: Double, b: Double,
                As: Double, Ad: Double, cs: Double = 0, cd: Double = 0,
                ws2: Double = 0, wd2: Double = 0, ws3: Double = 0, wd3: Double = 0) {
        self.activation = activation
        self.knee = knee
        self.ws = ws
        self.wd = wd
        self.b = b
        self.As = As
        self.Ad = Ad
        self.cs = cs
        self.cd = cd
        self.ws2 = ws2
        self.wd2 = wd2
        self.ws3 = ws3
        self.wd3 = wd3
    }

    enum CodingKeys: String, CodingKey {
        case activation, knee, ws, wd, b, ws2, wd2, ws3, wd3, As, Ad, cs, cd
    }

    /// Decodes a law; the nonlinear argument terms and the knee may be left out (0).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        activation = try c.decode(Activation.self, forKey: .activation)
        knee = try c.decodeIfPresent(Double.self, forKey: .knee) ?? 0
        ws = try c.decode(Double.self, forKey: .ws)
        wd = try c.decode(Double.self, forKey: .wd)
        b = try c.decode(Double.self, forKey: .b)
        ws2 = try c.decodeIfPresent(Double.self, forKey: .ws2) ?? 0
        wd2 = try c.decodeIfPresent(Double.self, forKey: .wd2) ?? 0
        ws3 = try c.decodeIfPresent(Double.self, forKey: .ws3) ?? 0
        wd3 = try c.decodeIfPresent(Double.self, forKey: .wd3) ?? 0
        As = try c.decode(Double.self, forKey: .As)
        Ad = try c.decode(Double.self, forKey: .Ad)
        cs = try c.decode(Double.self, forKey: .cs)
        cd = try c.decode(Double.self, forKey: .cd)
    }

    /// Whether the argument has quadratic or cubic terms.
    public var isNonlinear: Bool { ws2 != 0 || wd2 != 0 || ws3 != 0 || wd3 != 0 }

    /// The family's own law in the common form (`A_s = A_d`, no offsets), exactly:
    ///
    /// | family | act | w_s | w_d | b | A |
    /// |---|---|---|---|---|---|
    /// | ShiftTanh1, Device(negation) | tanh / act | p1 | −p1 | p0 | 1 |
    /// | ShiftTanh2, ShiftRelu2, ShiftLeakyRelu2, Device | tanh / relu / leaky_relu / act | p0 | p1 | p2 | 1 |
    /// | ShiftRelu1, ShiftLeakyRelu1 | relu / leaky_relu | 1 | −1 | −p0 | p1 |
    /// | Conductance | identity | 1 | −1 | 0 | p0 |
    public static func ideal(family: EdgeFamily, p0: Double, p1: Double, p2: Double) -> CommonEdgeLaw {
        switch family {
        case .shiftTanh1:
            return CommonEdgeLaw(activation: .tanh, ws: p1, wd: -p1, b: p0, As: 1, Ad: 1)
        case .shiftTanh2:
            return CommonEdgeLaw(activation: .tanh, ws: p0, wd: p1, b: p2, As: 1, Ad: 1)
        case .shiftRelu2:
            return CommonEdgeLaw(activation: .relu, ws: p0, wd: p1, b: p2, As: 1, Ad: 1)
        case .shiftLeakyRelu2:
            return CommonEdgeLaw(activation: .leakyRelu, ws: p0, wd: p1, b: p2, As: 1, Ad: 1)
        case .shiftRelu1:
            return CommonEdgeLaw(activation: .relu, ws: 1, wd: -1, b: -p0, As: p1, Ad: p1)
        case .shiftLeakyRelu1:
            return CommonEdgeLaw(activation: .leakyRelu, ws: 1, wd: -1, b: -p0, As: p1, Ad: p1)
        case .conductance:
            return CommonEdgeLaw(activation: .identity, ws: 1, wd: -1, b: 0, As: p0, Ad: p0)
        case let .device(negation, activation):
            return negation
                ? CommonEdgeLaw(activation: activation, ws: p1, wd: -p1, b: p0, As: 1, Ad: 1)
                : CommonEdgeLaw(activation: activation, ws: p0, wd: p1, b: p2, As: 1, Ad: 1)
        }
    }

    /// The activation argument `z` (the linear part first, so that a linear law rounds as its family does).
    @inlinable
    public func argument(vs: Double, vd: Double) -> Double {
        (ws * vs + wd * vd + b) + ((ws2 + ws3 * vs) * vs * vs + (wd2 + wd3 * vd) * vd * vd)
    }

    /// `∂z/∂vs` and `∂z/∂vd`.
    @inlinable
    public func argumentSlopes(vs: Double, vd: Double) -> (dvs: Double, dvd: Double) {
        (ws + (2 * ws2 + 3 * ws3 * vs) * vs, wd + (2 * wd2 + 3 * wd3 * vd) * vd)
    }

    /// The activation (with the knee) and its slope at argument `z`.
    @inlinable
    public func activate(_ z: Double) -> (value: Double, slope: Double) {
        if activation == .relu && knee > 0 { return Self.softRelu(z, knee: knee) }
        return activation.valueAndSlope(z)
    }

    /// `k·softplus(z/k)` and its slope `sigmoid(z/k)`, without overflow.
    @inlinable
    public static func softRelu(_ z: Double, knee k: Double) -> (value: Double, slope: Double) {
        let u = z / k
        let e = Foundation.exp(-Swift.abs(u))
        let value = (u > 0 ? z : 0) + k * Foundation.log1p(e)
        let slope = u > 0 ? 1 / (1 + e) : e / (1 + e)
        return (value, slope)
    }

    /// The current leaving src and the current entering des at (vs, vd), model units.
    @inlinable
    public func currents(vs: Double, vd: Double) -> (src: Double, des: Double) {
        let a = activate(argument(vs: vs, vd: vd)).value
        return (As * a + cs, Ad * a + cd)
    }

    /// Every parameter in a fixed order (for checks and fitting): w_s, w_d, b, A_s, A_d, c_s, c_d, w_s2, w_d2,
    /// w_s3, w_d3, knee.
    public var values: [Double] { [ws, wd, b, As, Ad, cs, cd, ws2, wd2, ws3, wd3, knee] }

    /// The names of ``values``.
    public static let valueNames = ["w_s", "w_d", "b", "A_s", "A_d", "c_s", "c_d", "w_s2", "w_d2", "w_s3", "w_d3", "knee"]

    /// Why the law cannot be simulated, or nil: every parameter finite, the knee ≥ 0 and only on relu.
    public var problem: String? {
        for (name, value) in zip(Self.valueNames, values) where !value.isFinite { return "\(name) is \(value); every parameter must be finite" }
        if knee < 0 { return "knee is \(knee); it must be 0 (hard relu) or positive" }
        if knee > 0 && activation != .relu { return "knee is \(knee) on activation \(activation.rawValue); only relu has a knee" }
        return nil
    }
}
