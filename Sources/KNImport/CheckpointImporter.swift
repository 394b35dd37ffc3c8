import Foundation
import KNModel

/// Imports a trained KirchhoffNet (`model.pth` + `config.yaml` from upstream's `results/<exp>/`) as a `Network`,
/// without Python.
///
/// ```swift
/// let net = try CheckpointImporter.importNetwork(checkpoint: dir.appending(path: "model.pth"),
///                                                 config: dir.appending(path: "config.yaml"))
/// ```
/// The topology is rebuilt from `config.yaml` exactly as upstream's generators build it; the checkpoint must hold
/// one `circuit.layer_list.<l>.model.param` of shape `(P, E)` per layer (plus the encoder / projector MLP weights
/// when the config has them) and nothing else. Parameters keep their storage precision and are promoted to
/// `Double` exactly.
public enum CheckpointImporter {
    /// The state-dict key of layer `l`'s parameters.
    public static func parameterKey(layer l: Int) -> String { "circuit.layer_list.\(l).model.param" }

    /// Reads both files and builds the network.
    ///
    /// - Parameters:
    ///   - checkpoint: `model.pth` (torch zip format).
    ///   - config: the `config.yaml` saved with it.
    ///   - block: the chaining rule; when nil it follows from `test_bench` (classification → `.plain`,
    ///     generation / density → `.augmented`), and an unknown bench is an error.
    /// - Throws: `ImportError`, one line naming the file, the place, the problem and the fix.
    public static func importNetwork(checkpoint: URL, config: URL, block: BlockKind? = nil) throws(ImportError) -> Network {
        let settings = try UpstreamConfig.read(config)
        let kind = try blockKind(settings, file: config.path, override: block)
        // Check the topology before reading a large checkpoint.
        let edges = try generateEdges(settings, file: config.path)
        let state = try TorchCheckpoint.read(checkpoint)
        return try assemble(state: state, checkpoint: checkpoint.path, config: settings, configFile: config.path,
                            block: kind, edges: edges)
    }

    /// Imports an upstream results folder (`results/<exp>/`) holding `model.pth` and `config.yaml`.
    public static func importNetwork(folder: URL, block: BlockKind? = nil) throws(ImportError) -> Network {
        try importNetwork(checkpoint: folder.appendingPathComponent("model.pth"),
                          config: folder.appendingPathComponent("config.yaml"), block: block)
    }

    /// Builds the network from an already read checkpoint and config.
    public static func assemble(state: TorchCheckpoint, checkpoint: String, config: UpstreamConfig, configFile: String,
                                block: BlockKind? = nil) throws(ImportError) -> Network {
        let kind = try blockKind(config, file: configFile, override: block)
        return try assemble(state: state, checkpoint: checkpoint, config: config, configFile: configFile, block: kind,
                            edges: try generateEdges(config, file: configFile))
    }

    static func blockKind(_ config: UpstreamConfig, file: String, override: BlockKind?) throws(ImportError) -> BlockKind {
        if let override { return override }
        guard let bench = config.testBench else {
            throw ImportError(.config, file: file, location: "test_bench",
                              problem: "is missing, so the block kind (plain CircuitBlock or log-density AugCircuitBlock) is unknown",
                              fix: "pass the block kind explicitly (plain for classification, augmented for generation/density)")
        }
        guard let kind = BlockKind(testBench: bench) else {
            throw ImportError(.config, file: file, location: "test_bench",
                              problem: "'\(bench)' is not a known upstream test bench, so the block kind (plain CircuitBlock or log-density AugCircuitBlock) is unknown",
                              fix: "pass the block kind explicitly (plain for classification, augmented for generation/density)")
        }
        return kind
    }

    static func generateEdges(_ config: UpstreamConfig, file: String) throws(ImportError) -> [EdgeList] {
        var out: [EdgeList] = []
        for (l, generator) in config.generators.enumerated() {
            do {
                out.append(try generator.generate())
            } catch {
                let line = config.generatorLines[l].map { "line \($0), " } ?? ""
                throw ImportError(.config, file: file, location: "\(line)network.net_struct[\(l)]", problem: error.description,
                                  fix: "fix the generator arguments")
            }
        }
        return out
    }

