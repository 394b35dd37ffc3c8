import Foundation

/// The activation of a `Device` edge, named as in `torch.nn.functional`.
///
/// `identity` stands for upstream's `activation: null` (the edge is then linear).
public enum Activation: String, Codable, Sendable, CaseIterable {
    case identity
    case relu
    case leakyRelu = "leaky_relu"
    case tanh
    case sigmoid
    case softplus
    case elu
    case silu
    case relu6
    case hardtanh
    case softsign

    /// Reads upstream's name (`None`/`null` → `.identity`).
    public init?(upstreamName: String?) {
        guard let name = upstreamName, name != "None", name != "none" else { self = .identity; return }
        self.init(rawValue: name)
    }

    /// The activation and its derivative at `x`, with PyTorch's conventions at kinks
    /// (relu'(0) = 0, leaky_relu'(0) = 0.01, as autograd gives them).
    @inlinable
    public func valueAndSlope(_ x: Double) -> (value: Double, slope: Double) {
        switch self {
        case .identity: return (x, 1)
        case .relu: return x > 0 ? (x, 1) : (0, 0)
        case .leakyRelu: return x > 0 ? (x, 1) : (0.01 * x, 0.01)
        case .tanh:
            let t = Foundation.tanh(x)
            return (t, 1 - t * t)
        case .sigmoid:
            let s = 1 / (1 + exp(-x))
            return (s, s * (1 - s))
        case .softplus:
            // torch: beta = 1, threshold = 20 (linear above it).
            if x > 20 { return (x, 1) }
            let s = 1 / (1 + exp(-x))
            return (log1p(exp(x)), s)
        case .elu:
            return x > 0 ? (x, 1) : (expm1(x), exp(x))
        case .silu:
            let s = 1 / (1 + exp(-x))
            return (x * s, s * (1 + x * (1 - s)))
        case .relu6:
            if x <= 0 { return (0, 0) }
            if x >= 6 { return (6, 0) }
            return (x, 1)
        case .hardtanh:
            if x <= -1 { return (-1, 0) }
            if x >= 1 { return (1, 0) }
            return (x, 1)
        case .softsign:
            let d = 1 + abs(x)
            return (x / d, 1 / (d * d))
        }
    }
}

/// An edge family of upstream's `circuit_block.py`: the learnable two-terminal device.
///
/// The current `i = g(v_src, v_des; p)` leaves `src` and enters `des`. `p0, p1, p2` are the rows of the
/// layer's `param` tensor.
public enum EdgeFamily: Hashable, Codable, Sendable {
    /// `tanh(p1·(vs − vd) + p0)`; row p2 is stored but unused.
    case shiftTanh1
    /// `tanh(p0·vs + p1·vd + p2)`.
    case shiftTanh2
    /// `p1·relu(vs − vd − p0)`.
    case shiftRelu1
    /// `relu(p0·vs + p1·vd + p2)`.
    case shiftRelu2
    /// `p1·leaky_relu(vs − vd − p0)`, slope 0.01.
    case shiftLeakyRelu1
    /// `leaky_relu(p0·vs + p1·vd + p2)`, slope 0.01.
    case shiftLeakyRelu2
    /// `p0·(vs − vd)`; rows p1, p2 stored but unused.
    case conductance
    /// `act(p1·(vs − vd) + p0)` when `negation`, else `act(p0·vs + p1·vd + p2)`.
    case device(negation: Bool, activation: Activation)

    /// Upstream's class name (`network.model.name`).
    public var upstreamName: String {
        switch self {
        case .shiftTanh1: return "ShiftTanh1"
        case .shiftTanh2: return "ShiftTanh2"
        case .shiftRelu1: return "ShiftRelu1"
        case .shiftRelu2: return "ShiftRelu2"
        case .shiftLeakyRelu1: return "ShiftLeakyRelu1"
        case .shiftLeakyRelu2: return "ShiftLeakyRelu2"
        case .conductance: return "Conductance"
        case .device: return "Device"
        }
    }

    /// A readable name that includes the Device arguments.
    public var description: String {
        if case let .device(negation, activation) = self {
            return "Device(negation: \(negation), activation: \(activation.rawValue))"
        }
        return upstreamName
    }

