/// One circuit layer: a topology and its learned parameters, integrated over one `t_end` span.
public struct Layer: Hashable, Codable, Sendable {
    /// The generator this layer's edges came from, if known (a model file may also carry raw edges).
    public var generator: TopologyGenerator?
    public var edges: EdgeList
    /// `(P, E)`: row p is parameter p of every edge, column e is edge e.
    public var parameters: ParameterMatrix

    public init(generator: TopologyGenerator?, edges: EdgeList, parameters: ParameterMatrix) {
        self.generator = generator
        self.edges = edges
        self.parameters = parameters
    }

    /// The state dimension N (non-ground nodes 1…N).
    public var nodeCount: Int { edges.maxNode }
    public var edgeCount: Int { edges.count }
}

/// How upstream chains the layers: the plain `CircuitBlock` (classification) or the log-density
/// augmented `AugCircuitBlock` (generation and density tasks).
public enum BlockKind: String, Codable, Sendable {
    case plain
    case augmented
}

/// The padding rule when a layer has more nodes than the incoming state (`network.fill`).
public enum Fill: String, Codable, Sendable {
    case zeros
    case `repeat`
}

/// A read-out applied after the last layer (`network.projector`).
public enum Projector: Hashable, Codable, Sendable {
    /// `lastK`: the last K node voltages.
    case last(Int)
    /// `firstK`: the first K node voltages.
    case first(Int)
    /// `reshapeK`: `x.view(K, D / K).t()`, a `[D/K, K]` matrix (flattened row-major).
    case reshape(Int)
    /// `mlp_A_B`: a linear layer A → B (upstream's `FeedForwardNet([A, B])`).
    case mlp(MultilayerPerceptron)

    /// Upstream's keyword, as written in config.yaml.
    public var keyword: String {
        switch self {
        case .last(let k): return "last\(k)"
        case .first(let k): return "first\(k)"
        case .reshape(let k): return "reshape\(k)"
        case .mlp(let m): return "mlp_" + m.widths.map(String.init).joined(separator: "_")
        }
    }
}

/// Upstream's `FeedForwardNet(hidden_dims)`: Linear layers with ReLU between them (not after the last).
public struct MultilayerPerceptron: Hashable, Codable, Sendable {
    /// `hidden_dims`: the widths from input to output.
    public var widths: [Int]
    /// One `(out, in)` weight matrix per linear layer.
    public var weights: [ParameterMatrix]
    /// One bias vector per linear layer (a `(1, out)` matrix).
    public var biases: [ParameterMatrix]

    public init(widths: [Int], weights: [ParameterMatrix], biases: [ParameterMatrix]) {
        self.widths = widths
        self.weights = weights
        self.biases = biases
    }

    /// Applies the network to one input vector.
    public func apply(_ x: [Double]) -> [Double] {
        var h = x
        for (l, w) in weights.enumerated() {
            var y = [Double](repeating: 0, count: w.rows)
            for o in 0..<w.rows {
                var s = biases[l].values[o]
                for i in 0..<w.columns { s += w.values[o * w.columns + i] * h[i] }
                y[o] = l < weights.count - 1 ? max(s, 0) : s
            }
            h = y
        }
        return h
    }
}

/// Upstream's `simulation` section.
public struct SolverSettings: Hashable, Codable, Sendable {
    /// `method` (torchdiffeq name, `dopri5` in every published config).
    public var method: String
    /// `tol`: used as both rtol and atol.
    public var tolerance: Double
    public var firstStep: Double
    public var minStep: Double
    public var stepSize: Double

    public init(method: String = "dopri5", tolerance: Double = 1e-4, firstStep: Double = 1e-3,
                minStep: Double = 1e-6, stepSize: Double = 1e-6) {
        self.method = method
        self.tolerance = tolerance
        self.firstStep = firstStep
        self.minStep = minStep
        self.stepSize = stepSize
    }
}

