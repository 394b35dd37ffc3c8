import Foundation
import KNModel

/// One edge family's current law, as a value type so that the kernel loop is specialised per family
/// (the family is chosen once, outside the loop).
///
/// Derivatives follow PyTorch autograd at kinks (relu'(0) = 0, leaky_relu'(0) = 0.01).
protocol EdgeLaw {
    /// The edge current `g(vs, vd; p)`.
    func current(_ vs: Double, _ vd: Double, _ p0: Double, _ p1: Double, _ p2: Double) -> Double
    /// The current and its partial derivatives with respect to `vs` and `vd`.
    func slopes(_ vs: Double, _ vd: Double, _ p0: Double, _ p1: Double, _ p2: Double)
        -> (i: Double, dvs: Double, dvd: Double)
}

struct ShiftTanh1Law: EdgeLaw {
    @inline(__always) func current(_ vs: Double, _ vd: Double, _ p0: Double, _ p1: Double, _ p2: Double) -> Double {
        Foundation.tanh(p1 * (vs - vd) + p0)
    }
    @inline(__always) func slopes(_ vs: Double, _ vd: Double, _ p0: Double, _ p1: Double, _ p2: Double)
        -> (i: Double, dvs: Double, dvd: Double) {
        let t = Foundation.tanh(p1 * (vs - vd) + p0)
        let g = (1 - t * t) * p1
        return (t, g, -g)
    }
}

struct ShiftTanh2Law: EdgeLaw {
    @inline(__always) func current(_ vs: Double, _ vd: Double, _ p0: Double, _ p1: Double, _ p2: Double) -> Double {
        Foundation.tanh(p0 * vs + p1 * vd + p2)
    }
    @inline(__always) func slopes(_ vs: Double, _ vd: Double, _ p0: Double, _ p1: Double, _ p2: Double)
        -> (i: Double, dvs: Double, dvd: Double) {
        let t = Foundation.tanh(p0 * vs + p1 * vd + p2)
        let g = 1 - t * t
        return (t, g * p0, g * p1)
    }
}

struct ShiftRelu1Law: EdgeLaw {
    @inline(__always) func current(_ vs: Double, _ vd: Double, _ p0: Double, _ p1: Double, _ p2: Double) -> Double {
        let x = vs - vd - p0
        return p1 * (x > 0 ? x : 0)
    }
    @inline(__always) func slopes(_ vs: Double, _ vd: Double, _ p0: Double, _ p1: Double, _ p2: Double)
        -> (i: Double, dvs: Double, dvd: Double) {
        let x = vs - vd - p0
        return x > 0 ? (p1 * x, p1, -p1) : (0, 0, 0)
    }
}

struct ShiftLeakyRelu1Law: EdgeLaw {
    @inline(__always) func current(_ vs: Double, _ vd: Double, _ p0: Double, _ p1: Double, _ p2: Double) -> Double {
        let x = vs - vd - p0
        return p1 * (x > 0 ? x : 0.01 * x)
    }
    @inline(__always) func slopes(_ vs: Double, _ vd: Double, _ p0: Double, _ p1: Double, _ p2: Double)
        -> (i: Double, dvs: Double, dvd: Double) {
        let x = vs - vd - p0
        let s = x > 0 ? 1.0 : 0.01
        return (p1 * s * x, p1 * s, -p1 * s)
    }
}

struct ShiftRelu2Law: EdgeLaw {
    @inline(__always) func current(_ vs: Double, _ vd: Double, _ p0: Double, _ p1: Double, _ p2: Double) -> Double {
        let x = p0 * vs + p1 * vd + p2
        return x > 0 ? x : 0
    }
    @inline(__always) func slopes(_ vs: Double, _ vd: Double, _ p0: Double, _ p1: Double, _ p2: Double)
        -> (i: Double, dvs: Double, dvd: Double) {
        let x = p0 * vs + p1 * vd + p2
        return x > 0 ? (x, p0, p1) : (0, 0, 0)
    }
}

struct ShiftLeakyRelu2Law: EdgeLaw {
    @inline(__always) func current(_ vs: Double, _ vd: Double, _ p0: Double, _ p1: Double, _ p2: Double) -> Double {
        let x = p0 * vs + p1 * vd + p2
        return x > 0 ? x : 0.01 * x
    }
    @inline(__always) func slopes(_ vs: Double, _ vd: Double, _ p0: Double, _ p1: Double, _ p2: Double)
        -> (i: Double, dvs: Double, dvd: Double) {
        let x = p0 * vs + p1 * vd + p2
        let s = x > 0 ? 1.0 : 0.01
        return (s * x, s * p0, s * p1)
    }
}

struct ConductanceLaw: EdgeLaw {
    @inline(__always) func current(_ vs: Double, _ vd: Double, _ p0: Double, _ p1: Double, _ p2: Double) -> Double {
        p0 * (vs - vd)
    }
    @inline(__always) func slopes(_ vs: Double, _ vd: Double, _ p0: Double, _ p1: Double, _ p2: Double)
        -> (i: Double, dvs: Double, dvd: Double) {
        (p0 * (vs - vd), p0, -p0)
    }
}

/// `Device(negation, activation)`: the activation is a run-time value, switched per edge (no shipped
/// checkpoint uses this family).
struct DeviceLaw: EdgeLaw {
    let negation: Bool
    let activation: Activation

    @inline(__always) func current(_ vs: Double, _ vd: Double, _ p0: Double, _ p1: Double, _ p2: Double) -> Double {
        let x = negation ? p1 * (vs - vd) + p0 : p0 * vs + p1 * vd + p2
        return activation.valueAndSlope(x).value
    }
    @inline(__always) func slopes(_ vs: Double, _ vd: Double, _ p0: Double, _ p1: Double, _ p2: Double)
        -> (i: Double, dvs: Double, dvd: Double) {
        if negation {
            let (a, s) = activation.valueAndSlope(p1 * (vs - vd) + p0)
            return (a, s * p1, -s * p1)
        }
        let (a, s) = activation.valueAndSlope(p0 * vs + p1 * vd + p2)
        return (a, s * p0, s * p1)
    }
}