    /// The number of rows of the `param` tensor (`P` in the `(P, E)` shape).
    public var parameterRows: Int {
        switch self {
        case .shiftRelu1, .shiftLeakyRelu1: return 2
        case .device(let negation, _): return negation ? 2 : 3
        default: return 3
        }
    }

    /// The family's formula, for reports.
    public var formula: String {
        switch self {
        case .shiftTanh1: return "tanh(p1*(vs-vd) + p0)"
        case .shiftTanh2: return "tanh(p0*vs + p1*vd + p2)"
        case .shiftRelu1: return "p1*relu(vs-vd-p0)"
        case .shiftRelu2: return "relu(p0*vs + p1*vd + p2)"
        case .shiftLeakyRelu1: return "p1*leaky_relu(vs-vd-p0, 0.01)"
        case .shiftLeakyRelu2: return "leaky_relu(p0*vs + p1*vd + p2, 0.01)"
        case .conductance: return "p0*(vs-vd)"
        case let .device(negation, activation):
            return negation ? "\(activation.rawValue)(p1*(vs-vd) + p0)" : "\(activation.rawValue)(p0*vs + p1*vd + p2)"
        }
    }

    /// Builds a family from upstream's `network.model` entry (`name` and `args`).
    public init(upstreamName name: String, negation: Bool? = nil, activation: String? = nil) throws(ModelError) {
        switch name {
        case "ShiftTanh1": self = .shiftTanh1
        case "ShiftTanh2": self = .shiftTanh2
        case "ShiftRelu1": self = .shiftRelu1
        case "ShiftRelu2": self = .shiftRelu2
        case "ShiftLeakyRelu1": self = .shiftLeakyRelu1
        case "ShiftLeakyRelu2": self = .shiftLeakyRelu2
        case "Conductance": self = .conductance
        case "Device":
            guard let negation else {
                throw .invalid("network.model.args.negation", "Device needs `negation: true|false`")
            }
            guard let act = Activation(upstreamName: activation) else {
                throw .invalid("network.model.args.activation",
                               "unsupported activation '\(activation ?? "")'; supported: \(Activation.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self = .device(negation: negation, activation: act)
        default:
            throw .invalid("network.model.name",
                           "unknown edge family '\(name)'; expected ShiftTanh1, ShiftTanh2, ShiftRelu1, ShiftRelu2, ShiftLeakyRelu1, ShiftLeakyRelu2, Conductance or Device")
        }
    }

    /// The edge current and its partial derivatives with respect to `vs` and `vd`.
    ///
    /// Derivatives follow PyTorch autograd at kinks, so the log-density trace matches upstream.
    @inlinable
    public func current(vs: Double, vd: Double, p0: Double, p1: Double, p2: Double)
        -> (i: Double, dvs: Double, dvd: Double)
    {
        switch self {
        case .shiftTanh1:
            let t = Foundation.tanh(p1 * (vs - vd) + p0)
            let g = (1 - t * t) * p1
            return (t, g, -g)
        case .shiftTanh2:
            let t = Foundation.tanh(p0 * vs + p1 * vd + p2)
            let g = 1 - t * t
            return (t, g * p0, g * p1)
        case .shiftRelu1:
            let x = vs - vd - p0
            return x > 0 ? (p1 * x, p1, -p1) : (0, 0, 0)
        case .shiftLeakyRelu1:
            let x = vs - vd - p0
            return x > 0 ? (p1 * x, p1, -p1) : (p1 * 0.01 * x, p1 * 0.01, -p1 * 0.01)
        case .shiftRelu2:
            let x = p0 * vs + p1 * vd + p2
            return x > 0 ? (x, p0, p1) : (0, 0, 0)
        case .shiftLeakyRelu2:
            let x = p0 * vs + p1 * vd + p2
            return x > 0 ? (x, p0, p1) : (0.01 * x, 0.01 * p0, 0.01 * p1)
        case .conductance:
            return (p0 * (vs - vd), p0, -p0)
        case let .device(negation, activation):
            if negation {
                let (a, s) = activation.valueAndSlope(p1 * (vs - vd) + p0)
                return (a, s * p1, -s * p1)
            } else {
                let (a, s) = activation.valueAndSlope(p0 * vs + p1 * vd + p2)
                return (a, s * p0, s * p1)
            }
        }
    }
}
