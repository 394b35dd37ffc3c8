import KNModel

/// The text dialect of an edge-current expression.
enum ExpressionDialect {
    /// ngspice B-source expressions (`uramp`, `tanh`, `exp`, `ln`, `min`, `max`, `a > b ? c : d`).
    case spice
    /// Verilog-A analog expressions (`max`, `min`, `tanh`, `exp`, `ln`, `abs`, `a > b ? c : d`).
    case verilogA
}

/// Renders an edge family's current `g(vs, vd; p)` as text in a simulator dialect.
enum BehavioralExpression {
    /// `sum` of `coefficient·term` plus `constant`, with signs folded (`0.5*a - 0.2*b + 0.1`).
    static func affine(_ terms: [(Double, String)], constant: Double) -> String {
        var out = ""
        for (c, t) in terms where c != 0 && t != "0" {
            let mag = abs(c) == 1 ? t : TextSink.format(abs(c)) + "*" + t
            if out.isEmpty {
                out = (c < 0 ? "-" : "") + mag
            } else {
                out += (c < 0 ? " - " : " + ") + mag
            }
        }
        if constant != 0 || out.isEmpty {
            let mag = TextSink.format(abs(constant))
            out = out.isEmpty ? (constant < 0 ? "-" : "") + mag : out + (constant < 0 ? " - " : " + ") + mag
        }
        return out
    }

    /// `vs − vd − shift` as an affine text.
    static func difference(_ vs: String, _ vd: String, minus shift: Double) -> String {
        affine([(1, vs), (-1, vd)], constant: -shift)
    }

    /// A coefficient that multiplies what follows it, parenthesised when negative (`(-0.5)*…`).
    static func factor(_ c: Double) -> String {
        c < 0 ? "(" + TextSink.format(c) + ")" : TextSink.format(c)
    }

    /// Applies an activation to the argument text `x`.
    static func activation(_ act: Activation, _ x: String, _ dialect: ExpressionDialect) -> String {
        let relu = { (y: String) in dialect == .spice ? "uramp(\(y))" : "max(\(y), 0.0)" }
        switch act {
        case .identity: return "(\(x))"
        case .relu: return relu(x)
        case .leakyRelu: return "(\(relu(x)) - 0.01*\(relu("-(\(x))")))"
        case .tanh: return "tanh(\(x))"
        case .sigmoid: return "(1.0/(1.0 + exp(-(\(x)))))"
        case .softplus: return "((\(x)) > 20.0 ? (\(x)) : ln(1.0 + exp(\(x))))"
        case .elu: return "((\(x)) > 0.0 ? (\(x)) : exp(\(x)) - 1.0)"
        case .silu: return "((\(x))/(1.0 + exp(-(\(x)))))"
        case .relu6: return "min(max(\(x), 0.0), 6.0)"
        case .hardtanh: return "min(max(\(x), -1.0), 1.0)"
        case .softsign: return "((\(x))/(1.0 + abs(\(x))))"
        }
    }

    /// The model-unit current of one edge with its parameters inlined.
    ///
    /// `vs` and `vd` are the texts of the model-unit terminal values (`"0"` for model ground).
    static func current(_ family: EdgeFamily, vs: String, vd: String, p0: Double, p1: Double, p2: Double,
                        dialect: ExpressionDialect) -> String {
        switch family {
        case .shiftTanh1:
            return "tanh(" + affine([(p1, "(\(difference(vs, vd, minus: 0)))")], constant: p0) + ")"
        case .shiftTanh2:
            return "tanh(" + affine([(p0, vs), (p1, vd)], constant: p2) + ")"
        case .shiftRelu1:
            return factor(p1) + "*" + activation(.relu, difference(vs, vd, minus: p0), dialect)
        case .shiftLeakyRelu1:
            return factor(p1) + "*" + activation(.leakyRelu, difference(vs, vd, minus: p0), dialect)
        case .shiftRelu2:
            return activation(.relu, affine([(p0, vs), (p1, vd)], constant: p2), dialect)
        case .shiftLeakyRelu2:
            return activation(.leakyRelu, affine([(p0, vs), (p1, vd)], constant: p2), dialect)
        case .conductance:
            return factor(p0) + "*(" + difference(vs, vd, minus: 0) + ")"
        case let .device(negation, act):
            if negation {
                return activation(act, affine([(p1, "(\(difference(vs, vd, minus: 0)))")], constant: p0), dialect)
            }
            return activation(act, affine([(p0, vs), (p1, vd)], constant: p2), dialect)
        }
    }

    /// The family's current with symbolic parameters `p0, p1, p2` (for Verilog-A modules).
    static func symbolicCurrent(_ family: EdgeFamily, dialect: ExpressionDialect) -> String {
        switch family {
        case .shiftTanh1: return "tanh(p1*(vs - vd) + p0)"
        case .shiftTanh2: return "tanh(p0*vs + p1*vd + p2)"
        case .shiftRelu1: return "p1*" + activation(.relu, "vs - vd - p0", dialect)
        case .shiftLeakyRelu1: return "p1*" + activation(.leakyRelu, "vs - vd - p0", dialect)
        case .shiftRelu2: return activation(.relu, "p0*vs + p1*vd + p2", dialect)
        case .shiftLeakyRelu2: return activation(.leakyRelu, "p0*vs + p1*vd + p2", dialect)
        case .conductance: return "p0*(vs - vd)"
        case let .device(negation, act):
            return activation(act, negation ? "p1*(vs - vd) + p0" : "p0*vs + p1*vd + p2", dialect)
        }
    }
}
