import ArgumentParser
import Foundation
import KNModel

struct SubnetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subnet",
        abstract: "Cut some edges of one layer out of a model as a one-layer model (reduced circuits for transistor runs).",
        discussion: """
        The picked edges keep their node numbers, parameters and order; the new model runs over the layer's
        t_end span as a plain block and pads narrower inputs with zeros, so the full network's inputs work
        unchanged. Pick edges with --first N [--stride S] (every S-th edge from edge 0, N of them) or with
        --edge E, repeated.

        Examples:
          kn-map subnet twomoon.knm --layer 0 --first 60 -o sub60.knm
          kn-map subnet twomoon.knm --layer 0 --first 10 --stride 30 -o sub10.knm
          kn-map subnet twomoon.knm --layer 1 --edge 34 --edge 102 -o two.knm
        """
    )

    @Argument(help: "A model file written by `kn-map import`.")
    var model: String

    @Option(help: "The layer the edges come from (0-based).")
    var layer: Int = 0

    @Option(help: "How many edges to take, every --stride-th from edge 0.")
    var first: Int?

    @Option(help: "The step between picked edges with --first.")
    var stride: Int = 1

    @Option(name: .customLong("edge"), help: "One edge index of the layer; repeat for more.")
    var edges: [Int] = []

    @Option(name: .shortAndLong, help: "The model file to write.")
    var output: String

    func validate() throws {
        guard (first == nil) != edges.isEmpty else { throw ValidationError("give either --first N or one or more --edge E") }
        if let first, first < 1 { throw ValidationError("--first must be at least 1, got \(first)") }
        guard stride >= 1 else { throw ValidationError("--stride must be at least 1, got \(stride)") }
        if first == nil, stride != 1 { throw ValidationError("--stride goes with --first") }
    }

    func run() throws {
        let network = try ModelFile.read(from: URL(fileURLWithPath: model))
        var picked = edges
        // A layer the model lacks is refused by `subnetwork`, with the layers it has.
        if let first, network.layers.indices.contains(layer) {
            let count = network.layers[layer].edgeCount
            picked = Array(Swift.stride(from: 0, to: count, by: stride).prefix(first))
            guard picked.count == first else {
                throw ModelError.invalid(model, "layer \(layer) has \(count) edges, so only \(picked.count) are every \(stride)-th; lower --first or --stride")
            }
        }
        let reduced: Network
        do {
            reduced = try network.subnetwork(layer: layer, edges: picked)
        } catch {
            throw ModelError.invalid(model, error.description)
        }
        let url = URL(fileURLWithPath: output)
        try ModelFile.write(reduced, to: url)
        let nodes = reduced.layers[0].nodeCount
        print("wrote \(url.path): \(picked.count) edges of layer \(layer) on \(nodes) node\(nodes == 1 ? "" : "s"), over t = \(reduced.anchors[0])…\(reduced.anchors[1])")
    }
}
