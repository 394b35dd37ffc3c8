import Foundation

/// What `kn-map inspect` reports about a network: structure, parameter ranges, anchors, and the chip's
/// forward-pass time for a given τ.
public struct NetworkSummary: Codable, Sendable {
    public struct ParameterRange: Codable, Sendable {
        public var row: Int
        public var min: Double
        public var max: Double
        public var meanAbs: Double
    }

    public struct LayerSummary: Codable, Sendable {
        public var index: Int
        public var generator: String
        public var nodes: Int
        public var edges: Int
        public var groundEdges: Int
        public var distinctParameterIndices: Int
        public var span: Double
        public var parameters: [ParameterRange]
    }

    public var family: String
    public var formula: String
    public var block: BlockKind
    public var testBench: String?
    public var layers: [LayerSummary]
    public var anchors: [Double]
    public var totalEdges: Int
    public var totalParameters: Int
    public var inputWidth: Int
    public var fill: Fill?
    public var residual: [Int]?
    public var encoder: [Int]?
    public var projectors: [String]
    public var solver: SolverSettings
    /// Forward-pass time of the chip, `anchors.last × τ`, when τ is given.
    public var tau: Double?
    public var forwardTime: Double?

    public init(_ network: Network, tau: Double? = nil) {
        family = network.family.description
        formula = network.family.formula
        block = network.block
        testBench = network.testBench
        anchors = network.anchors
        totalEdges = network.edgeCount
        totalParameters = network.layers.reduce(0) { $0 + $1.parameters.values.count }
        inputWidth = network.inputWidth
        fill = network.fill
        residual = network.residual
        encoder = network.encoder?.widths
        projectors = network.projectors.map(\.keyword)
        solver = network.solver
        self.tau = tau
        forwardTime = tau.map { $0 * ((network.anchors.last ?? 0) - (network.anchors.first ?? 0)) }
        let spans = network.spans
        layers = network.layers.enumerated().map { l, layer in
            let p = layer.parameters
            let ranges = (0..<p.rows).map { r -> ParameterRange in
                let row = p.row(r)
                return ParameterRange(row: r, min: row.min() ?? 0, max: row.max() ?? 0,
                                      meanAbs: row.reduce(0) { $0 + abs($1) } / Double(max(row.count, 1)))
            }
            let ground = zip(layer.edges.src, layer.edges.des).filter { $0 == 0 || $1 == 0 }.count
            return LayerSummary(index: l, generator: layer.generator?.upstreamName ?? "explicit edges",
                                nodes: layer.nodeCount, edges: layer.edgeCount, groundEdges: ground,
                                distinctParameterIndices: layer.edges.parameterCount, span: spans[l],
                                parameters: ranges)
        }
    }

    /// A human-readable report.
    public var text: String {
        var out = "family      \(family): i = \(formula)\n"
        out += "block       \(block == .plain ? "plain (CircuitBlock)" : "augmented (AugCircuitBlock, log-density)")"
        if let tb = testBench { out += ", test bench \(tb)" }
        out += "\nlayers      \(layers.count), \(totalEdges) edges, \(totalParameters) parameters, input width \(inputWidth)\n"
        out += "anchors     " + anchors.map { String(format: "%g", $0) }.joined(separator: ", ") + "\n"
        out += "solver      \(solver.method), tol \(solver.tolerance), first_step \(solver.firstStep), min_step \(solver.minStep)\n"
        if let fill { out += "fill        \(fill.rawValue)\n" }
        if let residual { out += "residual    layer \(residual[0]) → after layer \(residual[1])\n" }
        if let encoder { out += "encoder     MLP \(encoder.map(String.init).joined(separator: "→")) (simulated; not mappable to a circuit)\n" }
        if !projectors.isEmpty { out += "projector   \(projectors.joined(separator: ", "))\n" }
        for l in layers {
            out += "layer \(l.index)     \(l.generator): \(l.nodes) nodes, \(l.edges) edges (\(l.groundEdges) to ground), span \(String(format: "%g", l.span))\n"
            for r in l.parameters {
                out += String(format: "            p%d in [%.6g, %.6g], mean |p| %.4g\n", r.row, r.min, r.max, r.meanAbs)
            }
        }
        if let tau, let forwardTime {
            out += String(format: "chip        τ = %.4g s → forward pass %.4g s\n", tau, forwardTime)
        }
        return out
    }
}
