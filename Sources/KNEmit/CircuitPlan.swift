import KNModel

/// What a behavioral circuit of a network looks like: its nets, its initial state and its layer schedule.
///
/// Building the plan is where every part of a network that a circuit cannot represent is refused:
/// an MLP encoder or projector, a residual connection, `fill: repeat` padding, a node that is dropped by one
/// layer and used again by a later one, and the reverse direction. Everything else maps directly: a layer with
/// more nodes than the state before it is `fill: zeros` padding, which a circuit gets for free because the new
/// nodes have been sitting at V_CM (model value 0) since t = 0; a layer with fewer nodes keeps the first N.
public struct CircuitPlan: Sendable {
    /// The network the plan was made from.
    public let network: Network
    /// The physical scaling.
    public let scaling: ChipScaling
    /// The number of network nodes 1…nodeCount that exist as nets (the largest N over the layers).
    public let nodeCount: Int
    /// The initial model value of nodes 1…nodeCount (index 0 is node 1).
    public let initialState: [Double]
    /// Circuit time of each anchor, in seconds: `(t_k − t_0)·tau`.
    public let anchorTimes: [Double]
    /// For each anchor, the number of nodes that form the state at that anchor (N of the layer just finished;
    /// for anchor 0, N of the first layer).
    public let stateWidths: [Int]

    /// Plans the circuit of `network` started from `inputs` (model units, the state entering the first layer).
    ///
    /// - Parameters:
    ///   - inputs: at most N of the first layer values; missing trailing values are zeros under `fill: zeros`.
    ///   - reverse: upstream's `reverse=True` (integration backward in time) is refused.
    public init(network: Network, scaling: ChipScaling, inputs: [Double], reverse: Bool = false) throws(EmitError) {
        do { try network.validate() } catch { throw .invalid("network", error.description) }
        try scaling.validate()
        if reverse {
            throw .unsupported("direction", "reverse=True integrates backward in time; the emitted circuit runs forward only (emit the forward direction)")
        }
        if let encoder = network.encoder {
            throw .unsupported("network.encoder", "an MLP encoder (widths \(encoder.widths)) has no circuit; apply it in software and emit the circuit from its output")
        }
        for p in network.projectors {
            if case .mlp = p {
                throw .unsupported("network.projector", "an MLP projector (\(p.keyword)) has no circuit; read the node voltages and apply it in software")
            }
        }
        if let r = network.residual {
            throw .unsupported("network.residual", "the residual connection \(r) adds a stored state to a later one, which the behavioral circuit has no storage for")
        }
        let widths = network.layers.map(\.nodeCount)
        let first = widths[0]
        guard inputs.count <= first else {
            throw .invalid("inputs", "\(inputs.count) input values but the first layer has \(first) nodes")
        }
        if let bad = inputs.firstIndex(where: { !$0.isFinite }) {
            throw .invalid("inputs[\(bad)]", "is \(inputs[bad]); inputs must be finite")
        }
        if inputs.count < first, network.fill != .zeros || network.block != .plain {
            throw .unsupported("network.fill", "\(inputs.count) inputs for a first layer of \(first) nodes need padding; only `fill: zeros` on a plain block maps to a circuit (new nodes start at V_CM)")
        }
        // Growth after the first layer: only zeros padding of nodes that have never been used.
        var width = first
        var used = first
        for (l, n) in widths.enumerated().dropFirst() {
            if n > width {
                guard network.fill == .zeros, network.block == .plain else {
                    let rule = network.fill.map { "`fill: \($0.rawValue)`" } ?? "no `fill`"
                    throw .unsupported("layer \(l)", "has \(n) nodes after a state of \(width); \(rule) on a \(network.block.rawValue) block does not map to a circuit (only `fill: zeros` on a plain block does)")
                }
                if width < used {
                    throw .unsupported("layer \(l)", "uses nodes \(width + 1)…\(min(n, used)) again after an earlier layer dropped them; a circuit node keeps its voltage, so it cannot restart them at zero")
                }
            }
            width = n
            used = max(used, n)
        }
        self.network = network
        self.scaling = scaling
        self.nodeCount = widths.max() ?? 0
        self.initialState = inputs + [Double](repeating: 0, count: nodeCount - inputs.count)
        let t0 = network.anchors[0]
        self.anchorTimes = network.anchors.map { ($0 - t0) * scaling.tau }
        self.stateWidths = [first] + widths
    }

    /// The net of network node `node`: `n<k>` in a one-sample netlist, `s<j>_n<k>` for sample `j` of a batch.
    /// Model ground (node 0) is the shared reference `n0`.
    public static func netName(_ node: Int, sample: Int? = nil) -> String {
        guard node != 0, let sample else { return "n\(node)" }
        return "s\(sample)_n\(node)"
    }

    /// The net holding node `node`'s model-unit value in a B-source netlist: `u<k>` (`s<j>_u<k>` in a batch).
    public static func unitNetName(_ node: Int, sample: Int? = nil) -> String {
        guard let sample else { return "u\(node)" }
        return "s\(sample)_u\(node)"
    }

    /// Checks that the plans of a batch describe the same network and scaling.
    static func checkBatch(_ plans: [CircuitPlan]) throws(EmitError) {
        guard let first = plans.first else { return }
        for (j, p) in plans.enumerated().dropFirst() {
            guard p.scaling == first.scaling else {
                throw .invalid("batch sample \(j)", "has a different scaling from sample 0; a batch shares one scaling")
            }
            guard p.network == first.network else {
                throw .invalid("batch sample \(j)", "has a different network from sample 0; a batch holds copies of one network")
            }
        }
    }

    /// The conduction window of layer `l` in circuit seconds.
    public func window(ofLayer l: Int) -> (start: Double, end: Double) {
        (anchorTimes[l], anchorTimes[l + 1])
    }

    /// The header lines that describe the source model (without comment markers).
    func modelLines(source: String?) -> [String] {
        var lines: [String] = []
        if let source { lines.append("source model: \(source)") }
        let n = network
        lines.append("edge family: \(n.family.description), i = \(n.family.formula), vs = (V(src)-V_CM)/alpha, vd = (V(des)-V_CM)/alpha")
        lines.append("layers: \(n.layers.count), nodes per layer: \(n.layers.map(\.nodeCount)), edges per layer: \(n.layers.map(\.edgeCount)), total edges: \(n.edgeCount)")
        lines.append("anchors (model time t_end): \(n.anchors)")
        lines.append("anchors (circuit time, s): \(anchorTimes)")
        lines.append("layer k conducts during [anchor_k, anchor_k+1) in circuit time; fill: \(n.fill?.rawValue ?? "none"), block: \(n.block.rawValue)")
        return lines
    }
}
