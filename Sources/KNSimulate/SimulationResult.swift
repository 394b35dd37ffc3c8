/// The state of the network at one time.
public struct TrajectoryPoint: Hashable, Sendable {
    /// The absolute time on the `t_end` axis.
    public var time: Double
    /// The layer being integrated.
    public var layer: Int
    /// Node voltages 1…N of that layer.
    public var state: [Double]
    /// The log-density augmentation, if integrated.
    public var logDensity: Double?
}

/// Solver statistics of one layer integration.
public struct LayerStatistics: Hashable, Sendable {
    public var layer: Int
    /// Right-hand-side evaluations (including those of the Jacobian, none for the explicit and fixed-point methods).
    public var rightHandSideEvaluations: Int
    /// Accepted internal steps.
    public var steps: Int
    /// Jacobian evaluations (stiff method only).
    public var jacobianEvaluations: Int
}

/// The outcome of simulating one input.
public struct SimulationResult: Hashable, Sendable {
    /// `states[k]`: the state after k visited layers. `states[0]` is the input after the encoder and after the
    /// padding/truncation the first visited layer applies (upstream's reference layout).
    public var states: [[Double]]
    /// `logDensity[k]`: the log-density augmentation after k layers (starts at 0); `nil` when not integrated.
    public var logDensity: [Double]?
    /// The absolute anchor time of each entry of `states` (`t_end` forward, reversed in reverse).
    public var anchorTimes: [Double]
    /// The projected output (the final state when there is no projector), flattened row-major.
    public var output: [Double]
    /// The shape of `output`: `[D]` for a vector, `[rows, columns]` after a `reshapeK` projector.
    public var outputShape: [Int]
    /// States at the requested trajectory times, in order of integration.
    public var trajectory: [TrajectoryPoint]
    /// Per visited layer, in order of integration.
    public var statistics: [LayerStatistics]

    /// Right-hand-side evaluations over all layers.
    public var rightHandSideEvaluations: Int { statistics.reduce(0) { $0 + $1.rightHandSideEvaluations } }
    /// Accepted steps over all layers.
    public var steps: Int { statistics.reduce(0) { $0 + $1.steps } }
}
