import KNModel

/// Public access to upstream's chaining rules, for integrators outside this module (the Monte Carlo and
/// retraining integrators of KNVary) that must chain layers exactly as ``Simulator`` does.
extension Simulator {
    /// The state entering layer `i` after upstream's dimension remedies (padding with zeros, tiling, truncation),
    /// exactly as ``run(input:)`` applies them.
    public func chainedState(_ x: [Double], beforeLayer i: Int) throws(SimulationError) -> [Double] {
        try remedy(x, layer: i)
    }
}

extension Projector {
    /// Applies the read-out to a final state `values` of shape `shape` (`[D]` or `[rows, columns]`), as
    /// ``Simulator/run(input:)`` does.
    public func project(_ values: [Double], shape: [Int]) throws(SimulationError) -> (values: [Double], shape: [Int]) {
        let out = try apply(to: ShapedValues(values: values, shape: shape))
        return (out.values, out.shape)
    }
}