/// A whole KirchhoffNet: layers over `t_end` anchors, the edge family, and upstream's chaining rules.
public struct Network: Hashable, Codable, Sendable {
    public var family: EdgeFamily
    public var layers: [Layer]
    /// `simulation.t_end`: L + 1 anchors; layer l runs over [anchors[l], anchors[l+1]].
    public var anchors: [Double]
    public var block: BlockKind
    public var fill: Fill?
    /// `network.residual`: `[from, to]`: the output of layer `from` is added after layer `to`.
    public var residual: [Int]?
    public var encoder: MultilayerPerceptron?
    public var projectors: [Projector]
    public var solver: SolverSettings
    /// `test_bench` of the config (the task), if known.
    public var testBench: String?

    public init(family: EdgeFamily, layers: [Layer], anchors: [Double], block: BlockKind, fill: Fill? = nil,
                residual: [Int]? = nil, encoder: MultilayerPerceptron? = nil, projectors: [Projector] = [],
                solver: SolverSettings = SolverSettings(), testBench: String? = nil) {
        self.family = family
        self.layers = layers
        self.anchors = anchors
        self.block = block
        self.fill = fill
        self.residual = residual
        self.encoder = encoder
        self.projectors = projectors
        self.solver = solver
        self.testBench = testBench
    }

    /// Exact decimal layer spans `t_{l+1} − t_l`.
    public var spans: [Double] { (0..<layers.count).map { anchors[$0 + 1] - anchors[$0] } }

    /// The spans upstream actually integrates: `float32(t_{l+1}) − float32(t_l)` evaluated in float32.
    public var float32Spans: [Double] {
        (0..<layers.count).map { Double(Float(anchors[$0 + 1]) - Float(anchors[$0])) }
    }

    /// The natural input width: the encoder's input width, else the first layer's node count. A plain block
    /// with `fill` also accepts narrower inputs (mnist: 784 pixels padded to 834 nodes) and wider ones (truncated).
    public var inputWidth: Int { encoder?.widths.first ?? layers.first?.nodeCount ?? 0 }

    /// Total number of edges over all layers.
    public var edgeCount: Int { layers.reduce(0) { $0 + $1.edgeCount } }

    /// Checks the structural invariants every stage relies on.
    public func validate() throws(ModelError) {
        guard !layers.isEmpty else { throw .invalid("network.net_struct", "has no layers") }
        guard anchors.count == layers.count + 1 else {
            throw .invalid("simulation.t_end", "has \(anchors.count) anchors but the network has \(layers.count) layers; it needs \(layers.count + 1)")
        }
        guard anchors.allSatisfy(\.isFinite) else { throw .invalid("simulation.t_end", "contains a non-finite value") }
        for l in 0..<layers.count where !(anchors[l + 1] > anchors[l]) {
            throw .invalid("simulation.t_end", "anchors must increase strictly: t_end[\(l)] = \(anchors[l]), t_end[\(l + 1)] = \(anchors[l + 1])")
        }
        for (l, layer) in layers.enumerated() {
            let p = layer.parameters
            guard p.rows == family.parameterRows, p.columns == layer.edgeCount else {
                throw .invalid("layer \(l)", "parameters have shape (\(p.rows), \(p.columns)) but \(family.upstreamName) on this topology needs (\(family.parameterRows), \(layer.edgeCount))")
            }
            guard layer.edges.src.count == layer.edges.des.count, layer.edges.des.count == layer.edges.parameterIndex.count else {
                throw .invalid("layer \(l)", "edge columns have different lengths")
            }
            guard layer.edges.src.allSatisfy({ $0 >= 0 }), layer.edges.des.allSatisfy({ $0 >= 0 }) else {
                throw .invalid("layer \(l)", "negative node index")
            }
            if let bad = p.firstNonFinite() {
                throw .invalid("layer \(l)", "parameter p\(bad.row) of edge \(bad.column) is \(bad.value); every parameter must be finite")
            }
        }
        if let r = residual {
            guard r.count == 2, r.allSatisfy({ $0 >= 0 && $0 < layers.count }) else {
                throw .invalid("network.residual", "must be [from, to] with layer indices below \(layers.count), got \(r)")
            }
        }
    }
}