    private static func assemble(state: TorchCheckpoint, checkpoint: String, config: UpstreamConfig, configFile: String,
                                 block: BlockKind, edges: [EdgeList]) throws(ImportError) -> Network {
        let family = config.family
        let mismatchFix = "the checkpoint and config.yaml come from different runs; pass the config.yaml saved next to this model.pth"
        var expected: [String] = []
        var layers: [Layer] = []
        for (l, list) in edges.enumerated() {
            let key = parameterKey(layer: l)
            expected.append(key)
            guard let tensor = state[key] else {
                throw ImportError(.mismatch, file: checkpoint, location: key,
                                  problem: "is missing, but config.yaml (\(configFile)) has \(edges.count) layers",
                                  fix: mismatchFix)
            }
            let want = [family.parameterRows, list.count]
            guard tensor.shape == want else {
                throw ImportError(.mismatch, file: checkpoint, location: key,
                                  problem: "has shape \(tensor.shapeDescription) but config.yaml's layer \(l) (\(config.generators[l].upstreamName), \(family.upstreamName)) needs \(Tensor.describe(want))",
                                  fix: mismatchFix)
            }
            let matrix = ParameterMatrix(rows: want[0], columns: want[1], values: tensor.values, precision: tensor.precision)
            if let bad = matrix.firstNonFinite() {
                throw ImportError(.tensor, file: checkpoint, location: key,
                                  problem: "layer \(l), row \(bad.row) (p\(bad.row)), edge \(bad.column) is \(bad.value); every parameter must be finite",
                                  fix: "training diverged before this checkpoint was saved; use an earlier checkpoint")
            }
            layers.append(Layer(generator: config.generators[l], edges: list, parameters: matrix))
        }

        // Upstream's generation and density scripts (main_gen.py, main_den.py, inference_gen_den.py) build the
        // augmented network with encoder, projector, residual and fill all None, whatever config.yaml says;
        // only the classification path uses them.
        let usesReadout = block == .plain
        var encoder: MultilayerPerceptron?
        if usesReadout, let widths = config.encoderWidths {
            encoder = try perceptron(widths, prefix: "encoder.net.", state: state, file: checkpoint, expected: &expected)
        }
        var projectors: [Projector] = []
        for (j, spec) in config.projectors.enumerated() where usesReadout {
            switch spec {
            case .last(let k): projectors.append(.last(k))
            case .first(let k): projectors.append(.first(k))
            case .reshape(let k): projectors.append(.reshape(k))
            case let .mlp(a, b):
                let prefix = config.projectorIsList ? "projector.\(j).net." : "projector.net."
                projectors.append(.mlp(try perceptron([a, b], prefix: prefix, state: state, file: checkpoint,
                                                      expected: &expected)))
            }
        }

        let expectedSet = Set(expected)
        if let extra = state.keys.first(where: { !expectedSet.contains($0) }) {
            throw ImportError(.mismatch, file: checkpoint, location: extra,
                              problem: "is not part of the network config.yaml (\(configFile)) describes (\(edges.count) layers\(config.encoderWidths == nil ? "" : ", an encoder")\(projectors.contains { if case .mlp = $0 { return true } else { return false } } ? ", an MLP projector" : ""))",
                              fix: mismatchFix)
        }

        let network = Network(family: family, layers: layers, anchors: config.anchors, block: block,
                              fill: usesReadout ? config.fill : nil, residual: usesReadout ? config.residual : nil,
                              encoder: encoder, projectors: projectors, solver: config.solver,
                              testBench: config.testBench)
        do {
            try network.validate()
        } catch {
            throw ImportError(.mismatch, file: configFile, problem: error.description, fix: "fix config.yaml")
        }
        return network
    }

    /// Upstream's `FeedForwardNet(widths)`: Linear layers at `net.0, net.2, …` (ReLU between).
    private static func perceptron(_ widths: [Int], prefix: String, state: TorchCheckpoint, file: String,
                                   expected: inout [String]) throws(ImportError) -> MultilayerPerceptron {
        var weights: [ParameterMatrix] = []
        var biases: [ParameterMatrix] = []
        for i in 0..<(widths.count - 1) {
            let (n, m) = (widths[i + 1], widths[i])
            for (suffix, shape) in [("weight", [n, m]), ("bias", [n])] {
                let key = "\(prefix)\(2 * i).\(suffix)"
                expected.append(key)
                guard let t = state[key] else {
                    throw ImportError(.mismatch, file: file, location: key,
                                      problem: "is missing, but config.yaml describes an MLP with widths \(widths)",
                                      fix: "pass the config.yaml saved next to this model.pth")
                }
                guard t.shape == shape else {
                    throw ImportError(.mismatch, file: file, location: key,
                                      problem: "has shape \(t.shapeDescription) but the MLP \(widths) needs \(Tensor.describe(shape))",
                                      fix: "pass the config.yaml saved next to this model.pth")
                }
                if let bad = t.values.firstIndex(where: { !$0.isFinite }) {
                    throw ImportError(.tensor, file: file, location: key, problem: "element \(bad) is \(t.values[bad]); every weight must be finite",
                                      fix: "training diverged before this checkpoint was saved; use an earlier checkpoint")
                }
                let matrix = ParameterMatrix(rows: shape.count == 2 ? n : 1, columns: shape.count == 2 ? m : n,
                                             values: t.values, precision: t.precision)
                if suffix == "weight" { weights.append(matrix) } else { biases.append(matrix) }
            }
        }
        return MultilayerPerceptron(widths: widths, weights: weights, biases: biases)
    }
}
