/// The integrator used for every layer.
public enum IntegrationMethod: Hashable, Sendable {
    /// ARKODE ERKStep with the Dormand–Prince 5(4) table, at the network's `tol`, `first_step` and
    /// `min_step`: what upstream's torchdiffeq `dopri5` does (the same method and tolerances, not bit for bit).
    case dopri5
    /// CVODES Adams–Moulton with a fixed-point corrector at tight tolerances: the exact ODE solution the
    /// circuit computes. On relu families the kinks limit Adams: on mnist at 1e-10 its logits are within 1e-5
    /// of the reference, the stiff method's within 3e-7.
    case exact(relativeTolerance: Double = 1e-10, absoluteTolerance: Double = 1e-10)
    /// CVODES BDF with Newton iterations on a sparse KLU Jacobian, for stiff circuits (small node capacitances).
    case stiff(relativeTolerance: Double = 1e-10, absoluteTolerance: Double = 1e-10)

    /// `exact` at rtol = atol = 1e-10.
    public static var exact: IntegrationMethod { .exact() }
    /// `stiff` at rtol = atol = 1e-10.
    public static var stiff: IntegrationMethod { .stiff() }
}

/// Which way the layers are traversed.
public enum Direction: String, Hashable, Sendable {
    /// `reverse=False`: layers 0…L−1, each integrated forward over [0, span]. The sampling direction.
    case forward
    /// `reverse=True`: layers L−1…0, each integrated backward in time from span to 0. The training
    /// direction of the generation tasks.
    case reverse
}

/// Which layer spans are integrated.
public enum SpanMode: String, Hashable, Sendable {
    /// The exact decimal spans `t_{l+1} − t_l`.
    case exact
    /// The float32 spans upstream integrates (`Network.float32Spans`).
    case float32
}

/// Everything that can be chosen about a simulation besides the network.
public struct SimulationOptions: Hashable, Sendable {
    public var method: IntegrationMethod
    public var direction: Direction
    public var spans: SpanMode
    /// Integrate the log-density augmentation `d logp/dt = −tr(∂f/∂v)`. `nil` means: on for an augmented
    /// network (generation and density tasks), off for a plain one.
    public var logDensity: Bool?
    /// Absolute times (on the `t_end` axis) at which the state is also reported, besides the anchors.
    /// Times that fall strictly inside a layer's span are reported in that layer's order of integration.
    public var trajectoryTimes: [Double]
    /// Node capacitances per layer (`capacitances[l][n − 1]` for node n of layer l): dv/dt = KCL / C.
    /// `nil` means C = 1 everywhere, as upstream.
    public var capacitances: [[Double]]?
    /// The step budget of one integration call (one layer, or up to one trajectory time); mnist at 1e-10
    /// takes about 7k Adams steps in its second layer.
    public var maxSteps: Int
    /// The edges' current laws: the network's own (`ideal`, the default) or the characterized cells'.
    public var edges: EdgeModel
    /// With characterized edges that carry measured capacitances (``CellDynamics``): load the nodes with them
    /// (the default), or integrate with the node capacitors alone.
    public var cellCapacitances: Bool

    public init(method: IntegrationMethod = .exact, direction: Direction = .forward, spans: SpanMode = .exact,
                logDensity: Bool? = nil, trajectoryTimes: [Double] = [], capacitances: [[Double]]? = nil,
                maxSteps: Int = 10_000_000, edges: EdgeModel = .ideal, cellCapacitances: Bool = true) {
        self.method = method
        self.direction = direction
        self.spans = spans
        self.logDensity = logDensity
        self.trajectoryTimes = trajectoryTimes
        self.capacitances = capacitances
        self.maxSteps = maxSteps
        self.edges = edges
        self.cellCapacitances = cellCapacitances
    }
}
